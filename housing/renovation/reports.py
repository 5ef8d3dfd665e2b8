"""Viertelwerk documents and report figures: the monthly timesheet to sign, hours against plan,
attendance, hours per property."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Spacer
from sqlalchemy import func, select
from sqlalchemy.orm import lazyload

from ..extensions import db
from ..properties.models import Property
from ..reports.pdf import Document, SectionStart, StreamedStory, de_date, de_number, para, signatures, table
from ..reports.pdf import facts as facts_table
from .hours import locked_months, month_end, month_entries
from .models import Absence, HourEntry, Participant, RenovationProject, WorkPackage
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


@dataclass
class BuildingHours:
    address: str
    hours: Decimal
    people: int


def worked_hours(user, first, last) -> tuple[list[PackageHours], list[BuildingHours]]:
    """Worked hours in [first, last] (absences do not count as work) over the projects the user works on
    (``services.projects_for``): per work package against plan, and per building with the number of people who
    worked there.

    Two queries, whatever the number of projects: the projects with their packages and addresses as plain rows,
    then one pass over the period's entries of those projects, project by project through the covering index
    ix_hour_entries_project_sums (the entries' table itself is not read)."""
    projects = visible_to(user, select(RenovationProject.id, RenovationProject.name, Property.street,
                                       Property.house_number, WorkPackage.id.label("package_id"), WorkPackage.trade,
                                       WorkPackage.description, WorkPackage.planned_hours)
                          .join(Property, Property.id == RenovationProject.property_id)
                          .outerjoin(WorkPackage, WorkPackage.project_id == RenovationProject.id)
                          .order_by(RenovationProject.status, RenovationProject.name, RenovationProject.id,
                                    WorkPackage.position, WorkPackage.id))
    rows = db.session.execute(projects).all()
    addresses = {row.id: f"{row.street} {row.house_number}" for row in rows}  # as Property.short_address
    booked: dict[int, Decimal] = defaultdict(Decimal)  # per work package
    project_hours: dict[int, Decimal] = defaultdict(Decimal)
    project_people: dict[int, set[int]] = defaultdict(set)
    if addresses:
        sums = (select(HourEntry.project_id, HourEntry.work_package_id, HourEntry.participant_id,
                       func.sum(HourEntry.hours))
                .where(HourEntry.project_id.in_(addresses), HourEntry.worked_on >= first, HourEntry.worked_on <= last,
                       HourEntry.absence.is_(None))
                .group_by(HourEntry.project_id, HourEntry.work_package_id, HourEntry.participant_id))
        for project_id, package_id, participant_id, hours in db.session.execute(sums):
            booked[package_id] += hours
            project_hours[project_id] += hours
            project_people[project_id].add(participant_id)
    packages = [PackageHours(row.name, row.trade, row.description, row.planned_hours,
                             booked.get(row.package_id, Decimal("0"))) for row in rows if row.package_id is not None]
    building_hours: dict[str, Decimal] = defaultdict(Decimal)
    building_people: dict[str, set[int]] = defaultdict(set)
    for project_id, hours in project_hours.items():
        building_hours[addresses[project_id]] += hours
        building_people[addresses[project_id]] |= project_people[project_id]
    buildings = [BuildingHours(address, hours, len(building_people[address]))
                 for address, hours in building_hours.items()]
    return packages, sorted(buildings, key=lambda row: row.address)


def default_period(today):
    """The last full three months and the current month so far."""
    first = (today.replace(day=1) - timedelta(days=75)).replace(day=1)
    return first, today
