from datetime import date, datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db


class AnonymisedRecord(db.Model):
    """A record the retention run anonymised: which class of the rules, when its period began and the day of the
    run. Later runs skip it; the subject access and the record's pages can say so. Holds no personal data."""

    __tablename__ = "anonymised_records"
    __table_args__ = (UniqueConstraint("record_type", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(String(60))
    record_id: Mapped[int]
    retention_class: Mapped[str] = mapped_column(String(60))
    ended_on: Mapped[date]
    anonymised_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<AnonymisedRecord {self.record_type}:{self.record_id} on {self.anonymised_on}>"


class AuditPurgeUnlock(db.Model):
    """SQLite's stand-in for PostgreSQL's ``SET LOCAL housing.retention``: the trigger that refuses deleting audit
    events lets a DELETE through while a row exists here. The retention run inserts one and removes it again in
    the same transaction, so no other connection ever sees it (see ``audit_guard``)."""

    __tablename__ = "audit_purge_unlocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
