"""Figures of housing access for advisors and management: aggregates only, never a person.

Counts of one or two in a breakdown are shown as "< 3", so a small social area does not give a household away."""

from dataclasses import dataclass, field
from datetime import date
from statistics import median

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from ..extensions import db
from .counts import FlatCount, PlacementArea, PlacementMonth, households_by_status
from .models import ApplicantStatus, VacancyStatus
from .services import aftercare_due_count

SMALL = 3


def shown(count: int) -> str:
    """A count fit for a breakdown: small ones are not told exactly."""
    return "< 3" if 0 < count < SMALL else str(count)


HIDDEN = "x"  # a cell left out, so that a small one beside it cannot be worked out from the published total


def shown_breakdown(counts: dict) -> dict:
    """A breakdown's counts for print beside its published total: small ones as "< 3", and where that hides a
    single cell, the next smallest one hidden too ("x"); else the total less the others gives the small one away."""
    result = {key: shown(n) for key, n in counts.items()}
    small = [key for key, n in counts.items() if 0 < n < SMALL]
    others = sorted((n, key) for key, n in counts.items() if n >= SMALL)
    if len(small) == 1 and others:
        result[others[0][1]] = HIDDEN
    return result


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
    """A fixed handful of small queries, whatever the number of tenancies, from the sums the database keeps
    (housing/placement/counts.py, migration 0013): per month the placements and the median days to the contract
    (the middle one or two of each month, found in the running sums of the days), per social area the placements
    and open flats, the aftercare due, the households by status."""
    first = (on.replace(day=1) - relativedelta(months=months - 1))
    result = Figures(months=[first + relativedelta(months=n) for n in range(months)])
    since, until = f"{first:%Y-%m}", f"{on:%Y-%m}"
    running = (select(PlacementMonth.month, PlacementMonth.days, PlacementMonth.tenancies,
                      func.sum(PlacementMonth.tenancies).over(partition_by=PlacementMonth.month,
                                                              order_by=PlacementMonth.days).label("upto"),
                      func.sum(PlacementMonth.tenancies).over(partition_by=PlacementMonth.month).label("total"))
               .where(PlacementMonth.month >= since, PlacementMonth.month <= until, PlacementMonth.tenancies > 0)
               .subquery())
    lower, upper = (running.c.total + 1) // 2, running.c.total // 2 + 1  # the middle ranks (one or two)
    middle: dict[date, list[int]] = {}
    for key, total, value, upto, n in db.session.execute(
            select(running.c.month, running.c.total, running.c.days, running.c.upto, running.c.tenancies)
            .where(running.c.upto >= lower, running.c.upto - running.c.tenancies < upper)):
        year, number = key.split("-")
        month = date(int(year), int(number), 1)
        result.placements[month] = int(total)
        # this row of equal days holds the ranks upto - n + 1 … upto: each middle rank among them counts once
        middle.setdefault(month, []).extend(
            value for rank in {(int(total) + 1) // 2, int(total) // 2 + 1} if upto - n < rank <= upto)
    result.days_to_contract = {first_day: int(median(values)) for first_day, values in middle.items()}
    result.placements_by_area = {area: int(n) for area, n in db.session.execute(
        select(PlacementArea.social_area_id, func.sum(PlacementArea.tenancies))
        .where(PlacementArea.month >= since, PlacementArea.month <= until)  # not the tenancies yet to begin
        .group_by(PlacementArea.social_area_id)) if n}
    result.open_by_area = dict(db.session.execute(
        select(FlatCount.social_area_id, FlatCount.flats)
        .where(FlatCount.status == VacancyStatus.OPEN.value, FlatCount.flats > 0)).all())
    result.open_total = sum(result.open_by_area.values())
    result.aftercare_due = aftercare_due_count(on)
    statuses = households_by_status(statuses=[ApplicantStatus.STABILISED, ApplicantStatus.AT_RISK,
                                              ApplicantStatus.SEARCHING])
    result.stabilised = statuses.get(ApplicantStatus.STABILISED, 0)
    result.at_risk = statuses.get(ApplicantStatus.AT_RISK, 0)
    result.searching = statuses.get(ApplicantStatus.SEARCHING, 0)
    return result
