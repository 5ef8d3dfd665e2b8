"""Security headers on every kind of response: HTML pages, the JSON API, PDF files, CSV exports, error pages,
the steps of the login; HSTS only in production."""

import pytest

from housing.auth.roles import Role
from housing.auth.services import create_api_token

from .. import factories
from ..factories import UserFactory
from .conftest import enrol_at_login, logout, post_login, secret_on


def check_headers(response, *, production: bool = False) -> None:
    """The headers every dynamic response carries (only static files may be cached)."""
    headers = response.headers
    csp = {part.strip().split(" ", 1)[0]: part.strip() for part in headers["Content-Security-Policy"].split(";")}
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert "unsafe-eval" not in headers["Content-Security-Policy"]
    assert csp["default-src"] == "default-src 'self'"
    assert csp["object-src"] == "object-src 'none'"
    assert csp["base-uri"] == "base-uri 'none'"
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert csp["form-action"] == "form-action 'self'"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin-when-cross-origin")
    assert headers["X-Frame-Options"] == "DENY"
    assert headers.get("Cache-Control") == "no-store", response.request.path
    if production:
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    else:
        assert "Strict-Transport-Security" not in headers


@pytest.fixture
def officer():
    return UserFactory(roles=[Role.HOUSING_OFFICER])


def responses(app, login, officer):
    """One response of each kind, for an officer (and a few without a login)."""
    case = factories.full_case(actor=officer)
    _token, secret = create_api_token(officer, "GIS")
    client = login(app.test_client(), officer)
    bearer = {"Authorization": f"Bearer {secret}"}
    return {
        "page": (client.get("/cases")),
        "case file": (client.get(f"/properties/{case['property']}")),
        "json api": (client.get("/api/v1/properties", headers=bearer)),
        "json api error": (client.get("/api/v1/properties/999999", headers=bearer)),
        "pdf": (client.get(f"/properties/{case['property']}/dossier.pdf")),
        "api pdf": (client.get(f"/api/v1/properties/{case['property']}/dossier", headers=bearer)),
        "csv": (client.get("/cases/export.csv")),
        "xlsx": (client.get("/cases/export.xlsx")),
        "photo": (client.get(f"/attachments/{case['photo']}")),
        "404 page": (client.get("/gibt-es-nicht")),
        "403 page": (client.get("/admin/users")),
        "login page": (app.test_client().get("/login")),
        "anonymous 404": (app.test_client().get("/gibt-es-nicht")),
        "api without token": (app.test_client().get("/api/v1/properties")),
    }


def test_every_kind_of_response_carries_the_headers(app, login, officer):
    answered = responses(app, login, officer)

    for kind, response in answered.items():
        assert response.status_code in (200, 401, 403, 404), kind
        check_headers(response)
        response.close()
    assert answered["pdf"].mimetype == "application/pdf"
    assert answered["csv"].mimetype.startswith("text/csv")
    assert answered["json api"].is_json and answered["json api error"].is_json


def test_in_production_every_kind_of_response_carries_hsts(production_app, login, officer):
    answered = responses(production_app, login, officer)

    for kind, response in answered.items():
        assert response.status_code in (200, 401, 403, 404), kind
        check_headers(response, production=True)
        response.close()


def test_the_steps_of_a_login_are_never_cached(app, client, two_factor_required):
    """The enrolment page shows the new secret (as text and QR code) before the login is complete: it must not
    stay in a browser's or proxy's cache any more than a page after the login."""
    officer = UserFactory(roles=[Role.HOUSING_OFFICER])
    post_login(client, officer.email)

    enrolment = client.get("/login/two-factor")

    assert secret_on(enrolment.get_data(as_text=True))
    check_headers(enrolment)


def test_the_code_step_is_never_cached(app, client, two_factor_required):
    officer = UserFactory(roles=[Role.HOUSING_OFFICER])
    enrol_at_login(client, officer)
    logout(client)
    post_login(client, officer.email)

    check_headers(client.get("/login/code"))


def test_static_files_may_be_cached_but_carry_the_other_headers(officer_client):
    response = officer_client.get("/static/css/housing.css")

    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()
