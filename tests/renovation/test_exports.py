"""CSV and XLSX exports of the project list and the participant list: the rows the list shows this user (a
supervisor's own projects and crews only), German headers, typed cells in XLSX, audited."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import select

from housing.audit.models import AuditEvent
from housing.extensions import db
from housing.renovation import hours
from housing.renovation.models import RenovationProject
from housing.renovation.services import add_material_cost, update_project

from ..factories import viertelwerk_project
from .conftest import LAST_WEEK, MEASURE_START, TODAY, absent, add_participant, work

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, _FRIDAY = LAST_WEEK

PROJECT_HEADER = ["Projekt", "Gebäude", "Stand", "Beginn", "Geplantes Ende", "Abgeschlossen am", "Anleitung",
                  "Geplante Stunden", "Geleistete Stunden", "Stunden gegen Plan (%)", "Lohnkosten (€)",
                  "Lohnbudget (€)", "Material (€)", "Materialbudget (€)", "Material gegen Budget (%)"]
PARTICIPANT_HEADER = ["Nachname", "Vorname", "Projekt", "Förderung", "Beginn der Maßnahme", "Ende der Maßnahme",
                      "Wochenstunden", "Unterweisung am"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def xlsx_sheet(response):
    assert response.status_code == 200
    assert response.mimetype == XLSX
    assert response.headers["Cache-Control"] == "no-store"
    return openpyxl.load_workbook(io.BytesIO(response.get_data())).active


def number(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def project_name(ids) -> str:
    return db.session.get(RenovationProject, ids["project"]).name


@pytest.fixture
def project_in_progress(project, supervisor, admin):
    """22 working hours (of 100 planned) and a sick day; 1.234,50 € material of a 5.000 € budget."""
    pid, wp = project["participant"], project["package"]
    model = db.session.get(RenovationProject, project["project"])
    update_project(model, {"labour_budget": Decimal("2000"), "material_budget": Decimal("5000")}, actor=admin)
    add_material_cost(model, {"amount": Decimal("1234.50"), "booked_on": MONDAY, "description": "Gipskarton",
                              "work_package_id": wp}, actor=admin)
    for day, value in ((MONDAY, "6"), (TUESDAY, "8"), (WEDNESDAY, "8")):
        hours.create_entry(work(pid, day, value, wp), actor=supervisor)
    hours.create_entry(absent(pid, THURSDAY, "6"), actor=supervisor)
    db.session.commit()
    return project


@pytest.fixture
def other_project(admin):
    """Another crew's project, with a participant of a name the supervisor's crew does not have."""
    other = viertelwerk_project()
    add_participant(other["project"], other["package"], actor=admin, first="Jolanta", last="Fremdkowska")
    return other


# --- projects -------------------------------------------------------------------------------------------------


def test_the_project_export_gives_a_supervisor_their_projects_with_hours_and_money(client, login, supervisor,
                                                                                   project_in_progress,
                                                                                   other_project):
    login(client, supervisor)

    header, *rows = csv_rows(client.get("/viertelwerk/projects/export.csv"))

    assert header == PROJECT_HEADER
    assert [row[0] for row in rows] == [project_name(project_in_progress)]
    row = dict(zip(header, rows[0], strict=True))
    building = db.session.get(RenovationProject, project_in_progress["project"]).building.short_address
    assert (row["Gebäude"], row["Stand"], row["Anleitung"]) == (building, "laufend", supervisor.name)
    assert (row["Beginn"], row["Geplantes Ende"], row["Abgeschlossen am"]) == ("06.02.2026", "04.10.2026", "")
    assert number(row["Geplante Stunden"]) == 100 and number(row["Geleistete Stunden"]) == 22
    assert row["Stunden gegen Plan (%)"] == "22"
    assert number(row["Lohnkosten (€)"]) == 440 and number(row["Lohnbudget (€)"]) == 2000
    assert row["Material (€)"] == "1234,50" and number(row["Materialbudget (€)"]) == 5000
    assert row["Material gegen Budget (%)"] == "24"


def test_the_project_export_shows_housing_officers_every_project_in_xlsx_with_typed_cells(role_client,
                                                                                          project_in_progress,
                                                                                          other_project):
    sheet = xlsx_sheet(role_client("housing_officer").get("/viertelwerk/projects/export.xlsx"))

    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == PROJECT_HEADER
    assert sorted(row[0] for row in rows[1:]) == sorted([project_name(project_in_progress),
                                                         project_name(other_project)])
    row = dict(zip(PROJECT_HEADER, next(r for r in rows[1:] if r[0] == project_name(project_in_progress)),
                   strict=True))
    assert row["Beginn"].date() == date(2026, 2, 6) and row["Abgeschlossen am"] is None
    assert row["Geleistete Stunden"] == 22.0 and row["Lohnkosten (€)"] == 440.0 and row["Material (€)"] == 1234.5
    assert row["Stunden gegen Plan (%)"] == 22
    cells = next(cells for cells in sheet.iter_rows(min_row=2) if cells[0].value == row["Projekt"])
    assert cells[PROJECT_HEADER.index("Beginn")].is_date
    assert cells[PROJECT_HEADER.index("Material (€)")].number_format == "#,##0.00"


def test_the_project_export_is_audited(client, login, supervisor, project_in_progress):
    login(client, supervisor)

    client.get("/viertelwerk/projects/export.xlsx")

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "project.export"))
    assert event.actor_id == supervisor.id and event.summary == "xlsx: 1 rows"


def test_a_supervisor_without_projects_exports_an_empty_project_list(role_client, project_in_progress):
    header, *rows = csv_rows(role_client("supervisor").get("/viertelwerk/projects/export.csv"))

    assert header == PROJECT_HEADER and rows == []


def test_advisors_get_no_project_export_and_unknown_formats_are_404(role_client, supervisor, project):
    assert role_client("tenant_advisor").get("/viertelwerk/projects/export.csv").status_code == 403
    assert role_client("admin").get("/viertelwerk/projects/export.pdf").status_code == 404


def test_the_project_list_links_both_exports(client, login, supervisor, project):
    login(client, supervisor)

    page = client.get("/viertelwerk/projects").get_data(as_text=True)

    assert 'href="/viertelwerk/projects/export.csv"' in page and 'href="/viertelwerk/projects/export.xlsx"' in page


# --- participants ---------------------------------------------------------------------------------------------


def test_a_supervisor_exports_only_the_crews_of_their_own_projects(client, login, supervisor, project,
                                                                   other_project):
    login(client, supervisor)

    header, *rows = csv_rows(client.get("/viertelwerk/participants/export.csv"))

    assert header == PARTICIPANT_HEADER
    assert rows == [["Şükrü", "Ţăran0", project_name(project), "Teilhabe am Arbeitsmarkt (§ 16i SGB II)",
                     MEASURE_START.strftime("%d.%m.%Y"), (TODAY + timedelta(days=300)).strftime("%d.%m.%Y"),
                     "30,00", "06.02.2026"]]
    sheet = xlsx_sheet(client.get("/viertelwerk/participants/export.xlsx"))
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["Şükrü"]


def test_the_participant_export_in_xlsx_keeps_dates_and_hours_typed(client, login, supervisor, project, admin):
    add_participant(project["project"], project["package"], actor=admin, first="Ionuț", last="Popa", weekly="19.5",
                    briefing=None, ends_on=date(2026, 9, 30))
    login(client, supervisor)

    sheet = xlsx_sheet(client.get("/viertelwerk/participants/export.xlsx"))

    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == PARTICIPANT_HEADER
    assert [row[0] for row in rows[1:]] == ["Popa", "Şükrü"]  # sorted by last name, as on the list
    popa = dict(zip(PARTICIPANT_HEADER, rows[1], strict=True))
    assert popa["Ende der Maßnahme"].date() == date(2026, 9, 30)
    assert popa["Wochenstunden"] == 19.5 and popa["Unterweisung am"] is None
    cells = list(sheet.iter_rows(min_row=2, max_row=2))[0]
    assert cells[PARTICIPANT_HEADER.index("Beginn der Maßnahme")].is_date


def test_an_admin_exports_every_crew(admin_client, project, other_project):
    header, *rows = csv_rows(admin_client.get("/viertelwerk/participants/export.csv"))

    assert sorted(row[0] for row in rows) == ["Fremdkowska", "Şükrü", "Şükrü"]


def test_the_participant_export_is_audited(client, login, supervisor, project):
    login(client, supervisor)

    client.get("/viertelwerk/participants/export.csv")

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "participant.export"))
    assert event.actor_id == supervisor.id and event.summary == "list csv: 1 rows"


@pytest.mark.parametrize("role", ["housing_officer", "management", "tenant_advisor"])
def test_roles_without_crews_get_no_participant_export(role_client, project, role):
    for fmt in ("csv", "xlsx"):
        assert role_client(role).get(f"/viertelwerk/participants/export.{fmt}").status_code == 403


def test_the_participant_list_links_both_exports(client, login, supervisor, project):
    login(client, supervisor)

    page = client.get("/viertelwerk/participants").get_data(as_text=True)

    assert 'href="/viertelwerk/participants/export.csv"' in page
    assert 'href="/viertelwerk/participants/export.xlsx"' in page
