"""How many households stand in each status, kept by the database itself for the households list and the overview.

Counting 50,000 households by status on every view of the list (its status chips) and of the overview read every
household; ``household_counts`` holds one row per (status, advisor) instead, and triggers on ``applicants``
(migrations/versions/0009_household_counts.py, SQLite and PostgreSQL) keep it in the same transaction as every
insert, change of status or advisor, and delete, whoever writes: the services, the retention run, an import, the
bench data generator. Reading the counts reads a few hundred rows.

The overview's figures are kept the same way (migrations/versions/0013_placement_figures.py): one row of figures per
tenancy (``tenancy_figures``: its month, days to the contract, social area, household status, next aftercare contact
due and end), their sums per month and days and per month and area, and the flats per status and area.
"""

from datetime import date

from sqlalchemy import Date, Index, Integer, String, func, literal_column, select
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


# --- the overview's figures (migrations/versions/0013_placement_figures.py) -------------------------------------


class TenancyFigures(db.Model):
    """What the overview needs of one tenancy, kept by triggers on tenancies, applicants, support_contacts, units
    and properties: the month it starts, the days from registration to the contract, the social area, the
    household's status, the day the next aftercare contact is due (``services._aftercare_next_due``) and its end."""

    __tablename__ = "tenancy_figures"
    __table_args__ = (Index("ix_tenancy_figures_due", "status", "next_due_on", "ends_on"),)

    tenancy_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # tenancies.id
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM of starts_on
    days: Mapped[int] = mapped_column(Integer)
    social_area_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(30))
    next_due_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)

    def __repr__(self) -> str:
        return f"<TenancyFigures {self.tenancy_id} {self.month} due {self.next_due_on}>"


class PlacementMonth(db.Model):
    """Tenancies per month of their start and days from registration to the contract (the sums of TenancyFigures)."""

    __tablename__ = "placement_months"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    days: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenancies: Mapped[int] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"<PlacementMonth {self.month} {self.days} days: {self.tenancies}>"


class PlacementArea(db.Model):
    """Tenancies per month of their start and social area (the sums of TenancyFigures)."""

    __tablename__ = "placement_areas"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    social_area_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenancies: Mapped[int] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"<PlacementArea {self.month} area {self.social_area_id}: {self.tenancies}>"


class FlatCount(db.Model):
    """Flats on offer per status and social area, kept by triggers on vacancies, units and properties."""

    __tablename__ = "flat_counts"

    status: Mapped[str] = mapped_column(String(30), primary_key=True)
    social_area_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flats: Mapped[int] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"<FlatCount {self.status} area {self.social_area_id}: {self.flats}>"
