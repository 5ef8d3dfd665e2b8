"""The audit log is append-only in the database too, not only in the ORM (``audit.models`` refuses updates and
deletes of loaded events, but a bulk statement or a raw SQL session passes the ORM by).

Migration 0007 installs triggers that refuse every UPDATE of ``audit_events`` and every DELETE, except a DELETE
inside a transaction the retention run has unlocked:

- PostgreSQL: ``SET LOCAL housing.retention = 'on'``; the trigger reads ``current_setting('housing.retention',
  true)``. ``SET LOCAL`` ends with the transaction (and with a savepoint rolled back), so the unlock cannot leak.
- SQLite has no session settings, and a trigger of the main schema cannot see a TEMP table; the unlock is a row in
  ``audit_purge_unlocks``, inserted and deleted again within the run's transaction (SQLite has one writer at a time,
  so no other connection sees it).

This guards against mistakes and against code that goes around the ORM; it does not stop a database owner, who can
drop a trigger (that is for the database's own permissions and its backups).
"""

from contextlib import contextmanager

from sqlalchemy import delete, insert, text
from sqlalchemy.exc import DBAPIError

from ..extensions import db
from .models import AuditPurgeUnlock


def _lock() -> None:
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        db.session.execute(text("SET LOCAL housing.retention = 'off'"))
    elif dialect == "sqlite":
        db.session.execute(delete(AuditPurgeUnlock))


@contextmanager
def retention_unlocked():
    """Within the block, this transaction may delete audit events (only the retention run uses it)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        db.session.execute(text("SET LOCAL housing.retention = 'on'"))
    elif dialect == "sqlite":
        db.session.execute(insert(AuditPurgeUnlock))
    try:
        yield
    except BaseException:
        try:
            _lock()
        except DBAPIError:  # the transaction failed: its rollback undoes the unlock as well
            pass
        raise
    _lock()
