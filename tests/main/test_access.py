"""Every route × every role -> the expected status. A new route fails here until it is listed.

Statuses: 200 page, 302 redirect (to login for anonymous users), 403 role lacks access,
404 the record is not the user's to know, 405 wrong method, 422 a POST form without data.
"""

import pytest

from housing.auth.roles import Role

from ..factories import UserFactory

ROLES = [role.value for role in Role]
ANON = "anonymous"
LOGIN = "302 to login"


def only(*allowed, ok=200, denied=403):
    return {role: (ok if role in allowed else denied) for role in ROLES}


def everyone(status):
    return {role: status for role in ROLES}


# endpoint: (method, url, anonymous status or LOGIN, {role: status})
MATRIX = {
    "main.index": ("GET", "/", LOGIN, everyone(200)),
    "main.healthz": ("GET", "/healthz", 200, everyone(200)),
    "main.set_language": ("POST", "/language", 302, everyone(302)),
    "auth.login": ("GET", "/login", 200, everyone(302)),
    "auth.logout": ("POST", "/logout", LOGIN, everyone(302)),
    "auth.profile": ("GET", "/profile", LOGIN, everyone(200)),
    "auth.change_password": ("POST", "/profile/password", LOGIN, everyone(422)),
    "auth.create_token": ("POST", "/profile/tokens", LOGIN, everyone(422)),
    "auth.revoke_token": ("POST", "/profile/tokens/{other_token}/revoke", LOGIN, everyone(404)),
    "auth.users": ("GET", "/admin/users", LOGIN, only("admin")),
    "auth.create_user": ("GET", "/admin/users/new", LOGIN, only("admin")),
    "auth.edit_user": ("GET", "/admin/users/{other_user}", LOGIN, only("admin")),
    "auth.set_user_password": ("POST", "/admin/users/{other_user}/password", LOGIN, only("admin", ok=422)),
    "audit.events": ("GET", "/admin/audit/", LOGIN, only("admin")),
    # The API ignores session cookies: without a bearer token it is 401 for everyone.
    "api.me": ("GET", "/api/v1/me", 401, everyone(401)),
    "api.openapi_json": ("GET", "/api/v1/openapi.json", 200, everyone(200)),
}

SKIPPED_ENDPOINTS = {"static"}


@pytest.fixture
def records():
    from housing.auth.services import create_api_token

    other = UserFactory(roles=[Role.MANAGEMENT])
    token, _secret = create_api_token(other, "fremd")
    return {"other_user": other.id, "other_token": token.id}


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - SKIPPED_ENDPOINTS
    assert endpoints == set(MATRIX), "add new routes to MATRIX with their expected statuses"


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
@pytest.mark.parametrize("who", [ANON, *ROLES])
def test_route_answers_each_role_as_expected(app, login, records, endpoint, who):
    method, url, anonymous_status, role_statuses = MATRIX[endpoint]
    client = app.test_client()
    if who != ANON:
        login(client, UserFactory(roles=[Role(who)]))
    expected = anonymous_status if who == ANON else role_statuses[who]
    response = client.open(url.format(**records), method=method)
    if expected == LOGIN:
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url
    else:
        assert response.status_code == expected, f"{method} {url} as {who}"
