"""The account services: users, passwords, logins and API tokens.

Services run inside a request in the application (and translate their messages there), so most
tests here push a request context; ``test_service_messages_work_outside_a_request`` covers CLI
commands and jobs, which call the same services without one.
"""

import hashlib
import json
from datetime import timedelta

import pytest
from argon2 import extract_parameters
from sqlalchemy import func, select, text

from housing.audit.models import AuditEvent
from housing.auth.models import ApiToken, User, UserSession
from housing.auth.passwords import verify_password
from housing.auth.roles import Role
from housing.auth.services import (
    authenticate,
    change_password,
    create_api_token,
    create_user,
    record_login,
    revoke_api_token,
    set_password,
    update_user,
    user_for_token,
)
from housing.auth.sessions import open_session
from housing.clock import utcnow
from housing.errors import Conflict, ValidationFailed
from housing.extensions import db

from ..factories import PASSWORD, UserFactory

NEW_PASSWORD = "Neues-Passwort-für-2026"


def open_rows(user, all_rows=False):
    """The user's sessions on the server (open ones unless ``all_rows``), oldest first."""
    query = select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
    if not all_rows:
        query = query.where(UserSession.ended_at.is_(None))
    db.session.expire_all()
    return list(db.session.scalars(query))


@pytest.fixture
def outside_a_request():
    """Requested by a test that calls the services as a CLI command or a job does: app context only."""


@pytest.fixture(autouse=True)
def request_ctx(request, app):
    if "outside_a_request" in request.fixturenames:
        yield
        return
    with app.test_request_context("/"):
        yield


def audit_events(action):
    db.session.flush()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def reload(user):
    """The user as stored: flush, forget the identity map, load again."""
    db.session.flush()
    db.session.expire_all()
    return db.session.get(User, user.id)


# --- create_user ---------------------------------------------------------------------------


def test_create_user_stores_the_email_trimmed_and_lower_cased():
    user = create_user("  Anna.Schmidt@Housing.Example ", " Anna Schmidt ", [Role.SUPERVISOR], PASSWORD)

    stored = reload(user)
    assert stored.email == "anna.schmidt@housing.example"
    assert stored.name == "Anna Schmidt"
    assert stored.roles == {Role.SUPERVISOR}
    assert stored.is_active is True
    assert verify_password(stored.password_hash, PASSWORD)
    assert stored.password_hash != PASSWORD


def test_create_user_accepts_several_roles_given_as_strings():
    user = create_user("mehrere@housing.example", "Mehrere Rollen", ["admin", "management"], PASSWORD)

    assert reload(user).roles == {Role.ADMIN, Role.MANAGEMENT}


def test_create_user_with_a_taken_email_in_other_case_is_a_conflict_on_email():
    UserFactory(email="vergeben@housing.example")

    with pytest.raises(Conflict) as caught:
        create_user("Vergeben@Housing.Example", "Zweite Person", [Role.SUPERVISOR], PASSWORD)

    assert caught.value.status_code == 409
    assert list(caught.value.fields) == ["email"]
    assert caught.value.message == "Es gibt bereits ein Konto mit dieser E-Mail-Adresse."
    assert db.session.scalar(select(func.count(User.id)).where(User.email == "vergeben@housing.example")) == 1


@pytest.mark.parametrize("password", ["", "kurz", "elf-Zeichen"])
def test_create_user_with_a_password_under_12_characters_fails_on_password(password):
    assert len(password) < 12
    with pytest.raises(ValidationFailed) as caught:
        create_user("kurz@housing.example", "Kurz Passwort", [Role.SUPERVISOR], password)

    assert caught.value.fields == {"password": ["Das Passwort muss mindestens 12 Zeichen lang sein."]}
    assert User.by_email("kurz@housing.example") is None


def test_create_user_accepts_a_password_of_exactly_12_characters():
    user = create_user("zwoelf@housing.example", "Zwölf Zeichen", [Role.SUPERVISOR], "zwölf-Zeiche")

    assert verify_password(reload(user).password_hash, "zwölf-Zeiche")


def test_create_user_with_a_password_over_128_characters_fails_on_password():
    with pytest.raises(ValidationFailed) as caught:
        create_user("lang@housing.example", "Lang Passwort", [Role.SUPERVISOR], "x" * 129)

    assert list(caught.value.fields) == ["password"]


def test_create_user_without_a_role_fails_on_roles():
    with pytest.raises(ValidationFailed) as caught:
        create_user("ohne@housing.example", "Ohne Rolle", [], PASSWORD)

    assert caught.value.fields == {"roles": ["Mindestens eine Rolle ist nötig."]}
    assert User.by_email("ohne@housing.example") is None


def test_create_user_with_an_unknown_role_fails_on_roles():
    with pytest.raises(ValidationFailed) as caught:
        create_user("koenig@housing.example", "Unbekannte Rolle", ["supervisor", "king"], PASSWORD)

    assert caught.value.fields == {"roles": ["Unbekannte Rolle."]}
    assert User.by_email("koenig@housing.example") is None


def test_create_user_without_a_name_fails_on_name():
    with pytest.raises(ValidationFailed) as caught:
        create_user("namenlos@housing.example", "   ", [Role.SUPERVISOR], PASSWORD)

    assert list(caught.value.fields) == ["name"]


def test_create_user_writes_a_user_create_audit_event_without_password_material():
    admin = UserFactory(roles=[Role.ADMIN])

    user = create_user("neu@housing.example", "Neue Person", [Role.TENANT_ADVISOR, Role.SUPERVISOR],
                       PASSWORD, actor=admin)

    [event] = audit_events("user.create")
    assert (event.object_type, event.object_id) == ("users", str(user.id))
    assert (event.actor_id, event.actor_label) == (admin.id, admin.email)
    assert event.changes == {
        "email": [None, "neu@housing.example"],
        "name": [None, "Neue Person"],
        "roles": [None, ["supervisor", "tenant_advisor"]],
    }
    stored = json.dumps([event.summary, event.changes], ensure_ascii=False)
    assert PASSWORD not in stored
    assert user.password_hash not in stored
    assert "argon2" not in stored
    assert not any("password" in key for key in event.changes)


# --- update_user ---------------------------------------------------------------------------


def test_update_user_audits_role_and_name_changes_as_old_and_new():
    admin = UserFactory(roles=[Role.ADMIN])
    user = UserFactory(name="Alter Name", roles=[Role.HOUSING_OFFICER])

    update_user(user, name="Neuer Name", roles=["supervisor", "housing_officer"], is_active=True, actor=admin)

    [event] = audit_events("user.update")
    assert (event.object_type, event.object_id, event.actor_id) == ("users", str(user.id), admin.id)
    assert event.changes == {
        "name": ["Alter Name", "Neuer Name"],
        "roles": [["housing_officer"], ["housing_officer", "supervisor"]],
    }
    stored = reload(user)
    assert stored.name == "Neuer Name"
    assert stored.roles == {Role.HOUSING_OFFICER, Role.SUPERVISOR}


def test_update_user_leaves_roles_out_of_the_audit_when_they_stay_the_same():
    admin = UserFactory(roles=[Role.ADMIN])
    user = UserFactory(name="Alter Name", roles=[Role.SUPERVISOR, Role.MANAGEMENT])

    update_user(user, name="Neuer Name", roles=["management", "supervisor"], is_active=True, actor=admin)

    [event] = audit_events("user.update")
    assert event.changes == {"name": ["Alter Name", "Neuer Name"]}


def test_deactivating_a_user_ends_their_sessions_and_is_audited_without_secrets():
    admin = UserFactory(roles=[Role.ADMIN])
    user = UserFactory()
    identities = [open_session(user), open_session(user)]

    update_user(user, name=user.name, roles=[Role.HOUSING_OFFICER], is_active=False, actor=admin)

    stored = reload(user)
    assert stored.is_active is False
    assert [(row.ended_at is not None, row.end_reason) for row in open_rows(user, all_rows=True)] == [
        (True, "deactivated"), (True, "deactivated")]
    [event] = audit_events("user.update")
    assert event.changes == {"is_active": [True, False]}
    assert not any(identity[2:] in json.dumps(event.changes) for identity in identities)

def test_updating_an_active_user_without_deactivating_keeps_their_sessions():
    admin = UserFactory(roles=[Role.ADMIN])
    user = UserFactory()
    open_session(user)

    update_user(user, name="Anderer Name", roles=[Role.SUPERVISOR], is_active=True, actor=admin)

    assert len(open_rows(user)) == 1

def test_an_admin_cannot_deactivate_themselves():
    admin = UserFactory(roles=[Role.ADMIN])

    with pytest.raises(Conflict) as caught:
        update_user(admin, name=admin.name, roles=[Role.ADMIN], is_active=False, actor=admin)

    assert caught.value.message == "Sie können sich nicht selbst sperren oder die Administration entziehen."
    assert reload(admin).is_active is True
    assert audit_events("user.update") == []


def test_an_admin_cannot_drop_their_own_admin_role():
    admin = UserFactory(roles=[Role.ADMIN, Role.MANAGEMENT])

    with pytest.raises(Conflict):
        update_user(admin, name=admin.name, roles=[Role.MANAGEMENT], is_active=True, actor=admin)

    assert reload(admin).roles == {Role.ADMIN, Role.MANAGEMENT}


def test_an_admin_may_deactivate_and_demote_another_admin():
    admin = UserFactory(roles=[Role.ADMIN])
    other_admin = UserFactory(roles=[Role.ADMIN])

    update_user(other_admin, name=other_admin.name, roles=[Role.MANAGEMENT], is_active=False, actor=admin)

    stored = reload(other_admin)
    assert (stored.is_active, stored.roles) == (False, {Role.MANAGEMENT})


def test_update_user_without_roles_fails_on_roles():
    admin = UserFactory(roles=[Role.ADMIN])
    user = UserFactory()

    with pytest.raises(ValidationFailed) as caught:
        update_user(user, name=user.name, roles=[], is_active=True, actor=admin)

    assert list(caught.value.fields) == ["roles"]


# --- passwords -----------------------------------------------------------------------------


def test_change_password_with_a_wrong_current_password_fails_on_current_password():
    user = UserFactory()
    old_hash = user.password_hash
    open_session(user)

    with pytest.raises(ValidationFailed) as caught:
        change_password(user, "Falsches-Passwort-123", NEW_PASSWORD)

    assert caught.value.fields == {"current_password": ["Das aktuelle Passwort stimmt nicht."]}
    assert reload(user).password_hash == old_hash
    assert len(open_rows(user)) == 1

def test_change_password_sets_the_new_password_and_ends_the_other_sessions():
    user = UserFactory()
    open_session(user)

    change_password(user, PASSWORD, NEW_PASSWORD)

    stored = reload(user)
    assert verify_password(stored.password_hash, NEW_PASSWORD)
    assert not verify_password(stored.password_hash, PASSWORD)
    assert open_rows(user) == []
    [event] = audit_events("user.password")
    assert (event.object_id, event.actor_id, event.changes) == (str(user.id), user.id, None)

def test_change_password_to_a_short_one_fails_on_password_and_keeps_the_old_one():
    user = UserFactory()

    with pytest.raises(ValidationFailed) as caught:
        change_password(user, PASSWORD, "zu-kurz")

    assert list(caught.value.fields) == ["password"]
    assert verify_password(reload(user).password_hash, PASSWORD)


def test_set_password_by_an_admin_ends_every_session_and_audits_the_admin():
    admin = UserFactory(roles=[Role.ADMIN])
    user = UserFactory()
    open_session(user)
    open_session(admin)

    set_password(user, NEW_PASSWORD, actor=admin)

    stored = reload(user)
    assert verify_password(stored.password_hash, NEW_PASSWORD)
    assert open_rows(user) == [] and len(open_rows(admin)) == 1
    [event] = audit_events("user.password")
    assert event.actor_id == admin.id
    assert NEW_PASSWORD not in json.dumps([event.summary, event.changes])

# --- authenticate --------------------------------------------------------------------------


def test_authenticate_with_an_unknown_email_returns_none_and_audits_the_failure():
    assert authenticate("niemand@housing.example", PASSWORD) is None

    [event] = audit_events("login.failed")
    assert event.summary == "niemand@housing.example"
    assert (event.object_type, event.object_id, event.actor_id) == ("users", None, None)
    assert audit_events("login.success") == []


def test_authenticate_with_a_wrong_password_returns_none_and_audits_the_failure():
    user = UserFactory()

    assert authenticate(user.email, "Falsches-Passwort-123") is None

    [event] = audit_events("login.failed")
    assert (event.object_type, event.object_id, event.summary) == ("users", str(user.id), user.email)
    assert event.actor_id is None
    assert reload(user).last_login_at is None


def test_authenticate_an_inactive_user_with_the_right_password_returns_none():
    user = UserFactory(is_active=False)

    assert authenticate(user.email, PASSWORD) is None

    assert len(audit_events("login.failed")) == 1
    assert audit_events("login.success") == []
    assert reload(user).last_login_at is None


def test_authenticate_succeeds_case_insensitively_and_the_completed_login_is_recorded():
    user = UserFactory(email="anmeldung@housing.example")
    before = utcnow()

    result = authenticate("  Anmeldung@Housing.Example ", PASSWORD)

    assert result is not None and result.id == user.id
    assert reload(user).last_login_at is None  # not yet: a second step may follow
    record_login(result)
    stored = reload(user)
    assert before - timedelta(seconds=1) <= stored.last_login_at <= utcnow() + timedelta(seconds=1)
    [event] = audit_events("login.success")
    assert (event.object_type, event.object_id, event.actor_id) == ("users", str(user.id), user.id)
    assert audit_events("login.failed") == []

def test_authenticate_rehashes_the_password_when_the_hash_parameters_change(app, monkeypatch):
    user = UserFactory()
    old_hash = user.password_hash
    assert (extract_parameters(old_hash).time_cost, extract_parameters(old_hash).memory_cost) == (1, 8)
    monkeypatch.setitem(app.config, "PASSWORD_HASH", {"time_cost": 2, "memory_cost": 16, "parallelism": 1})

    assert authenticate(user.email, PASSWORD) is not None

    new_hash = reload(user).password_hash
    params = extract_parameters(new_hash)
    assert (params.time_cost, params.memory_cost, params.parallelism) == (2, 16, 1)
    assert verify_password(new_hash, PASSWORD)


def test_authenticate_keeps_the_hash_when_the_parameters_are_unchanged():
    user = UserFactory()
    old_hash = user.password_hash

    assert authenticate(user.email, PASSWORD) is not None

    assert reload(user).password_hash == old_hash


def test_authenticate_with_a_wrong_password_does_not_rehash(app, monkeypatch):
    user = UserFactory()
    old_hash = user.password_hash
    monkeypatch.setitem(app.config, "PASSWORD_HASH", {"time_cost": 2, "memory_cost": 16, "parallelism": 1})

    assert authenticate(user.email, "Falsches-Passwort-123") is None

    assert reload(user).password_hash == old_hash


# --- API tokens ----------------------------------------------------------------------------


def test_create_api_token_returns_a_hsg_secret_and_stores_only_its_sha256():
    user = UserFactory()

    token, secret = create_api_token(user, "GIS-Abgleich")

    assert secret.startswith("hsg_")
    assert len(secret) > 40
    db.session.flush()
    row = db.session.execute(
        text("SELECT * FROM api_tokens WHERE id = :id"), {"id": token.id}
    ).mappings().one()
    assert row["token_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert row["prefix"] == secret[:12]
    assert row["name"] == "GIS-Abgleich"
    assert all(secret not in str(value) for value in row.values())
    [event] = audit_events("api_token.create")
    assert (event.object_type, event.object_id, event.actor_id) == ("api_tokens", str(token.id), user.id)
    assert secret not in json.dumps([event.summary, event.changes])


def test_two_api_tokens_get_different_secrets():
    user = UserFactory()

    _first, first_secret = create_api_token(user, "Eins")
    _second, second_secret = create_api_token(user, "Zwei")

    assert first_secret != second_secret


def test_create_api_token_without_a_name_fails_on_name():
    user = UserFactory()

    with pytest.raises(ValidationFailed) as caught:
        create_api_token(user, "  ")

    assert list(caught.value.fields) == ["name"]
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_user_for_token_returns_the_owner_and_notes_the_use():
    user = UserFactory()
    token, secret = create_api_token(user, "GIS-Abgleich")
    assert token.last_used_at is None

    assert user_for_token(secret).id == user.id

    db.session.flush()
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at is not None


def test_user_for_token_returns_none_after_the_token_is_revoked():
    user = UserFactory()
    token, secret = create_api_token(user, "GIS-Abgleich")

    revoke_api_token(token, actor=user)

    assert user_for_token(secret) is None
    [event] = audit_events("api_token.revoke")
    assert (event.object_id, event.summary) == (str(token.id), "GIS-Abgleich")


def test_user_for_token_returns_none_for_a_deactivated_user():
    admin = UserFactory(roles=[Role.ADMIN])
    user = UserFactory()
    _token, secret = create_api_token(user, "GIS-Abgleich")

    update_user(user, name=user.name, roles=[Role.HOUSING_OFFICER], is_active=False, actor=admin)

    assert user_for_token(secret) is None


@pytest.mark.parametrize("garbage", ["", "hsg_", "hsg_gibt-es-nicht", "kein-praefix", "Bearer hsg_x"])
def test_user_for_token_returns_none_for_garbage(garbage):
    user = UserFactory()
    create_api_token(user, "GIS-Abgleich")

    assert user_for_token(garbage) is None


def test_user_for_token_does_not_accept_the_stored_hash_as_a_token():
    user = UserFactory()
    token, _secret = create_api_token(user, "GIS-Abgleich")

    assert user_for_token(token.token_hash) is None
    assert user_for_token("hsg_" + token.token_hash) is None


def test_revoking_twice_keeps_the_first_revocation():
    user = UserFactory()
    token, _secret = create_api_token(user, "GIS-Abgleich")
    revoke_api_token(token, actor=user)
    first = token.revoked_at

    revoke_api_token(token, actor=user)

    assert token.revoked_at == first
    assert len(audit_events("api_token.revoke")) == 1


def test_service_messages_work_outside_a_request(outside_a_request):
    """CLI commands and jobs call the services with an app context only; refusals must still be German text."""
    with pytest.raises(ValidationFailed) as caught:
        create_user("ohne-request@housing.example", "Ohne Request", [Role.SUPERVISOR], "kurz")

    assert caught.value.fields == {"password": ["Das Passwort muss mindestens 12 Zeichen lang sein."]}


def test_authenticate_works_outside_a_request(outside_a_request):
    user = UserFactory()

    assert authenticate(user.email, PASSWORD).id == user.id
    assert authenticate("niemand@housing.example", PASSWORD) is None
    [event] = audit_events("login.failed")
    assert event.ip_address is None
