"""Helpers of the security suite: logins as a browser does them, TOTP codes computed from the page, apps with
other settings (CSRF on, production) that share the test's rolled-back connection."""

import re
from contextlib import contextmanager
from urllib.parse import urlsplit

import pyotp
import pytest

from housing import create_app
from housing.clock import utcnow
from housing.extensions import db

from ..conftest import IsolatingClient, make_config
from ..factories import PASSWORD

# The production default: every role that sees personal data logs in with a second step.
REQUIRED_ROLES = ("admin", "housing_officer", "supervisor", "tenant_advisor")
LOGIN_FAILED = "E-Mail-Adresse oder Passwort ist falsch."
WRONG_CODE = "Der Code stimmt nicht."
TOO_MANY = "Zu viele Versuche"


def body(response) -> str:
    return response.get_data(as_text=True)


def location(response) -> str:
    parts = urlsplit(response.headers["Location"])
    return parts.path + (f"?{parts.query}" if parts.query else "")


def is_logged_in(client) -> bool:
    response = client.get("/")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and location(response).startswith("/login"), response.status_code
    return False


def post_login(client, email, password=PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def secret_on(page: str) -> str:
    """The base32 secret the enrolment page shows for typing by hand."""
    match = re.search(r'data-secret="([A-Z2-7]+)"', page)
    assert match, "no secret on the enrolment page"
    return match.group(1)


def recovery_codes_on(page: str) -> list[str]:
    return re.findall(r"<li><code>([0-9a-f]{8}-[0-9a-f]{8})</code></li>", page)


def totp(secret: str, at=None, *, steps: int = 0) -> str:
    """The code an authenticator app shows at ``at`` (the app's clock, which time-machine moves), ``steps`` time
    steps later."""
    generator = pyotp.TOTP(secret)
    return generator.generate_otp(generator.timecode(at or utcnow()) + steps)


def send_code(client, code):
    return client.post("/login/code", data={"totp-code": code})


def send_recovery_code(client, code):
    return client.post("/login/code", data={"recovery-recovery_code": code})


def enrol_at_login(client, user) -> tuple[str, list[str]]:
    """Password, enrolment with a code of the shown secret, the recovery codes: returns (secret, codes)."""
    response = post_login(client, user.email)
    assert location(response) == "/login/two-factor"
    secret = secret_on(body(client.get("/login/two-factor")))
    response = client.post("/login/two-factor", data={"code": totp(secret)})
    assert location(response) == "/profile/recovery-codes", body(response)
    codes = recovery_codes_on(body(client.get("/profile/recovery-codes")))
    assert len(codes) == 10
    return secret, codes


def logout(client):
    assert client.post("/logout").status_code == 302


@pytest.fixture
def two_factor_required(app):
    """Two-factor login required for the roles that see personal data, as in production."""
    saved = app.config["TWO_FACTOR_REQUIRED_ROLES"]
    app.config["TWO_FACTOR_REQUIRED_ROLES"] = REQUIRED_ROLES
    try:
        yield REQUIRED_ROLES
    finally:
        app.config["TWO_FACTOR_REQUIRED_ROLES"] = saved


# --- apps with other settings on the test's connection ---------------------------------------------------------


def other_app(app, database_url, tmp_path_factory, **overrides):
    """The app with other settings; files go where the test app's go."""
    other = create_app(make_config(database_url, tmp_path_factory, UPLOAD_DIR=app.config["UPLOAD_DIR"],
                                   DOCUMENT_DIR=app.config["DOCUMENT_DIR"], **overrides))
    other.test_client_class = IsolatingClient
    return other


@contextmanager
def sharing_connection(app, other):
    """``other`` works on the connection of the test's transaction: it sees the test's rows, and everything it
    writes is rolled back with the test."""
    engines = db._app_engines[other]
    saved = engines[None]
    engines[None] = db._app_engines[app][None]
    try:
        yield other
    finally:
        engines[None] = saved


@pytest.fixture(scope="session")
def _csrf_app(app, database_url, tmp_path_factory):
    other = other_app(app, database_url, tmp_path_factory, WTF_CSRF_ENABLED=True)
    yield other
    with other.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def _production_app(app, database_url, tmp_path_factory):
    other = other_app(app, database_url, tmp_path_factory, ENV="production", TRUSTED_HOSTS=("localhost",))
    yield other
    with other.app_context():
        db.engine.dispose()


@pytest.fixture
def csrf_app(app, _csrf_app):
    """The app with CSRF protection on (as in development and production)."""
    with sharing_connection(app, _csrf_app) as other:
        yield other


@pytest.fixture
def production_app(app, _production_app):
    """The app with the production defaults: secure cookies, HSTS, trusted hosts."""
    with sharing_connection(app, _production_app) as other:
        yield other


def csrf_token_on(page: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)
