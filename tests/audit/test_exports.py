"""CSV and XLSX export of the audit log: the page's filters, the whole filtered log rather than one page, times in
Dortmund's time, the export itself audited; for admins only."""

import csv
import html
import io
import re
from datetime import UTC, datetime

import openpyxl
import pytest
from sqlalchemy import select

from housing.audit.models import AuditEvent
from housing.audit.services import record
from housing.auth.roles import Role
from housing.extensions import db

from ..factories import UserFactory

HEADER = ["Zeitpunkt", "Wer", "Aktion", "Datensatzart", "Datensatz-Nr.", "Details", "Änderungen", "IP-Adresse"]


def add_event(action="test.event", *, summary, actor=None, occurred_at=None, **kwargs):
    event = record(action, actor=actor, summary=summary, **kwargs)
    if occurred_at is not None:
        event.occurred_at = occurred_at
    return event


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))


def test_the_audit_export_applies_the_pages_filters_newest_first(admin_client):
    anna = UserFactory(email="anna@housing.example")
    add_event("user.update", summary="Ändern", actor=anna, object_type="users", object_id=7,
              changes={"name": ["Alt", "Neu"], "is_active": [True, False]},
              occurred_at=datetime(2026, 3, 1, 9, 15, tzinfo=UTC))
    add_event("user.create", summary="Anlegen", occurred_at=datetime(2026, 3, 2, 23, 30, tzinfo=UTC))
    add_event("login.failed", summary="Fehlversuch", occurred_at=datetime(2026, 3, 1, 10, tzinfo=UTC))
    add_event("user.create", summary="Zu früh", occurred_at=datetime(2026, 2, 27, 12, tzinfo=UTC))
    db.session.commit()

    header, *rows = csv_rows(admin_client.get("/admin/audit/export.csv?action=user.&date_from=2026-03-01"))

    assert header == HEADER
    assert [row[5] for row in rows] == ["Anlegen", "Ändern"]
    assert rows[0][:3] == ["03.03.2026 00:30", "System", "user.create"]  # 23:30 UTC is the next day in Dortmund
    assert rows[1] == ["01.03.2026 10:15", "anna@housing.example", "user.update", "users", "7", "Ändern",
                       "name: Alt → Neu; is_active: True → False", ""]


def test_the_audit_export_in_xlsx_has_real_local_times(admin_client):
    add_event("user.update", summary="Ändern", occurred_at=datetime(2026, 3, 1, 9, 15, tzinfo=UTC))
    db.session.commit()

    response = admin_client.get("/admin/audit/export.xlsx?action=user.update")

    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Cache-Control"] == "no-store"
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert rows[1][0] == datetime(2026, 3, 1, 10, 15)  # noqa: DTZ001 - Excel keeps Dortmund's wall time
    assert rows[1][1:3] == ("System", "user.update")
    cell = list(sheet.iter_rows(min_row=2, max_row=2))[0][0]
    assert cell.is_date and cell.number_format == "DD.MM.YYYY HH:MM"


def test_the_audit_export_holds_the_whole_filtered_log_not_one_page(admin_client):
    for n in range(60):
        add_event("bulk.event", summary=f"Nr. {n}")
    db.session.commit()
    newest = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))

    _header, *rows = csv_rows(admin_client.get(f"/admin/audit/export.csv?action=bulk.&before={newest - 10}"))

    assert len(rows) == 60 and rows[0][5] == "Nr. 59"


def test_the_audit_export_is_itself_audited_with_its_filters(admin_client):
    _header, *rows = csv_rows(admin_client.get("/admin/audit/export.csv"))

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit.export"))
    assert event.actor_id == admin_client.user.id and event.summary == "csv: "
    assert rows[0][2] == "audit.export"  # the log as of the export, the export included

    admin_client.get("/admin/audit/export.xlsx?action=login.")
    summaries = db.session.scalars(select(AuditEvent.summary).where(AuditEvent.action == "audit.export")).all()
    assert "xlsx: action=login." in summaries


def test_an_invalid_filter_exports_the_whole_log_as_the_page_shows_it(admin_client):
    add_event("user.update", summary="Ändern")
    add_event("login.failed", summary="Fehlversuch")
    db.session.commit()

    _header, *rows = csv_rows(admin_client.get("/admin/audit/export.csv?action=user.&date_from=kein-datum"))

    assert {"Ändern", "Fehlversuch"} <= {row[5] for row in rows}


@pytest.mark.parametrize("role", [Role.HOUSING_OFFICER, Role.SUPERVISOR, Role.TENANT_ADVISOR, Role.MANAGEMENT])
def test_the_audit_export_is_forbidden_for_non_admins(role_client, role):
    for fmt in ("csv", "xlsx"):
        assert role_client(role).get(f"/admin/audit/export.{fmt}").status_code == 403


def test_an_unknown_audit_export_format_is_404(admin_client):
    assert admin_client.get("/admin/audit/export.json").status_code == 404


def test_the_audit_page_links_the_export_with_its_filters_but_not_its_page(admin_client):
    for n in range(55):
        add_event("bulk.event", summary=f"Nr. {n}")
    db.session.commit()
    first = html.unescape(admin_client.get("/admin/audit/?action=bulk.").get_data(as_text=True))
    next_url = re.search(r'href="(/admin/audit/\?[^"]*before=[^"]*)"', first).group(1)

    page = html.unescape(admin_client.get(next_url).get_data(as_text=True))

    links = re.findall(r'href="(/admin/audit/export\.[^"]*)"', page)
    assert links == ["/admin/audit/export.csv?action=bulk.", "/admin/audit/export.xlsx?action=bulk."]
