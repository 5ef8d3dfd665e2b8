"""Participants of the employment measures: their data, qualifications and attendance.

Social data (§ 35 SGB I): only admins and the supervisors of a participant's project see a person."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, lazyload, raiseload

from ..audit.services import pending_changes, record
from ..auth.models import User
from ..auth.roles import Role
from ..clock import today, working_days_between
from ..errors import FieldErrors, ValidationFailed
from ..extensions import db
from ..i18n import gettext as _
from .models import (
    FundingBasis,
    HourEntry,
    Participant,
    Qualification,
    QualificationKind,
    RenovationProject,
    WorkPackage,
    project_supervisors,
)

PARTICIPANT_FIELDS = ("first_name", "last_name", "birth_date", "phone", "email", "jobcenter_ref", "funding_basis",
                      "starts_on", "ends_on", "weekly_hours", "project_id", "default_work_package_id")


def participants_for(user, *, active_on: date | None = None, project_id: int | None = None) -> list[Participant]:
    """The participants a user may see (admins: all; supervisors: those of their own projects)."""
    stmt = _visible_participants(user)
    if active_on is not None:
        stmt = stmt.where(Participant.starts_on <= active_on, Participant.ends_on >= active_on)
    if project_id is not None:
        stmt = stmt.where(Participant.project_id == project_id)
    return list(db.session.scalars(stmt).unique())


def _visible_participants(user):
    return visible_to(user, select(Participant).order_by(Participant.last_name, Participant.first_name))


def visible_to(user, stmt):
    """``stmt``, which reads participants, narrowed to those the user may see (as ``participants_for``)."""
    if user.has_role(Role.ADMIN):
        return stmt
    return stmt.join(project_supervisors, project_supervisors.c.project_id == Participant.project_id).where(
        project_supervisors.c.user_id == user.id)


# For lists of many people: each with the name of their project, without its building, supervisors and packages
# or the person's default package (touching one fails).
AS_LISTED = (joinedload(Participant.project).options(raiseload(RenovationProject.building),
                                                     raiseload(RenovationProject.supervisors),
                                                     raiseload(RenovationProject.work_packages)),
             raiseload(Participant.default_work_package))


# For a page about one person's hours (the month, its entries through the API): the project with its supervisors
# (who may see the person, ``can_be_seen_by``) in the same query, without their roles, the building, the project's
# packages, the person's qualifications or default package (each read only if touched).
FOR_HOURS = (joinedload(Participant.project).options(
                 joinedload(RenovationProject.supervisors).options(lazyload(User.role_links)),
                 lazyload(RenovationProject.building), lazyload(RenovationProject.work_packages)),
             lazyload(Participant.qualifications), lazyload(Participant.default_work_package))


def crew_of(user, project: RenovationProject, first: date | None = None, last: date | None = None, *,
            qualifications: bool = False) -> list[Participant]:
    """The participants of ``project`` the user may see, by name; with ``first`` and ``last`` those whose measure runs
    at some time in [first, last]. Each person's project is the one given (held in the session, not read again with
    every person, which would read its packages and supervisors again too); the default package is one of its
    packages. ``qualifications`` (the safety briefing, checked when hours are saved) are read in the same go."""
    stmt = _visible_participants(user).where(Participant.project_id == project.id).options(
        lazyload(Participant.project), lazyload(Participant.default_work_package),
        *([] if qualifications else [lazyload(Participant.qualifications)]))
    if first is not None:
        stmt = stmt.where(Participant.ends_on >= first)
    if last is not None:
        stmt = stmt.where(Participant.starts_on <= last)
    return list(db.session.scalars(stmt).unique())


def crew_between(user, first: date, last: date, project_id: int | None = None) -> list[Participant]:
    """The participants a user may see (of one project with ``project_id``) whose measure runs at some time in
    [first, last], for figures over many people: loaded ``AS_LISTED`` and without their qualifications."""
    stmt = _visible_participants(user).where(Participant.starts_on <= last, Participant.ends_on >= first).options(
        *AS_LISTED, raiseload(Participant.qualifications))
    if project_id is not None:
        stmt = stmt.where(Participant.project_id == project_id)
    return list(db.session.scalars(stmt).unique())


def _validate(data: dict, errors: FieldErrors, *, actor) -> dict:
    clean = {}
    for field in ("first_name", "last_name"):
        value = " ".join(str(data.get(field) or "").split())
        if not value:
            errors.add(field, _("Pflichtangabe fehlt."))
        elif len(value) > 100:
            errors.add(field, _("Höchstens %(n)s Zeichen.", n=100))
        clean[field] = value[:100]
    birth = data.get("birth_date")
    if birth is None:
        errors.add("birth_date", _("Pflichtangabe fehlt."))
    elif not date(1940, 1, 1) <= birth <= today() - timedelta(days=15 * 365):
        errors.add("birth_date", _("Bitte ein plausibles Geburtsdatum angeben (mindestens 15 Jahre alt)."))
    clean["birth_date"] = birth
    for field, limit in (("phone", 40), ("jobcenter_ref", 40)):
        clean[field] = (data.get(field) or "").strip()[:limit] or None
    clean["email"] = errors.email("email", data.get("email"))
    try:
        clean["funding_basis"] = FundingBasis(data.get("funding_basis"))
    except ValueError:
        errors.add("funding_basis", _("Bitte die Förderung wählen."))
    starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
    if starts_on is None:
        errors.add("starts_on", _("Pflichtangabe fehlt."))
    if ends_on is None:
        errors.add("ends_on", _("Pflichtangabe fehlt."))
    elif starts_on is not None and ends_on < starts_on:
        errors.add("ends_on", _("Das Ende der Maßnahme kann nicht vor ihrem Beginn liegen."))
    clean["starts_on"], clean["ends_on"] = starts_on, ends_on
    weekly = data.get("weekly_hours")
    if weekly in (None, ""):
        errors.add("weekly_hours", _("Pflichtangabe fehlt."))
    elif not Decimal("1") <= Decimal(weekly) <= Decimal("40"):
        errors.add("weekly_hours", _("Die Wochenstunden liegen zwischen 1 und 40."))
    clean["weekly_hours"] = weekly
    project = db.session.get(RenovationProject, int(data["project_id"])) if data.get("project_id") else None
    if project is None or not project.can_record_hours(actor):
        errors.add("project_id", _("Bitte eines Ihrer Projekte wählen."))
    clean["project_id"] = project.id if project else None
    package_id = data.get("default_work_package_id") or None
    if package_id:
        package = db.session.get(WorkPackage, int(package_id))
        if package is None or project is None or package.project_id != project.id:
            errors.add("default_work_package_id", _("Dieses Arbeitspaket gehört nicht zum Projekt."))
    clean["default_work_package_id"] = int(package_id) if package_id else None
    return clean


def create_participant(data: dict, *, actor) -> Participant:
    errors = FieldErrors()
    clean = _validate(data, errors, actor=actor)
    errors.raise_if_any()
    participant = Participant(**clean)
    db.session.add(participant)
    db.session.flush()
    record("participant.create", participant, actor=actor)
    if data.get("safety_briefing_on"):
        add_qualification(participant, {"kind": QualificationKind.SAFETY_BRIEFING, "name": _("Sicherheitsunterweisung"),
                                        "obtained_on": data["safety_briefing_on"]}, actor=actor)
    return participant


def update_participant(participant: Participant, data: dict, *, actor, version: int | None = None) -> Participant:
    from ..properties.services import check_version

    if not participant.can_be_seen_by(actor):
        raise ValidationFailed.on("participant_id", _("Unbekannte Teilnehmende."))
    check_version(participant, version)
    merged = {field: getattr(participant, field) for field in PARTICIPANT_FIELDS}
    merged.update({key: value for key, value in data.items() if key in PARTICIPANT_FIELDS})
    errors = FieldErrors()
    clean = _validate(merged, errors, actor=actor)
    errors.raise_if_any()
    for key, value in clean.items():
        setattr(participant, key, value)
    changes = pending_changes(participant)
    if changes:
        db.session.flush()
        record("participant.update", participant, actor=actor, changes=changes)
    return participant


def add_qualification(participant: Participant, data: dict, *, actor) -> Qualification:
    errors = FieldErrors()
    try:
        kind = QualificationKind(data.get("kind"))
    except ValueError:
        errors.add("kind", _("Bitte die Art wählen."))
        kind = None
    name = " ".join(str(data.get("name") or "").split()) or (kind.label if kind else "")
    obtained_on = data.get("obtained_on")
    if obtained_on is None:
        errors.add("obtained_on", _("Pflichtangabe fehlt."))
    elif obtained_on > today():
        errors.add("obtained_on", _("Das Datum darf nicht in der Zukunft liegen."))
    valid_until = data.get("valid_until")
    if valid_until and obtained_on and valid_until < obtained_on:
        errors.add("valid_until", _("„Gültig bis“ kann nicht vor dem Erwerb liegen."))
    errors.raise_if_any()
    qualification = Qualification(participant=participant, kind=kind, name=name[:120], obtained_on=obtained_on,
                                  valid_until=valid_until)
    db.session.add(qualification)
    db.session.flush()
    record("qualification.create", participant, actor=actor, summary=f"{kind.value} {obtained_on}")
    return qualification


# --- attendance ------------------------------------------------------------------------------------


@dataclass
class Attendance:
    participant: Participant
    present_hours: Decimal
    absent_hours: Decimal
    contracted_hours: Decimal

    @property
    def rate(self) -> int | None:
        """Hours present as a share of the contracted hours, in percent."""
        if not self.contracted_hours:
            return None
        return int((self.present_hours * 100 / self.contracted_hours).to_integral_value())


def attendance(participants: list[Participant], first: date, last: date) -> list[Attendance]:
    """Present and absent hours against contracted hours in [first, last], within each measure and up to today."""
    ids = [p.id for p in participants]
    sums = {}
    if ids:
        rows = db.session.execute(
            select(HourEntry.participant_id, HourEntry.absence.is_(None), func.sum(HourEntry.hours))
            .where(HourEntry.participant_id.in_(ids), HourEntry.worked_on >= first, HourEntry.worked_on <= last)
            .group_by(HourEntry.participant_id, HourEntry.absence.is_(None))).all()
        for pid, present, hours in rows:
            sums[(pid, bool(present))] = Decimal(hours)
    return [_attendance(p, sums.get((p.id, True), Decimal("0")), sums.get((p.id, False), Decimal("0")), first, last)
            for p in participants]


def attendance_from(participant: Participant, entries: list[HourEntry], first: date, last: date) -> Attendance:
    """``attendance`` of one person from their entries of [first, last], already read (a month's page or timesheet
    shows them anyway)."""
    present = sum((e.hours for e in entries if e.absence is None), Decimal("0"))
    absent = sum((e.hours for e in entries if e.absence is not None), Decimal("0"))
    return _attendance(participant, present, absent, first, last)


def _attendance(p: Participant, present: Decimal, absent: Decimal, first: date, last: date) -> Attendance:
    start, end = max(first, p.starts_on), min(last, p.ends_on, today())
    contracted = (p.weekly_hours / 5) * working_days_between(start, end)  # a holiday is not owed
    return Attendance(p, present, absent, contracted.quantize(Decimal("0.01")))
