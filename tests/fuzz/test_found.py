"""What the fuzzing found, pinned as plain examples: each input once broke a page or the API with a 500 (or a
failed document), and must stay answered with a message."""

import base64
import io
import json
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from werkzeug.datastructures import FileStorage

from housing.auth.roles import Role
from housing.clock import today
from housing.extensions import db

from ..factories import png_bytes
from .checks import assert_html_safe, send

D = (today() - timedelta(days=1)).isoformat()


def _messages(response) -> str:
    return response.get_data(as_text=True)


# --- NUL, 64-bit numbers and JSON that PostgreSQL or SQLite refuse ----------------------------------------


def test_a_nul_character_in_a_form_or_query_is_refused_with_422(world):
    advisor, admin = world.client(Role.TENANT_ADVISOR), world.client(Role.ADMIN)

    form = send(advisor, "POST", "/placement/landlords/new", data={"name": "Vonovia\x00", "kind": "company"})
    query = send(admin, "GET", "/admin/audit/?object_id=%00")

    assert form.status_code == query.status_code == 422
    assert "Steuerzeichen (NUL)" in _messages(form)


def test_the_api_names_a_field_with_a_nul_or_an_integer_beyond_an_id(world):
    headers = world.bearer(Role.TENANT_ADVISOR)
    client = world.app.test_client()

    nul = send(client, "POST", "/api/v1/landlords", headers=headers, json={"name": "a\x00", "kind": "private"})
    huge = send(client, "POST", "/api/v1/offers", headers=headers, json={"applicant_id": 2**40, "vacancy_id": 1})

    assert nul.status_code == huge.status_code == 422
    assert list(nul.get_json()["error"]["fields"]) == ["name"]
    assert huge.get_json()["error"]["fields"] == {"applicant_id": ["Der Wert ist zu groß."]}


@pytest.mark.parametrize("path", ["/api/v1/properties/2147483648", "/api/v1/properties/9223372036854775808",
                                  "/properties/2147483648", "/properties/" + "9" * 40])
def test_an_id_beyond_the_database_is_not_found(world, path):
    client = world.client(Role.HOUSING_OFFICER) if not path.startswith("/api/") else world.app.test_client()

    response = send(client, "GET", path, headers=world.bearer(Role.HOUSING_OFFICER))

    assert response.status_code == 404


def test_json_nested_too_deep_is_malformed(world):
    response = send(world.app.test_client(), "POST", "/api/v1/landlords", headers=world.bearer(Role.TENANT_ADVISOR),
                    data=b"[" * 5000, content_type="application/json")

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


@pytest.mark.parametrize("sort, values", [("address", [None, None, None]), ("address", ["\x00", "1", 2]),
                                          ("address", ["a", "1", 2**40]), ("updated", ["2026-01-01T00:00:00", 1])])
def test_a_crafted_cursor_is_refused(world, sort, values):
    cursor = base64.urlsafe_b64encode(json.dumps(values).encode()).decode()

    assert send(world.client(Role.HOUSING_OFFICER), "GET", f"/cases?sort={sort}&after={cursor}").status_code == 400


# --- numbers ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("field, value", [("net_cold_rent", "1.000.000"), ("net_cold_rent", "1000000"),
                                          ("service_charges", "2147483648"),
                                          ("deposit", "9" * 31 + "e999970"), ("heating_costs", "1e999999999")])
def test_a_number_beyond_its_column_is_a_field_message(world, field, value):
    advisor = world.client(Role.TENANT_ADVISOR)
    data = {"landlord_id": str(world.placement["landlord"]), "street": "Leopoldstraße", "house_number": "15",
            "postcode": "44147", "social_area": "nordmarkt", "label": "Whg. groß", "area_m2": "75", "rooms": "3",
            "available_from": today().isoformat(), "net_cold_rent": "500", field: value}

    response = send(advisor, "POST", "/placement/flats/new", data=data)

    assert response.status_code == 200
    messages = _messages(response)
    assert "Der Wert ist zu groß." in messages or "Bitte eine Zahl angeben, z. B. 12,5." in messages


def test_the_kdu_form_reads_odd_rows_as_field_messages(world):
    admin = world.client(Role.ADMIN)
    data = {"valid_from": (today() + timedelta(days=90)).isoformat(),
            "rows-0-persons": "²", "rows-0-max_gross_cold_rent": "500", "rows-0-max_area_m2": "50",
            "rows-1-persons": "2", "rows-1-max_gross_cold_rent": "NaN", "rows-1-max_area_m2": "1e999999999",
            "rows-2-persons": "3", "rows-2-max_gross_cold_rent": "99999999", "rows-2-max_area_m2": "inf"}

    response = send(admin, "POST", "/admin/rules/kdu", data=data)

    assert response.status_code == 422
    page = _messages(response)
    assert "Bitte die Haushaltsgröße angeben." in page and "Der Wert ist zu groß." in page


@pytest.mark.parametrize("cell, message", [("9" * 30, "Mehr als 10 Stunden"), ("k 99999999999999999999999999999",
                                                                              "Mehr als 10 Stunden")])
def test_a_crew_sheet_cell_of_thirty_digits_is_refused_not_divided(world, cell, message):
    project = world.project
    supervisor = world.client(Role.SUPERVISOR)
    day = today() - timedelta(days=1 if today().weekday() else 3)

    response = send(supervisor, "POST", f"/viertelwerk/projects/{project['project']}/sheet",
                    data={f"c-{project['participant']}-{day.isoformat()}": cell, f"wp-{project['participant']}": "²"})

    assert response.status_code == 200
    assert message in _messages(response)


def test_occupancy_of_superscript_two_is_no_number(world):
    case = world.case
    response = send(world.client(Role.HOUSING_OFFICER), "POST", f"/properties/{case['property']}/inspections/new",
                    data={"inspected_on": D, "condition_rating": "3", f"occupancy-{case['unit']}": "²",
                          "photos": "kein Foto, nur Text"})

    assert response.status_code == 200
    assert "Bitte eine ganze Zahl ab 0 angeben." in _messages(response)


# --- form fields that are not what they claim ---------------------------------------------------------------


@pytest.mark.parametrize("version", ["1x", "¹", "99999999999999999999"])
def test_a_junk_version_counts_as_out_of_date(world, version):
    response = send(world.client(Role.HOUSING_OFFICER), "POST", f"/properties/{world.case['property']}/edit",
                    data={"street": "Schleswiger Straße", "house_number": "7", "postcode": "44147",
                          "social_area": "nordmarkt", "priority": "high", "version": version})

    assert response.status_code == 200
    assert "inzwischen von jemand anderem geändert" in _messages(response)


@pytest.mark.parametrize("url, data", [
    ("/viertelwerk/projects/{project}/materials", {"booked_on": D, "description": "Gips", "amount": "10",
                                                  "work_package_id": "\r"}),
    ("/placement/landlords/{landlord}", {"kind": "damage", "opened_on": D, "description": "Wasser",
                                         "tenancy_id": "\x0b"}),
])
def test_blanks_in_an_optional_choice_are_the_empty_choice(world, url, data):
    role = Role.SUPERVISOR if "viertelwerk" in url else Role.TENANT_ADVISOR
    target = url.format(project=world.project["project"], landlord=world.placement["landlord"])

    assert send(world.client(role), "POST", target, data=data).status_code == 302


@pytest.mark.parametrize("query", ["status=%0B", "priority=%0D%0A", "sort=%85", "social_area=%20"])
def test_blanks_as_a_case_list_filter_mean_all(world, query):
    officer = world.client(Role.HOUSING_OFFICER)

    assert send(officer, "GET", f"/cases?{query}").status_code == 200
    assert send(officer, "GET", f"/cases/export.csv?{query}").status_code == 200


# --- dates outside the days the system counts with ---------------------------------------------------------


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "1899-12"])
def test_a_month_no_one_works_in_is_not_found(world, month):
    project = world.project
    supervisor = world.client(Role.SUPERVISOR)
    api = send(world.app.test_client(), "GET",
               f"/api/v1/participants/{project['participant']}/months/{month}/timesheet",
               headers=world.bearer(Role.SUPERVISOR))

    assert send(supervisor, "GET", f"/viertelwerk/projects/{project['project']}/months/{month}").status_code == 404
    assert send(supervisor, "GET", f"/viertelwerk/participants/{project['participant']}/months/{month}")\
        .status_code == 404
    assert api.status_code == 404


def test_a_contract_starting_on_9999_12_31_is_a_field_message(world):
    advisor = world.client(Role.TENANT_ADVISOR)
    offer = world.placement["offer"]
    for step in ("viewing", "accepted"):
        assert send(advisor, "POST", f"/placement/offers/{offer}", data={"to": step}).status_code == 302

    response = send(advisor, "POST", f"/placement/offers/{offer}", data={"to": "contract_signed",
                                                                          "starts_on": "9999-12-31"})

    assert response.status_code == 200
    assert "Bitte ein Datum zwischen 1900 und 2999 angeben." in _messages(response)


def test_a_programme_report_of_year_one_is_refused_before_it_is_built(world):
    response = send(world.client(Role.MANAGEMENT), "POST", "/documents/programme",
                    data={"start": "0001-01-01", "end": "0001-12-31"})

    assert response.status_code == 200
    assert "Bitte ein Datum zwischen 1900 und 2999 angeben." in _messages(response)


@pytest.mark.parametrize("query", ["week=0001-W01", "week=9999-W52", "day=9999-12-31", "day=0001-01-01"])
def test_a_crew_sheet_far_outside_the_years_shows_this_week(world, query):
    response = send(world.client(Role.SUPERVISOR), "GET", f"/viertelwerk/projects/{world.project['project']}/sheet?"
                    + query)

    assert response.status_code == 200


@pytest.mark.parametrize("query", ["date_from=0001-01-01", "date_to=9999-12-31", "before=99999999999"])
def test_the_audit_filter_ignores_days_and_ids_beyond_range(world, query):
    assert send(world.client(Role.ADMIN), "GET", f"/admin/audit/?{query}").status_code == 200


# --- exports and files ---------------------------------------------------------------------------------------


def test_the_viertelwerk_report_export_names_only_a_known_table(world):
    response = send(world.client(Role.SUPERVISOR), "GET", "/viertelwerk/reports?format=csv&table=%0Aevil")

    assert response.status_code == 200
    assert "evil" not in response.headers["Content-Disposition"]


def test_control_characters_in_stored_text_leave_the_xlsx_readable_and_formulas_quoted(world):
    advisor = world.client(Role.TENANT_ADVISOR)
    send(advisor, "POST", "/placement/landlords/new", data={"name": "\x01=HYPERLINK(1)\x1b", "kind": "company",
                                                            "phone": "\x07+49 231"})

    response = send(advisor, "GET", "/placement/landlords/export.xlsx")

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    values = [cell.value for row in sheet.iter_rows(min_row=2) for cell in row]
    assert "'=HYPERLINK(1)" in values and "'+49 231" in values


def test_an_upload_keeps_its_name_without_control_or_direction_characters(world):
    case = world.case
    officer = world.client(Role.HOUSING_OFFICER)
    photo = FileStorage(io.BytesIO(png_bytes()), filename="../../Bilder/rechnung\u202egnp.exe\x07\u2028 1.png")

    response = send(officer, "POST", f"/properties/{case['property']}/inspections/new",
                    data={"inspected_on": D, "condition_rating": "3", "photos": photo},
                    content_type="multipart/form-data")
    assert response.status_code == 302

    from housing.attachments.models import Attachment

    stored = db.session.scalar(db.select(Attachment).order_by(Attachment.id.desc()).limit(1))
    assert stored.original_name == "rechnunggnp.exe 1.png"
    download = send(officer, "GET", f"/attachments/{stored.id}")
    assert download.status_code == 200
    assert_html_safe(send(officer, "GET", f"/properties/{case['property']}"), "/properties/<id>")
