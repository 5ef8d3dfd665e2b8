"""Login, logout, profile, API tokens and the admin user pages, as a browser uses them."""

import hashlib
import re
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import current_app
from sqlalchemy import delete, event, func, or_, select, text

from housing import create_app
from housing.audit.models import AuditEvent
from housing.auth.models import ApiToken, User, UserRole, UserSession
from housing.auth.passwords import verify_password
from housing.auth.roles import Role
from housing.auth.services import create_api_token
from housing.auth.sessions import digest, open_session
from housing.extensions import db

from ..conftest import expiring_commits, make_config, race_before_flush
from ..factories import PASSWORD, UserFactory

LOGIN_FAILED = "E-Mail-Adresse oder Passwort ist falsch."
NEW_PASSWORD = "Neues-Passwort-für-2026"


def body(response) -> str:
    return response.get_data(as_text=True)


def location_path(response) -> str:
    parts = urlsplit(response.headers["Location"])
    return parts.path + (f"?{parts.query}" if parts.query else "")


def is_logged_in(client) -> bool:
    """The start page needs a login: 200 when the session is valid, a redirect to /login when not."""
    response = client.get("/")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and location_path(response).startswith("/login")
    return False


def post_login(client, email, password=PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


@pytest.fixture
def count_queries():
    """As the harness's ``count_queries``; conftest's own calls ``db.get_app()``, which Flask-SQLAlchemy 3.1
    does not have (AttributeError), so this module carries a working copy until that is fixed."""

    @contextmanager
    def counting():
        statements: list[str] = []

        def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
                statements.append(statement)

        engine = db._app_engines[current_app._get_current_object()][None].engine
        event.listen(engine, "before_cursor_execute", before_cursor_execute)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", before_cursor_execute)

    return counting


# --- login ---------------------------------------------------------------------------------


def test_unknown_email_and_wrong_password_get_the_same_status_and_generic_message(client):
    UserFactory(email="bekannt@housing.example")

    unknown = post_login(client, "unbekannt@housing.example", "Irgendein-Passwort")
    wrong = post_login(client, "bekannt@housing.example", "Falsches-Passwort")

    assert unknown.status_code == wrong.status_code
    assert unknown.status_code not in (301, 302, 303)
    assert LOGIN_FAILED in body(unknown)
    assert LOGIN_FAILED in body(wrong)
    # Nothing else on the page tells the two apart.
    assert body(unknown).replace("unbekannt@", "X@") == body(wrong).replace("bekannt@", "X@")
    assert not is_logged_in(client)


def test_failed_login_keeps_the_typed_email_but_not_the_password(client):
    UserFactory(email="bekannt@housing.example")

    response = post_login(client, "Bekannt@Housing.Example", "Falsches-Passwort")

    page = body(response)
    assert re.search(r'<input[^>]*name="email"[^>]*value="Bekannt@Housing.Example"', page)
    assert "Falsches-Passwort" not in page


def test_failed_logins_are_kept_in_the_audit_log(client):
    user = UserFactory(email="bekannt@housing.example")

    post_login(client, "unbekannt@housing.example", "Irgendein-Passwort")
    post_login(client, "bekannt@housing.example", "Falsches-Passwort")

    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "login.failed").order_by(AuditEvent.id)
    ).all()
    assert [(e.summary, e.object_id) for e in events] == [
        ("unbekannt@housing.example", None), ("bekannt@housing.example", str(user.id)),
    ]
    assert all(e.ip_address == "127.0.0.1" for e in events)


def test_inactive_user_cannot_log_in_and_sees_the_generic_message(client):
    UserFactory(email="gesperrt@housing.example", is_active=False)

    response = post_login(client, "gesperrt@housing.example")

    assert LOGIN_FAILED in body(response)
    assert not is_logged_in(client)


def test_successful_login_goes_to_the_start_page_and_records_it(client):
    user = UserFactory(email="anmeldung@housing.example")

    response = post_login(client, "Anmeldung@Housing.Example")

    assert response.status_code == 302
    assert location_path(response) == "/"
    assert is_logged_in(client)
    stored = db.session.get(User, user.id)
    assert stored.last_login_at is not None
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "login.success",
                                                         AuditEvent.actor_id == user.id)) == 1


def test_login_starts_a_fresh_session_that_keeps_only_the_language(client):
    user = UserFactory()
    with client.session_transaction() as session:
        session["language"] = "en"
        session["new_api_token"] = "hsg_von-jemand-anderem"

    post_login(client, user.email)

    with client.session_transaction() as session:
        assert session["language"] == "en"
        assert "new_api_token" not in session
        identity = session["_user_id"]
    # The cookie holds a session id that only the server's session table resolves to the user.
    assert identity.startswith("s:") and str(user.id) not in identity.split(":", 1)[0]
    row = db.session.scalar(select(UserSession).where(UserSession.token_hash == digest(identity[2:])))
    assert row.user_id == user.id and row.ended_at is None


def test_login_page_carries_next_from_the_query_string(client):
    response = client.get("/login?next=/admin/users")

    assert re.search(r'<input[^>]*name="next"[^>]*value="/admin/users"', body(response))


def test_a_protected_page_sends_anonymous_users_to_login_with_next(client):
    response = client.get("/profile")

    assert response.status_code == 302
    parts = urlsplit(response.headers["Location"])
    assert parts.path == "/login"
    assert parse_qs(parts.query)["next"] == ["/profile"]


@pytest.mark.parametrize("target", ["/profile", "/admin/users?status=aktiv&seite=2"])
def test_successful_login_redirects_to_a_safe_next(client, target):
    UserFactory(email="anmeldung@housing.example", roles=[Role.ADMIN])

    response = post_login(client, "anmeldung@housing.example", next=target)

    assert response.status_code == 302
    assert location_path(response) == target
    assert urlsplit(response.headers["Location"]).netloc in ("", "localhost")


@pytest.mark.parametrize("target", [
    "//evil.example", "https://evil.example/x", "/\\evil", "\\\\evil.example", "http:evil.example",
    "javascript:alert(1)", "///evil.example",
])
def test_successful_login_ignores_a_next_pointing_elsewhere(client, target):
    UserFactory(email="anmeldung@housing.example")

    response = post_login(client, "anmeldung@housing.example", next=target)

    assert response.status_code == 302
    assert response.headers["Location"] in ("/", "http://localhost/")
    assert is_logged_in(client)


def test_login_page_of_a_logged_in_user_goes_to_the_start_page(client, login):
    login(client, UserFactory())

    response = client.get("/login")

    assert response.status_code == 302
    assert location_path(response) == "/"


def test_form_fields_without_errors_are_not_marked_invalid_for_screen_readers(client):
    """``aria-invalid`` with any value but "false" counts as invalid (WAI-ARIA); "None" must not be rendered."""
    page = body(client.get("/login"))

    assert 'aria-invalid="None"' not in page
    assert 'aria-describedby="None"' not in page


# --- logout --------------------------------------------------------------------------------


def test_logout_by_get_is_not_allowed(client, login):
    login(client, UserFactory())

    response = client.get("/logout")

    assert response.status_code == 405
    assert is_logged_in(client)


def test_logout_by_post_ends_the_session(client):
    user = UserFactory(email="abmelden@housing.example")
    post_login(client, user.email)
    assert is_logged_in(client)

    response = client.post("/logout")

    assert response.status_code == 302
    assert location_path(response) == "/login"
    assert not is_logged_in(client)
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "logout",
                                                         AuditEvent.actor_id == user.id)) == 1


def test_logout_ends_only_that_session(app, client):
    user = UserFactory()
    other = app.test_client()
    post_login(client, user.email)
    post_login(other, user.email)

    client.post("/logout")

    assert not is_logged_in(client)
    assert is_logged_in(other)


# --- password change -----------------------------------------------------------------------


def test_password_change_logs_out_other_sessions_but_keeps_the_current_one(app, client):
    user = UserFactory()
    earlier = app.test_client()
    post_login(earlier, user.email)
    post_login(client, user.email)
    assert is_logged_in(earlier)

    response = client.post("/profile/password", data={"current_password": PASSWORD, "password": NEW_PASSWORD})

    assert response.status_code == 302
    assert location_path(response) == "/profile"
    assert is_logged_in(client)
    assert not is_logged_in(earlier)
    assert verify_password(db.session.get(User, user.id).password_hash, NEW_PASSWORD)


def test_a_password_change_says_that_the_users_api_keys_stay_valid(client):
    """API keys are credentials of their own (an integration keeps working): the user is told they still hold, and
    where to revoke them if the old password was known to someone."""
    user = UserFactory()
    post_login(client, user.email)
    response = client.post("/profile/password", data={"current_password": PASSWORD, "password": NEW_PASSWORD},
                           follow_redirects=True)
    assert "Ihr Passwort ist geändert" in body(response)
    assert "gilt weiter" not in body(response) and "gelten weiter" not in body(response)  # no key, no word of it

    create_api_token(db.session.get(User, user.id), "GIS-Abgleich")
    create_api_token(db.session.get(User, user.id), "Statistik")
    db.session.commit()
    response = client.post("/profile/password", data={"current_password": NEW_PASSWORD, "password": PASSWORD},
                           follow_redirects=True)
    assert "Ihre 2 API-Schlüssel gelten weiter. Widerrufen Sie sie unten" in body(response)


def test_after_a_password_change_only_the_new_password_logs_in(app, client):
    user = UserFactory()
    post_login(client, user.email)
    client.post("/profile/password", data={"current_password": PASSWORD, "password": NEW_PASSWORD})

    with_old, with_new = app.test_client(), app.test_client()
    post_login(with_old, user.email, PASSWORD)
    post_login(with_new, user.email, NEW_PASSWORD)

    assert not is_logged_in(with_old)
    assert is_logged_in(with_new)


def test_password_change_with_a_wrong_current_password_shows_the_message_and_keeps_sessions(app, client):
    user = UserFactory()
    earlier = app.test_client()
    post_login(earlier, user.email)
    post_login(client, user.email)

    response = client.post("/profile/password",
                           data={"current_password": "Falsches-Passwort", "password": NEW_PASSWORD})

    assert response.status_code == 422
    assert "Das aktuelle Passwort stimmt nicht." in body(response)
    assert verify_password(db.session.get(User, user.id).password_hash, PASSWORD)
    assert is_logged_in(client)
    assert is_logged_in(earlier)


# --- admin: users --------------------------------------------------------------------------


def test_admin_deactivating_a_user_ends_that_users_session(app, admin_client, login):
    user = UserFactory(name="Zu Sperren", roles=[Role.SUPERVISOR])
    users_client = login(app.test_client(), user)
    assert is_logged_in(users_client)

    response = admin_client.post(f"/admin/users/{user.id}", data={"name": "Zu Sperren", "roles": ["supervisor"]})

    assert response.status_code == 302
    assert db.session.get(User, user.id).is_active is False
    assert not is_logged_in(users_client)


def test_a_session_ended_by_deactivation_stays_ended_after_reactivation(app, admin_client, login):
    user = UserFactory(name="Zu Sperren", roles=[Role.SUPERVISOR])
    users_client = login(app.test_client(), user)

    admin_client.post(f"/admin/users/{user.id}", data={"name": "Zu Sperren", "roles": ["supervisor"]})
    admin_client.post(f"/admin/users/{user.id}",
                      data={"name": "Zu Sperren", "roles": ["supervisor"], "is_active": "y"})

    assert db.session.get(User, user.id).is_active is True
    assert not is_logged_in(users_client)


def test_admin_setting_a_password_ends_that_users_sessions(app, admin_client, login):
    user = UserFactory()
    users_client = login(app.test_client(), user)

    response = admin_client.post(f"/admin/users/{user.id}/password", data={"password": NEW_PASSWORD})

    assert response.status_code == 302
    assert not is_logged_in(users_client)


def test_admin_cannot_lock_themselves_out_through_the_form(admin_client):
    admin = admin_client.user

    response = admin_client.post(f"/admin/users/{admin.id}", data={"name": admin.name, "roles": ["admin"]})

    assert response.status_code not in (301, 302, 303)
    assert "Sie können sich nicht selbst sperren oder die Administration entziehen." in body(response)
    assert db.session.get(User, admin.id).is_active is True
    assert is_logged_in(admin_client)


def test_admin_create_user_form_saves_a_new_account(admin_client):
    response = admin_client.post("/admin/users/new", data={
        "email": "Neu@Housing.Example", "name": "Neue Person", "roles": ["supervisor", "management"],
        "password": "Lang-genug-Passwort",
    })

    assert response.status_code == 302
    assert location_path(response) == "/admin/users"
    user = User.by_email("neu@housing.example")
    assert user is not None and user.roles == {Role.SUPERVISOR, Role.MANAGEMENT}
    assert verify_password(user.password_hash, "Lang-genug-Passwort")


def test_admin_create_user_with_a_taken_email_rerenders_with_values_and_message(admin_client):
    UserFactory(email="vergeben@housing.example")
    users_before = db.session.scalar(select(func.count(User.id)))

    response = admin_client.post("/admin/users/new", data={
        "email": "Vergeben@Housing.Example", "name": "Zweite Person", "roles": ["supervisor"],
        "password": "Lang-genug-Passwort",
    })

    page = body(response)
    assert response.status_code in (200, 409, 422)
    assert re.search(r'<input[^>]*name="email"[^>]*value="Vergeben@Housing.Example"', page)
    assert re.search(r'<input[^>]*name="name"[^>]*value="Zweite Person"', page)
    assert re.search(r'<input checked[^>]*name="roles"[^>]*value="supervisor"', page)
    assert re.search(r'<p class="field__error">Bereits vergeben.</p>', page)
    assert "Lang-genug-Passwort" not in page
    assert db.session.scalar(select(func.count(User.id))) == users_before
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "user.create")) == 0


def test_an_account_whose_email_is_taken_while_it_is_saved_comes_back_with_what_was_typed(admin_client):
    """A colleague creates an account with the same address between this save's check and its insert: the unique
    key refuses it, and the form comes back with the values typed (the password aside)."""
    with race_before_flush("INSERT INTO users (email, name, password_hash, is_active, created_at) VALUES "
                           "('gleichzeitig@housing.example', 'Kollegin', 'x', true, '2026-11-24 08:00:00')") as ran:
        response = admin_client.post("/admin/users/new", data={
            "email": "gleichzeitig@housing.example", "name": "Zweite Person", "roles": ["supervisor"],
            "password": "Lang-genug-Passwort"})

    assert ran == [1]
    page = body(response)
    assert response.status_code == 200
    assert "Jemand anderes hat diesen Datensatz gerade geändert." in page
    assert re.search(r'<input[^>]*name="name"[^>]*value="Zweite Person"', page)
    assert User.by_email("gleichzeitig@housing.example") is None  # the colleague's insert went with the rollback


def test_a_not_null_violation_is_a_fault_not_a_race_and_keeps_its_error_page(admin_client):
    """Only a unique or foreign key met, a changed row or SQLite's busy snapshot are told as a race: a NOT NULL
    violation is the code's fault and answers as before (the error page, nothing saved)."""
    with race_before_flush("INSERT INTO users (email, name, password_hash, is_active, created_at) VALUES "
                           "('ohne-name@housing.example', NULL, 'x', true, '2026-11-24 08:00:00')"):
        response = admin_client.post("/admin/users/new", data={
            "email": "neu@housing.example", "name": "Neue Person", "roles": ["supervisor"],
            "password": "Lang-genug-Passwort"})

    assert response.status_code == 409
    assert 'name="email"' not in body(response)
    assert User.by_email("neu@housing.example") is None


def test_admin_create_user_with_a_short_password_rerenders_with_values_and_message(admin_client):
    users_before = db.session.scalar(select(func.count(User.id)))

    response = admin_client.post("/admin/users/new", data={
        "email": "kurz@housing.example", "name": "Kurzes Passwort", "roles": ["tenant_advisor"],
        "password": "zu-kurz",
    })

    page = body(response)
    assert response.status_code in (200, 422)
    assert re.search(r'<input[^>]*name="email"[^>]*value="kurz@housing.example"', page)
    assert re.search(r'<input[^>]*name="name"[^>]*value="Kurzes Passwort"', page)
    assert re.search(r'<input checked[^>]*name="roles"[^>]*value="tenant_advisor"', page)
    assert re.search(r'<p class="field__error">[^<]*12[^<]*</p>', page)
    assert "Bitte prüfen Sie die markierten Felder." in page
    assert "zu-kurz" not in page
    assert db.session.scalar(select(func.count(User.id))) == users_before
    assert User.by_email("kurz@housing.example") is None


def test_admin_users_page_lists_every_user_with_their_roles(admin_client):
    users = [UserFactory(roles=[Role.SUPERVISOR]), UserFactory(roles=[Role.TENANT_ADVISOR, Role.MANAGEMENT])]
    inactive = UserFactory(is_active=False)
    listed = [(user.id, user.email) for user in [*users, inactive]]

    page = body(admin_client.get("/admin/users"))

    for user_id, email in listed:
        assert email in page
        assert f'href="/admin/users/{user_id}"' in page
    assert "Anleitung Viertelwerk" in page and "Wohnraumvermittlung" in page and "Leitung" in page
    assert "gesperrt" in page


def test_admin_users_page_needs_a_bounded_number_of_queries(admin_client, count_queries):
    def queries_for_listing():
        db.session.flush()  # the factories' role links are still pending; their INSERT is not the page's
        with count_queries() as statements:
            response = admin_client.get("/admin/users")
        assert response.status_code == 200
        return len(statements), body(response)

    for _ in range(3):
        UserFactory(roles=[Role.SUPERVISOR, Role.MANAGEMENT])
    few, _page = queries_for_listing()
    more_emails = [user.email for user in [UserFactory(roles=[Role.TENANT_ADVISOR]) for _ in range(27)]]
    many, page = queries_for_listing()

    assert all(email in page for email in more_emails)
    assert many == few
    assert few <= 6


# --- profile and API tokens ----------------------------------------------------------------


def test_profile_shows_a_new_api_token_exactly_once(officer_client):
    response = officer_client.post("/profile/tokens", data={"name": "GIS-Abgleich"})
    assert response.status_code == 302
    assert location_path(response) == "/profile"

    first = body(officer_client.get("/profile"))
    match = re.search(r'<code class="secret">(hsg_[A-Za-z0-9_-]+)</code>', first)
    assert match, "the new token is shown on the first profile page"
    secret = match.group(1)
    second = body(officer_client.get("/profile"))

    assert secret not in second
    assert "nur dieses eine Mal angezeigt" not in second
    assert "GIS-Abgleich" in second  # the token is still listed, by name and prefix
    assert secret[:12] in second


def test_a_new_api_token_is_stored_only_as_its_hash_and_works(officer_client):
    officer_client.post("/profile/tokens", data={"name": "GIS-Abgleich"})
    secret = re.search(r'<code class="secret">(hsg_[A-Za-z0-9_-]+)</code>',
                       body(officer_client.get("/profile"))).group(1)

    [token] = db.session.scalars(select(ApiToken).where(ApiToken.user_id == officer_client.user.id)).all()
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    rows = db.session.execute(text("SELECT * FROM api_tokens")).all()
    assert all(secret not in str(value) for row in rows for value in row)
    response = officer_client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert response.get_json()["email"] == officer_client.user.email


def test_api_token_without_a_name_is_refused(officer_client):
    response = officer_client.post("/profile/tokens", data={"name": ""})

    assert response.status_code == 422
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_revoking_own_api_token_marks_it_revoked(officer_client):
    token, _secret = create_api_token(db.session.get(User, officer_client.user.id), "GIS-Abgleich")
    db.session.commit()

    response = officer_client.post(f"/profile/tokens/{token.id}/revoke")

    assert response.status_code == 302
    assert db.session.get(ApiToken, token.id).revoked_at is not None
    assert "widerrufen" in body(officer_client.get("/profile"))


def test_revoking_another_users_api_token_is_not_found_and_changes_nothing(officer_client):
    other = UserFactory()
    token, secret = create_api_token(other, "Fremder Schlüssel")
    db.session.commit()

    response = officer_client.post(f"/profile/tokens/{token.id}/revoke")

    assert response.status_code == 404
    assert db.session.get(ApiToken, token.id).revoked_at is None
    assert officer_client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_profile_lists_only_the_users_own_tokens(officer_client):
    create_api_token(UserFactory(), "Fremder Schlüssel")
    create_api_token(db.session.get(User, officer_client.user.id), "Eigener Schlüssel")
    db.session.commit()

    page = body(officer_client.get("/profile"))

    assert "Eigener Schlüssel" in page
    assert "Fremder Schlüssel" not in page


# --- language ------------------------------------------------------------------------------


def test_language_switch_is_stored_on_the_user_and_the_next_page_is_english(app, officer_client, login):
    assert "Abmelden" in body(officer_client.get("/"))

    response = officer_client.post("/language", data={"language": "en", "next": "/profile"})

    assert response.status_code == 302
    assert location_path(response) == "/profile"
    assert db.session.get(User, officer_client.user.id).language == "en"
    page = body(officer_client.get("/profile"))
    assert "Log out" in page and "Abmelden" not in page
    assert '<html lang="en">' in page
    # Stored on the user, not only in this browser: a fresh session is English as well.
    fresh = login(app.test_client(), db.session.get(User, officer_client.user.id))
    assert "Log out" in body(fresh.get("/"))


def test_language_switch_ignores_unknown_languages(officer_client):
    response = officer_client.post("/language", data={"language": "xx"})

    assert response.status_code == 302
    assert db.session.get(User, officer_client.user.id).language is None
    assert "Abmelden" in body(officer_client.get("/"))


def test_language_switch_does_not_redirect_elsewhere(officer_client):
    response = officer_client.post("/language", data={"language": "en", "next": "//evil.example"})

    assert location_path(response) == "/"
    assert urlsplit(response.headers["Location"]).netloc in ("", "localhost")


# --- CSRF (a second app with CSRF on; it has its own engine, so it only reads) -------------


@pytest.fixture(scope="module")
def csrf_app(database_url, tmp_path_factory):
    csrf_app = create_app(make_config(database_url, tmp_path_factory, WTF_CSRF_ENABLED=True))
    yield csrf_app
    with csrf_app.app_context():
        db.engine.dispose()


@pytest.fixture
def csrf_user(csrf_app):
    """A user committed to the CSRF app's database, removed again (with any audit rows) afterwards."""
    with csrf_app.app_context():
        user = User(email="csrf@housing.example", name="CSRF Probe", password_hash="x")
        user.set_roles([Role.HOUSING_OFFICER])
        db.session.add(user)
        db.session.flush()
        user_id, identity = user.id, open_session(user)
        db.session.commit()
    yield user_id, identity
    with csrf_app.app_context():
        db.session.execute(delete(AuditEvent).where(or_(AuditEvent.actor_id == user_id,
                                                        AuditEvent.object_id == str(user_id))))
        db.session.execute(delete(UserRole).where(UserRole.user_id == user_id))
        db.session.execute(delete(User).where(User.id == user_id))
        db.session.commit()


def csrf_client(csrf_app, identity=None):
    client = csrf_app.test_client()
    if identity:
        with client.session_transaction() as session:
            session["_user_id"] = identity
            session["_fresh"] = True
    return client


def test_logout_without_csrf_token_is_refused_and_keeps_the_session(csrf_app, csrf_user):
    _user_id, identity = csrf_user
    client = csrf_client(csrf_app, identity)
    assert client.get("/").status_code == 200

    response = client.post("/logout")

    assert response.status_code == 400
    assert client.get("/").status_code == 200


def test_language_switch_without_csrf_token_changes_nothing(csrf_app, csrf_user):
    user_id, identity = csrf_user
    client = csrf_client(csrf_app, identity)

    response = client.post("/language", data={"language": "en"})

    assert response.status_code == 400
    assert "Abmelden" in body(client.get("/"))
    with csrf_app.app_context():
        assert db.session.get(User, user_id).language is None


def test_password_change_without_csrf_token_is_refused(csrf_app, csrf_user):
    user_id, identity = csrf_user
    client = csrf_client(csrf_app, identity)

    response = client.post("/profile/password", data={"current_password": "x", "password": NEW_PASSWORD})

    assert response.status_code == 400
    with csrf_app.app_context():
        assert db.session.get(User, user_id).password_hash == "x"


def test_login_form_without_csrf_token_does_not_log_in(csrf_app):
    client = csrf_client(csrf_app)

    response = client.post("/login", data={"email": "niemand@housing.example", "password": PASSWORD})

    assert response.status_code == 400
    with csrf_app.app_context():
        assert db.session.scalar(select(func.count()).where(AuditEvent.summary == "niemand@housing.example")) == 0


def test_the_users_csv_streams_what_was_read_before_the_audit_commit(admin_client, count_queries):
    """In production the audit commit expires the rows and the session is closed when the CSV streams: the
    cells must have been read before (reading a row then fails with DetachedInstanceError)."""
    email = admin_client.user.email
    with expiring_commits():
        response = admin_client.get("/admin/users/export.csv")
        with count_queries() as streaming:
            body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert streaming == []
    assert email in body
