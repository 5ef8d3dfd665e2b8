"""How many households stand in each status, kept by the database itself for the households list and the overview.

Counting 50,000 households by status on every view of the list (its status chips) and of the overview read every
household; ``household_counts`` holds one row per (status, advisor) instead, and triggers on ``applicants``
(migrations/versions/0009_household_counts.py, SQLite and PostgreSQL) keep it in the same transaction as every
insert, change of status or advisor, and delete, whoever writes: the services, the retention run, an import, the
bench data generator. Reading the counts reads a few hundred rows.
"""

from sqlalchemy import Integer, String, func, literal_column, select
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .models import Applicant, ApplicantStatus

NO_ADVISOR = 0  # the advisor_id of households without one (a key column cannot be NULL)


class HouseholdCount(db.Model):
    __tablename__ = "household_counts"

    status: Mapped[str] = mapped_column(String(30), primary_key=True)
    advisor_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # users.id, or NO_ADVISOR
    households: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<HouseholdCount {self.status} advisor {self.advisor_id}: {self.households}>"


def households_by_status(advisor_id: int | None = None,
                         statuses: list[ApplicantStatus] | None = None) -> dict[ApplicantStatus, int]:
    """Households per status (of one advisor's caseload, or everyone's; of some statuses, or all)."""
    stmt = select(HouseholdCount.status, func.sum(HouseholdCount.households)).group_by(HouseholdCount.status)
    if advisor_id is not None:
        stmt = stmt.where(HouseholdCount.advisor_id == advisor_id)
    if statuses is not None:
        stmt = stmt.where(HouseholdCount.status.in_([status.value for status in statuses]))
    return {ApplicantStatus(status): int(n) for status, n in db.session.execute(stmt) if n}


def counted_directly() -> dict[tuple[str, int], int]:
    """The same figures counted from the households themselves (for checking the table; reads every household)."""
    advisor = func.coalesce(Applicant.advisor_id, literal_column(str(NO_ADVISOR))).label("advisor")
    rows = db.session.execute(select(Applicant.status, advisor, func.count()).group_by(Applicant.status, advisor))
    return {(status.value, advisor_id): n for status, advisor_id, n in rows}
