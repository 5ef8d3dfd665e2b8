"""The nightly retention run: each area registers what it removes when it is due; the run writes what it did
to the audit log. The record classes of the data-protection rules plug in here as further tasks."""

from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import delete

from ..audit.services import record
from ..clock import utcnow
from ..i18n import lazy_gettext as _l
from .models import JobRun, Notification
from .registry import Outcome, register_job

# (name, label, task): task(on) -> how many records it removed or anonymised
RETENTION_TASKS: list[tuple[str, object, Callable[[date], int]]] = []

NOTIFICATION_RETENTION = timedelta(days=365)
JOB_RUN_RETENTION = timedelta(days=2 * 365)


def register_retention_task(name: str, label, task: Callable[[date], int]) -> None:
    """``label`` names what the task removes, for the run's summary ("nicht abgeschlossene Uploads")."""
    if all(existing != name for existing, _label, _task in RETENTION_TASKS):
        RETENTION_TASKS.append((name, label, task))


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
    summary = ", ".join(f"{label}: {task(on)}" for _name, label, task in RETENTION_TASKS)
    record("retention.run", object_type="retention", summary=summary, actor=None)
    return Outcome(summary=summary)


def register_housekeeping_jobs() -> None:
    register_retention_task("staged_uploads", _l("nicht abgeschlossene Uploads"), _staged_uploads)
    register_retention_task("read_notifications", _l("gelesene Nachrichten nach einem Jahr"), _old_notifications)
    register_retention_task("job_runs", _l("Laufprotokolle nach zwei Jahren"), _old_job_runs)
    register_job("retention", _l("Nächtliche Löschung nach Aufbewahrungsfristen"),
                 _l("Entfernt, was seine Aufbewahrungsfrist überschritten hat, und schreibt es ins Audit-Log."),
                 {"hour": 1, "minute": 30}, run_retention)
