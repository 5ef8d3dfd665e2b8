"""Running a job once per slot: claim the slot in the job-run table, run, deliver, commit, then e-mail.

Any number of processes may try the same slot (a second scheduler started by mistake, a restart that catches
up): the unique key (job, slot) lets exactly one of them claim it.
"""

import logging
import secrets
import socket
import traceback
from contextlib import nullcontext
from datetime import UTC, date, datetime, time, timedelta

from apscheduler.triggers.cron import CronTrigger
from flask import current_app, has_request_context
from sqlalchemy import String, cast, func, inspect, select, update
from sqlalchemy.exc import IntegrityError

from ..clock import LOCAL_TZ, utcnow
from ..extensions import db
from .models import JobRun
from .notifications import deliver, send_pending_emails
from .registry import JOBS, Job

log = logging.getLogger(__name__)


def slot_name(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")


def trigger_of(job: Job) -> CronTrigger:
    return CronTrigger(timezone=LOCAL_TZ, **job.schedule)


def latest_slot(job: Job, now: datetime) -> datetime | None:
    """The last scheduled time at or before ``now`` within two months (daily and monthly jobs). Computed by
    calendar, not by stepping the cron trigger, which can loop at a daylight-saving change. Compared as instants:
    two datetimes of the same zone compare by wall time, which puts 02:30 before 03:10 on the night the clocks
    go forward although 02:30 (which does not exist; it means 03:30) is still to come."""
    local_now = now.astimezone(LOCAL_TZ)
    for back in range(62):
        day = local_now.date() - timedelta(days=back)
        if "day" in job.schedule and day.day != int(job.schedule["day"]):
            continue
        moment = datetime.combine(day, time(int(job.schedule.get("hour", 0)), int(job.schedule.get("minute", 0))),
                                  LOCAL_TZ)
        if moment.astimezone(UTC) <= now.astimezone(UTC):
            return moment
    return None


def claim(job: Job, slot: str) -> JobRun | None:
    """Insert the run row and commit; None when another process has this slot already."""
    # The insert starts a transaction of its own: on SQLite, a transaction that has read (catch_up's look at the
    # table) cannot start writing once another process has written since; it fails at once ("database is
    # locked") instead of waiting its turn.
    db.session.commit()
    run = JobRun(job=job.name, slot=slot, host=socket.gethostname()[:120])
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return run


def run_job(job: Job, slot: str, on: date) -> JobRun | None:
    """Run ``job`` for ``slot`` as of Dortmund's day ``on``; returns the finished run, or None if the slot was
    taken. Reminders are committed before any e-mail goes out."""
    run = claim(job, slot)
    if run is None:
        log.info("Job %s slot %s: already claimed elsewhere, skipped", job.name, slot)
        return None
    run_id = inspect(run).identity[0]  # (run.id would read the row again after the claim's commit)
    # By id, not by slot: a run released as abandoned (release_abandoned) has another slot name by then, and its
    # slot may belong to the run that took it over.
    this_run = update(JobRun).where(JobRun.id == run_id)
    try:
        # Write first (the run's own row), then read: on SQLite the job's transaction holds the write lock from
        # its start, so another process's writes wait for it rather than make its delivery fail.
        db.session.execute(this_run.values(status="running"))
        with _url_context():
            outcome = job.run(on)
        run.notifications = deliver(outcome.reminders)
        run.summary = outcome.summary
        run.status = "succeeded"
        run.finished_at = utcnow()
        db.session.commit()
    except Exception:
        error = traceback.format_exc(limit=5)[-4000:]
        db.session.rollback()
        log.exception("Job %s slot %s failed", job.name, slot)
        db.session.execute(this_run.values(status="failed", summary=error, finished_at=utcnow()))
        db.session.commit()
        return db.session.scalar(select(JobRun).where(JobRun.id == run_id)
                                 .execution_options(populate_existing=True))
    try:
        emails = send_pending_emails()
    except Exception:  # the reminders are delivered; e-mail trouble does not fail the job
        db.session.rollback()
        log.exception("E-mails after job %s slot %s failed", job.name, slot)
        emails = 0
    if emails:
        run.emails = emails
        db.session.commit()
    return run


def _url_context():
    """Jobs build links with ``url_for``; outside a request (the scheduler) they get site-relative paths."""
    if has_request_context():
        return nullcontext()
    return current_app.test_request_context("/")


def run_scheduled(name: str, scheduled: datetime) -> JobRun | None:
    job = JOBS[name]
    return run_job(job, slot_name(scheduled), scheduled.astimezone(LOCAL_TZ).date())


def run_by_hand(name: str, on: date | None = None) -> JobRun:
    """``flask run-job`` and the admin page's button: a slot of its own, so it never blocks the scheduled run
    (reminders already delivered are still not delivered again). The random tail keeps two runs started in the
    same instant (two clicks, a frozen clock) from sharing a slot, which would leave the second with no run."""
    job = JOBS[name]
    now = utcnow()
    slot = f"manual:{now:%Y-%m-%dT%H:%M:%S.%f}:{secrets.token_hex(4)}"
    return run_job(job, slot, on or now.astimezone(LOCAL_TZ).date())


# An abandoned run's slot becomes "<slot>:abandoned-<id>" (unique again if it repeats; a run by hand's long slot
# cut to its first 32 characters, so the name fits the column).
ABANDONED = ":abandoned-"


def release_abandoned(now: datetime | None = None) -> int:
    """Mark failed the runs still "running" longer than ``JOB_RUN_TIMEOUT`` (their process was killed, or its
    machine lost, before it could finish or record a failure) and free their slots, so ``catch_up`` runs the
    latest one again: a killed run committed nothing but its claim. Returns how many. One update: when two
    processes do this at once, each run is released once, and the unique key lets one of them run the slot."""
    now = now or utcnow()
    abandoned = (JobRun.status == "running", JobRun.started_at < now - current_app.config["JOB_RUN_TIMEOUT"])
    # Looked for first: the update takes SQLite's write lock, which a running job holds for its whole run.
    if not db.session.scalar(select(func.count()).select_from(JobRun).where(*abandoned)):
        db.session.commit()
        return 0
    released = db.session.execute(
        update(JobRun).where(*abandoned)
        .values(status="failed", finished_at=now,
                slot=func.substr(JobRun.slot, 1, 32) + ABANDONED + cast(JobRun.id, String),
                summary="Abgebrochen: Der Lauf ist nicht zu Ende gekommen (sein Prozess wurde beendet). Der Termin "
                        "wurde freigegeben und wird nachgeholt.")
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if released:
        log.warning("Released %d abandoned job run(s) older than %s", released,
                    current_app.config["JOB_RUN_TIMEOUT"])
    return released


def catch_up(now: datetime | None = None) -> list[JobRun]:
    """Run every job whose latest scheduled slot has no run yet (the scheduler was down at that time, or the run
    of it was abandoned)."""
    now = now or utcnow()
    release_abandoned(now)
    runs = []
    for job in JOBS.values():
        scheduled = latest_slot(job, now)
        if scheduled is None:
            continue
        exists = db.session.scalar(select(func.count()).select_from(JobRun).where(
            JobRun.job == job.name, JobRun.slot == slot_name(scheduled)))
        if exists:
            log.info("Job %s slot %s: already claimed, skipped", job.name, slot_name(scheduled))
            continue
        run = run_scheduled(job.name, scheduled)
        if run is not None:
            runs.append(run)
    return runs


def last_runs(limit_per_job: int = 5) -> dict[str, list[JobRun]]:
    """The newest runs of each job, for the admin page (one query)."""
    ranked = (select(JobRun, func.row_number().over(partition_by=JobRun.job, order_by=JobRun.started_at.desc())
                     .label("rank")).subquery())
    from sqlalchemy.orm import aliased

    run = aliased(JobRun, ranked)
    result: dict[str, list[JobRun]] = {name: [] for name in JOBS}
    for row in db.session.scalars(select(run).where(ranked.c.rank <= limit_per_job)
                                  .order_by(run.job, run.started_at.desc())):
        result.setdefault(row.job, []).append(row)
    return result
