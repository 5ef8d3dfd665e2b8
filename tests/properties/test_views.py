"""The Ankauf pages: case list (filters, sorting, pages, export), board, case file, forms, inspection screen, files."""

import csv
import html
import io
import re
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from sqlalchemy import func, select

from housing.attachments.models import Attachment
from housing.clock import today
from housing.extensions import db
from housing.properties import services
from housing.properties.models import (
    CaseStatus,
    Defect,
    Inspection,
    Priority,
    Property,
    Referral,
    StatusTransition,
    Unit,
)
from housing.rules.registry import MIN_AREA_PER_PERSON

from ..conftest import race_before_flush
from ..factories import full_case, png_bytes

HTML_AS_JPEG = b"<html><script>alert(1)</script></html>"
GUARD_INSPECTED = "Für „kontrolliert“ fehlt eine Hauskontrolle."


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def case_ids(response) -> list[int]:
    """The cases a list page shows, in order."""
    return [int(i) for i in re.findall(r'href="/properties/(\d+)"', response.get_data(as_text=True))]


def flashes(response) -> list[str]:
    return [html.unescape(m).strip() for m in re.findall(r'<div class="flash flash--\w+"[^>]*>(.*?)</div>',
                                                         response.get_data(as_text=True), flags=re.S)]


def field_errors(response) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'<p class="field__error">(.*?)</p>', response.get_data(as_text=True))]


def next_link(response) -> str | None:
    match = re.search(r'<a class="button button--ghost" href="([^"]*)">Weiter', response.get_data(as_text=True))
    return html.unescape(match.group(1)) if match else None


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- the case list ------------------------------------------------------------------------------------------


@pytest.fixture
def mixed_cases(officer):
    """Four problem cases that differ in one attribute each, and one ordinary building."""
    actor = officer
    registered = services.create_property({"street": "Schützenstraße", "house_number": "1", "postcode": "44147",
                                           "social_area": "nordmarkt", "priority": "high"}, actor=actor)
    services.transition(registered, "registered", actor=actor)
    crowded = services.create_property({"street": "Borsigplatz", "house_number": "2", "postcode": "44145",
                                        "social_area": "borsigplatz", "priority": "low"}, actor=actor)
    services.add_unit(crowded, {"label": "EG", "area_m2": Decimal("30"), "persons_registered": 6}, actor=actor)
    overdue = services.create_property({"street": "Mallinckrodtstraße", "house_number": "100", "postcode": "44147",
                                        "social_area": "hafen", "priority": "medium"}, actor=actor)
    services.record_inspection(overdue, inspected_on=today() - timedelta(days=20), condition_rating=4, defects=[
        services.DefectInput("fire_safety", "hazard", "Fluchtweg verstellt", deadline=today() - timedelta(days=5))],
        actor=actor)
    urgent = services.create_property({"street": "Uhlandstraße", "house_number": "7", "postcode": "44147",
                                       "social_area": "nordmarkt", "priority": "highest"}, actor=actor)
    ordinary = services.create_property({"street": "Kaiserstraße", "house_number": "3", "postcode": "44135",
                                         "social_area": "innenstadt-ost", "problem_case": False}, actor=actor)
    db.session.commit()
    return {"registered": registered.id, "crowded": crowded.id, "overdue": overdue.id, "urgent": urgent.id,
            "ordinary": ordinary.id}


def test_the_case_list_shows_problem_cases_only(officer_client, mixed_cases):
    response = officer_client.get("/cases")

    assert response.status_code == 200
    assert set(case_ids(response)) == {mixed_cases[k] for k in ("registered", "crowded", "overdue", "urgent")}


@pytest.mark.parametrize(("query", "expected"), [
    ("status=registered", {"registered"}),
    ("status=reported", {"crowded", "overdue", "urgent"}),
    ("social_area=nordmarkt", {"registered", "urgent"}),
    ("social_area=borsigplatz", {"crowded"}),
    ("priority=highest", {"urgent"}),
    ("priority=low", {"crowded"}),
    ("overcrowded=y", {"crowded"}),
    ("overdue=y", {"overdue"}),
    ("q=Mallinckrodtstr+100", {"overdue"}),
    ("q=44145", {"crowded"}),
    ("q=uhlandstraße", {"urgent"}),
    ("status=reported&social_area=nordmarkt", {"urgent"}),
    ("status=acquired", set()),
])
def test_each_case_list_filter_narrows_the_list(officer_client, mixed_cases, query, expected):
    response = officer_client.get(f"/cases?{query}")

    assert response.status_code == 200
    assert set(case_ids(response)) == {mixed_cases[name] for name in expected}


def test_an_unknown_filter_value_is_ignored_rather_than_an_error(officer_client, mixed_cases):
    response = officer_client.get("/cases?status=sold&priority=urgent")

    assert response.status_code == 200
    assert len(case_ids(response)) == 4


def test_the_list_is_sorted_by_address_by_default(officer_client, mixed_cases):
    ids = case_ids(officer_client.get("/cases"))

    assert ids == [mixed_cases[k] for k in ("crowded", "overdue", "registered", "urgent")]


def test_the_list_sorts_by_priority_highest_first(officer_client, mixed_cases):
    ids = case_ids(officer_client.get("/cases?sort=priority"))

    assert ids == [mixed_cases[k] for k in ("urgent", "registered", "overdue", "crowded")]


def test_the_list_sorts_by_last_change_newest_first(officer_client, mixed_cases, officer):
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=5), tick=False):
        services.update_property(db.session.get(Property, mixed_cases["crowded"]), {"parcel": "Flur 1"},
                                 actor=officer)
        db.session.commit()

    ids = case_ids(officer_client.get("/cases?sort=updated"))

    assert ids[0] == mixed_cases["crowded"]


def test_the_list_sorts_by_status_in_pipeline_order(officer_client, mixed_cases):
    ids = case_ids(officer_client.get("/cases?sort=status"))

    # the only case beyond 'reported' comes first or last, whichever way round; by address it is third of four
    assert mixed_cases["registered"] in (ids[0], ids[-1])


@pytest.fixture
def sixty_cases(officer):
    ids = []
    for n in range(60):
        prop = services.create_property({"street": "Nordstraße", "house_number": str(n + 1), "postcode": "44145",
                                         "social_area": "nordmarkt", "priority": list(Priority)[n % 4]},
                                        actor=officer)
        ids.append(prop.id)
    db.session.commit()
    return ids


def test_keyset_pages_have_fifty_cases_and_a_weiter_link_to_the_rest(officer_client, sixty_cases):
    first = officer_client.get("/cases")
    first_ids = case_ids(first)
    link = next_link(first)

    assert len(first_ids) == 50
    assert link is not None and "after=" in link
    second = officer_client.get(link)
    second_ids = case_ids(second)
    assert second.status_code == 200
    assert len(second_ids) == 10
    assert not set(first_ids) & set(second_ids)
    assert set(first_ids) | set(second_ids) == set(sixty_cases)
    assert next_link(second) is None
    assert "Zum Anfang" in text(second)


def test_the_weiter_link_keeps_the_filters(officer_client, sixty_cases):
    first = officer_client.get("/cases?q=Nordstr&social_area=nordmarkt")
    link = next_link(first)

    assert "q=Nordstr" in link and "social_area=nordmarkt" in link
    assert len(case_ids(officer_client.get(link))) == 10


def test_keyset_pages_sorted_by_last_change_do_not_overlap(officer_client, sixty_cases):
    first = officer_client.get("/cases?sort=updated")
    second = officer_client.get(next_link(first))

    assert second.status_code == 200
    assert len(set(case_ids(first)) | set(case_ids(second))) == 60


def test_keyset_pages_sorted_by_priority_do_not_overlap(officer_client, sixty_cases):
    first = officer_client.get("/cases?sort=priority")
    second = officer_client.get(next_link(first))

    assert second.status_code == 200
    assert len(set(case_ids(first)) | set(case_ids(second))) == 60


def test_a_forged_cursor_is_a_400(officer_client, sixty_cases):
    assert officer_client.get("/cases?after=bm90LWEtY3Vyc29y").status_code == 400


def _make_cases(officer, start, stop):
    for n in range(start, stop):
        prop = services.create_property({"street": "Zählstraße", "house_number": str(n + 1), "postcode": "44145",
                                         "social_area": ["nordmarkt", "hafen", "borsigplatz"][n % 3],
                                         "priority": list(Priority)[n % 4]}, actor=officer)
        services.add_unit(prop, {"label": "EG", "area_m2": Decimal("20"), "persons_registered": n % 4}, actor=officer)
        if n % 2:
            services.transition(prop, "registered", actor=officer)
    db.session.commit()


@pytest.mark.parametrize("url", ["/cases", "/cases?sort=priority", "/cases/board"])
def test_list_and_board_use_a_constant_number_of_queries(officer_client, officer, count_queries, url):
    _make_cases(officer, 0, 3)
    officer_client.get(url)  # warm up (caches, first-request work)
    with count_queries() as few:
        assert officer_client.get(url).status_code == 200

    _make_cases(officer, 3, 30)
    with count_queries() as many:
        response = officer_client.get(url)

    assert response.status_code == 200
    assert len(many) == len(few)


# --- exports ---------------------------------------------------------------------------------------------------


CSV_HEADER = ["Straße", "Hausnummer", "PLZ", "Sozialraum", "Stand", "Priorität", "Zustand", "Überbelegt", "Baujahr",
              "Wohnfläche (m²)", "Stand seit"]


def test_csv_export_is_semicolon_separated_utf8_with_bom_and_german_headers(officer_client, officer):
    prop = services.create_property({"street": "Mallinckrodtstraße", "house_number": "100", "postcode": "44147",
                                     "social_area": "nordmarkt", "year_built": 1905,
                                     "floor_area_m2": Decimal("480.50")}, actor=officer)
    services.add_unit(prop, {"label": "EG", "area_m2": Decimal("30"), "persons_registered": 5}, actor=officer)
    with time_machine.travel(datetime(2026, 3, 1, 9, 15, tzinfo=UTC), tick=False):
        services.transition(prop, "registered", actor=officer)
    db.session.commit()

    response = officer_client.get("/cases/export.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == CSV_HEADER
    assert rows[1] == ["Mallinckrodtstraße", "100", "44147", "Nordmarkt", "erfasst", "mittel", "", "ja", "1905",
                       "480,50", "01.03.2026 10:15"]
    assert len(rows) == 2


def test_csv_export_respects_the_filters_and_is_audited(officer_client, mixed_cases):
    from housing.audit.models import AuditEvent

    response = officer_client.get("/cases/export.csv?social_area=nordmarkt")

    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))
    assert sorted(row[0] for row in rows[1:]) == ["Schützenstraße", "Uhlandstraße"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "property.export"))
    assert "social_area=nordmarkt" in event.summary


def test_csv_export_defuses_spreadsheet_formulas(officer_client, officer):
    services.create_property({"street": "=HYPERLINK(1)", "house_number": "1", "postcode": "44147",
                              "social_area": "nordmarkt"}, actor=officer)
    db.session.commit()

    rows = list(csv.reader(io.StringIO(officer_client.get("/cases/export.csv").get_data().decode("utf-8-sig")),
                           delimiter=";"))

    assert rows[1][0] == "'=HYPERLINK(1)"


def test_xlsx_export_opens_with_real_dates_and_numbers(officer_client, officer, mixed_cases):
    prop = db.session.get(Property, mixed_cases["registered"])
    services.update_property(prop, {"year_built": 1899, "floor_area_m2": Decimal("312.25")}, actor=officer)
    db.session.commit()

    response = officer_client.get("/cases/export.xlsx?status=registered")

    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == CSV_HEADER
    assert len(rows) == 2
    row = dict(zip(CSV_HEADER, rows[1], strict=True))
    assert row["Straße"] == "Schützenstraße"
    assert row["Baujahr"] == 1899
    assert isinstance(row["Wohnfläche (m²)"], float) and row["Wohnfläche (m²)"] == 312.25
    assert isinstance(row["Stand seit"], datetime)
    assert row["Überbelegt"] is False
    cells = list(sheet.iter_rows(min_row=2, max_row=2))[0]
    assert cells[CSV_HEADER.index("Stand seit")].is_date
    assert cells[CSV_HEADER.index("Wohnfläche (m²)")].number_format == "#,##0.00"


@contextmanager
def own_app_context():
    """Serve requests in their own app context, as in production, where its teardown closes the session.

    (The test's app context otherwise stays active across the request and hides what happens after it.)"""
    from flask import globals as flask_globals

    db.session.commit()
    token = flask_globals._cv_app.set(None)
    try:
        yield
    finally:
        flask_globals._cv_app.reset(token)


@pytest.mark.parametrize("fmt", [
    "csv",
    "xlsx",
])
def test_exports_work_when_the_request_has_its_own_app_context(officer_client, mixed_cases, fmt):
    with own_app_context():
        response = officer_client.get(f"/cases/export.{fmt}?social_area=nordmarkt")
        data = response.get_data()

    assert response.status_code == 200
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    else:
        rows = list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert sorted(row[0] for row in rows[1:]) == ["Schützenstraße", "Uhlandstraße"]


def test_an_unknown_export_format_is_404(officer_client):
    assert officer_client.get("/cases/export.pdf").status_code == 404


# --- the board -------------------------------------------------------------------------------------------------


def test_the_board_counts_cases_by_status_and_area_and_links_them_for_officers(officer_client, mixed_cases):
    response = officer_client.get("/cases/board")

    assert response.status_code == 200
    page = text(response)
    assert "4 Fälle insgesamt" in page
    assert "/cases?status=registered&social_area=nordmarkt" in page


def test_the_board_groups_the_digits_of_a_city_s_counts_in_each_language(officer_client, mixed_cases):
    """The counts of a whole city (thousands of cases) are written 1.250 in German and 1,250 in English."""
    from housing.properties.counts import CaseCount

    # The board reads the counts the database keeps; a city's worth of registered cases in Nordmarkt.
    db.session.execute(CaseCount.__table__.update().where(CaseCount.status == "registered").values(cases=1250))
    db.session.commit()

    page = text(officer_client.get("/cases/board"))
    assert "1.253 Fälle insgesamt" in page
    assert ">1.250</a>" in page and ">1250<" not in page
    officer_client.post("/language", data={"language": "en"})
    page = text(officer_client.get("/cases/board"))
    assert "1,253 cases in total" in page
    assert ">1,250</a>" in page


def test_management_sees_the_board_without_links_to_cases(management_client, mixed_cases):
    response = management_client.get("/cases/board")

    assert response.status_code == 200
    assert "4 Fälle insgesamt" in text(response)
    assert "/cases?status=" not in text(response)


# --- access -------------------------------------------------------------------------------------------------


@pytest.fixture
def case(officer):
    return full_case(actor=officer)


@pytest.mark.parametrize("role", ["supervisor", "tenant_advisor"])
def test_supervisors_and_advisors_see_neither_cases_nor_board(role_client, case, role):
    client = role_client(role)
    for url in ["/cases", "/cases/board", f"/properties/{case['property']}", "/cases/export.csv",
                f"/properties/{case['property']}/inspections/{case['inspection']}"]:
        assert client.get(url).status_code == 403, url


def test_management_gets_the_board_but_not_the_case_files(management_client, case):
    assert management_client.get("/cases/board").status_code == 200
    for url in ["/cases", f"/properties/{case['property']}", "/cases/export.xlsx",
                f"/properties/{case['property']}/edit"]:
        assert management_client.get(url).status_code == 403, url
    response = management_client.post(f"/properties/{case['property']}/transition", data={"to": "registered"})
    assert response.status_code == 403
    assert db.session.get(Property, case["property"]).status == CaseStatus.REPORTED


def test_an_unknown_case_is_404(officer_client):
    assert officer_client.get("/properties/999999").status_code == 404


# --- new case ------------------------------------------------------------------------------------------------


NEW_CASE = {"street": "Mallinckrodtstraße", "house_number": "100", "postcode": "44147", "social_area": "nordmarkt",
            "priority": "high", "year_built": "1910", "floor_area_m2": "480,5", "parcel": "",
            "source": "police", "text": "Matratzenlager im Keller, 20 Personen"}


def test_the_new_case_form_creates_property_and_referral_and_redirects(officer_client):
    response = officer_client.post("/cases/new", data={**NEW_CASE, "received_on": today().isoformat()})

    prop = db.session.scalar(select(Property))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/properties/{prop.id}"
    assert (prop.status, prop.priority, prop.year_built, prop.floor_area_m2) == (
        CaseStatus.REPORTED, Priority.HIGH, 1910, Decimal("480.50"))
    referral = db.session.scalar(select(Referral))
    assert (referral.property_id, referral.source.value, referral.text, referral.received_on) == (
        prop.id, "police", "Matratzenlager im Keller, 20 Personen", today())
    assert "Der Fall Mallinckrodtstraße 100 ist angelegt." in flashes(officer_client.get(response.headers["Location"]))


@pytest.mark.parametrize("postcode", ["4414", "441470"])
def test_a_postcode_of_the_wrong_length_is_told_in_german(officer_client, postcode):
    response = officer_client.post("/cases/new", data={**NEW_CASE, "postcode": postcode,
                                                       "received_on": today().isoformat()})

    assert field_errors(response) == ["Die Postleitzahl hat fünf Ziffern."]  # not WTForms' English
    assert count(Property) == 0


def test_the_new_case_form_shows_service_errors_on_the_fields_and_saves_nothing(officer_client):
    response = officer_client.post("/cases/new", data={**NEW_CASE, "postcode": "4414x",
                                                       "received_on": (today() + timedelta(days=1)).isoformat()})

    assert response.status_code == 200
    assert "Die Postleitzahl hat fünf Ziffern." in field_errors(response)
    assert 'value="Mallinckrodtstraße"' in text(response)  # what was typed stays
    assert count(Property) == 0 and count(Referral) == 0


def test_the_new_case_form_refuses_a_second_file_for_an_address(officer_client, officer):
    services.create_property({"street": "Mallinckrodtstraße", "house_number": "100", "postcode": "44147",
                              "social_area": "nordmarkt"}, actor=officer)

    response = officer_client.post("/cases/new", data={**NEW_CASE, "street": "mallinckrodtstr.",
                                                       "received_on": today().isoformat()})

    assert response.status_code == 200
    assert "Diese Adresse ist schon erfasst." in field_errors(response)
    assert count(Property) == 1 and count(Referral) == 0


@pytest.mark.parametrize("value", ["NaN", "sNaN", "Infinity", "1e999"])
def test_the_new_case_form_refuses_a_floor_area_that_is_no_finite_number(officer_client, value):
    response = officer_client.post("/cases/new", data={**NEW_CASE, "floor_area_m2": value,
                                                       "received_on": today().isoformat()})

    assert response.status_code == 200
    assert field_errors(response)
    assert count(Property) == 0


def test_the_new_case_form_accepts_a_german_decimal(officer_client):
    officer_client.post("/cases/new", data={**NEW_CASE, "floor_area_m2": "1.234,5", "received_on": today().isoformat()})

    assert db.session.scalar(select(Property.floor_area_m2)) == Decimal("1234.50")


def test_the_unit_form_refuses_nan_as_area(officer_client, make_case):
    prop = make_case()

    response = officer_client.post(f"/properties/{prop.id}/units/new", data={"label": "EG", "area_m2": "NaN"})

    assert response.status_code == 200
    assert field_errors(response)
    assert count(Unit) == 0


# --- the case file -------------------------------------------------------------------------------------------


def test_the_case_file_shows_units_deadlines_timeline_and_everything_else_to_officers(officer_client, officer, case):
    prop = db.session.get(Property, case["property"])
    services.add_referral(prop, {"source": "residents", "received_on": today() - timedelta(days=40),
                                 "text": "Lärm und Müll im Hof"}, actor=officer)
    services.record_inspection(prop, inspected_on=today() - timedelta(days=20), condition_rating=5, defects=[
        services.DefectInput("waste", "major", "Sperrmüll im Treppenhaus", deadline=today() - timedelta(days=5))],
        actor=officer)
    acquisition = db.session.get(services.Acquisition, case["acquisition"])
    services.update_acquisition(acquisition, {"council_decision_ref": "DS 12345-26",
                                              "council_decision_on": date(2026, 2, 10)}, actor=officer)
    db.session.commit()

    response = officer_client.get(f"/properties/{case['property']}")

    assert response.status_code == 200
    page = text(response)
    assert "EG links" in page and "60,00 m²" in page  # the unit
    assert "überbelegt" in page  # 7 seen on 60 m²
    assert "Mangel: Müll/Verwahrlosung" in page and "seit 5 Tagen überfällig" in page
    assert "Lärm und Müll im Hof" in page  # referral
    assert "Meldung (Anwohnende): Lärm und Müll im Hof" in page  # ... and in the timeline
    assert "Status: gemeldet" in page
    assert "Kabel offen" in page and "Sperrmüll im Treppenhaus" in page  # defects
    assert "Instandsetzungsanordnung" in page  # order
    assert "DS 12345-26" in page  # council decision: officers see it
    assert f"/attachments/{case['photo']}/thumbnail" in page  # defect photo


def test_admins_see_the_council_decision_too(admin_client, officer, case):
    acquisition = db.session.get(services.Acquisition, case["acquisition"])
    services.update_acquisition(acquisition, {"council_decision_ref": "DS 999"}, actor=officer)
    db.session.commit()

    assert "DS 999" in text(admin_client.get(f"/properties/{case['property']}"))


def test_viewing_a_case_file_is_audited(officer_client, case):
    from housing.audit.models import AuditEvent

    officer_client.get(f"/properties/{case['property']}")

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "property.view"))
    assert event.object_id == str(case["property"])
    assert event.actor_id == officer_client.user.id


# --- transitions through the page -----------------------------------------------------------------------------


def test_a_transition_with_a_failing_guard_shows_the_guard_at_the_choice_and_changes_nothing(officer_client,
                                                                                              make_case):
    prop = make_case()
    db.session.commit()

    response = officer_client.post(f"/properties/{prop.id}/transition",
                                   data={"to": "inspected", "reason": "Kontrolle war am Montag",
                                         "version": str(prop.version)})

    assert response.status_code == 422
    assert GUARD_INSPECTED in field_errors(response) + flashes(response)
    page = text(response)
    assert '<option selected value="inspected">' in page and "Kontrolle war am Montag</textarea>" in page
    assert db.session.get(Property, prop.id).status == CaseStatus.REPORTED
    assert count(StatusTransition) == 1


def test_a_transition_through_the_page_moves_the_case(officer_client, make_case):
    prop = make_case()
    db.session.commit()

    response = officer_client.post(f"/properties/{prop.id}/transition",
                                   data={"to": "registered", "version": str(prop.version)}, follow_redirects=True)

    assert "Neuer Stand: erfasst." in flashes(response)
    stored = db.session.get(Property, prop.id)
    assert stored.status == CaseStatus.REGISTERED
    move = db.session.scalars(select(StatusTransition).order_by(StatusTransition.id.desc())).first()
    assert move.actor_id == officer_client.user.id


def test_a_step_back_through_the_page_without_a_reason_is_refused(officer_client, make_case, officer):
    prop = make_case()
    services.transition(prop, "acquisition_review", actor=officer)
    db.session.commit()

    response = officer_client.post(f"/properties/{prop.id}/transition", data={"to": "registered", "reason": " "})

    assert response.status_code == 422
    assert field_errors(response) == ["Für einen Schritt zurück ist eine Begründung nötig."]  # at the reason
    assert '<option selected value="registered">' in text(response)
    assert db.session.get(Property, prop.id).status == CaseStatus.ACQUISITION_REVIEW


def test_a_transition_from_a_stale_page_is_refused(officer_client, make_case, officer):
    prop = make_case()
    db.session.flush()
    old_version = prop.version
    services.update_property(prop, {"priority": "high"}, actor=officer)
    db.session.commit()

    response = officer_client.post(f"/properties/{prop.id}/transition",
                                   data={"to": "registered", "version": str(old_version)}, follow_redirects=True)

    assert any("inzwischen von jemand anderem geändert" in message for message in flashes(response))
    assert db.session.get(Property, prop.id).status == CaseStatus.REPORTED


def test_the_transition_choices_mark_back_moves_and_exits(officer_client, make_case, officer):
    prop = make_case()
    services.transition(prop, "acquisition_review", actor=officer)
    db.session.commit()

    page = text(officer_client.get(f"/properties/{prop.id}"))

    assert "erfasst (zurück)" in page
    assert "abgerissen (Abschluss)" in page
    assert '<option value="acquired">erworben</option>' in page


def test_a_demolished_case_offers_no_transition(officer_client, make_case, officer):
    prop = make_case()
    services.transition(prop, "demolished", actor=officer, reason="abgerissen")
    db.session.commit()

    page = text(officer_client.get(f"/properties/{prop.id}"))

    assert "Stand ändern" not in page


# --- editing master data ---------------------------------------------------------------------------------------


EDIT = {"street": "Mallinckrodtstraße", "house_number": "1", "postcode": "44147", "social_area": "nordmarkt",
        "priority": "highest", "parcel": "Neu: Flur 7", "year_built": "", "floor_area_m2": ""}


def test_the_edit_form_saves_with_the_current_version(officer_client, make_case):
    prop = make_case(number="1")
    db.session.commit()

    response = officer_client.post(f"/properties/{prop.id}/edit", data={**EDIT, "version": str(prop.version)})

    assert response.status_code == 302
    stored = db.session.get(Property, prop.id)
    assert (stored.parcel, stored.priority, stored.version) == ("Neu: Flur 7", Priority.HIGHEST, prop.version + 1)


@pytest.fixture
def edited_meanwhile(make_case, officer):
    prop = make_case(number="1")
    db.session.flush()
    old_version = prop.version
    services.update_property(prop, {"parcel": "Flur 3 (Kollegin)"}, actor=officer)
    db.session.commit()
    return prop, old_version


def test_an_edit_from_an_old_version_keeps_the_typed_data_and_saves_nothing(officer_client, edited_meanwhile):
    prop, old_version = edited_meanwhile

    response = officer_client.post(f"/properties/{prop.id}/edit", data={**EDIT, "version": str(old_version)})

    assert response.status_code == 200
    assert 'value="Neu: Flur 7"' in text(response)
    assert db.session.get(Property, prop.id).parcel == "Flur 3 (Kollegin)"


def test_an_edit_from_an_old_version_tells_the_user_to_reload(officer_client, edited_meanwhile):
    prop, old_version = edited_meanwhile

    response = officer_client.post(f"/properties/{prop.id}/edit", data={**EDIT, "version": str(old_version)})

    assert "Bitte laden Sie die Seite neu" in text(response)


def test_a_save_that_races_another_keeps_the_typed_data_and_says_so(officer_client, make_case):
    """Another save lands between this request's load and its write (the version check passed; the row's version
    has moved on when the UPDATE runs): the form comes back with what was typed, nothing half-saved."""
    prop = make_case(number="1")
    db.session.commit()

    with race_before_flush("UPDATE properties SET parcel = 'Flur 3 (Kollegin)', version = version + 1 "
                           "WHERE id = :id", {"id": prop.id}) as ran:  # the colleague's edit, committed first
        response = officer_client.post(f"/properties/{prop.id}/edit", data={**EDIT, "version": str(prop.version)})

    assert ran == [1]
    assert response.status_code == 200
    page = text(response)
    assert "Jemand anderes hat diesen Datensatz gerade geändert." in page
    assert 'value="Neu: Flur 7"' in page  # what was typed, to check and save again
    stored = db.session.get(Property, prop.id)
    db.session.refresh(stored)
    assert (stored.parcel, stored.priority) == (prop.parcel, prop.priority)  # neither save half-made


# --- the inspection screen -----------------------------------------------------------------------------------


@pytest.fixture
def site(officer_client):
    """A case with two units, committed, and the officer on the inspection screen."""
    actor = officer_client.user
    prop = services.create_property({"street": "Mallinckrodtstraße", "house_number": "100", "postcode": "44147",
                                     "social_area": "nordmarkt"}, actor=actor)
    small = services.add_unit(prop, {"label": "EG links", "area_m2": Decimal("40"), "persons_registered": 2},
                              actor=actor)
    large = services.add_unit(prop, {"label": "1. OG", "area_m2": Decimal("90"), "persons_registered": 3},
                              actor=actor)
    db.session.commit()
    return {"property": prop.id, "small": small.id, "large": large.id,
            "url": f"/properties/{prop.id}/inspections/new"}


def inspection_form(site, **extra):
    data = {
        "inspected_on": today().isoformat(), "condition_rating": "4", "notes": "Keller nass, Zählerschrank offen",
        f"occupancy-{site['small']}": "7", f"occupancy-{site['large']}": "",
        "defects-0-category": "electricity", "defects-0-severity": "hazard", "defects-0-unit_id": str(site["small"]),
        "defects-0-description": "Kabel offen im Flur", "defects-0-deadline": (today() + timedelta(days=7)).isoformat(),
        "defects-1-category": "weather_damp", "defects-1-severity": "major", "defects-1-unit_id": "",
        "defects-1-description": "Dach undicht",
    }
    data.update(extra)
    return data


def test_the_inspection_screen_shows_every_unit_and_three_defect_rows(officer_client, site):
    response = officer_client.get(site["url"])

    assert response.status_code == 200
    page = text(response)
    assert f'name="occupancy-{site["small"]}"' in page and f'name="occupancy-{site["large"]}"' in page
    assert 'name="defects-2-description"' in page
    assert f'value="{today().isoformat()}"' in page


def test_an_inspection_with_occupancy_two_defects_and_a_photo_is_saved_in_one_go(officer_client, site):
    response = officer_client.post(site["url"], content_type="multipart/form-data", data=inspection_form(
        site, **{"defects-0-photos": (io.BytesIO(png_bytes()), "kabel.png")}))

    inspection = db.session.scalar(select(Inspection))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/properties/{site['property']}/inspections/{inspection.id}"
    assert (inspection.condition_rating, inspection.notes) == (4, "Keller nass, Zählerschrank offen")
    assert inspection.is_overcrowded is True
    defects = db.session.scalars(select(Defect).order_by(Defect.id)).all()
    assert [(d.category.value, d.severity.value, d.unit_id, d.description) for d in defects] == [
        ("electricity", "hazard", site["small"], "Kabel offen im Flur"),
        ("weather_damp", "major", None, "Dach undicht"),
    ]
    assert defects[0].deadline == today() + timedelta(days=7)
    small, large = db.session.get(Unit, site["small"]), db.session.get(Unit, site["large"])
    assert (small.persons_seen, small.is_overcrowded) == (7, True)
    assert large.persons_seen is None
    photo = db.session.scalar(select(Attachment))
    assert (photo.subject_type, photo.subject_id, photo.property_id, photo.staging_token) == (
        "defect", defects[0].id, site["property"], None)
    assert (photo.original_name, photo.content_type) == ("kabel.png", "image/png")
    page = text(officer_client.get(response.headers["Location"]))
    assert "Die Hauskontrolle ist gespeichert." in page
    assert f"/attachments/{photo.id}/thumbnail" in page


def test_a_photo_for_the_whole_inspection_is_attached_to_the_inspection(officer_client, site):
    officer_client.post(site["url"], content_type="multipart/form-data", data=inspection_form(
        site, photos=[(io.BytesIO(png_bytes()), "haus1.png"), (io.BytesIO(png_bytes(color=(1, 2, 3))), "haus2.png")]))

    inspection = db.session.scalar(select(Inspection))
    photos = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
    assert [(p.subject_type, p.subject_id, p.original_name) for p in photos] == [
        ("inspection", inspection.id, "haus1.png"), ("inspection", inspection.id, "haus2.png")]


def test_an_inspection_with_service_errors_shows_them_at_the_fields_and_saves_nothing(officer_client, site):
    response = officer_client.post(site["url"], content_type="multipart/form-data", data=inspection_form(
        site, **{"defects-1-deadline": (today() - timedelta(days=1)).isoformat(), f"occupancy-{site['large']}": "45"}))

    assert response.status_code == 200
    errors = field_errors(response)
    assert "Die Frist kann nicht vor der Kontrolle liegen." in errors
    assert any("nicht plausibel" in e for e in errors)
    assert "Dach undicht" in text(response)
    assert count(Inspection) == 0 and count(Defect) == 0


def rejected_upload(officer_client, site):
    """Post the form with an accepted PNG and an HTML file disguised as a JPEG on the first defect."""
    return officer_client.post(site["url"], content_type="multipart/form-data", data=inspection_form(
        site, **{"defects-0-photos": [(io.BytesIO(png_bytes()), "kabel.png"),
                                      (io.BytesIO(HTML_AS_JPEG), "foto.jpg")]}))


def staged_token(response, field="defects-0-staged") -> str:
    match = re.search(rf'name="{field}"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="{field}"',
                      response.get_data(as_text=True))
    assert match, f"no hidden {field} in the page"
    return match.group(1) or match.group(2)


def test_a_disguised_html_file_is_rejected_and_the_typed_values_stay(officer_client, site):
    response = rejected_upload(officer_client, site)

    assert response.status_code == 200
    page = text(response)
    assert "„foto.jpg“ wurde abgelehnt: erlaubt sind nur Fotos (JPEG, PNG, WebP)." in page
    assert "Keller nass, Zählerschrank offen" in page
    assert "Kabel offen im Flur" in page and "Dach undicht" in page
    assert 'value="7"' in page  # occupancy typed for the small unit
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    assert count(Inspection) == 0 and count(Defect) == 0


def test_the_accepted_photo_of_a_rejected_post_is_kept_as_staged(officer_client, site):
    response = rejected_upload(officer_client, site)

    token = staged_token(response)
    assert token
    staged = db.session.scalars(select(Attachment)).all()
    assert len(staged) == 1  # the HTML file was not stored
    assert (staged[0].staging_token, staged[0].subject_type, staged[0].original_name) == (token, None, "kabel.png")
    assert "1 Foto ist bereits übernommen." in text(response)


def test_a_re_post_without_re_selecting_the_staged_photo_attaches_it(officer_client, site):
    token = staged_token(rejected_upload(officer_client, site))

    response = officer_client.post(site["url"], content_type="multipart/form-data",
                                   data=inspection_form(site, **{"defects-0-staged": token}))

    assert response.status_code == 302
    defect = db.session.scalars(select(Defect).order_by(Defect.id)).first()
    photo = db.session.scalar(select(Attachment))
    assert (photo.subject_type, photo.subject_id, photo.staging_token, photo.property_id) == (
        "defect", defect.id, None, site["property"])
    assert count(Attachment) == 1


def test_someone_elses_staged_token_attaches_nothing(officer_client, site, role_client):
    token = staged_token(rejected_upload(officer_client, site))
    colleague = role_client("housing_officer")

    response = colleague.post(site["url"], content_type="multipart/form-data",
                              data=inspection_form(site, **{"defects-0-staged": token}))

    assert response.status_code == 302
    photo = db.session.scalar(select(Attachment))
    assert (photo.subject_type, photo.staging_token) == (None, token)


def test_adding_a_defect_row_keeps_everything_and_saves_nothing(officer_client, site):
    response = officer_client.post(site["url"], content_type="multipart/form-data",
                                   data=inspection_form(site, add_defect_row="1"))

    assert response.status_code == 200
    page = text(response)
    assert 'name="defects-3-description"' in page
    assert "Dach undicht" in page
    assert count(Inspection) == 0


def test_adding_a_defect_row_keeps_the_photos_chosen_so_far(officer_client, site):
    response = officer_client.post(site["url"], content_type="multipart/form-data", data=inspection_form(
        site, add_defect_row="1", **{"defects-0-photos": (io.BytesIO(png_bytes()), "kabel.png")}))

    token = staged_token(response)  # held for the save, as after a refused post
    photo = db.session.scalar(select(Attachment))
    assert (photo.staging_token, photo.original_name) == (token, "kabel.png")
    assert count(Inspection) == 0

    saved = officer_client.post(site["url"], content_type="multipart/form-data",
                                data=inspection_form(site, **{"defects-0-staged": token}))
    assert saved.status_code == 302
    assert db.session.scalar(select(Attachment)).subject_type == "defect"


def test_enter_in_a_field_saves_the_inspection_rather_than_adding_a_row(officer_client, site):
    """Enter presses a form's first submit button: the hidden "Kontrolle speichern", not "Weitere Mängelzeile"."""
    page = text(officer_client.get(site["url"]))
    form = page.split('class="inspection-form">', 1)[1].split("</form>", 1)[0]
    buttons = re.findall(r"<button[^>]*>", form)

    assert "add_defect_row" not in buttons[0] and 'class="visually-hidden"' in buttons[0]


# --- defects, orders and their documents ------------------------------------------------------------------


def test_a_defect_is_resolved_through_the_inspection_page(officer_client, case):
    url = f"/properties/{case['property']}/defects/{case['defect']}/resolve"

    typed = (today() - timedelta(days=30)).isoformat()
    field = f"defect-{case['defect']}-resolved_on"  # each defect's form names its own field
    too_early = officer_client.post(url, data={field: typed})
    assert too_early.status_code == 422
    # at this defect's date field, the date typed kept
    assert any("Die Behebung kann nicht vor der Kontrolle liegen." in m
               for m in field_errors(too_early) + flashes(too_early))
    page = text(too_early)
    assert f'id="defect-{case["defect"]}"' in page and f'value="{typed}"' in page
    assert db.session.get(Defect, case["defect"]).resolved_on is None
    assert f'value="{today().isoformat()}"' in text(officer_client.get(
        f"/properties/{case['property']}/inspections/{case['inspection']}"))  # today offered

    response = officer_client.post(url, data={field: today().isoformat()})

    assert response.status_code == 302
    assert response.headers["Location"] == (f"/properties/{case['property']}/inspections/{case['inspection']}"
                                            f"#defect-{case['defect']}")
    assert db.session.get(Defect, case["defect"]).resolved_on == today()
    assert "behoben am" in text(officer_client.get(response.headers["Location"]))


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_an_order_is_saved_with_its_pdf_document(officer_client, make_case):
    prop = make_case()
    db.session.commit()

    response = officer_client.post(f"/properties/{prop.id}/orders/new", content_type="multipart/form-data", data={
        "type": "repair_order", "status": "issued", "issued_on": today().isoformat(),
        "deadline": (today() + timedelta(days=28)).isoformat(), "fines_total": "1.500,00",
        "documents": (io.BytesIO(PDF), "bescheid.pdf")})

    assert response.status_code == 302
    order = db.session.scalar(select(services.Order))
    assert (order.status.value, order.fines_total) == ("issued", Decimal("1500.00"))
    document = db.session.scalar(select(Attachment))
    assert (document.subject_type, document.subject_id, document.content_type, document.property_id) == (
        "order", order.id, "application/pdf", prop.id)
    download = officer_client.get(f"/attachments/{document.id}")
    assert download.mimetype == "application/pdf" and download.get_data() == PDF


def test_an_order_with_a_disguised_document_is_not_saved_at_all(officer_client, make_case):
    prop = make_case()
    db.session.commit()

    response = officer_client.post(f"/properties/{prop.id}/orders/new", content_type="multipart/form-data", data={
        "type": "repair_order", "description": "Instandsetzung Dach",
        "documents": (io.BytesIO(HTML_AS_JPEG), "bescheid.pdf")})

    assert response.status_code == 200
    assert "„bescheid.pdf“ wurde abgelehnt: erlaubt sind nur Fotos (JPEG, PNG, WebP) oder PDF." in text(response)
    assert "Instandsetzung Dach" in text(response)
    assert count(services.Order) == 0 and count(Attachment) == 0


# --- files -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["officer", "admin"])
def test_case_files_are_served_to_officers_and_admins_with_no_store(officer_client, admin_client, case, who):
    client = officer_client if who == "officer" else admin_client

    original = client.get(f"/attachments/{case['photo']}")
    thumbnail = client.get(f"/attachments/{case['photo']}/thumbnail")

    assert original.status_code == 200
    assert original.mimetype == "image/png"
    assert original.get_data() == png_bytes()
    assert "no-store" in original.headers["Cache-Control"]
    assert thumbnail.status_code == 200
    assert thumbnail.mimetype == "image/jpeg"
    assert "no-store" in thumbnail.headers["Cache-Control"]


@pytest.mark.parametrize("role", ["supervisor", "tenant_advisor", "management"])
def test_case_files_are_404_for_other_roles(role_client, case, role):
    client = role_client(role)

    assert client.get(f"/attachments/{case['photo']}").status_code == 404
    assert client.get(f"/attachments/{case['photo']}/thumbnail").status_code == 404


def test_case_files_need_a_login(client, case):
    response = client.get(f"/attachments/{case['photo']}")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_a_staged_photo_is_visible_to_its_uploader_only(officer_client, site, role_client):
    rejected_upload(officer_client, site)
    staged = db.session.scalar(select(Attachment))

    assert officer_client.get(f"/attachments/{staged.id}").status_code == 200
    assert role_client("housing_officer").get(f"/attachments/{staged.id}").status_code == 404


# --- the rule table admin page -----------------------------------------------------------------------------------


def test_a_new_minimum_area_on_the_admin_page_recomputes_the_overcrowding_flags(admin_client, officer):
    prop = services.create_property({"street": "Mallinckrodtstraße", "house_number": "100", "postcode": "44147",
                                     "social_area": "nordmarkt"}, actor=officer)
    unit = services.add_unit(prop, {"label": "EG", "area_m2": Decimal("59"), "persons_registered": 5}, actor=officer)
    db.session.commit()
    assert unit.is_overcrowded is False

    response = admin_client.post(f"/admin/rules/{MIN_AREA_PER_PERSON}", data={
        f"{MIN_AREA_PER_PERSON}-valid_from": today().isoformat(), f"{MIN_AREA_PER_PERSON}-value": "12",
        f"{MIN_AREA_PER_PERSON}-note": "Ratsbeschluss"})

    assert response.status_code == 302
    assert db.session.get(Unit, unit.id).is_overcrowded is True
    assert db.session.get(Property, prop.id).is_overcrowded is True
