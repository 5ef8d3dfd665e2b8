"""The programme report for funders and the council: the Ankauf pipeline, Viertelwerk's hours, placements and
aftercare over a period, as a PDF with charts.

Aggregates only: every figure comes from a GROUP BY (or a single aggregate row) in SQL; the only rows read one by
one are the social areas and the renovation projects (a few dozen). The number of queries is fixed (17), for ten
cases as for ten thousand and two million hour entries. The report never names or tells apart a person: counts
only, and in the breakdowns of placed households by size and type a count of one or two shows as "< 3" (the rule
of the placement overview).

Stocks ("Bestand") are counted on the period's last day, today at the latest: the current status when the period
reaches today, otherwise the status of the last transition recorded before the end of that day. Flows ("im
Zeitraum") count what happened from the first to the last day of the period, both included (Dortmund's calendar
days for timestamps).
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import BinaryIO

from dateutil.relativedelta import relativedelta
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle
from sqlalchemy import Text, case, cast, distinct, func, or_, select

from ..clock import LOCAL_TZ, today
from ..extensions import db
from ..i18n import gettext as _
from ..placement.models import (
    Applicant,
    ApplicantStatus,
    ApplicantTransition,
    ContactKind,
    LandlordSupportCase,
    Offer,
    OfferStatus,
    SupportCaseKind,
    SupportContact,
    SupportTopic,
    Tenancy,
    household_type,
)
from ..placement.overview import shown_breakdown
from ..properties.models import EXITS, PIPELINE, CaseStatus, Property, SocialArea, StatusTransition, Unit
from ..renovation.hours import month_key, parse_month
from ..renovation.models import Absence, HourEntry, ProjectStatus, RenovationProject, WorkPackage
from ..rules.registry import LABOUR_RATE
from ..rules.services import rule_value
from .pdf import (
    FONT,
    FONT_BOLD,
    GRID,
    PRIMARY,
    SHADE,
    STYLES,
    Document,
    de_date,
    de_money,
    de_number,
    escape,
    facts,
    para,
    table,
)

Progress = Callable[[int, int], None]

ACCENT = colors.HexColor("#7f9cc0")  # a lighter shade of the document's blue, for the closed cases
MAX_BARS = 20  # bars in a chart of projects; the rest are summed up in one bar


# --- the period ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    as_at: date  # the day stocks are counted on: the period's end, today at the latest
    is_current: bool  # the period reaches today: stocks are the current statuses
    since: datetime  # the first day's start in Dortmund, in UTC
    until: datetime  # the start of the day after as_at: where flows end (nothing has happened after today yet)
    # and where a past period's stocks are read

    @classmethod
    def of(cls, start: date, end: date) -> "Period":
        if end < start:
            raise ValueError("the period ends before it starts")
        now = today()
        as_at = min(end, now)
        return cls(start, end, as_at, as_at == now, _midnight(start), _midnight(as_at + timedelta(days=1)))

    def months(self) -> list[date]:
        first, months = self.start.replace(day=1), []
        while first <= self.end:
            months.append(first)
            first += relativedelta(months=1)
        return months


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), LOCAL_TZ).astimezone(UTC)


def _count(condition):
    """SQL: how many rows meet ``condition`` (a conditional count inside one aggregate query)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


# --- 1. the Ankauf pipeline ------------------------------------------------------------------------------------


@dataclass
class PipelineFigures:
    stock: dict[tuple[CaseStatus, int], int]  # (status, social area id) -> cases on the as-at day
    area_names: dict[int, str]
    entered: dict[CaseStatus, int]  # cases that entered a status in the period
    opened: int  # cases reported in the period

    def by_status(self, status: CaseStatus) -> int:
        return sum(n for (s, _area), n in self.stock.items() if s == status)

    def by_area(self, area_id: int) -> int:
        return sum(n for (_s, a), n in self.stock.items() if a == area_id)

    @property
    def total(self) -> int:
        return sum(self.stock.values())

    @property
    def areas(self) -> list[tuple[int, str]]:
        """The social areas with cases, by name."""
        ids = {area_id for _s, area_id in self.stock}
        return sorted(((i, self.area_names.get(i, "?")) for i in ids), key=lambda item: item[1])


def pipeline_figures(period: Period) -> PipelineFigures:
    """Problem cases by status and social area on the as-at day, and the moves along the pipeline in the period."""
    if period.is_current:
        stmt = (select(Property.status, Property.social_area_id, func.count())
                .where(Property.is_problem_case.is_(True), Property.status.is_not(None))
                .group_by(Property.status, Property.social_area_id))
    else:
        last = (select(func.max(StatusTransition.id).label("id"))
                .where(StatusTransition.occurred_at < period.until)
                .group_by(StatusTransition.property_id).subquery())
        stmt = (select(StatusTransition.to_status, Property.social_area_id, func.count())
                .join(last, last.c.id == StatusTransition.id)
                .join(Property, Property.id == StatusTransition.property_id)
                .where(Property.is_problem_case.is_(True))
                .group_by(StatusTransition.to_status, Property.social_area_id))
    stock = {(CaseStatus(status), area_id): n for status, area_id, n in db.session.execute(stmt)}
    area_names = dict(db.session.execute(select(SocialArea.id, SocialArea.name)).all())
    entered, opened = {}, 0
    for status, cases, new in db.session.execute(
            select(StatusTransition.to_status, func.count(distinct(StatusTransition.property_id)),
                   func.count(distinct(case((StatusTransition.from_status.is_(None), StatusTransition.property_id)))))
            .join(Property, Property.id == StatusTransition.property_id)
            .where(Property.is_problem_case.is_(True), StatusTransition.occurred_at >= period.since,
                   StatusTransition.occurred_at < period.until)
            .group_by(StatusTransition.to_status)):
        entered[CaseStatus(status)] = cases
        opened += new
    return PipelineFigures(stock, area_names, entered, opened)


def _pipeline_story(doc: Document, period: Period, figures: PipelineFigures) -> list:
    statuses = PIPELINE + EXITS
    story = [para(_("1. Ankaufstrategie: Problemimmobilien"), "h2"),
             para(_("Problemimmobilien nach Verfahrensstand am %(day)s und Bewegungen im Berichtszeitraum. "
                    "Ein Fall kann im Zeitraum mehrere Stände durchlaufen.", day=de_date(period.as_at)))]
    flow = [
        (_("Neu gemeldete Fälle im Zeitraum"), de_number(figures.opened, 0)),
        (_("Erworben im Zeitraum"), de_number(figures.entered.get(CaseStatus.ACQUIRED, 0), 0)),
        (_("Vermietet im Zeitraum"), de_number(figures.entered.get(CaseStatus.LET, 0), 0)),
        (_("Beendet im Zeitraum (saniert durch Eigentümer, abgerissen, ausgetragen)"),
         de_number(sum(figures.entered.get(s, 0) for s in EXITS), 0)),
        (_("Fälle im Bestand am %(day)s", day=de_date(period.as_at)), de_number(figures.total, 0)),
    ]
    story += [Spacer(1, 2 * mm), facts(flow, doc.width, label_width=110 * mm)]

    story.append(_titled_chart(
        _("Abbildung 1: Fälle je Verfahrensstand am %(day)s", day=de_date(period.as_at)),
        _horizontal_bars(doc.width, [s.label for s in statuses], [figures.by_status(s) for s in statuses],
                         bar_colours=[PRIMARY] * len(PIPELINE) + [ACCENT] * len(EXITS))
        if figures.total else None))

    rows = [(_("Verfahrensstand"), _("Fälle am %(day)s", day=de_date(period.as_at)), _("Zugänge im Zeitraum"))]
    rows += [(s.label, de_number(figures.by_status(s), 0), de_number(figures.entered.get(s, 0), 0))
             for s in statuses]
    rows.append((_("Summe"), de_number(figures.total, 0), ""))
    story += [Spacer(1, 3 * mm),
              KeepTogether(_table(rows, [70 * mm, 40 * mm, 40 * mm], numeric_cols=(1, 2), total=True))]

    story += [CondPageBreak(80 * mm),
              para(_("Fälle nach Sozialraum und Verfahrensstand am %(day)s", day=de_date(period.as_at)), "h2")]
    if figures.areas:
        story.append(_cross_table(doc.width, figures, statuses))
    else:
        story.append(para(_("Keine Daten im Zeitraum"), "small"))
    return story


def _cross_table(width: float, figures: PipelineFigures, statuses: list[CaseStatus]) -> Table:
    """Social areas down, statuses across (their names turned upright), sums of both."""
    header = [Paragraph(escape(_("Sozialraum")), STYLES["cell_head"])]
    header += [_Upright(s.label) for s in statuses] + [_Upright(_("Summe"))]
    rows = [header]
    for area_id, name in figures.areas:
        rows.append([Paragraph(escape(name), STYLES["cell"])]
                    + [_number_cell(figures.stock.get((s, area_id), 0)) for s in statuses]
                    + [_number_cell(figures.by_area(area_id), bold=True)])
    rows.append([Paragraph(escape(_("Summe")), STYLES["cell_head"])]
                + [_number_cell(figures.by_status(s), bold=True) for s in statuses]
                + [_number_cell(figures.total, bold=True)])
    first, last = 34 * mm, 15 * mm
    result = Table(rows, colWidths=[first] + [(width - first - last) / len(statuses)] * len(statuses) + [last],
                   repeatRows=1, hAlign="LEFT")
    commands = [
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("ALIGN", (1, 0), (-1, 0), "RIGHT"),
        ("VALIGN", (0, 1), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, PRIMARY),
        ("LINEBELOW", (0, 1), (-1, -2), 0.25, GRID),
        ("LINEABOVE", (0, -1), (-1, -1), 0.8, PRIMARY),
        ("LINEBEFORE", (-1, 0), (-1, -1), 0.8, PRIMARY),
        ("LINEBEFORE", (1 + len(PIPELINE), 0), (1 + len(PIPELINE), -1), 0.25, GRID),
        ("LEFTPADDING", (1, 0), (-1, -1), 1.5), ("RIGHTPADDING", (1, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 1.8), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.8),
    ]
    commands += [("BACKGROUND", (0, r), (-1, r), SHADE) for r in range(2, len(rows) - 1, 2)]
    result.setStyle(TableStyle(commands))
    return result


def _number_cell(value: int, *, bold: bool = False) -> Paragraph:
    """A count in the cross table, a size smaller than elsewhere so four digits fit a status column."""
    return Paragraph(de_number(value, 0), _SMALL_BOLD_RIGHT if bold else _SMALL_RIGHT)


class _Upright(Flowable):
    """A column header written bottom to top, so a dozen statuses fit side by side."""

    size = 7.5

    def __init__(self, text: str):
        super().__init__()
        self.text = str(text)

    def wrap(self, available_width, available_height):
        self.width, self.height = self.size + 2, stringWidth(self.text, FONT_BOLD, self.size) + 2
        return self.width, self.height

    def draw(self):
        canvas = self.canv
        canvas.saveState()
        canvas.setFont(FONT_BOLD, self.size)
        canvas.rotate(90)
        canvas.drawString(1, -self.size, self.text)
        canvas.restoreState()


# --- 2. Viertelwerk ----------------------------------------------------------------------------------------------


@dataclass
class ProjectHours:
    name: str
    status: ProjectStatus
    hours: Decimal  # worked in the period
    participants: int  # with worked hours in the period
    hours_to_date: Decimal  # worked from the start up to the period's end
    planned: Decimal  # planned hours of the work packages

    @property
    def share(self) -> int | None:
        return int(self.hours_to_date * 100 / self.planned) if self.planned else None


@dataclass
class ViertelwerkFigures:
    projects: list[ProjectHours]
    participants: int  # people with worked hours in the period (each counted once)
    absences: dict[Absence, Decimal]
    rate: Decimal  # the calculated hourly rate for labour

    @property
    def hours(self) -> Decimal:
        return sum((p.hours for p in self.projects), Decimal("0"))

    @property
    def labour_value(self) -> Decimal:
        return (self.hours * self.rate).quantize(Decimal("0.01"))


def viertelwerk_figures(period: Period) -> ViertelwerkFigures:
    """Worked hours per project in the period (absences do not count as work), against the planned hours."""
    worked = HourEntry.absence.is_(None)
    in_period = HourEntry.worked_on >= period.start
    booked = {project_id: (Decimal(hours or 0), people, Decimal(to_date or 0))
              for project_id, hours, people, to_date in db.session.execute(
                  select(HourEntry.project_id, func.sum(case((in_period, HourEntry.hours), else_=0)),
                         func.count(distinct(case((in_period, HourEntry.participant_id)))),
                         func.sum(HourEntry.hours))
                  .where(worked, HourEntry.worked_on <= period.end).group_by(HourEntry.project_id))}
    planned = {project_id: Decimal(hours or 0) for project_id, hours in db.session.execute(
        select(WorkPackage.project_id, func.sum(WorkPackage.planned_hours)).group_by(WorkPackage.project_id))}
    projects = []
    for project_id, name, status, starts_on, completed_on in db.session.execute(
            select(RenovationProject.id, RenovationProject.name, RenovationProject.status,
                   RenovationProject.starts_on, RenovationProject.completed_on)):
        hours, people, to_date = booked.get(project_id, (Decimal("0"), 0, Decimal("0")))
        running = (status != ProjectStatus.CANCELLED and starts_on <= period.end
                   and (completed_on is None or completed_on >= period.start))
        if hours or running:
            projects.append(ProjectHours(name, ProjectStatus(status), hours, people, to_date,
                                         planned.get(project_id, Decimal("0"))))
    projects.sort(key=lambda p: (-p.hours, p.name))
    participants = db.session.scalar(
        select(func.count(distinct(HourEntry.participant_id)))
        .where(worked, HourEntry.worked_on >= period.start, HourEntry.worked_on <= period.end)) or 0
    absences = {Absence(kind): Decimal(hours or 0) for kind, hours in db.session.execute(
        select(HourEntry.absence, func.sum(HourEntry.hours))
        .where(HourEntry.absence.is_not(None), HourEntry.worked_on >= period.start, HourEntry.worked_on <= period.end)
        .group_by(HourEntry.absence))}
    return ViertelwerkFigures(projects, participants, absences, rule_value(LABOUR_RATE, period.as_at))


def _viertelwerk_story(doc: Document, period: Period, figures: ViertelwerkFigures) -> list:
    story = [CondPageBreak(70 * mm), para(_("2. Viertelwerk: Sanierung als Beschäftigungsprojekt"), "h2"),
             para(_("Geleistete Arbeitsstunden der Teilnehmenden je Sanierungsprojekt im Berichtszeitraum "
                    "(ohne Fehlzeiten), gegenüber den geplanten Stunden der Arbeitspakete. Der Wert der "
                    "Arbeitsleistung ist mit dem kalkulatorischen Stundensatz von %(rate)s bewertet.",
                    rate=de_money(figures.rate)))]
    absent = sum(figures.absences.values(), Decimal("0"))
    summary = [
        (_("Geleistete Stunden im Zeitraum"), de_number(figures.hours)),
        (_("Teilnehmende mit Stunden im Zeitraum"), de_number(figures.participants, 0)),
        (_("Wert der Arbeitsleistung (kalkulatorisch)"), de_money(figures.labour_value)),
        (_("Fehlzeiten im Zeitraum (Stunden)"),
         de_number(absent) + (" (" + ", ".join(f"{kind.label} {de_number(hours)}"
                                               for kind, hours in figures.absences.items()) + ")" if absent else "")),
    ]
    story += [Spacer(1, 2 * mm), facts(summary, doc.width, label_width=80 * mm)]

    bars = [p for p in figures.projects if p.hours]
    labels, values = [p.name for p in bars[:MAX_BARS]], [p.hours for p in bars[:MAX_BARS]]
    if len(bars) > MAX_BARS:
        labels.append(_("übrige Projekte (%(count)s)", count=len(bars) - MAX_BARS))
        values.append(sum((p.hours for p in bars[MAX_BARS:]), Decimal("0")))
    story.append(_titled_chart(_("Abbildung 2: Geleistete Stunden je Projekt im Zeitraum"),
                               _horizontal_bars(doc.width, labels, values, digits=2) if bars else None))

    rows = [(_("Projekt"), _("Stunden im Zeitraum"), _("Personen mit Stunden"), _("Stunden seit Beginn"),
             _("Plan (Stunden)"), _("Anteil am Plan"), _("Wert im Zeitraum"))]
    for p in figures.projects:
        name = Paragraph(f"{escape(p.name)}<br/><font size=7 color='#4b5563'>{escape(p.status.label)}</font>",
                         STYLES["cell"])
        rows.append((name, de_number(p.hours), de_number(p.participants, 0), de_number(p.hours_to_date),
                     de_number(p.planned), f"{p.share} %" if p.share is not None else "–",
                     de_money(p.hours * figures.rate)))
    if not figures.projects:
        rows.append((_("Keine Daten im Zeitraum"), "", "", "", "", "", ""))
    else:
        rows.append((_("Summe"), de_number(figures.hours), de_number(figures.participants, 0),
                     de_number(sum((p.hours_to_date for p in figures.projects), Decimal("0"))),
                     de_number(sum((p.planned for p in figures.projects), Decimal("0"))), "",
                     de_money(figures.labour_value)))
    widths = [45 * mm, 21 * mm, 18 * mm, 21 * mm, 23 * mm, 15 * mm]
    widths.append(doc.width - sum(widths))
    story += [Spacer(1, 3 * mm),
              _table(rows, widths, numeric_cols=(1, 2, 3, 4, 5, 6), total=bool(figures.projects), compact=True),
              Spacer(1, 1 * mm),
              para(_("Stunden seit Beginn: alle Stunden des Projekts bis zum Ende des Zeitraums, der Anteil am Plan "
                     "bezieht sich darauf. Personen: Teilnehmende mit Stunden im Zeitraum; wer in mehreren "
                     "Projekten gearbeitet hat, zählt in der Summe einmal."), "small")]
    return story


# --- 3. placements ---------------------------------------------------------------------------------------------


@dataclass
class PlacementFigures:
    months: list[date]
    by_month: dict[date, int]
    into_acquired: int  # placements into buildings of the Ankauf pipeline
    households: dict[tuple[int, int], int]  # (adults, children) -> placed households
    offers: dict[OfferStatus, int]  # offers made in the period, by their status today

    @property
    def placements(self) -> int:
        return sum(self.by_month.values())

    def by_size(self) -> dict[str, int]:
        """Households by number of persons: 1, 2, 3, 4, 5 and more."""
        persons: dict[int, int] = {}
        for (adults, children), n in self.households.items():
            size = min(adults + children, 5)
            persons[size] = persons.get(size, 0) + n
        names = {1: _("1 Person"), 5: _("5 und mehr Personen")}
        return {names.get(size) or _("%(count)s Personen", count=size): persons[size] for size in sorted(persons)}

    def by_type(self) -> dict[str, int]:
        types: dict[str, int] = {}
        for (adults, children), n in self.households.items():
            kind = household_type(adults, children)
            types[kind] = types.get(kind, 0) + n
        return dict(sorted(types.items(), key=lambda item: -item[1]))


def placement_figures(period: Period) -> PlacementFigures:
    """Tenancies started in the period (per month, and how many in acquired buildings), the households placed,
    and the offers made."""
    started = (Tenancy.starts_on >= period.start, Tenancy.starts_on <= period.end)
    month = month_key(Tenancy.starts_on)
    by_month, into_acquired = {}, 0
    for key, problem_case, n in db.session.execute(
            select(month, Property.is_problem_case, func.count()).select_from(Tenancy)
            .join(Unit, Unit.id == Tenancy.unit_id).join(Property, Property.id == Unit.property_id)
            .where(*started).group_by(month, Property.is_problem_case)):
        first = parse_month(key)
        by_month[first] = by_month.get(first, 0) + n
        into_acquired += n if problem_case else 0
    households = {(adults or 0, children or 0): n for adults, children, n in db.session.execute(
        select(Applicant.adults, Applicant.children, func.count()).select_from(Tenancy)
        .join(Applicant, Applicant.id == Tenancy.applicant_id).where(*started)
        .group_by(Applicant.adults, Applicant.children))}
    offers = {OfferStatus(status): n for status, n in db.session.execute(
        select(Offer.status, func.count()).where(Offer.created_at >= period.since, Offer.created_at < period.until)
        .group_by(Offer.status))}
    return PlacementFigures(period.months(), by_month, into_acquired, households, offers)


def _placement_story(doc: Document, period: Period, figures: PlacementFigures) -> list:
    story = [CondPageBreak(70 * mm), para(_("3. Wohnraumvermittlung"), "h2"),
             para(_("Mietverhältnisse, die im Berichtszeitraum begonnen haben, und Wohnungsangebote an Haushalte. "
                    "Zahlen ohne Personenbezug; in den Aufschlüsselungen nach Haushalten erscheinen Zahlen von "
                    "1 und 2 als „< 3“, und „x“ steht für eine Zahl, die mit ausgelassen ist, damit sich eine kleine "
                    "nicht aus der Summe errechnen lässt."))]
    offers = figures.offers
    accepted = sum(offers.get(s, 0) for s in (OfferStatus.ACCEPTED, OfferStatus.APPROVAL_PENDING,
                                              OfferStatus.CONTRACT_SIGNED))
    summary = [
        (_("Vermittlungen (Mietverhältnisse begonnen)"), de_number(figures.placements, 0)),
        (_("davon in Gebäuden der Ankaufstrategie"), de_number(figures.into_acquired, 0)),
        (_("Angebote an Haushalte im Zeitraum"), de_number(sum(offers.values()), 0)),
        (_("davon angenommen (einschließlich Mietvertrag und Zustimmung Jobcenter)"), de_number(accepted, 0)),
        (_("davon Mietvertrag unterschrieben"), de_number(offers.get(OfferStatus.CONTRACT_SIGNED, 0), 0)),
        (_("davon abgelehnt"), de_number(offers.get(OfferStatus.DECLINED, 0), 0)),
        (_("davon storniert"), de_number(offers.get(OfferStatus.CANCELLED, 0), 0)),
        (_("davon noch offen (vorgeschlagen, Besichtigung)"),
         de_number(offers.get(OfferStatus.PROPOSED, 0) + offers.get(OfferStatus.VIEWING, 0), 0)),
    ]
    story += [Spacer(1, 2 * mm), facts(summary, doc.width, label_width=110 * mm), Spacer(1, 1 * mm),
              para(_("Angebote: die im Zeitraum gemachten Angebote mit ihrem heutigen Stand."), "small")]

    labels = [m.strftime("%m/%Y") for m in figures.months]
    story.append(_titled_chart(_("Abbildung 3: Vermittlungen je Monat"),
                               _vertical_bars(doc.width, labels, [figures.by_month.get(m, 0) for m in figures.months])
                               if figures.placements else None))

    sizes, types = figures.by_size(), figures.by_type()
    size_rows = [(_("Haushaltsgröße"), _("Haushalte"))] + list(shown_breakdown(sizes).items())
    type_rows = [(_("Haushaltsform"), _("Haushalte"))] + list(shown_breakdown(types).items())
    if not sizes:
        size_rows.append((_("Keine Daten im Zeitraum"), ""))
        type_rows.append((_("Keine Daten im Zeitraum"), ""))
    half = (doc.width - 8 * mm) / 2
    pair = _side_by_side(doc.width, _table(size_rows, [half - 25 * mm, 25 * mm], numeric_cols=(1,)),
                         _table(type_rows, [half - 25 * mm, 25 * mm], numeric_cols=(1,)))
    story += [KeepTogether([para(_("Vermittelte Haushalte im Zeitraum"), "h2"), pair])]
    return story


# --- 4. aftercare and landlord support --------------------------------------------------------------------------


@dataclass
class AftercareFigures:
    contacts: int
    tenancies_reached: int
    by_kind: dict[ContactKind, int]
    by_topic: dict[SupportTopic, int]
    ended: int  # tenancies ended in the period
    running: int  # tenancies running on the as-at day
    in_aftercare: int  # of those, still within their aftercare period
    statuses_at: dict[ApplicantStatus, int]  # households by status on the as-at day
    entered: dict[ApplicantStatus, int]  # households that entered a status in the period
    landlord_cases: dict[SupportCaseKind, tuple[int, int, int]] = field(default_factory=dict)  # opened, resolved, open


def aftercare_figures(period: Period) -> AftercareFigures:
    """Aftercare contacts by kind and topic, tenancies ended and running, households at risk or stabilised, and
    landlords' support cases."""
    in_period = (SupportContact.contact_on >= period.start, SupportContact.contact_on <= period.end)
    topics_text = cast(SupportContact.topics, Text)  # a JSON list; topic codes are distinct words
    row = db.session.execute(
        select(func.count(), func.count(distinct(SupportContact.tenancy_id)),
               *[_count(SupportContact.kind == kind) for kind in ContactKind],
               *[_count(topics_text.like(f'%"{topic.value}"%')) for topic in SupportTopic])
        .where(*in_period)).one()
    kinds, topics = row[2:2 + len(ContactKind)], row[2 + len(ContactKind):]
    running_on = (Tenancy.starts_on <= period.as_at) & or_(Tenancy.ends_on.is_(None), Tenancy.ends_on >= period.as_at)
    ended, running, in_aftercare = db.session.execute(select(
        _count((Tenancy.ends_on >= period.start) & (Tenancy.ends_on <= period.end)), _count(running_on),
        _count(running_on & (Tenancy.aftercare_until >= period.as_at)))).one()
    if period.is_current:
        stmt = select(Applicant.status, func.count()).group_by(Applicant.status)
    else:
        last = (select(func.max(ApplicantTransition.id).label("id"))
                .where(ApplicantTransition.occurred_at < period.until)
                .group_by(ApplicantTransition.applicant_id).subquery())
        stmt = (select(ApplicantTransition.to_status, func.count())
                .join(last, last.c.id == ApplicantTransition.id).group_by(ApplicantTransition.to_status))
    statuses_at = {ApplicantStatus(status): n for status, n in db.session.execute(stmt)}
    entered = {ApplicantStatus(status): n for status, n in db.session.execute(
        select(ApplicantTransition.to_status, func.count(distinct(ApplicantTransition.applicant_id)))
        .where(ApplicantTransition.occurred_at >= period.since, ApplicantTransition.occurred_at < period.until,
               ApplicantTransition.to_status.in_([ApplicantStatus.AT_RISK, ApplicantStatus.STABILISED]))
        .group_by(ApplicantTransition.to_status))}
    case_ = LandlordSupportCase
    landlord_cases = {SupportCaseKind(kind): (opened, resolved, still_open) for kind, opened, resolved, still_open in
                      db.session.execute(select(
                          case_.kind,
                          _count((case_.opened_on >= period.start) & (case_.opened_on <= period.end)),
                          _count((case_.resolved_on >= period.start) & (case_.resolved_on <= period.end)),
                          _count((case_.opened_on <= period.as_at)
                                 & or_(case_.resolved_on.is_(None), case_.resolved_on > period.as_at)))
                          .group_by(case_.kind))}
    return AftercareFigures(row[0], row[1], dict(zip(ContactKind, kinds, strict=True)),
                            dict(zip(SupportTopic, topics, strict=True)), ended, running, in_aftercare,
                            statuses_at, entered, landlord_cases)


def _aftercare_story(doc: Document, period: Period, figures: AftercareFigures) -> list:
    day = de_date(period.as_at)
    story = [CondPageBreak(70 * mm), para(_("4. Nachbetreuung und Vermieterunterstützung"), "h2"),
             para(_("Kontakte der Nachbetreuung im Berichtszeitraum, Stand der Mietverhältnisse und Anliegen von "
                    "Vermietenden, wenn ein Mietverhältnis „knirscht“."))]
    summary = [
        (_("Kontakte der Nachbetreuung im Zeitraum"), de_number(figures.contacts, 0)),
        (_("erreichte Mietverhältnisse"), de_number(figures.tenancies_reached, 0)),
        (_("Mietverhältnisse beendet im Zeitraum"), de_number(figures.ended, 0)),
        (_("Mietverhältnisse laufend am %(day)s", day=day), de_number(figures.running, 0)),
        (_("davon in der Nachbetreuung (sechs Monate ab Beginn)"), de_number(figures.in_aftercare, 0)),
        (_("Haushalte mit gefährdetem Mietverhältnis am %(day)s", day=day),
         de_number(figures.statuses_at.get(ApplicantStatus.AT_RISK, 0), 0)),
        (_("im Zeitraum als gefährdet eingestuft"), de_number(figures.entered.get(ApplicantStatus.AT_RISK, 0), 0)),
        (_("im Zeitraum stabilisiert"), de_number(figures.entered.get(ApplicantStatus.STABILISED, 0), 0)),
    ]
    story += [Spacer(1, 2 * mm), facts(summary, doc.width, label_width=110 * mm)]

    story.append(_titled_chart(
        _("Abbildung 4: Themen der Nachbetreuung im Zeitraum (ein Kontakt kann mehrere Themen haben)"),
        _horizontal_bars(doc.width, [t.label for t in SupportTopic], [figures.by_topic[t] for t in SupportTopic])
        if any(figures.by_topic.values()) else None))

    rows = [(_("Art des Kontakts"), _("Kontakte"))] + [(k.label, de_number(figures.by_kind[k], 0))
                                                      for k in ContactKind]
    rows.append((_("Summe"), de_number(figures.contacts, 0)))
    topic_rows = [(_("Thema"), _("Kontakte"))] + [(t.label, de_number(figures.by_topic[t], 0)) for t in SupportTopic]
    half = (doc.width - 8 * mm) / 2
    pair = _side_by_side(doc.width, _table(rows, [half - 25 * mm, 25 * mm], numeric_cols=(1,), total=True),
                         _table(topic_rows, [half - 25 * mm, 25 * mm], numeric_cols=(1,)))
    story += [Spacer(1, 3 * mm), pair]

    cases = [(_("Anliegen"), _("gemeldet im Zeitraum"), _("geklärt im Zeitraum"), _("offen am %(day)s", day=day))]
    totals = [0, 0, 0]
    for kind in SupportCaseKind:
        counts = figures.landlord_cases.get(kind, (0, 0, 0))
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        cases.append((kind.label, *(de_number(n, 0) for n in counts)))
    cases.append((_("Summe"), *(de_number(n, 0) for n in totals)))
    story += [KeepTogether([para(_("Unterstützung von Vermietenden"), "h2"),
                            _table(cases, [60 * mm, 38 * mm, 38 * mm, 38 * mm], numeric_cols=(1, 2, 3),
                                   total=True)])]
    return story


# --- the document ----------------------------------------------------------------------------------------------


def programme_report(start: date, end: date, out: BinaryIO, progress: Progress | None = None) -> None:
    """Write the programme report for [start, end] (both days included) as a PDF into ``out``.

    ``progress(done, total)`` is called after each of the four sections and once more when the PDF is written."""
    period = Period.of(start, end)
    doc = Document(_("Programmbericht Wohnen in Dortmund"),
                   subtitle=_("Ankauf- und Wohnungszugangsstrategie – %(start)s bis %(end)s",
                              start=de_date(start), end=de_date(end)))
    sections = [
        (pipeline_figures, _pipeline_story),
        (viertelwerk_figures, _viertelwerk_story),
        (placement_figures, _placement_story),
        (aftercare_figures, _aftercare_story),
    ]
    total = len(sections) + 1
    story = _intro(doc, period)
    for done, (figures, render) in enumerate(sections, start=1):
        story += render(doc, period, figures(period))
        if progress:
            progress(done, total)
    doc.build(story, out)
    if progress:
        progress(total, total)


def _intro(doc: Document, period: Period) -> list:
    printed = doc.printed.astimezone(LOCAL_TZ)
    pairs = [
        (_("Berichtszeitraum"), _("%(start)s bis %(end)s", start=de_date(period.start), end=de_date(period.end))),
        (_("Bestände gezählt am"), de_date(period.as_at)),
        (_("Stand"), _("%(day)s, %(time)s Uhr", day=de_date(printed), time=printed.strftime("%H:%M"))),
    ]
    return [
        para(_("Programmbericht Ankauf- und Wohnungszugangsstrategie"), "title"),
        para(_("Der Bericht fasst zusammen, was die Stadt Dortmund und ihre Partner im Berichtszeitraum erreicht "
               "haben: den Ankauf von Problemimmobilien, ihre Sanierung durch Viertelwerk als "
               "Beschäftigungsprojekt, die Vermittlung von Wohnungen und die Begleitung der Mietverhältnisse. "
               "Er enthält nur Summen und Anzahlen, keine Angaben zu einzelnen Personen.")),
        Spacer(1, 3 * mm),
        facts(pairs, doc.width),
    ]


# --- charts ----------------------------------------------------------------------------------------------------


def _titled_chart(title: str, chart) -> KeepTogether:
    """A chart under its caption; "Keine Daten im Zeitraum" in its place when there is nothing to draw."""
    body = chart if chart is not None else para(_("Keine Daten im Zeitraum"), "small")
    return KeepTogether([Spacer(1, 4 * mm), para(title, "cell_head"), Spacer(1, 1.5 * mm), body])


def _scale(top: float, *, whole: bool) -> tuple[float, float]:
    """An axis maximum and step for values up to ``top``: about five steps of 1, 2 or 5 times a power of ten."""
    if top <= 0:
        return 1, 1
    raw = top / 5
    power = 10 ** math.floor(math.log10(raw))
    step = next(factor * power for factor in (1, 2, 5, 10) if factor * power >= raw)
    if whole:
        step = max(step, 1)
    return math.ceil(top / step) * step, step


def _value_label(digits: int):
    return lambda value: de_number(value, digits)


def _style_axes(chart, digits: int, values) -> None:
    top, step = _scale(float(max(values, default=0)), whole=digits == 0)
    axis = chart.valueAxis
    axis.valueMin, axis.valueMax, axis.valueStep = 0, top, step
    axis.labels.fontName, axis.labels.fontSize = FONT, 7
    axis.labelTextFormat = _value_label(0 if step >= 1 else 1)
    axis.visibleGrid, axis.gridStrokeColor, axis.gridStrokeWidth = 1, GRID, 0.4
    axis.strokeColor = GRID
    chart.categoryAxis.labels.fontName, chart.categoryAxis.labels.fontSize = FONT, 7.5
    chart.categoryAxis.strokeColor = GRID
    chart.categoryAxis.visibleTicks = 0
    chart.bars[0].fillColor, chart.bars[0].strokeColor = PRIMARY, None
    chart.barLabelFormat = _value_label(digits)
    chart.barLabels.fontName, chart.barLabels.fontSize = FONT_BOLD, 7
    chart.barLabels.fillColor = colors.HexColor("#1f2937")


def _fit(text: str, width: float, size: float) -> str:
    """Shorten a label with "…" until it fits ``width`` points."""
    if stringWidth(text, FONT, size) <= width:
        return text
    while text and stringWidth(text + "…", FONT, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _horizontal_bars(width: float, labels: list[str], values: list, *, digits: int = 0,
                     bar_colours: list | None = None) -> Drawing:
    """One bar per category, the first at the top; the labels on the left, the values at the bars' ends."""
    size = 7.5
    label_width = min(max(stringWidth(label, FONT, size) for label in labels) + 6, 62 * mm)
    row = 6 * mm
    plot_height = row * len(labels)
    drawing = Drawing(width, plot_height + 9 * mm)
    chart = HorizontalBarChart()
    chart.x, chart.y = label_width, 6 * mm
    chart.width, chart.height = width - label_width - 16 * mm, plot_height
    chart.data = [[float(v) for v in values]]
    chart.categoryAxis.categoryNames = [_fit(label, label_width - 6, size) for label in labels]
    chart.categoryAxis.reverseDirection = 1
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -3
    chart.barWidth, chart.groupSpacing = 4 * mm, 2 * mm
    _style_axes(chart, digits, values)
    chart.categoryAxis.labels.fontSize = size
    chart.barLabels.boxAnchor, chart.barLabels.dx = "w", 2
    for index, colour in enumerate(bar_colours or []):
        chart.bars[(0, index)].fillColor = colour
    drawing.add(chart)
    return drawing


def _vertical_bars(width: float, labels: list[str], values: list, *, digits: int = 0) -> Drawing:
    """One bar per month; with many months only every few carries its label."""
    every = max(1, math.ceil(len(labels) / 12))
    drawing = Drawing(width, 62 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y = 12 * mm, 10 * mm
    chart.width, chart.height = width - 14 * mm, 48 * mm
    chart.data = [[float(v) for v in values]]
    chart.categoryAxis.categoryNames = [label if i % every == 0 else "" for i, label in enumerate(labels)]
    chart.categoryAxis.labels.boxAnchor = "n"
    chart.categoryAxis.labels.dy = -2
    # Bar and gap widths are relative: a bar takes at most 70 % of its month and is never wider than 12 mm.
    share = min(0.7, 12 * mm / (chart.width / len(labels)))
    chart.barWidth, chart.barSpacing, chart.groupSpacing = 10, 0, 10 * (1 - share) / share
    _style_axes(chart, digits, values)
    chart.categoryAxis.labels.fontSize = 7
    chart.barLabels.boxAnchor, chart.barLabels.dy = "s", 1
    chart.barLabelFormat = lambda value: de_number(value, digits) if value else ""
    drawing.add(chart)
    return drawing


_HEAD_RIGHT = STYLES["cell_head"].clone("cell_head_right", alignment=TA_RIGHT)
_SMALL_RIGHT = STYLES["cell_right"].clone("cell_small_right", fontSize=7.5, leading=10)
_SMALL_BOLD_RIGHT = _SMALL_RIGHT.clone("cell_small_bold_right", fontName=FONT_BOLD)


def _table(rows, widths, *, numeric_cols=(), total=False, compact=False):
    """The shared table, with the headers of number columns set right and a last row of sums in bold over a rule."""
    rows = [list(row) for row in rows]

    def bold(row):
        return [value if isinstance(value, Paragraph) else
                Paragraph(escape(value), _HEAD_RIGHT if c in numeric_cols else STYLES["cell_head"])
                for c, value in enumerate(row)]

    rows[0] = bold(rows[0])
    if total:
        rows[-1] = bold(rows[-1])
    result = table(rows, widths, numeric_cols=numeric_cols)
    if total:
        result.setStyle([("LINEABOVE", (0, -1), (-1, -1), 0.8, PRIMARY)])
    if compact:
        result.setStyle([("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)])
    return result


def _side_by_side(width: float, left, right):
    """Two small tables next to each other."""
    half = (width - 8 * mm) / 2
    pair = Table([[left, right]], colWidths=[half + 8 * mm, half], hAlign="LEFT")
    pair.setStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                   ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0)])
    return pair
