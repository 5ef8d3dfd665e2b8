"""The housing-access resources of /api/v1 (API.md): applicants with transitions and consents, landlords,
vacancies, the two explained matching lists, offers with transitions, tenancies, KdU limits."""

from datetime import date
from decimal import Decimal
from typing import Annotated

from flask import abort, jsonify
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import Field
from sqlalchemy import select

from ..api.core import PageQuery, Schema, keyset_page, operation, page_response, resource_response
from ..audit.services import record
from ..auth.roles import Role
from ..clock import today
from ..errors import ValidationFailed
from ..extensions import db
from ..properties.models import Property, Unit
from ..rules.models import KduLimit
from ..rules.services import add_kdu_version
from . import matching, services
from .models import (
    Applicant,
    ApplicantStatus,
    Consent,
    ConsentPurpose,
    HousingSituation,
    IncomeSource,
    Landlord,
    LandlordKind,
    Offer,
    OfferStatus,
    Tenancy,
    Urgency,
    Vacancy,
    VacancyStatus,
)
from .permissions import CASEWORK_ROLES, FLAT_ROLES, may_see_applicant, own_caseload_of, within_caseload

TAG = "Wohnungszugang"
Money = Annotated[Decimal, Field(max_digits=10, decimal_places=2)]


class ApplicantOut(Schema):
    id: int
    first_name: str
    last_name: str
    birth_date: date | None
    adults: int
    children: int
    languages: list[str]
    interpreter_needed: bool
    housing_situation: HousingSituation | None
    income_source: IncomeSource | None
    monthly_income: Decimal | None
    wbs_valid_until: date | None
    wbs_persons: int | None
    urgency: Urgency
    preferred_areas: list[str]
    excluded_areas: list[str]
    step_free_needed: bool
    registered_on: date
    status: ApplicantStatus
    version: int

    @classmethod
    def of(cls, a: Applicant) -> "ApplicantOut":
        return cls(id=a.id, first_name=a.first_name, last_name=a.last_name, birth_date=a.birth_date, adults=a.adults,
                   children=a.children, languages=list(a.languages or []), interpreter_needed=a.interpreter_needed,
                   housing_situation=a.housing_situation, income_source=a.income_source,
                   monthly_income=a.monthly_income, wbs_valid_until=a.wbs_valid_until, wbs_persons=a.wbs_persons,
                   urgency=a.urgency, preferred_areas=[s.slug for s in a.preferred_areas],
                   excluded_areas=[s.slug for s in a.excluded_areas], step_free_needed=a.step_free_needed,
                   registered_on=a.registered_on, status=a.status, version=a.version)


class ApplicantIn(Schema):
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    birth_date: date | None = None
    adults: int = Field(default=1, ge=0, le=15)
    children: int = Field(default=0, ge=0, le=15)
    languages: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list, max_length=10)
    interpreter_needed: bool = False
    housing_situation: HousingSituation | None = None
    income_source: IncomeSource | None = None
    monthly_income: Money | None = None
    wbs_valid_until: date | None = None
    wbs_persons: int | None = Field(default=None, ge=1, le=15)
    urgency: Urgency = Urgency.NORMAL
    preferred_areas: list[str] = Field(default_factory=list, max_length=50)
    excluded_areas: list[str] = Field(default_factory=list, max_length=50)
    step_free_needed: bool = False
    registered_on: date | None = None


class ApplicantPatch(Schema):
    first_name: str | None = Field(default=None, min_length=1, max_length=100)
    last_name: str | None = Field(default=None, min_length=1, max_length=100)
    birth_date: date | None = None
    adults: int | None = Field(default=None, ge=0, le=15)
    children: int | None = Field(default=None, ge=0, le=15)
    languages: list[Annotated[str, Field(max_length=40)]] | None = Field(default=None, max_length=10)
    interpreter_needed: bool | None = None
    housing_situation: HousingSituation | None = None
    income_source: IncomeSource | None = None
    monthly_income: Money | None = None
    wbs_valid_until: date | None = None
    wbs_persons: int | None = Field(default=None, ge=1, le=15)
    urgency: Urgency | None = None
    preferred_areas: list[str] | None = Field(default=None, max_length=50)
    excluded_areas: list[str] | None = Field(default=None, max_length=50)
    step_free_needed: bool | None = None
    version: int


class ApplicantQuery(PageQuery):
    status: ApplicantStatus | None = None
    mine: bool = False


class TransitionIn(Schema):
    to: str = Field(max_length=40)
    reason: str | None = Field(default=None, max_length=2000)
    version: int | None = None


class ConsentIO(Schema):
    id: int | None = None
    purpose: ConsentPurpose
    given_on: date
    expires_on: date | None = None
    revoked_on: date | None = None


class LandlordIO(Schema):
    id: int | None = None
    name: str = Field(min_length=1, max_length=200)
    kind: LandlordKind
    cooperation_since: date | None = None
    contact_person: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254)


class VacancyOut(Schema):
    id: int
    unit_id: int
    landlord_id: int
    net_cold_rent: Decimal
    service_charges: Decimal
    heating_costs: Decimal
    deposit: Decimal | None
    rent_capped: bool
    rent_cap_per_m2: Decimal | None
    available_from: date
    status: VacancyStatus
    area_m2: Decimal | None
    rooms: Decimal | None
    floor: int | None
    lift: bool
    step_free: bool
    social_area: str
    version: int

    @classmethod
    def of(cls, v: Vacancy) -> "VacancyOut":
        unit = v.unit
        return cls(id=v.id, unit_id=v.unit_id, landlord_id=v.landlord_id, net_cold_rent=v.net_cold_rent,
                   service_charges=v.service_charges, heating_costs=v.heating_costs, deposit=v.deposit,
                   rent_capped=v.rent_capped, rent_cap_per_m2=v.rent_cap_per_m2, available_from=v.available_from,
                   status=v.status, area_m2=unit.area_m2, rooms=unit.rooms, floor=unit.floor, lift=unit.lift,
                   step_free=unit.step_free, social_area=unit.building.social_area.slug, version=v.version)


class VacancyIn(Schema):
    unit_id: int
    landlord_id: int
    net_cold_rent: Money
    service_charges: Money = Decimal("0")
    heating_costs: Money = Decimal("0")
    deposit: Money | None = None
    rent_capped: bool = False
    rent_cap_per_m2: Money | None = None
    available_from: date


class VacancyPatch(Schema):
    landlord_id: int | None = None
    net_cold_rent: Money | None = None
    service_charges: Money | None = None
    heating_costs: Money | None = None
    deposit: Money | None = None
    rent_capped: bool | None = None
    rent_cap_per_m2: Money | None = None
    available_from: date | None = None
    status: VacancyStatus | None = None
    version: int


class VacancyQuery(PageQuery):
    status: VacancyStatus | None = None


class MatchQuery(Schema):
    near_misses: bool = False
    limit: int = Field(default=50, ge=1, le=200)


class RuleOut(Schema):
    rule: str
    passed: bool
    detail: str


class CandidateOut(Schema):
    applicant_id: int
    rank: int
    eligible: bool
    rules: list[RuleOut]


class VacancyMatchOut(Schema):
    vacancy_id: int
    rank: int
    eligible: bool
    rules: list[RuleOut]


class OfferOut(Schema):
    id: int
    applicant_id: int
    vacancy_id: int
    status: OfferStatus
    decline_reason: str | None
    viewing_on: date | None
    rules: list[RuleOut] = Field(validation_alias="rule_snapshot")


class OfferIn(Schema):
    applicant_id: int
    vacancy_id: int


class OfferTransitionIn(Schema):
    to: OfferStatus
    reason: str | None = Field(default=None, max_length=2000)
    viewing_on: date | None = None
    starts_on: date | None = None


class TenancyOut(Schema):
    id: int
    unit_id: int
    applicant_id: int
    starts_on: date
    ends_on: date | None
    net_cold_rent: Decimal


class KduOut(Schema):
    persons: int
    max_gross_cold_rent: Decimal
    max_area_m2: Decimal
    valid_from: date


class KduRowIn(Schema):
    persons: int = Field(ge=1, le=20)
    max_gross_cold_rent: Money
    max_area_m2: Money


class KduIn(Schema):
    valid_from: date
    rows: list[KduRowIn] = Field(min_length=1, max_length=20)
    note: str | None = Field(default=None, max_length=300)


def _get(model, object_id):
    """The record, or 404; a household (or its consent, offer, tenancy) outside the user's caseload is 404 too."""
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    applicant = obj if isinstance(obj, Applicant) else getattr(obj, "applicant", None)
    if isinstance(applicant, Applicant) and not may_see_applicant(current_user, applicant):
        abort(404)
    return obj


def _vacancy_for_user(vacancy_id: int) -> Vacancy:
    vacancy = _get(Vacancy, vacancy_id)
    if not current_user.has_role(*CASEWORK_ROLES) and not vacancy.unit.building.is_problem_case:
        abort(404)
    return vacancy


# --- applicants ----------------------------------------------------------------------------------------


@operation("/applicants", summary="Applicant households (filter: status, mine)", tag=TAG, roles=CASEWORK_ROLES,
           query=ApplicantQuery, response=ApplicantOut, paged=True)
def list_applicants(query: ApplicantQuery):
    stmt = select(Applicant)
    if query.status is not None:
        stmt = stmt.where(Applicant.status == query.status)
    limit_to = current_user.id if query.mine else own_caseload_of(current_user)
    if limit_to is not None:
        stmt = stmt.where(Applicant.advisor_id == limit_to)
    rows, next_cursor = keyset_page(stmt, Applicant.id, query.limit, query.cursor)
    record("applicant.list", object_type="applicants", summary=f"api {len(rows)}")
    db.session.commit()
    return jsonify(items=[ApplicantOut.of(a).model_dump(mode="json") for a in rows], next_cursor=next_cursor)


@operation("/applicants", "POST", summary="Register a household (first contact)", tag=TAG, roles=CASEWORK_ROLES,
           body=ApplicantIn, response=ApplicantOut, status=201)
def create_applicant(body: ApplicantIn):
    applicant = services.create_applicant(body.model_dump(), actor=current_user)
    db.session.commit()
    return resource_response(ApplicantOut, ApplicantOut.of(applicant), 201)


@operation("/applicants/<int:applicant_id>", summary="One household", tag=TAG, roles=CASEWORK_ROLES,
           response=ApplicantOut)
def get_applicant(applicant_id: int):
    applicant = _get(Applicant, applicant_id)
    record("applicant.view", applicant, summary="api")
    db.session.commit()
    return resource_response(ApplicantOut, ApplicantOut.of(applicant))


@operation("/applicants/<int:applicant_id>", "PATCH", summary="Change a household (version)", tag=TAG,
           roles=CASEWORK_ROLES, body=ApplicantPatch, response=ApplicantOut, errors=(409,))
def update_applicant(applicant_id: int, body: ApplicantPatch):
    applicant = _get(Applicant, applicant_id)
    services.update_applicant(applicant, body.model_dump(exclude_unset=True, exclude={"version"}),
                              actor=current_user, version=body.version)
    db.session.commit()
    return resource_response(ApplicantOut, ApplicantOut.of(applicant))


@operation("/applicants/<int:applicant_id>/transitions", "POST", summary="Move a household along its status graph",
           tag=TAG, roles=CASEWORK_ROLES, body=TransitionIn, response=ApplicantOut, errors=(409,))
def transition_applicant(applicant_id: int, body: TransitionIn):
    applicant = _get(Applicant, applicant_id)
    services.transition_applicant(applicant, body.to, actor=current_user, reason=body.reason, version=body.version)
    db.session.commit()
    return resource_response(ApplicantOut, ApplicantOut.of(applicant))


@operation("/applicants/<int:applicant_id>/consents", summary="A household's consents", tag=TAG,
           roles=CASEWORK_ROLES, response=ConsentIO, paged=True)
def list_consents(applicant_id: int):
    applicant = _get(Applicant, applicant_id)
    return page_response(applicant.consents, None, ConsentIO)


@operation("/applicants/<int:applicant_id>/consents", "POST", summary="Record a consent", tag=TAG,
           roles=CASEWORK_ROLES, body=ConsentIO, response=ConsentIO, status=201)
def create_consent(applicant_id: int, body: ConsentIO):
    applicant = _get(Applicant, applicant_id)
    consent = services.add_consent(applicant, body.model_dump(), actor=current_user)
    if body.revoked_on:
        services.revoke_consent(consent, actor=current_user, revoked_on=body.revoked_on)
    db.session.commit()
    return resource_response(ConsentIO, consent, 201)


@operation("/applicants/<int:applicant_id>/consents/<int:consent_id>/revoke", "POST",
           summary="Revoke a consent (the processing it covered stops)", tag=TAG, roles=CASEWORK_ROLES,
           response=ConsentIO, errors=(409,))
def revoke_consent(applicant_id: int, consent_id: int):
    consent = _get(Consent, consent_id)
    if consent.applicant_id != applicant_id:
        abort(404)
    services.revoke_consent(consent, actor=current_user)
    db.session.commit()
    return resource_response(ConsentIO, consent)


@operation("/applicants/<int:applicant_id>/vacancies", summary="Open flats for a household, ranked and explained",
           tag=TAG, roles=CASEWORK_ROLES, query=MatchQuery, response=VacancyMatchOut, paged=True)
def applicant_vacancies(applicant_id: int, query: MatchQuery):
    applicant = _get(Applicant, applicant_id)
    matches = matching.vacancies_for(applicant, near_misses=query.near_misses, limit=query.limit)
    return jsonify(items=[{"vacancy_id": m.vacancy.id, "rank": m.rank, "eligible": m.eligible,
                           "rules": [r.as_dict() for r in m.rules]} for m in matches], next_cursor=None)


# --- landlords and vacancies --------------------------------------------------------------------------------


@operation("/landlords", summary="Landlords", tag=TAG, roles=CASEWORK_ROLES, query=PageQuery, response=LandlordIO,
           paged=True)
def list_landlords(query: PageQuery):
    rows, next_cursor = keyset_page(select(Landlord), Landlord.id, query.limit, query.cursor)
    return page_response(rows, next_cursor, LandlordIO)


@operation("/landlords", "POST", summary="Add a landlord", tag=TAG, roles=CASEWORK_ROLES, body=LandlordIO,
           response=LandlordIO, status=201)
def create_landlord(body: LandlordIO):
    landlord = services.save_landlord(None, body.model_dump(), actor=current_user)
    db.session.commit()
    return resource_response(LandlordIO, landlord, 201)


@operation("/vacancies", summary="Flats on offer (housing officers: those of acquired buildings)", tag=TAG,
           roles=FLAT_ROLES, query=VacancyQuery, response=VacancyOut, paged=True)
def list_vacancies(query: VacancyQuery):
    stmt = select(Vacancy)
    if query.status is not None:
        stmt = stmt.where(Vacancy.status == query.status)
    if not current_user.has_role(*CASEWORK_ROLES):
        stmt = stmt.join(Unit, Unit.id == Vacancy.unit_id).join(Property, Property.id == Unit.property_id).where(
            Property.is_problem_case.is_(True))
    rows, next_cursor = keyset_page(stmt, Vacancy.id, query.limit, query.cursor)
    return jsonify(items=[VacancyOut.of(v).model_dump(mode="json") for v in rows], next_cursor=next_cursor)


@operation("/vacancies", "POST", summary="Offer a flat (an existing unit)", tag=TAG, roles=CASEWORK_ROLES,
           body=VacancyIn, response=VacancyOut, status=201, errors=(409,))
def create_vacancy(body: VacancyIn):
    unit = db.session.get(Unit, body.unit_id)
    if unit is None:
        raise ValidationFailed.on("unit_id", _("Unbekannte Wohnung."))
    vacancy = services.create_vacancy(unit, body.model_dump(), actor=current_user)
    db.session.commit()
    return resource_response(VacancyOut, VacancyOut.of(vacancy), 201)


@operation("/vacancies/<int:vacancy_id>", summary="One flat on offer", tag=TAG, roles=FLAT_ROLES,
           response=VacancyOut)
def get_vacancy(vacancy_id: int):
    return resource_response(VacancyOut, VacancyOut.of(_vacancy_for_user(vacancy_id)))


@operation("/vacancies/<int:vacancy_id>", "PATCH", summary="Change a flat on offer (version)", tag=TAG,
           roles=CASEWORK_ROLES, body=VacancyPatch, response=VacancyOut, errors=(409,))
def update_vacancy(vacancy_id: int, body: VacancyPatch):
    vacancy = _get(Vacancy, vacancy_id)
    services.update_vacancy(vacancy, body.model_dump(exclude_unset=True, exclude={"version"}), actor=current_user,
                            version=body.version)
    db.session.commit()
    return resource_response(VacancyOut, VacancyOut.of(vacancy))


@operation("/vacancies/<int:vacancy_id>/candidates", summary="Households for a flat, ranked and explained",
           tag=TAG, roles=CASEWORK_ROLES, query=MatchQuery, response=CandidateOut, paged=True)
def vacancy_candidates(vacancy_id: int, query: MatchQuery):
    vacancy = _get(Vacancy, vacancy_id)
    matches = matching.candidates(vacancy, near_misses=query.near_misses, limit=query.limit, on=today(),
                                  advisor_id=own_caseload_of(current_user))
    return jsonify(items=[{"applicant_id": m.applicant.id, "rank": m.rank, "eligible": m.eligible,
                           "rules": [r.as_dict() for r in m.rules]} for m in matches], next_cursor=None)


# --- offers and tenancies ------------------------------------------------------------------------------------


@operation("/offers", summary="Offers", tag=TAG, roles=CASEWORK_ROLES, query=PageQuery, response=OfferOut,
           paged=True)
def list_offers(query: PageQuery):
    rows, next_cursor = keyset_page(within_caseload(select(Offer), current_user, Offer.applicant_id), Offer.id,
                                    query.limit, query.cursor)
    return page_response(rows, next_cursor, OfferOut)


@operation("/offers", "POST", summary="Propose a household for a flat (keeps the rule results)", tag=TAG,
           roles=CASEWORK_ROLES, body=OfferIn, response=OfferOut, status=201, errors=(409,))
def create_offer(body: OfferIn):
    applicant = db.session.get(Applicant, body.applicant_id)
    if applicant is not None and not may_see_applicant(current_user, applicant):
        applicant = None  # another advisor's household, where advisors see their own only: as if unknown
    vacancy = db.session.get(Vacancy, body.vacancy_id)
    if applicant is None or vacancy is None:
        field = "applicant_id" if applicant is None else "vacancy_id"
        raise ValidationFailed.on(field, _("Unbekannter Datensatz."))
    offer = services.propose(applicant, vacancy, actor=current_user)
    db.session.commit()
    return resource_response(OfferOut, offer, 201)


@operation("/offers/<int:offer_id>", summary="One offer", tag=TAG, roles=CASEWORK_ROLES, response=OfferOut)
def get_offer(offer_id: int):
    return resource_response(OfferOut, _get(Offer, offer_id))


@operation("/offers/<int:offer_id>/transitions", "POST",
           summary="Viewing, acceptance, decline (reason), Jobcenter approval, contract", tag=TAG,
           roles=CASEWORK_ROLES, body=OfferTransitionIn, response=OfferOut, errors=(409,))
def transition_offer(offer_id: int, body: OfferTransitionIn):
    offer = _get(Offer, offer_id)
    services.transition_offer(offer, body.to, actor=current_user, reason=body.reason, viewing_on=body.viewing_on,
                              starts_on=body.starts_on)
    db.session.commit()
    return resource_response(OfferOut, offer)


@operation("/tenancies", summary="Tenancies", tag=TAG, roles=CASEWORK_ROLES, query=PageQuery, response=TenancyOut,
           paged=True)
def list_tenancies(query: PageQuery):
    rows, next_cursor = keyset_page(within_caseload(select(Tenancy), current_user, Tenancy.applicant_id), Tenancy.id,
                                    query.limit, query.cursor)
    return page_response(rows, next_cursor, TenancyOut)


@operation("/tenancies/<int:tenancy_id>", summary="One tenancy", tag=TAG, roles=CASEWORK_ROLES,
           response=TenancyOut)
def get_tenancy(tenancy_id: int):
    return resource_response(TenancyOut, _get(Tenancy, tenancy_id))


# --- KdU limits ----------------------------------------------------------------------------------------------


@operation("/kdu-limits", summary="Every version of the KdU limits", tag=TAG, response=KduOut, paged=True)
def list_kdu_limits():
    rows = db.session.scalars(select(KduLimit).order_by(KduLimit.valid_from, KduLimit.persons))
    return page_response(list(rows), None, KduOut)


@operation("/kdu-limits", "POST", summary="Enter a newly published table from a date on", tag=TAG,
           roles=(Role.ADMIN,), body=KduIn, response=KduOut, paged=True, status=201, errors=(409,))
def create_kdu_limits(body: KduIn):
    limits = add_kdu_version(body.valid_from, [row.model_dump() for row in body.rows], actor=current_user,
                             note=body.note)
    db.session.commit()
    response = page_response(limits, None, KduOut)
    response.status_code = 201
    return response
