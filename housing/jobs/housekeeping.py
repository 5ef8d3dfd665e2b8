"""The nightly retention run: each area registers what it removes when it is due; the run writes what it did
to the audit log. The record classes of the data-protection rules plug in here as further tasks."""

from collections.abc import Callable
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete

from ..audit.services import record
from ..clock import utcnow
from .models import JobRun, Notification
from .registry import Outcome, register_job

# (name, task): task(on) -> how many records it removed or anonymised
RETENTION_TASKS: list[tuple[str, Callable[[date], int]]] = []

NOTIFICATION_RETENTION = timedelta(days=365)
JOB_RUN_RETENTION = timedelta(days=2 * 365)


def register_retention_task(name: str, task: Callable[[date], int]) -> None:
    if all(existing != name for existing, _task in RETENTION_TASKS):
        RETENTION_TASKS.append((name, task))


def _old_notifications(on: date) -> int:
    """Read messages older than a year."""
    from ..extensions import db

    cutoff = utcnow() - NOTIFICATION_RETENTION
    return db.session.execute(delete(Notification).where(Notification.read_at.is_not(None),
                                                         Notification.created_at < cutoff)).rowcount


def _old_job_runs(on: date) -> int:
    from ..extensions import db

    return db.session.execute(delete(JobRun).where(JobRun.started_at < utcnow() - JOB_RUN_RETENTION)).rowcount


def _staged_uploads(on: date) -> int:
    from ..attachments.services import purge_stale_staged

    return purge_stale_staged()


def run_retention(on: date) -> Outcome:
    counts = {name: task(on) for name, task in RETENTION_TASKS}
    summary = ", ".join(f"{name}: {count}" for name, count in counts.items())
    record("retention.run", object_type="retention", summary=summary, actor=None)
    return Outcome(summary=summary)


def register_housekeeping_jobs() -> None:
    register_retention_task("staged_uploads", _staged_uploads)
    register_retention_task("read_notifications", _old_notifications)
    register_retention_task("job_runs", _old_job_runs)
    register_job("retention", _l("Nächtliche Löschung nach Aufbewahrungsfristen"),
                 _l("Entfernt, was seine Aufbewahrungsfrist überschritten hat, und schreibt es ins Audit-Log."),
                 {"hour": 1, "minute": 30}, run_retention)
