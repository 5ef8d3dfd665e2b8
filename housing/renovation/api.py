"""The Viertelwerk resources of /api/v1 (API.md): projects with their work packages, participants, hour entries
(single and batch), month approval and unlocking, the timesheet PDF. Same services and need-to-know rules as the
pages."""

import datetime as dt
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from flask import abort, jsonify
from flask_login import current_user
from pydantic import Field, SkipValidation
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import select

from ..api.core import (
    OneOf,
    PageQuery,
    Schema,
    field_messages,
    keyset_page,
    operation,
    page_response,
    resource_response,
    validate_json,
)
from ..audit.services import record
from ..auth.models import User
from ..auth.roles import Role
from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..i18n import gettext as _
from ..properties.models import Property
from ..reports.pdf import pdf_response
from . import hours, participants, reports, services
from .models import Absence, FundingBasis, HourEntry, Participant, ProjectStatus, RenovationProject, WorkPackage
from .permissions import CREW_ROLES, PROGRESS_ROLES, can_view_project

TAG = "Viertelwerk"
MAX_BATCH = 1000
Money = Annotated[Decimal, Field(max_digits=12, decimal_places=2)]
Hours = Annotated[Decimal, Field(max_digits=6, decimal_places=2)]


class WorkPackageIO(Schema):
    id: int | None = None
    trade: str = Field(min_length=1, max_length=80)
    description: str | None = Field(default=None, max_length=300)
    planned_hours: Hours = Decimal("0")
    progress_percent: int = Field(default=0, ge=0, le=100)
    by_specialist_firm: bool = False


class WorkPackagePatch(Schema):
    trade: str | None = Field(default=None, min_length=1, max_length=80)
    description: str | None = Field(default=None, max_length=300)
    planned_hours: Hours | None = None
    progress_percent: int | None = Field(default=None, ge=0, le=100)
    by_specialist_firm: bool | None = None


class ProjectOut(Schema):
    id: int
    property_id: int
    name: str
    starts_on: date
    planned_end_on: date
    labour_budget: Decimal
    material_budget: Decimal
    status: ProjectStatus
    supervisor_emails: list[str]
    work_packages: list[WorkPackageIO]

    @classmethod
    def of(cls, project: RenovationProject) -> "ProjectOut":
        return cls(id=project.id, property_id=project.property_id, name=project.name, starts_on=project.starts_on,
                   planned_end_on=project.planned_end_on, labour_budget=project.labour_budget,
                   material_budget=project.material_budget, status=project.status,
                   supervisor_emails=[u.email for u in project.supervisors],
                   work_packages=[WorkPackageIO.model_validate(p) for p in project.work_packages])


class ProjectIn(Schema):
    property_id: int
    name: str | None = Field(default=None, max_length=160)
    starts_on: date
    planned_end_on: date
    labour_budget: Money | None = None
    material_budget: Money | None = None
    status: ProjectStatus = ProjectStatus.PLANNED
    supervisor_emails: list[str] = Field(default_factory=list, max_length=20)
    work_packages: list[WorkPackageIO] = Field(default_factory=list, max_length=100)


class ProjectPatch(Schema):
    name: str | None = Field(default=None, max_length=160)
    starts_on: date | None = None
    planned_end_on: date | None = None
    completed_on: date | None = None
    labour_budget: Money | None = None
    material_budget: Money | None = None
    status: ProjectStatus | None = None
    supervisor_emails: list[str] | None = Field(default=None, max_length=20)


class ParticipantOut(Schema):
    id: int
    first_name: str
    last_name: str
    birth_date: date
    jobcenter_ref: str | None
    funding_basis: FundingBasis
    starts_on: date
    ends_on: date
    weekly_hours: Decimal
    project_id: int
    default_work_package_id: int | None
    safety_briefing_on: date | None
    version: int


class ParticipantIn(Schema):
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    birth_date: date
    jobcenter_ref: str | None = Field(default=None, max_length=40)
    funding_basis: FundingBasis
    starts_on: date
    ends_on: date
    weekly_hours: Hours
    project_id: int
    default_work_package_id: int | None = None
    safety_briefing_on: date | None = None
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254)


class ParticipantPatch(Schema):
    first_name: str | None = Field(default=None, min_length=1, max_length=100)
    last_name: str | None = Field(default=None, min_length=1, max_length=100)
    birth_date: date | None = None
    jobcenter_ref: str | None = Field(default=None, max_length=40)
    funding_basis: FundingBasis | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    weekly_hours: Hours | None = None
    project_id: int | None = None
    default_work_package_id: int | None = None
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254)
    version: int


class HourEntryOut(Schema):
    id: int
    participant_id: int
    work_package_id: int | None
    date: dt.date = Field(validation_alias="worked_on")
    hours: Decimal
    activity: str | None
    absence: Absence | None


class HourEntryIn(Schema):
    participant_id: int
    work_package_id: int | None = None
    date: dt.date
    hours: Hours
    activity: str | None = Field(default=None, max_length=200)
    absence: Absence | None = None


class HourEntryBatchIn(Schema):
    # Read one by one in the view: an unreadable item is reported in its result without losing the others, so the
    # document allows any item (an hour entry is what is meant).
    entries: SkipValidation[list[HourEntryIn | Any]] = Field(
        min_length=1, max_length=MAX_BATCH,
        description="Hour entries; an item that is not a valid entry is reported in its result (rejected), the "
                    "others are kept.")


class BatchResult(Schema):
    index: int
    status: Literal["created", "rejected"]
    id: int | None = None
    error: dict | None = None


class BatchOut(Schema):
    results: list[BatchResult]


class HourEntryQuery(Schema):
    participant_id: int
    month: str = Field(pattern=r"^\d{4}-\d{2}$")


class MonthOut(Schema):
    participant_id: int
    month: str
    locked: bool


class UnlockIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


def _project_or_404(project_id: int, *, crew=False) -> RenovationProject:
    project = db.session.get(RenovationProject, project_id)
    if project is None or not can_view_project(current_user, project):
        abort(404)
    if crew and not project.can_record_hours(current_user):
        abort(404)
    return project


def _participant_or_404(participant_id: int, *options) -> Participant:
    participant = db.session.get(Participant, participant_id, options=options)
    if participant is None or not participant.can_be_seen_by(current_user):
        abort(404)
    return participant


def _supervisor_ids(emails: list[str]) -> list[int]:
    users = [User.by_email(email) for email in emails]
    unknown = [email for email, user in zip(emails, users, strict=True) if user is None]
    if unknown:
        raise ValidationFailed.on("supervisor_emails", _("Unbekannte Konten: %(emails)s.", emails=", ".join(unknown)))
    return [user.id for user in users]


@contextmanager
def _api_field_names():
    """The services speak of supervisor_ids; the API's clients send supervisor_emails."""
    try:
        yield
    except ValidationFailed as error:
        error.fields = {("supervisor_emails" if name == "supervisor_ids" else name): messages
                        for name, messages in error.fields.items()}
        raise


def _entry_input(body: HourEntryIn) -> hours.EntryInput:
    return hours.EntryInput(body.participant_id, body.date, hours=body.hours, work_package_id=body.work_package_id,
                            activity=body.activity, absence=body.absence.value if body.absence else None)


# --- projects ---------------------------------------------------------------------------------------


@operation("/projects", summary="Renovation projects (supervisors: their own)", tag=TAG, roles=PROGRESS_ROLES,
           query=PageQuery, response=ProjectOut, paged=True)
def list_projects(query: PageQuery):
    stmt = services.visible_to(current_user, select(RenovationProject))
    rows, next_cursor = keyset_page(stmt, RenovationProject.id, query.limit, query.cursor)
    return jsonify(items=[ProjectOut.of(p).model_dump(mode="json") for p in rows], next_cursor=next_cursor)


@operation("/projects", "POST", summary="Hand an acquired building to Viertelwerk (with work packages)", tag=TAG,
           roles=(Role.ADMIN, Role.HOUSING_OFFICER), body=ProjectIn, response=ProjectOut, status=201, errors=(409,))
def create_project(body: ProjectIn):
    prop = db.session.get(Property, body.property_id)
    if prop is None:
        raise ValidationFailed.on("property_id", _("Unbekanntes Gebäude."))
    supervisor_ids = _supervisor_ids(body.supervisor_emails)
    project = services.hand_over(prop, body.model_dump(), actor=current_user)
    with _api_field_names():
        services.update_project(project, {"status": body.status, "supervisor_ids": supervisor_ids},
                                actor=current_user)
    for index, package in enumerate(body.work_packages):
        try:
            services.save_work_package(project, None, package.model_dump(), actor=current_user)
        except ValidationFailed as error:
            error.fields = {f"work_packages.{index}.{k}": v for k, v in error.fields.items()}
            raise
    db.session.commit()
    return resource_response(ProjectOut, ProjectOut.of(project), 201)


@operation("/projects/<int:project_id>", summary="One project", tag=TAG, roles=PROGRESS_ROLES, response=ProjectOut)
def get_project(project_id: int):
    return resource_response(ProjectOut, ProjectOut.of(_project_or_404(project_id)))


@operation("/projects/<int:project_id>", "PATCH", summary="Change a project", tag=TAG, roles=CREW_ROLES,
           body=ProjectPatch, response=ProjectOut)
def update_project(project_id: int, body: ProjectPatch):
    project = _project_or_404(project_id, crew=True)
    data = body.model_dump(exclude_unset=True)
    if "supervisor_emails" in data:
        if not current_user.has_role(Role.ADMIN):
            raise ValidationFailed.on("supervisor_emails", _("Nur die Administration besetzt ein Projekt."))
        data["supervisor_ids"] = _supervisor_ids(data.pop("supervisor_emails") or [])
    with _api_field_names():
        services.update_project(project, data, actor=current_user)
    db.session.commit()
    return resource_response(ProjectOut, ProjectOut.of(project))


@operation("/projects/<int:project_id>/work-packages", "POST", summary="Add a work package (a trade's share)",
           tag=TAG, roles=CREW_ROLES, body=WorkPackageIO, response=WorkPackageIO, status=201)
def create_work_package(project_id: int, body: WorkPackageIO):
    project = _project_or_404(project_id, crew=True)
    package = services.save_work_package(project, None, body.model_dump(exclude={"id"}), actor=current_user)
    db.session.commit()
    return resource_response(WorkPackageIO, package, 201)


@operation("/projects/<int:project_id>/work-packages/<int:package_id>", "PATCH",
           summary="Change a work package (planned hours, progress …)", tag=TAG, roles=CREW_ROLES,
           body=WorkPackagePatch, response=WorkPackageIO)
def update_work_package(project_id: int, package_id: int, body: WorkPackagePatch):
    project = _project_or_404(project_id, crew=True)
    package = db.session.get(WorkPackage, package_id)
    if package is None or package.project_id != project.id:
        abort(404)
    current = WorkPackageIO.model_validate(package).model_dump(exclude={"id"})
    services.save_work_package(project, package, {**current, **body.model_dump(exclude_unset=True)},
                               actor=current_user)
    db.session.commit()
    return resource_response(WorkPackageIO, package)


# --- participants -------------------------------------------------------------------------------------


@operation("/participants", summary="Participants of your projects", tag=TAG, roles=CREW_ROLES, query=PageQuery,
           response=ParticipantOut, paged=True)
def list_participants(query: PageQuery):
    stmt = participants.visible_to(current_user, select(Participant))
    rows, next_cursor = keyset_page(stmt, Participant.id, query.limit, query.cursor)
    response = page_response(rows, next_cursor, ParticipantOut)
    record("participant.list", object_type="participants", summary=f"api {len(rows)}")
    db.session.commit()  # after serialising: the commit expires every row read
    return response


@operation("/participants", "POST", summary="Register a participant", tag=TAG, roles=CREW_ROLES,
           body=ParticipantIn, response=ParticipantOut, status=201)
def create_participant(body: ParticipantIn):
    person = participants.create_participant(body.model_dump(), actor=current_user)
    db.session.commit()
    return resource_response(ParticipantOut, person, 201)


@operation("/participants/<int:participant_id>", summary="One participant", tag=TAG, roles=CREW_ROLES,
           response=ParticipantOut)
def get_participant(participant_id: int):
    person = _participant_or_404(participant_id)
    response = resource_response(ParticipantOut, person)
    record("participant.view", person, summary="api")
    db.session.commit()
    return response


@operation("/participants/<int:participant_id>", "PATCH", summary="Change a participant (version)", tag=TAG,
           roles=CREW_ROLES, body=ParticipantPatch, response=ParticipantOut, errors=(409,))
def update_participant(participant_id: int, body: ParticipantPatch):
    person = _participant_or_404(participant_id)
    participants.update_participant(person, body.model_dump(exclude_unset=True, exclude={"version"}),
                                    actor=current_user, version=body.version)
    db.session.commit()
    return resource_response(ParticipantOut, person)


# --- hour entries -------------------------------------------------------------------------------------


@operation("/hour-entries", summary="A participant's entries of one month (404: no such participant of yours)",
           tag=TAG, roles=CREW_ROLES, query=HourEntryQuery, response=HourEntryOut, paged=True, errors=(404,))
def list_hour_entries(query: HourEntryQuery):
    person = _participant_or_404(query.participant_id, *participants.FOR_HOURS)
    first = hours.parse_month(query.month)
    entries = hours.month_entries(person, first)
    response = page_response(entries, None, HourEntryOut)
    record("participant.month_view", person, summary=f"api {query.month}")  # as the month page does
    db.session.commit()  # after serialising: the commit expires every row read
    return response


ENTRY_OR_BATCH = OneOf(lambda payload: HourEntryBatchIn if "entries" in payload else HourEntryIn,
                       HourEntryIn, HourEntryBatchIn)


@operation("/hour-entries", "POST", summary="One entry (201) or a batch {entries: [...]} (200, each kept or reported)",
           tag=TAG, roles=CREW_ROLES, body=ENTRY_OR_BATCH, response=HourEntryOut, status=201, errors=(409,),
           responses={200: BatchOut})
def create_hour_entries(body):
    if isinstance(body, HourEntryBatchIn):
        return _save_batch(body.entries)
    entry = hours.create_entry(_entry_input(body), actor=current_user)
    db.session.commit()
    return resource_response(HourEntryOut, entry, 201)


def _save_batch(raw_items):
    """Each item stands alone: unreadable or refused ones are reported, the others kept."""
    if not isinstance(raw_items, list) or not 1 <= len(raw_items) <= MAX_BATCH:
        raise ValidationFailed.on("entries", _("Eine Liste mit 1 bis %(n)s Einträgen wird erwartet.", n=MAX_BATCH))
    results: dict[int, dict] = {}
    readable, positions = [], []
    for index, raw in enumerate(raw_items):
        try:
            item = validate_json(HourEntryIn, raw)
        except PydanticValidationError as error:
            results[index] = {"index": index, "status": "rejected", "error": {
                "code": "invalid", "message": _("Die Angaben sind ungültig."), "fields": field_messages(error)}}
        else:
            readable.append(_entry_input(item))
            positions.append(index)
    for position, result in zip(positions, hours.save_batch(readable, actor=current_user, upsert=False),
                                strict=True):
        if result.status == "rejected":
            results[position] = {"index": position, "status": "rejected",
                                 "error": {"code": result.code, "message": result.message, "fields": result.errors}}
        else:
            results[position] = {"index": position, "status": "created", "id": result.entry.id}
    db.session.commit()
    return jsonify(results=[results[index] for index in range(len(raw_items))])


@operation("/hour-entries/<int:entry_id>", "DELETE", summary="Delete an entry (not in a locked month)", tag=TAG,
           roles=CREW_ROLES, errors=(409,))
def delete_hour_entry(entry_id: int):
    entry = db.session.get(HourEntry, entry_id)
    if entry is None:
        abort(404)
    _participant_or_404(entry.participant_id)
    hours.delete_entry(entry, actor=current_user)
    db.session.commit()
    return jsonify(deleted=entry_id)


# --- months -------------------------------------------------------------------------------------------


def _month_or_404(text: str):
    try:
        return hours.parse_month(text)
    except DomainError:
        abort(404)


@operation("/participants/<int:participant_id>/months/<month>/approve", "POST",
           summary="Approve a participant's month; locks it", tag=TAG, roles=CREW_ROLES, response=MonthOut,
           errors=(409,))
def approve_month(participant_id: int, month: str):
    person = _participant_or_404(participant_id)
    first = _month_or_404(month)
    hours.approve_month(person, first, actor=current_user)
    db.session.commit()
    return resource_response(MonthOut, {"participant_id": person.id, "month": month, "locked": True})


@operation("/participants/<int:participant_id>/months/<month>/unlock", "POST",
           summary="Reopen an approved month, with the reason (admins only)", tag=TAG, roles=(Role.ADMIN,),
           body=UnlockIn, response=MonthOut, errors=(409,))
def unlock_month(participant_id: int, month: str, body: UnlockIn):
    person = _participant_or_404(participant_id)
    first = _month_or_404(month)
    hours.unlock_month(person, first, body.reason, actor=current_user)
    db.session.commit()
    return resource_response(MonthOut, {"participant_id": person.id, "month": month, "locked": False})


@operation("/participants/<int:participant_id>/months/<month>/timesheet", summary="The month's timesheet (PDF)",
           tag=TAG, roles=CREW_ROLES, content_type="application/pdf")
def timesheet(participant_id: int, month: str):
    person = _participant_or_404(participant_id)
    first = _month_or_404(month)
    pdf = reports.timesheet_pdf(person, first)
    record("participant.timesheet", person, summary=f"api {month}")
    db.session.commit()
    return pdf_response(pdf)
