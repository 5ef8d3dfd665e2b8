"""The Ankauf resources of /api/v1 (API.md): properties, units, transitions, referrals, owners, inspections,
resolving defects, orders, acquisitions, timeline. Same services as the pages: one set of rules."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from flask import jsonify
from flask_login import current_user
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Bundle

from ..api.core import PageQuery, Schema, keyset_page, operation, page_response, resource_response
from ..audit.services import record
from ..auth.models import User
from ..errors import ValidationFailed
from ..extensions import db
from ..i18n import gettext as _
from ..reports.pdf import pdf_response
from . import services
from .models import (
    Acquisition,
    AcquisitionMethod,
    Buyer,
    CaseStatus,
    Defect,
    DefectCategory,
    Inspection,
    Order,
    OrderStatus,
    OrderType,
    OwnerKind,
    Ownership,
    Priority,
    Property,
    Referral,
    ReferralSource,
    Severity,
    SocialArea,
    TransferType,
    Unit,
)
from .permissions import CASE_ROLES
from .reports import dossier_pdf, inspection_protocol_pdf
from .views import get_child_or_404, get_property_or_404

TAG = "Ankauf"
Money = Annotated[Decimal, Field(max_digits=12, decimal_places=2)]
Area = Annotated[Decimal, Field(max_digits=9, decimal_places=2)]


class PropertyOut(Schema):
    id: int
    street: str
    house_number: str
    postcode: str
    social_area: str
    parcel: str | None
    year_built: int | None
    floor_area_m2: Decimal | None
    problem_case: bool
    priority: Priority
    status: CaseStatus | None
    overcrowded: bool
    condition_rating: int | None
    version: int

    @classmethod
    def of(cls, prop: Property) -> "PropertyOut":
        return cls(id=prop.id, street=prop.street, house_number=prop.house_number, postcode=prop.postcode,
                   social_area=prop.social_area.slug, parcel=prop.parcel, year_built=prop.year_built,
                   floor_area_m2=prop.floor_area_m2, problem_case=prop.is_problem_case, priority=prop.priority,
                   status=prop.status, overcrowded=prop.is_overcrowded, condition_rating=prop.condition_rating,
                   version=prop.version)


# A list page's columns, named as PropertyOut names them: rows, not entities (fifty cases with their social areas
# cost more to load as entities than to send).
PROPERTY_ROW = Bundle(
    "property", Property.id, Property.street, Property.house_number, Property.postcode,
    SocialArea.slug.label("social_area"), Property.parcel, Property.year_built, Property.floor_area_m2,
    Property.is_problem_case.label("problem_case"), Property.priority, Property.status,
    Property.is_overcrowded.label("overcrowded"), Property.condition_rating, Property.version)


class PropertyIn(Schema):
    street: str = Field(min_length=1, max_length=120)
    house_number: str = Field(min_length=1, max_length=12)
    postcode: str = Field(min_length=5, max_length=5)
    social_area: str = Field(max_length=60)
    parcel: str | None = Field(default=None, max_length=120)
    year_built: int | None = Field(default=None, ge=1500, le=2100)
    floor_area_m2: Area | None = None
    problem_case: bool = True
    priority: Priority = Priority.MEDIUM


class PropertyPatch(Schema):
    street: str | None = Field(default=None, min_length=1, max_length=120)
    house_number: str | None = Field(default=None, min_length=1, max_length=12)
    postcode: str | None = Field(default=None, min_length=5, max_length=5)
    social_area: str | None = Field(default=None, max_length=60)
    parcel: str | None = Field(default=None, max_length=120)
    year_built: int | None = Field(default=None, ge=1500, le=2100)
    floor_area_m2: Area | None = None
    priority: Priority | None = None
    version: int


class PropertyQuery(PageQuery):
    status: CaseStatus | None = None
    social_area: str | None = Field(default=None, max_length=60)
    priority: Priority | None = None
    overcrowded: bool | None = None
    q: str | None = Field(default=None, max_length=120)


class UnitOut(Schema):
    id: int
    label: str
    floor: int | None
    area_m2: Decimal | None
    rooms: Decimal | None
    persons_registered: int
    persons_seen: int | None
    step_free: bool
    lift: bool
    planned_rent: Decimal | None
    overcrowded: bool = Field(validation_alias="is_overcrowded")


class UnitIn(Schema):
    label: str = Field(min_length=1, max_length=40)
    floor: int | None = Field(default=None, ge=-3, le=40)
    area_m2: Area | None = None
    rooms: Annotated[Decimal, Field(max_digits=3, decimal_places=1)] | None = None
    persons_registered: int = Field(default=0, ge=0, le=1000)
    persons_seen: int | None = Field(default=None, ge=0, le=1000)
    step_free: bool = False
    lift: bool = False
    planned_rent: Money | None = None


class UnitPatch(Schema):
    label: str | None = Field(default=None, min_length=1, max_length=40)
    floor: int | None = Field(default=None, ge=-3, le=40)
    area_m2: Area | None = None
    rooms: Annotated[Decimal, Field(max_digits=3, decimal_places=1)] | None = None
    persons_registered: int | None = Field(default=None, ge=0, le=1000)
    persons_seen: int | None = Field(default=None, ge=0, le=1000)
    step_free: bool | None = None
    lift: bool | None = None
    planned_rent: Money | None = None


class TransitionIn(Schema):
    to: CaseStatus
    reason: str | None = Field(default=None, max_length=2000)
    version: int | None = None


class DefectIO(Schema):
    id: int | None = None
    category: DefectCategory
    severity: Severity
    unit_id: int | None = None
    description: str = Field(min_length=1, max_length=2000)
    deadline: date | None = None
    resolved_on: date | None = None


class OccupancyIO(Schema):
    unit_id: int
    persons_seen: int = Field(ge=0, le=1000)


class InspectionOut(Schema):
    id: int
    inspected_on: date
    condition_rating: int
    notes: str | None
    agencies: list[str]
    officer_emails: list[str]
    overcrowded: bool
    defects: list[DefectIO]
    occupancy: list[OccupancyIO]

    @classmethod
    def of(cls, inspection: Inspection) -> "InspectionOut":
        return cls(
            id=inspection.id, inspected_on=inspection.inspected_on, condition_rating=inspection.condition_rating,
            notes=inspection.notes, agencies=list(inspection.agencies or []),
            officer_emails=[officer.email for officer in inspection.officers], overcrowded=inspection.is_overcrowded,
            defects=[DefectIO.model_validate(defect) for defect in inspection.defects],
            occupancy=[OccupancyIO.model_validate(row) for row in inspection.occupancy],
        )


class InspectionIn(Schema):
    inspected_on: date
    condition_rating: int = Field(ge=1, le=5)
    notes: str | None = Field(default=None, max_length=5000)
    agencies: list[str] = Field(default_factory=list, max_length=20)
    officer_emails: list[str] = Field(default_factory=list, max_length=20)
    defects: list[DefectIO] = Field(default_factory=list, max_length=200)
    occupancy: list[OccupancyIO] = Field(default_factory=list, max_length=500)


class OrderOut(Schema):
    id: int
    type: OrderType
    status: OrderStatus
    issued_on: date | None
    deadline: date | None
    vacate_by: date | None
    reference: str | None
    description: str | None
    fines_total: Decimal


class OrderIn(Schema):
    type: OrderType
    status: OrderStatus = OrderStatus.DRAFT
    issued_on: date | None = None
    deadline: date | None = None
    vacate_by: date | None = None
    reference: str | None = Field(default=None, max_length=60)
    description: str | None = Field(default=None, max_length=5000)
    fines_total: Money | None = None
    fines_note: str | None = Field(default=None, max_length=300)


class OrderPatch(Schema):
    type: OrderType | None = None
    status: OrderStatus | None = None
    issued_on: date | None = None
    deadline: date | None = None
    vacate_by: date | None = None
    reference: str | None = Field(default=None, max_length=60)
    description: str | None = Field(default=None, max_length=5000)
    fines_total: Money | None = None
    fines_note: str | None = Field(default=None, max_length=300)


class AcquisitionOut(Schema):
    id: int
    method: AcquisitionMethod
    buyer: Buyer
    appraisal_value: Decimal | None
    asking_price: Decimal | None
    agreed_price: Decimal | None
    council_decision_ref: str | None
    council_decision_on: date | None
    preemption_notice_on: date | None
    preemption_deadline: date | None
    notarised_on: date | None
    transferred_on: date | None
    transfer_type: TransferType | None


class AcquisitionIn(Schema):
    method: AcquisitionMethod
    buyer: Buyer
    appraisal_value: Money | None = None
    asking_price: Money | None = None
    agreed_price: Money | None = None
    council_decision_ref: str | None = Field(default=None, max_length=60)
    council_decision_on: date | None = None
    preemption_notice_on: date | None = None
    notarised_on: date | None = None
    transferred_on: date | None = None
    transfer_type: TransferType | None = None


class AcquisitionPatch(Schema):
    method: AcquisitionMethod | None = None
    buyer: Buyer | None = None
    appraisal_value: Money | None = None
    asking_price: Money | None = None
    agreed_price: Money | None = None
    council_decision_ref: str | None = Field(default=None, max_length=60)
    council_decision_on: date | None = None
    preemption_notice_on: date | None = None
    notarised_on: date | None = None
    transferred_on: date | None = None
    transfer_type: TransferType | None = None


class ReferralIO(Schema):
    id: int | None = None
    received_on: date
    source: ReferralSource
    text: str = Field(min_length=1, max_length=5000)


class OwnershipOut(Schema):
    id: int
    owner_id: int
    kind: OwnerKind
    name: str
    address: str | None
    contact: str | None
    registered_on: date
    ended_on: date | None
    land_register_ref: str | None

    @classmethod
    def of(cls, ownership: Ownership) -> "OwnershipOut":
        owner = ownership.owner
        return cls(id=ownership.id, owner_id=owner.id, kind=owner.kind, name=owner.name, address=owner.address,
                   contact=owner.contact, registered_on=ownership.registered_on, ended_on=ownership.ended_on,
                   land_register_ref=ownership.land_register_ref)


class OwnershipIn(Schema):
    kind: OwnerKind
    name: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    contact: str | None = Field(default=None, max_length=200)
    registered_on: date
    land_register_ref: str | None = Field(default=None, max_length=120)


class DefectResolveIn(Schema):
    resolved_on: date


class TimelineItemOut(Schema):
    at: datetime | date
    kind: Literal["referral", "inspection", "defect_resolved", "order", "acquisition", "document", "transition"]
    text: str


def _api_field(name: str) -> str:
    if name == "officer_ids":
        return "officer_emails"
    if name.startswith("occupancy-"):
        return "occupancy." + name.removeprefix("occupancy-")
    return name


def _changes(body: Schema) -> dict:
    return body.model_dump(exclude_unset=True, exclude={"version"})


# --- properties ----------------------------------------------------------------------------------------


@operation("/properties", summary="List properties (filters: status, social_area, priority, overcrowded, q)",
           tag=TAG, roles=CASE_ROLES, query=PropertyQuery, response=PropertyOut, paged=True)
def list_properties(query: PropertyQuery):
    stmt = select(PROPERTY_ROW).join(Property.social_area)
    if query.status is not None:
        stmt = stmt.where(Property.status == query.status)
    if query.social_area:
        stmt = stmt.where(SocialArea.slug == query.social_area)
    if query.priority is not None:
        stmt = stmt.where(Property.priority == query.priority)
    if query.overcrowded is not None:
        stmt = stmt.where(Property.is_overcrowded.is_(query.overcrowded))
    if query.q:
        stmt = stmt.where(services.address_search_clause(query.q))
    rows, next_cursor = keyset_page(stmt, Property.id, query.limit, query.cursor)
    return jsonify(items=[PropertyOut(**row._asdict()).model_dump(mode="json") for row in rows],
                   next_cursor=next_cursor)


@operation("/properties", "POST", summary="Register a property (a problem case starts as reported)", tag=TAG,
           roles=CASE_ROLES, body=PropertyIn, response=PropertyOut, status=201, errors=(409,))
def create_property(body: PropertyIn):
    prop = services.create_property(body.model_dump(), actor=current_user)
    db.session.commit()
    return resource_response(PropertyOut, PropertyOut.of(prop), 201)


@operation("/properties/<int:property_id>", summary="One property", tag=TAG, roles=CASE_ROLES, response=PropertyOut)
def get_property(property_id: int):
    prop = get_property_or_404(property_id)
    response = resource_response(PropertyOut, PropertyOut.of(prop))
    record("property.view", prop, summary="api")  # as the case file page does
    db.session.commit()
    return response


@operation("/properties/<int:property_id>", "PATCH", summary="Change master data (optimistic lock: version)",
           tag=TAG, roles=CASE_ROLES, body=PropertyPatch, response=PropertyOut, errors=(409,))
def update_property(property_id: int, body: PropertyPatch):
    prop = get_property_or_404(property_id)
    services.update_property(prop, _changes(body), actor=current_user, version=body.version)
    db.session.commit()
    return resource_response(PropertyOut, PropertyOut.of(prop))


@operation("/properties/<int:property_id>/transitions", "POST", summary="Move the case along the status graph",
           tag=TAG, roles=CASE_ROLES, body=TransitionIn, response=PropertyOut, errors=(409,))
def transition_property(property_id: int, body: TransitionIn):
    prop = get_property_or_404(property_id)
    services.transition(prop, body.to, actor=current_user, reason=body.reason, version=body.version)
    db.session.commit()
    return resource_response(PropertyOut, PropertyOut.of(prop))


@operation("/properties/<int:property_id>/timeline", summary="The case's history, oldest first", tag=TAG,
           roles=CASE_ROLES, response=TimelineItemOut, paged=True)
def property_timeline(property_id: int):
    prop = get_property_or_404(property_id)
    items = [TimelineItemOut(at=item.at, kind=item.kind, text=item.text) for item in services.timeline(prop)]
    return jsonify(items=[item.model_dump(mode="json") for item in items], next_cursor=None)


# --- referrals and owners -------------------------------------------------------------------------------


@operation("/properties/<int:property_id>/referrals", summary="What was reported about the building, oldest first",
           tag=TAG, roles=CASE_ROLES, response=ReferralIO, paged=True)
def list_referrals(property_id: int):
    prop = get_property_or_404(property_id)
    rows = db.session.scalars(select(Referral).where(Referral.property_id == prop.id)
                              .order_by(Referral.received_on, Referral.id))
    return page_response(list(rows), None, ReferralIO)


@operation("/properties/<int:property_id>/referrals", "POST", summary="Record a referral (a report about the building)",
           tag=TAG, roles=CASE_ROLES, body=ReferralIO, response=ReferralIO, status=201)
def create_referral(property_id: int, body: ReferralIO):
    prop = get_property_or_404(property_id)
    referral = services.add_referral(prop, body.model_dump(exclude={"id"}), actor=current_user)
    db.session.commit()
    return resource_response(ReferralIO, referral, 201)


@operation("/properties/<int:property_id>/owners", summary="Owners from the land register, current and previous",
           tag=TAG, roles=CASE_ROLES, response=OwnershipOut, paged=True)
def list_owners(property_id: int):
    prop = get_property_or_404(property_id)
    rows = db.session.scalars(select(Ownership).where(Ownership.property_id == prop.id)
                              .order_by(Ownership.registered_on, Ownership.id)).all()
    response = jsonify(items=[OwnershipOut.of(row).model_dump(mode="json") for row in rows], next_cursor=None)
    record("property.view", prop, summary="api owners")  # owners' names, as the case file shows them
    db.session.commit()
    return response


@operation("/properties/<int:property_id>/owners", "POST",
           summary="Record an owner from the land register (the previous owner's period ends that day)", tag=TAG,
           roles=CASE_ROLES, body=OwnershipIn, response=OwnershipOut, status=201)
def create_owner(property_id: int, body: OwnershipIn):
    prop = get_property_or_404(property_id)
    ownership = services.add_ownership(prop, body.model_dump(), actor=current_user)
    db.session.commit()
    return resource_response(OwnershipOut, OwnershipOut.of(ownership), 201)


# --- units ----------------------------------------------------------------------------------------------


@operation("/properties/<int:property_id>/units", summary="The units of a property", tag=TAG, roles=CASE_ROLES,
           response=UnitOut, paged=True)
def list_units(property_id: int):
    prop = get_property_or_404(property_id)
    return page_response(services.units_of(prop), None, UnitOut)


@operation("/properties/<int:property_id>/units", "POST", summary="Add a unit", tag=TAG, roles=CASE_ROLES,
           body=UnitIn, response=UnitOut, status=201)
def create_unit(property_id: int, body: UnitIn):
    prop = get_property_or_404(property_id)
    unit = services.add_unit(prop, body.model_dump(), actor=current_user)
    db.session.commit()
    return resource_response(UnitOut, unit, 201)


@operation("/properties/<int:property_id>/units/<int:unit_id>", "PATCH", summary="Change a unit", tag=TAG,
           roles=CASE_ROLES, body=UnitPatch, response=UnitOut)
def update_unit(property_id: int, unit_id: int, body: UnitPatch):
    prop = get_property_or_404(property_id)
    unit = get_child_or_404(Unit, unit_id, prop)
    services.update_unit(unit, _changes(body), actor=current_user)
    db.session.commit()
    return resource_response(UnitOut, unit)


# --- inspections ------------------------------------------------------------------------------------


@operation("/properties/<int:property_id>/inspections", summary="Inspections with defects and occupancy", tag=TAG,
           roles=CASE_ROLES, response=InspectionOut, paged=True)
def list_inspections(property_id: int):
    prop = get_property_or_404(property_id)
    rows = db.session.scalars(select(Inspection).where(Inspection.property_id == prop.id)
                              .order_by(Inspection.inspected_on, Inspection.id))
    return jsonify(items=[InspectionOut.of(i).model_dump(mode="json") for i in rows], next_cursor=None)


@operation("/properties/<int:property_id>/inspections", "POST",
           summary="Record an inspection (occupancy updates the units)", tag=TAG, roles=CASE_ROLES,
           body=InspectionIn, response=InspectionOut, status=201)
def create_inspection(property_id: int, body: InspectionIn):
    prop = get_property_or_404(property_id)
    officers = [User.by_email(email) for email in body.officer_emails]
    if None in officers:
        unknown = [email for email, officer in zip(body.officer_emails, officers, strict=True) if officer is None]
        raise ValidationFailed.on("officer_emails", _("Unbekannte Konten: %(emails)s.", emails=", ".join(unknown)))
    try:
        inspection = services.record_inspection(
            prop, inspected_on=body.inspected_on, condition_rating=body.condition_rating, notes=body.notes,
            agencies=body.agencies, officer_ids=[officer.id for officer in officers],
            occupancy={row.unit_id: row.persons_seen for row in body.occupancy},
            defects=[services.DefectInput(category=d.category, severity=d.severity, description=d.description,
                                          unit_id=d.unit_id, deadline=d.deadline, resolved_on=d.resolved_on,
                                          field_prefix=f"defects.{index}.")
                     for index, d in enumerate(body.defects)],
            actor=current_user,
        )
    except ValidationFailed as error:
        # The API's names: officer_emails, occupancy.<unit_id>, defects.<n>.<field>.
        error.fields = {_api_field(name): messages for name, messages in error.fields.items()}
        raise
    db.session.commit()
    return resource_response(InspectionOut, InspectionOut.of(inspection), 201)


@operation("/properties/<int:property_id>/defects/<int:defect_id>/resolve", "POST",
           summary="Note that a defect is resolved (not in the future, not before its inspection)", tag=TAG,
           roles=CASE_ROLES, body=DefectResolveIn, response=DefectIO)
def resolve_defect(property_id: int, defect_id: int, body: DefectResolveIn):
    prop = get_property_or_404(property_id)
    defect = get_child_or_404(Defect, defect_id, prop)
    services.resolve_defect(defect, body.resolved_on, actor=current_user)
    db.session.commit()
    return resource_response(DefectIO, defect)


# --- orders ---------------------------------------------------------------------------------------------


@operation("/properties/<int:property_id>/orders", summary="Orders against the owner", tag=TAG, roles=CASE_ROLES,
           response=OrderOut, paged=True)
def list_orders(property_id: int):
    prop = get_property_or_404(property_id)
    rows = db.session.scalars(select(Order).where(Order.property_id == prop.id).order_by(Order.id))
    return page_response(list(rows), None, OrderOut)


@operation("/properties/<int:property_id>/orders", "POST", summary="Record an order", tag=TAG, roles=CASE_ROLES,
           body=OrderIn, response=OrderOut, status=201)
def create_order(property_id: int, body: OrderIn):
    prop = get_property_or_404(property_id)
    order = services.create_order(prop, body.model_dump(), actor=current_user)
    db.session.commit()
    return resource_response(OrderOut, order, 201)


@operation("/properties/<int:property_id>/orders/<int:order_id>", "PATCH", summary="Change an order", tag=TAG,
           roles=CASE_ROLES, body=OrderPatch, response=OrderOut)
def update_order(property_id: int, order_id: int, body: OrderPatch):
    prop = get_property_or_404(property_id)
    order = get_child_or_404(Order, order_id, prop)
    services.update_order(order, _changes(body), actor=current_user)
    db.session.commit()
    return resource_response(OrderOut, order)


# --- acquisitions ----------------------------------------------------------------------------------------


@operation("/properties/<int:property_id>/acquisitions", summary="Acquisition records", tag=TAG, roles=CASE_ROLES,
           response=AcquisitionOut, paged=True)
def list_acquisitions(property_id: int):
    prop = get_property_or_404(property_id)
    rows = db.session.scalars(select(Acquisition).where(Acquisition.property_id == prop.id).order_by(Acquisition.id))
    response = page_response(list(rows), None, AcquisitionOut)
    record("acquisition.read", prop, summary="council decisions disclosed via API")
    db.session.commit()  # after serialising: the commit expires every row read
    return response


@operation("/properties/<int:property_id>/acquisitions", "POST", summary="Start an acquisition record", tag=TAG,
           roles=CASE_ROLES, body=AcquisitionIn, response=AcquisitionOut, status=201)
def create_acquisition(property_id: int, body: AcquisitionIn):
    prop = get_property_or_404(property_id)
    acquisition = services.create_acquisition(prop, body.model_dump(), actor=current_user)
    db.session.commit()
    return resource_response(AcquisitionOut, acquisition, 201)


@operation("/properties/<int:property_id>/acquisitions/<int:acquisition_id>", "PATCH",
           summary="Change an acquisition record", tag=TAG, roles=CASE_ROLES, body=AcquisitionPatch,
           response=AcquisitionOut)
def update_acquisition(property_id: int, acquisition_id: int, body: AcquisitionPatch):
    prop = get_property_or_404(property_id)
    acquisition = get_child_or_404(Acquisition, acquisition_id, prop)
    services.update_acquisition(acquisition, _changes(body), actor=current_user)
    db.session.commit()
    return resource_response(AcquisitionOut, acquisition)


# --- documents -------------------------------------------------------------------------------------------


@operation("/properties/<int:property_id>/dossier", summary="The case file (PDF)", tag=TAG, roles=CASE_ROLES,
           content_type="application/pdf")
def property_dossier(property_id: int):
    prop = get_property_or_404(property_id)
    data = dossier_pdf(prop)
    record("property.dossier", prop, summary="api")
    db.session.commit()
    return pdf_response(data)


@operation("/properties/<int:property_id>/inspections/<int:inspection_id>/protocol",
           summary="The inspection protocol for the owner (PDF)", tag=TAG, roles=CASE_ROLES,
           content_type="application/pdf")
def inspection_protocol(property_id: int, inspection_id: int):
    prop = get_property_or_404(property_id)
    inspection = get_child_or_404(Inspection, inspection_id, prop)
    data = inspection_protocol_pdf(prop, inspection)
    record("inspection.protocol", inspection, summary="api")
    db.session.commit()
    return pdf_response(data)
