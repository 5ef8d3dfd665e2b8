"""The administration's upload page: admin only, a report as a table, nothing kept of the upload."""

import html
import io
import os

from flask import current_app

from housing.properties.models import Property

from .conftest import count, csv, sample

BROKEN = csv("""
Straße;Hausnr.;PLZ;Sozialraum
Mallinckrodtstraße;212;44147;Nordmarkt
Bornstraße;96;44145;Nordstadt-Mitte
""")


def upload(client, data: bytes, kind="properties", dry_run=False, name="liste.csv"):
    form = {"kind": kind, "file": (io.BytesIO(data), name)}
    if dry_run:
        form["dry_run"] = "y"
    return client.post("/admin/import", data=form, content_type="multipart/form-data")


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_admin_page_links_to_the_import(admin_client):
    page = text(admin_client.get("/admin/"))

    assert 'href="/admin/import"' in page and "Listen importieren" in page


def test_the_form_offers_every_kind_with_its_columns(admin_client):
    page = text(admin_client.get("/admin/import"))

    assert 'type="file"' in page and 'enctype="multipart/form-data"' in page
    for label in ("Gebäude", "Wohnungen", "Eigentümer", "Teilnehmende", "Arbeitsstunden", "Vermieter",
                  "Wohnungsangebote", "Haushalte (Wohnungssuchende)"):
        assert f">{label}</option>" in page
    assert "<code>house_number</code>" in page and "Hausnr., Hausnummer, Haus-Nr., Nr." in page
    assert '<input checked id="dry_run" name="dry_run" type="checkbox" value="y">' in page  # unless unticked


def test_a_clean_upload_is_saved_and_reported(admin_client):
    response = upload(admin_client, sample("properties"))

    assert response.status_code == 200
    page = text(response)
    assert "Gespeichert" in page and "Nichts gespeichert" not in page
    assert count(Property) == 5


def test_a_dry_run_upload_writes_nothing(admin_client):
    page = text(upload(admin_client, sample("properties"), dry_run=True))

    assert "Probelauf – nichts gespeichert" in page
    assert "Die Datei ist fehlerfrei. Ohne Probelauf wird sie so gespeichert." in page
    assert count(Property) == 0


def test_a_broken_upload_shows_every_problem_as_a_table_row(admin_client):
    response = upload(admin_client, BROKEN)

    assert response.status_code == 200
    page = text(response)
    assert "Nichts gespeichert" in page
    assert ('<tr><td class="num">3</td>\n          <td>Sozialraum</td>\n'
            '          <td>Unbekannter Sozialraum „Nordstadt-Mitte“.</td></tr>') in page
    assert count(Property) == 0


def test_a_file_level_problem_is_shown(admin_client):
    page = text(upload(admin_client, csv("Straße;Hausnr.;Sozialraum\nA;1;Nordmarkt")))

    assert '<td class="num">Datei</td>' in page
    assert "Die Pflichtspalte „postcode“ fehlt (Überschrift z. B. „PLZ“)." in page


def test_a_post_without_a_file_is_refused(admin_client):
    response = admin_client.post("/admin/import", data={"kind": "properties"}, content_type="multipart/form-data")

    assert response.status_code == 422
    assert "Bitte eine Datei wählen." in text(response)


def test_an_upload_is_not_kept(admin_client):
    folder = current_app.config["UPLOAD_DIR"]
    before = sorted(os.listdir(folder)) if os.path.isdir(folder) else []

    upload(admin_client, sample("properties"))

    assert (sorted(os.listdir(folder)) if os.path.isdir(folder) else []) == before


def test_only_admins_may_import(role_client, client):
    for role in ("housing_officer", "supervisor", "tenant_advisor", "management"):
        assert role_client(role).get("/admin/import").status_code == 403
        assert upload(role_client(role), sample("properties")).status_code == 403
    assert count(Property) == 0
    response = client.get("/admin/import")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
