"""CSV and XLSX export of the landlord list: contacts, open flats and open support cases, German headers, typed
cells in XLSX, audited, for advisors and admins only."""

import csv
import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from housing.audit.models import AuditEvent
from housing.extensions import db
from housing.placement import services

HEADER = ["Name", "Art", "Ansprechperson", "Telefon", "E-Mail", "Anschrift", "Kooperation seit", "freie Wohnungen",
          "offene Fälle"]


@pytest.fixture
def landlords(advisor, make_flat):
    """A cooperative with two open flats and an open support case (and a resolved one); a private landlord."""
    coop = services.save_landlord(None, {
        "name": "Wohnen am Borsigplatz eG", "kind": "association", "contact_person": "Łucja Nowak-Şahin",
        "phone": "0231 123456", "email": "vermietung@borsigplatz.example", "address": "Oesterholzstraße 1",
        "cooperation_since": date(2024, 5, 1)}, actor=advisor)
    private = services.save_landlord(None, {"name": "Agnieszka Kowalczyk", "kind": "private"}, actor=advisor)
    db.session.commit()
    make_flat(landlord_id=coop.id)
    make_flat(landlord_id=coop.id)
    services.open_support_case(coop, {"kind": "arrears", "description": "Rückstand"}, actor=advisor)
    done = services.open_support_case(coop, {"kind": "arrears", "description": "Rückstand"}, actor=advisor)
    services.resolve_support_case(done, {"outcome": "Ratenzahlung vereinbart"}, actor=advisor)
    db.session.commit()
    return {"coop": coop.id, "private": private.id}


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))


def test_the_landlord_export_lists_contacts_and_counts_as_csv(advisor_client, landlords):
    header, *rows = csv_rows(advisor_client.get("/placement/landlords/export.csv"))

    assert header == HEADER
    assert rows == [
        ["Agnieszka Kowalczyk", "Privatperson", "", "", "", "", "", "0", "0"],
        ["Wohnen am Borsigplatz eG", "Wohnungsgesellschaft/-genossenschaft", "Łucja Nowak-Şahin", "0231 123456",
         "vermietung@borsigplatz.example", "Oesterholzstraße 1", "01.05.2024", "2", "1"],
    ]


def test_the_landlord_export_in_xlsx_keeps_dates_and_counts_typed(advisor_client, landlords):
    response = advisor_client.get("/placement/landlords/export.xlsx")

    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Cache-Control"] == "no-store"
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    coop = dict(zip(HEADER, rows[2], strict=True))
    assert coop["Kooperation seit"].date() == date(2024, 5, 1)
    assert (coop["freie Wohnungen"], coop["offene Fälle"]) == (2, 1)
    assert list(sheet.iter_rows(min_row=3, max_row=3))[0][HEADER.index("Kooperation seit")].is_date


def test_the_landlord_export_is_audited(advisor_client, landlords):
    advisor_client.get("/placement/landlords/export.csv")

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "landlord.export"))
    assert event.actor_id == advisor_client.user.id and event.summary == "csv: 2 rows"


@pytest.mark.parametrize("role", ["housing_officer", "management", "supervisor"])
def test_only_advisors_and_admins_export_landlords(role_client, landlords, role):
    for fmt in ("csv", "xlsx"):
        assert role_client(role).get(f"/placement/landlords/export.{fmt}").status_code == 403
    assert role_client("admin").get("/placement/landlords/export.xlsx").status_code == 200


def test_an_unknown_landlord_export_format_is_404(advisor_client):
    assert advisor_client.get("/placement/landlords/export.pdf").status_code == 404


def test_the_landlord_list_links_both_exports(advisor_client, landlords):
    page = advisor_client.get("/placement/landlords").get_data(as_text=True)

    assert 'href="/placement/landlords/export.csv"' in page and 'href="/placement/landlords/export.xlsx"' in page
