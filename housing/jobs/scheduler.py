"""The scheduler process (``flask --app housing scheduler``): exactly one per installation, never in web workers.

Before it waits, it catches up on slots it missed while it was down (and every quarter of an hour on runs a killed
process abandoned); every firing goes through the job-run table, so a second scheduler started by mistake finds
the slot taken and does nothing.
"""

import logging
import signal
from datetime import datetime, timedelta

from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy.exc import DBAPIError

from ..clock import LOCAL_TZ, utcnow
from ..extensions import db
from .notifications import send_pending_emails
from .registry import JOBS
from .runner import catch_up, latest_slot, run_scheduled, trigger_of

log = logging.getLogger(__name__)

# A catch-up that failed at the start (the database not up yet, SQLite busy under a long write) is tried again this
# soon, not only at the next quarter hour.
START_RETRY = timedelta(minutes=1)


def _fire(app, name: str) -> None:
    with app.app_context():
        try:
            scheduled = latest_slot(JOBS[name], utcnow())
            if scheduled is not None:
                run_scheduled(name, scheduled)
        finally:
            db.session.remove()


def _mail(app) -> None:
    """E-mails for messages committed elsewhere (a finished document, a web action)."""
    with app.app_context():
        try:
            send_pending_emails()
        finally:
            db.session.remove()


def build_scheduler(app) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone=LOCAL_TZ)
    for name, job in JOBS.items():
        scheduler.add_job(_fire, trigger_of(job), args=[app, name], id=name, name=name, coalesce=True,
                          max_instances=1, misfire_grace_time=6 * 3600)
    scheduler.add_job(_mail, "interval", minutes=1, args=[app], id="mail", coalesce=True, max_instances=1)
    # A run left "running" by a process killed while the scheduler went on (a restart within the timeout, another
    # host's scheduler) is released and run again here rather than at the next start.
    scheduler.add_job(catch_up_missed, "interval", minutes=15, args=[app], id="catch-up", coalesce=True,
                      max_instances=1)
    return scheduler


def catch_up_missed(app) -> list[tuple[str, str, str]]:
    """Run each job's latest slot that has no run yet (the scheduler was down at its time); returns (job, slot,
    status) of the runs this process made."""
    with app.app_context():
        try:
            done = [(run.job, run.slot, run.status) for run in catch_up()]
        finally:
            db.session.remove()
    for job, slot, status in done:
        log.info("Caught up: %s %s (%s)", job, slot, status)
    return done


def prepare(app) -> BlockingScheduler:
    """The scheduler, after catching up. A database it cannot reach at the start does not stop it (a process
    manager would give up restarting it after a few quick failures): the catch-up is tried again a minute later,
    and every quarter of an hour after that."""
    scheduler = build_scheduler(app)
    try:
        catch_up_missed(app)
    except DBAPIError:
        log.exception("Catching up at the start failed; trying again in %s", START_RETRY)
        scheduler.add_job(catch_up_missed, "date", run_date=datetime.now(LOCAL_TZ) + START_RETRY, args=[app],
                          id="catch-up-retry", misfire_grace_time=None)
    return scheduler


def run_forever(app) -> None:
    scheduler = prepare(app)

    def stop(signum, frame):
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    for job in scheduler.get_jobs():
        log.info("Scheduled %s: next run %s", job.id, getattr(job, "next_run_time", None) or job.trigger)
    scheduler.start()
