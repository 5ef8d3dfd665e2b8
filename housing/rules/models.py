from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..database import UTCDateTime, utcnow
from ..extensions import db


class RuleValue(db.Model):
    """One version of a rule figure, valid from a date until the next version of the same key."""

    __tablename__ = "rule_values"
    __table_args__ = (UniqueConstraint("key", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), index=True)
    valid_from: Mapped[date]
    value: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    note: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    created_by: Mapped[User | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<RuleValue {self.key}={self.value} from {self.valid_from}>"


class KduLimit(db.Model):
    """Jobcenter Dortmund's limit for the costs of accommodation (KdU) by household size, from a date on:
    the highest gross cold rent (net cold rent plus cold service charges) and the appropriate living space."""

    __tablename__ = "kdu_limits"
    __table_args__ = (UniqueConstraint("persons", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    persons: Mapped[int]
    valid_from: Mapped[date]
    max_gross_cold_rent: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    max_area_m2: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    note: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def __repr__(self) -> str:
        return f"<KduLimit {self.persons} persons from {self.valid_from}: {self.max_gross_cold_rent}>"


class Setting(db.Model):
    """A switch the admin sets (e.g. whether advisors see only their own caseload)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
