"""The Ankauf resources of /api/v1 (API.md): properties, units, transitions, inspections, orders, acquisitions,
timeline; their errors and who may call them."""

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from housing.auth.roles import Role
from housing.clock import LOCAL_TZ, today
from housing.extensions import db
from housing.properties import services
from housing.properties.models import CaseStatus, Inspection, Property, Unit

from ..factories import UserFactory, full_case

GUARD_INSPECTED = "Für „kontrolliert“ fehlt eine Hauskontrolle."
NEW = {"street": "Mallinckrodtstraße", "house_number": "100", "postcode": "44147", "social_area": "nordmarkt"}


@pytest.fixture
def api(client, officer, bearer):
    """An API client acting for a housing officer: ``api.get(url)``, ``api.post(url, json)``, ``api.patch``."""

    class Api:
        user = officer
        headers = bearer(officer)

        def get(self, url, **kwargs):
            return client.get(f"/api/v1{url}", headers=self.headers, **kwargs)

        def post(self, url, json=None, **kwargs):
            return client.post(f"/api/v1{url}", json=json, headers=self.headers, **kwargs)

        def patch(self, url, json=None, **kwargs):
            return client.patch(f"/api/v1{url}", json=json, headers=self.headers, **kwargs)

    return Api()


def error_of(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    return response.get_json()["error"]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def created(api, **fields) -> dict:
    response = api.post("/properties", {**NEW, **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# --- properties: list, filters, cursor pages ----------------------------------------------------------------


@pytest.fixture
def five(officer):
    ids = {}
    for name, street, area, priority in [("a", "Schützenstraße", "nordmarkt", "high"),
                                         ("b", "Borsigplatz", "borsigplatz", "low"),
                                         ("c", "Mallinckrodtstraße", "hafen", "medium"),
                                         ("d", "Uhlandstraße", "nordmarkt", "highest"),
                                         ("e", "Kaiserstraße", "innenstadt-ost", "medium")]:
        prop = services.create_property({"street": street, "house_number": "1", "postcode": "44147",
                                         "social_area": area, "priority": priority}, actor=officer)
        ids[name] = prop.id
    a = db.session.get(Property, ids["a"])
    services.transition(a, "registered", actor=officer)
    b = db.session.get(Property, ids["b"])
    services.add_unit(b, {"label": "EG", "area_m2": Decimal("20"), "persons_registered": 5}, actor=officer)
    db.session.commit()
    return ids


def all_pages(api, url, limit):
    pages, cursor = [], None
    while True:
        separator = "&" if "?" in url else "?"
        response = api.get(f"{url}{separator}limit={limit}" + (f"&cursor={cursor}" if cursor else ""))
        assert response.status_code == 200
        body = response.get_json()
        pages.append([item["id"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 10


def test_the_property_list_pages_with_a_cursor_without_duplicates(api, five):
    pages = all_pages(api, "/properties", 2)

    assert [len(page) for page in pages] == [2, 2, 1]
    ids = [i for page in pages for i in page]
    assert len(ids) == len(set(ids)) == 5
    assert set(ids) == set(five.values())
    assert ids == sorted(ids)


def test_a_page_that_ends_exactly_has_a_null_cursor(api, five):
    body = api.get("/properties?limit=5").get_json()

    assert len(body["items"]) == 5
    assert body["next_cursor"] is None


@pytest.mark.parametrize(("query", "expected"), [
    ("status=registered", {"a"}),
    ("status=reported", {"b", "c", "d", "e"}),
    ("social_area=nordmarkt", {"a", "d"}),
    ("priority=medium", {"c", "e"}),
    ("overcrowded=true", {"b"}),
    ("overcrowded=false", {"a", "c", "d", "e"}),
    ("q=mallinckrodtstr", {"c"}),
    ("q=Uhlandstraße 1", {"d"}),
    ("social_area=nordmarkt&priority=highest", {"d"}),
])
def test_the_property_list_filters(api, five, query, expected):
    response = api.get(f"/properties?{query}")

    assert response.status_code == 200
    assert {item["id"] for item in response.get_json()["items"]} == {five[name] for name in expected}


def test_filters_and_cursor_pages_combine(api, five):
    pages = all_pages(api, "/properties?status=reported", 3)

    assert [len(page) for page in pages] == [3, 1]
    assert {i for page in pages for i in page} == {five[n] for n in "bcde"}


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "status=sold", "priority=urgent", "overcrowded=vielleicht",
                                   "cursor=kaputt"])
def test_bad_list_parameters_are_422(api, five, query):
    error = error_of(api.get(f"/properties?{query}"), 422)

    assert error["code"] == "invalid"
    assert len(error["fields"]) == 1


def test_a_property_reads_with_every_documented_field(api, officer):
    case = full_case(actor=officer)

    body = api.get(f"/properties/{case['property']}").get_json()

    assert {"id", "street", "house_number", "postcode", "social_area", "parcel", "year_built", "floor_area_m2",
            "problem_case", "priority", "status", "overcrowded", "version"} <= set(body)
    assert (body["status"], body["social_area"], body["overcrowded"], body["problem_case"]) == (
        "reported", "nordmarkt", True, True)


# --- properties: create and update ---------------------------------------------------------------------------


def test_create_returns_201_with_status_reported_and_version_1(api):
    response = api.post("/properties", {**NEW, "priority": "high", "year_built": 1905, "floor_area_m2": "480.50",
                                        "parcel": "Dortmund / 12 / 345"})

    assert response.status_code == 201
    body = response.get_json()
    assert (body["status"], body["version"], body["problem_case"], body["priority"]) == ("reported", 1, True, "high")
    assert body["floor_area_m2"] == "480.50"
    assert body["overcrowded"] is False
    prop = db.session.get(Property, body["id"])
    assert prop.status == CaseStatus.REPORTED
    assert api.get(f"/properties/{body['id']}").get_json()["floor_area_m2"] == "480.50"


def test_numbers_are_accepted_for_decimals(api):
    body = created(api, floor_area_m2=312.5)

    assert Decimal(body["floor_area_m2"]) == Decimal("312.5")
    assert isinstance(body["floor_area_m2"], str)


def test_an_ordinary_building_is_created_without_status(api):
    body = created(api, problem_case=False)

    assert body["status"] is None
    assert body["problem_case"] is False


@pytest.mark.parametrize(("fields", "field"), [
    ({"postcode": "4414"}, "postcode"),
    ({"postcode": "44l47"}, "postcode"),
    ({"social_area": "atlantis"}, "social_area"),
    ({"floor_area_m2": "-5"}, "floor_area_m2"),
    ({"floor_area_m2": 0}, "floor_area_m2"),
    ({"floor_area_m2": "viel"}, "floor_area_m2"),
    ({"year_built": 1499}, "year_built"),
    ({"year_built": "alt"}, "year_built"),
    ({"priority": "urgent"}, "priority"),
    ({"street": ""}, "street"),
    ({"house_number": "hinten"}, "house_number"),
    ({"status": "acquired"}, "status"),
    ({"overcrowded": True}, "overcrowded"),
])
def test_create_with_a_bad_value_is_422_naming_the_field(api, fields, field):
    error = error_of(api.post("/properties", {**NEW, **fields}), 422)

    assert error["code"] == "invalid"
    assert error["message"] == "Die Angaben sind ungültig."
    assert list(error["fields"]) == [field]
    assert all(isinstance(message, str) and message for message in error["fields"][field])
    assert count(Property) == 0


def test_create_without_required_fields_lists_each_missing_field(api):
    error = error_of(api.post("/properties", {}), 422)

    assert error["fields"] == {name: ["Pflichtangabe fehlt."]
                               for name in ("street", "house_number", "postcode", "social_area")}


@pytest.mark.parametrize("street", ["Mallinckrodtstraße", "mallinckrodtstr.", "MALLINCKRODTSTRASSE"])
def test_create_for_an_address_already_on_file_is_409(api, street):
    created(api)

    error = error_of(api.post("/properties", {**NEW, "street": street}), 409)

    assert error["code"] == "conflict"
    assert error["message"] == "Für diese Adresse gibt es bereits eine Akte."
    assert count(Property) == 1


def test_patch_with_the_current_version_is_200_and_bumps_the_version(api):
    body = created(api)

    response = api.patch(f"/properties/{body['id']}", {"priority": "highest", "parcel": "Flur 3", "version": 1})

    assert response.status_code == 200
    patched = response.get_json()
    assert (patched["priority"], patched["parcel"], patched["version"]) == ("highest", "Flur 3", 2)
    assert patched["street"] == "Mallinckrodtstraße"  # untouched fields stay
    assert api.get(f"/properties/{body['id']}").get_json()["version"] == 2


def test_patch_with_a_stale_version_is_409_and_changes_nothing(api):
    body = created(api)
    api.patch(f"/properties/{body['id']}", {"parcel": "Flur 3", "version": 1})

    error = error_of(api.patch(f"/properties/{body['id']}", {"parcel": "Flur 9", "version": 1}), 409)

    assert "Bitte laden Sie die Seite neu" in error["message"]
    assert "version" in error["fields"]
    assert db.session.get(Property, body["id"]).parcel == "Flur 3"


def test_patch_without_a_version_is_422(api):
    body = created(api)

    assert "version" in error_of(api.patch(f"/properties/{body['id']}", {"parcel": "x"}), 422)["fields"]


def test_patch_to_another_files_address_is_409(api):
    created(api, house_number="1")
    body = created(api, house_number="2")

    error_of(api.patch(f"/properties/{body['id']}", {"house_number": "1", "version": 1}), 409)


def test_patch_cannot_change_the_status(api):
    body = created(api)

    error = error_of(api.patch(f"/properties/{body['id']}", {"status": "acquired", "version": 1}), 422)

    assert list(error["fields"]) == ["status"]


# --- transitions -------------------------------------------------------------------------------------------------


def test_a_transition_is_200_with_the_moved_property(api):
    body = created(api)

    response = api.post(f"/properties/{body['id']}/transitions", {"to": "registered"})

    assert response.status_code == 200
    assert (response.get_json()["status"], response.get_json()["version"]) == ("registered", 2)


def test_a_transition_with_a_failed_guard_is_409_with_the_german_message(api):
    body = created(api)

    error = error_of(api.post(f"/properties/{body['id']}/transitions", {"to": "inspected"}), 409)

    assert error["message"] == GUARD_INSPECTED
    assert error["fields"] == {"to": [GUARD_INSPECTED]}
    assert db.session.get(Property, body["id"]).status == CaseStatus.REPORTED


def test_a_step_back_without_a_reason_is_422_and_with_one_200(api):
    body = created(api)
    api.post(f"/properties/{body['id']}/transitions", {"to": "acquisition_review"})

    error = error_of(api.post(f"/properties/{body['id']}/transitions", {"to": "registered"}), 422)
    assert error["fields"] == {"reason": ["Für einen Schritt zurück ist eine Begründung nötig."]}

    response = api.post(f"/properties/{body['id']}/transitions", {"to": "registered", "reason": "zurückgestellt"})
    assert response.status_code == 200
    assert response.get_json()["status"] == "registered"


def test_an_illegal_move_is_409(api):
    body = created(api)
    api.post(f"/properties/{body['id']}/transitions", {"to": "demolished", "reason": "Abriss"})

    error = error_of(api.post(f"/properties/{body['id']}/transitions", {"to": "registered", "reason": "x"}), 409)

    assert error["message"] == "Das Gebäude ist abgerissen; der Fall ist abgeschlossen."


def test_a_transition_with_a_stale_version_is_409(api):
    body = created(api)
    api.post(f"/properties/{body['id']}/transitions", {"to": "registered"})

    error_of(api.post(f"/properties/{body['id']}/transitions", {"to": "acquisition_review", "version": 1}), 409)

    assert db.session.get(Property, body["id"]).status == CaseStatus.REGISTERED


def test_a_transition_to_an_unknown_status_is_422(api):
    body = created(api)

    assert list(error_of(api.post(f"/properties/{body['id']}/transitions", {"to": "sold"}), 422)["fields"]) == ["to"]


# --- units --------------------------------------------------------------------------------------------------------


def test_a_unit_is_created_with_overcrowded_computed(api):
    body = created(api)

    response = api.post(f"/properties/{body['id']}/units", {"label": "EG links", "floor": 0, "area_m2": "59.99",
                                                            "rooms": 2.5, "persons_registered": 6})

    assert response.status_code == 201
    unit = response.get_json()
    assert (unit["label"], unit["floor"], unit["area_m2"], unit["rooms"], unit["persons_registered"]) == (
        "EG links", 0, "59.99", "2.5", 6)
    assert unit["persons_seen"] is None
    assert unit["overcrowded"] is True
    assert api.get(f"/properties/{body['id']}").get_json()["overcrowded"] is True


def test_overcrowded_is_read_only_on_units(api):
    body = created(api)

    error = error_of(api.post(f"/properties/{body['id']}/units", {"label": "EG", "area_m2": "80",
                                                                  "overcrowded": True}), 422)

    assert list(error["fields"]) == ["overcrowded"]
    assert count(Unit) == 0


def test_patching_a_unit_recomputes_overcrowded(api):
    body = created(api)
    unit = api.post(f"/properties/{body['id']}/units", {"label": "EG", "area_m2": "60",
                                                        "persons_registered": 6}).get_json()
    assert unit["overcrowded"] is False

    response = api.patch(f"/properties/{body['id']}/units/{unit['id']}", {"persons_seen": 7})

    assert response.status_code == 200
    assert (response.get_json()["persons_seen"], response.get_json()["overcrowded"]) == (7, True)
    units = api.get(f"/properties/{body['id']}/units").get_json()
    assert [(u["id"], u["overcrowded"]) for u in units["items"]] == [(unit["id"], True)]
    assert units["next_cursor"] is None


@pytest.mark.parametrize(("fields", "field"), [
    ({"area_m2": "-3"}, "area_m2"),
    ({"persons_registered": 31}, "persons_registered"),
    ({"label": ""}, "label"),
])
def test_bad_unit_values_are_422(api, fields, field):
    body = created(api)

    error = error_of(api.post(f"/properties/{body['id']}/units", {"label": "EG", **fields}), 422)

    assert list(error["fields"]) == [field]


def test_more_than_thirty_persons_are_refused_as_implausible(api):
    body = created(api)

    error = error_of(api.post(f"/properties/{body['id']}/units", {"label": "EG", "persons_registered": 31}), 422)

    assert error["fields"] == {"persons_registered": [
        "Mehr als 30 Personen in einer Wohnung sind nicht plausibel; bitte prüfen."]}


def test_a_duplicate_unit_label_is_refused(api):
    body = created(api)
    api.post(f"/properties/{body['id']}/units", {"label": "EG"})

    error = error_of(api.post(f"/properties/{body['id']}/units", {"label": "EG"}), 422)

    assert error["fields"] == {"label": ["Diese Bezeichnung gibt es im Haus schon."]}


def test_a_unit_of_another_property_is_404(api):
    first, second = created(api, house_number="1"), created(api, house_number="2")
    unit = api.post(f"/properties/{first['id']}/units", {"label": "EG"}).get_json()

    error = error_of(api.patch(f"/properties/{second['id']}/units/{unit['id']}", {"persons_seen": 3}), 404)

    assert error["code"] == "not_found"


# --- inspections -------------------------------------------------------------------------------------------------


def test_an_inspection_with_nested_defects_and_occupancy_updates_the_units(api):
    body = created(api)
    unit = api.post(f"/properties/{body['id']}/units", {"label": "EG", "area_m2": "40",
                                                        "persons_registered": 2}).get_json()

    response = api.post(f"/properties/{body['id']}/inspections", {
        "inspected_on": today().isoformat(), "condition_rating": 4, "notes": "Keller nass",
        "agencies": ["police"], "officer_emails": [api.user.email],
        "defects": [{"category": "electricity", "severity": "hazard", "unit_id": unit["id"],
                     "description": "Kabel offen", "deadline": (today() + timedelta(days=7)).isoformat()},
                    {"category": "waste", "severity": "minor", "description": "Müll im Hof"}],
        "occupancy": [{"unit_id": unit["id"], "persons_seen": 6}],
    })

    assert response.status_code == 201
    inspection = response.get_json()
    assert (inspection["condition_rating"], inspection["overcrowded"], inspection["officer_emails"]) == (
        4, True, [api.user.email])
    assert [(d["category"], d["severity"], d["unit_id"]) for d in inspection["defects"]] == [
        ("electricity", "hazard", unit["id"]), ("waste", "minor", None)]
    assert all(isinstance(d["id"], int) for d in inspection["defects"])
    assert inspection["occupancy"] == [{"unit_id": unit["id"], "persons_seen": 6}]
    units = api.get(f"/properties/{body['id']}/units").get_json()["items"]
    assert (units[0]["persons_seen"], units[0]["overcrowded"]) == (6, True)
    listed = api.get(f"/properties/{body['id']}/inspections").get_json()["items"]
    assert [i["id"] for i in listed] == [inspection["id"]]
    prop = api.get(f"/properties/{body['id']}").get_json()
    assert (prop["condition_rating"], prop["overcrowded"]) == (4, True)


@pytest.mark.parametrize(("change", "field"), [
    ({"condition_rating": 6}, "condition_rating"),
    ({"condition_rating": 0}, "condition_rating"),
    ({"inspected_on": "2999-01-01"}, "inspected_on"),
    ({"inspected_on": "01.03.2026"}, "inspected_on"),
    ({"agencies": ["secret_service"]}, "agencies"),
    ({"defects": [{"category": "mould", "severity": "minor", "description": "x"}]}, "defects.0.category"),
    ({"defects": [{"category": "heating", "severity": "minor"}]}, "defects.0.description"),
    ({"occupancy": [{"unit_id": 1, "persons_seen": -1}]}, "occupancy.0.persons_seen"),
])
def test_an_invalid_inspection_is_422_and_saves_nothing(api, change, field):
    body = created(api)

    error = error_of(api.post(f"/properties/{body['id']}/inspections",
                              {"inspected_on": today().isoformat(), "condition_rating": 3, **change}), 422)

    assert field in error["fields"]
    assert count(Inspection) == 0


def test_an_unknown_inspector_is_422(api):
    body = created(api)

    error = error_of(api.post(f"/properties/{body['id']}/inspections", {
        "inspected_on": today().isoformat(), "condition_rating": 3, "officer_emails": ["niemand@example.org"]}), 422)

    assert error["fields"]
    assert count(Inspection) == 0


def test_an_unknown_inspector_is_reported_on_officer_emails(api):
    body = created(api)

    error = error_of(api.post(f"/properties/{body['id']}/inspections", {
        "inspected_on": today().isoformat(), "condition_rating": 3, "officer_emails": ["niemand@example.org"]}), 422)

    assert list(error["fields"]) == ["officer_emails"]


def test_a_defect_deadline_before_the_inspection_is_422(api):
    body = created(api)

    error = error_of(api.post(f"/properties/{body['id']}/inspections", {
        "inspected_on": today().isoformat(), "condition_rating": 3,
        "defects": [{"category": "heating", "severity": "minor", "description": "x", "deadline": "2000-01-01"}]}), 422)

    assert ["Die Frist kann nicht vor der Kontrolle liegen."] in error["fields"].values()
    assert count(Inspection) == 0


def test_nested_defect_errors_use_one_naming_scheme(api):
    body = created(api)

    error = error_of(api.post(f"/properties/{body['id']}/inspections", {
        "inspected_on": today().isoformat(), "condition_rating": 3,
        "defects": [{"category": "heating", "severity": "minor", "description": "x", "deadline": "2000-01-01"}]}), 422)

    assert list(error["fields"]) == ["defects.0.deadline"]


def test_occupancy_for_a_unit_of_another_property_is_422(api):
    first, second = created(api, house_number="1"), created(api, house_number="2")
    foreign = api.post(f"/properties/{second['id']}/units", {"label": "EG"}).get_json()

    error = error_of(api.post(f"/properties/{first['id']}/inspections", {
        "inspected_on": today().isoformat(), "condition_rating": 3,
        "occupancy": [{"unit_id": foreign["id"], "persons_seen": 4}]}), 422)

    assert list(error["fields"].values()) == [["Diese Wohnung gehört nicht zu diesem Haus."]]
    assert db.session.get(Unit, foreign["id"]).persons_seen is None


# --- orders ------------------------------------------------------------------------------------------------------


def test_orders_are_created_listed_and_patched(api):
    body = created(api)

    response = api.post(f"/properties/{body['id']}/orders", {"type": "uninhabitable",
                                                             "vacate_by": (today() + timedelta(days=30)).isoformat()})
    assert response.status_code == 201
    order = response.get_json()
    assert (order["type"], order["status"], order["issued_on"]) == ("uninhabitable", "draft", None)

    response = api.patch(f"/properties/{body['id']}/orders/{order['id']}",
                         {"status": "issued", "issued_on": today().isoformat(),
                          "deadline": (today() + timedelta(days=14)).isoformat(), "fines_total": 1500})
    assert response.status_code == 200
    assert (response.get_json()["status"], response.get_json()["issued_on"]) == ("issued", today().isoformat())
    listed = api.get(f"/properties/{body['id']}/orders").get_json()["items"]
    assert [(o["id"], o["status"], o["fines_total"]) for o in listed] == [(order["id"], "issued", "1500.00")]
    assert api.post(f"/properties/{body['id']}/transitions", {"to": "order_issued"}).status_code == 200


@pytest.mark.parametrize(("order", "field"), [
    ({"type": "repair_order", "status": "issued"}, "issued_on"),
    ({"type": "repair_order", "issued_on": "2026-01-10", "deadline": "2026-01-09"}, "deadline"),
    ({"type": "uninhabitable"}, "vacate_by"),
    ({"type": "fine"}, "type"),
])
def test_invalid_orders_are_422(api, order, field):
    body = created(api)

    assert list(error_of(api.post(f"/properties/{body['id']}/orders", order), 422)["fields"]) == [field]


# --- acquisitions ----------------------------------------------------------------------------------------------


def test_an_acquisition_has_a_read_only_preemption_deadline_and_decimal_strings(api):
    body = created(api)

    response = api.post(f"/properties/{body['id']}/acquisitions", {
        "method": "preemption", "buyer": "city", "preemption_notice_on": "2025-11-30", "appraisal_value": 600000,
        "asking_price": "700000", "agreed_price": "640000.00", "council_decision_ref": "DS 12345-26"})

    assert response.status_code == 201
    acquisition = response.get_json()
    assert acquisition["preemption_deadline"] == "2026-02-28"
    assert acquisition["agreed_price"] == "640000.00"
    listed = api.get(f"/properties/{body['id']}/acquisitions").get_json()["items"]
    assert len(listed) == 1
    assert (listed[0]["appraisal_value"], listed[0]["asking_price"], listed[0]["agreed_price"]) == (
        "600000.00", "700000.00", "640000.00")
    assert listed[0]["preemption_deadline"] == "2026-02-28"
    assert listed[0]["council_decision_ref"] == "DS 12345-26"


def test_the_preemption_deadline_cannot_be_written(api):
    body = created(api)

    error = error_of(api.post(f"/properties/{body['id']}/acquisitions", {
        "method": "preemption", "buyer": "city", "preemption_notice_on": "2025-11-30",
        "preemption_deadline": "2026-12-31"}), 422)

    assert list(error["fields"]) == ["preemption_deadline"]


def test_patching_the_notice_moves_the_preemption_deadline_and_enables_acquired(api):
    body = created(api)
    acquisition = api.post(f"/properties/{body['id']}/acquisitions",
                           {"method": "preemption", "buyer": "city", "preemption_notice_on": "2025-10-15"}).get_json()
    assert acquisition["preemption_deadline"] == "2026-01-15"

    response = api.patch(f"/properties/{body['id']}/acquisitions/{acquisition['id']}", {
        "preemption_notice_on": "2025-12-31", "notarised_on": "2026-01-20", "transferred_on": "2026-02-01",
        "agreed_price": 640000, "transfer_type": "hereditary_building_right"})

    assert response.status_code == 200
    assert response.get_json()["preemption_deadline"] == "2026-03-31"
    assert response.get_json()["transfer_type"] == "hereditary_building_right"
    moved = api.post(f"/properties/{body['id']}/transitions", {"to": "acquired"})
    assert moved.status_code == 200 and moved.get_json()["status"] == "acquired"


@pytest.mark.parametrize(("fields", "field"), [
    ({"method": "purchase", "preemption_notice_on": "2025-11-30"}, "preemption_notice_on"),
    ({"method": "purchase", "notarised_on": "2026-02-01", "transferred_on": "2026-01-01"}, "transferred_on"),
    ({"method": "purchase", "agreed_price": "-1"}, "agreed_price"),
    ({"method": "swap"}, "method"),
])
def test_invalid_acquisitions_are_422(api, fields, field):
    body = created(api)

    error = error_of(api.post(f"/properties/{body['id']}/acquisitions", {"buyer": "city", **fields}), 422)

    assert list(error["fields"]) == [field]


# --- timeline ----------------------------------------------------------------------------------------------------


def test_the_timeline_lists_items_oldest_first(api, officer):
    case = full_case(actor=officer)
    prop = db.session.get(Property, case["property"])
    services.add_referral(prop, {"source": "police", "received_on": date(2020, 5, 1), "text": "Erste Meldung"},
                          actor=officer)
    services.transition(prop, "registered", actor=officer)
    db.session.commit()

    response = api.get(f"/properties/{case['property']}/timeline")

    assert response.status_code == 200
    items = response.get_json()["items"]
    assert response.get_json()["next_cursor"] is None
    assert items[0] == {"at": "2020-05-01", "kind": "referral", "text": "Meldung (Polizei): Erste Meldung"}
    assert items[-1]["kind"] == "transition" and items[-1]["text"] == "Status: erfasst"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", items[-1]["at"])  # with offset
    assert {"referral", "inspection", "transition"} <= {item["kind"] for item in items}
    moments = [local_moment(item["at"]) for item in items]
    assert moments == sorted(moments)
    assert all(set(item) == {"at", "kind", "text"} for item in items)


def local_moment(value: str) -> datetime:
    """A timeline ``at`` (a date, or a timestamp with offset) as Dortmund's wall-clock time, for ordering."""
    if "T" not in value:
        return datetime.combine(date.fromisoformat(value), time.min)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(LOCAL_TZ).replace(tzinfo=None)


# --- access and errors ------------------------------------------------------------------------------------------


def endpoints(case):
    p = case["property"]
    return [
        ("GET", "/properties", None),
        ("POST", "/properties", NEW),
        ("GET", f"/properties/{p}", None),
        ("PATCH", f"/properties/{p}", {"parcel": "x", "version": 1}),
        ("POST", f"/properties/{p}/transitions", {"to": "registered"}),
        ("GET", f"/properties/{p}/timeline", None),
        ("GET", f"/properties/{p}/units", None),
        ("POST", f"/properties/{p}/units", {"label": "DG"}),
        ("PATCH", f"/properties/{p}/units/{case['unit']}", {"persons_seen": 1}),
        ("GET", f"/properties/{p}/inspections", None),
        ("POST", f"/properties/{p}/inspections", {"inspected_on": "2026-01-01", "condition_rating": 1}),
        ("GET", f"/properties/{p}/orders", None),
        ("POST", f"/properties/{p}/orders", {"type": "other"}),
        ("PATCH", f"/properties/{p}/orders/{case['order']}", {"description": "x"}),
        ("GET", f"/properties/{p}/acquisitions", None),
        ("POST", f"/properties/{p}/acquisitions", {"method": "purchase", "buyer": "city"}),
        ("PATCH", f"/properties/{p}/acquisitions/{case['acquisition']}", {"agreed_price": 1}),
    ]


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.TENANT_ADVISOR, Role.MANAGEMENT])
def test_other_roles_get_403_on_every_ankauf_resource(client, officer, bearer, role):
    case = full_case(actor=officer)
    headers = bearer(UserFactory(roles=[role]))

    for method, url, body in endpoints(case):
        response = client.open(f"/api/v1{url}", method=method, json=body, headers=headers)
        assert response.status_code == 403, f"{method} {url}"
        assert response.get_json()["error"]["code"] == "forbidden"
    assert db.session.get(Property, case["property"]).status == CaseStatus.REPORTED
    assert count(Property) == 1


def test_admins_may_use_the_ankauf_resources(client, officer, bearer):
    case = full_case(actor=officer)
    headers = bearer(UserFactory(roles=[Role.ADMIN]))

    assert client.get(f"/api/v1/properties/{case['property']}", headers=headers).status_code == 200


def test_without_a_token_every_ankauf_resource_is_401(client, officer):
    case = full_case(actor=officer)

    for method, url, body in endpoints(case):
        assert client.open(f"/api/v1{url}", method=method, json=body).status_code == 401, f"{method} {url}"


@pytest.mark.parametrize(("method", "url", "body"), [
    ("GET", "/properties/999999", None),
    ("PATCH", "/properties/999999", {"version": 1}),
    ("POST", "/properties/999999/transitions", {"to": "registered"}),
    ("GET", "/properties/999999/timeline", None),
    ("GET", "/properties/999999/units", None),
    ("POST", "/properties/999999/units", {"label": "EG"}),
    ("POST", "/properties/999999/inspections", {"inspected_on": "2026-01-01", "condition_rating": 1}),
    ("GET", "/properties/999999/orders", None),
    ("GET", "/properties/999999/acquisitions", None),
])
def test_an_unknown_property_is_404_json(client, officer, bearer, method, url, body):
    response = client.open(f"/api/v1{url}", method=method, json=body, headers=bearer(officer))

    error = error_of(response, 404)
    assert error == {"code": "not_found", "message": "Nicht gefunden."}


def test_an_order_of_another_property_is_404_json(api, officer):
    case = full_case(actor=officer)
    other = created(api, house_number="2")

    error_of(api.patch(f"/properties/{other['id']}/orders/{case['order']}", {"description": "x"}), 404)
    error_of(api.patch(f"/properties/{other['id']}/acquisitions/{case['acquisition']}", {"agreed_price": 1}), 404)


@pytest.mark.parametrize("payload", ['{"street": "Mallinckrodtstraße",', "not json", "[1, 2]", '"text"', ""])
def test_malformed_json_is_400_json(client, officer, bearer, payload):
    response = client.post("/api/v1/properties", data=payload, content_type="application/json",
                           headers=bearer(officer))

    error = error_of(response, 400)
    assert error["code"] == "bad_request"
    assert count(Property) == 0


def test_malformed_json_on_a_transition_is_400_json(client, officer, bearer):
    case = full_case(actor=officer)

    response = client.post(f"/api/v1/properties/{case['property']}/transitions", data="{to: registered}",
                           content_type="application/json", headers=bearer(officer))

    assert error_of(response, 400)["code"] == "bad_request"


# --- referrals, owners, resolving a defect (what the case file page does) ----------------------------------------


def _audit_actions(user) -> list[str]:
    from housing.audit.models import AuditEvent

    return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == user.id)
                                   .order_by(AuditEvent.id)))


def test_a_referral_is_recorded_and_listed_oldest_first(api):
    prop = created(api)

    for received, text in [(today(), "Müll im Hof"), (today() - timedelta(days=9), "Überbelegung")]:
        response = api.post(f"/properties/{prop['id']}/referrals",
                            {"received_on": received.isoformat(), "source": "residents", "text": text})
        assert response.status_code == 201, response.get_json()

    items = api.get(f"/properties/{prop['id']}/referrals").get_json()["items"]
    assert [item["text"] for item in items] == ["Überbelegung", "Müll im Hof"]
    assert set(items[0]) == {"id", "received_on", "source", "text"}
    assert "referral" in {item["kind"] for item in api.get(f"/properties/{prop['id']}/timeline").get_json()["items"]}


def test_a_referral_from_the_future_or_without_text_is_422_with_the_field(api):
    prop = created(api)

    future = api.post(f"/properties/{prop['id']}/referrals", {"received_on": (today() + timedelta(days=1)).isoformat(),
                                                              "source": "police", "text": "x"})
    empty = api.post(f"/properties/{prop['id']}/referrals", {"received_on": today().isoformat(), "source": "police",
                                                             "text": ""})
    unknown = api.post(f"/properties/{prop['id']}/referrals", {"received_on": today().isoformat(), "source": "ufo",
                                                               "text": "x"})

    assert set(error_of(future, 422)["fields"]) == {"received_on"}
    assert set(error_of(empty, 422)["fields"]) == {"text"}
    assert set(error_of(unknown, 422)["fields"]) == {"source"}


def test_a_new_owner_ends_the_previous_ones_period_and_listing_owners_is_audited(api):
    prop = created(api)
    first_day, second_day = today() - timedelta(days=400), today() - timedelta(days=30)

    first = api.post(f"/properties/{prop['id']}/owners", {"kind": "person", "name": "Jürgen Öztürk",
                                                          "registered_on": first_day.isoformat()})
    second = api.post(f"/properties/{prop['id']}/owners", {"kind": "unknown", "registered_on": second_day.isoformat(),
                                                           "land_register_ref": "Blatt 12"})

    assert first.status_code == second.status_code == 201
    assert second.get_json()["name"] == "unbekannt"
    owners = api.get(f"/properties/{prop['id']}/owners").get_json()["items"]
    assert [(o["name"], o["ended_on"]) for o in owners][0] == ("Jürgen Öztürk", second_day.isoformat())
    assert owners[1]["ended_on"] is None and owners[1]["land_register_ref"] == "Blatt 12"
    assert _audit_actions(api.user)[-1] == "property.view"


def test_an_owner_without_a_name_or_date_is_422(api):
    prop = created(api)

    response = api.post(f"/properties/{prop['id']}/owners", {"kind": "person", "registered_on": today().isoformat()})

    assert set(error_of(response, 422)["fields"]) == {"name"}
    assert set(error_of(api.post(f"/properties/{prop['id']}/owners", {"kind": "person", "name": "A"}),
                        422)["fields"]) == {"registered_on"}


def test_resolving_a_defect_notes_the_day_and_is_audited(api, officer):
    case = full_case(actor=officer)

    response = api.post(f"/properties/{case['property']}/defects/{case['defect']}/resolve",
                        {"resolved_on": today().isoformat()})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["resolved_on"] == today().isoformat()
    assert response.get_json()["id"] == case["defect"]
    assert "defect.resolve" in _audit_actions(api.user)


def test_a_defect_cannot_be_resolved_before_its_inspection_or_in_the_future(api, officer):
    case = full_case(actor=officer)
    url = f"/properties/{case['property']}/defects/{case['defect']}/resolve"

    before = api.post(url, {"resolved_on": (today() - timedelta(days=30)).isoformat()})
    future = api.post(url, {"resolved_on": (today() + timedelta(days=1)).isoformat()})

    assert set(error_of(before, 422)["fields"]) == {"resolved_on"}
    assert set(error_of(future, 422)["fields"]) == {"resolved_on"}


def test_a_defect_of_another_property_is_404_and_other_roles_are_403(api, officer, client, bearer):
    case = full_case(actor=officer)
    other = created(api, house_number="77")
    body = {"resolved_on": today().isoformat()}

    error_of(api.post(f"/properties/{other['id']}/defects/{case['defect']}/resolve", body), 404)
    advisor = UserFactory(roles=[Role.TENANT_ADVISOR])
    response = client.post(f"/api/v1/properties/{case['property']}/defects/{case['defect']}/resolve", json=body,
                           headers=bearer(advisor))
    assert error_of(response, 403)["code"] == "forbidden"


def test_reading_a_property_is_audited_like_the_case_file_page(api, officer):
    case = full_case(actor=officer)

    assert api.get(f"/properties/{case['property']}").status_code == 200

    assert _audit_actions(api.user)[-1] == "property.view"
