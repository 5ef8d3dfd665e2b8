"""Running jobs once: one run per job and slot, reminders once per user and key, catching up after a downtime,
slots on the days the clocks change, a failing job, and the nightly retention run."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from housing.audit.models import AuditEvent
from housing.auth.roles import Role
from housing.clock import LOCAL_TZ, utcnow
from housing.extensions import db
from housing.jobs.models import JobRun, Notification
from housing.jobs.notifications import deliver, notify
from housing.jobs.registry import JOBS, Job, Outcome, Reminder, register_job
from housing.jobs.runner import (
    catch_up,
    latest_slot,
    release_abandoned,
    run_by_hand,
    run_job,
    run_scheduled,
    slot_name,
    trigger_of,
)
from housing.properties import services as cases

from ..factories import UserFactory
from .conftest import START, local, messages


@pytest.fixture
def officer(clock):
    return UserFactory(roles=[Role.HOUSING_OFFICER])


@pytest.fixture
def due_defect(officer):
    """A defect due in three days, at a building ``officer`` inspected."""
    prop = cases.create_property({"street": "Schützenstraße", "house_number": "12", "postcode": "44147",
                                  "social_area": "nordmarkt"}, actor=officer)
    cases.record_inspection(prop, inspected_on=START, condition_rating=4, officer_ids=[officer.id],
                            defects=[cases.DefectInput("heating", "major", "Heizung aus",
                                                       deadline=START + timedelta(days=3))], actor=officer)
    db.session.commit()
    return prop


@pytest.fixture
def temporary_job():
    """``temporary_job(name, run, schedule)`` registers a job for this test only."""
    added = []

    def add(name, run, schedule=None):
        register_job(name, name, name, schedule or {"hour": 5, "minute": 0}, run)
        added.append(name)
        return JOBS[name]

    yield add
    for name in added:
        JOBS.pop(name, None)


def runs(job=None) -> list[tuple[str, str, str]]:
    stmt = select(JobRun).order_by(JobRun.id)
    if job:
        stmt = stmt.where(JobRun.job == job)
    return [(run.job, run.slot, run.status) for run in db.session.scalars(stmt)]


# --- once per slot, once per user and key -------------------------------------------------------------------------


def test_the_same_slot_runs_once(clock, officer, due_defect):
    scheduled = local(START, 6)
    first = run_scheduled("property-deadlines", scheduled)
    second = run_scheduled("property-deadlines", scheduled)

    assert first.slot == "2026-11-02T06:00" and first.status == "succeeded" and first.notifications == 1
    assert second is None
    assert runs("property-deadlines") == [("property-deadlines", "2026-11-02T06:00", "succeeded")]
    assert len(messages(officer)) == 1


def test_a_slot_another_process_claimed_is_skipped(clock, officer, due_defect):
    db.session.add(JobRun(job="property-deadlines", slot="2026-11-02T06:00", host="elsewhere"))
    db.session.commit()

    assert run_scheduled("property-deadlines", local(START, 6)) is None
    assert messages() == []


def test_two_runs_by_hand_on_one_day_deliver_once(clock, officer, due_defect):
    first = run_by_hand("property-deadlines")
    second = run_by_hand("property-deadlines")

    assert first.status == second.status == "succeeded" and first.slot != second.slot
    assert (first.notifications, second.notifications) == (1, 0)
    assert len(messages(officer)) == 1
    # A run by hand leaves the day's scheduled slot free.
    assert run_scheduled("property-deadlines", local(START, 6)).notifications == 0


def test_deliver_skips_what_an_inbox_holds_already_and_inactive_users(clock, officer):
    gone = UserFactory(roles=[Role.HOUSING_OFFICER], is_active=False)
    reminder = Reminder(frozenset({officer.id, gone.id}), "test:1", "test", "Frist")

    assert deliver([reminder, reminder]) == 1
    assert deliver([reminder]) == 0
    assert notify([officer.id], "test:2", "test", "Noch eine") == 1
    db.session.commit()
    assert [title for _user, _kind, title, _link in messages()] == ["Frist", "Noch eine"]


# --- catching up, slots ---------------------------------------------------------------------------------------------


def test_catch_up_runs_each_missed_slot_once(clock):
    clock.move_to(local(START, 7))
    caught = catch_up()

    assert sorted((run.job, run.slot, run.status) for run in caught) == sorted(
        [(name, slot_name(latest_slot(job, utcnow())), "succeeded") for name, job in JOBS.items()])
    assert {run.slot for run in caught if run.job in ("retention", "unapproved-months", "property-deadlines")} == {
        "2026-11-02T01:30", "2026-10-03T06:15", "2026-11-02T06:00"}
    assert catch_up() == []

    # The next morning: only the slots that have come since.
    clock.move_to(local(START + timedelta(days=1), 4))
    again = catch_up()
    assert sorted(run.job for run in again) == ["overcrowding", "retention"]
    assert len(runs()) == len(JOBS) + 2


def test_catch_up_before_a_jobs_time_runs_yesterdays_slot(clock):
    clock.move_to(local(START, 5, 59))
    caught = {run.job: run.slot for run in catch_up()}
    assert caught["property-deadlines"] == "2026-11-01T06:00"
    assert caught["retention"] == "2026-11-02T01:30"


def test_a_run_its_killed_process_left_running_is_released_and_its_slot_run_again(clock, officer, due_defect):
    """A scheduler killed mid-run leaves its claim "running" and nothing else (the run's work was one transaction,
    never committed). Past JOB_RUN_TIMEOUT the run is marked failed and the slot run again, delivering once."""
    clock.move_to(local(START, 9))
    db.session.add(JobRun(job="property-deadlines", slot="2026-11-02T06:00", host="gone",
                          started_at=local(START, 6).astimezone(UTC)))  # three hours ago, still "running"
    db.session.commit()

    caught = {run.job: run for run in catch_up()}

    assert caught["property-deadlines"].slot == "2026-11-02T06:00"
    assert caught["property-deadlines"].status == "succeeded" and caught["property-deadlines"].notifications == 1
    abandoned = db.session.scalars(select(JobRun).where(JobRun.host == "gone")).one()
    assert abandoned.status == "failed" and abandoned.slot == f"2026-11-02T06:00:abandoned-{abandoned.id}"
    assert abandoned.finished_at == utcnow() and abandoned.summary.startswith("Abgebrochen")
    assert len(messages(officer)) == 1
    assert catch_up() == []


def test_a_run_younger_than_the_timeout_is_left_running(clock, officer, due_defect):
    """A long run still at work (or a process that will still record its outcome) keeps its slot."""
    clock.move_to(local(START, 7, 55))
    db.session.add(JobRun(job="property-deadlines", slot="2026-11-02T06:00", host="busy",
                          started_at=local(START, 6).astimezone(UTC)))  # 1 h 55 min: within the two hours
    db.session.commit()

    assert "property-deadlines" not in {run.job for run in catch_up()}
    assert runs("property-deadlines") == [("property-deadlines", "2026-11-02T06:00", "running")]
    assert messages() == []


def test_a_slot_abandoned_twice_keeps_both_runs(clock, officer, due_defect):
    """Each release renames its run by its id: a slot whose second run was killed too is freed again."""
    clock.move_to(local(START, 12))
    for hour in (6, 9):
        db.session.add(JobRun(job="property-deadlines", slot="2026-11-02T06:00", host="gone",
                              started_at=local(START, hour).astimezone(UTC)))
        db.session.commit()
        assert release_abandoned() == 1

    assert [status for _job, _slot, status in runs("property-deadlines")] == ["failed", "failed"]
    assert run_scheduled("property-deadlines", local(START, 6)).status == "succeeded"


def test_an_abandoned_run_by_hand_keeps_a_slot_name_that_fits_its_column(clock):
    """A run by hand's slot is long (time and a random tail); released, its name is cut to fit the 60 characters
    of the column, whatever its id."""
    clock.move_to(local(START, 12))
    slot = "manual:2026-11-02T06:00:00.123456:abcdef12"
    run = JobRun(id=123456789, job="property-deadlines", slot=slot, host="gone",
                 started_at=local(START, 6).astimezone(UTC))
    db.session.add(run)
    db.session.commit()

    assert release_abandoned() == 1

    released = db.session.scalars(select(JobRun.slot).where(JobRun.id == 123456789)).one()
    assert released == "manual:2026-11-02T06:00:00.12345:abandoned-123456789" and len(released) <= 60


def job(schedule) -> Job:
    return Job("probe", "probe", "probe", schedule, lambda on: Outcome())


@pytest.mark.timeout(10)
@pytest.mark.parametrize(("now", "schedule", "expected"), [
    # Spring forward: 29 March 2026, 02:00 CET -> 03:00 CEST.
    (local(date(2026, 3, 29), 5, 59), {"hour": 6, "minute": 0}, local(date(2026, 3, 28), 6)),
    (local(date(2026, 3, 29), 6, 0), {"hour": 6, "minute": 0}, local(date(2026, 3, 29), 6)),
    (local(date(2026, 3, 29), 4), {"hour": 1, "minute": 30}, local(date(2026, 3, 29), 1, 30)),
    (local(date(2026, 3, 29), 4), {"hour": 2, "minute": 30}, local(date(2026, 3, 29), 2, 30)),  # a missing hour
    # Fall back: 25 October 2026, 03:00 CEST -> 02:00 CET.
    (local(date(2026, 10, 25), 5, 59), {"hour": 6, "minute": 0}, local(date(2026, 10, 24), 6)),
    (local(date(2026, 10, 25), 6, 0), {"hour": 6, "minute": 0}, local(date(2026, 10, 25), 6)),
    (local(date(2026, 10, 25), 4), {"hour": 3, "minute": 30}, local(date(2026, 10, 25), 3, 30)),
    (local(date(2026, 10, 25), 1), {"hour": 1, "minute": 30}, local(date(2026, 10, 24), 1, 30)),
    # Monthly on the 3rd, also across the clock changes.
    (local(date(2026, 3, 3), 6, 14), {"day": 3, "hour": 6, "minute": 15}, local(date(2026, 2, 3), 6, 15)),
    (local(date(2026, 3, 3), 6, 15), {"day": 3, "hour": 6, "minute": 15}, local(date(2026, 3, 3), 6, 15)),
    (local(date(2026, 4, 2), 12), {"day": 3, "hour": 6, "minute": 15}, local(date(2026, 3, 3), 6, 15)),
    (local(date(2026, 3, 29), 12), {"day": 3, "hour": 6, "minute": 15}, local(date(2026, 3, 3), 6, 15)),
    (local(date(2026, 10, 25), 12), {"day": 3, "hour": 6, "minute": 15}, local(date(2026, 10, 3), 6, 15)),
    (local(date(2026, 11, 2), 12), {"day": 3, "hour": 6, "minute": 15}, local(date(2026, 10, 3), 6, 15)),
])
def test_latest_slot_by_the_calendar_on_ordinary_and_clock_change_days(now, schedule, expected):
    probe = job(schedule)
    found = latest_slot(probe, now.astimezone(UTC))

    assert found == expected and found <= now
    # It is the moment APScheduler fires at (for a time that exists), and nothing fires in between.
    after = trigger_of(probe).get_next_fire_time(None, found)
    assert after == found or found.hour == 2
    assert trigger_of(probe).get_next_fire_time(None, found + timedelta(minutes=1)) > now


@pytest.mark.timeout(10)
def test_latest_slot_walks_every_minute_of_both_clock_change_nights_without_hanging():
    for day in (date(2026, 3, 29), date(2026, 10, 25)):
        start = local(day, 0).astimezone(UTC)
        for minutes in range(0, 5 * 60, 7):
            now = start + timedelta(minutes=minutes)
            for schedule in ({"hour": 2, "minute": 30}, {"hour": 3, "minute": 30}, {"day": 3, "hour": 6}):
                found = latest_slot(job(schedule), now)
                assert found is not None and found <= now and now - found < timedelta(days=32)


# --- a failing job ------------------------------------------------------------------------------------------------


def test_a_failing_job_is_recorded_delivers_nothing_and_the_next_job_still_runs(clock, officer, temporary_job):
    def broken(on):
        notify([officer.id], "broken:1", "test", "Halb geliefert")  # undone with the failure
        raise RuntimeError("Kaputt am " + on.isoformat())

    def healthy(on):
        return Outcome([Reminder(frozenset({officer.id}), "healthy:1", "test", "Gesund")], "1 Erinnerung")

    temporary_job("zz-broken", broken)
    temporary_job("zz-healthy", healthy)
    clock.move_to(local(START, 7))

    caught = {run.job: run for run in catch_up()}

    failed = caught["zz-broken"]
    assert failed.status == "failed" and failed.finished_at is not None and failed.notifications == 0
    assert "RuntimeError: Kaputt am 2026-11-02" in failed.summary
    assert caught["zz-healthy"].status == "succeeded" and caught["zz-healthy"].notifications == 1
    assert [title for _user, _kind, title, _link in messages(officer)] == ["Gesund"]
    assert db.session.get(JobRun, failed.id).status == "failed"
    # A failed slot is not run again by the next catch-up (the admin page offers "Jetzt ausführen").
    assert catch_up() == []


def test_a_job_without_an_outcome_fails_and_an_unknown_recipient_gets_nothing(clock, temporary_job):
    temporary_job("zz-bad-recipient", lambda on: Outcome([Reminder(frozenset({10**9}), "k", "test", "x")]))
    temporary_job("zz-bad-outcome", lambda on: None)

    good = run_job(JOBS["zz-bad-recipient"], "2026-11-02T05:00", START)
    bad = run_job(JOBS["zz-bad-outcome"], "2026-11-02T05:00", START)

    assert good.status == "succeeded" and good.notifications == 0  # an unknown user gets nothing
    assert bad.status == "failed" and "AttributeError" in bad.summary


# --- retention ----------------------------------------------------------------------------------------------------


def test_the_retention_run_removes_old_read_messages_and_old_runs_and_audits(clock, officer):
    old = utcnow() - timedelta(days=400)
    for key, created_at, read_at in (("old-read", old, old), ("old-unread", old, None),
                                     ("new-read", utcnow(), utcnow())):
        db.session.add(Notification(user_id=officer.id, key=key, kind="test", title=key, created_at=created_at,
                                    read_at=read_at))
    db.session.add(JobRun(job="retention", slot="2024-01-01T01:30", started_at=utcnow() - timedelta(days=800),
                          status="succeeded"))
    db.session.commit()

    run = run_by_hand("retention")

    assert run.status == "succeeded"
    assert set(db.session.scalars(select(Notification.key))) == {"old-unread", "new-read"}
    assert db.session.scalar(select(func.count()).select_from(JobRun).where(JobRun.slot == "2024-01-01T01:30")) == 0
    assert "gelesene Nachrichten nach einem Jahr: 1" in run.summary
    assert "Laufprotokolle nach zwei Jahren: 1" in run.summary
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "retention.run"))
    assert event is not None and event.summary == run.summary and event.actor_id is None


def test_every_job_is_registered_with_a_schedule_clear_of_the_clock_change_hour():
    assert set(JOBS) >= {"retention", "property-deadlines", "preemption-deadlines", "overcrowding", "measure-ends",
                         "unapproved-months", "aftercare-due", "wbs-expiring", "consents-expiring"}
    for registered in JOBS.values():
        assert int(registered.schedule.get("hour", 0)) != 2, registered.name


def test_slot_names_are_dortmund_time():
    assert slot_name(datetime(2026, 7, 1, 4, tzinfo=UTC)) == "2026-07-01T06:00"
    assert slot_name(datetime(2026, 12, 1, 5, tzinfo=UTC)) == "2026-12-01T06:00"
    assert LOCAL_TZ.key == "Europe/Berlin"
