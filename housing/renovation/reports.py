"""Viertelwerk documents and report figures: the monthly timesheet to sign, hours against plan,
attendance, hours per property."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Spacer
from sqlalchemy import case, distinct, false, func, literal, select, union_all
from sqlalchemy.orm import lazyload

from ..clock import today
from ..extensions import db
from ..properties.models import Property
from ..reports.pdf import Document, SectionStart, StreamedStory, de_date, de_number, para, signatures, table
from ..reports.pdf import facts as facts_table
from .hours import locked_months, month_end, month_entries
from .models import Absence, HourEntry, Participant, ProjectMonthHours, RenovationProject, WorkPackage
from .participants import attendance_from
from .services import visible_to

WEEKDAYS = ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"]
MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
          "November", "Dezember"]


def month_title(first) -> str:
    return f"{MONTHS[first.month - 1]} {first.year}"


def timesheet_pdf(participant: Participant, first) -> bytes:
    """The month's timesheet for the participant and the supervisor to sign (German, A4)."""
    doc = Document(f"Stundennachweis {month_title(first)} – {participant.name}",
                   issuer="Viertelwerk gGmbH", subtitle=f"Beschäftigungsprojekt {participant.project.name}")
    return doc.build(timesheet_story(doc, participant, first))


def month_timesheets(project_ids: list[int], first, out, progress=None) -> int:
    """Every timesheet of a month in one file, each with its own page numbers, for the participants of the
    given projects whose measure runs in that month; returns how many. Read one person at a time."""
    last = month_end(first)
    selection = (select(Participant.id).where(Participant.project_id.in_(project_ids), Participant.starts_on <= last,
                                              Participant.ends_on >= first)
                 .order_by(Participant.project_id, Participant.last_name, Participant.first_name, Participant.id))
    ids = list(db.session.scalars(selection))
    doc = Document(f"Stundennachweise {month_title(first)}", issuer="Viertelwerk gGmbH",
                   subtitle=f"Stundennachweise {month_title(first)}")

    # Each project (with its supervisors and packages) is read once and held while the file is built; a joined
    # project would be read again with every person. The qualifications are not on the timesheet.
    projects = {}
    person_only = [lazyload(Participant.project), lazyload(Participant.qualifications)]

    def chunks():
        if not ids:
            yield [para(f"Stundennachweise {month_title(first)}", "title"),
                   para("Keine Teilnehmenden mit laufender Maßnahme in diesem Monat.")]
        for index, participant_id in enumerate(ids):
            participant = db.session.get(Participant, participant_id, options=person_only)
            projects.setdefault(participant.project_id, participant.project)
            story = [SectionStart(f"Stundennachweis {month_title(first)} – {participant.name}")]
            story += timesheet_story(doc, participant, first)
            if index < len(ids) - 1:
                story.append(PageBreak())
            yield story
            if progress:
                progress(index + 1, len(ids))

    if progress:
        progress(0, len(ids))
    doc.build(StreamedStory(chunks()), out)
    return len(ids)


def timesheet_story(doc: Document, participant: Participant, first) -> list:
    entries = month_entries(participant, first)
    last = month_end(first)
    locked = first in locked_months(participant.id, first, first)
    story = [para(f"Stundennachweis {month_title(first)}", "title")]
    facts = [
        ("Teilnehmende:r", participant.name),
        ("Geburtsdatum", de_date(participant.birth_date)),
        ("Jobcenter-Kundennummer", participant.jobcenter_ref or "–"),
        ("Maßnahme", f"{participant.funding_basis.label}, {de_date(participant.starts_on)} bis "
                     f"{de_date(participant.ends_on)}"),
        ("Vertragliche Wochenstunden", de_number(participant.weekly_hours)),
        ("Projekt", f"{participant.project.name} ({participant.project.building.short_address})"),
        ("Anleitung", ", ".join(s.name for s in participant.project.supervisors) or "–"),
        ("Stand des Monats", "freigegeben und gesperrt" if locked else "noch nicht freigegeben"),
    ]
    story.append(facts_table(facts, doc.width))
    story.append(para("Tage", "h2"))
    rows = [("Datum", "Tag", "Arbeitspaket / Abwesenheit", "Tätigkeit", "Stunden")]
    for entry in entries:
        what = entry.absence.label if entry.absence else (entry.work_package.title if entry.work_package else "")
        rows.append((de_date(entry.worked_on), WEEKDAYS[entry.worked_on.weekday()], what, entry.activity or "",
                     de_number(entry.hours)))
    if len(rows) == 1:
        rows.append(("", "", "keine Einträge", "", ""))
    story.append(table(rows, [22 * mm, 12 * mm, 80 * mm, doc.width - 135 * mm, 21 * mm], numeric_cols=(4,)))

    present = sum((e.hours for e in entries if e.absence is None), Decimal("0"))
    by_absence = {kind: sum((e.hours for e in entries if e.absence == kind), Decimal("0")) for kind in Absence}
    rate = attendance_from(participant, entries, first, last)
    summary = [("Summe", "Stunden"), ("Anwesend (gearbeitet)", de_number(present))]
    summary += [(f"Abwesend: {kind.label}", de_number(hours)) for kind, hours in by_absence.items() if hours]
    summary.append(("Vertragliche Stunden im Monat", de_number(rate.contracted_hours)))
    summary.append(("Anwesenheitsquote", f"{rate.rate} %" if rate.rate is not None else "–"))
    story.append(KeepTogether([
        Spacer(1, 4 * mm),
        table(summary, [80 * mm, 30 * mm], numeric_cols=(1,), zebra=False),
        Spacer(1, 10 * mm),
        signatures(doc.width, ["Teilnehmende:r", "Anleitung Viertelwerk"]),
    ]))
    return story


# --- figures for the reports page ----------------------------------------------------------------------
#
# Worked hours are the entries without an absence, over the projects the user works on (``services.projects_for``),
# summed by the database as shown: a fixed number of queries, whatever the number of projects, packages, people and
# entries. Hours and people per project and building come from the months the database keeps
# (``ProjectMonthHours``); the hours per work package from the entries, read project by project through the covering
# index ix_hour_entries_project_sums (the entries' table itself is not read).


def _worked(first, last) -> tuple:
    return HourEntry.worked_on >= first, HourEntry.worked_on <= last, HourEntry.absence.is_(None)


def _by_project(user, *columns):
    """The user's projects with ``columns``, in the order of the project list (status, name)."""
    return visible_to(user, select(RenovationProject.id, RenovationProject.name, *columns)
                      .order_by(RenovationProject.status, RenovationProject.name, RenovationProject.id))


def _address(row) -> str:
    return f"{row.street} {row.house_number}"  # as Property.short_address


def _edges(first, last) -> list[tuple[date, date]]:
    """The days of the period's first and last month outside it on which hours may have been recorded: none for a
    period of whole months, or one to today or later (no hours are recorded for a day after today:
    ``hours.validate_entry``)."""
    first_month = first.replace(day=1)
    # the last day of the last month (``hours.month_end`` cannot give that of December 9999)
    last_day = date(last.year, 12, 31) if last.month == 12 else date(last.year, last.month + 1, 1) - timedelta(1)
    edges = [(first_month, first - timedelta(1)) if first > first_month else None,
             (last + timedelta(1), last_day) if last < min(last_day, today()) else None]
    return [edge for edge in edges if edge]


def _kept_months(user, first, last, *columns):
    """``columns`` of the kept months the period touches, of the projects the user works on."""
    return select(*columns).where(ProjectMonthHours.month >= first.replace(day=1),
                                  ProjectMonthHours.month <= last.replace(day=1),
                                  ProjectMonthHours.project_id.in_(visible_to(user, select(RenovationProject.id))))


def _person_hours(user, first, last):
    """A subquery: per project the user works on and person, the hours worked in [first, last] (``hours``) and how
    many entries they come from (``entries``, 0 for none): the kept months the period touches less what was
    recorded on their days outside it (``_edges``), read from the entries."""
    parts = [_kept_months(user, first, last, ProjectMonthHours.project_id, ProjectMonthHours.participant_id,
                          ProjectMonthHours.hours, ProjectMonthHours.entries)]
    for start, end in _edges(first, last):
        parts.append(select(HourEntry.project_id, HourEntry.participant_id, -HourEntry.hours, literal(-1)).where(
            HourEntry.project_id.in_(visible_to(user, select(RenovationProject.id))), *_worked(start, end)))
    rows = union_all(*parts).subquery()
    return (select(rows.c.project_id, rows.c.participant_id, func.sum(rows.c.hours).label("hours"),
                   func.sum(rows.c.entries).label("entries"))
            .group_by(rows.c.project_id, rows.c.participant_id).subquery())


def _hours_and_people(person_hours) -> tuple:
    return (func.sum(person_hours.c.hours).label("hours"),
            func.sum(case((person_hours.c.entries > 0, 1), else_=0)).label("people"))


@dataclass
class ProjectHours:
    project_id: int
    project_name: str
    address: str
    planned_hours: Decimal
    booked: Decimal
    people: int

    @property
    def share(self) -> int | None:
        return int(self.booked * 100 / self.planned_hours) if self.planned_hours else None


def project_hours(user, first, last) -> list[ProjectHours]:
    """Per project the user works on: the hours planned (all its work packages), the hours worked in [first, last]
    and how many people worked them. One query: the projects with their plan and the period's sums (for a period of
    whole months from the kept months alone: a person counts who has an entry in one of them)."""
    planned = (select(func.sum(WorkPackage.planned_hours)).where(WorkPackage.project_id == RenovationProject.id)
               .scalar_subquery())
    kept = ProjectMonthHours
    if first > last:
        worked = select(kept.project_id, literal(0).label("hours"), literal(0).label("people")).where(false())
    elif _edges(first, last):
        person_hours = _person_hours(user, first, last)
        worked = select(person_hours.c.project_id, *_hours_and_people(person_hours)).group_by(
            person_hours.c.project_id)
    else:
        worked = _kept_months(user, first, last, kept.project_id, func.sum(kept.hours).label("hours"), func.count(
            distinct(case((kept.entries > 0, kept.participant_id)))).label("people")).group_by(kept.project_id)
    worked = worked.subquery()
    rows = db.session.execute(_by_project(user, Property.street, Property.house_number, planned, worked.c.hours,
                                          worked.c.people)
                              .join(Property, Property.id == RenovationProject.property_id)
                              .outerjoin(worked, worked.c.project_id == RenovationProject.id))
    return [ProjectHours(project_id, name, f"{street} {number}", Decimal(planned or 0), Decimal(hours or 0),
                         people or 0)
            for project_id, name, street, number, planned, hours, people in rows]


@dataclass
class PackageHours:
    project_name: str
    trade: str
    description: str | None
    planned_hours: Decimal
    booked: Decimal

    @property
    def share(self) -> int | None:
        return int(self.booked * 100 / self.planned_hours) if self.planned_hours else None


def package_hours(user, first, last, project_id: int | None = None) -> list[PackageHours]:
    """Per work package of the projects the user works on (of one of them with ``project_id``): the hours planned
    and the hours worked in [first, last]. Two queries: the packages, the period's sums per package."""
    stmt = _by_project(user, WorkPackage.id.label("package_id"), WorkPackage.trade, WorkPackage.description,
                       WorkPackage.planned_hours).join(WorkPackage, WorkPackage.project_id == RenovationProject.id)
    if project_id is not None:
        stmt = stmt.where(RenovationProject.id == project_id)
    rows = db.session.execute(stmt.order_by(WorkPackage.position, WorkPackage.id)).all()
    booked = {}
    if rows:
        booked = dict(db.session.execute(
            select(HourEntry.work_package_id, func.sum(HourEntry.hours))
            .where(HourEntry.project_id.in_({row.id for row in rows}), *_worked(first, last))
            .group_by(HourEntry.work_package_id)).all())
    return [PackageHours(row.name, row.trade, row.description, row.planned_hours,
                         Decimal(booked.get(row.package_id) or 0)) for row in rows]


@dataclass
class BuildingHours:
    address: str
    hours: Decimal
    people: int


def building_hours(user, first, last) -> list[BuildingHours]:
    """Per building with hours worked in [first, last] on the projects the user works on there: the hours and how
    many people worked them (a person on two projects of a building counts once), by address. Two queries."""
    rows = db.session.execute(_by_project(user, Property.id.label("property_id"), Property.street,
                                          Property.house_number)
                              .join(Property, Property.id == RenovationProject.property_id)).all()
    if not rows or first > last:
        return []
    addresses = {row.property_id: _address(row) for row in rows}
    person_hours = _person_hours(user, first, last)
    per_person = (select(RenovationProject.property_id, person_hours.c.participant_id,
                         func.sum(person_hours.c.hours).label("hours"),
                         func.sum(person_hours.c.entries).label("entries"))
                  .join(RenovationProject, RenovationProject.id == person_hours.c.project_id)
                  .group_by(RenovationProject.property_id, person_hours.c.participant_id).subquery())
    sums = db.session.execute(select(per_person.c.property_id, *_hours_and_people(per_person))
                              .group_by(per_person.c.property_id)).all()
    return sorted((BuildingHours(addresses[property_id], Decimal(hours), people)
                   for property_id, hours, people in sums if people),
                  key=lambda row: row.address)


def default_period(today):
    """The last full three months and the current month so far."""
    first = (today.replace(day=1) - timedelta(days=75)).replace(day=1)
    return first, today
