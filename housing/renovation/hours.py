"""Work hours of participants: the rules of DOMAIN.md section 4, single entries, the crew sheet's
batch with partial acceptance, and month approval. Functions flush; the caller commits."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..auth.roles import Role
from ..clock import EARLIEST_DAY, LATEST_DAY, public_holidays, today, utcnow
from ..errors import Conflict, DomainError, FieldErrors, ValidationFailed
from ..extensions import db
from ..i18n import fmt_date, fmt_plain
from ..i18n import gettext as _
from .models import Absence, HourEntry, MonthLock, Participant, WorkPackage

MAX_HOURS_PER_DAY = Decimal("10")  # Arbeitszeitgesetz § 3
QUARTER = Decimal("0.25")


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def parse_month(text: str) -> date:
    """``YYYY-MM`` -> the first day of that month; raises ValidationFailed (also for a year no one works in,
    whose neighbouring months may not exist: 0001-01, 9999-12)."""
    try:
        year, month = text.split("-")
        first = date(int(year), int(month), 1)
    except (ValueError, AttributeError):
        first = None
    if first is None or not EARLIEST_DAY <= first <= LATEST_DAY:
        raise ValidationFailed.on("month", _("Bitte einen Monat im Format JJJJ-MM angeben."))
    return first


def month_key(column):
    """``YYYY-MM`` of a date column, in SQL (for grouping by month on either database)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def locked_months(participant_id: int, first: date, last: date) -> set[date]:
    rows = db.session.scalars(select(MonthLock.month).where(
        MonthLock.participant_id == participant_id, MonthLock.month >= month_start(first),
        MonthLock.month <= month_start(last), MonthLock.unlocked_at.is_(None)))
    return set(rows)


def locked_months_of(participant_ids, first: date, last: date) -> set[tuple[int, date]]:
    """(participant id, month) of every locked month in the range, for many people in one query."""
    ids = list(participant_ids)
    if not ids:
        return set()
    return set(db.session.execute(select(MonthLock.participant_id, MonthLock.month).where(
        MonthLock.participant_id.in_(ids), MonthLock.month >= month_start(first),
        MonthLock.month <= month_start(last), MonthLock.unlocked_at.is_(None))).all())


def is_locked(participant_id: int, day: date) -> bool:
    return month_start(day) in locked_months(participant_id, day, day)


@dataclass
class EntryInput:
    participant_id: int | None
    worked_on: date | None
    hours: object = None
    work_package_id: int | None = None
    activity: str | None = None
    absence: str | None = None


@dataclass
class EntryResult:
    index: int
    status: str  # "created", "updated", "deleted", "unchanged" or "rejected"
    entry: HourEntry | None = None
    errors: dict = field(default_factory=dict)
    code: str | None = None  # "invalid" or "conflict" when rejected

    @property
    def message(self) -> str:
        return " ".join(message for messages in self.errors.values() for message in messages)


def _hours(value, errors: FieldErrors) -> Decimal | None:
    try:
        hours = Decimal(str(value).replace(",", ".")) if value not in (None, "") else None
    except (ArithmeticError, ValueError):  # decimal's InvalidOperation, Overflow ("1e999999999")
        errors.add("hours", _("Bitte Stunden als Zahl angeben, z. B. 7,5."))
        return None
    if hours is None:
        errors.add("hours", _("Pflichtangabe fehlt."))
    elif hours <= 0:
        errors.add("hours", _("Die Stunden müssen größer als 0 sein."))
    elif hours > MAX_HOURS_PER_DAY:  # before the quarters: a 30-digit number cannot even be divided
        errors.add("hours", _("Mehr als %(max)s Stunden am Tag sind nach dem Arbeitszeitgesetz nicht zulässig.",
                              max=MAX_HOURS_PER_DAY))
    elif hours % QUARTER:
        errors.add("hours", _("Stunden werden in Viertelstunden erfasst (z. B. 7,25 oder 7,5); %(h)s geht nicht.",
                              h=fmt_plain(hours)))
    return hours


def validate_entry(data: EntryInput, *, actor, existing: HourEntry | None = None):
    """Check one entry against every rule; returns (participant, work_package, absence, hours) or raises."""
    errors = FieldErrors()
    participant = db.session.get(Participant, data.participant_id) if data.participant_id else None
    if participant is None or not participant.can_be_seen_by(actor):
        # Another crew's participant is treated as unknown: no hint that the person exists.
        raise ValidationFailed.on("participant_id", _("Unbekannte Teilnehmende."))
    day = data.worked_on
    if day is None:
        errors.add("date", _("Pflichtangabe fehlt."))
    hours = _hours(data.hours, errors)
    absence = None
    if data.absence:
        try:
            absence = Absence(data.absence)
        except ValueError:
            errors.add("absence", _("Unbekannte Abwesenheit „%(value)s“.", value=data.absence))
    package = None
    if absence is None:
        package = db.session.get(WorkPackage, data.work_package_id) if data.work_package_id else None
        if package is None:
            errors.add("work_package_id", _("Bitte ein Arbeitspaket wählen."))
        elif package.project_id != participant.project_id:
            errors.add("work_package_id", _("Dieses Arbeitspaket gehört nicht zum Projekt der Person."))
    if day is not None:
        if day > today():
            errors.add("date", _("Stunden können nicht für die Zukunft erfasst werden."))
        if not participant.starts_on <= day <= participant.ends_on:
            errors.add("date", _("Der %(day)s liegt außerhalb der Maßnahme (%(start)s bis %(end)s).",
                                 day=day.strftime("%d.%m.%Y"), start=participant.starts_on.strftime("%d.%m.%Y"),
                                 end=participant.ends_on.strftime("%d.%m.%Y")))
        briefing = participant.safety_briefing_on
        if absence is None and (briefing is None or briefing > day):
            errors.add("date", _("Vor der Sicherheitsunterweisung dürfen keine Arbeitsstunden erfasst werden."))
    errors.raise_if_any()
    if is_locked(participant.id, day):  # an approved month is closed, whatever the values
        raise Conflict(_("Der Monat %(month)s ist freigegeben und gesperrt.", month=day.strftime("%m/%Y")),
                       {"date": [_("Monat gesperrt.")]})
    if existing is None:
        existing = find_entry(participant.id, day, _slot(package, absence))
    others = select(func.coalesce(func.sum(HourEntry.hours), 0)).where(
        HourEntry.participant_id == participant.id, HourEntry.worked_on == day)
    if existing is not None:  # the entry being replaced does not count twice
        others = others.where(HourEntry.id != existing.id)
    day_total = Decimal(db.session.scalar(others)) + hours
    if day_total > MAX_HOURS_PER_DAY:
        raise ValidationFailed.on("hours", _(
            "Mit diesem Eintrag wären es %(total)s Stunden am %(day)s; erlaubt sind höchstens %(max)s.",
            total=fmt_plain(day_total), day=day.strftime("%d.%m."), max=MAX_HOURS_PER_DAY))
    return participant, package, absence, hours


def _slot(package: WorkPackage | None, absence: Absence | None) -> str:
    return "absence" if absence is not None else str(package.id)


def find_entry(participant_id: int, day: date, slot: str) -> HourEntry | None:
    return db.session.scalar(select(HourEntry).where(
        HourEntry.participant_id == participant_id, HourEntry.worked_on == day, HourEntry.slot == slot))


def create_entry(data: EntryInput, *, actor) -> HourEntry:
    """A new entry; a second one for the same participant, day and work package is a Conflict."""
    participant, package, absence, hours = validate_entry(data, actor=actor)
    slot = _slot(package, absence)
    if find_entry(participant.id, data.worked_on, slot) is not None:
        raise Conflict(_("Für diesen Tag und dieses Arbeitspaket gibt es schon einen Eintrag."),
                       {"date": [_("Bereits erfasst.")]})
    entry = HourEntry(participant_id=participant.id, worked_on=data.worked_on, project_id=participant.project_id,
                      work_package_id=package.id if package else None, slot=slot, hours=hours,
                      activity=(data.activity or "").strip()[:200] or None, absence=absence,
                      recorded_by_id=actor.id)
    db.session.add(entry)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # saved by someone else a moment ago
        raise Conflict(_("Für diesen Tag und dieses Arbeitspaket gibt es schon einen Eintrag."),
                       {"date": [_("Bereits erfasst.")]}) from None
    record("hour_entry.create", entry, actor=actor, summary=f"{entry.worked_on} {entry.hours}")
    return entry


def put_entry(data: EntryInput, *, actor) -> tuple[str, HourEntry]:
    """Create or replace the entry for its participant, day and work package (the crew sheet's save).

    Two people saving the same cell at once end with one entry, the later value."""
    participant, package, absence, hours = validate_entry(data, actor=actor)
    slot = _slot(package, absence)
    existing = find_entry(participant.id, data.worked_on, slot)
    if existing is None:
        try:
            with db.session.begin_nested():
                return "created", create_entry(data, actor=actor)
        except Conflict:  # created by someone else a moment ago: replace their value
            existing = find_entry(participant.id, data.worked_on, slot)
            validate_entry(data, actor=actor, existing=existing)
    activity = (data.activity or "").strip()[:200] or None
    if existing.hours == hours and existing.absence == absence and (
            data.activity is None or existing.activity == activity):
        return "unchanged", existing
    changes = {key: [old, new] for key, old, new in (("hours", existing.hours, hours),
                                                     ("absence", existing.absence, absence)) if old != new}
    existing.hours, existing.absence = hours, absence
    if data.activity is not None:
        existing.activity = activity
    existing.recorded_by_id = actor.id
    record("hour_entry.update", existing, actor=actor, changes=changes)
    return "updated", existing


def delete_entry(entry: HourEntry, *, actor) -> None:
    participant = db.session.get(Participant, entry.participant_id)
    if not participant.can_be_seen_by(actor):
        raise ValidationFailed.on("participant_id", _("Unbekannte Teilnehmende."))
    if is_locked(entry.participant_id, entry.worked_on):
        raise Conflict(_("Der Monat %(month)s ist freigegeben und gesperrt.", month=entry.worked_on.strftime("%m/%Y")))
    record("hour_entry.delete", entry, actor=actor, summary=f"{entry.worked_on} {entry.hours}")
    db.session.delete(entry)
    db.session.flush()


def save_batch(items: list[EntryInput | tuple], *, actor, upsert: bool = True) -> list[EntryResult]:
    """Save many entries; each stands alone: valid ones are kept, invalid ones reported with the reason.

    An item may be ``("delete", HourEntry)`` to clear a cell of the crew sheet, or
    ``("replace", HourEntry, EntryInput)`` to swap an absence for work (or back): both or neither."""
    results = []
    for index, item in enumerate(items):
        try:
            with db.session.begin_nested():
                if isinstance(item, tuple) and item[0] == "replace":
                    delete_entry(item[1], actor=actor)
                    status, entry = put_entry(item[2], actor=actor)
                    results.append(EntryResult(index, "updated", entry))
                elif isinstance(item, tuple):
                    delete_entry(item[1], actor=actor)
                    results.append(EntryResult(index, "deleted"))
                elif upsert:
                    status, entry = put_entry(item, actor=actor)
                    results.append(EntryResult(index, status, entry))
                else:
                    results.append(EntryResult(index, "created", create_entry(item, actor=actor)))
        except DomainError as error:
            results.append(EntryResult(index, "rejected", errors=error.fields or {"": [error.message]},
                                       code=error.code))
    return results


# --- months ------------------------------------------------------------------------------------------


def last_working_day(first: date, until: date | None = None) -> date:
    """The month's last working day (Monday to Friday, no public holiday), or the last one up to ``until``."""
    day = min(month_end(first), until or LATEST_DAY)
    while day > first and (day.weekday() >= 5 or day in public_holidays(day.year)):
        day -= timedelta(days=1)
    return day


def approvable_from(participant: Participant, first: date) -> date:
    """The day a participant's month can be approved: its last working day, or the measure's where it ends earlier.
    Approving locks every day of the month, so an approval before then would shut out the days still to come."""
    return last_working_day(first, participant.ends_on)


def month_to_approve(on: date) -> date:
    """The month a supervisor approves next: this one from its last working day on, else the one before."""
    first = month_start(on)
    return first if on >= last_working_day(first) else month_start(first - timedelta(days=1))


def approve_month(participant: Participant, first: date, *, actor) -> MonthLock:
    """The supervisor approves a participant's month; from then on its hours cannot change."""
    if not participant.can_be_seen_by(actor):
        raise ValidationFailed.on("participant_id", _("Unbekannte Teilnehmende."))
    first = month_start(first)
    if first > month_start(today()):
        raise Conflict(_("Ein Monat in der Zukunft kann nicht freigegeben werden."))
    ready = approvable_from(participant, first)
    if today() < ready:
        raise Conflict(_("Der Monat läuft noch: Freigeben lässt er sich ab dem %(day)s, seinem letzten Arbeitstag "
                         "(die Freigabe sperrt alle Tage des Monats).", day=fmt_date(ready)))
    lock = db.session.scalar(select(MonthLock).where(MonthLock.participant_id == participant.id,
                                                     MonthLock.month == first))
    if lock is not None and lock.is_locked:
        raise Conflict(_("Der Monat %(month)s ist bereits freigegeben.", month=first.strftime("%m/%Y")))
    if lock is None:
        lock = MonthLock(participant_id=participant.id, month=first)
        db.session.add(lock)
    lock.approved_at, lock.approved_by_id = utcnow(), actor.id
    lock.unlocked_at = lock.unlocked_by_id = lock.unlock_reason = None
    db.session.flush()
    record("month.approve", participant, actor=actor, summary=first.strftime("%Y-%m"))
    return lock


def unlock_month(participant: Participant, first: date, reason: str, *, actor) -> MonthLock:
    """Only an admin reopens an approved month, and says why."""
    if not actor.has_role(Role.ADMIN):
        raise Conflict(_("Nur die Administration kann einen freigegebenen Monat wieder öffnen."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.on("reason", _("Bitte begründen Sie, warum der Monat wieder geöffnet wird."))
    lock = db.session.scalar(select(MonthLock).where(MonthLock.participant_id == participant.id,
                                                     MonthLock.month == month_start(first)))
    if lock is None or not lock.is_locked:
        raise Conflict(_("Dieser Monat ist nicht gesperrt."))
    lock.unlocked_at, lock.unlocked_by_id, lock.unlock_reason = utcnow(), actor.id, reason[:2000]
    record("month.unlock", participant, actor=actor, summary=f"{first:%Y-%m}: {reason}"[:500])
    return lock


def month_entries(participant: Participant, first: date) -> list[HourEntry]:
    return list(db.session.scalars(select(HourEntry).where(
        HourEntry.participant_id == participant.id, HourEntry.worked_on >= first,
        HourEntry.worked_on <= month_end(first)).order_by(HourEntry.worked_on, HourEntry.slot)))


def _month_number(day: date) -> int:
    return day.year * 12 + day.month - 1


def unapproved_past_months(participants, on: date) -> list[tuple[Participant, date]]:
    """Months before the current one with hours but no approval, for the supervisor's start page; ``participants``
    are those to look at (anything with their id, names and the measure's dates).

    Only the months no approval covers are looked into, so a crew that approves its months costs the same with five
    years of hours as with one: the approvals are counted per person over the months of the measure, the approvals
    of those with an open month are read, and the hours only from each one's first open month on."""
    this_month = month_start(on)
    people = {p.id: p for p in participants if p.starts_on < this_month}
    if not people:
        return []
    last = _month_number(this_month) - 1

    def months_of(person) -> int:  # how many months of the measure lie before the current one
        return max(0, min(_month_number(person.ends_on), last) - _month_number(person.starts_on) + 1)

    def all_approved(person, count, earliest, latest) -> bool:  # an approval outside the measure does not count
        return (count >= months_of(person) and earliest >= month_start(person.starts_on)
                and latest <= month_start(person.ends_on))

    open_lock = MonthLock.unlocked_at.is_(None)
    approved = {pid: (count, earliest, latest) for pid, count, earliest, latest in db.session.execute(
        select(MonthLock.participant_id, func.count(), func.min(MonthLock.month), func.max(MonthLock.month))
        .where(MonthLock.participant_id.in_(people), open_lock, MonthLock.month < this_month)
        .group_by(MonthLock.participant_id))}
    behind = [pid for pid, person in people.items()
              if pid not in approved or not all_approved(person, *approved[pid])]
    if not behind:
        return []
    locked = set(db.session.execute(select(MonthLock.participant_id, MonthLock.month).where(
        MonthLock.participant_id.in_(behind), open_lock, MonthLock.month < this_month)).all())
    first_open: dict[date, list[int]] = {}  # the first month without approval -> who
    for pid in behind:
        month = month_start(people[pid].starts_on)
        while month < this_month and (pid, month) in locked:
            month = month_start(month + timedelta(days=31))
        if month < this_month:  # else an approval came in between the two reads
            first_open.setdefault(month, []).append(pid)
    if not first_open:
        return []
    month = month_key(HourEntry.worked_on)
    rows = db.session.execute(
        select(HourEntry.participant_id, month).where(
            or_(*(and_(HourEntry.participant_id.in_(ids), HourEntry.worked_on >= first)
                  for first, ids in first_open.items())),
            HourEntry.worked_on < this_month)
        .group_by(HourEntry.participant_id, month)
    ).all()
    months = {(pid, parse_month(key)) for pid, key in rows} - locked
    return sorted(((people[pid], month) for pid, month in months),
                  key=lambda x: (x[1], x[0].last_name, x[0].first_name, x[0].id))
