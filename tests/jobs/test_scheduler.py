"""The scheduler's pieces in this process: one APScheduler job per registered job (and the e-mail minute), the
firing of a job (its latest slot, once), and the minute that mails what others committed."""

import logging
from datetime import datetime, timedelta

from sqlalchemy.engine import make_url

from housing import create_app
from housing.auth.roles import Role
from housing.clock import LOCAL_TZ, utcnow
from housing.extensions import db
from housing.jobs.notifications import notify
from housing.jobs.registry import JOBS
from housing.jobs.scheduler import START_RETRY, _fire, _mail, build_scheduler, catch_up_missed, prepare

from ..conftest import make_config
from ..factories import UserFactory
from .conftest import START, local, messages


def test_the_scheduler_has_each_job_at_its_time_in_dortmund(app, clock):
    scheduler = build_scheduler(app)
    now = local(START, 7)

    assert {job.id for job in scheduler.get_jobs()} == set(JOBS) | {"mail", "catch-up"}
    next_runs = {job.id: job.trigger.get_next_fire_time(None, now) for job in scheduler.get_jobs()}
    assert next_runs["property-deadlines"] == local(START + timedelta(days=1), 6)
    assert next_runs["retention"] == local(START + timedelta(days=1), 1, 30)
    assert next_runs["unapproved-months"] == local(START.replace(day=3), 6, 15)
    assert scheduler.get_job("mail").trigger.interval == timedelta(minutes=1)
    assert scheduler.get_job("catch-up").trigger.interval == timedelta(minutes=15)


def test_the_quarter_hourly_catch_up_runs_again_a_slot_whose_process_was_killed(app, clock):
    """The scheduler was restarted right after a run's process died: at its start the run was too young to call
    abandoned; a later catch-up releases it and runs the slot."""
    from housing.jobs.models import JobRun

    clock.move_to(local(START, 6, 5))
    db.session.add(JobRun(job="property-deadlines", slot="2026-11-02T06:00", host="killed", started_at=utcnow()))
    db.session.commit()
    assert "property-deadlines" not in {job for job, _slot, _status in catch_up_missed(app)}

    clock.move_to(local(START, 8, 15))
    assert ("property-deadlines", "2026-11-02T06:00", "succeeded") in catch_up_missed(app)


def test_a_firing_runs_the_latest_slot_once(app, clock):
    from housing.jobs.models import JobRun

    clock.move_to(local(START, 6, 0) + timedelta(seconds=1))
    _fire(app, "property-deadlines")
    _fire(app, "property-deadlines")

    runs = db.session.scalars(db.select(JobRun)).all()
    assert [(run.job, run.slot, run.status) for run in runs] == [
        ("property-deadlines", "2026-11-02T06:00", "succeeded")]
    assert runs[0].started_at == utcnow()


def test_the_mail_minute_sends_what_was_committed_elsewhere(app, clock, mail):
    officer = UserFactory(roles=[Role.HOUSING_OFFICER])
    notify([officer.id], "document:1:done", "document", "Dokument fertig: Programmbericht", link="/documents/1")
    db.session.commit()

    _mail(app)
    _mail(app)

    assert [message["Subject"] for message in mail] == ["[housing] Dokument fertig: Programmbericht"]
    assert len(messages(officer)) == 1


def test_a_database_out_of_reach_at_the_start_does_not_stop_the_scheduler(database_url, tmp_path_factory, caplog):
    """Started before its database is up (a reboot; PostgreSQL on another host): the scheduler logs it and tries the
    catch-up again a minute later instead of exiting, which would leave the process manager to give up on it."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        unreachable = url.set(database=str(tmp_path_factory.mktemp("gone") / "missing" / "housing.sqlite3"))
    else:
        unreachable = url.set(host="127.0.0.1", port=1)  # nothing listens there
    app = create_app(make_config(unreachable.render_as_string(hide_password=False), tmp_path_factory))

    with caplog.at_level(logging.ERROR, logger="housing.jobs.scheduler"):
        scheduler = prepare(app)

    assert "Catching up at the start failed" in caplog.text
    retry = scheduler.get_job("catch-up-retry")
    assert retry.func is catch_up_missed
    assert abs(retry.trigger.run_date - (datetime.now(LOCAL_TZ) + START_RETRY)) < timedelta(seconds=30)
    assert {job.id for job in scheduler.get_jobs()} == set(JOBS) | {"mail", "catch-up", "catch-up-retry"}


def test_a_start_that_caught_up_needs_no_retry(app, clock):
    scheduler = prepare(app)

    from housing.jobs.models import JobRun

    assert scheduler.get_job("catch-up-retry") is None
    assert ("property-deadlines", "2026-11-02T06:00") in {
        (run.job, run.slot) for run in db.session.scalars(db.select(JobRun))}
