"""The housing-access resources of /api/v1 (API.md "Housing access"): applicants with transitions and consents,
landlords, vacancies, the two explained matching lists, offers with transitions, tenancies, KdU limits; their
status codes, error bodies, decimal strings, and who may call them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from housing.auth.roles import Role
from housing.extensions import db
from housing.pagination import encode_cursor
from housing.placement import services
from housing.placement.api import MATCH_DEPTH
from housing.placement.models import Applicant, ApplicantStatus, Offer, Tenancy, Vacancy, VacancyStatus
from housing.rules.models import KduLimit

from ..factories import UserFactory
from .conftest import TODAY, accept_and_sign, fresh, plain, ready_building

D = Decimal
RULE_NAMES = ["space", "rent", "wbs", "access", "area"]


@pytest.fixture
def advisor(advisor_client):
    return advisor_client.user


@pytest.fixture
def api(client, advisor, bearer):
    """An API client acting for the tenant advisor: ``api.get(url)``, ``api.post(url, json)``, ``api.patch``."""
    return ApiClient(client, bearer(advisor))


class ApiClient:
    def __init__(self, client, headers):
        self.client, self.headers = client, headers

    def get(self, url, **kwargs):
        return self.client.get(f"/api/v1{url}", headers=self.headers, **kwargs)

    def post(self, url, json=None, **kwargs):
        return self.client.post(f"/api/v1{url}", json=json, headers=self.headers, **kwargs)

    def patch(self, url, json=None, **kwargs):
        return self.client.patch(f"/api/v1{url}", json=json, headers=self.headers, **kwargs)


@pytest.fixture
def api_as(client, bearer):
    """``api_as(role)``: an API client for a new user holding ``role``."""
    return lambda role: ApiClient(client, bearer(UserFactory(roles=[Role(role)])))


def ok(response, status=200) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    return response.get_json()


def error_of(response, status) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json and response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] and error["message"]
    return error


NEW = {"first_name": "Ştefana", "last_name": "Ţurcanu", "adults": 2, "children": 1, "languages": ["ro", "de"],
       "housing_situation": "overcrowded", "income_source": "employed", "monthly_income": 1850.5,
       "urgency": "high", "preferred_areas": ["nordmarkt"], "excluded_areas": ["hafen"], "step_free_needed": True,
       "wbs_valid_until": "2027-01-31", "wbs_persons": 3}


# --- authentication and roles ------------------------------------------------------------------------------------


def test_without_a_valid_token_the_api_answers_401_in_json(client):
    for headers in ({}, {"Authorization": "Bearer hs_nonsense"}):
        error = error_of(client.get("/api/v1/applicants", headers=headers), 401)
        assert error["code"] == "unauthorized"


@pytest.mark.parametrize("role", ["supervisor", "management", "housing_officer"])
def test_only_advisors_and_admins_may_touch_households(api_as, make_household, make_flat, role):
    household = make_household((1, 0))
    flat = make_flat(area="50", net="300", charges="100")
    other = api_as(role)

    for call in (lambda: other.get("/applicants"), lambda: other.get(f"/applicants/{household.id}"),
                 lambda: other.post("/applicants", NEW),
                 lambda: other.post(f"/applicants/{household.id}/transitions", {"to": "withdrawn", "reason": "x"}),
                 lambda: other.get(f"/applicants/{household.id}/consents"),
                 lambda: other.get(f"/applicants/{household.id}/vacancies"),
                 lambda: other.get(f"/vacancies/{flat.id}/candidates"),
                 lambda: other.post("/offers", {"applicant_id": household.id, "vacancy_id": flat.id}),
                 lambda: other.get("/offers"), lambda: other.get("/tenancies"), lambda: other.get("/landlords")):
        error = error_of(call(), 403)
        assert error["message"] == "Dafür fehlt Ihnen die Berechtigung."
    assert fresh(Applicant, household.id).status == ApplicantStatus.SEARCHING
    assert db.session.scalar(select(func.count(Offer.id))) == 0


def test_an_admin_may_work_with_households(api_as, make_household):
    household = make_household((1, 0))

    assert ok(api_as("admin").get(f"/applicants/{household.id}"))["id"] == household.id


# --- applicants -------------------------------------------------------------------------------------------------


def test_creating_an_applicant_returns_201_with_the_resource(api, advisor):
    body = ok(api.post("/applicants", NEW), 201)

    assert body["status"] == "first_contact"
    assert body["registered_on"] == "2026-03-18"
    assert isinstance(body["monthly_income"], str) and D(body["monthly_income"]) == D("1850.50")
    assert {k: body[k] for k in ("adults", "children", "languages", "urgency", "preferred_areas", "excluded_areas",
                                 "step_free_needed", "wbs_valid_until", "wbs_persons", "income_source",
                                 "housing_situation")} == {
        "adults": 2, "children": 1, "languages": ["ro", "de"], "urgency": "high", "preferred_areas": ["nordmarkt"],
        "excluded_areas": ["hafen"], "step_free_needed": True, "wbs_valid_until": "2027-01-31", "wbs_persons": 3,
        "income_source": "employed", "housing_situation": "overcrowded"}
    assert db.session.get(Applicant, body["id"]).advisor_id == advisor.id
    again = ok(api.get(f"/applicants/{body['id']}"))
    assert again["monthly_income"] == "1850.50"  # decimals travel as strings


@pytest.mark.parametrize("fields, field", [
    ({"adults": 0, "children": 0}, "adults"),
    ({"adults": -1}, "adults"),
    ({"children": 16}, "children"),
    ({"wbs_valid_until": "2027-01-31", "wbs_persons": None}, "wbs_persons"),
    ({"urgency": "asap"}, "urgency"),
    ({"income_source": "lottery"}, "income_source"),
    ({"preferred_areas": ["atlantis"]}, "preferred_areas"),
    ({"birth_date": "31.12.1990"}, "birth_date"),
    ({"ethnicity": "x"}, "ethnicity"),
    ({"monthly_income": "viel"}, "monthly_income"),
])
def test_invalid_applicant_values_are_422_with_german_field_messages(api, fields, field):
    data = {**NEW, **fields}
    data = {k: v for k, v in data.items() if v is not None}

    error = error_of(api.post("/applicants", data), 422)

    assert error["code"] == "invalid"
    assert field in error["fields"]
    assert all(isinstance(m, str) and m for m in error["fields"][field])
    assert db.session.scalar(select(func.count(Applicant.id))) == 0


def test_a_household_needs_at_least_one_person(api):
    error = error_of(api.post("/applicants", {**NEW, "adults": 0, "children": 0}), 422)

    assert error["fields"] == {"adults": ["Ein Haushalt hat mindestens eine Person."]}


def test_malformed_json_is_400(api):
    response = api.client.post("/api/v1/applicants", data="{not json", headers={**api.headers,
                                                                                "Content-Type": "application/json"})

    assert error_of(response, 400)["code"] == "bad_request"


def test_applicants_are_listed_in_pages_and_filtered(api, make_household, advisor):
    mine = [make_household((1, 0)) for _ in range(3)]
    clearing = make_household((1, 0), status="clearing")
    colleagues = make_household((1, 0), by=UserFactory(roles=[Role.TENANT_ADVISOR]))

    first = ok(api.get("/applicants?limit=2"))
    second = ok(api.get(f"/applicants?limit=2&cursor={first['next_cursor']}"))
    third = ok(api.get(f"/applicants?limit=2&cursor={second['next_cursor']}"))

    every = [a["id"] for a in first["items"] + second["items"] + third["items"]]
    assert every == [a.id for a in mine] + [clearing.id, colleagues.id]
    assert third["next_cursor"] is None
    assert [a["id"] for a in ok(api.get("/applicants?status=clearing"))["items"]] == [clearing.id]
    assert colleagues.id not in [a["id"] for a in ok(api.get("/applicants?mine=true"))["items"]]
    assert error_of(api.get("/applicants?cursor=bogus"), 422)["fields"] == {"cursor": ["Ungültiger Cursor."]}


def test_a_missing_applicant_is_404(api):
    assert error_of(api.get("/applicants/999999"), 404)["code"] == "not_found"
    assert error_of(api.post("/applicants/999999/transitions", {"to": "registered"}), 404)


def test_patching_an_applicant_needs_the_current_version(api, make_household):
    household = make_household((1, 0))
    version = ok(api.get(f"/applicants/{household.id}"))["version"]

    changed = ok(api.patch(f"/applicants/{household.id}", {"children": 2, "urgency": "emergency",
                                                           "version": version}))
    assert (changed["children"], changed["urgency"], changed["version"]) == (2, "emergency", version + 1)

    stale = error_of(api.patch(f"/applicants/{household.id}", {"children": 3, "version": version}), 409)
    assert stale["fields"] == {"version": ["Veraltet."]}
    assert "version" in error_of(api.patch(f"/applicants/{household.id}", {"children": 3}), 422)["fields"]
    assert fresh(Applicant, household.id).children == 2


def test_a_transition_with_a_failed_guard_is_409_and_a_missing_reason_422(api, advisor):
    created = ok(api.post("/applicants", {"first_name": "Vasile", "last_name": "Rusu"}), 201)
    url = f"/applicants/{created['id']}/transitions"

    guard = error_of(api.post(url, {"to": "registered"}), 409)
    assert guard["code"] == "conflict"
    assert guard["fields"] == {"to": ["Für „aufgenommen“ fehlt eine gültige Einwilligung zur Wohnraumvermittlung."]}
    assert guard["message"] == "Für „aufgenommen“ fehlt eine gültige Einwilligung zur Wohnraumvermittlung."

    ok(api.post(f"/applicants/{created['id']}/consents", {"purpose": "placement", "given_on": "2026-03-18"}), 201)
    moved = ok(api.post(url, {"to": "registered"}))
    assert moved["status"] == "registered"

    missing = error_of(api.post(url, {"to": "withdrawn"}), 422)
    assert missing["fields"] == {"reason": ["Bitte begründen Sie diesen Schritt."]}
    assert ok(api.post(url, {"to": "withdrawn", "reason": "Umzug nach Bochum"}))["status"] == "withdrawn"
    assert error_of(api.post(url, {"to": "lost_contact", "reason": "x"}), 409)["message"] == \
        "Der Fall ist bereits abgeschlossen."


def test_searching_needs_income_and_situation_over_the_api_too(api, make_household):
    household = make_household((1, 0), status="clearing", income_source=None, housing_situation=None)

    error = error_of(api.post(f"/applicants/{household.id}/transitions", {"to": "searching"}), 409)

    assert error["fields"] == {"to": ["Für „wohnungssuchend“ fehlt die Einkommensquelle.",
                                      "Für „wohnungssuchend“ fehlt die aktuelle Wohnsituation."]}


def test_at_risk_is_409_without_a_tenancy_and_an_unknown_status_422(api, make_household):
    household = make_household((1, 0))
    url = f"/applicants/{household.id}/transitions"

    assert error_of(api.post(url, {"to": "at_risk", "reason": "Rückstand"}), 409)["message"] == \
        "„gefährdet“ gibt es nur für ein laufendes Mietverhältnis."
    assert error_of(api.post(url, {"to": "flying"}), 422)["fields"] == {"to": ["Unbekannter Status „flying“."]}
    assert "to" in error_of(api.post(url, {}), 422)["fields"]


def test_a_transition_with_a_stale_version_is_409(api, make_household):
    household = make_household((1, 0))

    error = error_of(api.post(f"/applicants/{household.id}/transitions",
                              {"to": "withdrawn", "reason": "x", "version": household.version - 1}), 409)

    assert error["fields"] == {"version": ["Veraltet."]}


# --- consents ------------------------------------------------------------------------------------------------------


def test_consents_are_listed_recorded_and_revoked(api, make_household):
    household = make_household((1, 0))
    url = f"/applicants/{household.id}/consents"

    created = ok(api.post(url, {"purpose": "share_with_landlord", "given_on": "2026-03-01",
                                "expires_on": "2026-09-01"}), 201)
    assert {k: created[k] for k in ("purpose", "given_on", "expires_on", "revoked_on")} == {
        "purpose": "share_with_landlord", "given_on": "2026-03-01", "expires_on": "2026-09-01", "revoked_on": None}

    listed = ok(api.get(url))
    assert [c["purpose"] for c in listed["items"]] == ["placement", "share_with_landlord"]
    assert listed["next_cursor"] is None

    placement = listed["items"][0]["id"]
    revoked = ok(api.post(f"{url}/{placement}/revoke"))
    assert revoked["revoked_on"] == "2026-03-18"
    assert error_of(api.post(f"{url}/{placement}/revoke"), 409)["message"] == \
        "Diese Einwilligung ist bereits widerrufen."


def test_a_consent_of_another_household_cannot_be_revoked_through_this_one(api, make_household):
    household, other = make_household((1, 0)), make_household((1, 0))

    error_of(api.post(f"/applicants/{household.id}/consents/{other.consents[0].id}/revoke"), 404)

    assert fresh(Applicant, other.id).consents[0].revoked_on is None


@pytest.mark.parametrize("revoked_on", ["2026-03-01", "2026-12-01"])
def test_a_consent_revoked_before_it_was_given_or_in_the_future_is_422(api, make_household, revoked_on):
    household = make_household((1, 0))

    error = error_of(api.post(f"/applicants/{household.id}/consents",
                              {"purpose": "placement", "given_on": "2026-03-10", "revoked_on": revoked_on}), 422)

    assert "revoked_on" in error["fields"]
    assert len(fresh(Applicant, household.id).consents) == 1


def test_a_consent_recorded_as_revoked_today_is_stored_revoked(api, make_household):
    household = make_household((1, 0))

    created = ok(api.post(f"/applicants/{household.id}/consents", {"purpose": "share_with_jobcenter",
                                                                   "given_on": "2026-03-10",
                                                                   "revoked_on": "2026-03-18"}), 201)

    assert (created["given_on"], created["revoked_on"]) == ("2026-03-10", "2026-03-18")


@pytest.mark.parametrize("data, field", [
    ({"purpose": "placement", "given_on": "2026-03-19"}, "given_on"),
    ({"purpose": "placement", "given_on": "2026-03-10", "expires_on": "2026-03-01"}, "expires_on"),
    ({"purpose": "advertising", "given_on": "2026-03-10"}, "purpose"),
    ({"given_on": "2026-03-10"}, "purpose"),
])
def test_invalid_consents_are_422(api, make_household, data, field):
    household = make_household((1, 0))

    error = error_of(api.post(f"/applicants/{household.id}/consents", data), 422)

    assert field in error["fields"]


def test_revoking_the_placement_consent_over_the_api_removes_the_household_from_the_candidates(api, make_household,
                                                                                               make_flat):
    household = make_household((1, 0))
    flat = make_flat(area="50", net="300", charges="100")
    assert [c["applicant_id"] for c in ok(api.get(f"/vacancies/{flat.id}/candidates"))["items"]] == [household.id]

    ok(api.post(f"/applicants/{household.id}/consents/{household.consents[0].id}/revoke"))

    assert ok(api.get(f"/vacancies/{flat.id}/candidates?near_misses=true"))["items"] == []


@pytest.mark.parametrize("direction", ["candidates", "flats"])
def test_the_matching_lists_come_ten_at_a_time_and_their_cursors_follow_the_ranking(api, make_household, make_flat,
                                                                                    direction):
    households = [make_household((1, 0), registered_on=TODAY - timedelta(days=100 - n)) for n in range(13)]
    flats = [make_flat(area="50", net="300", charges="100", available_from=TODAY + timedelta(days=n))
             for n in range(13)]
    url, key = ((f"/vacancies/{flats[0].id}/candidates", "applicant_id") if direction == "candidates"
                else (f"/applicants/{households[0].id}/vacancies", "vacancy_id"))
    ranking = ok(api.get(f"{url}?limit=200"))

    first = ok(api.get(url))
    second = ok(api.get(f"{url}?cursor={first['next_cursor']}"))
    in_fives = [ok(api.get(f"{url}?limit=5"))]
    while in_fives[-1]["next_cursor"]:
        in_fives.append(ok(api.get(f"{url}?limit=5&cursor={in_fives[-1]['next_cursor']}")))

    expected = [h.id for h in households] if direction == "candidates" else [f.id for f in flats]
    assert [item[key] for item in ranking["items"]] == expected and ranking["next_cursor"] is None
    assert [item["rank"] for item in first["items"]] == list(range(1, 11))
    assert [item["rank"] for item in second["items"]] == [11, 12, 13] and second["next_cursor"] is None
    assert first["items"] + second["items"] == ranking["items"]
    assert [len(page["items"]) for page in in_fives] == [5, 5, 3]
    assert [item for page in in_fives for item in page["items"]] == ranking["items"]


@pytest.mark.parametrize("cursor", ["abc", encode_cursor([0]), encode_cursor([-3]), encode_cursor(["5"]),
                                    encode_cursor([MATCH_DEPTH]), encode_cursor([5, 1])])
def test_a_matching_cursor_not_given_by_the_api_is_422(api, make_household, make_flat, cursor):
    household, flat = make_household((1, 0)), make_flat(area="50", net="300", charges="100")

    for url in (f"/vacancies/{flat.id}/candidates", f"/applicants/{household.id}/vacancies"):
        assert error_of(api.get(f"{url}?cursor={cursor}"), 422)["fields"] == {"cursor": ["Ungültiger Cursor."]}


def test_the_matching_lists_page_is_described_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").get_json()

    for path in ("/api/v1/vacancies/{vacancy_id}/candidates", "/api/v1/applicants/{applicant_id}/vacancies"):
        parameters = {p["name"]: p for p in document["paths"][path]["get"]["parameters"]}
        assert set(parameters) == {path.split("{")[1].split("}")[0], "near_misses", "cursor", "limit"}
        assert parameters["limit"]["schema"]["default"] == 10
        assert "next_cursor" in parameters["cursor"]["schema"]["description"]


# --- landlords -----------------------------------------------------------------------------------------------------


def test_landlords_are_created_and_listed(api):
    created = ok(api.post("/landlords", {"name": "Spar- und Bauverein", "kind": "association",
                                         "cooperation_since": "2024-05-01", "contact_person": "Frau Nowak"}), 201)

    assert {k: created[k] for k in ("name", "kind", "cooperation_since")} == {
        "name": "Spar- und Bauverein", "kind": "association", "cooperation_since": "2024-05-01"}
    assert [row["id"] for row in ok(api.get("/landlords"))["items"]] == [created["id"]]
    assert "kind" in error_of(api.post("/landlords", {"name": "X", "kind": "bank"}), 422)["fields"]
    assert "cooperation_since" in error_of(api.post("/landlords", {"name": "X", "kind": "private",
                                                                   "cooperation_since": "2027-01-01"}), 422)["fields"]


def test_a_duplicate_landlord_is_409(api):
    ok(api.post("/landlords", {"name": "Spar- und Bauverein", "kind": "association"}), 201)

    error = error_of(api.post("/landlords", {"name": "spar- und bauverein", "kind": "association"}), 409)

    assert error["code"] == "conflict"
    assert error["fields"] == {"name": ["Diese Vermieterin / diesen Vermieter gibt es schon."]}
    assert len(ok(api.get("/landlords"))["items"]) == 1


# --- vacancies --------------------------------------------------------------------------------------------------


@pytest.fixture
def free_unit(make_flat, advisor):
    """A 50 m² unit (ground floor, step-free) of a landlord's building, not on offer at the moment."""
    flat = make_flat(area="50", net="300", charges="100", floor=0, step_free=True, rooms=D("2"))
    services.withdraw_vacancy(flat, actor=advisor, reason="Renovierung")
    db.session.commit()
    return flat.unit


def vacancy_body(unit, **fields):
    landlord_id = db.session.scalar(select(Vacancy.landlord_id).where(Vacancy.unit_id == unit.id))
    return {"unit_id": unit.id, "landlord_id": landlord_id, "net_cold_rent": 380, "service_charges": "150",
            "heating_costs": 80.5, "deposit": "1140", "available_from": "2026-04-01", **fields}


def test_a_vacancy_is_created_with_the_units_fields_echoed(api, free_unit):
    created = ok(api.post("/vacancies", vacancy_body(free_unit)), 201)

    stored = ok(api.get(f"/vacancies/{created['id']}"))
    assert {k: stored[k] for k in ("unit_id", "net_cold_rent", "service_charges", "heating_costs", "deposit",
                                   "rent_capped", "available_from", "status", "area_m2", "rooms", "floor", "lift",
                                   "step_free", "social_area")} == {
        "unit_id": free_unit.id, "net_cold_rent": "380.00", "service_charges": "150.00", "heating_costs": "80.50",
        "deposit": "1140.00", "rent_capped": False, "available_from": "2026-04-01", "status": "open",
        "area_m2": "50.00", "rooms": "2.0", "floor": 0, "lift": False, "step_free": True,
        "social_area": "nordmarkt"}


def test_a_negative_net_cold_rent_is_422(api, free_unit):
    error = error_of(api.post("/vacancies", vacancy_body(free_unit, net_cold_rent="-5", deposit=None)), 422)

    assert error["fields"] == {"net_cold_rent": ["Der Betrag muss größer als 0 sein."]}
    assert db.session.scalar(select(func.count(Vacancy.id)).where(Vacancy.status == VacancyStatus.OPEN)) == 0


@pytest.mark.parametrize("fields, field", [
    ({"deposit": "1140.01"}, "deposit"),
    ({"rent_capped": True, "net_cold_rent": "362.51"}, "net_cold_rent"),
    ({"service_charges": -1}, "service_charges"),
    ({"net_cold_rent": "abc"}, "net_cold_rent"),
    ({"net_cold_rent": "1.234"}, "net_cold_rent"),
    ({"available_from": "01.04.2026"}, "available_from"),
    ({"unit_id": 999999}, "unit_id"),
    ({"landlord_id": 999999}, "landlord_id"),
])
def test_invalid_vacancy_values_are_422(api, free_unit, fields, field):
    error = error_of(api.post("/vacancies", vacancy_body(free_unit, **fields)), 422)

    assert field in error["fields"]


@pytest.mark.parametrize("field, value", [("area_m2", "80"), ("social_area", "hafen"), ("floor", 3),
                                          ("step_free", False), ("lift", True), ("rooms", "4")])
def test_the_echoed_unit_fields_are_read_only(api, free_unit, field, value):
    assert error_of(api.post("/vacancies", vacancy_body(free_unit, **{field: value})), 422)["fields"] == {
        field: ["Unbekanntes Feld."]}
    created = ok(api.post("/vacancies", vacancy_body(free_unit)), 201)

    error = error_of(api.patch(f"/vacancies/{created['id']}", {field: value, "version": created["version"]}), 422)

    assert error["fields"] == {field: ["Unbekanntes Feld."]}
    assert ok(api.get(f"/vacancies/{created['id']}"))[field] == created[field]


def test_a_second_open_vacancy_for_a_unit_is_409(api, free_unit):
    ok(api.post("/vacancies", vacancy_body(free_unit)), 201)

    error = error_of(api.post("/vacancies", vacancy_body(free_unit)), 409)

    assert error["message"] == "Diese Wohnung ist bereits im Angebot."


def test_patching_a_vacancy_needs_its_version_and_withdrawing_cancels_the_offers(api, make_flat, make_household,
                                                                                 advisor):
    flat = make_flat(area="50", net="300", charges="100")
    offer = services.propose(make_household((1, 0)), flat, actor=advisor)
    db.session.commit()
    version = ok(api.get(f"/vacancies/{flat.id}"))["version"]

    changed = ok(api.patch(f"/vacancies/{flat.id}", {"net_cold_rent": "310.5", "version": version}))
    assert (D(changed["net_cold_rent"]), changed["version"]) == (D("310.50"), version + 1)
    assert ok(api.get(f"/vacancies/{flat.id}"))["net_cold_rent"] == "310.50"
    assert error_of(api.patch(f"/vacancies/{flat.id}", {"net_cold_rent": "320", "version": version}), 409)

    withdrawn = ok(api.patch(f"/vacancies/{flat.id}", {"status": "withdrawn", "version": version + 1}))
    assert withdrawn["status"] == "withdrawn"
    assert fresh(Offer, offer.id).status.value == "cancelled"
    assert error_of(api.patch(f"/vacancies/{flat.id}", {"net_cold_rent": "300", "version": version + 2}), 409)


@pytest.mark.parametrize("status", ["let", "reserved"])
def test_a_vacancy_status_that_only_an_offer_can_set_is_refused(api, make_flat, status):
    flat = make_flat(area="50", net="300", charges="100")

    response = api.patch(f"/vacancies/{flat.id}", {"status": status, "version": flat.version})

    assert response.status_code in (409, 422), response.get_json()
    assert fresh(Vacancy, flat.id).status == VacancyStatus.OPEN


def test_vacancies_are_listed_and_filtered_by_status(api, make_flat, make_household, advisor):
    open_flat = make_flat(area="50", net="300", charges="100")
    reserved = make_flat(area="50", net="300", charges="100")
    services.transition_offer(services.propose(make_household((1, 0)), reserved, actor=advisor), "accepted",
                              actor=advisor)
    db.session.commit()

    assert [v["id"] for v in ok(api.get("/vacancies"))["items"]] == [open_flat.id, reserved.id]
    assert [v["id"] for v in ok(api.get("/vacancies?status=reserved"))["items"]] == [reserved.id]
    assert "status" in error_of(api.get("/vacancies?status=gone"), 422)["fields"]


def test_housing_officers_see_only_the_vacancies_of_acquired_buildings(api_as, make_flat, advisor):
    landlords_flat = make_flat(area="50", net="300", charges="100")
    renovated = services.offer_renovated_units(ready_building(advisor, units=(("EG", "50", "300"),)), {},
                                               actor=advisor)[0]
    db.session.commit()
    officer = api_as("housing_officer")

    assert [v["id"] for v in ok(officer.get("/vacancies"))["items"]] == [renovated.id]
    assert ok(officer.get(f"/vacancies/{renovated.id}"))["social_area"] == "hafen"
    assert error_of(officer.get(f"/vacancies/{landlords_flat.id}"), 404)
    assert error_of(officer.post("/vacancies", {}), 403)
    assert error_of(officer.get(f"/vacancies/{renovated.id}/candidates"), 403)


def test_management_and_supervisors_may_not_read_vacancies(api_as, make_flat):
    flat = make_flat(area="50", net="300", charges="100")

    for role in ("management", "supervisor"):
        assert error_of(api_as(role).get("/vacancies"), 403)
        assert error_of(api_as(role).get(f"/vacancies/{flat.id}"), 403)


# --- the two explained matching lists --------------------------------------------------------------------------------


def test_candidates_are_ranked_and_explained_with_the_five_rules(api, make_household, make_flat):
    waiting = make_household((1, 0), registered_on=TODAY - timedelta(days=300))
    urgent = make_household((1, 0), urgency="emergency")
    too_dear = make_household((1, 0), income="employed", monthly_income=D("1000"))
    flat = make_flat(area="50", net="380", charges="150")

    body = ok(api.get(f"/vacancies/{flat.id}/candidates"))

    assert body["next_cursor"] is None
    assert [(c["applicant_id"], c["rank"], c["eligible"]) for c in body["items"]] == [(urgent.id, 1, True),
                                                                                     (waiting.id, 2, True)]
    rules = body["items"][0]["rules"]
    assert [r["rule"] for r in rules] == RULE_NAMES
    assert all(r["passed"] is True and isinstance(r["detail"], str) for r in rules)
    assert plain(rules[1]["detail"]) == ("Bruttokaltmiete 530,00 € (380,00 € netto kalt + 150,00 € Nebenkosten); "
                                         "KdU-Grenze für 1 Person: 530,00 € (gültig ab 01.08.2023).")

    near = ok(api.get(f"/vacancies/{flat.id}/candidates?near_misses=true"))["items"]
    assert [(c["applicant_id"], c["rank"], c["eligible"]) for c in near] == [
        (urgent.id, 1, True), (waiting.id, 2, True), (too_dear.id, 3, False)]
    assert [(r["rule"], r["passed"]) for r in near[2]["rules"] if not r["passed"]] == [("rent", False)]
    assert plain(near[2]["rules"][1]["detail"]) == \
        "Bruttokaltmiete 530,00 €; höchstens 35 % des Einkommens von 1.000,00 € = 350,00 €."


def test_flats_for_a_household_are_ranked_and_explained(api, make_household, make_flat):
    household = make_household((1, 0), preferred_areas=["hafen"], step_free_needed=True)
    later_in_hafen = make_flat(area="50", net="300", charges="100", floor=0, step_free=True,
                               street="Westerbleichstraße", social_area="hafen",
                               available_from=TODAY + timedelta(days=30))
    now = make_flat(area="50", net="300", charges="100", floor=0, step_free=True)
    upstairs = make_flat(area="50", net="300", charges="100", floor=2, step_free=True)

    body = ok(api.get(f"/applicants/{household.id}/vacancies"))
    near = ok(api.get(f"/applicants/{household.id}/vacancies?near_misses=true&limit=10"))

    assert [(v["vacancy_id"], v["rank"], v["eligible"]) for v in body["items"]] == [(later_in_hafen.id, 1, True),
                                                                                   (now.id, 2, True)]
    assert [r["rule"] for r in body["items"][0]["rules"]] == RULE_NAMES
    assert body["items"][0]["rules"][4] == {"rule": "area", "passed": True, "detail": "Hafen ist ein Wunschgebiet."}
    assert [(v["vacancy_id"], v["eligible"]) for v in near["items"]] == [(later_in_hafen.id, True), (now.id, True),
                                                                        (upstairs.id, False)]
    assert near["items"][2]["rules"][3] == {
        "rule": "access", "passed": False,
        "detail": "Stufenloser Zugang nötig: Wohnung stufenlos, 2. OG, ohne Aufzug."}


def test_matching_lists_refuse_a_bad_query_and_a_missing_record(api, make_household, make_flat):
    household = make_household((1, 0))
    flat = make_flat(area="50", net="300", charges="100")

    assert "near_misses" in error_of(api.get(f"/vacancies/{flat.id}/candidates?near_misses=perhaps"), 422)["fields"]
    assert "limit" in error_of(api.get(f"/applicants/{household.id}/vacancies?limit=0"), 422)["fields"]
    assert error_of(api.get("/vacancies/999999/candidates"), 404)
    assert error_of(api.get("/applicants/999999/vacancies"), 404)


def test_the_limit_cuts_the_candidate_list(api, make_household, make_flat):
    households = [make_household((1, 0), registered_on=TODAY - timedelta(days=50 - n)) for n in range(4)]
    flat = make_flat(area="50", net="300", charges="100")

    items = ok(api.get(f"/vacancies/{flat.id}/candidates?limit=2"))["items"]

    assert [c["applicant_id"] for c in items] == [households[0].id, households[1].id]


# --- offers ---------------------------------------------------------------------------------------------------------


def test_an_offer_is_created_with_its_rule_snapshot(api, make_household, make_flat):
    household = make_household((1, 0))
    flat = make_flat(area="50", net="380", charges="150")

    created = ok(api.post("/offers", {"applicant_id": household.id, "vacancy_id": flat.id}), 201)

    assert {k: created[k] for k in ("applicant_id", "vacancy_id", "status", "decline_reason")} == {
        "applicant_id": household.id, "vacancy_id": flat.id, "status": "proposed", "decline_reason": None}
    assert [r["rule"] for r in created["rules"]] == RULE_NAMES
    assert ok(api.get(f"/offers/{created['id']}")) == created
    assert [o["id"] for o in ok(api.get("/offers"))["items"]] == [created["id"]]
    assert ok(api.get(f"/applicants/{household.id}"))["status"] == "offer"


def test_a_second_offer_for_the_same_flat_is_409(api, make_household, make_flat):
    household = make_household((1, 0))
    flat = make_flat(area="50", net="380", charges="150")
    ok(api.post("/offers", {"applicant_id": household.id, "vacancy_id": flat.id}), 201)

    error = error_of(api.post("/offers", {"applicant_id": household.id, "vacancy_id": flat.id}), 409)

    assert error["message"] == "Dieser Haushalt hat für diese Wohnung schon ein laufendes Angebot."


def test_an_offer_for_a_let_flat_is_409(api, make_household, make_flat, advisor):
    tenant, other = make_household((1, 0)), make_household((1, 0))
    flat = make_flat(area="50", net="380", charges="150")
    accept_and_sign(services.propose(tenant, flat, actor=advisor), advisor)
    db.session.commit()

    error = error_of(api.post("/offers", {"applicant_id": other.id, "vacancy_id": flat.id}), 409)

    assert error["message"] == "Diese Wohnung ist nicht mehr frei (vermietet)."


def test_an_offer_the_law_rules_out_is_409_with_the_explanation(api, make_household, make_flat):
    household = make_household((1, 0), wbs_valid_until=TODAY + timedelta(days=9), wbs_persons=1)
    flat = make_flat(area="50", net="300", charges="100", rent_capped=True, available_from=TODAY + timedelta(days=10))

    error = error_of(api.post("/offers", {"applicant_id": household.id, "vacancy_id": flat.id}), 409)

    assert error["fields"] == {"vacancy_id": [
        "WBS für 1 Person, gültig bis 27.03.2026; nötig ab 28.03.2026 für 1 Person."]}


def test_an_offer_for_unknown_records_is_422(api, make_household, make_flat):
    household = make_household((1, 0))
    flat = make_flat(area="50", net="300", charges="100")

    assert "applicant_id" in error_of(api.post("/offers", {"applicant_id": 999999, "vacancy_id": flat.id}),
                                      422)["fields"]
    assert "vacancy_id" in error_of(api.post("/offers", {"applicant_id": household.id, "vacancy_id": 999999}),
                                    422)["fields"]
    assert "vacancy_id" in error_of(api.post("/offers", {"applicant_id": household.id}), 422)["fields"]


def test_offer_transitions_walk_to_the_contract_and_start_a_tenancy(api, make_household, make_flat):
    household, rival = make_household((1, 0)), make_household((1, 0))
    flat = make_flat(area="50", net="380", charges="150")
    offer = ok(api.post("/offers", {"applicant_id": household.id, "vacancy_id": flat.id}), 201)
    rivals = ok(api.post("/offers", {"applicant_id": rival.id, "vacancy_id": flat.id}), 201)
    url = f"/offers/{offer['id']}/transitions"

    viewing = ok(api.post(url, {"to": "viewing", "viewing_on": "2026-03-20"}))
    assert (viewing["status"], viewing["viewing_on"]) == ("viewing", "2026-03-20")
    assert ok(api.post(url, {"to": "accepted"}))["status"] == "accepted"
    cancelled = ok(api.get(f"/offers/{rivals['id']}"))
    assert (cancelled["status"], cancelled["decline_reason"]) == (
        "cancelled", "Die Wohnung wurde an einen anderen Haushalt vergeben.")
    assert ok(api.get(f"/vacancies/{flat.id}"))["status"] == "reserved"
    assert ok(api.post(url, {"to": "approval_pending"}))["status"] == "approval_pending"
    assert ok(api.post(url, {"to": "contract_signed", "starts_on": "2026-04-01"}))["status"] == "contract_signed"

    assert ok(api.get(f"/vacancies/{flat.id}"))["status"] == "let"
    assert ok(api.get(f"/applicants/{household.id}"))["status"] == "contract_signed"
    tenancies = ok(api.get("/tenancies"))["items"]
    assert tenancies == [{"id": tenancies[0]["id"], "unit_id": flat.unit_id, "applicant_id": household.id,
                          "starts_on": "2026-04-01", "ends_on": None, "net_cold_rent": "380.00"}]
    assert ok(api.get(f"/tenancies/{tenancies[0]['id']}")) == tenancies[0]
    assert error_of(api.post(url, {"to": "cancelled", "reason": "x"}), 409)


def test_declining_an_offer_over_the_api_needs_a_reason(api, make_household, make_flat):
    household = make_household((1, 0))
    flat = make_flat(area="50", net="380", charges="150")
    offer = ok(api.post("/offers", {"applicant_id": household.id, "vacancy_id": flat.id}), 201)
    url = f"/offers/{offer['id']}/transitions"

    assert error_of(api.post(url, {"to": "declined"}), 422)["fields"] == {"reason": ["Bitte einen Grund angeben."]}
    declined = ok(api.post(url, {"to": "declined", "reason": "zu weit weg"}))

    assert (declined["status"], declined["decline_reason"]) == ("declined", "zu weit weg")
    assert ok(api.get(f"/applicants/{household.id}"))["status"] == "searching"


def test_an_illegal_or_unknown_offer_move_is_refused(api, make_household, make_flat):
    household = make_household((1, 0))
    flat = make_flat(area="50", net="380", charges="150")
    offer = ok(api.post("/offers", {"applicant_id": household.id, "vacancy_id": flat.id}), 201)
    url = f"/offers/{offer['id']}/transitions"

    illegal = error_of(api.post(url, {"to": "contract_signed"}), 409)
    assert illegal["message"] == "Von „vorgeschlagen“ geht es nicht nach „Mietvertrag unterschrieben“."
    assert "to" in error_of(api.post(url, {"to": "signed"}), 422)["fields"]
    assert error_of(api.post("/offers/999999/transitions", {"to": "viewing"}), 404)
    assert db.session.scalar(select(func.count(Tenancy.id))) == 0


def test_a_missing_offer_or_tenancy_is_404(api):
    assert error_of(api.get("/offers/999999"), 404)
    assert error_of(api.get("/tenancies/999999"), 404)


# --- KdU limits ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["tenant_advisor", "housing_officer", "supervisor", "management", "admin"])
def test_every_role_reads_the_kdu_limits(api_as, role):
    body = ok(api_as(role).get("/kdu-limits"))

    assert body["next_cursor"] is None
    assert [(k["persons"], k["max_gross_cold_rent"], k["max_area_m2"], k["valid_from"]) for k in body["items"]] == [
        (1, "530.00", "50.00", "2023-08-01"), (2, "650.00", "65.00", "2023-08-01"),
        (3, "800.00", "80.00", "2023-08-01"), (4, "950.00", "95.00", "2023-08-01"),
        (5, "1220.00", "110.00", "2023-08-01"), (6, "1300.00", "125.00", "2023-08-01")]


NEW_TABLE = {"valid_from": "2026-05-01", "note": "Jobcenter Dortmund 2026",
             "rows": [{"persons": 1, "max_gross_cold_rent": "561.00", "max_area_m2": 50},
                      {"persons": 2, "max_gross_cold_rent": 690, "max_area_m2": "65"}]}


def test_an_admin_adds_a_kdu_version(api_as):
    admin = api_as("admin")

    created = ok(admin.post("/kdu-limits", NEW_TABLE), 201)

    assert [(k["persons"], k["valid_from"]) for k in created["items"]] == [(1, "2026-05-01"), (2, "2026-05-01")]
    listed = ok(admin.get("/kdu-limits"))["items"]
    assert len(listed) == 8
    assert listed[-2:] == [{"persons": 1, "max_gross_cold_rent": "561.00", "max_area_m2": "50.00",
                            "valid_from": "2026-05-01"},
                           {"persons": 2, "max_gross_cold_rent": "690.00", "max_area_m2": "65.00",
                            "valid_from": "2026-05-01"}]


@pytest.mark.parametrize("role", ["tenant_advisor", "housing_officer", "supervisor", "management"])
def test_only_admins_add_kdu_versions(api_as, role):
    error = error_of(api_as(role).post("/kdu-limits", NEW_TABLE), 403)

    assert error["code"] == "forbidden"
    assert db.session.scalar(select(func.count(KduLimit.id))) == 6


@pytest.mark.parametrize("table, field", [
    ({**NEW_TABLE, "rows": []}, "rows"),
    ({**NEW_TABLE, "rows": [{"persons": 0, "max_gross_cold_rent": 500, "max_area_m2": 50}]}, "rows.0.persons"),
    ({**NEW_TABLE, "rows": [{"persons": 1, "max_gross_cold_rent": 0, "max_area_m2": 50}]},
     "rows-0-max_gross_cold_rent"),
    ({"rows": NEW_TABLE["rows"]}, "valid_from"),
])
def test_invalid_kdu_tables_are_422(api_as, table, field):
    error = error_of(api_as("admin").post("/kdu-limits", table), 422)

    assert field in error["fields"]
    assert db.session.scalar(select(func.count(KduLimit.id))) == 6


def test_a_second_kdu_table_for_the_same_day_is_409(api_as):
    error = error_of(api_as("admin").post("/kdu-limits", {**NEW_TABLE, "valid_from": "2023-08-01"}), 409)

    assert error["fields"] == {"valid_from": ["Für diesen Tag gibt es schon eine Tabelle."]}


def test_a_refused_second_kdu_table_stores_nothing(api_as):
    admin = api_as("admin")
    ok(admin.post("/kdu-limits", NEW_TABLE), 201)

    error_of(admin.post("/kdu-limits", {**NEW_TABLE, "rows": [{"persons": 3, "max_gross_cold_rent": 850,
                                                                "max_area_m2": 80}]}), 409)

    assert db.session.scalar(select(func.count(KduLimit.id))) == 8
    assert db.session.scalar(select(func.count(KduLimit.id)).where(KduLimit.persons == 3)) == 1


# --- decimals as strings ----------------------------------------------------------------------------------------


def test_money_and_areas_travel_as_decimal_strings(api, make_household, make_flat):
    household = make_household((1, 0), income="employed", monthly_income=D("2100"))
    flat = make_flat(area="48.5", net="330", charges="120", deposit=D("660"))

    applicant = ok(api.get(f"/applicants/{household.id}"))
    vacancy = ok(api.get(f"/vacancies/{flat.id}"))

    assert applicant["monthly_income"] == "2100.00"
    assert {k: vacancy[k] for k in ("net_cold_rent", "service_charges", "heating_costs", "deposit", "area_m2")} == {
        "net_cold_rent": "330.00", "service_charges": "120.00", "heating_costs": "80.00", "deposit": "660.00",
        "area_m2": "48.50"}


# --- what the pages do as well: a landlord's flat with its building, landlords and their support cases,
# --- aftercare contacts, offering a renovated building's units, the offer letter ------------------------------


def _actions_of(user) -> list[str]:
    from housing.audit.models import AuditEvent

    return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == user.id)
                                   .order_by(AuditEvent.id)))


def _landlord(api, name="Hafen Wohnen eG") -> dict:
    return ok(api.post("/landlords", {"name": name, "kind": "association"}), 201)


FLAT = {"street": "Schleswiger Straße", "house_number": "7", "postcode": "44145", "social_area": "nordmarkt",
        "label": "2. OG links", "floor": 2, "area_m2": "64", "rooms": 3, "net_cold_rent": "410",
        "service_charges": "120.50", "available_from": TODAY.isoformat()}


def test_a_landlords_flat_is_offered_with_its_building_and_unit_in_one_call(api):
    landlord = _landlord(api)

    first = ok(api.post("/vacancies", {**FLAT, "landlord_id": landlord["id"]}), 201)
    second = ok(api.post("/vacancies", {**FLAT, "label": "3. OG", "landlord_id": landlord["id"]}), 201)

    assert first["status"] == "open" and first["social_area"] == "nordmarkt" and D(first["area_m2"]) == D("64")
    assert first["floor"] == 2 and first["landlord_id"] == landlord["id"]
    units = {db.session.get(Vacancy, v["id"]).unit for v in (first, second)}
    assert len({unit.property_id for unit in units}) == 1  # the building is found again by its address
    building = db.session.get(Vacancy, first["id"]).unit.building
    assert building.is_problem_case is False and building.status is None


def test_a_flat_without_its_area_or_address_is_422_naming_the_fields(api):
    landlord = _landlord(api)
    body = {key: value for key, value in FLAT.items() if key not in ("area_m2", "street")}

    error = error_of(api.post("/vacancies", {**body, "landlord_id": landlord["id"]}), 422)

    assert set(error["fields"]) == {"area_m2", "street"}
    assert db.session.scalar(select(func.count(Vacancy.id))) == 0


def test_a_landlord_is_read_and_changed_keeping_what_was_not_sent(api):
    landlord = ok(api.post("/landlords", {"name": "Privat Kaya", "kind": "private", "phone": "0231 123"}), 201)

    assert ok(api.get(f"/landlords/{landlord['id']}")) == landlord
    changed = ok(api.patch(f"/landlords/{landlord['id']}", {"contact_person": "Herr Kaya",
                                                            "cooperation_since": "2025-01-01"}))

    assert changed == {**landlord, "contact_person": "Herr Kaya", "cooperation_since": "2025-01-01"}
    _landlord(api, "Andere eG")
    assert error_of(api.patch(f"/landlords/{landlord['id']}", {"name": "andere eg"}), 409)["fields"] == {
        "name": ["Diese Vermieterin / diesen Vermieter gibt es schon."]}
    error_of(api.get("/landlords/999999"), 404)


def _tenancy(api, make_household, make_flat, advisor):
    household, flat = make_household(persons=(2, 0)), make_flat()
    offer = services.propose(household, flat, actor=advisor)
    accept_and_sign(offer, advisor, starts_on=TODAY - timedelta(days=10))
    db.session.commit()
    return db.session.scalar(select(Tenancy).where(Tenancy.applicant_id == household.id)), flat


def test_a_landlords_support_case_is_opened_listed_and_resolved(api, make_household, make_flat, advisor):
    tenancy, flat = _tenancy(api, make_household, make_flat, advisor)
    base = f"/landlords/{flat.landlord_id}/support-cases"

    opened = ok(api.post(base, {"kind": "arrears", "tenancy_id": tenancy.id, "description": "Zwei Monate offen",
                                "opened_on": (TODAY - timedelta(days=3)).isoformat()}), 201)
    assert opened["resolved_on"] is None and opened["tenancy_id"] == tenancy.id
    assert ok(api.get(base))["items"] == [opened]
    assert set(error_of(api.post(f"{base}/{opened['id']}/resolve", {"outcome": ""}), 422)["fields"]) == {"outcome"}
    resolved = ok(api.post(f"{base}/{opened['id']}/resolve", {"outcome": "Ratenzahlung vereinbart"}))

    assert resolved == {**opened, "resolved_on": TODAY.isoformat(), "outcome": "Ratenzahlung vereinbart"}
    assert {"landlord_support.open", "landlord_support.resolve"} <= set(_actions_of(advisor))


def test_a_support_case_names_only_the_landlords_own_tenancies_and_cases(api, make_household, make_flat, advisor):
    tenancy, flat = _tenancy(api, make_household, make_flat, advisor)
    other = _landlord(api, "Fremde Vermietung GmbH")
    case_ = ok(api.post(f"/landlords/{flat.landlord_id}/support-cases", {"kind": "damage", "description": "Wasser"}),
               201)

    error = error_of(api.post(f"/landlords/{other['id']}/support-cases",
                              {"kind": "arrears", "tenancy_id": tenancy.id, "description": "x"}), 422)
    assert set(error["fields"]) == {"tenancy_id"}
    error_of(api.post(f"/landlords/{other['id']}/support-cases/{case_['id']}/resolve", {"outcome": "x"}), 404)
    assert ok(api.get(f"/landlords/{other['id']}/support-cases"))["items"] == []


def test_aftercare_contacts_are_recorded_and_listed_and_reading_them_is_audited(api, make_household, make_flat,
                                                                                advisor):
    tenancy, _flat = _tenancy(api, make_household, make_flat, advisor)
    url = f"/tenancies/{tenancy.id}/contacts"

    contact = ok(api.post(url, {"contact_on": TODAY.isoformat(), "kind": "phone", "topics": ["neighbours"],
                                "outcome": "Streit ums Treppenhaus geschlichtet"}), 201)

    assert contact["next_due_on"] == "2026-04-18" and contact["topics"] == ["neighbours"]
    assert fresh(Applicant, tenancy.applicant_id).status == ApplicantStatus.AFTERCARE
    assert ok(api.get(url))["items"] == [contact]
    assert _actions_of(advisor)[-1] == "applicant.view"
    future = error_of(api.post(url, {"contact_on": (TODAY + timedelta(days=1)).isoformat(), "kind": "phone"}), 422)
    assert set(future["fields"]) == {"contact_on"}
    assert set(error_of(api.post(url, {"contact_on": TODAY.isoformat(), "kind": "phone", "topics": ["weather"]}),
                        422)["fields"]) == {"topics.0"}
    error_of(api.get("/tenancies/999999/contacts"), 404)


def test_an_officer_offers_the_units_of_a_building_ready_for_letting(api_as, advisor):
    officer = api_as(Role.HOUSING_OFFICER)
    prop = ready_building(advisor)

    created = ok(officer.post(f"/properties/{prop.id}/offer-units", {}), 201)

    assert sorted(v["rent_capped"] for v in created["items"]) == [True, True]
    assert {D(v["net_cold_rent"]) for v in created["items"]} == {D("300"), D("420")}
    assert error_of(officer.post(f"/properties/{prop.id}/offer-units", {}), 409)["code"] == "conflict"
    error_of(api_as(Role.SUPERVISOR).post(f"/properties/{prop.id}/offer-units", {}), 403)


def test_units_of_a_building_not_ready_for_letting_are_not_offered(api, make_flat):
    building = make_flat().unit.building

    error_of(api.post(f"/properties/{building.id}/offer-units", {}), 409)
    error_of(api.post("/properties/999999/offer-units", {}), 404)


def test_the_offer_letter_is_a_pdf_and_its_download_is_audited(api, make_household, make_flat, advisor):
    offer = services.propose(make_household(), make_flat(), actor=advisor)
    db.session.commit()

    response = api.get(f"/offers/{offer.id}/letter")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.get_data().startswith(b"%PDF-")
    assert _actions_of(advisor)[-1] == "offer.letter"


def test_with_caseload_only_another_advisors_tenancy_gives_no_aftercare_or_support_case(api, make_household,
                                                                                      make_flat, advisor):
    from housing.placement.permissions import CASELOAD_ONLY
    from housing.rules.services import set_setting

    colleague = UserFactory(roles=[Role.TENANT_ADVISOR])
    tenancy, flat = _tenancy(api, lambda **kw: make_household(by=colleague, **kw), make_flat, colleague)
    services.open_support_case(flat.landlord, {"kind": "arrears", "description": "Rückstand",
                                               "tenancy_id": tenancy.id}, actor=colleague)
    set_setting(CASELOAD_ONLY, True, actor=UserFactory(roles=[Role.ADMIN]))
    db.session.commit()

    error_of(api.get(f"/tenancies/{tenancy.id}/contacts"), 404)
    error_of(api.post(f"/tenancies/{tenancy.id}/contacts", {"contact_on": TODAY.isoformat(), "kind": "phone"}), 404)
    assert ok(api.get(f"/landlords/{flat.landlord_id}/support-cases"))["items"] == []
    error = error_of(api.post(f"/landlords/{flat.landlord_id}/support-cases",
                              {"kind": "damage", "tenancy_id": tenancy.id, "description": "x"}), 422)
    assert set(error["fields"]) == {"tenancy_id"}
