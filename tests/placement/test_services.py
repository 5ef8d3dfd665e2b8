"""The rules of housing access as services: the household's status graph and its guards, bad input, consents,
landlords and flats, offers and what each step does, tenancies and aftercare, landlord support, renovated
buildings on offer (and 'let' when every flat is let), KdU versions."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import func, select

from housing.audit.models import AuditEvent
from housing.errors import Conflict, ValidationFailed
from housing.extensions import db
from housing.placement import matching, services
from housing.placement.models import (
    Applicant,
    ApplicantStatus,
    ApplicantTransition,
    Landlord,
    LandlordSupportCase,
    Offer,
    OfferStatus,
    Tenancy,
    Vacancy,
    VacancyStatus,
)
from housing.properties import services as cases
from housing.properties.models import CaseStatus, Unit
from housing.rules.services import add_kdu_version, kdu_for, kdu_table

from ..factories import UserFactory
from .conftest import NOW, TODAY, accept_and_sign, plain, ready_building

D = Decimal
GUARD_ADULT = "Für „aufgenommen“ braucht der Haushalt mindestens eine erwachsene Person."
GUARD_CONSENT = "Für „aufgenommen“ fehlt eine gültige Einwilligung zur Wohnraumvermittlung."
GUARD_INCOME = "Für „wohnungssuchend“ fehlt die Einkommensquelle."
GUARD_SITUATION = "Für „wohnungssuchend“ fehlt die aktuelle Wohnsituation."
REASON = "Bitte begründen Sie diesen Schritt."
GIVEN_AWAY = "Die Wohnung wurde an einen anderen Haushalt vergeben."


def new_household(advisor, **fields):
    data = {"first_name": "Mihai", "last_name": "Ionescu", "adults": 1, "children": 0}
    data.update(fields)
    applicant = services.create_applicant(data, actor=advisor)
    db.session.flush()
    return applicant


def placement_consent(applicant, advisor, **fields):
    return services.add_consent(applicant, {"purpose": "placement", "given_on": TODAY - timedelta(days=1), **fields},
                                actor=advisor)


def moves_of(applicant) -> list[tuple]:
    return [(m.from_status and m.from_status.value, m.to_status.value, m.reason) for m in db.session.scalars(
        select(ApplicantTransition).where(ApplicantTransition.applicant_id == applicant.id)
        .order_by(ApplicantTransition.id))]


def refused(error_class, call, *args, **kwargs):
    with pytest.raises(error_class) as info:
        call(*args, **kwargs)
    return info.value


def tenancy_of(applicant) -> Tenancy:
    return db.session.scalar(select(Tenancy).where(Tenancy.applicant_id == applicant.id))


def field_messages(error) -> dict:
    return {field: [plain(m) for m in messages] for field, messages in error.fields.items()}


# --- applicants: creation -----------------------------------------------------------------------------------


def test_a_new_household_starts_at_first_contact_with_its_advisor_and_history(advisor):
    applicant = new_household(advisor, urgency="emergency", languages="Rumänisch, Deutsch",
                              preferred_areas=["nordmarkt"], excluded_areas=["hafen"])

    assert applicant.status == ApplicantStatus.FIRST_CONTACT
    assert applicant.advisor_id == advisor.id
    assert applicant.registered_on == TODAY
    assert applicant.urgency_rank == 2
    assert applicant.languages == ["Rumänisch", "Deutsch"]
    assert [a.slug for a in applicant.preferred_areas] == ["nordmarkt"]
    assert [a.slug for a in applicant.excluded_areas] == ["hafen"]
    assert moves_of(applicant) == [(None, "first_contact", None)]
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.object_type == "applicants",
                                                            AuditEvent.object_id == str(applicant.id))) == \
        "applicant.create"


@pytest.mark.parametrize("fields, field, message", [
    ({"adults": 0, "children": 0}, "adults", "Ein Haushalt hat mindestens eine Person."),
    ({"adults": -1}, "adults", "Der Wert darf nicht negativ sein."),
    ({"adults": 10, "children": 6}, "children",
     "Mehr als 15 Personen in einem Haushalt sind nicht plausibel; bitte prüfen."),
    ({"wbs_valid_until": TODAY + timedelta(days=100)}, "wbs_persons", "Für wie viele Personen gilt der WBS?"),
    ({"wbs_valid_until": TODAY, "wbs_persons": 0}, "wbs_persons", "Bitte zwischen 1 und 15 Personen angeben."),
    ({"first_name": "  "}, "first_name", "Pflichtangabe fehlt."),
    ({"monthly_income": "-5"}, "monthly_income", "Der Wert darf nicht negativ sein."),
    ({"registered_on": TODAY + timedelta(days=1)}, "registered_on", "Das Datum darf nicht in der Zukunft liegen."),
    ({"birth_date": date(1899, 12, 31)}, "birth_date", "Bitte ein plausibles Geburtsdatum angeben."),
    ({"income_source": "lottery"}, "income_source", "Unbekannter Wert „lottery“."),
    ({"preferred_areas": ["atlantis"]}, "preferred_areas", "Unbekannter Sozialraum: atlantis."),
])
def test_bad_household_data_is_refused_with_a_german_message_on_its_field(advisor, fields, field, message):
    error = refused(ValidationFailed, new_household, advisor, **fields)

    assert error.fields[field] == [message]
    assert db.session.scalar(select(func.count(Applicant.id))) == 0


def test_a_household_of_children_only_is_registered_but_cannot_be_admitted(advisor):
    applicant = new_household(advisor, adults=0, children=2)
    placement_consent(applicant, advisor)

    error = refused(Conflict, services.transition_applicant, applicant, "registered", actor=advisor)

    assert error.fields == {"to": [GUARD_ADULT]}
    assert applicant.status == ApplicantStatus.FIRST_CONTACT


# --- applicants: the status graph -----------------------------------------------------------------------------


def test_registered_needs_a_valid_placement_consent(advisor):
    applicant = new_household(advisor)
    error = refused(Conflict, services.transition_applicant, applicant, "registered", actor=advisor)
    assert error.message == GUARD_CONSENT and error.fields == {"to": [GUARD_CONSENT]}

    services.add_consent(applicant, {"purpose": "share_with_jobcenter", "given_on": TODAY}, actor=advisor)
    assert refused(Conflict, services.transition_applicant, applicant, "registered", actor=advisor).fields == {
        "to": [GUARD_CONSENT]}

    expired = placement_consent(applicant, advisor, given_on=TODAY - timedelta(days=400),
                                expires_on=TODAY - timedelta(days=1))
    assert refused(Conflict, services.transition_applicant, applicant, "registered", actor=advisor)
    assert not expired.is_valid_on(TODAY)

    placement_consent(applicant, advisor, expires_on=TODAY)
    services.transition_applicant(applicant, "registered", actor=advisor)
    assert applicant.status == ApplicantStatus.REGISTERED


def test_a_revoked_placement_consent_does_not_satisfy_the_guard(advisor):
    applicant = new_household(advisor)
    consent = placement_consent(applicant, advisor)
    services.revoke_consent(consent, actor=advisor)

    error = refused(Conflict, services.transition_applicant, applicant, "registered", actor=advisor)

    assert error.fields == {"to": [GUARD_CONSENT]}


def test_searching_needs_the_income_source_and_the_housing_situation(advisor):
    applicant = new_household(advisor)
    placement_consent(applicant, advisor)
    services.transition_applicant(applicant, "registered", actor=advisor)
    services.transition_applicant(applicant, "clearing", actor=advisor)

    error = refused(Conflict, services.transition_applicant, applicant, "searching", actor=advisor)
    assert error.fields == {"to": [GUARD_INCOME, GUARD_SITUATION]}
    assert error.message == f"{GUARD_INCOME} {GUARD_SITUATION}"

    services.update_applicant(applicant, {"income_source": "sgb2"}, actor=advisor)
    assert refused(Conflict, services.transition_applicant, applicant, "searching", actor=advisor).fields == {
        "to": [GUARD_SITUATION]}

    services.update_applicant(applicant, {"housing_situation": "homeless"}, actor=advisor)
    services.transition_applicant(applicant, "searching", actor=advisor)
    assert applicant.status == ApplicantStatus.SEARCHING


def test_a_forward_skip_checks_every_guard_on_the_way(advisor):
    applicant = new_household(advisor, adults=0, children=1)

    error = refused(Conflict, services.transition_applicant, applicant, "searching", actor=advisor)

    assert error.fields == {"to": [GUARD_ADULT, GUARD_CONSENT, GUARD_INCOME, GUARD_SITUATION]}


def test_forward_moves_need_no_reason_and_are_recorded_with_who_and_from_where(advisor):
    applicant = new_household(advisor, income_source="sgb2", housing_situation="notice")
    placement_consent(applicant, advisor)

    for target in ("registered", "clearing", "searching"):
        services.transition_applicant(applicant, target, actor=advisor)

    assert moves_of(applicant) == [(None, "first_contact", None), ("first_contact", "registered", None),
                                   ("registered", "clearing", None), ("clearing", "searching", None)]
    actors = set(db.session.scalars(select(ApplicantTransition.actor_id)
                                    .where(ApplicantTransition.applicant_id == applicant.id)))
    assert actors == {advisor.id}


def test_a_step_back_needs_a_reason(make_household, advisor):
    applicant = make_household((1, 0))

    error = refused(ValidationFailed, services.transition_applicant, applicant, "clearing", actor=advisor,
                    reason="   ")
    assert error.fields == {"reason": [REASON]}
    assert applicant.status == ApplicantStatus.SEARCHING

    services.transition_applicant(applicant, "clearing", actor=advisor, reason="Einkommen neu prüfen")
    assert applicant.status == ApplicantStatus.CLEARING
    assert moves_of(applicant)[-1] == ("searching", "clearing", "Einkommen neu prüfen")


@pytest.mark.parametrize("exit_status", ["withdrawn", "lost_contact"])
def test_an_exit_needs_a_reason_and_a_closed_case_cannot_exit_again(make_household, advisor, exit_status):
    applicant = make_household((1, 0))

    assert refused(ValidationFailed, services.transition_applicant, applicant, exit_status,
                   actor=advisor).fields == {"reason": [REASON]}
    services.transition_applicant(applicant, exit_status, actor=advisor, reason="Zieht zu Verwandten")
    assert applicant.status == ApplicantStatus(exit_status)

    other = "lost_contact" if exit_status == "withdrawn" else "withdrawn"
    error = refused(Conflict, services.transition_applicant, applicant, other, actor=advisor, reason="x")
    assert error.message == "Der Fall ist bereits abgeschlossen."


def test_reopening_a_closed_case_needs_a_reason_and_what_the_stage_needs(make_household, advisor):
    applicant = make_household((1, 0))
    services.transition_applicant(applicant, "withdrawn", actor=advisor, reason="meldet sich nicht")
    services.revoke_consent(applicant.consents[0], actor=advisor)

    assert refused(ValidationFailed, services.transition_applicant, applicant, "searching",
                   actor=advisor).fields == {"reason": [REASON]}
    error = refused(Conflict, services.transition_applicant, applicant, "searching", actor=advisor,
                    reason="wieder da")
    assert error.fields == {"to": [GUARD_CONSENT]}

    placement_consent(applicant, advisor)
    services.transition_applicant(applicant, "searching", actor=advisor, reason="wieder da")
    assert applicant.status == ApplicantStatus.SEARCHING


@pytest.mark.parametrize("status", ["first_contact", "registered", "clearing", "searching"])
def test_at_risk_exists_only_for_a_running_tenancy(make_household, advisor, status):
    applicant = make_household((1, 0), status=status)

    error = refused(Conflict, services.transition_applicant, applicant, "at_risk", actor=advisor, reason="Rückstand")

    assert error.message == "„gefährdet“ gibt es nur für ein laufendes Mietverhältnis."
    assert applicant.status == ApplicantStatus(status)


NO_OFFER = "Für „Angebot“ braucht der Haushalt ein laufendes Angebot; es entsteht, wenn er für eine Wohnung " \
    "vorgeschlagen wird."
NO_CONTRACT = "Für „Mietvertrag unterschrieben“ braucht der Haushalt ein Mietverhältnis; es entsteht, wenn im " \
    "Angebot der Mietvertrag eingetragen wird."


@pytest.mark.parametrize(("target", "message"), [
    ("offer", NO_OFFER),
    ("approval_pending", "Für „Zustimmung Jobcenter ausstehend“ braucht der Haushalt ein Angebot, das auf die "
                         "Zustimmung des Jobcenters wartet."),
    ("contract_signed", NO_CONTRACT),
    ("moved_in", "Für „eingezogen“ braucht der Haushalt ein Mietverhältnis, das begonnen hat."),
    ("aftercare", "Für „Nachbetreuung“ braucht der Haushalt ein Mietverhältnis, das begonnen hat."),
    ("stabilised", "Für „stabilisiert“ braucht der Haushalt ein Mietverhältnis, das begonnen hat."),
])
def test_a_searching_household_cannot_be_moved_by_hand_past_an_offer_or_tenancy_it_does_not_have(
        make_household, advisor, target, message):
    """Stabilised without ever having had a flat would count in the management figures as a success."""
    household = make_household((1, 0))

    error = refused(Conflict, services.transition_applicant, household, target, actor=advisor)

    assert error.fields == {"to": [message]}
    assert household.status == ApplicantStatus.SEARCHING


def test_the_steps_by_hand_follow_the_offer_and_the_tenancy_on_record(make_household, make_flat, advisor):
    household = make_household((1, 0))
    offer = services.propose(household, make_flat(area="50", net="380", charges="150"), actor=advisor)
    services.transition_applicant(household, "searching", actor=advisor, reason="Angebot noch offen")
    services.transition_applicant(household, "offer", actor=advisor)  # the open offer is on record
    assert refused(Conflict, services.transition_applicant, household, "contract_signed",
                   actor=advisor).fields == {"to": [NO_CONTRACT]}

    accept_and_sign(offer, advisor, starts_on=TODAY + timedelta(days=10))
    assert household.status == ApplicantStatus.CONTRACT_SIGNED
    services.transition_applicant(household, "searching", actor=advisor, reason="Einzug verschoben")
    services.transition_applicant(household, "contract_signed", actor=advisor)
    assert refused(Conflict, services.transition_applicant, household, "moved_in", actor=advisor).fields == {
        "to": ["Für „eingezogen“ braucht der Haushalt ein Mietverhältnis, das begonnen hat."]}

    with time_machine.travel(NOW + timedelta(days=10), tick=False):
        services.transition_applicant(household, "stabilised", actor=advisor)
    assert household.status == ApplicantStatus.STABILISED


@pytest.fixture
def tenant(make_household, make_flat, advisor):
    """A household whose contract is signed today for a 50 m² flat (the offer accepted, the Jobcenter asked)."""
    household = make_household((1, 0))
    flat = make_flat(area="50", net="380", charges="150")
    accept_and_sign(services.propose(household, flat, actor=advisor), advisor)
    db.session.commit()
    return household


def test_at_risk_from_aftercare_needs_a_reason_and_leads_back_only_to_the_tenancy_statuses(tenant, advisor):
    services.add_support_contact(tenancy_of(tenant), {"contact_on": TODAY, "kind": "phone"}, actor=advisor)
    assert tenant.status == ApplicantStatus.AFTERCARE

    assert refused(ValidationFailed, services.transition_applicant, tenant, "at_risk",
                   actor=advisor).fields == {"reason": [REASON]}
    services.transition_applicant(tenant, "at_risk", actor=advisor, reason="zwei Monatsmieten Rückstand")
    assert tenant.status == ApplicantStatus.AT_RISK

    error = refused(Conflict, services.transition_applicant, tenant, "searching", actor=advisor, reason="x")
    assert error.message == "Aus „gefährdet“ geht es nur zurück in die Nachbetreuung oder nach „stabilisiert“."
    services.transition_applicant(tenant, "aftercare", actor=advisor)
    services.transition_applicant(tenant, "stabilised", actor=advisor)
    assert tenant.status == ApplicantStatus.STABILISED


def test_moving_to_the_current_status_or_an_unknown_one_is_refused(make_household, advisor):
    applicant = make_household((1, 0))

    assert refused(Conflict, services.transition_applicant, applicant, "searching",
                   actor=advisor).message == "Der Haushalt steht bereits auf „wohnungssuchend“."
    assert refused(ValidationFailed, services.transition_applicant, applicant, "happy",
                   actor=advisor).fields == {"to": ["Unbekannter Status „happy“."]}


def test_a_stale_version_is_refused(make_household, advisor):
    applicant = make_household((1, 0))
    stale = applicant.version - 1

    error = refused(Conflict, services.update_applicant, applicant, {"adults": 2}, actor=advisor, version=stale)

    assert error.fields == {"version": ["Veraltet."]}
    assert refused(Conflict, services.transition_applicant, applicant, "withdrawn", actor=advisor, reason="x",
                   version=stale)


def test_updating_a_household_keeps_what_is_not_sent_and_replaces_its_areas(make_household, advisor):
    applicant = make_household((2, 1), preferred_areas=["hafen"], excluded_areas=["borsigplatz"])

    services.update_applicant(applicant, {"children": 2, "urgency": "high", "preferred_areas": ["nordmarkt"]},
                              actor=advisor)

    assert (applicant.adults, applicant.children, applicant.urgency_rank) == (2, 2, 1)
    assert [a.slug for a in applicant.preferred_areas] == ["nordmarkt"]
    assert [a.slug for a in applicant.excluded_areas] == ["borsigplatz"]
    assert applicant.income_source.value == "sgb2"


# --- consents ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fields, field, message", [
    ({"given_on": TODAY + timedelta(days=1)}, "given_on", "Das Datum darf nicht in der Zukunft liegen."),
    ({"given_on": None}, "given_on", "Pflichtangabe fehlt."),
    ({"expires_on": TODAY - timedelta(days=10)}, "expires_on", "Der Ablauf kann nicht vor der Erteilung liegen."),
    ({"purpose": "marketing"}, "purpose", "Unbekannter Wert „marketing“."),
])
def test_a_consent_needs_a_purpose_and_plausible_dates(advisor, fields, field, message):
    applicant = new_household(advisor)
    data = {"purpose": "placement", "given_on": TODAY - timedelta(days=1), **fields}

    error = refused(ValidationFailed, services.add_consent, applicant, data, actor=advisor)

    assert error.fields == {field: [message]}


def test_revoking_the_placement_consent_removes_the_household_from_the_candidates(make_household, make_flat,
                                                                                  advisor):
    applicant = make_household((1, 0))
    flat = make_flat(area="50", net="300", charges="100")
    assert [m.applicant.id for m in matching.candidates(flat, on=TODAY)] == [applicant.id]

    services.revoke_consent(applicant.consents[0], actor=advisor)
    db.session.commit()

    assert applicant.consents[0].revoked_on == TODAY
    assert matching.candidates(flat, near_misses=True, on=TODAY) == []
    assert refused(Conflict, services.propose, applicant, flat, actor=advisor).message == \
        "Ohne gültige Einwilligung zur Wohnraumvermittlung kein Angebot."
    assert refused(Conflict, services.revoke_consent, applicant.consents[0], actor=advisor).message == \
        "Diese Einwilligung ist bereits widerrufen."


# --- landlords and flats ----------------------------------------------------------------------------------------


EMAIL_WRONG = "Bitte eine gültige E-Mail-Adresse angeben, z. B. name@beispiel.de."


@pytest.mark.parametrize("email", ["ana@@beispiel.de", "kein-at-zeichen", "ana@", "ana beispiel@de.de"])
def test_an_e_mail_address_that_cannot_be_one_is_refused_for_households_and_landlords(advisor, email):
    error = refused(ValidationFailed, services.create_applicant,
                    {"first_name": "Ana", "last_name": "Testfall", "adults": 1, "email": email}, actor=advisor)
    assert error.fields == {"email": [EMAIL_WRONG]}
    error = refused(ValidationFailed, services.save_landlord, None,
                    {"name": "Spar- und Bauverein", "kind": "association", "email": email}, actor=advisor)
    assert error.fields == {"email": [EMAIL_WRONG]}
    assert db.session.scalar(select(func.count(Applicant.id))) == 0
    assert db.session.scalar(select(func.count(Landlord.id))) == 0


def test_a_good_e_mail_address_is_kept_as_typed_and_an_empty_one_is_none(advisor):
    household = new_household(advisor, email="  ana.popescu@beispiel.de ")
    landlord = services.save_landlord(None, {"name": "Spar- und Bauverein", "kind": "association", "email": ""},
                                      actor=advisor)

    assert (household.email, landlord.email) == ("ana.popescu@beispiel.de", None)


def test_a_social_area_cannot_be_wished_for_and_excluded_at_once(advisor):
    error = refused(ValidationFailed, services.create_applicant,
                    {"first_name": "Ana", "last_name": "Testfall", "adults": 1,
                     "preferred_areas": ["hafen", "nordmarkt"], "excluded_areas": ["hafen"]}, actor=advisor)
    assert error.fields == {"excluded_areas": [
        "Ein Gebiet kann nicht zugleich Wunschgebiet und ausgeschlossen sein: Hafen."]}

    household = new_household(advisor, preferred_areas=["hafen"])
    error = refused(ValidationFailed, services.update_applicant, household, {"excluded_areas": ["hafen"]},
                    actor=advisor)
    assert "excluded_areas" in error.fields
    assert [area.slug for area in household.preferred_areas] == ["hafen"] and household.excluded_areas == []


def test_a_landlord_needs_a_name_and_a_kind(advisor):
    error = refused(ValidationFailed, services.save_landlord, None, {"name": " ", "kind": "bank"}, actor=advisor)

    assert error.fields == {"name": ["Pflichtangabe fehlt."], "kind": ["Unbekannter Wert „bank“."]}


def test_a_landlords_name_is_taken_once_whatever_its_case_and_spacing(advisor):
    kept = services.save_landlord(None, {"name": "Spar- und Bauverein", "kind": "association"}, actor=advisor)

    error = refused(Conflict, services.save_landlord, None, {"name": "spar- und  bauverein", "kind": "company"},
                    actor=advisor)

    assert error.message == "Diese Vermieterin / diesen Vermieter gibt es schon."
    assert error.fields == {"name": ["Diese Vermieterin / diesen Vermieter gibt es schon."]}
    assert services.save_landlord(kept, {"name": "Spar- und Bauverein", "kind": "company"}, actor=advisor) is kept


@pytest.fixture
def unit(make_flat):
    """A 50 m² unit of a landlord's building that is not on offer (its offer was withdrawn)."""
    flat = make_flat(area="50", net="300", charges="100")
    services.withdraw_vacancy(flat, actor=UserFactory(), reason="Umbau")
    db.session.commit()
    return flat.unit


def vacancy_data(unit, **fields):
    landlord = db.session.scalar(select(Landlord))
    return {"landlord_id": landlord.id, "available_from": TODAY, "net_cold_rent": D("300"),
            "service_charges": D("100"), **fields}


@pytest.mark.parametrize("fields, field, message", [
    ({"net_cold_rent": "-5"}, "net_cold_rent", "Der Betrag muss größer als 0 sein."),
    ({"net_cold_rent": "0"}, "net_cold_rent", "Der Betrag muss größer als 0 sein."),
    ({"net_cold_rent": None}, "net_cold_rent", "Pflichtangabe fehlt."),
    ({"service_charges": "-0.01"}, "service_charges", "Der Wert darf nicht negativ sein."),
    ({"heating_costs": "-1"}, "heating_costs", "Der Wert darf nicht negativ sein."),
    ({"deposit": "900.01"}, "deposit", "Die Kaution darf höchstens drei Nettokaltmieten betragen (§ 551 BGB)."),
    ({"available_from": None}, "available_from", "Pflichtangabe fehlt."),
    ({"landlord_id": 999999}, "landlord_id", "Bitte die Vermieterin / den Vermieter wählen."),
])
def test_bad_flat_data_is_refused_on_its_field(unit, advisor, fields, field, message):
    error = refused(ValidationFailed, services.create_vacancy, unit, vacancy_data(unit, **fields), actor=advisor)

    assert error.fields == {field: [message]}


def test_a_deposit_of_exactly_three_net_rents_is_allowed(unit, advisor):
    vacancy = services.create_vacancy(unit, vacancy_data(unit, deposit="900"), actor=advisor)

    assert vacancy.deposit == D("900")


def test_a_rent_capped_flat_may_not_cost_more_than_the_cap_times_its_area(unit, advisor):
    error = refused(ValidationFailed, services.create_vacancy, unit,
                    vacancy_data(unit, rent_capped=True, net_cold_rent="362.51"), actor=advisor)
    assert field_messages(error) == {
        "net_cold_rent": ["Preisgebunden: höchstens 7,25 € je m² × 50,00 m² = 362,50 € netto kalt."]}

    vacancy = services.create_vacancy(unit, vacancy_data(unit, rent_capped=True, net_cold_rent="362.50"),
                                      actor=advisor)
    assert vacancy.rent_cap_per_m2 == D("7.25")  # the rule's figure when none is given


def test_a_rent_capped_flat_may_have_its_own_cap(unit, advisor):
    error = refused(ValidationFailed, services.create_vacancy, unit,
                    vacancy_data(unit, rent_capped=True, rent_cap_per_m2="5.10", net_cold_rent="255.01"),
                    actor=advisor)
    assert list(error.fields) == ["net_cold_rent"]

    vacancy = services.create_vacancy(unit, vacancy_data(unit, rent_capped=True, rent_cap_per_m2="5.10",
                                                         net_cold_rent="255"), actor=advisor)
    assert vacancy.rent_cap_per_m2 == D("5.10")


def test_the_rent_cap_message_uses_german_number_formats(unit, advisor):
    error = refused(ValidationFailed, services.create_vacancy, unit,
                    vacancy_data(unit, rent_capped=True, net_cold_rent="362.51"), actor=advisor)

    message = plain(error.fields["net_cold_rent"][0])
    assert "7,25 €" in message and "50,00 m²" in message and "362,50 €" in message
    assert "7.25" not in message and "362.50" not in message


def test_a_unit_is_on_offer_only_once_at_a_time(make_flat, advisor):
    flat = make_flat(area="50", net="300", charges="100")

    error = refused(Conflict, services.create_vacancy, flat.unit, vacancy_data(flat.unit), actor=advisor)

    assert error.message == "Diese Wohnung ist bereits im Angebot."


def test_offer_flat_finds_the_building_by_address_and_creates_unit_and_vacancy(make_flat, advisor):
    first = make_flat(area="50", net="300", charges="100", street="Leopoldstr.", label="EG")
    second = make_flat(area="70", net="450", charges="120", street="Leopoldstraße", label="1. OG")

    assert first.unit.property_id == second.unit.property_id
    assert first.unit.building.is_problem_case is False and first.unit.building.status is None
    assert (second.unit.label, second.unit.area_m2, second.status) == ("1. OG", D("70"), VacancyStatus.OPEN)
    assert refused(ValidationFailed, services.offer_flat, {"street": "X", "house_number": "1", "postcode": "44147",
                                                           "social_area": "hafen", "label": "EG"},
                   actor=advisor).fields == {"area_m2": ["Für ein Wohnungsangebot ist die Fläche nötig."]}


def test_a_let_flat_is_not_changed_any_more(tenant, advisor):
    flat = db.session.get(Vacancy, tenancy_of(tenant).vacancy_id)

    error = refused(Conflict, services.update_vacancy, flat, {"net_cold_rent": "200"}, actor=advisor)

    assert error.message == "Eine vermietete oder zurückgezogene Wohnung wird nicht mehr geändert."


def test_withdrawing_a_flat_cancels_its_open_offers(make_household, make_flat, advisor):
    household = make_household((1, 0))
    flat = make_flat(area="50", net="300", charges="100")
    offer = services.propose(household, flat, actor=advisor)

    services.update_vacancy(flat, {"status": "withdrawn", "reason": "Eigenbedarf"}, actor=advisor)

    assert flat.status == VacancyStatus.WITHDRAWN
    assert (offer.status, offer.decline_reason) == (OfferStatus.CANCELLED, "Eigenbedarf")
    assert household.status == ApplicantStatus.SEARCHING
    assert moves_of(household)[-1] == ("offer", "searching", "Angebot beendet: Eigenbedarf")


# --- offers -----------------------------------------------------------------------------------------------------


def test_proposing_keeps_the_rule_results_and_moves_the_household_to_offer(make_household, make_flat, advisor):
    household = make_household((1, 0))
    flat = make_flat(area="58", net="400", charges="150")  # too big by 3 m², 20 € above the KdU limit

    offer = services.propose(household, flat, actor=advisor)

    assert offer.status == OfferStatus.PROPOSED and offer.created_by_id == advisor.id
    assert [(r["rule"], r["passed"]) for r in offer.rule_snapshot] == [
        ("space", False), ("rent", False), ("wbs", True), ("access", True), ("area", True)]
    assert "550,00" in offer.rule_snapshot[1]["detail"]
    assert household.status == ApplicantStatus.OFFER
    assert moves_of(household)[-1] == ("searching", "offer", None)

    services.update_vacancy(flat, {"net_cold_rent": "300"}, actor=advisor)
    assert "550,00" in offer.rule_snapshot[1]["detail"]  # a snapshot, not today's view


def test_a_second_offer_keeps_the_household_in_offer(make_household, make_flat, advisor):
    household = make_household((1, 0))
    services.propose(household, make_flat(area="50", net="300", charges="100"), actor=advisor)
    services.propose(household, make_flat(area="50", net="300", charges="100"), actor=advisor)

    assert household.status == ApplicantStatus.OFFER
    assert [m[1] for m in moves_of(household)].count("offer") == 1


@pytest.mark.parametrize("status", ["let", "reserved", "withdrawn"])
def test_a_flat_that_is_not_open_cannot_be_offered(make_household, make_flat, advisor, status):
    household = make_household((1, 0))
    flat = make_flat(area="50", net="300", charges="100")
    flat.status = VacancyStatus(status)

    error = refused(Conflict, services.propose, household, flat, actor=advisor)

    assert error.message == f"Diese Wohnung ist nicht mehr frei ({VacancyStatus(status).label})."
    assert db.session.scalar(select(func.count(Offer.id))) == 0


def test_an_offer_for_a_flat_taken_by_another_household_is_refused(make_household, make_flat, advisor):
    first, second = make_household((1, 0)), make_household((1, 0))
    flat = make_flat(area="50", net="300", charges="100")
    services.transition_offer(services.propose(first, flat, actor=advisor), "accepted", actor=advisor)

    assert refused(Conflict, services.propose, second, flat, actor=advisor).message == \
        "Diese Wohnung ist nicht mehr frei (reserviert)."


def test_a_second_active_offer_of_the_same_household_for_the_same_flat_is_refused(make_household, make_flat,
                                                                                  advisor):
    household = make_household((1, 0))
    flat = make_flat(area="50", net="300", charges="100")
    first = services.propose(household, flat, actor=advisor)
    services.transition_offer(first, "viewing", actor=advisor)

    error = refused(Conflict, services.propose, household, flat, actor=advisor)

    assert error.message == "Dieser Haushalt hat für diese Wohnung schon ein laufendes Angebot."
    services.transition_offer(first, "declined", actor=advisor, reason="zu dunkel")
    assert services.propose(household, flat, actor=advisor).status == OfferStatus.PROPOSED  # a new try is fine


def test_an_offer_needs_a_searching_household(make_household, make_flat, advisor):
    household = make_household((1, 0), status="clearing")
    flat = make_flat(area="50", net="300", charges="100")

    error = refused(Conflict, services.propose, household, flat, actor=advisor)

    assert error.message == "Angebote gibt es für wohnungssuchende Haushalte (jetzt: Clearing)."


def test_an_offer_below_the_minimum_living_space_is_refused(make_household, make_flat, advisor):
    household = make_household((2, 1))
    flat = make_flat(area="29.99", net="300", charges="100")

    error = refused(Conflict, services.propose, household, flat, actor=advisor)

    assert error.message.startswith("Dieses Angebot ist nicht möglich: 29,99 m² für 3 Personen: mindestens 30 m²")
    assert list(error.fields) == ["vacancy_id"]
    assert household.status == ApplicantStatus.SEARCHING


def test_an_offer_with_a_wbs_expiring_before_the_flat_is_available_is_refused_with_the_explanation(
        make_household, make_flat, advisor):
    household = make_household((1, 0), wbs_valid_until=TODAY + timedelta(days=9), wbs_persons=1)
    flat = make_flat(area="50", net="300", charges="100", rent_capped=True, available_from=TODAY + timedelta(days=10))

    error = refused(Conflict, services.propose, household, flat, actor=advisor)

    explanation = "WBS für 1 Person, gültig bis 27.03.2026; nötig ab 28.03.2026 für 1 Person."
    assert plain(error.message) == f"Dieses Angebot ist nicht möglich: {explanation}"
    assert error.fields == {"vacancy_id": [explanation]}
    assert db.session.scalar(select(func.count(Offer.id))) == 0


def test_rent_access_and_area_failures_are_the_advisors_decision(make_household, make_flat, advisor):
    household = make_household((1, 0), step_free_needed=True, excluded_areas=["nordmarkt"])
    flat = make_flat(area="50", net="500", charges="100", floor=3)

    offer = services.propose(household, flat, actor=advisor)

    assert [r["rule"] for r in offer.rule_snapshot if not r["passed"]] == ["rent", "access", "area"]


@pytest.fixture
def two_offers(make_household, make_flat, advisor):
    """Two households proposed for one flat, and a third household's offer for another flat."""
    first, second = make_household((1, 0)), make_household((1, 0))
    flat = make_flat(area="50", net="380", charges="150")
    return (services.propose(first, flat, actor=advisor), services.propose(second, flat, actor=advisor), flat)


def test_accepting_an_offer_reserves_the_flat_and_cancels_the_other_open_offers_with_a_reason(two_offers, advisor):
    chosen, other, flat = two_offers
    services.transition_offer(other, "viewing", actor=advisor)

    services.transition_offer(chosen, "accepted", actor=advisor)

    assert chosen.status == OfferStatus.ACCEPTED
    assert flat.status == VacancyStatus.RESERVED
    assert (other.status, other.decline_reason) == (OfferStatus.CANCELLED, GIVEN_AWAY)
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "offer.transition", AuditEvent.object_id == str(other.id))) == 2


def test_households_whose_offer_was_cancelled_by_another_acceptance_return_to_searching(two_offers, advisor):
    chosen, other, flat = two_offers

    services.transition_offer(chosen, "accepted", actor=advisor)

    assert other.applicant.status == ApplicantStatus.SEARCHING
    assert moves_of(other.applicant)[-1] == ("offer", "searching", f"Angebot beendet: {GIVEN_AWAY}")
    assert chosen.applicant.status == ApplicantStatus.OFFER
    assert flat.status == VacancyStatus.RESERVED  # still held for the chosen household


def test_declining_needs_a_reason_and_returns_the_household_to_searching(two_offers, advisor):
    offer, _other, flat = two_offers

    error = refused(ValidationFailed, services.transition_offer, offer, "declined", actor=advisor, reason=" ")
    assert error.fields == {"reason": ["Bitte einen Grund angeben."]}
    assert offer.status == OfferStatus.PROPOSED

    services.transition_offer(offer, "declined", actor=advisor, reason="zu weit von der Schule")

    assert (offer.status, offer.decline_reason) == (OfferStatus.DECLINED, "zu weit von der Schule")
    assert offer.applicant.status == ApplicantStatus.SEARCHING
    assert moves_of(offer.applicant)[-1] == ("offer", "searching", "Angebot beendet: zu weit von der Schule")
    assert flat.status == VacancyStatus.OPEN


def test_declining_one_of_two_open_offers_keeps_the_household_in_offer(make_household, make_flat, advisor):
    household = make_household((1, 0))
    first = services.propose(household, make_flat(area="50", net="300", charges="100"), actor=advisor)
    services.propose(household, make_flat(area="50", net="300", charges="100"), actor=advisor)

    services.transition_offer(first, "declined", actor=advisor, reason="Schimmel im Bad")

    assert household.status == ApplicantStatus.OFFER


def test_cancelling_an_accepted_offer_opens_the_flat_again(two_offers, advisor):
    offer, _other, flat = two_offers
    services.transition_offer(offer, "accepted", actor=advisor)

    assert refused(ValidationFailed, services.transition_offer, offer, "cancelled", actor=advisor).fields == {
        "reason": ["Bitte einen Grund angeben."]}
    services.transition_offer(offer, "cancelled", actor=advisor, reason="Jobcenter lehnt ab")

    assert flat.status == VacancyStatus.OPEN
    assert offer.applicant.status == ApplicantStatus.SEARCHING


@pytest.mark.parametrize("path, target", [
    ((), "contract_signed"), ((), "approval_pending"), (("viewing",), "proposed"),
    (("accepted",), "declined"), (("declined",), "viewing"), (("cancelled",), "accepted"),
])
def test_illegal_offer_moves_are_refused(two_offers, advisor, path, target):
    offer = two_offers[0]
    for step in path:
        services.transition_offer(offer, step, actor=advisor, reason="Grund")
    before = offer.status

    error = refused((Conflict, ValidationFailed), services.transition_offer, offer, target, actor=advisor,
                    reason="Grund")

    assert offer.status == before
    if isinstance(error, Conflict):
        assert error.message == f"Von „{before.label}“ geht es nicht nach „{OfferStatus(target).label}“."


def test_an_unknown_offer_status_is_refused(two_offers, advisor):
    error = refused(ValidationFailed, services.transition_offer, two_offers[0], "signed", actor=advisor)

    assert error.fields == {"to": ["Unbekannter Status „signed“."]}


def test_a_viewing_gets_its_date(two_offers, advisor):
    first, second, _flat = two_offers

    services.transition_offer(first, "viewing", actor=advisor, viewing_on=TODAY + timedelta(days=3))
    services.transition_offer(second, "viewing", actor=advisor)

    assert (first.viewing_on, second.viewing_on) == (TODAY + timedelta(days=3), TODAY)


def test_waiting_for_the_jobcenter_moves_the_household_too(two_offers, advisor):
    offer = two_offers[0]
    services.transition_offer(offer, "accepted", actor=advisor)

    services.transition_offer(offer, "approval_pending", actor=advisor)

    assert offer.applicant.status == ApplicantStatus.APPROVAL_PENDING


def test_the_contract_starts_the_tenancy_with_six_months_of_aftercare_and_lets_the_flat(two_offers, advisor):
    offer, _other, flat = two_offers
    services.transition_offer(offer, "accepted", actor=advisor)
    services.transition_offer(offer, "approval_pending", actor=advisor)

    services.transition_offer(offer, "contract_signed", actor=advisor, starts_on=date(2026, 8, 31))

    tenancy = tenancy_of(offer.applicant)
    assert (tenancy.unit_id, tenancy.vacancy_id, tenancy.offer_id) == (flat.unit_id, flat.id, offer.id)
    assert (tenancy.starts_on, tenancy.aftercare_until) == (date(2026, 8, 31), date(2027, 2, 28))
    assert tenancy.net_cold_rent == D("380") and tenancy.ends_on is None
    assert flat.status == VacancyStatus.LET
    assert offer.status == OfferStatus.CONTRACT_SIGNED
    assert offer.applicant.status == ApplicantStatus.CONTRACT_SIGNED


def test_signing_a_contract_ends_the_households_other_open_offers(make_household, make_flat, advisor):
    household = make_household((1, 0))
    signed_flat, other_flat = make_flat(area="50", net="300", charges="100"), make_flat(area="50", net="300",
                                                                                         charges="100")
    signed = services.propose(household, signed_flat, actor=advisor)
    other = services.propose(household, other_flat, actor=advisor)

    accept_and_sign(signed, advisor)

    assert (other.status, other.decline_reason) == (OfferStatus.CANCELLED,
                                                    "Der Haushalt hat eine andere Wohnung gefunden.")
    assert other_flat.status == VacancyStatus.OPEN
    assert household.status == ApplicantStatus.CONTRACT_SIGNED
    assert refused(Conflict, services.transition_offer, other, "accepted", actor=advisor)


def test_a_signed_contract_frees_a_flat_the_household_had_accepted_elsewhere(make_household, make_flat, advisor):
    household = make_household((1, 0))
    signed_flat, held_flat = make_flat(area="50", net="300", charges="100"), make_flat(area="50", net="300",
                                                                                       charges="100")
    held = services.propose(household, held_flat, actor=advisor)
    services.transition_offer(held, "accepted", actor=advisor)
    assert held_flat.status == VacancyStatus.RESERVED

    accept_and_sign(services.propose(household, signed_flat, actor=advisor), advisor)

    assert held.status == OfferStatus.CANCELLED
    assert held_flat.status == VacancyStatus.OPEN
    assert signed_flat.status == VacancyStatus.LET


def test_a_contract_right_after_acceptance_passes_through_approval_pending(two_offers, advisor):
    offer, _other, flat = two_offers
    services.transition_offer(offer, "accepted", actor=advisor)

    services.transition_offer(offer, "contract_signed", actor=advisor)

    assert [m[1] for m in moves_of(offer.applicant)][-3:] == ["offer", "approval_pending", "contract_signed"]
    tenancy = tenancy_of(offer.applicant)
    assert (tenancy.starts_on, tenancy.aftercare_until) == (TODAY, date(2026, 9, 18))


def test_a_contract_for_a_flat_available_later_starts_on_that_day(make_household, make_flat, advisor):
    household = make_household((1, 0))
    flat = make_flat(area="50", net="300", charges="100", available_from=TODAY + timedelta(days=14))

    accept_and_sign(services.propose(household, flat, actor=advisor), advisor)

    assert tenancy_of(household).starts_on == TODAY + timedelta(days=14)


# --- aftercare ----------------------------------------------------------------------------------------------------


def test_the_first_aftercare_contact_moves_the_household_to_aftercare(tenant, advisor):
    tenancy = tenancy_of(tenant)

    contact = services.add_support_contact(tenancy, {"contact_on": TODAY, "kind": "home_visit",
                                                     "topics": ["authorities", "arrears"], "outcome": "Ummeldung"},
                                           actor=advisor)

    assert tenant.status == ApplicantStatus.AFTERCARE
    assert [m[1] for m in moves_of(tenant)][-2:] == ["moved_in", "aftercare"]
    assert contact.topics == ["authorities", "arrears"]
    assert contact.next_due_on == date(2026, 4, 18)  # a month later, inside the six months

    services.add_support_contact(tenancy, {"contact_on": TODAY, "kind": "phone"}, actor=advisor)
    assert [m[1] for m in moves_of(tenant)].count("aftercare") == 1


@pytest.mark.parametrize("fields, field, message", [
    ({"contact_on": TODAY + timedelta(days=1)}, "contact_on", "Das Datum darf nicht in der Zukunft liegen."),
    ({"contact_on": TODAY - timedelta(days=31)}, "contact_on", "Nachbetreuung beginnt mit dem Mietverhältnis."),
    ({"contact_on": None}, "contact_on", "Pflichtangabe fehlt."),
    ({"next_due_on": TODAY}, "next_due_on", "Der nächste Kontakt muss nach diesem liegen."),
    ({"kind": "letter"}, "kind", "Unbekannter Wert „letter“."),
    ({"topics": ["weather"]}, "topics", "Unbekannter Wert „weather“."),
])
def test_bad_aftercare_contacts_are_refused(tenant, advisor, fields, field, message):
    data = {"contact_on": TODAY, "kind": "phone", **fields}

    error = refused(ValidationFailed, services.add_support_contact, tenancy_of(tenant), data, actor=advisor)

    assert error.fields == {field: [message]}
    assert tenant.status == ApplicantStatus.CONTRACT_SIGNED


def test_no_next_contact_is_planned_beyond_the_six_months(tenant, advisor, frozen_clock):
    tenancy = tenancy_of(tenant)
    frozen_clock.move_to(NOW + timedelta(days=170))

    contact = services.add_support_contact(tenancy, {"contact_on": TODAY + timedelta(days=170), "kind": "phone"},
                                           actor=advisor)

    assert contact.next_due_on is None


def test_aftercare_is_due_two_weeks_after_the_start_then_as_planned(tenant, advisor):
    tenancy = tenancy_of(tenant)

    assert services.aftercare_due(advisor, TODAY) == []  # due on the 14th day, shown a week ahead
    assert services.aftercare_due(advisor, TODAY + timedelta(days=7)) == [(tenancy, TODAY + timedelta(days=14))]

    with time_machine.travel(NOW + timedelta(days=10), tick=False):
        services.add_support_contact(tenancy, {"contact_on": TODAY + timedelta(days=10), "kind": "phone",
                                               "next_due_on": TODAY + timedelta(days=40)}, actor=advisor)

    assert services.aftercare_due(advisor, TODAY + timedelta(days=32)) == []
    assert services.aftercare_due(advisor, TODAY + timedelta(days=33)) == [(tenancy, TODAY + timedelta(days=40))]


def test_aftercare_follows_the_latest_contact_and_of_one_day_the_last_recorded(tenant, advisor):
    tenancy = tenancy_of(tenant)
    for next_due_on in (TODAY + timedelta(days=3), None, TODAY + timedelta(days=30)):
        services.add_support_contact(tenancy, {"contact_on": TODAY, "kind": "phone", "next_due_on": next_due_on},
                                     actor=advisor)
        db.session.flush()
        shown = services.aftercare_due(advisor, TODAY)

        # the contact recorded last decides, also among contacts of the same day (as the reminder job's)
        assert shown == ([(tenancy, next_due_on)] if next_due_on and next_due_on <= TODAY + timedelta(days=7)
                         else [])
        assert services.aftercare_due_count(TODAY) == len(shown)


def test_aftercare_due_is_sorted_by_the_day_due_and_cut_to_the_limit(advisor, make_household, make_flat):
    """The start page shows the ten most urgent; the overview counts them all without reading a tenancy."""
    tenancies = []
    for n in range(5):
        household = make_household((1, 0))
        accept_and_sign(services.propose(household, make_flat(area="50", net="300", charges="100",
                                                              street=f"Heroldstraße {n}"), actor=advisor),
                        advisor, starts_on=TODAY - timedelta(days=30 + n))
        tenancies.append(tenancy_of(household))
    services.add_support_contact(tenancies[4], {"contact_on": TODAY, "kind": "phone",
                                                "next_due_on": TODAY + timedelta(days=2)}, actor=advisor)
    db.session.flush()

    due = services.aftercare_due(advisor, TODAY)

    assert due == [(tenancies[n], TODAY - timedelta(days=16 + n)) for n in (3, 2, 1, 0)] + [
        (tenancies[4], TODAY + timedelta(days=2))]
    assert services.aftercare_due(advisor, TODAY, limit=2) == due[:2]
    assert services.aftercare_due_count(TODAY) == 5


def test_aftercare_due_lists_only_the_advisors_own_running_tenancies(tenant, advisor, make_household, make_flat):
    colleague = UserFactory(roles=["tenant_advisor"])
    theirs = make_household((1, 0), by=colleague)
    accept_and_sign(services.propose(theirs, make_flat(area="50", net="300", charges="100"), actor=colleague),
                    colleague)
    ended = make_household((1, 0))
    accept_and_sign(services.propose(ended, make_flat(area="50", net="300", charges="100"), actor=advisor), advisor)
    tenancy_of(ended).ends_on = TODAY
    stabilised = make_household((1, 0))
    accept_and_sign(services.propose(stabilised, make_flat(area="50", net="300", charges="100"), actor=advisor),
                    advisor)
    services.add_support_contact(tenancy_of(stabilised), {"contact_on": TODAY, "kind": "phone"}, actor=advisor)
    services.transition_applicant(stabilised, "stabilised", actor=advisor)
    db.session.flush()
    later = TODAY + timedelta(days=60)

    mine = [t.applicant_id for t, _due in services.aftercare_due(advisor, later)]
    everyone = [t.applicant_id for t, _due in services.aftercare_due(advisor, later, everyone=True)]

    assert mine == [tenant.id]
    assert sorted(everyone) == sorted([tenant.id, theirs.id])


# --- landlord support -----------------------------------------------------------------------------------------------


def test_a_support_case_is_opened_for_a_tenancy_of_the_landlord_and_resolved_with_an_outcome(tenant, advisor):
    tenancy = tenancy_of(tenant)
    landlord = db.session.get(Vacancy, tenancy.vacancy_id).landlord

    case_ = services.open_support_case(landlord, {"kind": "arrears", "description": "zwei Mieten offen",
                                                  "tenancy_id": tenancy.id}, actor=advisor)
    assert (case_.opened_on, case_.tenancy_id, case_.resolved_on) == (TODAY, tenancy.id, None)

    error = refused(ValidationFailed, services.resolve_support_case, case_,
                    {"resolved_on": TODAY - timedelta(days=1), "outcome": ""}, actor=advisor)
    assert error.fields == {"resolved_on": ["Die Klärung kann nicht vor der Meldung liegen."],
                            "outcome": ["Bitte das Ergebnis festhalten."]}

    services.resolve_support_case(case_, {"outcome": "Ratenzahlung vereinbart"}, actor=advisor)
    assert (case_.resolved_on, case_.outcome) == (TODAY, "Ratenzahlung vereinbart")


def test_a_support_case_refuses_another_landlords_tenancy_and_a_missing_description(tenant, advisor):
    other = services.save_landlord(None, {"name": "Familie Brinkmann", "kind": "private"}, actor=advisor)

    error = refused(ValidationFailed, services.open_support_case, other,
                    {"kind": "conflict", "description": " ", "tenancy_id": tenancy_of(tenant).id}, actor=advisor)

    assert error.fields == {"description": ["Bitte kurz beschreiben, worum es geht."],
                            "tenancy_id": ["Dieses Mietverhältnis gehört nicht zu diesem Vermieter."]}
    assert db.session.scalar(select(func.count(LandlordSupportCase.id))) == 0


# --- renovated buildings on offer, and 'let' when every flat has a tenancy ---------------------------------------


def test_renovated_units_are_offered_by_the_buyer_at_the_planned_rent_and_rent_capped(advisor):
    prop = ready_building(advisor)

    created = services.offer_renovated_units(prop, {}, actor=advisor)

    assert sorted((v.unit.label, v.net_cold_rent) for v in created) == [("1. OG", D("420")), ("EG", D("300"))]
    eg = next(v for v in created if v.unit.label == "EG")
    assert (eg.service_charges, eg.heating_costs) == (D("110.00"), D("65.00"))  # 2.20 and 1.30 €/m²
    assert all(v.rent_capped and v.rent_cap_per_m2 == D("7.25") for v in created)
    assert {v.landlord.name for v in created} == {"Viertelwerk"}
    assert all(v.status == VacancyStatus.OPEN and v.available_from == TODAY for v in created)

    error = refused(Conflict, services.offer_renovated_units, prop, {}, actor=advisor)
    assert error.message == "Alle Wohnungen dieses Gebäudes sind bereits im Angebot oder vermietet."


def test_units_are_offered_only_from_a_building_ready_for_letting(advisor):
    prop = cases.create_property({"street": "Bornstraße", "house_number": "7", "postcode": "44145",
                                  "social_area": "borsigplatz"}, actor=advisor)

    error = refused(Conflict, services.offer_renovated_units, prop, {}, actor=advisor)

    assert error.message == "Wohnungen werden angeboten, wenn das Gebäude „vermietungsbereit“ ist."


def test_the_building_is_let_automatically_once_every_unit_has_a_tenancy(advisor, make_household):
    prop = ready_building(advisor)
    flats = services.offer_renovated_units(prop, {}, actor=advisor)
    wbs = {"wbs_valid_until": TODAY + timedelta(days=300), "wbs_persons": 2}

    accept_and_sign(services.propose(make_household((1, 0), **wbs), flats[0], actor=advisor), advisor)
    assert prop.status == CaseStatus.READY_FOR_LETTING
    error = refused(Conflict, cases.transition, prop, "let", actor=advisor)
    assert error.message == "Für „vermietet“ braucht jede Wohnung ein Mietverhältnis."

    accept_and_sign(services.propose(make_household((2, 0), **wbs), flats[1], actor=advisor), advisor)

    assert prop.status == CaseStatus.LET
    assert db.session.scalar(select(func.count(Tenancy.id)).join(Unit, Unit.id == Tenancy.unit_id)
                             .where(Unit.property_id == prop.id)) == 2


def test_a_renovated_flat_needs_a_wbs(advisor, make_household):
    prop = ready_building(advisor)
    flat = services.offer_renovated_units(prop, {}, actor=advisor)[0]
    household = make_household((1, 0))

    error = refused(Conflict, services.propose, household, flat, actor=advisor)

    assert "ein WBS liegt nicht vor" in error.message


# --- KdU versions -----------------------------------------------------------------------------------------------


def test_a_new_kdu_version_applies_from_its_day_and_keeps_the_older_one(advisor):
    switch = date(2026, 5, 1)
    rows = [{"persons": n, "max_gross_cold_rent": D(gross), "max_area_m2": D(area)}
            for n, gross, area in [(1, "561", "50"), (2, "690", "65")]]

    limits = add_kdu_version(switch, rows, actor=advisor, note="Jobcenter, Mai 2026")

    assert [(k.persons, k.max_gross_cold_rent) for k in limits] == [(1, D("561")), (2, D("690"))]
    assert kdu_table(switch - timedelta(days=1))[1].max_gross_cold_rent == D("530")
    assert kdu_table(switch)[1].max_gross_cold_rent == D("561")
    assert kdu_table(switch)[3].max_gross_cold_rent == D("800")  # sizes not in the new table keep the old limit
    assert kdu_table(date(2023, 7, 31)) == {}


def test_a_second_kdu_version_on_the_same_day_is_refused(advisor):
    rows = [{"persons": 1, "max_gross_cold_rent": "561", "max_area_m2": "50"}]
    add_kdu_version(date(2026, 5, 1), rows, actor=advisor)

    error = refused(Conflict, add_kdu_version, date(2026, 5, 1), rows, actor=advisor)
    assert error.fields == {"valid_from": ["Für diesen Tag gibt es schon eine Tabelle."]}
    assert refused(Conflict, add_kdu_version, date(2023, 8, 1), rows, actor=advisor).fields == {
        "valid_from": ["Für diesen Tag gibt es schon eine Tabelle."]}


@pytest.mark.parametrize("rows, field, message", [
    ([{"persons": 1, "max_gross_cold_rent": "0", "max_area_m2": "50"}], "rows-0-max_gross_cold_rent",
     "Bitte einen Betrag über 0 angeben."),
    ([{"persons": 1, "max_gross_cold_rent": "500", "max_area_m2": ""}], "rows-0-max_area_m2",
     "Bitte eine Fläche über 0 angeben."),
    ([{"persons": None, "max_gross_cold_rent": "500", "max_area_m2": "50"}], "rows-0-persons",
     "Bitte die Haushaltsgröße angeben."),
    ([{"persons": 1, "max_gross_cold_rent": "", "max_area_m2": ""}], "rows-0-max_gross_cold_rent",
     "Bitte mindestens eine Zeile ausfüllen."),
    ([{"persons": 2, "max_gross_cold_rent": "600", "max_area_m2": "65"},
      {"persons": 2, "max_gross_cold_rent": "700", "max_area_m2": "70"}], "rows-0-persons",
     "Jede Haushaltsgröße nur einmal."),
])
def test_a_kdu_table_with_bad_rows_is_refused(advisor, rows, field, message):
    error = refused(ValidationFailed, add_kdu_version, date(2026, 5, 1), rows, actor=advisor)

    assert error.fields[field] == [message]


def test_kdu_limits_beyond_the_table_grow_by_15_m2_per_person_and_keep_the_largest_rent():
    seven, nine = kdu_for(7, TODAY), kdu_for(9, TODAY)

    assert (seven.max_area_m2, seven.max_gross_cold_rent, seven.extrapolated) == (D("140"), D("1300"), True)
    assert nine.max_area_m2 == D("170")
    assert kdu_for(1, TODAY).extrapolated is False
