from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db


class Attachment(db.Model):
    """A stored file. ``subject_type``/``subject_id`` name the record it belongs to; a staged file
    (kept from a form that was rejected for another reason) has a ``staging_token`` and no subject yet."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int | None] = mapped_column(ForeignKey("properties.id", ondelete="CASCADE"), index=True)
    subject_type: Mapped[str | None] = mapped_column(String(30))
    subject_id: Mapped[int | None]
    staging_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    has_thumbnail: Mapped[bool] = mapped_column(default=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Attachment {self.id} {self.content_type} for {self.subject_type}:{self.subject_id}>"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
