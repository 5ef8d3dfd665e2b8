"""The housing-access resources of /api/v1 (API.md): applicants with transitions and consents, landlords with
their support cases, vacancies (also a landlord's flat with its building), the two explained matching lists,
offers with transitions and the offer letter, tenancies with their aftercare contacts, KdU limits."""

from datetime import date
from decimal import Decimal
from typing import Annotated

from flask import abort, jsonify
from flask_login import current_user
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload

from ..api.core import (
    InvalidInput,
    OneOf,
    PageQuery,
    Schema,
    keyset_page,
    operation,
    page_response,
    resource_response,
)
from ..audit.services import record
from ..auth.roles import Role
from ..clock import today
from ..errors import ValidationFailed
from ..extensions import db
from ..i18n import gettext as _
from ..pagination import InvalidCursor, SortKey, decode_cursor, encode_cursor
from ..properties.models import Property, Unit
from ..properties.views import get_property_or_404
from ..reports.pdf import pdf_response
from ..rules.models import KduLimit
from ..rules.services import add_kdu_version
from . import matching, reports, services
from .models import (
    Applicant,
    ApplicantStatus,
    Consent,
    ConsentPurpose,
    ContactKind,
    HousingSituation,
    IncomeSource,
    Landlord,
    LandlordKind,
    LandlordSupportCase,
    Offer,
    OfferStatus,
    SupportCaseKind,
    SupportContact,
    SupportTopic,
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


class LandlordPatch(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: LandlordKind | None = None
    cooperation_since: date | None = None
    contact_person: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254)


class SupportCaseOut(Schema):
    id: int
    landlord_id: int
    tenancy_id: int | None
    kind: SupportCaseKind
    description: str
    opened_on: date
    resolved_on: date | None
    outcome: str | None


class SupportCaseIn(Schema):
    kind: SupportCaseKind
    tenancy_id: int | None = None
    opened_on: date | None = None
    description: str = Field(min_length=1, max_length=5000)


class SupportCaseResolveIn(Schema):
    resolved_on: date | None = None
    outcome: str = Field(min_length=1, max_length=5000)


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


class FlatTerms(Schema):
    """What a landlord offers a flat for; shared by a flat offered for a known unit and one with its address."""

    landlord_id: int
    net_cold_rent: Money
    service_charges: Money = Decimal("0")
    heating_costs: Money = Decimal("0")
    deposit: Money | None = None
    rent_capped: bool = False
    rent_cap_per_m2: Money | None = None
    available_from: date


class VacancyIn(FlatTerms):
    unit_id: int


class FlatIn(FlatTerms):
    """A landlord's flat on offer with its building and unit, found by address and label or created (as the page
    for a new flat does); the building is an ordinary one, not a problem case."""

    street: str = Field(min_length=1, max_length=120)
    house_number: str = Field(min_length=1, max_length=12)
    postcode: str = Field(min_length=5, max_length=5)
    social_area: str = Field(min_length=1, max_length=60)
    label: str = Field(min_length=1, max_length=40)
    floor: int | None = Field(default=None, ge=-3, le=40)
    area_m2: Annotated[Decimal, Field(max_digits=7, decimal_places=2)]
    rooms: Annotated[Decimal, Field(max_digits=3, decimal_places=1)] | None = None
    step_free: bool = False
    lift: bool = False


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


# Explained matches come ten at a time, as on the pages (each carries five rules with their values); the ranking is
# followed by cursor up to this rank.
MATCH_LIMIT, MATCH_DEPTH = 10, 1000


class MatchQuery(Schema):
    near_misses: bool = Field(default=False, description="Also the matches failing exactly one rule, after the "
                                                         "eligible ones.")
    cursor: str | None = Field(default=None, description="The next page of the same ranking: a response's "
                                                         "next_cursor.")
    limit: int = Field(default=MATCH_LIMIT, ge=1, le=200, description=f"Matches per page (each explained rule by "
                       f"rule); the ranking is followed up to rank {MATCH_DEPTH}.")

    def ranks(self) -> tuple[int, int]:
        """The page's slice of the ranking: (ranks before it, matches on it)."""
        if self.cursor is None:
            return 0, self.limit
        try:
            (skip,) = decode_cursor(self.cursor, [SortKey(None)])
        except InvalidCursor:
            skip = -1
        if not 0 < skip < MATCH_DEPTH:
            raise InvalidInput({"cursor": [_("Ungültiger Cursor.")]})
        return skip, min(self.limit, MATCH_DEPTH - skip)


def _match_page(matches: list, skip: int, limit: int) -> tuple[list, str | None]:
    """The page's matches (``limit`` and one more were read) and the cursor of the next page, if there is one."""
    more = len(matches) > limit and skip + limit < MATCH_DEPTH
    return matches[:limit], encode_cursor([skip + limit]) if more else None


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


class OfferUnitsIn(Schema):
    available_from: date | None = None
    rent_capped: bool = True


class ContactOut(Schema):
    id: int
    tenancy_id: int
    contact_on: date
    kind: ContactKind
    topics: list[SupportTopic]
    outcome: str | None
    next_due_on: date | None


class ContactIn(Schema):
    contact_on: date
    kind: ContactKind
    topics: list[SupportTopic] = Field(default_factory=list, max_length=len(SupportTopic))
    outcome: str | None = Field(default=None, max_length=5000)
    next_due_on: date | None = None


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


def _get(model, object_id, options=()):
    """The record, or 404; a household (or its consent, offer, tenancy) outside the user's caseload is 404 too."""
    obj = db.session.get(model, object_id, options=options)
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
    response = jsonify(items=[ApplicantOut.of(a).model_dump(mode="json") for a in rows], next_cursor=next_cursor)
    record("applicant.list", object_type="applicants", summary=f"api {len(rows)}")
    db.session.commit()  # after serialising: the commit expires every row read
    return response


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
    response = resource_response(ApplicantOut, ApplicantOut.of(applicant))
    record("applicant.view", applicant, summary="api")
    db.session.commit()
    return response


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
    response = page_response(applicant.consents, None, ConsentIO)
    record("applicant.view", applicant, summary="api consents")  # shown on the household page, which is audited
    db.session.commit()
    return response


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
    # Matching reads the household's areas as ids in one query; its consents and areas' rows are not loaded.
    applicant = _get(Applicant, applicant_id, (lazyload(Applicant.consents), lazyload(Applicant.preferred_areas),
                                               lazyload(Applicant.excluded_areas)))
    skip, limit = query.ranks()
    matches, next_cursor = _match_page(matching.vacancies_for(applicant, near_misses=query.near_misses,
                                                              limit=limit + 1, skip=skip), skip, limit)
    # The explanations hold the household's figures (persons, income, WBS), as the audited household page does.
    response = jsonify(items=[{"vacancy_id": m.vacancy.id, "rank": m.rank, "eligible": m.eligible,
                               "rules": [r.as_dict() for r in m.rules]} for m in matches], next_cursor=next_cursor)
    record("applicant.view", applicant, summary="api matches")
    db.session.commit()
    return response


# --- landlords and vacancies --------------------------------------------------------------------------------


@operation("/landlords", summary="Landlords", tag=TAG, roles=CASEWORK_ROLES, query=PageQuery, response=LandlordIO,
           paged=True)
def list_landlords(query: PageQuery):
    rows, next_cursor = keyset_page(select(Landlord), Landlord.id, query.limit, query.cursor)
    return page_response(rows, next_cursor, LandlordIO)


@operation("/landlords", "POST", summary="Add a landlord (409: the name exists)", tag=TAG, roles=CASEWORK_ROLES,
           body=LandlordIO, response=LandlordIO, status=201, errors=(409,))
def create_landlord(body: LandlordIO):
    landlord = services.save_landlord(None, body.model_dump(), actor=current_user)
    db.session.commit()
    return resource_response(LandlordIO, landlord, 201)


@operation("/landlords/<int:landlord_id>", summary="One landlord", tag=TAG, roles=CASEWORK_ROLES,
           response=LandlordIO)
def get_landlord(landlord_id: int):
    return resource_response(LandlordIO, _get(Landlord, landlord_id))


@operation("/landlords/<int:landlord_id>", "PATCH", summary="Change a landlord's details", tag=TAG,
           roles=CASEWORK_ROLES, body=LandlordPatch, response=LandlordIO, errors=(409,))
def update_landlord(landlord_id: int, body: LandlordPatch):
    landlord = _get(Landlord, landlord_id)
    current = {field: getattr(landlord, field) for field in ("name", "kind", "cooperation_since", "contact_person",
                                                             "phone", "email", "address", "notes")}
    services.save_landlord(landlord, {**current, **body.model_dump(exclude_unset=True)}, actor=current_user)
    db.session.commit()
    return resource_response(LandlordIO, landlord)


@operation("/landlords/<int:landlord_id>/support-cases", summary="A landlord's calls for help, newest first", tag=TAG,
           roles=CASEWORK_ROLES, response=SupportCaseOut, paged=True)
def list_support_cases(landlord_id: int):
    landlord = _get(Landlord, landlord_id)
    rows = db.session.scalars(select(LandlordSupportCase).where(LandlordSupportCase.landlord_id == landlord.id)
                              .order_by(LandlordSupportCase.opened_on.desc(), LandlordSupportCase.id.desc())).all()
    # Where advisors see their own caseload only, a case about another advisor's household is not shown.
    rows = [row for row in rows if row.tenancy is None or may_see_applicant(current_user, row.tenancy.applicant)]
    return page_response(rows, None, SupportCaseOut)


@operation("/landlords/<int:landlord_id>/support-cases", "POST",
           summary="Open a support case (a landlord calls because a tenancy creaks)", tag=TAG, roles=CASEWORK_ROLES,
           body=SupportCaseIn, response=SupportCaseOut, status=201)
def create_support_case(landlord_id: int, body: SupportCaseIn):
    landlord = _get(Landlord, landlord_id)
    if body.tenancy_id is not None:
        tenancy = db.session.get(Tenancy, body.tenancy_id)
        if tenancy is not None and not may_see_applicant(current_user, tenancy.applicant):
            raise ValidationFailed.on("tenancy_id", _("Dieses Mietverhältnis gehört nicht zu diesem Vermieter."))
    case_ = services.open_support_case(landlord, body.model_dump(), actor=current_user)
    db.session.commit()
    return resource_response(SupportCaseOut, case_, 201)


@operation("/landlords/<int:landlord_id>/support-cases/<int:case_id>/resolve", "POST",
           summary="Close a support case with its outcome", tag=TAG, roles=CASEWORK_ROLES, body=SupportCaseResolveIn,
           response=SupportCaseOut)
def resolve_support_case(landlord_id: int, case_id: int, body: SupportCaseResolveIn):
    case_ = db.session.get(LandlordSupportCase, case_id)
    if case_ is None or case_.landlord_id != landlord_id or (
            case_.tenancy is not None and not may_see_applicant(current_user, case_.tenancy.applicant)):
        abort(404)
    services.resolve_support_case(case_, body.model_dump(), actor=current_user)
    db.session.commit()
    return resource_response(SupportCaseOut, case_)


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


UNIT_OR_FLAT = OneOf(lambda payload: VacancyIn if "unit_id" in payload else FlatIn, VacancyIn, FlatIn)


@operation("/vacancies", "POST", summary="Offer a flat: an existing unit (unit_id), or a landlord's flat with its "
           "building and unit (address and label, as the page for a new flat)", tag=TAG, roles=CASEWORK_ROLES,
           body=UNIT_OR_FLAT, response=VacancyOut, status=201, errors=(409,))
def create_vacancy(body):
    if isinstance(body, FlatIn):
        vacancy = services.offer_flat(body.model_dump(), actor=current_user)
    else:
        unit = db.session.get(Unit, body.unit_id)
        if unit is None:
            raise ValidationFailed.on("unit_id", _("Unbekannte Wohnung."))
        vacancy = services.create_vacancy(unit, body.model_dump(), actor=current_user)
    db.session.commit()
    return resource_response(VacancyOut, VacancyOut.of(vacancy), 201)


@operation("/properties/<int:property_id>/offer-units", "POST",
           summary="Offer every unit of a building ready for letting (let by the buyer, at the planned rent)",
           tag=TAG, roles=FLAT_ROLES, body=OfferUnitsIn, response=VacancyOut, paged=True, status=201, errors=(409,))
def offer_units(property_id: int, body: OfferUnitsIn):
    prop = get_property_or_404(property_id)
    created = services.offer_renovated_units(prop, body.model_dump(exclude_unset=True), actor=current_user)
    db.session.commit()
    response = jsonify(items=[VacancyOut.of(v).model_dump(mode="json") for v in created], next_cursor=None)
    response.status_code = 201
    return response


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
    vacancy = _get(Vacancy, vacancy_id, (joinedload(Vacancy.unit).joinedload(Unit.building),))  # the flat's area
    skip, limit = query.ranks()
    matches, next_cursor = _match_page(matching.candidates(vacancy, near_misses=query.near_misses, limit=limit + 1,
                                                           skip=skip, on=today(),
                                                           advisor_id=own_caseload_of(current_user)), skip, limit)
    response = jsonify(items=[{"applicant_id": m.applicant.id, "rank": m.rank, "eligible": m.eligible,
                               "rules": [r.as_dict() for r in m.rules]} for m in matches], next_cursor=next_cursor)
    # Each candidate's explanation holds the household's figures (persons, income, WBS): a list of households.
    record("applicant.list", object_type="applicants", summary=f"api candidates of vacancy {vacancy.id}: "
                                                                f"{len(matches)}")
    db.session.commit()
    return response


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


@operation("/offers/<int:offer_id>/letter", summary="The offer letter to the household (PDF)", tag=TAG,
           roles=CASEWORK_ROLES, content_type="application/pdf")
def offer_letter(offer_id: int):
    offer = _get(Offer, offer_id)
    data = reports.offer_letter_pdf(offer, current_user.name)
    record("offer.letter", offer, summary="api")
    db.session.commit()
    return pdf_response(data)


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


@operation("/tenancies/<int:tenancy_id>/contacts", summary="The aftercare contacts of a tenancy, newest first",
           tag=TAG, roles=CASEWORK_ROLES, response=ContactOut, paged=True)
def list_contacts(tenancy_id: int):
    tenancy = _get(Tenancy, tenancy_id)
    rows = db.session.scalars(select(SupportContact).where(SupportContact.tenancy_id == tenancy.id)
                              .order_by(SupportContact.contact_on.desc(), SupportContact.id.desc())).all()
    response = page_response(rows, None, ContactOut)
    record("applicant.view", tenancy.applicant, summary=f"api aftercare of tenancy {tenancy.id}")
    db.session.commit()
    return response


@operation("/tenancies/<int:tenancy_id>/contacts", "POST",
           summary="Record an aftercare contact (the next is due in a month unless given)", tag=TAG,
           roles=CASEWORK_ROLES, body=ContactIn, response=ContactOut, status=201)
def create_contact(tenancy_id: int, body: ContactIn):
    tenancy = _get(Tenancy, tenancy_id)
    contact = services.add_support_contact(tenancy, body.model_dump(), actor=current_user)
    db.session.commit()
    return resource_response(ContactOut, contact, 201)


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
