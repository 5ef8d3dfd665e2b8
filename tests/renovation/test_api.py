"""The Viertelwerk resources of /api/v1 (API.md): projects, participants, hour entries single and batch, month
approval, the timesheet PDF; need-to-know, status codes, German errors, decimals as strings."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from housing.audit.models import AuditEvent
from housing.auth.roles import Role
from housing.extensions import db
from housing.renovation import hours
from housing.renovation.models import HourEntry, Participant, ProjectStatus, RenovationProject

from ..factories import UserFactory, viertelwerk_project
from .conftest import (
    LAST_WEEK,
    MEASURE_START,
    TODAY,
    acquired_property,
    count_entries,
    entries_of,
    lock_of,
    march_over,
    work,
)

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY = LAST_WEEK
MARCH = date(2026, 3, 1)


class Api:
    def __init__(self, client, user, headers):
        self.client, self.user, self.headers = client, user, headers

    def get(self, url, **kwargs):
        return self.client.get(f"/api/v1{url}", headers=self.headers, **kwargs)

    def post(self, url, json=None, **kwargs):
        return self.client.post(f"/api/v1{url}", json=json, headers=self.headers, **kwargs)

    def patch(self, url, json=None, **kwargs):
        return self.client.patch(f"/api/v1{url}", json=json, headers=self.headers, **kwargs)

    def delete(self, url, **kwargs):
        return self.client.delete(f"/api/v1{url}", headers=self.headers, **kwargs)


@pytest.fixture
def api_for(client, bearer):
    """``api_for(user)`` -> an API client carrying a token of ``user``."""
    return lambda user: Api(client, user, bearer(user))


@pytest.fixture
def api(api_for, supervisor):
    return api_for(supervisor)


@pytest.fixture
def admin_api(api_for, admin):
    return api_for(admin)


def error_of(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    return response.get_json()["error"]


def entry_json(ids, day=MONDAY, value="7.5", **fields):
    body = {"participant_id": ids["participant"], "work_package_id": ids["package"], "date": day.isoformat(),
            "hours": value}
    body.update(fields)
    return body


# --- projects -----------------------------------------------------------------------------------------------


def test_a_supervisor_lists_only_their_own_projects(api, project):
    theirs = viertelwerk_project()

    body = api.get("/projects").get_json()

    assert [item["id"] for item in body["items"]] == [project["project"]]
    assert body["next_cursor"] is None
    assert theirs["project"] not in [item["id"] for item in body["items"]]


@pytest.mark.parametrize("role", ["admin", "housing_officer", "management"])
def test_admins_officers_and_management_list_every_project(api_for, project, role):
    theirs = viertelwerk_project()

    body = api_for(UserFactory(roles=[role])).get("/projects").get_json()

    assert {item["id"] for item in body["items"]} == {project["project"], theirs["project"]}


def test_a_project_carries_its_supervisors_work_packages_and_money_as_strings(api, project, supervisor):
    item = api.get(f"/projects/{project['project']}").get_json()

    assert item["supervisor_emails"] == [supervisor.email]
    assert item["status"] == "active"
    assert Decimal(item["labour_budget"]) == 0
    assert isinstance(item["labour_budget"], str) and isinstance(item["material_budget"], str)
    [package] = item["work_packages"]
    assert package["id"] == project["package"] and package["trade"] == "Trockenbau"
    assert isinstance(package["planned_hours"], str) and Decimal(package["planned_hours"]) == 100
    assert item["starts_on"] == (TODAY - timedelta(days=40)).isoformat()


def test_another_supervisors_project_is_404(api_for, project):
    stranger = UserFactory(roles=[Role.SUPERVISOR])

    assert error_of(api_for(stranger).get(f"/projects/{project['project']}"), 404)["code"] == "not_found"


def test_a_tenant_advisor_may_not_list_projects(api_for, project):
    error = error_of(api_for(UserFactory(roles=[Role.TENANT_ADVISOR])).get("/projects"), 403)

    assert error["message"] == "Dafür fehlt Ihnen die Berechtigung."


def test_an_admin_creates_a_project_with_nested_work_packages_and_supervisors(admin_api, admin, supervisor):
    prop = acquired_property(admin)
    colleague = UserFactory(roles=[Role.SUPERVISOR])

    response = admin_api.post("/projects", {
        "property_id": prop.id, "name": "Kielstraße 7 – Gesamtsanierung", "starts_on": "2026-04-01",
        "planned_end_on": "2026-12-18", "labour_budget": "48000.00", "material_budget": 21500,
        "status": "planned", "supervisor_emails": [supervisor.email, colleague.email.upper()],
        "work_packages": [
            {"trade": "Entkernung", "description": "Altputz und Böden", "planned_hours": "320.5"},
            {"trade": "Elektro", "planned_hours": 0, "progress_percent": 10},
        ]})

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["name"] == "Kielstraße 7 – Gesamtsanierung"
    assert body["property_id"] == prop.id
    assert (body["starts_on"], body["planned_end_on"], body["status"]) == ("2026-04-01", "2026-12-18", "planned")
    assert Decimal(body["labour_budget"]) == Decimal("48000") and Decimal(body["material_budget"]) == 21500
    assert sorted(body["supervisor_emails"]) == sorted([supervisor.email, colleague.email])
    assert [(p["trade"], p["description"], Decimal(p["planned_hours"]), p["progress_percent"])
            for p in body["work_packages"]] == [("Entkernung", "Altputz und Böden", Decimal("320.5"), 0),
                                                ("Elektro", None, Decimal("0"), 10)]
    assert all(isinstance(p["id"], int) for p in body["work_packages"])
    stored = db.session.get(RenovationProject, body["id"])
    assert stored.status == ProjectStatus.PLANNED
    assert {u.id for u in stored.supervisors} == {supervisor.id, colleague.id}
    assert [p.trade for p in stored.work_packages] == ["Entkernung", "Elektro"]


def test_creating_a_project_with_an_unknown_supervisor_is_422_and_creates_nothing(admin_api, admin):
    prop = acquired_property(admin)

    error = error_of(admin_api.post("/projects", {"property_id": prop.id, "starts_on": "2026-04-01",
                                                  "planned_end_on": "2026-12-18",
                                                  "supervisor_emails": ["niemand@housing.example"]}), 422)

    assert error["fields"]["supervisor_emails"] == ["Unbekannte Konten: niemand@housing.example."]
    assert db.session.scalar(select(RenovationProject).where(RenovationProject.property_id == prop.id)) is None


def test_creating_a_project_with_a_non_supervisor_account_is_422_and_creates_nothing(admin_api, admin):
    prop = acquired_property(admin)
    officer = UserFactory(roles=[Role.HOUSING_OFFICER])

    error = error_of(admin_api.post("/projects", {"property_id": prop.id, "starts_on": "2026-04-01",
                                                  "planned_end_on": "2026-12-18",
                                                  "supervisor_emails": [officer.email]}), 422)

    assert ["Nur Konten mit der Rolle Anleitung können ein Projekt betreuen."] in error["fields"].values()
    assert db.session.scalar(select(RenovationProject).where(RenovationProject.property_id == prop.id)) is None


@pytest.mark.parametrize("method", ["post", "patch"])
def test_a_non_supervisor_account_is_reported_on_the_supervisor_emails_field(admin_api, admin, project, method):
    officer = UserFactory(roles=[Role.HOUSING_OFFICER])
    if method == "post":
        response = admin_api.post("/projects", {"property_id": acquired_property(admin).id, "starts_on": "2026-04-01",
                                                "planned_end_on": "2026-12-18", "supervisor_emails": [officer.email]})
    else:
        response = admin_api.patch(f"/projects/{project['project']}", {"supervisor_emails": [officer.email]})

    error = error_of(response, 422)

    assert error["fields"] == {"supervisor_emails": ["Nur Konten mit der Rolle Anleitung können ein Projekt betreuen."]}


def test_creating_a_project_with_an_invalid_work_package_names_the_package(admin_api, admin):
    prop = acquired_property(admin)

    error = error_of(admin_api.post("/projects", {
        "property_id": prop.id, "starts_on": "2026-04-01", "planned_end_on": "2026-12-18",
        "work_packages": [{"trade": "Maler"}, {"trade": "Boden", "planned_hours": "-3"}]}), 422)

    assert "work_packages.1.planned_hours" in error["fields"]
    assert db.session.scalar(select(RenovationProject).where(RenovationProject.property_id == prop.id)) is None


def test_a_project_for_a_building_not_yet_acquired_is_a_conflict(admin_api, admin):
    from housing.properties import services as cases

    prop = cases.create_property({"street": "Kielstraße", "house_number": "9", "postcode": "44145",
                                  "social_area": "borsigplatz"}, actor=admin)
    db.session.commit()

    error = error_of(admin_api.post("/projects", {"property_id": prop.id, "starts_on": "2026-04-01",
                                                  "planned_end_on": "2026-12-18"}), 409)

    assert error["message"] == "Ein Sanierungsprojekt gibt es erst für ein erworbenes Gebäude."


def test_a_supervisor_may_not_create_a_project(api, admin):
    prop = acquired_property(admin)

    error_of(api.post("/projects", {"property_id": prop.id, "starts_on": "2026-04-01",
                                    "planned_end_on": "2026-12-18"}), 403)


def test_an_admin_patches_a_project(admin_api, project):
    colleague = UserFactory(roles=[Role.SUPERVISOR])

    response = admin_api.patch(f"/projects/{project['project']}", {
        "name": "Bornstraße – 1. Bauabschnitt", "material_budget": "9000", "supervisor_emails": [colleague.email]})

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["name"] == "Bornstraße – 1. Bauabschnitt"
    assert Decimal(body["material_budget"]) == 9000
    assert body["supervisor_emails"] == [colleague.email]
    stored = db.session.get(RenovationProject, project["project"])
    assert stored.name == "Bornstraße – 1. Bauabschnitt" and [u.id for u in stored.supervisors] == [colleague.id]


def test_a_supervisor_patches_their_project_but_cannot_staff_it(api, project):
    assert api.patch(f"/projects/{project['project']}", {"status": "active", "name": "Neuer Name"}).status_code == 200

    error = error_of(api.patch(f"/projects/{project['project']}", {"supervisor_emails": []}), 422)

    assert error["fields"]["supervisor_emails"] == ["Nur die Administration besetzt ein Projekt."]
    assert len(db.session.get(RenovationProject, project["project"]).supervisors) == 1


def test_patching_another_supervisors_project_is_404(api_for, project):
    error_of(api_for(UserFactory(roles=[Role.SUPERVISOR])).patch(f"/projects/{project['project']}",
                                                                 {"name": "x"}), 404)
    assert db.session.get(RenovationProject, project["project"]).name != "x"


def test_an_invalid_project_patch_is_422(admin_api, project):
    error = error_of(admin_api.patch(f"/projects/{project['project']}", {"planned_end_on": "2020-01-01"}), 422)

    assert "planned_end_on" in error["fields"]


# --- participants -----------------------------------------------------------------------------------------------


def participant_json(ids, **fields):
    body = {"first_name": "Ionuț", "last_name": "Țăran", "birth_date": "1991-07-03", "funding_basis": "sgb2_16d",
            "starts_on": "2026-03-02", "ends_on": "2026-08-31", "weekly_hours": "39", "project_id": ids["project"],
            "safety_briefing_on": "2026-03-02", "jobcenter_ref": "962D998877"}
    body.update(fields)
    return body


def test_a_supervisor_lists_only_their_own_crew(api, supervisor):
    mine = viertelwerk_project(supervisor=supervisor, crew_size=2)
    theirs = viertelwerk_project(crew_size=2)

    body = api.get("/participants").get_json()

    ids = [item["id"] for item in body["items"]]
    assert sorted(ids) == sorted(mine["participants"])
    assert not set(ids) & set(theirs["participants"])


def test_a_participant_travels_with_dates_decimals_as_strings_and_the_safety_briefing(api, project):
    body = api.get(f"/participants/{project['participant']}").get_json()

    assert body["id"] == project["participant"]
    assert (body["first_name"], body["last_name"]) == ("Ţăran0", "Şükrü")
    assert body["funding_basis"] == "sgb2_16i"
    assert body["weekly_hours"] in ("30.00", "30")
    assert body["safety_briefing_on"] == MEASURE_START.isoformat()
    assert body["project_id"] == project["project"]
    assert isinstance(body["version"], int)


def test_another_crews_participant_is_404_like_a_missing_one(api_for, project):
    stranger = api_for(UserFactory(roles=[Role.SUPERVISOR]))

    theirs = error_of(stranger.get(f"/participants/{project['participant']}"), 404)
    missing = error_of(stranger.get("/participants/987654"), 404)

    assert theirs == missing
    error_of(stranger.patch(f"/participants/{project['participant']}", {"first_name": "X", "version": 1}), 404)
    assert db.session.get(Participant, project["participant"]).first_name == "Ţăran0"


def test_a_supervisor_registers_a_participant_for_their_project(api, project, supervisor):
    response = api.post("/participants", participant_json(project))

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["first_name"], body["last_name"], Decimal(body["weekly_hours"])) == ("Ionuț", "Țăran", 39)
    assert isinstance(body["weekly_hours"], str)
    assert body["safety_briefing_on"] == "2026-03-02"
    stored = db.session.get(Participant, body["id"])
    assert stored.project_id == project["project"] and stored.daily_hours == Decimal("7.75")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "participant.create",
                                                       AuditEvent.object_id == str(body["id"])))
    assert event.actor_id == supervisor.id


def test_a_supervisor_cannot_register_a_participant_for_another_project(api, project):
    theirs = viertelwerk_project()

    error = error_of(api.post("/participants", participant_json(theirs)), 422)

    assert error["fields"]["project_id"] == ["Bitte eines Ihrer Projekte wählen."]


def test_an_invalid_participant_is_422_with_german_messages(api, project):
    error = error_of(api.post("/participants", participant_json(project, ends_on="2026-02-01", weekly_hours="45",
                                                                funding_basis="minijob")), 422)

    assert "funding_basis" in error["fields"]
    assert error["message"] == "Die Angaben sind ungültig."


def test_patching_a_participant_with_the_current_version_saves_and_bumps_it(api, project):
    version = api.get(f"/participants/{project['participant']}").get_json()["version"]

    response = api.patch(f"/participants/{project['participant']}", {"weekly_hours": "20", "version": version})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["weekly_hours"] in ("20.00", "20")
    assert response.get_json()["version"] == version + 1
    assert db.session.get(Participant, project["participant"]).weekly_hours == Decimal("20")


def test_patching_a_participant_with_a_stale_version_is_a_conflict(api, project):
    version = api.get(f"/participants/{project['participant']}").get_json()["version"]
    assert api.patch(f"/participants/{project['participant']}", {"weekly_hours": "20", "version": version}
                     ).status_code == 200

    error = error_of(api.patch(f"/participants/{project['participant']}", {"weekly_hours": "25",
                                                                           "version": version}), 409)

    assert error["code"] == "conflict"
    assert error["fields"] == {"version": ["Veraltet."]}
    assert db.session.get(Participant, project["participant"]).weekly_hours == Decimal("20")


def test_patching_a_participant_needs_the_version(api, project):
    error = error_of(api.patch(f"/participants/{project['participant']}", {"weekly_hours": "20"}), 422)

    assert error["fields"]["version"] == ["Pflichtangabe fehlt."]


# --- hour entries: reading ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "missing"), [
    ("", {"participant_id", "month"}), ("?participant_id=1", {"month"}), ("?month=2026-03", {"participant_id"})])
def test_reading_hour_entries_needs_participant_and_month(api, project, query, missing):
    error = error_of(api.get(f"/hour-entries{query}"), 422)

    assert set(error["fields"]) == missing
    assert all(messages == ["Pflichtangabe fehlt."] for messages in error["fields"].values())


def test_reading_hour_entries_with_a_malformed_month_is_422(api, project):
    error_of(api.get(f"/hour-entries?participant_id={project['participant']}&month=03-2026"), 422)


def test_a_participants_month_of_entries_with_hours_as_decimal_strings(api, project, supervisor):
    pid = project["participant"]
    hours.create_entry(work(pid, MONDAY, "7.5", project["package"], activity="Ständerwerk"), actor=supervisor)
    hours.create_entry(hours.EntryInput(pid, TUESDAY, hours="6", absence="vacation"), actor=supervisor)
    hours.create_entry(work(pid, date(2026, 2, 27), "3", project["package"]), actor=supervisor)
    db.session.commit()

    body = api.get(f"/hour-entries?participant_id={pid}&month=2026-03").get_json()

    assert body["next_cursor"] is None
    items = body["items"]
    assert [(i["date"], i["work_package_id"], i["activity"], i["absence"]) for i in items] == [
        ("2026-03-09", project["package"], "Ständerwerk", None), ("2026-03-10", None, None, "vacation")]
    assert [i["hours"] for i in items] in (["7.50", "6.00"], ["7.5", "6"])
    assert all(isinstance(i["hours"], str) and i["participant_id"] == pid for i in items)


def test_another_crews_hour_entries_are_404(api_for, project):
    stranger = api_for(UserFactory(roles=[Role.SUPERVISOR]))

    error_of(stranger.get(f"/hour-entries?participant_id={project['participant']}&month=2026-03"), 404)


# --- hour entries: one at a time ----------------------------------------------------------------------------------


def test_posting_one_entry_creates_it(api, project, supervisor):
    response = api.post("/hour-entries", entry_json(project, activity="Dämmung"))

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["hours"] in ("7.5", "7.50")
    assert (body["participant_id"], body["work_package_id"], body["date"], body["activity"], body["absence"]) == (
        project["participant"], project["package"], "2026-03-09", "Dämmung", None)
    [stored] = entries_of(project["participant"])
    assert (stored.id, stored.hours, stored.recorded_by_id) == (body["id"], Decimal("7.5"), supervisor.id)


def test_hours_may_be_sent_as_a_json_number(api, project):
    response = api.post("/hour-entries", entry_json(project, value=7.25))

    assert response.status_code == 201
    assert Decimal(response.get_json()["hours"]) == Decimal("7.25")


def test_posting_an_absence(api, project):
    response = api.post("/hour-entries", entry_json(project, work_package_id=None, absence="sick", value="6"))

    assert response.status_code == 201, response.get_json()
    assert (response.get_json()["absence"], response.get_json()["work_package_id"]) == ("sick", None)


@pytest.mark.parametrize(("value", "message"), [
    ("1.1", "Stunden werden in Viertelstunden erfasst (z. B. 7,25 oder 7,5); 1,1 geht nicht."),
    ("11", "Mehr als 10 Stunden am Tag sind nach dem Arbeitszeitgesetz nicht zulässig."),
    ("10.25", "Mehr als 10 Stunden am Tag sind nach dem Arbeitszeitgesetz nicht zulässig."),
])
def test_invalid_hours_are_422_with_a_german_message(api, project, value, message):
    error = error_of(api.post("/hour-entries", entry_json(project, value=value)), 422)

    assert error["code"] == "invalid"
    assert error["message"] == "Die Angaben sind ungültig."
    assert error["fields"]["hours"] == [message]
    assert count_entries() == 0


def test_a_day_in_the_future_is_422(api, project):
    error = error_of(api.post("/hour-entries", entry_json(project, day=TODAY + timedelta(days=1))), 422)

    assert error["fields"]["date"] == ["Stunden können nicht für die Zukunft erfasst werden."]


def test_a_duplicate_entry_is_a_conflict(api, project):
    assert api.post("/hour-entries", entry_json(project, value="3")).status_code == 201

    error = error_of(api.post("/hour-entries", entry_json(project, value="2")), 409)

    assert error["code"] == "conflict"
    assert error["message"] == "Für diesen Tag und dieses Arbeitspaket gibt es schon einen Eintrag."
    assert [e.hours for e in entries_of(project["participant"])] == [Decimal("3")]


def test_another_crews_participant_is_unknown_when_posting(api_for, project):
    stranger = api_for(UserFactory(roles=[Role.SUPERVISOR]))

    error = error_of(stranger.post("/hour-entries", entry_json(project)), 422)

    assert error["fields"] == {"participant_id": ["Unbekannte Teilnehmende."]}
    assert count_entries() == 0


def test_malformed_json_is_400(api, project):
    response = api.client.post("/api/v1/hour-entries", data="{nicht json", headers={
        **api.headers, "Content-Type": "application/json"})

    assert error_of(response, 400)["code"] == "bad_request"


def test_an_unreadable_number_is_422_not_500(api, project):
    error = error_of(api.post("/hour-entries", entry_json(project, value="sieben")), 422)

    assert error["code"] == "invalid"


def test_an_unreadable_number_names_the_hours_field_only(api, project):
    error = error_of(api.post("/hour-entries", entry_json(project, value="sieben")), 422)

    assert error["fields"] == {"hours": ["Eine Zahl wird erwartet."]}


def test_no_token_is_401(client, project):
    response = client.get(f"/api/v1/hour-entries?participant_id={project['participant']}&month=2026-03")

    assert error_of(response, 401)["code"] == "unauthorized"


# --- hour entries: the batch ---------------------------------------------------------------------------------------


def test_a_batch_keeps_valid_entries_and_reports_invalid_ones_by_index(api, project, supervisor):
    hours.approve_month(db.session.get(Participant, project["participant"]), date(2026, 2, 1), actor=supervisor)
    db.session.commit()

    response = api.post("/hour-entries", {"entries": [
        entry_json(project, MONDAY, "7.5"),
        entry_json(project, TUESDAY, "1.1"),
        entry_json(project, WEDNESDAY, "11"),
        entry_json(project, MONDAY, "2"),  # Monday again
        entry_json(project, date(2026, 2, 23), "6"),  # February is approved
        entry_json(project, THURSDAY, "6", work_package_id=None, absence="training"),
    ]})

    assert response.status_code == 200, response.get_json()
    results = response.get_json()["results"]
    assert [(r["index"], r["status"]) for r in results] == [
        (0, "created"), (1, "rejected"), (2, "rejected"), (3, "rejected"), (4, "rejected"), (5, "created")]
    stored = {e.worked_on: e for e in entries_of(project["participant"])}
    assert set(stored) == {MONDAY, THURSDAY}
    assert results[0]["id"] == stored[MONDAY].id and results[5]["id"] == stored[THURSDAY].id
    assert "error" not in results[0] or results[0]["error"] is None
    assert results[1]["error"]["code"] == "invalid"
    assert results[1]["error"]["fields"]["hours"] == [
        "Stunden werden in Viertelstunden erfasst (z. B. 7,25 oder 7,5); 1,1 geht nicht."]
    assert results[2]["error"]["fields"]["hours"] == [
        "Mehr als 10 Stunden am Tag sind nach dem Arbeitszeitgesetz nicht zulässig."]
    assert results[3]["error"]["code"] == "conflict"
    assert results[4]["error"]["code"] == "conflict"
    assert results[4]["error"]["message"] == "Monat gesperrt."
    assert all(r.get("id") is None for r in results if r["status"] == "rejected")


def test_a_batch_in_which_everything_fails_is_still_200_with_every_reason(api, project):
    response = api.post("/hour-entries", {"entries": [entry_json(project, MONDAY, "0.1"),
                                                      entry_json(project, TODAY + timedelta(days=3), "6")]})

    assert response.status_code == 200
    assert [r["status"] for r in response.get_json()["results"]] == ["rejected", "rejected"]
    assert count_entries() == 0


def test_a_batch_item_with_an_unreadable_value_is_reported_and_the_others_kept(api, project):
    response = api.post("/hour-entries", {"entries": [entry_json(project, MONDAY, "6"),
                                                      entry_json(project, TUESDAY, "viel")]})

    assert response.status_code == 200, response.get_json()
    assert [r["status"] for r in response.get_json()["results"]] == ["created", "rejected"]
    assert [e.worked_on for e in entries_of(project["participant"])] == [MONDAY]


def test_an_empty_batch_is_422(api, project):
    error_of(api.post("/hour-entries", {"entries": []}), 422)


# --- deleting -----------------------------------------------------------------------------------------------------


def test_deleting_an_entry(api, project, supervisor):
    entry = hours.create_entry(work(project["participant"], MONDAY, "6", project["package"]), actor=supervisor)
    db.session.commit()

    response = api.delete(f"/hour-entries/{entry.id}")

    assert response.status_code == 200
    assert entries_of(project["participant"]) == []


def test_deleting_another_crews_entry_is_404(api_for, project, supervisor):
    entry = hours.create_entry(work(project["participant"], MONDAY, "6", project["package"]), actor=supervisor)
    db.session.commit()

    error_of(api_for(UserFactory(roles=[Role.SUPERVISOR])).delete(f"/hour-entries/{entry.id}"), 404)
    assert count_entries() == 1


# --- months -----------------------------------------------------------------------------------------------------


def test_approving_a_month_locks_it_and_a_later_entry_into_it_is_a_conflict(api, project):
    assert api.post("/hour-entries", entry_json(project, MONDAY, "6")).status_code == 201
    entry_id = entries_of(project["participant"])[0].id

    with march_over():
        response = api.post(f"/participants/{project['participant']}/months/2026-03/approve")

    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"participant_id": project["participant"], "month": "2026-03", "locked": True}
    assert lock_of(project["participant"], MARCH).is_locked
    error = error_of(api.post("/hour-entries", entry_json(project, TUESDAY, "6")), 409)
    assert error["message"] == "Der Monat 03/2026 ist freigegeben und gesperrt."
    error_of(api.delete(f"/hour-entries/{entry_id}"), 409)
    batch = api.post("/hour-entries", {"entries": [entry_json(project, WEDNESDAY, "6")]}).get_json()
    assert batch["results"][0]["status"] == "rejected" and batch["results"][0]["error"]["code"] == "conflict"
    assert [e.worked_on for e in entries_of(project["participant"])] == [MONDAY]


def test_approving_twice_a_running_or_a_future_month_is_a_conflict(api, project):
    error = error_of(api.post(f"/participants/{project['participant']}/months/2026-03/approve"), 409)
    assert error["message"] == ("Der Monat läuft noch: Freigeben lässt er sich ab dem 31.03.2026, seinem letzten "
                                "Arbeitstag (die Freigabe sperrt alle Tage des Monats).")
    with march_over():
        assert api.post(f"/participants/{project['participant']}/months/2026-03/approve").status_code == 200

        error_of(api.post(f"/participants/{project['participant']}/months/2026-03/approve"), 409)
        error_of(api.post(f"/participants/{project['participant']}/months/2026-04/approve"), 409)


def test_approving_a_malformed_month_or_another_crews_month_is_404(api, api_for, project):
    error_of(api.post(f"/participants/{project['participant']}/months/2026-3x/approve"), 404)
    stranger = api_for(UserFactory(roles=[Role.SUPERVISOR]))
    error_of(stranger.post(f"/participants/{project['participant']}/months/2026-03/approve"), 404)
    assert lock_of(project["participant"], MARCH) is None


def test_the_timesheet_is_a_pdf(api, project, supervisor):
    hours.create_entry(work(project["participant"], MONDAY, "7.5", project["package"]), actor=supervisor)
    db.session.commit()

    response = api.get(f"/participants/{project['participant']}/months/2026-03/timesheet")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")


def test_another_crews_timesheet_is_404(api_for, project):
    error_of(api_for(UserFactory(roles=[Role.SUPERVISOR])).get(
        f"/participants/{project['participant']}/months/2026-03/timesheet"), 404)


# --- roles without a crew -----------------------------------------------------------------------------------------


CREW_CALLS = [
    ("get", "/participants", None),
    ("get", "/participants/{pid}", None),
    ("post", "/participants", "participant"),
    ("patch", "/participants/{pid}", {"first_name": "X", "version": 1}),
    ("get", "/hour-entries?participant_id={pid}&month=2026-03", None),
    ("post", "/hour-entries", "entry"),
    ("post", "/hour-entries", "batch"),
    ("delete", "/hour-entries/{eid}", None),
    ("post", "/participants/{pid}/months/2026-03/approve", None),
    ("get", "/participants/{pid}/months/2026-03/timesheet", None),
]


@pytest.mark.parametrize("role", ["tenant_advisor", "management", "housing_officer"])
@pytest.mark.parametrize(("method", "url", "body"), CREW_CALLS)
def test_roles_without_a_crew_get_403_on_participants_and_hour_entries(api_for, project, supervisor, role, method,
                                                                       url, body):
    entry = hours.create_entry(work(project["participant"], MONDAY, "6", project["package"]), actor=supervisor)
    db.session.commit()
    client = api_for(UserFactory(roles=[role]))
    payload = {"participant": participant_json(project), "entry": entry_json(project, TUESDAY),
               "batch": {"entries": [entry_json(project, TUESDAY)]}}.get(body, body) if isinstance(body, str) else body
    kwargs = {"json": payload} if method in ("post", "patch") else {}

    response = getattr(client, method)(url.format(pid=project["participant"], eid=entry.id), **kwargs)

    error = error_of(response, 403)
    assert error["message"] == "Dafür fehlt Ihnen die Berechtigung."
    assert "Ţăran" not in response.get_data(as_text=True)
    assert count_entries() == 1
    assert lock_of(project["participant"], MARCH) is None
    assert db.session.scalar(select(db.func.count()).select_from(Participant)) == 1
    assert db.session.get(HourEntry, entry.id) is not None


# --- work packages, reopening a month, the month read as it is audited ------------------------------------------


def test_a_supervisor_adds_and_changes_a_work_package_of_their_project(api, project):
    created = api.post(f"/projects/{project['project']}/work-packages",
                       {"trade": "Fliesen", "description": "Bäder EG", "planned_hours": "60.5"})

    assert created.status_code == 201, created.get_json()
    package = created.get_json()
    assert Decimal(package.pop("planned_hours")) == Decimal("60.5")
    assert package == {"id": package["id"], "trade": "Fliesen", "description": "Bäder EG", "progress_percent": 0,
                       "by_specialist_firm": False}
    changed = api.patch(f"/projects/{project['project']}/work-packages/{package['id']}", {"progress_percent": 55})
    assert changed.status_code == 200
    assert changed.get_json() == {**package, "planned_hours": "60.50", "progress_percent": 55}  # the rest kept
    trades = [p["trade"] for p in api.get(f"/projects/{project['project']}").get_json()["work_packages"]]
    assert trades == ["Trockenbau", "Fliesen"]


def test_an_invalid_work_package_is_422_and_another_projects_package_is_404(api, api_for, project):
    error = error_of(api.post(f"/projects/{project['project']}/work-packages", {"trade": "X", "planned_hours": -1}),
                     422)
    assert set(error["fields"]) == {"planned_hours"}
    error_of(api.patch(f"/projects/{project['project']}/work-packages/{project['package']}",
                       {"progress_percent": 101}), 422)

    other = viertelwerk_project()
    error_of(api.patch(f"/projects/{project['project']}/work-packages/{other['package']}",
                       {"progress_percent": 5}), 404)
    error_of(api.post(f"/projects/{other['project']}/work-packages", {"trade": "Elektro"}), 404)
    officer = api_for(UserFactory(roles=[Role.HOUSING_OFFICER]))
    error_of(officer.post(f"/projects/{project['project']}/work-packages", {"trade": "Elektro"}), 403)


def test_an_admin_reopens_an_approved_month_with_a_reason(api, admin_api, project):
    pid = project["participant"]
    with march_over():
        assert api.post(f"/participants/{pid}/months/2026-03/approve").status_code == 200

    error_of(api.post(f"/participants/{pid}/months/2026-03/unlock", {"reason": "Korrektur"}), 403)
    assert set(error_of(admin_api.post(f"/participants/{pid}/months/2026-03/unlock", {"reason": ""}),
                        422)["fields"]) == {"reason"}
    response = admin_api.post(f"/participants/{pid}/months/2026-03/unlock", {"reason": "Krankmeldung nachgereicht"})

    assert response.status_code == 200
    assert response.get_json() == {"participant_id": pid, "month": "2026-03", "locked": False}
    assert lock_of(pid, date(2026, 3, 1)).unlock_reason == "Krankmeldung nachgereicht"
    assert api.post("/hour-entries", entry_json(project)).status_code == 201
    error_of(admin_api.post(f"/participants/{pid}/months/2026-03/unlock", {"reason": "nochmal"}), 409)


def test_reading_a_participants_month_is_audited_like_the_month_page(api, project, supervisor):
    pid = project["participant"]

    assert api.get(f"/hour-entries?participant_id={pid}&month=2026-03").status_code == 200

    event = db.session.scalars(select(AuditEvent).where(AuditEvent.actor_id == supervisor.id)
                               .order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.object_type, event.object_id, event.summary) == (
        "participant.month_view", "participants", str(pid), "api 2026-03")
