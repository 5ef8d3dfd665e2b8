"""The Viertelwerk pages: project progress (and who sees the crew), participant pages and months with approval and
unlocking, the timesheet PDF, the reports page with its exports, the supervisor's start page. (Their query counts:
test_query_counts.py.)"""

import csv
import html
import io
import re
import shutil
import subprocess
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from housing.audit.models import AuditEvent
from housing.auth.roles import Role
from housing.extensions import db
from housing.renovation import hours, views
from housing.renovation.models import Participant, RenovationProject
from housing.renovation.participants import create_participant
from housing.renovation.services import add_material_cost, save_work_package, update_project

from ..factories import UserFactory, viertelwerk_project
from .conftest import (
    LAST_WEEK,
    LAST_WEEK_PARAM,
    MARCH_OVER,
    MEASURE_START,
    absent,
    add_participant,
    flashes,
    lock_of,
    march_over,
    work,
)

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY = LAST_WEEK
MARCH = date(2026, 3, 1)
FEBRUARY = date(2026, 2, 1)


def visible(response) -> str:
    """The page's text without tags, whitespace collapsed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.get_data(as_text=True), flags=re.S)
    return " ".join(page_text_of(re.sub(r"<[^>]+>", " ", body)).split())


def page_text_of(fragment) -> str:
    import html

    return html.unescape(fragment).replace("\xa0", " ").replace("\u202f", " ")


def table_after(response, heading) -> list[list[str]]:
    """The body rows (cell texts) of the first table after the heading ``heading``."""
    body = response.get_data(as_text=True)
    start = body.index(f">{heading}<")
    table = body[start:body.index("</table>", start)]
    tbody = table[table.index("<tbody>"):]
    rows = []
    for row in re.findall(r"<tr\b[^>]*>(.*?)</tr>", tbody, re.S):
        rows.append([" ".join(page_text_of(re.sub(r"<[^>]+>", " ", cell)).split())
                     for cell in re.findall(r"<t[dh]\b[^>]*>(.*?)</t[dh]>", row, re.S)])
    return rows


def project_name(ids) -> str:
    return db.session.get(RenovationProject, ids["project"]).name


def other_supervisor():
    stranger = UserFactory(roles=[Role.SUPERVISOR])
    viertelwerk_project(supervisor=stranger)
    return stranger


# --- the project page: progress for everyone who may see it, the crew only for those who run it ---------------


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


def assert_progress_shown(text):
    assert "Stunden 22 / 100" in text
    assert "Personal (kalkulatorisch) 440,00 € von 2.000,00 € Budget · 20,00 € je Stunde" in text
    assert "Material 1.234,50 € von 5.000,00 € Budget" in text


def test_the_project_page_shows_hours_against_plan_and_material_against_budget(client, login, supervisor,
                                                                               project_in_progress):
    login(client, supervisor)

    response = client.get(f"/viertelwerk/projects/{project_in_progress['project']}")

    assert response.status_code == 200
    assert_progress_shown(visible(response))
    [package] = table_after(response, "Arbeitspakete")
    assert package[:3] == ["Trockenbau", "100", "22,00"]
    assert "Gipskarton" in visible(response)


def test_the_supervisor_sees_the_crew_on_the_project_page(client, login, supervisor, project_in_progress):
    login(client, supervisor)

    response = client.get(f"/viertelwerk/projects/{project_in_progress['project']}")

    assert "Şükrü, Ţăran0" in visible(response)
    assert f"/viertelwerk/participants/{project_in_progress['participant']}" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["housing_officer", "management"])
def test_officers_and_management_see_progress_but_not_the_crew(role_client, project_in_progress, role):
    client = role_client(role)

    response = client.get(f"/viertelwerk/projects/{project_in_progress['project']}")

    assert response.status_code == 200
    text = visible(response)
    assert_progress_shown(text)
    assert "Ţăran" not in text and "Şükrü, " not in text  # (the logged-in user is called Şükrü Łukasz too)
    assert "Crew" not in text
    body = response.get_data(as_text=True)
    assert "/viertelwerk/participants/" not in body
    assert f"/projects/{project_in_progress['project']}/sheet" not in body


@pytest.mark.parametrize("role", ["housing_officer", "management"])
def test_officers_and_management_see_every_project_in_the_list(role_client, project_in_progress, role):
    response = role_client(role).get("/viertelwerk/projects")

    assert response.status_code == 200
    assert project_name(project_in_progress) in visible(response)
    assert "22,00 / 100" in visible(response)


def test_a_supervisor_of_another_project_gets_404_for_the_project_page(client, login, project):
    login(client, other_supervisor())

    assert client.get(f"/viertelwerk/projects/{project['project']}").status_code == 404
    assert client.get(f"/viertelwerk/projects/{project['project']}/edit").status_code == 404


def test_a_supervisor_lists_only_their_own_projects(client, login, supervisor, project):
    theirs = viertelwerk_project()
    login(client, supervisor)

    text = visible(client.get("/viertelwerk/projects"))

    assert project_name(project) in text
    assert project_name(theirs) not in text


def test_a_tenant_advisor_has_no_viertelwerk_pages(advisor_client, project):
    assert advisor_client.get(f"/viertelwerk/projects/{project['project']}").status_code == 403
    assert advisor_client.get("/viertelwerk/projects").status_code == 403
    assert advisor_client.get("/viertelwerk/reports").status_code == 403


# --- participant pages: need-to-know ---------------------------------------------------------------------------


PERSONAL_URLS = [
    ("GET", "/viertelwerk/participants/{pid}"),
    ("GET", "/viertelwerk/participants/{pid}/months/2026-03"),
    ("GET", "/viertelwerk/participants/{pid}/months/2026-03/timesheet.pdf"),
    ("POST", "/viertelwerk/participants/{pid}/months/2026-03/approve"),
    ("POST", "/viertelwerk/participants/{pid}/qualifications"),
]


@pytest.mark.parametrize(("method", "url"), PERSONAL_URLS)
def test_a_supervisor_of_another_project_gets_404_for_a_participant(client, login, project, method, url):
    login(client, other_supervisor())

    response = client.open(url.format(pid=project["participant"]), method=method)

    assert response.status_code == 404
    assert "Ţăran" not in response.get_data(as_text=True)
    assert lock_of(project["participant"], MARCH) is None


@pytest.mark.parametrize("role", ["housing_officer", "tenant_advisor", "management"])
@pytest.mark.parametrize(("method", "url"), PERSONAL_URLS + [("GET", "/viertelwerk/participants")])
def test_roles_without_a_crew_get_403_for_participant_pages(role_client, project, role, method, url):
    response = role_client(role).open(url.format(pid=project["participant"]), method=method)

    assert response.status_code == 403
    assert "Ţăran" not in response.get_data(as_text=True)


def test_the_participant_list_shows_only_the_own_crews(client, login, supervisor, project):
    theirs = viertelwerk_project()
    stranger = add_participant(theirs["project"], theirs["package"], actor=UserFactory(roles=[Role.ADMIN]),
                               first="Małgorzata", last="Zając")
    login(client, supervisor)

    response = client.get("/viertelwerk/participants")

    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert f"/viertelwerk/participants/{project['participant']}\"" in body
    assert f"/viertelwerk/participants/{stranger.id}\"" not in body
    assert "Zając" not in body


def test_the_participant_list_pages_by_name(client, login, supervisor, admin, project, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for first, last in (("Anna", "Zander"), ("Berta", "Albers"), ("Carl", "Albers"), ("Dora", "Meier")):
        add_participant(project["project"], project["package"], actor=admin, first=first, last=last)
    login(client, supervisor)

    pages, url = [], "/viertelwerk/participants"
    while url:
        response = client.get(url)
        assert response.status_code == 200
        pages.append([row[0] for row in table_after(response, "Name")])
        found = re.search(r'href="([^"]*after=[^"]*)"[^>]*>Weiter', response.get_data(as_text=True))
        url = html.unescape(found.group(1)) if found else None

    assert [len(page) for page in pages] == [2, 2, 1]
    assert pages[0] == ["Albers, Berta", "Albers, Carl"]  # (where Ş sorts depends on the database's collation)
    assert sorted(sum(pages, [])) == sorted(["Albers, Berta", "Albers, Carl", "Meier, Dora", "Zander, Anna",
                                             "Şükrü, Ţăran0"])
    assert client.get("/viertelwerk/participants?after=nonsense").status_code == 400


def test_viewing_a_participant_is_audited(client, login, supervisor, project):
    login(client, supervisor)

    client.get(f"/viertelwerk/participants/{project['participant']}")

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "participant.view"))
    assert (event.actor_id, event.object_id) == (supervisor.id, str(project["participant"]))


# --- the month page: approve, locked cells, unlock ------------------------------------------------------------------


def month_url(pid, month="2026-03") -> str:
    return f"/viertelwerk/participants/{pid}/months/{month}"


def test_the_month_page_lists_the_entries_and_offers_approval(client, login, supervisor, project):
    pid = project["participant"]
    hours.create_entry(work(pid, MONDAY, "7.5", project["package"]), actor=supervisor)
    hours.create_entry(absent(pid, TUESDAY, "6", "vacation"), actor=supervisor)
    db.session.commit()
    login(client, supervisor)

    response = client.get(month_url(pid))

    text = visible(response)
    assert "März 2026" in text and "noch nicht freigegeben" in text
    assert "Mo 09.03.2026 Trockenbau 7,50" in text
    assert "Di 10.03.2026 Urlaub 6,00" in text
    assert "Anwesend 7,50 Std." in text and "Abwesend 6,00 Std." in text
    assert "Anwesenheitsquote 10 % von 78,00 vertraglichen Stunden" in text  # 13 weekdays to 18 March × 6 h
    assert "Freigabe ab 31.03.2026 (letzter Arbeitstag)" in text  # approving would lock the days still to come
    assert f'action="{month_url(pid)}/approve"' not in response.get_data(as_text=True)
    with march_over():
        login(client, supervisor)  # a new session: the one of the 18th has run idle by the 31st
        page = client.get(month_url(pid)).get_data(as_text=True)
    assert f'action="{month_url(pid)}/approve"' in page
    assert 'data-confirm="März 2026 freigeben? Danach lassen sich die Stunden nicht mehr ändern' in page


def test_the_month_page_names_the_month_and_the_weekdays_in_the_users_language(client, login, supervisor, project):
    pid = project["participant"]
    hours.create_entry(absent(pid, TUESDAY, "6", "vacation"), actor=supervisor)
    hours.create_entry(work(pid, MONDAY, "7.75", project["package"]), actor=supervisor)
    supervisor.language = "en"
    db.session.commit()
    login(client, supervisor)

    text = visible(client.get(month_url(pid)))
    sheet = visible(client.get(f"/viertelwerk/projects/{project['project']}/sheet?week={LAST_WEEK_PARAM}"))

    assert "March 2026" in text and "März" not in text
    assert "Tu 10.03.2026" in text
    assert "Mo 09.03." in sheet and "Fr 13.03." in sheet and " Di " not in sheet
    sheet_html = client.get(f"/viertelwerk/projects/{project['project']}/sheet?week={LAST_WEEK_PARAM}").get_data(
        as_text=True)
    assert re.search(rf'name="c-{pid}-2026-03-09"[^>]*value="7\.75"|value="7\.75"[^>]*name="c-{pid}-2026-03-09"',
                     sheet_html)  # the hours as an English reader writes them


def test_the_approve_button_locks_the_month_and_the_sheet_cells(client, login, supervisor, project, frozen_clock):
    pid = project["participant"]
    hours.create_entry(work(pid, MONDAY, "7.5", project["package"]), actor=supervisor)
    db.session.commit()
    frozen_clock.move_to(MARCH_OVER)
    login(client, supervisor)

    response = client.post(f"{month_url(pid)}/approve")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(month_url(pid))
    lock = lock_of(pid, MARCH)
    assert lock.is_locked and lock.approved_by_id == supervisor.id
    page = client.get(month_url(pid))
    assert "Der Monat März 2026 ist freigegeben und gesperrt." in flashes(page)
    assert "freigegeben und gesperrt" in visible(page)
    assert f"{month_url(pid)}/approve" not in page.get_data(as_text=True)
    sheet = client.get(f"/viertelwerk/projects/{project['project']}/sheet?week={LAST_WEEK_PARAM}").get_data(
        as_text=True)
    for day in LAST_WEEK:
        tag = re.search(rf'<input[^>]*name="c-{pid}-{day.isoformat()}"[^>]*>', sheet, re.S).group(0)
        assert re.search(r"\sreadonly[\s>]", tag) and 'title="Monat gesperrt"' in tag


def test_approving_an_approved_month_again_says_so(client, login, supervisor, project):
    pid = project["participant"]
    with march_over():
        hours.approve_month(db.session.get(Participant, pid), MARCH, actor=supervisor)
        db.session.commit()
        login(client, supervisor)

        client.post(f"{month_url(pid)}/approve")

        assert "Der Monat 03/2026 ist bereits freigegeben." in flashes(client.get(month_url(pid)))


def test_a_future_month_has_no_approve_button_and_cannot_be_approved(client, login, supervisor, project):
    pid = project["participant"]
    login(client, supervisor)

    page = client.get(month_url(pid, "2026-04"))
    assert f"{month_url(pid, '2026-04')}/approve" not in page.get_data(as_text=True)

    client.post(f"{month_url(pid, '2026-04')}/approve")
    assert lock_of(pid, date(2026, 4, 1)) is None
    assert "Ein Monat in der Zukunft kann nicht freigegeben werden." in flashes(client.get(month_url(pid, "2026-04")))


def test_a_malformed_month_is_404(client, login, supervisor, project):
    login(client, supervisor)

    assert client.get(month_url(project["participant"], "März")).status_code == 404
    assert client.get(month_url(project["participant"], "2026-13")).status_code == 404


@pytest.fixture
def locked_march(project, supervisor):
    hours.create_entry(work(project["participant"], MONDAY, "6", project["package"]), actor=supervisor)
    with march_over():
        hours.approve_month(db.session.get(Participant, project["participant"]), MARCH, actor=supervisor)
    db.session.commit()
    return project


def test_an_admin_unlocks_a_month_with_a_reason(admin_client, locked_march):
    pid = locked_march["participant"]
    page = admin_client.get(month_url(pid))
    assert "Monat wieder öffnen" in visible(page)

    response = admin_client.post(f"{month_url(pid)}/unlock", data={"reason": "Krankmeldung nachgereicht"})

    assert response.status_code == 302
    lock = lock_of(pid, MARCH)
    assert not lock.is_locked
    assert (lock.unlock_reason, lock.unlocked_by_id) == ("Krankmeldung nachgereicht", admin_client.user.id)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "month.unlock"))
    assert event.actor_id == admin_client.user.id and "Krankmeldung nachgereicht" in event.summary
    page = admin_client.get(month_url(pid))
    assert "Der Monat ist wieder offen." in flashes(page)
    assert "noch nicht freigegeben" in visible(page)


def test_an_admin_cannot_unlock_without_a_reason(admin_client, locked_march):
    pid = locked_march["participant"]

    admin_client.post(f"{month_url(pid)}/unlock", data={"reason": "  "})

    assert lock_of(pid, MARCH).is_locked
    assert any("Bitte begründen Sie" in message for message in flashes(admin_client.get(month_url(pid))))
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "month.unlock")) is None


def test_a_supervisor_cannot_unlock_a_month(client, login, supervisor, locked_march):
    pid = locked_march["participant"]
    login(client, supervisor)

    assert "Monat wieder öffnen" not in visible(client.get(month_url(pid)))
    assert client.post(f"{month_url(pid)}/unlock", data={"reason": "bitte"}).status_code == 403
    assert lock_of(pid, MARCH).is_locked


def test_the_crew_month_approves_every_open_month_at_once(client, login, supervisor):
    ids = viertelwerk_project(supervisor=supervisor, crew_size=3)
    hours.approve_month(db.session.get(Participant, ids["participants"][0]), FEBRUARY, actor=supervisor)
    db.session.commit()
    login(client, supervisor)

    response = client.post(f"/viertelwerk/projects/{ids['project']}/months/2026-02")

    assert response.status_code == 302
    assert all(lock_of(pid, FEBRUARY).is_locked for pid in ids["participants"])
    assert "2 Monate freigegeben und gesperrt." in flashes(client.get(response.headers["Location"]))


# --- the timesheet PDF -------------------------------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return text


@pytest.fixture
def timesheet_person(project, supervisor):
    """Ţăran Şükrü Weiß-Öztürk, 30 hours a week, with 26 working hours and a sick day in March 2026."""
    person = create_participant({
        "first_name": "Ţăran Şükrü", "last_name": "Weiß-Öztürk", "birth_date": date(1988, 2, 29),
        "funding_basis": "sgb2_16i", "starts_on": MEASURE_START, "ends_on": date(2027, 1, 31),
        "weekly_hours": Decimal("30"), "project_id": project["project"], "jobcenter_ref": "962D123456",
        "default_work_package_id": project["package"], "safety_briefing_on": MEASURE_START}, actor=supervisor)
    wp = project["package"]
    for day, value in ((date(2026, 3, 2), "7.5"), (date(2026, 3, 3), "7.5"), (date(2026, 3, 4), "6.25"),
                       (date(2026, 3, 9), "4.75")):
        hours.create_entry(work(person.id, day, value, wp, activity="Ständerwerk stellen"), actor=supervisor)
    hours.create_entry(absent(person.id, date(2026, 3, 5), "6"), actor=supervisor)
    hours.create_entry(work(person.id, date(2026, 2, 27), "3", wp), actor=supervisor)  # not March
    db.session.commit()
    return person


def test_the_timesheet_is_a_german_pdf_with_the_exact_name_days_total_and_signature_lines(
        client, login, supervisor, timesheet_person):
    login(client, supervisor)

    response = client.get(f"{month_url(timesheet_person.id)}/timesheet.pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    text = pdf_text(response.data)
    assert "Ţăran Şükrü Weiß-Öztürk" in text.splitlines()
    assert "Stundennachweis März 2026" in text.splitlines()
    flat = " ".join(text.split())
    for row in ("02.03.2026 Mo Trockenbau Ständerwerk stellen 7,50",
                "03.03.2026 Di Trockenbau Ständerwerk stellen 7,50",
                "04.03.2026 Mi Trockenbau Ständerwerk stellen 6,25",
                "05.03.2026 Do krank 6,00",
                "09.03.2026 Mo Trockenbau Ständerwerk stellen 4,75"):
        assert row in flat
    assert "27.02.2026" not in text
    assert "Anwesend (gearbeitet) 26,00" in flat
    assert "Abwesend: krank 6,00" in flat
    assert "Vertragliche Stunden im Monat 78,00" in flat  # 13 weekdays from 2 to 18 March × 6 h
    assert "Anwesenheitsquote 33 %" in flat
    assert "Unterschrift Teilnehmende:r" in text
    assert "Unterschrift Anleitung Viertelwerk" in text
    assert "962D123456" in text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler's pdftotext")
def test_the_timesheet_text_survives_another_pdf_reader(client, login, supervisor, timesheet_person):
    login(client, supervisor)
    data = client.get(f"{month_url(timesheet_person.id)}/timesheet.pdf").data

    text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True,
                          check=True, timeout=60).stdout.decode()

    assert "Ţăran Şükrü Weiß-Öztürk" in text
    assert "März 2026" in text and "26,00" in text and "7,50" in text
    assert "Unterschrift Teilnehmende:r" in text and "Unterschrift Anleitung Viertelwerk" in text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler's pdftotext")
def test_the_timesheet_column_headers_are_not_broken_mid_word(client, login, supervisor, timesheet_person):
    login(client, supervisor)
    data = client.get(f"{month_url(timesheet_person.id)}/timesheet.pdf").data

    text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True,
                          check=True, timeout=60).stdout.decode()

    header = next(line for line in text.splitlines() if "Datum" in line and "Tätigkeit" in line)
    assert header.split() == ["Datum", "Tag", "Arbeitspaket", "/", "Abwesenheit", "Tätigkeit", "Stunden"]


def test_the_timesheet_of_a_locked_month_says_so_and_is_audited(client, login, supervisor, timesheet_person):
    with march_over():
        hours.approve_month(db.session.get(Participant, timesheet_person.id), MARCH, actor=supervisor)
    db.session.commit()
    login(client, supervisor)

    response = client.get(f"{month_url(timesheet_person.id)}/timesheet.pdf")

    assert "freigegeben und gesperrt" in pdf_text(response.data)
    assert response.headers["Cache-Control"] == "no-store"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "participant.timesheet"))
    assert (event.actor_id, event.summary) == (supervisor.id, "2026-03")


def test_an_empty_month_still_gives_a_timesheet(client, login, supervisor, project):
    login(client, supervisor)

    response = client.get(f"{month_url(project['participant'], '2026-02')}/timesheet.pdf")

    assert response.status_code == 200
    assert "keine Einträge" in pdf_text(response.data)


# --- the reports page ----------------------------------------------------------------------------------------------


@pytest.fixture
def report_data(supervisor):
    """KW 10 (2 to 6 March): person one 4 × 6 h and a sick day (present 24, absent 6), person two 5 × 7,5 h;
    both 30 h a week (30 h contracted in the week). Plus hours outside the period and another crew's hours."""
    ids = viertelwerk_project(supervisor=supervisor, crew_size=2)
    one, two = ids["participants"]
    week = [date(2026, 3, 2 + n) for n in range(5)]
    for day in week[:4]:
        hours.create_entry(work(one, day, "6", ids["package"]), actor=supervisor)
    hours.create_entry(absent(one, week[4], "6"), actor=supervisor)
    for day in week:
        hours.create_entry(work(two, day, "7.5", ids["package"]), actor=supervisor)
    hours.create_entry(work(one, MONDAY, "4", ids["package"]), actor=supervisor)  # 9 March: outside the period
    other = viertelwerk_project()
    hours.create_entry(work(other["participant"], week[0], "5", other["package"]), actor=UserFactory(
        roles=[Role.ADMIN]))
    db.session.commit()
    return ids, other


REPORT = "/viertelwerk/reports?from=2026-03-02&to=2026-03-06"


def test_the_reports_page_shows_hours_per_project_and_attendance(client, login, supervisor, report_data):
    ids, _other = report_data
    login(client, supervisor)

    response = client.get(REPORT)

    assert response.status_code == 200
    assert "Zeitraum 02.03.2026 bis 06.03.2026" in visible(response)
    address = db.session.get(RenovationProject, ids["project"]).building.short_address
    [project] = table_after(response, "Stunden je Projekt")
    assert project[:4] == [project_name(ids), address, "100", "61,50"]
    assert "61 %" in project[4]
    assert project[5] == "2"
    attendance = {row[0]: row for row in table_after(response, "Anwesenheit je Teilnehmende")}
    assert set(attendance) == {"Şükrü, Ţăran0", "Şükrü, Ţăran1"}
    assert attendance["Şükrü, Ţăran0"][2:5] == ["24,00", "6,00", "30,00"]
    assert "80 %" in attendance["Şükrü, Ţăran0"][5]
    assert attendance["Şükrü, Ţăran1"][2:5] == ["37,50", "0,00", "30,00"]
    assert "125 %" in attendance["Şükrü, Ţăran1"][5]
    assert "Stunden je Arbeitspaket<" not in response.get_data(as_text=True)  # one project's packages at a time


def test_a_report_asked_from_after_to_says_so_and_shows_the_period_the_right_way_round(client, login, supervisor,
                                                                                        report_data):
    login(client, supervisor)

    response = client.get(REPORT.replace("from=2026-03-02&to=2026-03-06", "from=2026-03-06&to=2026-03-02"))

    assert "„Von“ liegt nach „Bis“; gezeigt sind die beiden Tage in der richtigen Reihenfolge." in flashes(response)
    assert "Zeitraum 02.03.2026 bis 06.03.2026" in visible(response)
    assert table_after(response, "Stunden je Projekt")[0][3] == "61,50"


def test_the_report_writes_its_numbers_in_the_users_language(client, login, supervisor, admin, report_data):
    ids, _other = report_data
    package = db.session.get(RenovationProject, ids["project"]).work_packages[0]
    package.planned_hours = Decimal("1250")
    supervisor.language = "en"
    db.session.commit()
    login(client, supervisor)

    [project] = table_after(client.get(REPORT), "Hours per project")

    assert project[2:4] == ["1,250", "61.50"]
    assert "4 %" in project[4]


def test_a_project_of_the_report_shows_its_work_packages(client, login, supervisor, admin, report_data):
    ids, _other = report_data
    project = db.session.get(RenovationProject, ids["project"])
    painting = save_work_package(project, None, {"trade": "Maler", "description": "Treppenhaus",
                                                 "planned_hours": Decimal("40")}, actor=admin)
    hours.create_entry(work(ids["participants"][0], date(2026, 3, 2), "2", painting.id), actor=supervisor)
    db.session.commit()
    login(client, supervisor)
    overview = client.get(REPORT)
    [link] = re.findall(r'<a href="([^"]*project=[^"]*)"', overview.get_data(as_text=True))

    response = client.get(html.unescape(link))

    assert response.status_code == 200
    assert project.name in visible(response) and "Zeitraum 02.03.2026 bis 06.03.2026" in visible(response)
    packages = table_after(response, "Stunden je Arbeitspaket")
    assert [row[:3] for row in packages] == [["Trockenbau", "100", "61,50"], ["Maler Treppenhaus", "40", "2,00"]]
    assert "5 %" in packages[1][3]
    assert {row[0] for row in table_after(response, "Anwesenheit je Teilnehmende")} == {"Şükrü, Ţăran0",
                                                                                       "Şükrü, Ţăran1"}
    assert f'name="project" value="{project.id}"' in response.get_data(as_text=True)  # kept when the dates change
    [summary] = table_after(client.get(REPORT), "Stunden je Projekt")
    assert summary[3] == "63,50" and summary[5] == "2"  # the packages' sum; a person on two packages counts once


@pytest.mark.parametrize("project", ["other", "0", "-1", "abc", "99999999999999999999", "2147483648"])
def test_a_project_the_user_does_not_run_or_no_project_is_not_found_on_the_report(client, login, supervisor,
                                                                                  report_data, project):
    _ids, other = report_data
    login(client, supervisor)

    response = client.get(f"{REPORT}&project={other['project'] if project == 'other' else project}")

    assert response.status_code == 404


def test_the_attendance_table_lists_the_people_whose_measure_runs_in_the_period(client, login, supervisor,
                                                                               report_data):
    ids, _other = report_data
    add_participant(ids["project"], ids["package"], actor=supervisor, first="Später", last="Kaya",
                    starts_on=date(2026, 3, 9), briefing=date(2026, 3, 9))
    login(client, supervisor)

    response = client.get(REPORT)

    attendance = [row[0] for row in table_after(response, "Anwesenheit je Teilnehmende")]
    assert attendance == ["Şükrü, Ţăran0", "Şükrü, Ţăran1"]
    assert "Später" in visible(client.get("/viertelwerk/reports?from=2026-03-02&to=2026-03-09"))


def test_the_reports_page_gives_officers_figures_without_people(role_client, report_data):
    ids, other = report_data

    response = role_client("housing_officer").get(REPORT)

    assert response.status_code == 200
    assert "Anwesenheit je Teilnehmende" not in visible(response)
    assert "Ţăran" not in visible(response)
    projects = {row[0]: row for row in table_after(response, "Stunden je Projekt")}
    assert projects[project_name(ids)][3] == "61,50" and projects[project_name(ids)][5] == "2"
    assert projects[project_name(other)][3] == "5,00" and projects[project_name(other)][5] == "1"
    packages = table_after(role_client("housing_officer").get(f"{REPORT}&project={other['project']}"),
                           "Stunden je Arbeitspaket")
    assert [row[:3] for row in packages] == [["Trockenbau", "100", "5,00"]]


def csv_rows(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_the_package_report_exports_as_csv(client, login, supervisor, report_data):
    ids, _other = report_data
    login(client, supervisor)

    response = client.get(f"{REPORT}&table=packages&format=csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    header, *rows = csv_rows(response)
    assert header == ["Projekt", "Gewerk", "Beschreibung", "Geplante Stunden", "Geleistete Stunden", "Anteil (%)"]
    assert len(rows) == 1
    name, trade, _description, planned, booked, share = rows[0]
    assert (name, trade, share) == (project_name(ids), "Trockenbau", "61")
    assert Decimal(planned.replace(",", ".")) == 100 and Decimal(booked.replace(",", ".")) == Decimal("61.5")


def test_the_project_report_exports_as_csv(client, login, supervisor, report_data):
    ids, _other = report_data
    login(client, supervisor)

    header, *rows = csv_rows(client.get(f"{REPORT}&table=projects&format=csv"))

    assert header == ["Projekt", "Gebäude", "Geplante Stunden", "Geleistete Stunden", "Anteil (%)", "Personen"]
    address = db.session.get(RenovationProject, ids["project"]).building.short_address
    [(name, building, planned, booked, share, people)] = rows
    assert (name, building, share, people) == (project_name(ids), address, "61", "2")
    assert Decimal(planned.replace(",", ".")) == 100 and Decimal(booked.replace(",", ".")) == Decimal("61.5")


def test_the_package_export_is_complete_whichever_project_is_shown(role_client, report_data):
    ids, other = report_data

    response = role_client("housing_officer").get(f"{REPORT}&project={ids['project']}&table=packages&format=csv")

    _header, *rows = csv_rows(response)
    assert {row[0] for row in rows} == {project_name(ids), project_name(other)}


def test_the_attendance_report_exports_as_csv(client, login, supervisor, report_data):
    login(client, supervisor)

    header, *rows = csv_rows(client.get(f"{REPORT}&table=attendance&format=csv"))

    assert header[-1] == "Anwesenheitsquote (%)"
    by_first_name = {row[1]: row for row in rows}
    assert set(by_first_name) == {"Ţăran0", "Ţăran1"}
    present, absent_, contracted, rate = by_first_name["Ţăran0"][3:]
    assert [Decimal(v.replace(",", ".")) for v in (present, absent_, contracted)] == [24, 6, 30]
    assert rate == "80"
    assert by_first_name["Ţăran1"][-1] == "125"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "participant.export"))
    assert event is not None and event.actor_id == supervisor.id


def test_the_building_report_exports_as_xlsx(client, login, supervisor, report_data):
    ids, _other = report_data
    login(client, supervisor)

    response = client.get(f"{REPORT}&table=buildings&format=xlsx")

    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Gebäude", "Stunden", "Personen"]
    address = db.session.get(RenovationProject, ids["project"]).building.short_address
    assert [address, 61.5, 2] in rows


def test_the_package_report_exports_as_xlsx_with_numbers(client, login, supervisor, report_data):
    ids, _other = report_data
    login(client, supervisor)

    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"{REPORT}&table=packages&format=xlsx").data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]

    assert rows[1][0] == project_name(ids)
    assert (rows[1][3], rows[1][4], rows[1][5]) == (100, 61.5, 61)


def test_attendance_does_not_count_a_public_holiday_as_owed(client, login, supervisor, frozen_clock):
    """Easter week 2026 (Easter Monday, 6 April): four working days, so 30 h a week owe 24 h, and someone who
    worked all four days at 6 h is fully present."""
    ids = viertelwerk_project(supervisor=supervisor, crew_size=1)
    person = ids["participants"][0]
    frozen_clock.move_to(datetime(2026, 4, 20, 10, tzinfo=UTC))  # the week after Easter is past
    for day in range(7, 11):
        hours.create_entry(work(person, date(2026, 4, day), "6", ids["package"]), actor=supervisor)
    db.session.commit()
    login(client, supervisor)

    _header, row = csv_rows(client.get("/viertelwerk/reports?from=2026-04-06&to=2026-04-10&table=attendance"
                                       "&format=csv"))

    present, absent_, contracted, rate = row[3:]
    assert [Decimal(v.replace(",", ".")) for v in (present, absent_, contracted)] == [24, 0, 24]
    assert rate == "100"


def test_an_officer_asking_for_the_attendance_export_gets_no_personal_rows(role_client, report_data):
    response = role_client("housing_officer").get(f"{REPORT}&table=attendance&format=csv")

    assert "Ţăran" not in response.get_data(as_text=True)
    assert "Anwesenheitsquote" not in response.get_data(as_text=True)


# --- the supervisor's start page --------------------------------------------------------------------------------


def test_the_start_page_reminds_the_supervisor_of_an_unapproved_past_month(client, login, supervisor, project):
    hours.create_entry(work(project["participant"], date(2026, 2, 9), "6", project["package"]), actor=supervisor)
    hours.create_entry(work(project["participant"], MONDAY, "6", project["package"]), actor=supervisor)
    db.session.commit()
    login(client, supervisor)

    body = client.get("/").get_data(as_text=True)

    reminders = [visible_fragment(text) for href, text in re.findall(r'<a href="([^"]*2026-02[^"]*)">(.*?)</a>', body)]
    assert reminders, body
    assert any("Februar 2026" in text and "freigeben" in text for text in reminders)
    assert "März 2026" not in visible_fragment(body)


def test_the_start_page_reminder_goes_once_the_month_is_approved(client, login, supervisor, project):
    hours.create_entry(work(project["participant"], date(2026, 2, 9), "6", project["package"]), actor=supervisor)
    hours.approve_month(db.session.get(Participant, project["participant"]), FEBRUARY, actor=supervisor)
    db.session.commit()
    login(client, supervisor)

    body = client.get("/").get_data(as_text=True)

    assert "Februar 2026" not in visible_fragment(body)


def visible_fragment(fragment: str) -> str:
    return " ".join(page_text_of(re.sub(r"<[^>]+>", " ", fragment)).split())
