"""A revoked token is refused at once, and every API call that reads or changes personal data is in the audit log
as the same step in the browser would be (who, what, which record; reads marked "api")."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from housing.audit.models import AuditEvent
from housing.auth.models import ApiToken, User
from housing.auth.roles import Role
from housing.auth.services import revoke_api_token
from housing.clock import today
from housing.extensions import db
from housing.placement import services as placement
from housing.placement.models import Applicant
from housing.renovation import hours

from .. import factories
from ..conftest import expiring_commits
from .conftest import Api


def events_of(user) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.actor_id == user.id).order_by(AuditEvent.id)))


def assert_refused(response):
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


# --- revocation ------------------------------------------------------------------------------------------------


def test_a_token_revoked_on_the_profile_page_is_refused_by_the_very_next_call(app, client, login):
    user = factories.UserFactory(roles=[Role.TENANT_ADVISOR])
    script, other = Api(client, user), Api(client, user)
    browser = login(app.test_client(), user)
    assert client.get("/api/v1/me", headers=script.headers).status_code == 200
    token = db.session.scalar(select(ApiToken).where(ApiToken.prefix == script.secret[:12]))

    assert browser.post(f"/profile/tokens/{token.id}/revoke").status_code == 302

    assert_refused(client.get("/api/v1/me", headers=script.headers))
    assert_refused(client.post("/api/v1/applicants", json={"first_name": "A", "last_name": "B"},
                               headers=script.headers))
    assert db.session.scalar(select(func.count(Applicant.id))) == 0
    assert client.get("/api/v1/me", headers=other.headers).status_code == 200  # only that one token


def test_a_script_stops_at_the_call_after_its_token_is_revoked_and_changes_nothing_more(client):
    user = factories.UserFactory(roles=[Role.TENANT_ADVISOR])
    script = Api(client, user)
    household = script.post("/applicants", {"first_name": "Ionuț", "last_name": "Ştefan"}, expect=201)
    token = db.session.scalar(select(ApiToken).where(ApiToken.prefix == script.secret[:12]))
    revoke_api_token(db.session.get(ApiToken, token.id), actor=user)
    db.session.commit()
    before = [event.action for event in events_of(user)]

    response = client.patch(f"/api/v1/applicants/{household['id']}", json={"last_name": "X", "version": 1},
                            headers=script.headers)

    assert_refused(response)
    assert db.session.get(Applicant, household["id"]).last_name == "Ştefan"
    assert [event.action for event in events_of(user)] == before  # nothing done, nothing recorded in their name


def test_the_token_of_a_deactivated_user_is_refused_at_once(client):
    user = factories.UserFactory(roles=[Role.HOUSING_OFFICER])
    script = Api(client, user)
    assert client.get("/api/v1/properties", headers=script.headers).status_code == 200

    db.session.get(User, user.id).is_active = False
    db.session.commit()

    assert_refused(client.get("/api/v1/properties", headers=script.headers))


# --- audit ------------------------------------------------------------------------------------------------------


@pytest.fixture
def records():
    """A case, a project with an hour entry of last week, and placement records (ids by name)."""
    case = factories.full_case()
    project = factories.viertelwerk_project()
    monday = today() - timedelta(days=today().weekday() + 7)
    supervisor = db.session.get(User, project["supervisor"])
    hours.create_entry(hours.EntryInput(project["participant"], monday, hours="6", work_package_id=project["package"]),
                       actor=supervisor)
    db.session.commit()
    return {**factories.placement_records(), "property": case["property"], "inspection": case["inspection"],
            "participant": project["participant"], "supervisor_user": supervisor,
            "entry_month": monday.strftime("%Y-%m")}


READS = [
    # (role, url, the audit action, object type, which record (None: a list))
    (Role.TENANT_ADVISOR, "/applicants", "applicant.list", "applicants", None),
    (Role.TENANT_ADVISOR, "/applicants/{applicant}", "applicant.view", "applicants", "applicant"),
    (Role.TENANT_ADVISOR, "/applicants/{applicant}/consents", "applicant.view", "applicants", "applicant"),
    (Role.TENANT_ADVISOR, "/applicants/{applicant}/vacancies", "applicant.view", "applicants", "applicant"),
    (Role.TENANT_ADVISOR, "/vacancies/{vacancy}/candidates", "applicant.list", "applicants", None),
    (Role.TENANT_ADVISOR, "/tenancies/{tenancy}/contacts", "applicant.view", "applicants", None),
    (Role.TENANT_ADVISOR, "/offers/{offer}/letter", "offer.letter", "offers", "offer"),
    (Role.SUPERVISOR, "/participants", "participant.list", "participants", None),
    (Role.SUPERVISOR, "/participants/{participant}", "participant.view", "participants", "participant"),
    (Role.SUPERVISOR, "/hour-entries?participant_id={participant}&month={entry_month}", "participant.month_view",
     "participants", "participant"),
    (Role.SUPERVISOR, "/participants/{participant}/months/{entry_month}/timesheet", "participant.timesheet",
     "participants", "participant"),
    (Role.HOUSING_OFFICER, "/properties/{property}", "property.view", "properties", "property"),
    (Role.HOUSING_OFFICER, "/properties/{property}/owners", "property.view", "properties", "property"),
    (Role.HOUSING_OFFICER, "/properties/{property}/acquisitions", "acquisition.read", "properties", "property"),
    (Role.HOUSING_OFFICER, "/properties/{property}/dossier", "property.dossier", "properties", "property"),
    (Role.HOUSING_OFFICER, "/properties/{property}/inspections/{inspection}/protocol", "inspection.protocol",
     "inspections", "inspection"),
]


@pytest.mark.parametrize(("role", "url", "action", "object_type", "subject"), READS,
                         ids=[f"{read[0]} {read[1]}" for read in READS])
def test_reading_personal_data_through_the_api_is_audited(client, records, role, url, action, object_type,
                                                           subject):
    user = records["supervisor_user"] if role == Role.SUPERVISOR else factories.UserFactory(roles=[role])
    script = Api(client, user)

    script.get(url.format(**records))

    event = events_of(user)[-1]
    assert (event.action, event.object_type) == (action, object_type)
    if subject is not None:
        assert event.object_id == str(records[subject])
    assert "api" in event.summary.lower()
    assert event.actor_label == user.email


def test_changes_through_the_api_are_audited_with_what_changed(client, records):
    advisor = factories.UserFactory(roles=[Role.TENANT_ADVISOR])
    script = Api(client, advisor)
    version = script.get(f"/applicants/{records['applicant']}")["version"]

    script.patch(f"/applicants/{records['applicant']}", {"children": 3, "version": version})
    script.post(f"/tenancies/{records['tenancy']}/contacts", {"contact_on": today().isoformat(), "kind": "office"},
                expect=201)

    update, contact = events_of(advisor)[-2:]
    assert (update.action, update.object_id, update.changes["children"][1]) == (
        "applicant.update", str(records["applicant"]), 3)
    assert contact.action == "support_contact.create"


def test_a_refused_call_is_audited_like_a_refused_page(client, records):
    officer = factories.UserFactory(roles=[Role.HOUSING_OFFICER])

    Api(client, officer).get(f"/applicants/{records['applicant']}", expect=403)

    event = events_of(officer)[-1]
    assert (event.action, event.summary) == ("access.denied", f"403 GET /api/v1/applicants/{records['applicant']}")


# --- auditing a list does not cost a query per row ------------------------------------------------------------


def test_an_audited_list_is_read_before_the_audit_commit_so_rows_are_not_reloaded(client, count_queries):
    advisor = factories.UserFactory(roles=[Role.TENANT_ADVISOR])
    script = Api(client, advisor)

    def queries_for_a_page() -> int:
        with count_queries() as statements:
            script.get("/applicants?limit=200")
        return len(statements)

    advisor_id = advisor.id
    for n in range(3):
        placement.create_applicant({"first_name": f"A{n}", "last_name": "Kaya", "adults": 1}, actor=advisor)
    db.session.commit()
    with expiring_commits():
        script.get("/applicants?limit=1")  # the token's first use is recorded (then at most once a minute)
        few = queries_for_a_page()
        advisor = db.session.get(User, advisor_id)
        for n in range(12):
            placement.create_applicant({"first_name": f"B{n}", "last_name": "Kaya", "adults": 1}, actor=advisor)
        db.session.commit()
        many = queries_for_a_page()

    assert many == few
