"""Server-side sessions: a logged-out cookie is dead, idle timeout and absolute lifetime, password change and
deactivation end sessions, the cookie's flags, and a fresh session id at every login."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from housing.auth.models import UserSession
from housing.auth.roles import Role
from housing.auth.sessions import digest
from housing.extensions import db

from ..factories import PASSWORD, UserFactory
from .conftest import body, is_logged_in, location, logout, post_login

NEW_PASSWORD = "Neues-Passwort-für-2026"


@pytest.fixture
def clock():
    now = datetime.now(UTC).replace(microsecond=0)
    with time_machine.travel(now + timedelta(seconds=1), tick=False) as traveller:
        yield traveller


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def with_cookie(app, value):
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def identity_of(client) -> str:
    with client.session_transaction() as session:
        return session["_user_id"]


def session_row(client) -> UserSession:
    return db.session.scalar(select(UserSession).where(UserSession.token_hash == digest(identity_of(client)[2:])))


def test_a_cookie_copied_before_logout_does_not_work_afterwards(app, client):
    user = UserFactory()
    post_login(client, user.email)
    copied = session_cookie(client)
    assert is_logged_in(with_cookie(app, copied))

    logout(client)

    assert not is_logged_in(with_cookie(app, copied))
    assert not is_logged_in(client)


def test_a_session_ends_after_thirty_minutes_without_a_request(client, clock):
    user = UserFactory()
    post_login(client, user.email)
    row_id = session_row(client).id
    for _n in range(3):  # requests keep it alive
        clock.shift(timedelta(minutes=29))
        assert is_logged_in(client)

    clock.shift(timedelta(minutes=30, seconds=1))

    assert not is_logged_in(client)
    row = db.session.get(UserSession, row_id)
    assert row.ended_at is not None and row.end_reason == "idle"
    # Coming back does not revive it.
    clock.shift(timedelta(seconds=-2))
    assert not is_logged_in(client)


def test_a_session_ends_after_ten_hours_however_active(client, clock):
    user = UserFactory()
    post_login(client, user.email)
    row_id, identity = session_row(client).id, identity_of(client)
    for _n in range(24):  # 24 x 25 minutes = 10 hours
        clock.shift(timedelta(minutes=25))
        assert is_logged_in(client)

    clock.shift(timedelta(minutes=1))

    assert not is_logged_in(client)  # the signed cookie itself is too old now
    # A cookie written again on the way (a message, a form's token) is refused on the server as well.
    with client.session_transaction() as session:
        session["_user_id"] = identity
    assert not is_logged_in(client)
    assert db.session.get(UserSession, row_id).end_reason == "expired"
    # A new login works at once.
    assert location(post_login(client, user.email)) == "/"


def test_a_password_change_ends_the_other_sessions_but_not_this_one(app, client):
    user = UserFactory()
    other = app.test_client()
    post_login(client, user.email)
    post_login(other, user.email)
    other_cookie = session_cookie(other)

    response = client.post("/profile/password", data={"current_password": PASSWORD, "password": NEW_PASSWORD})

    assert location(response) == "/profile"
    assert is_logged_in(client)
    assert not is_logged_in(other)
    assert not is_logged_in(with_cookie(app, other_cookie))
    assert session_row(client).ended_at is None


def test_an_admin_setting_the_password_ends_every_session_of_the_user(app, client, admin_client):
    user = UserFactory()
    post_login(client, user.email)

    response = admin_client.post(f"/admin/users/{user.id}/password", data={"password": NEW_PASSWORD})

    assert response.status_code == 302
    assert not is_logged_in(client)
    assert is_logged_in(admin_client)


def test_deactivation_ends_every_session_of_the_user(app, client, admin_client):
    user = UserFactory(roles=[Role.SUPERVISOR])
    other = app.test_client()
    post_login(client, user.email)
    post_login(other, user.email)

    response = admin_client.post(f"/admin/users/{user.id}", data={"name": user.name, "roles": ["supervisor"]})

    assert response.status_code == 302
    assert not is_logged_in(client)
    assert not is_logged_in(other)
    ended = db.session.scalars(select(UserSession.end_reason).where(UserSession.user_id == user.id)).all()
    assert ended == ["deactivated", "deactivated"]


def _set_cookie_header(response, name="session") -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    assert len(headers) == 1, response.headers.getlist("Set-Cookie")
    return headers[0]


def _flags(header: str) -> set[str]:
    """The cookie's attributes, lower-cased: {"httponly", "path=/", "samesite=lax", ...}."""
    return {part.strip().lower() for part in header.split(";")[1:]}


def test_the_login_cookie_is_httponly_and_samesite_lax(client):
    user = UserFactory()

    response = post_login(client, user.email)

    header = _set_cookie_header(response)
    flags = _flags(header)
    assert "httponly" in flags and "samesite=lax" in flags
    assert "secure" not in flags  # development and tests run over plain http
    assert not [flag for flag in flags if flag.startswith(("expires", "max-age"))]  # gone when the browser closes


def test_in_production_the_login_cookie_is_secure_as_well(production_app):
    user = UserFactory()

    response = production_app.test_client().post("/login", data={"email": user.email, "password": PASSWORD},
                                                 base_url="https://localhost")

    assert location(response) == "/"
    flags = _flags(_set_cookie_header(response))
    assert {"httponly", "samesite=lax", "secure"} <= flags


def test_the_login_starts_a_new_session_and_drops_what_was_planted_before(app, client):
    """Session fixation: whatever session a browser had before the login (perhaps one an attacker gave it), the
    login starts a new one; the old cookie never becomes a logged-in one."""
    user = UserFactory()
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        session["_user_id"] = "s:a-session-id-the-attacker-knows"
    before = session_cookie(client)
    assert not is_logged_in(client)

    post_login(client, user.email)

    assert is_logged_in(client)
    assert session_cookie(client) != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] != "s:a-session-id-the-attacker-knows"
    assert not is_logged_in(with_cookie(app, before))


def test_every_login_gets_its_own_session_id(app, client):
    user = UserFactory()
    post_login(client, user.email)
    first = identity_of(client)
    logout(client)
    post_login(client, user.email)
    second = identity_of(client)

    assert first != second
    assert first.startswith("s:") and len(first) > 40
    # Only the digest is stored: the cookie's value is nowhere in the table.
    stored = db.session.scalars(select(UserSession.token_hash).where(UserSession.user_id == user.id)).all()
    assert first[2:] not in stored and second[2:] not in stored
    assert digest(second[2:]) in stored


def test_a_logged_in_user_cannot_be_switched_to_another_session_by_the_login_page(client):
    """A logged-in browser that is sent to /login (e.g. by a link) keeps its session."""
    user = UserFactory()
    post_login(client, user.email)
    identity = identity_of(client)

    response = client.get("/login")

    assert location(response) == "/"
    assert identity_of(client) == identity


def test_the_profile_lists_the_open_sessions_and_marks_this_one(app, client):
    user = UserFactory()
    other = app.test_client()
    client.post("/login", data={"email": user.email, "password": PASSWORD},
                environ_base={"HTTP_USER_AGENT": "Firefox am Arbeitsplatz"})
    post_login(other, user.email)

    page = body(client.get("/profile"))

    assert page.count("zuletzt") == 2
    assert "Firefox am Arbeitsplatz" in page
    assert page.count("diese Sitzung") == 1


def test_the_profile_does_not_list_sessions_that_timed_out_unnoticed(app, client, clock):
    """A browser closed without logging out never comes back to end its session: it is not open any more."""
    user = UserFactory()
    forgotten = app.test_client()
    post_login(forgotten, user.email)
    clock.shift(timedelta(minutes=31))
    post_login(client, user.email)

    page = body(client.get("/profile"))

    assert page.count("zuletzt") == 1
