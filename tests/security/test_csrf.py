"""Cross-site requests: with CSRF protection on (as in development and production), a POST without the form's
token changes nothing; and no GET changes anything (a link or an image on another site can send a GET)."""

import pytest
from sqlalchemy import func, select

from housing.audit.models import AuditEvent
from housing.auth.models import LoginFailure, User
from housing.auth.roles import Role
from housing.clock import today
from housing.extensions import db
from housing.placement.models import Applicant
from housing.properties.models import Property
from housing.rules.models import Setting

from .. import factories
from ..factories import PASSWORD, UserFactory
from ..main.test_access import MATRIX
from .conftest import body, csrf_token_on, is_logged_in, location

NEW_CASE = {"street": "Mallinckrodtstraße", "house_number": "100", "postcode": "44147", "social_area": "nordmarkt",
            "priority": "high", "source": "police", "text": "Matratzenlager im Keller"}


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def logged_in(csrf_app, login, user):
    return login(csrf_app.test_client(), user)


def test_login_without_the_token_is_refused_and_leaves_no_trace(csrf_app):
    user = UserFactory()
    client = csrf_app.test_client()

    response = client.post("/login", data={"email": user.email, "password": PASSWORD})

    assert response.status_code == 400
    assert not is_logged_in(client)
    assert count(LoginFailure) == 0
    assert count(AuditEvent, AuditEvent.action.like("login.%")) == 0
    # With the token from the login page it works: the refusal was the token's.
    token = csrf_token_on(body(client.get("/login")))
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert location(response) == "/"


def test_a_token_of_another_browser_is_refused(csrf_app):
    user = UserFactory()
    attacker = csrf_app.test_client()
    token = csrf_token_on(body(attacker.get("/login")))
    victim = csrf_app.test_client()
    victim.get("/login")

    response = victim.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})

    assert response.status_code == 400
    assert not is_logged_in(victim)


def test_logout_without_the_token_keeps_the_session(csrf_app, login):
    client = logged_in(csrf_app, login, UserFactory())

    assert client.post("/logout").status_code == 400
    assert is_logged_in(client)


def test_a_case_form_without_the_token_creates_nothing(csrf_app, login):
    client = logged_in(csrf_app, login, UserFactory(roles=[Role.HOUSING_OFFICER]))

    response = client.post("/cases/new", data={**NEW_CASE, "received_on": today().isoformat()})

    assert response.status_code == 400
    assert count(Property) == 0
    token = csrf_token_on(body(client.get("/cases/new")))
    response = client.post("/cases/new", data={**NEW_CASE, "received_on": today().isoformat(), "csrf_token": token})
    assert response.status_code == 302 and count(Property) == 1


def test_a_health_note_without_the_token_is_not_saved(csrf_app, login):
    advisor = UserFactory(roles=[Role.TENANT_ADVISOR])
    applicant = factories.household(advisor)
    db.session.commit()
    client = logged_in(csrf_app, login, advisor)
    data = {"health_note": "Rollstuhl", "health_note_basis": "consent"}

    response = client.post(f"/placement/households/{applicant.id}/health-note", data=data)

    assert response.status_code == 400
    assert db.session.get(Applicant, applicant.id).health_note is None
    token = csrf_token_on(body(client.get(f"/placement/households/{applicant.id}")))
    client.post(f"/placement/households/{applicant.id}/health-note", data={**data, "csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Applicant, applicant.id).health_note == "Rollstuhl"


@pytest.mark.parametrize(("url", "data"), [
    ("/profile/two-factor/off", {}),
    ("/profile/password", {"current_password": PASSWORD, "password": "Neues-Passwort-für-2026"}),
    ("/profile/tokens", {"name": "GIS"}),
    ("/language", {"language": "en"}),
])
def test_the_users_own_settings_need_the_token(csrf_app, login, url, data):
    user = UserFactory(roles=[Role.MANAGEMENT])
    client = logged_in(csrf_app, login, user)
    before = db.session.get(User, user.id).password_hash

    assert client.post(url, data=data).status_code == 400
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    assert stored.password_hash == before and stored.language is None
    assert count(AuditEvent, AuditEvent.actor_id == user.id) == 0


def test_admin_actions_need_the_token(csrf_app, login):
    admin = UserFactory(roles=[Role.ADMIN])
    target = UserFactory(roles=[Role.SUPERVISOR])
    client = logged_in(csrf_app, login, admin)

    assert client.post("/admin/rules/settings", data={"advisor_caseload_only": "y"}).status_code == 400
    assert client.post(f"/admin/users/{target.id}", data={"name": "X", "roles": ["admin"]}).status_code == 400
    assert client.post(f"/admin/users/{target.id}/two-factor/reset").status_code == 400
    assert client.post(f"/admin/users/{target.id}/password", data={"password": "Neues-Passwort-2026"}).status_code \
        == 400
    assert db.session.get(Setting, "advisor_caseload_only") is None
    assert db.session.get(User, target.id).roles == {Role.SUPERVISOR}


def test_the_two_factor_steps_need_the_token(app, csrf_app, two_factor_required):
    user = UserFactory(roles=[Role.HOUSING_OFFICER])
    client = csrf_app.test_client()
    csrf_app.config["TWO_FACTOR_REQUIRED_ROLES"] = two_factor_required
    try:
        token = csrf_token_on(body(client.get("/login")))
        assert location(client.post("/login", data={"email": user.email, "password": PASSWORD,
                                                    "csrf_token": token})) == "/login/two-factor"
        response = client.post("/login/two-factor", data={"code": "123456"})
    finally:
        csrf_app.config["TWO_FACTOR_REQUIRED_ROLES"] = ()
    assert response.status_code == 400
    assert not db.session.get(User, user.id).has_two_factor


# --- GET never changes state -------------------------------------------------------------------------------------

# Audit events a GET may write: reads, exports and refusals.
READ_ACTIONS = (".view", ".list", ".export", ".dossier", ".protocol", ".timesheet", ".letter", ".month_view",
                ".read", ".download", ".search", ".subject_view", ".subject_access")
# Bookkeeping of the login itself (last seen), not data.
IGNORED_TABLES = {"audit_events", "user_sessions"}


def snapshot() -> dict[str, list]:
    db.session.expire_all()
    tables = {}
    for table in db.metadata.sorted_tables:
        if table.name not in IGNORED_TABLES:
            tables[table.name] = sorted(map(repr, db.session.execute(select(table)).all()))
    return tables


def _records(user) -> dict:
    from housing.auth.services import create_api_token

    other = UserFactory(roles=[Role.MANAGEMENT])
    token, _secret = create_api_token(other, "fremd")
    case = factories.full_case()
    crew = factories.viertelwerk_project(supervisor=user if user.has_role(Role.SUPERVISOR) else None)
    return {"other_user": other.id, "other_token": token.id, "other_notification": factories.notification(other).id,
            "other_build": factories.document_build(other).id, **case, "project": crew["project"],
            "participant": crew["participant"], "month": crew["month"], **factories.placement_records()}


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_no_get_route_changes_anything(app, login, role):
    user = UserFactory(roles=[Role(role)])
    records = _records(user)
    db.session.commit()
    client = login(app.test_client(), user)
    first_event = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    before = snapshot()

    answered = []
    for endpoint, (method, url, _anonymous, statuses) in sorted(MATRIX.items()):
        if method == "GET" and statuses[role] != 403:
            response = client.get(url.format(**records))
            response.close()  # a streamed export ends its request here
            assert response.status_code < 500, url
            answered.append(endpoint)

    assert len(answered) > 10
    after = snapshot()
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, f"a GET changed {changed}"
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.id > first_event)))
    assert {action for action in actions if not action.endswith(READ_ACTIONS) and action != "access.denied"} == set()
