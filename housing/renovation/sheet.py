"""The crew sheet: a whole crew's day or week in one form, saved in one go, cell by cell.

A cell holds hours on the row's work package ("7,5") or an absence code with optional hours
("K" = krank, "U" = Urlaub, "S" = Schulung, "F" = unentschuldigt; "K 4" = four hours sick).
Valid cells are kept, rejected ones come back with their reason and the typed value."""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from ..extensions import db
from ..i18n import fmt_plain
from ..i18n import gettext as _
from .hours import EntryInput, locked_months_of, save_batch
from .models import ABSENCE_CODES, Absence, HourEntry, Participant, RenovationProject
from .participants import crew_of

CODE_OF = {absence: code.upper() for code, absence in ABSENCE_CODES.items()}
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
CELL = re.compile(r"^\s*(?:(?P<code>[kusfKUSF])\s*(?P<code_hours>[\d.,]+)?|(?P<hours>[\d.,]+))\s*$")


@dataclass
class Period:
    days: list[date]
    label: str
    previous: str
    next: str
    param: str  # "week" or "day"
    value: str

    @classmethod
    def parse(cls, week: str | None, day: str | None, today: date) -> "Period":
        """The day or the ISO week asked for; this week when it cannot be read or lies outside the years a crew
        works in (the neighbouring periods must exist too)."""
        if day:
            try:
                chosen = date.fromisoformat(day)
            except ValueError:
                chosen = today
            if not EARLIEST <= chosen <= LATEST:
                chosen = today
            return cls([chosen], chosen.strftime("%d.%m.%Y"), (chosen - timedelta(days=1)).isoformat(),
                       (chosen + timedelta(days=1)).isoformat(), "day", chosen.isoformat())
        try:
            year, number = (week or "").split("-W")
            monday = date.fromisocalendar(int(year), int(number), 1)
        except ValueError:
            monday = None
        if monday is None or not EARLIEST <= monday <= LATEST:
            monday = today - timedelta(days=today.weekday())
        days = [monday + timedelta(days=offset) for offset in range(5)]

        def iso(d):
            y, w, _day = d.isocalendar()
            return f"{y}-W{w:02d}"

        y, w, _day = monday.isocalendar()
        label = _("KW %(week)s: %(first)s – %(last)s", week=w, first=days[0].strftime("%d.%m."),
                  last=days[-1].strftime("%d.%m.%Y"))
        return cls(days, label, iso(monday - timedelta(days=7)), iso(monday + timedelta(days=7)), "week",
                   f"{y}-W{w:02d}")


@dataclass
class Cell:
    participant: Participant
    day: date
    value: str = ""
    original: str = ""  # what the cell showed when the sheet was opened
    entry: HourEntry | None = None  # the entry the cell shows (row package or absence)
    others: list[HourEntry] = field(default_factory=list)  # entries on other work packages that day
    locked: bool = False
    outside: bool = False  # before or after the measure
    status: str = ""  # "saved" or "rejected" after a save
    message: str = ""

    @property
    def name(self) -> str:
        return f"c-{self.participant.id}-{self.day.isoformat()}"

    @property
    def original_name(self) -> str:
        return f"o-{self.participant.id}-{self.day.isoformat()}"


@dataclass
class Row:
    participant: Participant
    package_id: int | None
    cells: list[Cell]

    @property
    def package_field(self) -> str:
        return f"wp-{self.participant.id}"


def _display(entry: HourEntry, daily_hours: Decimal) -> str:
    hours = fmt_plain(entry.hours)
    if entry.absence is None:
        return hours
    code = CODE_OF[entry.absence]
    return code if daily_hours == entry.hours else f"{code} {hours}"


def build(project: RenovationProject, user, period: Period, form=None) -> list[Row]:
    """The rows of the sheet: the project's participants in their measure during the period."""
    # Saving checks each person's safety briefing: their qualifications come with them then.
    crew = crew_of(user, project, period.days[0], period.days[-1], qualifications=form is not None)
    entries = db.session.scalars(select(HourEntry).where(
        HourEntry.participant_id.in_([p.id for p in crew]), HourEntry.worked_on >= period.days[0],
        HourEntry.worked_on <= period.days[-1])).all()
    by_cell: dict[tuple[int, date], list[HourEntry]] = {}
    for entry in entries:
        by_cell.setdefault((entry.participant_id, entry.worked_on), []).append(entry)
    packages = {p.id for p in project.work_packages}
    locked = locked_months_of([p.id for p in crew], period.days[0], period.days[-1])
    rows = []
    for participant in crew:
        chosen = form.get(f"wp-{participant.id}", "") if form else ""
        package_id = int(chosen) if chosen.isascii() and chosen.isdigit() and int(chosen) in packages else (
            participant.default_work_package_id or (project.work_packages[0].id if project.work_packages else None))
        cells = []
        for day in period.days:
            day_entries = by_cell.get((participant.id, day), [])
            shown = next((e for e in day_entries if e.absence is not None), None) or next(
                (e for e in day_entries if e.work_package_id == package_id), None)
            cell = Cell(participant, day, entry=shown, others=[e for e in day_entries if e is not shown],
                        locked=(participant.id, day.replace(day=1)) in locked,
                        outside=not participant.starts_on <= day <= participant.ends_on)
            showing = _display(shown, participant.daily_hours) if shown else ""
            if form:
                cell.value = form.get(cell.name, "")
                cell.original = form.get(cell.original_name, showing)
            else:
                cell.value = cell.original = showing
            cells.append(cell)
        rows.append(Row(participant, package_id, cells))
    return rows


def _same(a: str, b: str) -> bool:
    """"7,5", "7.50" and "7,50" are the same; so are "k" and "K"."""
    def norm(text):
        text = text.replace(" ", "").lower().replace(",", ".")
        try:
            return str(Decimal(text).normalize())
        except (ArithmeticError, ValueError):
            return text
    return norm(a) == norm(b)


def parse_cell(text: str) -> tuple[Absence | None, str | None] | None:
    """``(absence, hours)`` for a cell's text, or None when it cannot be read."""
    match = CELL.match(text)
    if not match:
        return None
    if match.group("code"):
        return ABSENCE_CODES[match.group("code").lower()], match.group("code_hours")
    return None, match.group("hours")


def save(rows: list[Row], *, actor) -> tuple[int, int]:
    """Save the cells the user changed; returns (saved, rejected). Cells carry their status and message.

    A cell counts as changed when it differs from what it showed when the sheet was opened, so a
    colleague's entry saved meanwhile is not wiped by an older copy of the sheet."""
    items, targets = [], []
    for row in rows:
        for cell in row.cells:
            typed = cell.value.strip()
            if _same(typed, cell.original) or (cell.entry is not None and _same(
                    typed, _display(cell.entry, cell.participant.daily_hours))):
                continue
            if not typed:
                if cell.entry is not None:
                    items.append(("delete", cell.entry))
                    targets.append(cell)
                continue
            parsed = parse_cell(typed)
            if parsed is None:
                cell.status, cell.message = "rejected", _("„%(value)s“ ist keine Stundenzahl und kein Kürzel "
                                                          "(K, U, S, F).", value=typed)
                continue
            absence, hours = parsed
            if absence is not None and not hours:
                hours = str(cell.participant.daily_hours)
            data = EntryInput(cell.participant.id, cell.day, hours=hours,
                              work_package_id=None if absence else row.package_id,
                              absence=absence.value if absence else None)
            if cell.entry is not None and (cell.entry.absence is not None) != (absence is not None):
                items.append(("replace", cell.entry, data))  # absence swapped for work or back: both or neither
            else:
                items.append(data)
            targets.append(cell)
    results = save_batch(items, actor=actor)
    saved = rejected = 0
    for cell, result in zip(targets, results, strict=True):
        if result.status == "rejected":
            cell.status, cell.message = "rejected", result.message
        else:
            cell.status = "saved"
            saved += 1
    rejected = sum(1 for row in rows for cell in row.cells if cell.status == "rejected")
    return saved, rejected


def total(cells) -> Decimal:
    """The hours a row's person worked in the period: on the row's work package and on others ("+6,00 Fenster")."""
    return sum((entry.hours for c in cells for entry in ([c.entry] if c.entry is not None else []) + c.others
                if entry.absence is None), Decimal("0"))
