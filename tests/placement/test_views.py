"""The advisor's pages: caseload, household with explained flats, status and consents, flats with candidates and
tenant mix, offers, tenancies and aftercare, landlords and support cases, the new-flat form, the overview; who
may see what; the KdU admin page; list pages whose query count does not grow with their rows."""

import html
import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from housing.extensions import db
from housing.placement import services
from housing.placement.models import (
    Applicant,
    ApplicantStatus,
    Consent,
    LandlordSupportCase,
    Offer,
    OfferStatus,
    SupportContact,
    Tenancy,
    Vacancy,
    VacancyStatus,
)
from housing.properties.models import Property, Unit
from housing.rules.models import KduLimit

from ..factories import UserFactory
from .conftest import TODAY, accept_and_sign, flashes, fresh, page_text, ready_building

D = Decimal


@pytest.fixture
def advisor(advisor_client):
    """The logged-in advisor: the households made here are in their caseload."""
    return advisor_client.user


@pytest.fixture
def web(advisor_client):
    return advisor_client


def household_ids(response) -> list[int]:
    return [int(i) for i in re.findall(r'href="/placement/households/(\d+)"', response.get_data(as_text=True))]


def flat_ids(response) -> list[int]:
    return [int(i) for i in re.findall(r'href="/placement/flats/(\d+)"', response.get_data(as_text=True))]


def section(response, element_id) -> str:
    """The text of the <section id=...> of a page."""
    match = re.search(rf'<section class="card" id="{element_id}">(.*?)</section>', page_text(response), flags=re.S)
    assert match, f"no section {element_id}"
    return match.group(1)


def proposed_ids(text: str) -> list[int]:
    """The applicant ids behind the 'Vorschlagen' buttons of a candidate list."""
    return [int(i) for i in re.findall(r'name="applicant_id" value="(\d+)"', text)]


def tenancy_of(applicant_id) -> Tenancy:
    return db.session.scalar(select(Tenancy).where(Tenancy.applicant_id == applicant_id))


def field_errors(response) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'<p class="field__error">(.*?)</p>', response.get_data(as_text=True))]


# --- caseload -----------------------------------------------------------------------------------------------------


def test_the_caseload_lists_the_advisors_households_most_urgent_and_longest_waiting_first(web, make_household):
    normal_old = make_household((1, 0), registered_on=TODAY - timedelta(days=300))
    emergency = make_household((2, 1), urgency="emergency", registered_on=TODAY - timedelta(days=3))
    high = make_household((1, 0), urgency="high", registered_on=TODAY - timedelta(days=50), interpreter_needed=True)
    colleagues = make_household((1, 0), by=UserFactory(roles=["tenant_advisor"]), last_name="Kollegenfall")

    response = web.get("/placement/households")

    assert response.status_code == 200
    assert household_ids(response) == [emergency.id, high.id, normal_old.id]
    text = page_text(response)
    assert "Kollegenfall" not in text and "Dolmetschung" in text and "(300 Tage)" in text
    everyone = web.get("/placement/households?all=1")
    assert household_ids(everyone) == [emergency.id, high.id, normal_old.id, colleagues.id]


def test_the_list_counts_the_wait_only_while_a_household_looks_for_a_flat(web, make_household, make_flat, advisor):
    searching = make_household((1, 0), last_name="Suchend", registered_on=TODAY - timedelta(days=1))
    housed = make_household((1, 0), last_name="Eingezogen", registered_on=TODAY - timedelta(days=329))
    accept_and_sign(services.propose(housed, make_flat(area="50", net="300", charges="100"), actor=advisor),
                    advisor)

    rows = {name: cell for name, cell in re.findall(
        r'<strong>(\w+), [^<]*</strong>.*?<td class="nowrap">(.*?)</td>', page_text(web.get("/placement/households")),
        flags=re.S)}

    assert searching.status == ApplicantStatus.SEARCHING and "(1 Tag)" in rows["Suchend"]
    assert housed.status == ApplicantStatus.CONTRACT_SIGNED and "Tag" not in rows["Eingezogen"]


def test_each_advisor_sees_their_own_caseload_on_every_page_of_the_list(web, role_client, make_household):
    colleague = role_client("tenant_advisor")
    mine = [make_household((1, 0), registered_on=TODAY - timedelta(days=n)) for n in range(1, 53)]
    theirs = make_household((1, 0), by=colleague.user, last_name="Kollegenfall")

    first = web.get("/placement/households")
    more = re.search(r'href="(/placement/households\?after=[^"]+)"', first.get_data(as_text=True)).group(1)
    assert household_ids(first) + household_ids(web.get(html.unescape(more))) == [h.id for h in reversed(mine)]
    assert household_ids(colleague.get("/placement/households")) == [theirs.id]  # the same statement, bound anew
    assert household_ids(colleague.get("/placement/households?status=searching")) == [theirs.id]
    assert theirs.id not in household_ids(web.get("/placement/households?status=searching"))


def test_the_caseload_filters_by_status(web, make_household):
    searching = make_household((1, 0))
    clearing = make_household((1, 0), status="clearing")

    assert household_ids(web.get("/placement/households?status=clearing")) == [clearing.id]
    assert household_ids(web.get("/placement/households?status=searching")) == [searching.id]


def test_a_new_household_is_registered_through_the_form(web, advisor):
    response = web.post("/placement/households/new", data={
        "first_name": "Ştefana", "last_name": "Ţurcanu", "adults": "2", "children": "1", "urgency": "high",
        "housing_situation": "overcrowded", "income_source": "sgb2", "monthly_income": "1.234,50",
        "languages": "Rumänisch, Deutsch", "preferred_areas": ["nordmarkt", "hafen"], "registered_on": "2026-03-01"})

    applicant = db.session.scalar(select(Applicant).where(Applicant.last_name == "Ţurcanu"))
    assert response.status_code == 302 and response.location.endswith(f"/placement/households/{applicant.id}")
    assert (applicant.adults, applicant.children, applicant.urgency.value, applicant.advisor_id) == (2, 1, "high",
                                                                                                    advisor.id)
    assert applicant.monthly_income == D("1234.50")
    assert sorted(a.slug for a in applicant.preferred_areas) == ["hafen", "nordmarkt"]
    assert "Der Haushalt Ştefana Ţurcanu ist aufgenommen." in flashes(web.get(response.location))


def test_the_household_form_shows_the_services_refusal_on_its_field(web):
    response = web.post("/placement/households/new", data={"first_name": "A", "last_name": "B", "adults": "0",
                                                           "children": "0", "urgency": "normal"})

    assert response.status_code == 200
    assert "Ein Haushalt hat mindestens eine Person." in page_text(response)
    assert db.session.scalar(select(func.count(Applicant.id))) == 0


def test_a_household_is_edited_through_the_form_with_its_version(web, make_household):
    household = make_household((1, 0), preferred_areas=["hafen"])
    url = f"/placement/households/{household.id}/edit"
    form = page_text(web.get(url))
    assert 'value="Ionuț"' in form and f'name="version" type="hidden" value="{household.version}"' in form

    saved = web.post(url, data={"first_name": "Ionuț", "last_name": "Ştefan", "adults": "2", "children": "2",
                                "urgency": "emergency", "income_source": "sgb2", "housing_situation": "homeless",
                                "preferred_areas": ["nordmarkt"], "excluded_areas": ["hafen"],
                                "registered_on": "2026-01-17", "version": str(household.version)})
    stale = web.post(url, data={"first_name": "Ionuț", "last_name": "Ştefan", "adults": "1", "urgency": "normal",
                                "version": str(household.version)})

    assert saved.status_code == 302 and saved.location.endswith(f"/placement/households/{household.id}")
    applicant = fresh(Applicant, household.id)
    assert (applicant.persons, applicant.urgency.value, applicant.housing_situation.value) == (4, "emergency",
                                                                                              "homeless")
    assert ([a.slug for a in applicant.preferred_areas], [a.slug for a in applicant.excluded_areas]) == (
        ["nordmarkt"], ["hafen"])
    assert stale.status_code == 200 and "inzwischen von jemand anderem geändert" in page_text(stale)
    assert fresh(Applicant, household.id).persons == 4


# --- the household page: explained flats, near misses, proposing --------------------------------------------------


def test_the_household_page_explains_each_fitting_flat_with_its_values(web, make_household, make_flat):
    household = make_household((1, 0))
    fits = make_flat(area="50", net="380", charges="150")
    too_dear = make_flat(area="50", net="380.01", charges="150")

    response = web.get(f"/placement/households/{household.id}")

    assert response.status_code == 200
    matches = section(response, "matching")
    assert flat_ids_in(matches) == [fits.id]
    assert "KdU-Grenze für 1 Person: 530,00 €" in matches
    assert "50 m² für 1 Person: mindestens 10 m²" in matches
    assert "Vorschlagen" in matches and "eine Regel nicht erfüllt" not in matches
    assert too_dear.id not in flat_ids_in(matches)


def flat_ids_in(text: str) -> list[int]:
    return [int(i) for i in re.findall(r'href="/placement/flats/(\d+)"', text)]


def test_the_near_miss_toggle_adds_flats_failing_one_rule_without_a_propose_button(web, make_household, make_flat):
    household = make_household((1, 0))
    fits = make_flat(area="50", net="380", charges="150")
    too_dear = make_flat(area="50", net="380.01", charges="150")

    strict = section(web.get(f"/placement/households/{household.id}"), "matching")
    near = section(web.get(f"/placement/households/{household.id}?near=1"), "matching")

    assert f'href="/placement/households/{household.id}?near=1"' in strict
    assert flat_ids_in(near) == [fits.id, too_dear.id]
    assert near.count("eine Regel nicht erfüllt") == 1
    assert near.count("Vorschlagen") == 1
    assert "Bruttokaltmiete 530,01 €" in near
    assert f'action="/placement/flats/{too_dear.id}/offers"' not in near


def test_the_household_page_names_its_wished_and_excluded_areas_in_the_order_of_their_ids(web, make_household):
    from housing.properties.models import SocialArea

    areas = db.session.scalars(select(SocialArea).order_by(SocialArea.id)).all()
    wished, excluded = [areas[2], areas[0]], [areas[1]]
    household = make_household((1, 0), preferred_areas=[area.slug for area in wished],
                               excluded_areas=[area.slug for area in excluded])
    other = make_household((1, 0))

    text = page_text(web.get(f"/placement/households/{household.id}"))
    assert f"<dt>Wunschgebiete</dt><dd>{areas[0].name}, {areas[2].name}</dd>" in text
    assert f"<dt>Ausgeschlossen</dt><dd>{areas[1].name}</dd>" in text
    text = page_text(web.get(f"/placement/households/{other.id}"))
    assert "<dt>Wunschgebiete</dt><dd>–</dd>" in text and "<dt>Ausgeschlossen</dt><dd>–</dd>" in text


def test_a_household_that_is_not_searching_gets_no_flat_list(web, make_household, make_flat):
    household = make_household((1, 0), status="clearing")
    make_flat(area="50", net="300", charges="100")

    response = web.get(f"/placement/households/{household.id}")

    assert response.status_code == 200
    assert 'id="matching"' not in response.get_data(as_text=True)


def test_the_propose_button_creates_an_offer_and_opens_it(web, make_household, make_flat):
    household = make_household((1, 0))
    flat = make_flat(area="50", net="380", charges="150")

    response = web.post(f"/placement/flats/{flat.id}/offers", data={"applicant_id": household.id})

    offer = db.session.scalar(select(Offer).where(Offer.applicant_id == household.id))
    assert response.status_code == 302 and response.location.endswith(f"/placement/offers/{offer.id}")
    assert (offer.vacancy_id, offer.status) == (flat.id, OfferStatus.PROPOSED)
    assert fresh(Applicant, household.id).status == ApplicantStatus.OFFER
    page = web.get(response.location)
    assert "Ionuț Ştefan ist für die Wohnung vorgeschlagen." in flashes(page)
    assert "KdU-Grenze für 1 Person: 530,00 €" in page_text(page)  # the rules as they were


def test_a_refused_proposal_is_flashed_and_creates_nothing(web, make_household, make_flat):
    household = make_household((2, 1))
    flat = make_flat(area="25", net="300", charges="100")

    response = web.post(f"/placement/flats/{flat.id}/offers", data={"applicant_id": household.id},
                        follow_redirects=True)

    assert any(m.startswith("Dieses Angebot ist nicht möglich: 25 m² für 3 Personen") for m in flashes(response))
    assert db.session.scalar(select(func.count(Offer.id))) == 0


def test_proposing_an_unknown_household_is_404(web, make_flat):
    flat = make_flat(area="50", net="300", charges="100")

    assert web.post(f"/placement/flats/{flat.id}/offers", data={"applicant_id": "999999"}).status_code == 404


# --- status and consents ---------------------------------------------------------------------------------------------


def test_the_status_form_moves_the_household_and_refuses_with_the_reason_why(web, make_household):
    household = make_household((1, 0))
    url = f"/placement/households/{household.id}/status"

    page = web.get(f"/placement/households/{household.id}")
    assert 'value="withdrawn"' in page.get_data(as_text=True) and 'value="at_risk"' not in page.get_data(as_text=True)

    refused = web.post(url, data={"to": "withdrawn", "version": household.version})
    assert refused.status_code == 422
    assert field_errors(refused) == ["Bitte begründen Sie diesen Schritt."]  # at the reason, the choice kept
    assert '<option selected value="withdrawn">' in refused.get_data(as_text=True)
    assert fresh(Applicant, household.id).status == ApplicantStatus.SEARCHING

    moved = web.post(url, data={"to": "withdrawn", "reason": "zieht nach Köln", "version": household.version},
                     follow_redirects=True)
    assert "Neuer Stand: zurückgezogen." in flashes(moved)
    assert fresh(Applicant, household.id).status == ApplicantStatus.WITHDRAWN


def test_a_failed_guard_is_shown_in_german_at_the_choice(web, advisor):
    applicant = services.create_applicant({"first_name": "Vasile", "last_name": "Rusu", "adults": 1},
                                          actor=advisor)
    db.session.commit()

    response = web.post(f"/placement/households/{applicant.id}/status", data={"to": "registered"})

    assert response.status_code == 422
    assert field_errors(response) == ["Für „aufgenommen“ fehlt eine gültige Einwilligung zur Wohnraumvermittlung."]
    assert fresh(Applicant, applicant.id).status == ApplicantStatus.FIRST_CONTACT


def test_a_stale_status_form_is_refused(web, make_household):
    household = make_household((1, 0))

    response = web.post(f"/placement/households/{household.id}/status",
                        data={"to": "withdrawn", "reason": "x", "version": household.version - 1},
                        follow_redirects=True)

    assert any("inzwischen von jemand anderem geändert" in m for m in flashes(response))
    assert fresh(Applicant, household.id).status == ApplicantStatus.SEARCHING


def test_consents_are_added_and_revoked_on_the_household_page(web, advisor):
    applicant = services.create_applicant({"first_name": "Vasile", "last_name": "Rusu", "adults": 1},
                                          actor=advisor)
    db.session.commit()

    added = web.post(f"/placement/households/{applicant.id}/consents",
                     data={"purpose": "placement", "given_on": "2026-03-10", "expires_on": "2027-03-09"})
    assert added.status_code == 302 and added.location.endswith(f"/placement/households/{applicant.id}#consents")
    consent = db.session.scalar(select(Consent).where(Consent.applicant_id == applicant.id))
    assert (consent.purpose.value, str(consent.given_on), str(consent.expires_on)) == ("placement", "2026-03-10",
                                                                                        "2027-03-09")
    page = page_text(web.get(f"/placement/households/{applicant.id}"))
    assert "Wohnraumvermittlung" in page and "erteilt 10.03.2026" in page and "bis 09.03.2027" in page

    revoked = web.post(f"/placement/consents/{consent.id}/revoke", follow_redirects=True)
    assert "Die Einwilligung ist widerrufen." in flashes(revoked)
    assert fresh(Consent, consent.id).revoked_on == TODAY
    assert "widerrufen 18.03.2026" in page_text(revoked)


def test_a_consent_given_in_the_future_is_refused_on_the_page(web, advisor):
    applicant = services.create_applicant({"first_name": "Vasile", "last_name": "Rusu", "adults": 1},
                                          actor=advisor)
    db.session.commit()

    response = web.post(f"/placement/households/{applicant.id}/consents",
                        data={"purpose": "placement", "given_on": "2026-03-19", "expires_on": "2027-03-19"})

    assert response.status_code == 422
    assert "Das Datum darf nicht in der Zukunft liegen." in field_errors(response)
    page = response.get_data(as_text=True)
    assert 'value="2026-03-19"' in page and 'value="2027-03-19"' in page  # the dates typed stay
    assert db.session.scalar(select(func.count(Consent.id))) == 0


# --- the flat page: candidates and tenant mix ------------------------------------------------------------------------


def test_the_flat_page_lists_explained_candidates_and_the_tenant_mix(web, make_household, make_flat, advisor):
    tenant = make_household((2, 2))
    accept_and_sign(services.propose(tenant, make_flat(area="90", net="600", charges="200"), actor=advisor), advisor)
    urgent = make_household((1, 0), urgency="emergency")
    waiting = make_household((1, 0), registered_on=TODAY - timedelta(days=200))
    too_many = make_household((3, 3))
    flat = make_flat(area="50", net="380", charges="150")

    response = web.get(f"/placement/flats/{flat.id}")

    assert response.status_code == 200
    candidates = section(response, "candidates")
    assert proposed_ids(candidates) == [urgent.id, waiting.id]
    assert household_ids_in(candidates) == [urgent.id, waiting.id]
    assert too_many.id not in household_ids_in(candidates)
    assert "KdU-Grenze für 1 Person: 530,00 €" in candidates and "Notfall" in candidates
    text = page_text(response)
    assert "Mieterschaft im Haus" in text and "Familie mit Kindern: <strong>1</strong>" in text
    assert "380,00 € netto kalt + 150,00 € Nebenkosten = <strong>530,00 €</strong>" in text


def household_ids_in(text: str) -> list[int]:
    return [int(i) for i in re.findall(r'href="/placement/households/(\d+)"', text)]


def test_the_flat_page_near_miss_toggle_shows_households_failing_one_rule(web, make_household, make_flat):
    fits = make_household((1, 0))
    step_free = make_household((1, 0), step_free_needed=True, urgency="emergency")
    flat = make_flat(area="50", net="380", charges="150", floor=2)

    strict = section(web.get(f"/placement/flats/{flat.id}"), "candidates")
    near = section(web.get(f"/placement/flats/{flat.id}?near=1"), "candidates")

    assert household_ids_in(strict) == [fits.id]
    assert household_ids_in(near) == [fits.id, step_free.id]
    assert proposed_ids(near) == [fits.id]
    assert "Stufenloser Zugang nötig: Wohnung nicht stufenlos, 2. OG, ohne Aufzug." in near


def test_a_reserved_flat_shows_its_offers_but_no_candidates(web, make_household, make_flat, advisor):
    household = make_household((1, 0))
    flat = make_flat(area="50", net="380", charges="150")
    services.transition_offer(services.propose(household, flat, actor=advisor), "accepted", actor=advisor)

    response = web.get(f"/placement/flats/{flat.id}")

    assert response.status_code == 200
    assert 'id="candidates"' not in response.get_data(as_text=True)
    assert "Ştefan, Ionuț" in page_text(response) and "angenommen" in page_text(response)


# --- offers ------------------------------------------------------------------------------------------------------


def test_the_offer_page_walks_the_offer_to_the_contract_and_opens_the_tenancy(web, make_household, make_flat,
                                                                              advisor):
    household = make_household((1, 0))
    flat = make_flat(area="50", net="380", charges="150")
    offer = services.propose(household, flat, actor=advisor)
    db.session.commit()
    url = f"/placement/offers/{offer.id}"

    page = web.get(url)
    assert page.status_code == 200
    assert [v for v in re.findall(r'<option value="(\w+)"', page.get_data(as_text=True))] == [
        "viewing", "accepted", "declined", "cancelled"]

    assert web.post(url, data={"to": "viewing", "viewing_on": "2026-03-20"}).location.endswith(url)
    assert str(fresh(Offer, offer.id).viewing_on) == "2026-03-20"
    assert web.post(url, data={"to": "accepted"}).status_code == 302
    assert fresh(Vacancy, flat.id).status == VacancyStatus.RESERVED
    assert web.post(url, data={"to": "approval_pending"}).status_code == 302
    signed = web.post(url, data={"to": "contract_signed", "starts_on": "2026-04-01"})

    tenancy = tenancy_of(household.id)
    assert signed.status_code == 302 and signed.location.endswith(f"/placement/tenancies/{tenancy.id}")
    assert (str(tenancy.starts_on), str(tenancy.aftercare_until)) == ("2026-04-01", "2026-10-01")
    assert fresh(Vacancy, flat.id).status == VacancyStatus.LET
    assert fresh(Applicant, household.id).status == ApplicantStatus.CONTRACT_SIGNED
    assert "Neuer Stand des Angebots: Mietvertrag unterschrieben." in flashes(web.get(signed.location))
    assert "Dieses Angebot ist abgeschlossen." in page_text(web.get(url))


def test_declining_on_the_offer_page_needs_a_reason(web, make_household, make_flat, advisor):
    household = make_household((1, 0))
    offer = services.propose(household, make_flat(area="50", net="380", charges="150"), actor=advisor)
    db.session.commit()
    url = f"/placement/offers/{offer.id}"

    missing = web.post(url, data={"to": "declined"})
    assert missing.status_code == 200 and "Bitte einen Grund angeben." in page_text(missing)
    assert fresh(Offer, offer.id).status == OfferStatus.PROPOSED

    web.post(url, data={"to": "declined", "reason": "zu klein für Besuch"})
    assert (fresh(Offer, offer.id).status, fresh(Offer, offer.id).decline_reason) == (OfferStatus.DECLINED,
                                                                                      "zu klein für Besuch")
    assert fresh(Applicant, household.id).status == ApplicantStatus.SEARCHING
    assert "Grund: zu klein für Besuch" in page_text(web.get(url)).replace("</strong>", "")


def test_a_move_the_offer_does_not_allow_is_not_offered_as_a_choice(web, make_household, make_flat, advisor):
    household = make_household((1, 0))
    offer = services.propose(household, make_flat(area="50", net="380", charges="150"), actor=advisor)
    db.session.commit()

    response = web.post(f"/placement/offers/{offer.id}", data={"to": "contract_signed"})

    assert response.status_code == 200
    assert fresh(Offer, offer.id).status == OfferStatus.PROPOSED
    assert db.session.scalar(select(func.count(Tenancy.id))) == 0


# --- tenancies and aftercare ---------------------------------------------------------------------------------------


@pytest.fixture
def tenancy(make_household, make_flat, advisor):
    household = make_household((1, 0))
    accept_and_sign(services.propose(household, make_flat(area="50", net="380", charges="150"), actor=advisor),
                    advisor)
    db.session.commit()
    return tenancy_of(household.id)


def test_a_tenancy_yet_to_begin_reads_from_not_since(web, make_household, make_flat, advisor):
    household = make_household((1, 0))
    accept_and_sign(services.propose(household, make_flat(area="50", net="380", charges="150"), actor=advisor),
                    advisor, starts_on=TODAY + timedelta(days=24))
    db.session.commit()

    page = page_text(web.get(f"/placement/tenancies/{tenancy_of(household.id).id}"))

    assert "ab 11.04.2026" in page and "seit 11.04.2026" not in page


def test_an_aftercare_contact_on_the_tenancy_page_moves_the_household_to_aftercare(web, tenancy):
    url = f"/placement/tenancies/{tenancy.id}"
    page = page_text(web.get(url))
    assert "Nachbetreuung bis 18.09.2026" in page and "Noch kein Kontakt." in page

    response = web.post(url, data={"contact_on": "2026-03-18", "kind": "home_visit",
                                   "topics": ["authorities", "neighbours"], "outcome": "Ummeldung erledigt"})

    assert response.status_code == 302 and response.location.endswith(url)
    contact = db.session.scalar(select(SupportContact).where(SupportContact.tenancy_id == tenancy.id))
    assert (contact.kind.value, contact.topics, str(contact.next_due_on)) == (
        "home_visit", ["authorities", "neighbours"], "2026-04-18")
    assert fresh(Applicant, tenancy.applicant_id).status == ApplicantStatus.AFTERCARE
    page = page_text(web.get(url))
    assert "Behörden, Nachbarschaft" in page and "Ummeldung erledigt" in page and "18.04.2026" in page


def test_an_aftercare_contact_in_the_future_is_refused_on_its_field(web, tenancy):
    response = web.post(f"/placement/tenancies/{tenancy.id}", data={"contact_on": "2026-03-19", "kind": "phone"})

    assert response.status_code == 200
    assert "Das Datum darf nicht in der Zukunft liegen." in page_text(response)
    assert db.session.scalar(select(func.count(SupportContact.id))) == 0


def test_the_advisors_start_page_lists_aftercare_due(web, make_household, make_flat, advisor):
    household = make_household((1, 0), first_name="Radka")
    accept_and_sign(services.propose(household, make_flat(area="50", net="380", charges="150"), actor=advisor),
                    advisor, starts_on=TODAY - timedelta(days=10))  # first visit due in four days
    db.session.commit()

    response = web.get("/")

    assert response.status_code == 200
    assert "Nachbetreuung: Radka Ştefan" in page_text(response)
    assert f'href="/placement/tenancies/{tenancy_of(household.id).id}"' in response.get_data(as_text=True)


# --- landlords and support cases ---------------------------------------------------------------------------------


def test_a_support_case_is_opened_and_resolved_on_the_landlord_page(web, tenancy):
    landlord_id = db.session.get(Vacancy, tenancy.vacancy_id).landlord_id
    url = f"/placement/landlords/{landlord_id}"
    page = page_text(web.get(url))
    assert "DOGEWO21" in page and "Keine Fälle." in page and "Leopoldstraße 15" in page

    opened = web.post(url, data={"kind": "arrears", "opened_on": "2026-03-17", "tenancy_id": str(tenancy.id),
                                 "description": "Zwei Monatsmieten offen"})
    assert opened.status_code == 302
    case_ = db.session.scalar(select(LandlordSupportCase))
    assert (case_.kind.value, str(case_.opened_on), case_.tenancy_id) == ("arrears", "2026-03-17", tenancy.id)
    assert "Der Unterstützungsfall ist angelegt." in flashes(web.get(opened.location))

    resolved = web.post(f"/placement/support-cases/{case_.id}/resolve",
                        data={"resolved_on": "2026-03-18", "outcome": "Ratenzahlung vereinbart"},
                        follow_redirects=True)
    assert "Der Fall ist geklärt." in flashes(resolved)
    assert "geklärt 18.03.2026" in page_text(resolved) and "Ratenzahlung vereinbart" in page_text(resolved)
    assert str(fresh(LandlordSupportCase, case_.id).resolved_on) == "2026-03-18"


def test_resolving_without_an_outcome_is_refused(web, tenancy):
    landlord_id = db.session.get(Vacancy, tenancy.vacancy_id).landlord_id
    case_ = services.open_support_case(db.session.get(Vacancy, tenancy.vacancy_id).landlord,
                                       {"kind": "damage", "description": "Wasserschaden"}, actor=UserFactory())
    db.session.commit()

    response = web.post(f"/placement/support-cases/{case_.id}/resolve", data={"resolved_on": "2026-03-18"},
                        follow_redirects=True)

    assert "Bitte Datum und Ergebnis angeben." in flashes(response)
    assert fresh(LandlordSupportCase, case_.id).resolved_on is None
    assert response.request.path == f"/placement/landlords/{landlord_id}"


def test_a_landlord_is_added_through_the_form(web):
    response = web.post("/placement/landlords/new", data={"name": "Vonovia Dortmund Nord", "kind": "company",
                                                          "cooperation_since": "2025-01-15"})

    assert response.status_code == 302
    assert "Vonovia Dortmund Nord" in page_text(web.get("/placement/landlords"))


# --- the new-flat form ----------------------------------------------------------------------------------------------


def test_the_new_flat_form_creates_building_unit_and_vacancy(web, make_flat):
    landlord_id = make_flat(area="50", net="300", charges="100").landlord_id
    response = web.post("/placement/flats/new", data={
        "landlord_id": str(landlord_id), "street": "Schleswiger Straße", "house_number": "12", "postcode": "44145",
        "social_area": "borsigplatz", "label": "2. OG rechts", "floor": "2", "area_m2": "68,5", "rooms": "3",
        "lift": "y", "available_from": "2026-04-01", "net_cold_rent": "430,00", "service_charges": "160",
        "heating_costs": "90", "deposit": "1.290,00"})

    vacancy = db.session.scalar(select(Vacancy).order_by(Vacancy.id.desc()))
    assert response.status_code == 302 and response.location.endswith(f"/placement/flats/{vacancy.id}")
    unit = db.session.get(Unit, vacancy.unit_id)
    prop = db.session.get(Property, unit.property_id)
    assert (prop.street, prop.house_number, prop.social_area.slug, prop.is_problem_case) == (
        "Schleswiger Straße", "12", "borsigplatz", False)
    assert (unit.label, unit.floor, unit.area_m2, unit.lift, unit.step_free) == ("2. OG rechts", 2, D("68.5"),
                                                                                 True, False)
    assert (vacancy.net_cold_rent, vacancy.deposit, str(vacancy.available_from)) == (D("430"), D("1290"),
                                                                                     "2026-04-01")
    assert "Die Wohnung ist im Angebot." in flashes(web.get(response.location))


def test_the_new_flat_form_shows_refusals_on_the_fields_and_creates_nothing(web, make_flat):
    landlord_id = make_flat(area="50", net="300", charges="100").landlord_id
    buildings = db.session.scalar(select(func.count(Property.id)))

    response = web.post("/placement/flats/new", data={
        "landlord_id": str(landlord_id), "street": "Schleswiger Straße", "house_number": "12", "postcode": "44145",
        "social_area": "borsigplatz", "label": "EG", "area_m2": "50", "available_from": "2026-04-01",
        "net_cold_rent": "400", "deposit": "1500", "rent_capped": "y"})

    assert response.status_code == 200
    text = page_text(response)
    assert "Die Kaution darf höchstens drei Nettokaltmieten betragen (§ 551 BGB)." in text
    assert "Preisgebunden: höchstens" in text
    assert db.session.scalar(select(func.count(Property.id))) == buildings  # all or nothing


# --- the overview: aggregates only ----------------------------------------------------------------------------------


def test_the_overview_shows_the_figures_and_hides_small_counts(management_client, make_household, make_flat,
                                                               advisor):
    for _ in range(3):
        household = make_household((1, 0))
        accept_and_sign(services.propose(household, make_flat(area="50", net="300", charges="100"), actor=advisor),
                        advisor)
    hafen_household = make_household((1, 0))
    accept_and_sign(services.propose(hafen_household, make_flat(area="50", net="300", charges="100",
                                                                street="Westerbleichstraße", social_area="hafen"),
                                     actor=advisor), advisor)
    for _ in range(2):
        make_household((1, 0))
    make_flat(area="50", net="300", charges="100", street="Burgholzstraße", social_area="borsigplatz")
    make_flat(area="60", net="300", charges="100", street="Burgholzstraße", social_area="borsigplatz")

    response = management_client.get("/placement/overview")

    assert response.status_code == 200
    text = page_text(response)
    stats = dict(re.findall(r'<h2>([^<]+)</h2><p class="stat__value">(\d+)</p>', text))
    assert stats == {"Wohnungssuchend": "2", "Freie Wohnungen": "2", "Nachbetreuung fällig": "0",
                     "Stabilisiert": "0", "Gefährdet": "0"}
    by_area = dict((name, (placed, free)) for name, placed, free in re.findall(
        r'<tr><td>([A-Za-zä ]+)</td><td class="num">(.+?)</td><td class="num">(\d+)</td></tr>', text))
    assert by_area == {"Nordmarkt": ("3", "0"), "Hafen": ("< 3", "0"), "Borsigplatz": ("0", "2")}
    assert "03/2026" in text
    assert "Ionuț" not in text and "Ştefan" not in text


def test_the_overview_counts_placements_of_the_month(advisor_client, make_household, make_flat, advisor):
    household = make_household((1, 0))
    accept_and_sign(services.propose(household, make_flat(area="50", net="300", charges="100"), actor=advisor),
                    advisor)

    text = page_text(advisor_client.get("/placement/overview"))

    # one contract: neither its count nor its days to the contract (the median of one) is told exactly
    assert re.search(r'<tr><td>03/2026</td><td class="num">< 3</td><td class="num">–</td></tr>', text)


def test_the_overview_counts_no_tenancy_that_has_yet_to_begin(advisor_client, make_household, make_flat, advisor):
    for starts_on in (TODAY, TODAY, TODAY, TODAY + relativedelta(months=1)):
        household = make_household((1, 0))
        accept_and_sign(services.propose(household, make_flat(area="50", net="300", charges="100"), actor=advisor),
                        advisor, starts_on=starts_on)

    text = page_text(advisor_client.get("/placement/overview"))

    assert re.search(r'<tr><td>03/2026</td><td class="num">3</td><td class="num">60</td></tr>', text)
    assert re.search(r'<tr><td>Nordmarkt</td><td class="num">3</td>', text)  # not 4: one begins next month


@pytest.mark.parametrize(("counts", "printed"), [
    ({"a": 1, "b": 4, "c": 7}, {"a": "< 3", "b": "x", "c": "7"}),  # 12 - 7 - 4 would give the 1 away
    ({"a": 1, "b": 2, "c": 5}, {"a": "< 3", "b": "< 3", "c": "5"}),  # 1 + 2 = 3: which is which stays open
    ({"a": 5, "b": 3, "c": 0}, {"a": "5", "b": "3", "c": "0"}),
    ({"a": 2}, {"a": "< 3"}),
])
def test_a_breakdown_hides_a_second_cell_where_the_total_would_give_a_small_one_away(counts, printed):
    from housing.placement.overview import shown_breakdown

    assert shown_breakdown(counts) == printed


def test_the_overview_gives_each_months_median_days_to_the_contract_as_python_would(advisor, make_household,
                                                                                     make_flat):
    """The medians are picked in SQL (the middle one or two of each month): odd and even months, a contract recorded
    just before midnight UTC, months without a placement."""
    from statistics import median

    from housing.placement import overview

    plan = [(0, 30, "09:00"), (0, 41, "23:59"), (0, 12, "00:00"),  # this month: three, the middle one
            (1, 100, "10:00"), (1, 7, "12:00"),  # last month: two, their mean (rounded down)
            (2, 55, "08:00"), (2, 56, "08:00"), (2, 3, "20:00"), (2, 200, "06:00"),  # four
            (11, 1, "07:00")]
    for n, (months_ago, waited, time_of_day) in enumerate(plan):
        starts_on = TODAY.replace(day=1 + n % 3) - relativedelta(months=months_ago)
        recorded = datetime.combine(starts_on - timedelta(days=3), time.fromisoformat(time_of_day), UTC)
        household = make_household((1, 0), registered_on=recorded.date() - timedelta(days=waited))
        accept_and_sign(services.propose(household, make_flat(area="50", net="300", charges="100",
                                                              street=f"Heroldstraße {n}"), actor=advisor),
                        advisor, starts_on=starts_on)
        tenancy_of(household.id).created_at = recorded
    db.session.commit()
    expected: dict[date, list[int]] = {}
    for tenancy in db.session.scalars(select(Tenancy)):
        expected.setdefault(tenancy.starts_on.replace(day=1), []).append(
            (tenancy.created_at.date() - tenancy.applicant.registered_on).days)

    figures = overview.figures(TODAY)

    assert figures.days_to_contract == {month: int(median(days)) for month, days in expected.items()}
    assert figures.placements == {month: len(days) for month, days in expected.items()}
    assert sorted(figures.placements.values()) == [1, 2, 3, 4]
    assert figures.placements_by_area == {figures_area_id(): 10}


def figures_area_id() -> int:
    return db.session.scalar(select(Property.social_area_id).limit(1))


# --- access --------------------------------------------------------------------------------------------------------


@pytest.fixture
def renovated_flat(advisor):
    prop = ready_building(advisor, units=(("EG", "50", "300"),))
    flat = services.offer_renovated_units(prop, {}, actor=advisor)[0]
    db.session.commit()
    return flat


def test_housing_officers_see_the_flats_of_acquired_buildings_but_not_landlords_flats(officer_client, make_flat,
                                                                                      renovated_flat, make_household):
    landlords_flat = make_flat(area="50", net="300", charges="100")
    make_household((1, 0), wbs_valid_until=TODAY + timedelta(days=100), wbs_persons=1)

    listing = officer_client.get("/placement/flats")
    assert listing.status_code == 200
    assert flat_ids(listing) == [renovated_flat.id]
    assert "Wohnung anbieten" not in page_text(listing)

    page = officer_client.get(f"/placement/flats/{renovated_flat.id}")
    assert page.status_code == 200
    assert 'id="candidates"' not in page.get_data(as_text=True) and "Ştefan" not in page_text(page)
    assert officer_client.get(f"/placement/flats/{landlords_flat.id}").status_code == 404


def test_housing_officers_may_not_see_households(officer_client, make_household):
    household = make_household((1, 0))

    assert officer_client.get("/placement/households").status_code == 403
    assert officer_client.get(f"/placement/households/{household.id}").status_code == 403
    assert officer_client.get("/placement/flats/new").status_code == 403


def test_a_housing_officer_offers_the_units_of_a_building_ready_for_letting(officer_client, advisor):
    prop = ready_building(advisor)

    response = officer_client.post(f"/placement/properties/{prop.id}/offer-units")

    assert response.status_code == 302 and response.location.endswith("/placement/flats")
    assert db.session.scalar(select(func.count(Vacancy.id))) == 2
    assert "2 Wohnungen sind im Angebot." in flashes(officer_client.get(response.location))


@pytest.mark.parametrize("role", ["management", "supervisor"])
def test_management_and_supervisors_get_403_on_households_and_flats(role_client, make_household, make_flat,
                                                                    role):
    household = make_household((1, 0))
    flat = make_flat(area="50", net="300", charges="100")
    client = role_client(role)

    for url in ("/placement/households", f"/placement/households/{household.id}", "/placement/flats",
                f"/placement/flats/{flat.id}", "/placement/landlords", f"/placement/landlords/{flat.landlord_id}"):
        assert client.get(url).status_code == 403, url
    assert client.get("/placement/overview").status_code == (200 if role == "management" else 403)


def test_a_missing_household_flat_or_offer_is_404(web):
    for url in ("/placement/households/999999", "/placement/flats/999999", "/placement/offers/999999",
                "/placement/tenancies/999999", "/placement/landlords/999999"):
        assert web.get(url).status_code == 404, url


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get("/placement/households")

    assert response.status_code == 302 and "/login" in response.location


# --- the KdU admin page ---------------------------------------------------------------------------------------------


def test_the_kdu_page_shows_todays_table_and_adds_a_version(admin_client):
    page = page_text(admin_client.get("/admin/rules/kdu"))
    assert "530,00 €" in page and "1.300,00 €" in page and "Fassung ab 01.08.2023" in page

    response = admin_client.post("/admin/rules/kdu", data={
        "valid_from": "2026-05-01", "note": "Jobcenter Dortmund 2026",
        "rows-0-persons": "1", "rows-0-max_gross_cold_rent": "561,00", "rows-0-max_area_m2": "50",
        "rows-1-persons": "2", "rows-1-max_gross_cold_rent": "690", "rows-1-max_area_m2": "65"})

    assert response.status_code == 302
    added = db.session.scalars(select(KduLimit).where(KduLimit.valid_from == TODAY.replace(month=5, day=1))
                               .order_by(KduLimit.persons)).all()
    assert [(k.persons, k.max_gross_cold_rent, k.max_area_m2) for k in added] == [(1, D("561"), D("50")),
                                                                                    (2, D("690"), D("65"))]
    page = admin_client.get("/admin/rules/kdu")
    assert "Die neue KdU-Tabelle ist gespeichert." in flashes(page)
    assert "Fassung ab 01.05.2026" in page_text(page) and "561,00 €" in page_text(page)


def test_the_kdu_page_refuses_a_second_table_for_the_same_day(admin_client):
    response = admin_client.post("/admin/rules/kdu", data={
        "valid_from": "2023-08-01", "rows-0-persons": "1", "rows-0-max_gross_cold_rent": "561",
        "rows-0-max_area_m2": "50"})

    assert response.status_code == 422
    assert "Für diesen Tag gibt es schon eine Tabelle." in page_text(response)
    assert db.session.scalar(select(func.count(KduLimit.id))) == 6


def test_the_kdu_page_is_for_admins_only(advisor_client, management_client):
    assert advisor_client.get("/admin/rules/kdu").status_code == 403
    assert management_client.post("/admin/rules/kdu", data={"valid_from": "2026-05-01"}).status_code == 403
    assert db.session.scalar(select(func.count(KduLimit.id))) == 6


# --- list pages: the query count does not grow with the rows ----------------------------------------------------------


def statements_for(client, count_queries, url) -> int:
    client.get(url)  # warm up (first-request work, session)
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


def test_the_caseload_costs_the_same_queries_for_3_and_20_households(web, make_household, count_queries):
    for n in range(3):
        make_household((1, n % 2), urgency=["normal", "high", "emergency"][n % 3], interpreter_needed=bool(n % 2))
    few = statements_for(web, count_queries, "/placement/households")
    for n in range(17):
        make_household((1, n % 2), urgency=["normal", "high", "emergency"][n % 3], interpreter_needed=bool(n % 2))
    many = statements_for(web, count_queries, "/placement/households")

    assert len(household_ids(web.get("/placement/households"))) == 20
    assert many == few


def test_the_household_page_costs_the_same_queries_for_3_and_20_explained_flats(web, make_household, make_flat,
                                                                                count_queries):
    household = make_household((1, 0))
    for n in range(3):
        make_flat(area="50", net="300", charges="100", street=f"Heroldstraße {n}")
    few = statements_for(web, count_queries, f"/placement/households/{household.id}")
    for n in range(3, 20):
        make_flat(area="50", net="300", charges="100", street=f"Heroldstraße {n}")
    many = statements_for(web, count_queries, f"/placement/households/{household.id}")

    shown = [flat_ids_in(section(web.get(f"/placement/households/{household.id}?page={n}"), "matching"))
             for n in (1, 2, 3)]
    assert [len(ids) for ids in shown] == [10, 10, 0] and len(set(shown[0] + shown[1])) == 20  # ten at a time
    assert many == few


def test_the_flats_list_costs_the_same_queries_for_3_and_20_flats_in_one_building(web, make_flat, count_queries):
    for _ in range(3):
        make_flat(area="50", net="300", charges="100")
    few = statements_for(web, count_queries, "/placement/flats")
    for _ in range(17):
        make_flat(area="50", net="300", charges="100")
    many = statements_for(web, count_queries, "/placement/flats")

    assert len(flat_ids(web.get("/placement/flats"))) == 20
    assert many == few


def test_the_flats_list_costs_the_same_queries_for_3_and_20_flats_in_different_buildings(web, make_flat,
                                                                                        count_queries):
    for n in range(3):
        make_flat(area="50", net="300", charges="100", street=f"Heroldstraße {n}")
    few = statements_for(web, count_queries, "/placement/flats")
    for n in range(3, 20):
        make_flat(area="50", net="300", charges="100", street=f"Heroldstraße {n}")
    many = statements_for(web, count_queries, "/placement/flats")

    assert len(flat_ids(web.get("/placement/flats"))) == 20
    assert many == few


# --- changing and withdrawing a flat on offer ----------------------------------------------------------------------


def test_an_offers_terms_are_corrected_on_the_edit_page(web, make_flat):
    flat = make_flat(net="380", charges="150")
    url = f"/placement/flats/{flat.id}/edit"
    form = page_text(web.get(url))
    assert 'value="380,00"' in form and "Angebot ändern" in form

    response = web.post(url, data={"landlord_id": str(flat.landlord_id), "available_from": "2026-04-01",
                                   "net_cold_rent": "1.020", "service_charges": "150", "heating_costs": "",
                                   "deposit": "", "version": str(flat.version)})

    assert response.status_code == 302 and response.headers["Location"].endswith(f"/placement/flats/{flat.id}")
    stored = fresh(Vacancy, flat.id)
    assert (stored.net_cold_rent, stored.available_from) == (Decimal("1020.00"), date(2026, 4, 1))
    assert "Das Angebot ist geändert." in flashes(web.get(response.headers["Location"]))


def test_a_refused_change_keeps_what_was_typed_and_changes_nothing(web, make_flat):
    flat = make_flat(net="380")

    response = web.post(f"/placement/flats/{flat.id}/edit", data={
        "landlord_id": str(flat.landlord_id), "available_from": "2026-04-01", "net_cold_rent": "380",
        "deposit": "2000", "version": str(flat.version)})

    assert response.status_code == 200
    assert "Die Kaution darf höchstens drei Nettokaltmieten betragen (§ 551 BGB)." in page_text(response)
    assert 'value="2000"' in page_text(response)
    assert fresh(Vacancy, flat.id).deposit is None


def test_withdrawing_a_flat_ends_its_open_offers_and_leaves_no_edit_button(web, make_household, make_flat, advisor):
    flat = make_flat(area="50", net="300", charges="100")
    offer = services.propose(make_household((1, 0)), flat, actor=advisor)
    db.session.commit()
    page = page_text(web.get(f"/placement/flats/{flat.id}"))
    assert 'data-confirm="Die Wohnung aus dem Angebot nehmen?' in page

    response = web.post(f"/placement/flats/{flat.id}/withdraw", follow_redirects=True)

    assert "Die Wohnung ist zurückgezogen; offene Angebote sind beendet." in flashes(response)
    assert fresh(Vacancy, flat.id).status == VacancyStatus.WITHDRAWN
    assert fresh(Offer, offer.id).status == OfferStatus.CANCELLED
    assert f"/placement/flats/{flat.id}/edit" not in page_text(response)
