"""Every Viertelwerk page costs the same number of queries however many people, entries, months and projects there
are (issue 9: no query per row).

The suite keeps objects readable after a commit; production expires them. A page that commits its audit event
before it renders (or exports) reads every row again, one query each, so these tests run the requests with
expiring commits, as production does."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from housing.extensions import db
from housing.renovation import hours
from housing.renovation.models import Participant, WorkPackage
from housing.renovation.services import add_material_cost, save_work_package

from ..conftest import expiring_commits
from ..factories import viertelwerk_project
from .conftest import LAST_WEEK, LAST_WEEK_PARAM, MEASURE_START, absent, add_participant, work

MONDAY = LAST_WEEK[0]
FEBRUARY = date(2026, 2, 1)
FEBRUARY_DAYS = [day for day in (MEASURE_START + timedelta(days=n) for n in range(23)) if day.weekday() < 5]


@pytest.fixture
def measure(count_queries):
    """``measure(client, url)``: the statements one request sends (after a warm-up), with expiring commits."""

    def run(client, url):
        client.get(url)  # translations, rules
        with expiring_commits(), count_queries() as statements:
            response = client.get(url)
            response.get_data()  # a CSV streams: its rows are read now
        assert response.status_code == 200, url
        return statements

    return run


def grow_crew(ids, admin, to):
    for n in range(len(ids["participants"]), to):
        person = add_participant(ids["project"], ids["package"], actor=admin, first=f"Neu{n}", last="Kaya")
        hours.create_entry(work(person.id, MONDAY, "6", ids["package"]), actor=admin)
        hours.create_entry(absent(person.id, LAST_WEEK[1], "6"), actor=admin)
        hours.create_entry(work(person.id, FEBRUARY_DAYS[n % len(FEBRUARY_DAYS)], "5", ids["package"]), actor=admin)
        ids["participants"].append(person.id)
    db.session.commit()


CREW_PAGES = [
    "/", "/viertelwerk/participants", "/viertelwerk/participants/export.csv", "/viertelwerk/participants/export.xlsx",
    "/viertelwerk/participants/{participant}", "/viertelwerk/participants/{participant}/months/2026-03",
    "/viertelwerk/projects", "/viertelwerk/projects/export.csv", "/viertelwerk/projects/export.xlsx",
    "/viertelwerk/projects/{project}", "/viertelwerk/projects/{project}/months/2026-03",
    "/viertelwerk/projects/{project}/sheet?week=" + LAST_WEEK_PARAM,
    "/viertelwerk/reports", "/viertelwerk/reports?from=2026-02-01", "/viertelwerk/reports?project={project}",
    "/viertelwerk/reports?from=2026-02-10&to=2026-03-05",  # parts of two months: the days outside read too
    "/viertelwerk/reports?table=projects&format=csv", "/viertelwerk/reports?table=packages&format=csv",
    "/viertelwerk/reports?table=attendance&format=csv", "/viertelwerk/reports?table=attendance&format=xlsx",
    "/viertelwerk/reports?table=buildings&format=csv",
]


@pytest.mark.parametrize("url", CREW_PAGES)
def test_a_supervisors_pages_cost_the_same_queries_for_a_crew_of_3_or_12(client, login, supervisor, admin, measure,
                                                                         url):
    ids = viertelwerk_project(supervisor=supervisor, crew_size=3)
    for pid in ids["participants"]:
        hours.create_entry(work(pid, MONDAY, "6", ids["package"]), actor=admin)
    db.session.commit()
    login(client, supervisor)
    target = url.format(project=ids["project"], participant=ids["participant"])

    three = measure(client, target)
    grow_crew(ids, admin, 12)
    twelve = measure(client, target)

    assert len(twelve) == len(three), "\n".join(twelve)


def reads(statements, table) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith("SELECT") and f"FROM {table} " in f"{s} "]


@pytest.mark.parametrize("url", [
    "/viertelwerk/projects/{project}/sheet?week=" + LAST_WEEK_PARAM, "/viertelwerk/projects/{project}/months/2026-03",
    "/viertelwerk/participants/{participant}/months/2026-03", "/viertelwerk/projects/{project}",
])
def test_a_crew_page_reads_the_project_its_packages_and_supervisors_once(client, login, supervisor, admin, measure,
                                                                         url):
    """Each person's project is the page's own project, not read again (with its packages, supervisors and their
    roles) with the crew; the supervisors' roles are not needed (only the user's own, read with the login)."""
    ids = viertelwerk_project(supervisor=supervisor, crew_size=3)
    project = db.session.get(WorkPackage, ids["package"]).project
    project.supervisors.append(admin)  # a second supervisor
    db.session.commit()
    login(client, supervisor)

    statements = measure(client, url.format(project=ids["project"], participant=ids["participant"]))

    assert len(reads(statements, "renovation_projects")) <= 1, "\n".join(statements)
    assert len(reads(statements, "work_packages")) <= 1, "\n".join(statements)
    assert len(reads(statements, "users JOIN project_supervisors")) + len(
        reads(statements, "project_supervisors JOIN users")) <= 1, "\n".join(statements)
    assert len(reads(statements, "user_roles")) <= 1, "\n".join(statements)  # the user's, with the login


@pytest.mark.parametrize(("url", "most"), [
    ("/viertelwerk/projects/{project}/sheet?week=" + LAST_WEEK_PARAM, 8),
    ("/viertelwerk/projects/{project}/months/2026-03", 7),
    ("/viertelwerk/participants/{participant}/months/2026-03", 7),
])
def test_the_supervisors_daily_pages_cost_few_queries(client, login, supervisor, admin, measure, url, most):
    """Session, roles, the project or person with their supervisors, the crew, the entries or sums, the approvals,
    the notifications badge (and the audit event): no more."""
    ids = viertelwerk_project(supervisor=supervisor, crew_size=3)
    for pid in ids["participants"]:
        hours.create_entry(work(pid, MONDAY, "6", ids["package"]), actor=admin)
    db.session.commit()
    login(client, supervisor)

    statements = measure(client, url.format(project=ids["project"], participant=ids["participant"]))

    assert len(statements) <= most, "\n".join(statements)


def test_a_participants_month_costs_the_same_queries_for_3_or_25_entries(client, login, supervisor, admin, measure,
                                                                         project):
    pid = project["participant"]
    second = save_work_package(db.session.get(Participant, pid).project, None,
                               {"trade": "Maler", "planned_hours": Decimal("50")}, actor=admin)
    db.session.commit()
    days = iter([(day, package) for day in FEBRUARY_DAYS for package in (project["package"], second.id)])
    for day, package in [next(days) for _n in range(3)]:
        hours.create_entry(work(pid, day, "4", package, activity="Spachteln"), actor=supervisor)
    db.session.commit()
    login(client, supervisor)
    url = f"/viertelwerk/participants/{pid}/months/2026-02"

    few = measure(client, url)
    for day, package in [next(days) for _n in range(21)]:
        hours.create_entry(work(pid, day, "4", package, activity="Spachteln"), actor=supervisor)
    hours.create_entry(absent(pid, FEBRUARY_DAYS[-1], "6"), actor=supervisor)
    db.session.commit()
    many = measure(client, url)

    assert len(many) == len(few), "\n".join(many)
    assert client.get(url).get_data(as_text=True).count("Spachteln") == 24


def test_the_start_page_costs_the_same_queries_with_more_months_and_open_ones(client, login, supervisor, admin,
                                                                             measure, project):
    pid = project["participant"]
    hours.create_entry(work(pid, FEBRUARY_DAYS[0], "6", project["package"]), actor=supervisor)
    db.session.commit()
    login(client, supervisor)

    one_open = measure(client, "/")
    others = [add_participant(project["project"], project["package"], actor=admin, first=f"P{n}", last="Kaya")
              for n in range(4)]
    for n, person in enumerate(others):
        hours.create_entry(work(person.id, FEBRUARY_DAYS[n], "6", project["package"]), actor=supervisor)
        if n % 2:
            hours.approve_month(db.session.get(Participant, person.id), FEBRUARY, actor=supervisor)
    db.session.commit()
    three_open = measure(client, "/")

    assert len(three_open) == len(one_open), "\n".join(three_open)


@pytest.mark.parametrize("url", [
    "/viertelwerk/projects", "/viertelwerk/projects/export.xlsx", "/viertelwerk/reports",
    "/viertelwerk/reports?table=projects&format=xlsx", "/viertelwerk/reports?table=packages&format=xlsx",
    "/viertelwerk/reports?table=buildings&format=xlsx",
])
@pytest.mark.parametrize("role", ["management", "admin"])
def test_the_project_list_and_reports_cost_the_same_queries_for_1_or_4_projects(role_client, admin, measure, role,
                                                                                 url):
    client = role_client(role)

    def project_with_hours():
        ids = viertelwerk_project()
        project = db.session.get(WorkPackage, ids["package"]).project
        save_work_package(project, None, {"trade": "Elektro", "planned_hours": Decimal("20")}, actor=admin)
        add_material_cost(project, {"amount": Decimal("99.50"), "booked_on": MONDAY, "description": "Kabel"},
                          actor=admin)
        hours.create_entry(work(ids["participant"], MONDAY, "6", ids["package"]), actor=admin)
        db.session.commit()

    project_with_hours()
    one = measure(client, url)
    for _n in range(3):
        project_with_hours()
    four = measure(client, url)

    assert len(four) == len(one), "\n".join(four)


@pytest.mark.parametrize("url", ["/api/v1/participants", "/api/v1/projects", "/api/v1/participants/{participant}"])
def test_the_api_lists_cost_the_same_queries_for_a_crew_of_3_or_12(client, supervisor, admin, bearer, count_queries,
                                                                    url):
    ids = viertelwerk_project(supervisor=supervisor, crew_size=3)
    viertelwerk_project(crew_size=2)  # another crew
    headers = bearer(supervisor)
    target = url.format(participant=ids["participant"])

    def queries() -> int:
        with expiring_commits(), count_queries() as statements:
            response = client.get(target, headers=headers)
        assert response.status_code == 200
        return len(statements)

    client.get(target, headers=headers)
    few = queries()
    grow_crew(ids, admin, 12)
    viertelwerk_project(supervisor=supervisor, crew_size=2)

    assert queries() == few


def test_the_api_month_of_hours_costs_the_same_queries_for_3_or_12_entries(client, supervisor, bearer, project,
                                                                           count_queries):
    pid = project["participant"]
    headers = bearer(supervisor)
    url = f"/api/v1/hour-entries?participant_id={pid}&month=2026-02"

    def queries() -> int:
        with expiring_commits(), count_queries() as statements:
            response = client.get(url, headers=headers)
        assert response.status_code == 200
        return len(statements)

    for day in FEBRUARY_DAYS[:3]:
        hours.create_entry(work(pid, day, "6", project["package"]), actor=supervisor)
    db.session.commit()
    client.get(url, headers=headers)
    few = queries()
    for day in FEBRUARY_DAYS[3:12]:
        hours.create_entry(work(pid, day, "6", project["package"]), actor=supervisor)
    db.session.commit()

    assert queries() == few


@pytest.mark.parametrize("url", [
    "/viertelwerk/participants/export.csv", "/viertelwerk/projects/export.csv",
    "/viertelwerk/reports?table=projects&format=csv", "/viertelwerk/reports?table=packages&format=csv",
    "/viertelwerk/reports?table=attendance&format=csv", "/viertelwerk/reports?table=buildings&format=csv",
])
def test_a_csv_export_streams_what_was_read_before_the_audit_commit(client, login, supervisor, project,
                                                                    count_queries, url):
    """The rows stream after the view has returned; in production the request's session is closed by then and its
    objects expired by the audit commit, so reading a row there fails (DetachedInstanceError)."""
    hours.create_entry(work(project["participant"], MONDAY, "6", project["package"]), actor=supervisor)
    db.session.commit()
    login(client, supervisor)

    with expiring_commits():
        response = client.get(url)
        with count_queries() as streaming:
            body = response.get_data(as_text=True)

    assert response.status_code == 200
    assert streaming == []
    assert len(body.splitlines()) == 2
