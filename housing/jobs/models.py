"""The job-run table (one row per job and slot, so no run happens twice) and the in-app inbox."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, column_property, mapped_column

from ..auth.models import User
from ..clock import utcnow
from ..database import UTCDateTime
from ..extensions import db


class JobRun(db.Model):
    """One run of a scheduled job. ``slot`` names the scheduled time it stands for ("2026-11-24T06:00"), or
    "manual:…" for a run started by hand; the unique key lets only one process claim a slot."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "slot"), Index("ix_job_runs_job_started", "job", "started_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(60))
    slot: Mapped[str] = mapped_column(String(60))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default="running")  # running, succeeded, failed
    summary: Mapped[str | None] = mapped_column(Text)
    notifications: Mapped[int] = mapped_column(default=0)
    emails: Mapped[int] = mapped_column(default=0)
    host: Mapped[str | None] = mapped_column(String(120))

    def __repr__(self) -> str:
        return f"<JobRun {self.job} {self.slot} {self.status}>"


class Notification(db.Model):
    """A message in a user's inbox. ``key`` names the thing and the occasion (e.g. "defect:12:due:2026-12-01"):
    unique per user, so a reminder is never delivered twice."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("user_id", "key"), Index("ix_notifications_user_read", "user_id", "read_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300))
    severity: Mapped[str] = mapped_column(String(10), default="info")  # info, warning, danger
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<Notification {self.user_id} {self.key}>"


# The unread count every page's shell shows, loaded with the request's user in the same query (auth/sessions.py
# asks for the user's "shell" figures); elsewhere a user is loaded without it.
User.unread_notifications = column_property(
    select(func.count()).where(Notification.user_id == User.id, Notification.read_at.is_(None))
    .correlate_except(Notification).scalar_subquery(), deferred=True, group="shell")
