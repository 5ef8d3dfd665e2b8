"""Figures of housing access for advisors and management: aggregates only, never a person.

Counts of one or two in a breakdown are shown as "< 3", so a small social area does not give a household away."""

from dataclasses import dataclass, field
from datetime import date
from statistics import median

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from ..extensions import db
from ..properties.models import Property, Unit
from .models import Applicant, ApplicantStatus, Tenancy, Vacancy, VacancyStatus
from .services import aftercare_due

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


def figures(on: date, months: int = 12) -> Figures:
    first = (on.replace(day=1) - relativedelta(months=months - 1))
    result = Figures(months=[first + relativedelta(months=n) for n in range(months)])
    rows = db.session.execute(
        select(Tenancy.starts_on, Tenancy.created_at, Applicant.registered_on, Property.social_area_id)
        .join(Applicant, Applicant.id == Tenancy.applicant_id).join(Unit, Unit.id == Tenancy.unit_id)
        .join(Property, Property.id == Unit.property_id).where(Tenancy.starts_on >= first)).all()
    waits: dict[date, list[int]] = {}
    for starts_on, created_at, registered_on, area_id in rows:
        month = starts_on.replace(day=1)
        result.placements[month] = result.placements.get(month, 0) + 1
        result.placements_by_area[area_id] = result.placements_by_area.get(area_id, 0) + 1
        waits.setdefault(month, []).append((created_at.date() - registered_on).days)
    result.days_to_contract = {month: int(median(days)) for month, days in waits.items()}
    for area_id, count in db.session.execute(
            select(Property.social_area_id, func.count()).select_from(Vacancy).join(Unit, Unit.id == Vacancy.unit_id)
            .join(Property, Property.id == Unit.property_id).where(Vacancy.status == VacancyStatus.OPEN)
            .group_by(Property.social_area_id)):
        result.open_by_area[area_id] = count
    result.open_total = sum(result.open_by_area.values())
    result.aftercare_due = len(aftercare_due(None, on, everyone=True))
    statuses = dict(db.session.execute(select(Applicant.status, func.count()).group_by(Applicant.status)).all())
    result.stabilised = statuses.get(ApplicantStatus.STABILISED, 0)
    result.at_risk = statuses.get(ApplicantStatus.AT_RISK, 0)
    result.searching = statuses.get(ApplicantStatus.SEARCHING, 0)
    return result
