"""A month's timesheets in one PDF: one section per participant whose measure runs in the month, each with its own
footer and page numbers, built in the background from the crew's month page.

March 2026 is the month (the clock stands on 18 March); the crew of the ``crew`` fixture works in one project:

- Ştefan Bălţatu: 7,5 h and 6,25 h worked and a sick day of 6 h;
- Łucja Straßburger: 2 h on each of three work packages on every working day from 2 to 17 March (72 h,
  long enough for a second page);
- Ţăran0 Şükrü (the factory's participant): 4,75 h;
- Grzegorz Ławniczak, whose measure ended in February, and Jürgen Großmann, whose measure starts in April: left out.
"""

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from housing.auth.roles import Role
from housing.extensions import db
from housing.renovation import hours
from housing.renovation.participants import create_participant
from housing.renovation.reports import month_timesheets
from housing.renovation.services import save_work_package

from ..factories import UserFactory, viertelwerk_project
from .conftest import MARCH, builds_of, inbox, page_text, pdf_pages, pdf_text

MEASURE_START = date(2026, 2, 6)  # the factory's crew starts 40 days before 18 March 2026
WORKING_DAYS = [day for day in (date(2026, 3, 2) + timedelta(days=n) for n in range(16)) if day.weekday() < 5]
IN_THE_FILE = ["Ştefan Bălţatu", "Łucja Straßburger", "Ţăran0 Şükrü"]  # by last name
LEFT_OUT = ["Grzegorz Ławniczak", "Jürgen Großmann"]


@pytest.fixture(autouse=True)
def _clock(frozen_clock):
    return frozen_clock


@pytest.fixture
def supervisor():
    return UserFactory(roles=[Role.SUPERVISOR])


def add_person(project_id, package_id, first, last, *, actor, starts_on=MEASURE_START,
               ends_on=date(2026, 12, 31)):
    person = create_participant({
        "first_name": first, "last_name": last, "birth_date": date(1990, 5, 17), "funding_basis": "sgb2_16e",
        "starts_on": starts_on, "ends_on": ends_on, "weekly_hours": Decimal("30"), "project_id": project_id,
        "default_work_package_id": package_id,
        "safety_briefing_on": starts_on if starts_on <= date(2026, 3, 18) else None}, actor=actor)
    db.session.flush()
    return person


def worked(person_id, day, value, package_id, actor):
    hours.create_entry(hours.EntryInput(person_id, day, hours=value, work_package_id=package_id,
                                        activity="Ständerwerk stellen"), actor=actor)


@pytest.fixture
def crew(supervisor):
    ids = viertelwerk_project(supervisor=supervisor)
    project, package = ids["project"], ids["package"]
    from housing.renovation.models import RenovationProject

    extra = [save_work_package(db.session.get(RenovationProject, project), None,
                               {"trade": trade, "planned_hours": Decimal("50")}, actor=supervisor).id
             for trade in ("Elektro", "Malerarbeiten")]
    baltatu = add_person(project, package, "Ştefan", "Bălţatu", actor=supervisor)
    worked(baltatu.id, date(2026, 3, 2), "7.5", package, supervisor)
    worked(baltatu.id, date(2026, 3, 3), "6.25", package, supervisor)
    hours.create_entry(hours.EntryInput(baltatu.id, date(2026, 3, 4), hours="6", absence="sick"), actor=supervisor)
    strassburger = add_person(project, package, "Łucja", "Straßburger", actor=supervisor)
    for day in WORKING_DAYS:
        for wp in (package, *extra):
            worked(strassburger.id, day, "2", wp, supervisor)
    worked(ids["participant"], date(2026, 3, 9), "4.75", package, supervisor)
    worked(ids["participant"], date(2026, 2, 27), "3", package, supervisor)  # February: not on March's sheet
    add_person(project, package, "Grzegorz", "Ławniczak", actor=supervisor, ends_on=date(2026, 2, 27))
    add_person(project, package, "Jürgen", "Großmann", actor=supervisor, starts_on=date(2026, 4, 1))
    db.session.commit()
    return ids


def sections(pages: list[str]) -> list[tuple[str, list[tuple[int, int]]]]:
    """The file's sections in order: the person the footer names, and the (page, of pages) numbers of their
    pages. A section starts where the numbering starts again at 1."""
    found: list[tuple[str, list[tuple[int, int]]]] = []
    for text in pages:
        footer = re.search(r"Stundennachweis März 2026 – (.+?) Seite (\d+) von (\d+)$", text)
        assert footer, f"no footer naming a person on a page: {text[-120:]}"
        name, number, of = footer[1], int(footer[2]), int(footer[3])
        if number == 1:
            found.append((name, []))
        assert found[-1][0] == name, "a person's pages continue under another name"
        found[-1][1].append((number, of))
    return found


def names(pages: list[str]) -> list[str]:
    return [name for name, _numbers in sections(pages)]


def ask_for_sheets(client, project_id=None, month="2026-03"):
    data = {"project_id": project_id} if project_id else {}
    return client.post(f"/viertelwerk/months/{month}/timesheets", data=data)


def built_pdf(client, response) -> bytes:
    assert response.status_code == 302, response.status_code
    assert response.headers["Location"].startswith("/documents/")
    download = client.get(response.headers["Location"] + "/download")
    assert download.status_code == 200
    assert download.headers["Cache-Control"] == "no-store"
    return download.data


def test_the_crew_month_page_offers_all_timesheets_of_the_month(client, login, supervisor, crew):
    login(client, supervisor)

    text = page_text(client.get(f"/viertelwerk/projects/{crew['project']}/months/2026-03"))

    assert 'action="/viertelwerk/months/2026-03/timesheets"' in text
    assert f'<input type="hidden" name="project_id" value="{crew["project"]}">' in text
    assert "Alle Stundennachweise (PDF)" in text


def test_one_file_holds_each_running_measure_with_its_own_page_numbers(client, login, supervisor, crew):
    login(client, supervisor)

    data = built_pdf(client, ask_for_sheets(client, crew["project"]))

    pages = pdf_pages(data)
    numbering = dict(sections(pages))
    assert names(pages) == IN_THE_FILE
    assert numbering["Ştefan Bălţatu"] == [(1, 1)]
    assert numbering["Ţăran0 Şükrü"] == [(1, 1)]
    long = numbering["Łucja Straßburger"]
    assert len(long) >= 2
    assert long == [(n, len(long)) for n in range(1, len(long) + 1)]
    assert len(pages) == 2 + len(long)
    text = pdf_text(data)
    for name in LEFT_OUT:
        assert name not in text
    assert text.count("Stundennachweis März 2026 Teilnehmende:r") == 3  # each section starts with its title


def test_each_section_has_the_persons_days_and_sums(client, login, supervisor, crew):
    login(client, supervisor)

    pages = pdf_pages(built_pdf(client, ask_for_sheets(client, crew["project"])))

    by_person = {}
    for text in pages:
        name = re.search(r"Stundennachweis März 2026 – (.+?) Seite", text)[1]
        by_person[name] = by_person.get(name, "") + " " + text
    baltatu = by_person["Ştefan Bălţatu"]
    assert "Teilnehmende:r Ştefan Bălţatu" in baltatu
    assert "02.03.2026 Mo Trockenbau Ständerwerk stellen 7,50" in baltatu
    assert "03.03.2026 Di Trockenbau Ständerwerk stellen 6,25" in baltatu
    assert "04.03.2026 Mi krank 6,00" in baltatu
    assert "Anwesend (gearbeitet) 13,75" in baltatu
    assert "Abwesend: krank 6,00" in baltatu
    strassburger = by_person["Łucja Straßburger"]
    assert "Anwesend (gearbeitet) 72,00" in strassburger
    assert strassburger.count(" Elektro Ständerwerk stellen 2,00") == len(WORKING_DAYS)
    assert "Unterschrift Teilnehmende:r" in strassburger
    sukru = by_person["Ţăran0 Şükrü"]
    assert "Anwesend (gearbeitet) 4,75" in sukru
    assert "27.02.2026" not in sukru


def test_the_footer_and_header_on_each_page_name_the_month(client, login, supervisor, crew):
    login(client, supervisor)

    pages = pdf_pages(built_pdf(client, ask_for_sheets(client, crew["project"])))

    for text in pages:
        assert text.startswith("Viertelwerk gGmbH")
        assert "Stand: 18.03.2026" in text


def test_the_requester_is_told_when_the_sheets_are_ready(client, login, supervisor, crew):
    login(client, supervisor)

    ask_for_sheets(client, crew["project"])

    [build] = builds_of(supervisor.id)
    assert build.kind == "timesheets"
    assert build.params == {"month": "2026-03", "project_ids": [crew["project"]]}
    assert build.download_name == "stundennachweise-2026-03.pdf"
    assert build.done == build.total == 3
    [message] = inbox(supervisor.id)
    assert message.title == f"Dokument fertig: {build.title}"
    assert "Stundennachweise März 2026 – " in build.title
    assert message.link == f"/documents/{build.id}"


def test_without_a_project_a_supervisor_gets_the_projects_they_run(client, login, supervisor, crew):
    viertelwerk_project()  # another supervisor's crew
    login(client, supervisor)

    data = built_pdf(client, ask_for_sheets(client))

    assert names(pdf_pages(data)) == IN_THE_FILE
    [build] = builds_of(supervisor.id)
    assert build.params["project_ids"] == [crew["project"]]


def test_an_admin_without_a_project_gets_every_project(client, login, crew):
    other = viertelwerk_project()
    admin = UserFactory(roles=[Role.ADMIN])
    login(client, admin)

    data = built_pdf(client, ask_for_sheets(client))

    [build] = builds_of(admin.id)
    assert sorted(build.params["project_ids"]) == sorted([crew["project"], other["project"]])
    assert build.title == "Stundennachweise März 2026 – alle Projekte"
    # project by project, each crew by name; both projects have the factory's participant
    assert names(pdf_pages(data)) == [*IN_THE_FILE, "Ţăran0 Şükrü"]
    assert pdf_text(data).count("Teilnehmende:r Ţăran0 Şükrü") == 2


def test_a_supervisor_of_another_project_gets_404(client, login, crew):
    stranger = UserFactory(roles=[Role.SUPERVISOR])
    viertelwerk_project(supervisor=stranger)
    login(client, stranger)

    assert ask_for_sheets(client, crew["project"]).status_code == 404
    assert builds_of(stranger.id) == []


def test_a_supervisor_without_projects_gets_404(client, login, crew):
    login(client, UserFactory(roles=[Role.SUPERVISOR]))

    assert ask_for_sheets(client).status_code == 404


@pytest.mark.parametrize("role", [Role.HOUSING_OFFICER, Role.MANAGEMENT, Role.TENANT_ADVISOR])
def test_roles_without_a_crew_get_403(role_client, crew, role):
    client = role_client(role)

    assert ask_for_sheets(client, crew["project"]).status_code == 403
    assert ask_for_sheets(client).status_code == 403
    assert builds_of(client.user.id) == []


@pytest.mark.parametrize("month", ["2026-13", "März", "2026-3-1"])
def test_a_month_that_is_no_month_is_404(client, login, supervisor, crew, month):
    login(client, supervisor)

    assert ask_for_sheets(client, crew["project"], month=month).status_code == 404


def test_progress_counts_the_people_up_to_the_total(crew):
    calls = []

    count = month_timesheets([crew["project"]], MARCH, io.BytesIO(), lambda done, total: calls.append((done, total)))

    assert count == 3
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]


def test_a_month_without_running_measures_gives_one_readable_page(client, login, supervisor, crew):
    login(client, supervisor)

    data = built_pdf(client, ask_for_sheets(client, crew["project"], month="2025-12"))

    [text] = pdf_pages(data)
    assert "Stundennachweise Dezember 2025" in text
    assert "Keine Teilnehmenden mit laufender Maßnahme in diesem Monat." in text
    assert text.endswith("Seite 1 von 1")
    [build] = builds_of(supervisor.id)
    assert build.status == "done"
    assert build.done == build.total == 1


def test_the_empty_month_reports_no_steps(crew):
    calls = []

    assert month_timesheets([crew["project"]], date(2025, 12, 1), io.BytesIO(),
                            lambda done, total: calls.append((done, total))) == 0
    assert calls == [(0, 0)]


# --- the shape of the reading --------------------------------------------------------------------------------


def crew_of(size, days, supervisor):
    """A project whose crew of ``size`` has worked ``days`` working days of March each."""
    ids = viertelwerk_project(supervisor=supervisor, crew_size=size)
    for person_id in ids["participants"]:
        for day in WORKING_DAYS[:days]:
            worked(person_id, day, "6", ids["package"], supervisor)
    db.session.commit()
    db.session.expunge_all()  # read as the worker would: nothing loaded yet
    return ids


def queries_for(ids, count_queries) -> int:
    with count_queries() as statements:
        assert month_timesheets([ids["project"]], MARCH, io.BytesIO()) == len(ids["participants"])
    db.session.expunge_all()
    return len(statements)


def test_the_queries_grow_by_a_constant_per_person_and_not_with_their_entries(supervisor, count_queries):
    two, three, four = (queries_for(crew_of(size, 2, supervisor), count_queries) for size in (2, 3, 4))
    four_busy = queries_for(crew_of(4, len(WORKING_DAYS), supervisor), count_queries)

    per_person = three - two
    assert four - three == per_person
    assert per_person == 3  # the person, their entries, the month lock (attendance from the entries; project once)
    assert four_busy == four
