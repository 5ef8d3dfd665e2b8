"""Figures of housing access for advisors and management: aggregates only, never a person.

Counts of one or two in a breakdown are shown as "< 3", so a small social area does not give a household away."""

from dataclasses import dataclass, field
from datetime import date
from statistics import median

from dateutil.relativedelta import relativedelta
from sqlalchemy import Date, Integer, cast, func, select

from ..extensions import db
from ..properties.models import Property, Unit
from .counts import households_by_status
from .models import Applicant, ApplicantStatus, Tenancy, Vacancy, VacancyStatus
from .services import aftercare_due_count

SMALL = 3


def shown(count: int) -> str:
    """A count fit for a breakdown: small ones are not told exactly."""
    return "< 3" if 0 < count < SMALL else str(count)


@dataclass
class Figures:
    months: list[date]
    placements: dict[date, int] = field(default_factory=dict)
    placements_by_area: dict[int, int] = field(default_factory=dict)
    days_to_contract: dict[date, int | None] = field(default_factory=dict)
    open_by_area: dict[int, int] = field(default_factory=dict)
    open_total: int = 0
    aftercare_due: int = 0
    stabilised: int = 0
    at_risk: int = 0
    searching: int = 0


def _month(column):
    """``YYYY-MM`` of a date column, in SQL on either database."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _days_to_contract():
    """SQL: the days from a household's registration to the day its tenancy was recorded (in UTC), as
    ``(created_at.date() - registered_on).days`` in Python."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("UTC", Tenancy.created_at), Date) - Applicant.registered_on
    return cast(func.julianday(func.date(Tenancy.created_at)) - func.julianday(Applicant.registered_on), Integer)


def _area_of(unit_id_column):
    """SQL: the social area of a unit's building, looked up for each row counted (a few thousand). As a join,
    PostgreSQL would rather read all 300,000 units than look up a few thousand of them."""
    return (select(Property.social_area_id).join(Unit, Unit.property_id == Property.id)
            .where(Unit.id == unit_id_column).scalar_subquery().label("area"))


def _count_by_area(areas) -> dict[int, int]:
    counted = areas.subquery()
    return dict(db.session.execute(select(counted.c.area, func.count()).group_by(counted.c.area)).all())


def figures(on: date, months: int = 12) -> Figures:
    """A fixed handful of aggregate queries, whatever the number of tenancies: per month the placements and the
    median days to the contract (the middle one or two of each month, picked in SQL), per social area the
    placements and open flats, the aftercare due, the households by status (counts the database keeps)."""
    first = (on.replace(day=1) - relativedelta(months=months - 1))
    result = Figures(months=[first + relativedelta(months=n) for n in range(months)])
    month, days = _month(Tenancy.starts_on).label("month"), _days_to_contract().label("days")
    ranked = (select(month, days, func.row_number().over(partition_by=month, order_by=days).label("n"),
                     func.count().over(partition_by=month).label("total"))
              .join(Applicant, Applicant.id == Tenancy.applicant_id).where(Tenancy.starts_on >= first).subquery())
    middle: dict[date, list[int]] = {}
    for key, total, value in db.session.execute(
            select(ranked.c.month, ranked.c.total, ranked.c.days)
            .where(ranked.c.n.in_([(ranked.c.total + 1) // 2, ranked.c.total // 2 + 1]))):
        year, number = key.split("-")
        result.placements[date(int(year), int(number), 1)] = total
        middle.setdefault(date(int(year), int(number), 1), []).append(value)
    result.days_to_contract = {first_day: int(median(values)) for first_day, values in middle.items()}
    result.placements_by_area = _count_by_area(select(_area_of(Tenancy.unit_id)).where(Tenancy.starts_on >= first))
    result.open_by_area = _count_by_area(select(_area_of(Vacancy.unit_id))
                                         .where(Vacancy.status == VacancyStatus.OPEN))
    result.open_total = sum(result.open_by_area.values())
    result.aftercare_due = aftercare_due_count(on)
    statuses = households_by_status(statuses=[ApplicantStatus.STABILISED, ApplicantStatus.AT_RISK,
                                              ApplicantStatus.SEARCHING])
    result.stabilised = statuses.get(ApplicantStatus.STABILISED, 0)
    result.at_risk = statuses.get(ApplicantStatus.AT_RISK, 0)
    result.searching = statuses.get(ApplicantStatus.SEARCHING, 0)
    return result
