"""The offer letter to a household: plain German, the figures of the flat, read back from the real PDF."""

import io

from pypdf import PdfReader

from housing.placement import services

from .. import factories


def test_the_offer_letter_names_the_flat_the_rent_and_the_next_steps(advisor_client):
    advisor = advisor_client.user
    applicant = factories.household(advisor, first_name="Ştefana", last_name="Ţurcanu", persons=(2, 1))
    vacancy = factories.flat_on_offer(advisor, area="68", net="430", charges="160", street="Schleswiger Straße")
    offer = services.propose(applicant, vacancy, actor=advisor)

    response = advisor_client.get(f"/placement/offers/{offer.id}/letter.pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Guten Tag Ştefana Ţurcanu" in text
    assert "Schleswiger Straße 15, 44147 Dortmund" in text
    assert "430,00 €" in text and "160,00 €" in text and "670,00 €" in text  # net + charges + heating 80
    assert "Das Jobcenter oder das Sozialamt muss der Miete zustimmen" in text
    assert advisor.name in text


def test_the_offer_letter_is_for_advisors_only(client, login, advisor_client):
    from housing.auth.roles import Role

    applicant = factories.household(advisor_client.user)
    offer = services.propose(applicant, factories.flat_on_offer(advisor_client.user), actor=advisor_client.user)
    for role in (Role.HOUSING_OFFICER, Role.MANAGEMENT, Role.SUPERVISOR):
        login(client, factories.UserFactory(roles=[role]))
        assert client.get(f"/placement/offers/{offer.id}/letter.pdf").status_code == 403


def test_the_caseload_exports_as_csv_with_german_headers_and_is_audited(advisor_client):
    from sqlalchemy import select

    from housing.audit.models import AuditEvent
    from housing.extensions import db

    factories.household(advisor_client.user, first_name="Ştefana", last_name="Ţurcanu")

    response = advisor_client.get("/placement/households/export.csv")

    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Nachname;Vorname;Stand;Dringlichkeit")
    assert lines[1].startswith("Ţurcanu;Ştefana;wohnungssuchend;normal")
    assert db.session.scalar(select(AuditEvent.summary).where(AuditEvent.action == "applicant.export")) == "csv: 1 rows"


def test_the_flats_export_in_xlsx_keeps_numbers_and_dates_typed(advisor_client):
    from datetime import date

    from openpyxl import load_workbook

    factories.flat_on_offer(advisor_client.user, area="68", net="430", charges="160")

    response = advisor_client.get("/placement/flats/export.xlsx")

    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, [cell.value for cell in sheet[2]], strict=True))
    assert row["Fläche (m²)"] == 68.0 and row["Bruttokalt (€)"] == 590.0
    assert isinstance(row["frei ab"], date)
