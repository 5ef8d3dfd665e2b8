"""CSV and XLSX export of the user list: accounts, roles, status and last login, never a secret; admins only."""

import csv
import io
from datetime import UTC, datetime

import openpyxl
import pytest
from sqlalchemy import select

from housing.audit.models import AuditEvent
from housing.auth.models import ApiToken
from housing.auth.roles import Role
from housing.auth.services import create_api_token
from housing.auth.twofactor import seal
from housing.extensions import db

from ..factories import UserFactory

HEADER = ["Name", "E-Mail-Adresse", "Rollen", "Aktiv", "Sprache", "Angelegt am", "Letzte Anmeldung"]


@pytest.fixture
def accounts():
    berta = UserFactory(name="Berta Ağaoğlu", email="berta@housing.example", roles=[Role.SUPERVISOR, Role.MANAGEMENT],
                        language="en", created_at=datetime(2025, 1, 10, 8, 0, tzinfo=UTC),
                        last_login_at=datetime(2026, 3, 2, 6, 45, tzinfo=UTC))
    anton = UserFactory(name="Anton Ćosić", email="anton@housing.example", roles=[Role.TENANT_ADVISOR],
                        is_active=False, created_at=datetime(2024, 6, 1, 12, 0, tzinfo=UTC))
    _token, secret = create_api_token(berta, "Auswertung")
    db.session.commit()
    return {"berta": berta, "anton": anton, "secret": secret}


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))


def test_the_user_export_lists_accounts_with_roles_and_status(admin_client, accounts):
    header, *rows = csv_rows(admin_client.get("/admin/users/export.csv"))

    assert header == HEADER
    by_email = {row[1]: row for row in rows}
    assert by_email["berta@housing.example"] == ["Berta Ağaoğlu", "berta@housing.example",
                                                 "Anleitung Viertelwerk, Leitung", "ja", "en", "10.01.2025 09:00",
                                                 "02.03.2026 07:45"]
    assert by_email["anton@housing.example"] == ["Anton Ćosić", "anton@housing.example", "Wohnraumvermittlung",
                                                 "nein", "", "01.06.2024 14:00", ""]
    assert admin_client.user.email in by_email
    assert rows[-1][1] == "anton@housing.example"  # as on the page: active accounts first


def test_the_user_export_never_holds_a_secret(admin_client, accounts):
    berta = accounts["berta"]
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == berta.id))
    berta.totp_secret = seal("JBSWY3DPEHPK3PXP")  # as stored
    db.session.commit()
    secrets = [berta.password_hash, berta.totp_secret, "JBSWY3DPEHPK3PXP", accounts["secret"], token.token_hash,
               token.prefix]

    text = admin_client.get("/admin/users/export.csv").get_data().decode("utf-8-sig")
    sheet = openpyxl.load_workbook(io.BytesIO(admin_client.get("/admin/users/export.xlsx").get_data())).active
    cells = " ".join(str(value) for row in sheet.iter_rows(values_only=True) for value in row)

    for secret in secrets:
        assert secret not in text and secret not in cells
    assert "$argon2" not in text and "$argon2" not in cells


def test_the_user_export_in_xlsx_keeps_flags_and_times_typed(admin_client, accounts):
    response = admin_client.get("/admin/users/export.xlsx")

    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Cache-Control"] == "no-store"
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    berta = dict(zip(HEADER, next(row for row in rows if row[1] == "berta@housing.example"), strict=True))
    anton = dict(zip(HEADER, next(row for row in rows if row[1] == "anton@housing.example"), strict=True))
    assert berta["Aktiv"] is True and anton["Aktiv"] is False
    assert berta["Letzte Anmeldung"] == datetime(2026, 3, 2, 7, 45)  # noqa: DTZ001 - Dortmund's wall time
    assert anton["Letzte Anmeldung"] is None
    assert isinstance(anton["Angelegt am"], datetime)


def test_the_user_export_is_audited(admin_client, accounts):
    admin_client.get("/admin/users/export.xlsx")

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.export"))
    assert event.actor_id == admin_client.user.id and event.summary.startswith("xlsx: ")


@pytest.mark.parametrize("role", [Role.HOUSING_OFFICER, Role.SUPERVISOR, Role.TENANT_ADVISOR, Role.MANAGEMENT])
def test_the_user_export_is_forbidden_for_non_admins(role_client, role):
    for fmt in ("csv", "xlsx"):
        assert role_client(role).get(f"/admin/users/export.{fmt}").status_code == 403


def test_an_unknown_user_export_format_is_404(admin_client):
    assert admin_client.get("/admin/users/export.txt").status_code == 404


def test_the_user_list_links_both_exports(admin_client):
    page = admin_client.get("/admin/users").get_data(as_text=True)

    assert 'href="/admin/users/export.csv"' in page and 'href="/admin/users/export.xlsx"' in page
