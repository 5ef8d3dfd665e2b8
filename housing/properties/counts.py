"""How many problem cases stand where, kept by the database itself for the board.

Counting a city's cases by status, social area and priority on every view of the board reads every case
(60,000 at city scale); ``case_counts`` holds one row per (status, social area, priority) instead, and triggers
on ``properties`` (migrations/versions/0011_case_counts.py, SQLite and PostgreSQL) keep it in the same
transaction as every insert, update and delete, whoever writes: the services, an import, the bench data
generator. Reading the board reads these few hundred rows.
"""

from sqlalchemy import ForeignKey, SmallInteger, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .models import CaseStatus, Priority


class CaseCount(db.Model):
    __tablename__ = "case_counts"

    status: Mapped[str] = mapped_column(String(30), primary_key=True)
    social_area_id: Mapped[int] = mapped_column(ForeignKey("social_areas.id"), primary_key=True)
    priority: Mapped[int] = mapped_column(SmallInteger, primary_key=True)  # Priority.rank, as properties store it
    cases: Mapped[int] = mapped_column(default=0)


def board_counts(social_area_id: int | None = None) -> list[tuple[CaseStatus, int, Priority, int]]:
    """(status, social area id, priority, number of cases) for every combination that has cases."""
    stmt = select(CaseCount.status, CaseCount.social_area_id, CaseCount.priority, CaseCount.cases).where(
        CaseCount.cases > 0)
    if social_area_id is not None:
        stmt = stmt.where(CaseCount.social_area_id == social_area_id)
    priorities, statuses = list(Priority), {status.value: status for status in CaseStatus}
    return [(statuses[status], area_id, priorities[rank - 1], cases)
            for status, area_id, rank, cases in db.session.execute(stmt)]


def counted_directly() -> dict[tuple[str, int, int], int]:
    """The same figures counted from the cases themselves (for checking the table; reads every case)."""
    from .models import Property

    rows = db.session.execute(
        select(Property.status, Property.social_area_id, Property.priority, func.count())
        .where(Property.is_problem_case.is_(True), Property.status.is_not(None))
        .group_by(Property.status, Property.social_area_id, Property.priority))
    return {(status.value, area_id, priority.rank): n for status, area_id, priority, n in rows}
