"""The Ankauf documents: text read back from the real PDFs."""

import io

from pypdf import PdfReader

from housing.auth.roles import Role

from ..factories import UserFactory, full_case


def pdf_text(response) -> str:
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


def test_the_inspection_protocol_lists_the_defects_with_their_deadlines(officer_client):
    ids = full_case(actor=officer_client.user)

    text = pdf_text(officer_client.get(f"/properties/{ids['property']}/inspections/{ids['inspection']}/protocol.pdf"))

    assert "Protokoll der Hauskontrolle vom" in text
    assert "Mallinckrodtstraße 100, 44147 Dortmund" in text
    assert "Elektrizität (§ 5)" in text and "Kabel offen" in text and "Gefahr" in text
    assert "überbelegt" in text  # 60 m² for 7 persons seen
    assert "Unterschrift Wohnungsaufsicht" in text
    assert "Seite 1 von 1" in text


def test_the_dossier_has_summary_units_timeline_and_the_acquisition(officer_client):
    ids = full_case(actor=officer_client.user)

    text = pdf_text(officer_client.get(f"/properties/{ids['property']}/dossier.pdf"))

    assert "Fallakte Mallinckrodtstraße 100, 44147 Dortmund" in text
    assert "gemeldet" in text and "EG links" in text
    assert "Verlauf" in text and "Status: gemeldet" in text
    assert "Hauskontrolle vom" in text and "Kabel offen" in text
    assert "Erwerb" in text and "freihändiger Kauf / Stadt Dortmund" in text


def test_documents_are_for_the_enforcement_side_only(client, login, officer_client):
    ids = full_case(actor=officer_client.user)
    for role in (Role.MANAGEMENT, Role.SUPERVISOR, Role.TENANT_ADVISOR):
        login(client, UserFactory(roles=[role]))
        assert client.get(f"/properties/{ids['property']}/dossier.pdf").status_code == 403


def test_the_api_serves_both_documents(app, officer_client):
    from housing.auth.services import create_api_token
    from housing.extensions import db

    ids = full_case(actor=officer_client.user)
    _token, secret = create_api_token(officer_client.user, "t")
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    client = app.test_client()
    assert "Fallakte" in pdf_text(client.get(f"/api/v1/properties/{ids['property']}/dossier", headers=headers))
    protocol = client.get(f"/api/v1/properties/{ids['property']}/inspections/{ids['inspection']}/protocol",
                          headers=headers)
    assert "Protokoll der Hauskontrolle" in pdf_text(protocol)
