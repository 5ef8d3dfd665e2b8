"""How many problem cases stand where, kept by the database itself for the board.

Counting a city's cases by status, social area and priority on every view of the board reads every case
(60,000 at city scale); ``case_counts`` holds one row per (status, social area, priority) instead, and triggers
on ``properties`` (migrations/versions/0011_case_counts.py, SQLite and PostgreSQL) keep it in the same
transaction as every insert, update and delete, whoever writes: the services, an import, the bench data
generator. The board sums these few hundred rows.
"""

from sqlalchemy import ForeignKey, Integer, SmallInteger, String, func, literal, select, union_all
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .models import OPEN_STATUSES, CaseStatus, Priority


class CaseCount(db.Model):
    __tablename__ = "case_counts"

    status: Mapped[str] = mapped_column(String(30), primary_key=True)
    social_area_id: Mapped[int] = mapped_column(ForeignKey("social_areas.id"), primary_key=True)
    priority: Mapped[int] = mapped_column(SmallInteger, primary_key=True)  # Priority.rank, as properties store it
    cases: Mapped[int] = mapped_column(default=0)


def board_sums(social_area_id: int | None = None) -> tuple[dict, dict]:
    """The board's two tables, summed by the database in one query: cases by (status, social area id) and by
    (status, priority), for the city or one social area (a few hundred rows of case_counts, a hundred or so out)."""
    by_area = select(CaseCount.status, CaseCount.social_area_id, literal(None, SmallInteger),
                     func.sum(CaseCount.cases)).where(CaseCount.cases > 0)
    by_priority = select(CaseCount.status, literal(None, Integer), CaseCount.priority,
                         func.sum(CaseCount.cases)).where(CaseCount.cases > 0)
    if social_area_id is not None:
        by_area = by_area.where(CaseCount.social_area_id == social_area_id)
        by_priority = by_priority.where(CaseCount.social_area_id == social_area_id)
    stmt = union_all(by_area.group_by(CaseCount.status, CaseCount.social_area_id),
                     by_priority.group_by(CaseCount.status, CaseCount.priority))
    priorities, statuses = list(Priority), {status.value: status for status in CaseStatus}
    areas, ranks = {}, {}
    for status, area_id, rank, cases in db.session.execute(stmt):
        if area_id is not None:
            areas[statuses[status], area_id] = cases
        else:
            ranks[statuses[status], priorities[rank - 1]] = cases
    return areas, ranks


def open_cases() -> int:
    """The city's cases still in the pipeline (not let and not closed), from the kept counts."""
    return db.session.scalar(select(func.coalesce(func.sum(CaseCount.cases), 0)).where(
        CaseCount.status.in_([status.value for status in OPEN_STATUSES])))


def counted_directly() -> dict[tuple[str, int, int], int]:
    """The same figures counted from the cases themselves (for checking the table; reads every case)."""
    from .models import Property

    rows = db.session.execute(
        select(Property.status, Property.social_area_id, Property.priority, func.count())
        .where(Property.is_problem_case.is_(True), Property.status.is_not(None))
        .group_by(Property.status, Property.social_area_id, Property.priority))
    return {(status.value, area_id, priority.rank): n for status, area_id, priority, n in rows}
