"""The audit log is append-only in the database itself: raw SQL cannot update or delete an event; only the
retention run's unlocked transaction deletes, and only deletes."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from housing.audit.models import AppendOnlyError, AuditEvent
from housing.audit.services import record
from housing.clock import LOCAL_TZ, today
from housing.extensions import db
from housing.privacy import retention
from housing.privacy.audit_guard import retention_unlocked


@pytest.fixture
def event():
    event = record("test.event", object_type="test", summary="unchanged")
    db.session.commit()
    return event


def refused(sql: str, **params) -> str:
    """Run ``sql`` in a savepoint; returns the database's refusal (the test fails if there is none)."""
    with pytest.raises(DBAPIError) as refusal, db.session.begin_nested():
        db.session.execute(text(sql), params)
    return str(refusal.value.orig)


def count(event_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.id == event_id))


def test_a_raw_update_is_refused(event):
    message = refused("UPDATE audit_events SET summary = 'rewritten' WHERE id = :id", id=event.id)
    assert "append-only" in message
    assert db.session.scalar(select(AuditEvent.summary).where(AuditEvent.id == event.id)) == "unchanged"


def test_a_raw_delete_is_refused(event):
    assert "append-only" in refused("DELETE FROM audit_events WHERE id = :id", id=event.id)
    assert "append-only" in refused("DELETE FROM audit_events")
    assert count(event.id) == 1


def test_the_orm_still_refuses_too(event):
    db.session.delete(event)
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()


def test_the_retention_unlock_lets_a_delete_through_and_nothing_else(event):
    other = record("test.other", object_type="test")
    db.session.commit()
    with retention_unlocked():
        assert "append-only" in refused("UPDATE audit_events SET summary = 'x' WHERE id = :id", id=event.id)
        db.session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": event.id})
    assert count(event.id) == 0
    # Locked again for the rest of the transaction.
    assert "append-only" in refused("DELETE FROM audit_events WHERE id = :id", id=other.id)
    assert count(other.id) == 1


def test_an_unlock_rolled_back_with_its_savepoint_leaves_the_log_locked(event):
    with pytest.raises(RuntimeError), db.session.begin_nested(), retention_unlocked():
        raise RuntimeError("the run failed")
    assert "append-only" in refused("DELETE FROM audit_events WHERE id = :id", id=event.id)


def test_postgresql_reads_the_transactions_setting(app, event):
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's SET LOCAL path; SQLite's marker row is tested above")
    assert "append-only" in refused("TRUNCATE audit_events")
    with db.session.begin_nested():
        db.session.execute(text("SET LOCAL housing.retention = 'on'"))
        db.session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": event.id})
        db.session.execute(text("SET LOCAL housing.retention = 'off'"))
    assert count(event.id) == 0


def test_the_audit_log_retention_deletes_through_the_unlock_and_records_the_purge(event):
    assert retention.audit_preview(today() + timedelta(days=1))["count"] == 0  # nothing is 24 months old yet
    # A run "as of" a later day acts as of today: nothing goes early.
    assert retention.run_class(retention.AUDIT_LOG, today() + timedelta(days=800)) == 0
    later = datetime.now(UTC) + timedelta(days=800)
    with time_machine.travel(later, tick=False):
        assert retention.run_class(retention.AUDIT_LOG, later.astimezone(LOCAL_TZ).date()) >= 1
    # (By action, not id: SQLite hands a freed highest id out again.)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "test.event")) == 0
    purge = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "privacy.audit_purge"))
    assert purge is not None and purge.changes["deleted"] >= 1 and purge.actor_id is None
    # The purge's own entry is new and stays; the log is locked again.
    assert "append-only" in refused("DELETE FROM audit_events WHERE id = :id", id=purge.id)
