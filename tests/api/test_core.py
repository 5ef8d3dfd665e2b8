"""The API core: bearer tokens, the error shape, the OpenAPI document and cursor pages."""

import base64
import re
from datetime import UTC, date, datetime

import pytest
from flask import request
from sqlalchemy import select

from housing.api.core import OPERATIONS, InvalidInput, PageQuery, Schema, _parse, keyset_page, page_response
from housing.auth.models import ApiToken, User
from housing.auth.roles import Role
from housing.auth.services import create_api_token, revoke_api_token
from housing.extensions import db
from housing.pagination import SortKey, decode_cursor, encode_cursor

from ..factories import UserFactory

UNAUTHORIZED = {"error": {"code": "unauthorized", "message": "Ein gültiger API-Schlüssel wird benötigt."}}


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def request_ctx(app):
    """Cursor errors are raised, and translated, while the API serves a request."""
    with app.test_request_context("/api/v1/me"):
        yield


@pytest.fixture
def token_of():
    def make(user=None, name="Test"):
        user = user or UserFactory()
        token, secret = create_api_token(user, name)
        db.session.commit()
        return token, secret

    return make


def assert_unauthorized(response):
    assert response.status_code == 401
    assert response.mimetype == "application/json"
    assert response.get_json() == UNAUTHORIZED
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


# --- authentication ------------------------------------------------------------------------


def test_api_without_a_token_is_401_json_with_www_authenticate(client):
    assert_unauthorized(client.get("/api/v1/me"))


@pytest.mark.parametrize("header", [
    "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNzd29ydA==", "Token hsg_abc", "hsg_abc", "Bearer  ",
])
def test_api_with_a_malformed_authorization_header_is_401(client, header):
    assert_unauthorized(client.get("/api/v1/me", headers={"Authorization": header}))


def test_api_with_a_malformed_header_holding_a_valid_token_is_401(client, token_of):
    _token, secret = token_of()

    assert_unauthorized(client.get("/api/v1/me", headers={"Authorization": f"Token {secret}"}))
    assert_unauthorized(client.get("/api/v1/me", headers={"Authorization": secret}))


def test_api_with_an_unknown_token_is_401(client, token_of):
    token_of()

    assert_unauthorized(client.get("/api/v1/me", headers=bearer("hsg_" + "A" * 43)))


def test_api_with_a_revoked_token_is_401(client, token_of):
    token, secret = token_of()
    token_id = token.id
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    stored = db.session.get(ApiToken, token_id)
    revoke_api_token(stored, actor=stored.user)
    db.session.commit()

    assert_unauthorized(client.get("/api/v1/me", headers=bearer(secret)))


def test_api_with_the_token_of_a_deactivated_user_is_401(client, token_of):
    user = UserFactory()
    _token, secret = token_of(user)
    db.session.get(User, user.id).is_active = False
    db.session.commit()

    assert_unauthorized(client.get("/api/v1/me", headers=bearer(secret)))


def test_a_browser_session_cookie_does_not_authenticate_the_api(officer_client):
    assert officer_client.get("/").status_code == 200  # the session is valid for pages

    assert_unauthorized(officer_client.get("/api/v1/me"))


def test_an_invalid_token_is_not_rescued_by_a_session_cookie(officer_client):
    assert_unauthorized(officer_client.get("/api/v1/me", headers=bearer("hsg_unbekannt")))


def test_me_with_a_valid_token_returns_the_user_and_notes_the_use(client, token_of):
    user = UserFactory(email="api@housing.example", name="Ayşe Demir", roles=[Role.SUPERVISOR, Role.ADMIN])
    token, secret = token_of(user)
    user_id, token_id = user.id, token.id
    assert token.last_used_at is None

    response = client.get("/api/v1/me", headers=bearer(secret))

    assert response.status_code == 200
    assert response.get_json() == {
        "id": user_id, "email": "api@housing.example", "name": "Ayşe Demir", "roles": ["admin", "supervisor"],
    }
    assert db.session.get(ApiToken, token_id).last_used_at is not None


def test_the_api_acts_for_the_tokens_owner_not_for_a_logged_in_browser_user(officer_client, token_of):
    other = UserFactory(email="andere@housing.example")
    _token, secret = token_of(other)

    response = officer_client.get("/api/v1/me", headers=bearer(secret))

    assert response.get_json()["email"] == "andere@housing.example"


def test_unknown_api_paths_and_methods_answer_in_the_error_shape(client, token_of):
    _token, secret = token_of()

    missing = client.get("/api/v1/gibt-es-nicht", headers=bearer(secret))
    wrong_method = client.post("/api/v1/me", headers=bearer(secret))

    assert missing.status_code == 404
    assert missing.get_json() == {"error": {"code": "not_found", "message": "Nicht gefunden."}}
    assert wrong_method.status_code == 405
    assert wrong_method.get_json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize("method", ["GET", "PATCH"])
@pytest.mark.parametrize("ident", [2**31, 2**31 + 10, 9_999_999_999, 10**20])
def test_an_id_beyond_the_range_of_ids_is_404_for_every_method_not_405(client, token_of, method, ident):
    _token, secret = token_of(UserFactory(roles=[Role.HOUSING_OFFICER]))

    response = client.open(f"/api/v1/properties/{ident}", method=method, json={"version": 1},
                           headers=bearer(secret))

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_the_largest_id_still_reaches_the_view(client, token_of):
    _token, secret = token_of(UserFactory(roles=[Role.HOUSING_OFFICER]))

    response = client.patch(f"/api/v1/properties/{2**31 - 1}", json={"version": 1}, headers=bearer(secret))

    assert response.status_code == 404  # no such property, said by the view
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(("field", "value"), [
    ("adults", "2"), ("adults", 2.0), ("adults", True), ("birth_date", 0), ("birth_date", "2001-02-03T00:00:00"),
    ("interpreter_needed", 1), ("interpreter_needed", "true"), ("languages", "de"), ("first_name", 7),
])
def test_a_body_value_of_another_type_than_documented_is_422_not_coerced(client, token_of, field, value):
    """"2" is no integer, 0 no date, 1 no boolean: the body is read as the document types it (pydantic's lax
    mode had made 0 the 1st of January 1970)."""
    _token, secret = token_of(UserFactory(roles=[Role.TENANT_ADVISOR]))

    response = client.post("/api/v1/applicants", json={"first_name": "Ana", "last_name": "Popa", field: value},
                           headers=bearer(secret))

    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {field}


def test_decimals_come_as_numbers_or_strings_and_query_values_as_text(client, token_of):
    _token, secret = token_of(UserFactory(roles=[Role.TENANT_ADVISOR]))

    for income in (1450, 1450.5, "1450.50"):
        response = client.post("/api/v1/applicants", json={"first_name": "Ana", "last_name": "Popa",
                                                           "monthly_income": income}, headers=bearer(secret))
        assert response.status_code == 201, response.get_json()
    assert client.get("/api/v1/applicants?limit=2&mine=true", headers=bearer(secret)).status_code == 200


# --- the OpenAPI document ------------------------------------------------------------------


def test_openapi_document_is_public_and_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    assert document["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert document["paths"]["/api/v1/openapi.json"]["get"]["security"] == []


def _api_rules(app) -> set[tuple[str, str]]:
    operations = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".", 1)[0] != "api":
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operations.add((path, method.lower()))
    return operations


def test_openapi_document_lists_exactly_the_routes_of_the_api_blueprint(app, client):
    """The guard that the document matches the implementation: every API route, and nothing else."""
    document = client.get("/api/v1/openapi.json").get_json()

    documented = {(path, method) for path, methods in document["paths"].items() for method in methods}

    assert ("/api/v1/me", "get") in documented
    assert documented == _api_rules(app)


def test_every_api_route_is_declared_with_operation(app):
    """A route added with ``bp.route`` would miss the token check's 401 and the document."""
    api_endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")}

    assert api_endpoints == set(OPERATIONS)


def test_openapi_document_describes_both_answers_of_the_hour_entry_post(client):
    post = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/hour-entries"]["post"]

    assert post["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/HourEntryOut"}
    assert post["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/BatchOut"}


def test_openapi_document_describes_me_with_its_schema_and_401(client):
    document = client.get("/api/v1/openapi.json").get_json()

    me = document["paths"]["/api/v1/me"]["get"]
    assert "security" not in me  # the document-wide bearer requirement applies
    assert me["responses"]["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/MeOut"}
    assert me["responses"]["401"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert set(document["components"]["schemas"]["MeOut"]["properties"]) == {"id", "email", "name", "roles"}


# --- cursors and keyset pages --------------------------------------------------------------


def test_cursor_round_trip_keeps_the_values():
    keys = [SortKey(User.created_at, kind=datetime), SortKey(User.name, kind=str), SortKey(User.id)]
    values = [datetime(2025, 3, 5, 9, 30, tzinfo=UTC), "Şükrü", 42]

    cursor = encode_cursor(values)

    assert "=" not in cursor and "/" not in cursor and "+" not in cursor
    assert decode_cursor(cursor, keys) == values


def test_cursor_round_trip_keeps_dates():
    assert decode_cursor(encode_cursor([date(2025, 3, 5), 7]), [SortKey(User.id, kind=date), SortKey(User.id)]) \
        == [date(2025, 3, 5), 7]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("cursor", [
    "%%%", "nicht-base64!", _b64(b"kein json"), _b64(b"\xff\xfe"), _b64(b'"text"'),
    _b64(b'{"id": 3}'),  # an object, not the list of sort values
    _b64(b"[1, 2]"),  # two values for one sort key
    _b64(b'["7"]'), _b64(b"[true]"), _b64(b"[1.5]"), _b64(b"[]"),
])
def test_a_garbage_cursor_is_invalid_input(request_ctx, cursor):
    with pytest.raises(InvalidInput) as caught:
        keyset_page(select(User), User.id, 3, cursor)

    assert caught.value.fields == {"cursor": ["Ungültiger Cursor."]}


@pytest.fixture
def seven_users():
    users = [UserFactory() for _ in range(7)]
    return sorted(user.id for user in users)


def walk(stmt, limit):
    pages, cursors, cursor = [], [], None
    while True:
        rows, cursor = keyset_page(stmt, User.id, limit, cursor)
        pages.append([row.id for row in rows])
        cursors.append(cursor)
        if cursor is None:
            return pages, cursors
        assert len(pages) < 20, "the pages never end"


def test_keyset_page_without_a_cursor_starts_at_the_first_row(request_ctx, seven_users):
    stmt = select(User).where(User.id.in_(seven_users))

    for cursor in (None, ""):
        rows, next_cursor = keyset_page(stmt, User.id, 3, cursor)
        assert [row.id for row in rows] == seven_users[:3]
        assert next_cursor is not None


def test_keyset_page_walks_all_rows_in_pages_without_duplicates_or_gaps(request_ctx, seven_users):
    stmt = select(User).where(User.id.in_(seven_users))

    pages, cursors = walk(stmt, 3)

    assert pages == [seven_users[0:3], seven_users[3:6], seven_users[6:7]]
    assert cursors[-1] is None
    assert all(cursor is not None for cursor in cursors[:-1])


def test_keyset_page_has_no_empty_last_page_when_rows_fill_the_pages_exactly(request_ctx, seven_users):
    stmt = select(User).where(User.id.in_(seven_users[:6]))

    pages, _cursors = walk(stmt, 3)

    assert pages == [seven_users[0:3], seven_users[3:6]]


def test_keyset_page_gives_the_same_page_and_cursor_for_the_same_cursor(request_ctx, seven_users):
    stmt = select(User).where(User.id.in_(seven_users))
    _first, cursor = keyset_page(stmt, User.id, 3, None)

    again = keyset_page(stmt, User.id, 3, cursor)
    once_more = keyset_page(stmt, User.id, 3, cursor)

    assert [u.id for u in again[0]] == [u.id for u in once_more[0]] == seven_users[3:6]
    assert again[1] == once_more[1]
    assert decode_cursor(again[1], [SortKey(User.id)]) == [seven_users[5]]


def test_keyset_page_is_not_shifted_by_rows_removed_before_the_cursor(request_ctx, seven_users):
    stmt = select(User).where(User.id.in_(seven_users))
    first, cursor = keyset_page(stmt, User.id, 3, None)

    db.session.delete(first[0])
    db.session.flush()
    second, _cursor = keyset_page(stmt, User.id, 3, cursor)

    assert [u.id for u in second] == seven_users[3:6]


# --- a paged list and a bad cursor through the real request pipeline ---------------------


class UserOut(Schema):
    id: int
    email: str


@pytest.fixture
def paged_users_view(app, monkeypatch):
    """Serve GET /api/v1/me as a paged user list for this test (there is no list endpoint yet).

    It goes through the real blueprint: the bearer check, then PageQuery parsing and keyset_page,
    then the blueprint's InvalidInput handler.
    """

    def users_page():
        query = _parse(PageQuery, request.args.to_dict(flat=True), "query")
        rows, next_cursor = keyset_page(select(User), User.id, query.limit, query.cursor)
        return page_response(rows, next_cursor, UserOut)

    monkeypatch.setitem(app.view_functions, "api.me", users_page)


def test_paged_list_walks_every_row_once_through_the_api(client, token_of, seven_users, paged_users_view):
    owner = UserFactory()
    _token, secret = token_of(owner)
    everyone = sorted([*seven_users, owner.id])

    seen, url, pages = [], "/api/v1/me?limit=3", 0
    while url:
        response = client.get(url, headers=bearer(secret))
        assert response.status_code == 200
        data = response.get_json()
        seen += [item["id"] for item in data["items"]]
        pages += 1
        url = f"/api/v1/me?limit=3&cursor={data['next_cursor']}" if data["next_cursor"] else None
        assert pages < 10

    assert seen == everyone
    assert pages == 3


def test_a_garbage_cursor_is_422_in_the_error_shape(client, token_of, paged_users_view):
    _token, secret = token_of()

    response = client.get("/api/v1/me?cursor=%25%25kaputt", headers=bearer(secret))

    assert response.status_code == 422
    assert response.get_json() == {"error": {
        "code": "invalid", "message": "Die Angaben sind ungültig.", "fields": {"cursor": ["Ungültiger Cursor."]},
    }}


def test_a_limit_over_200_is_422_with_a_german_field_message(client, token_of, paged_users_view):
    _token, secret = token_of()

    response = client.get("/api/v1/me?limit=201", headers=bearer(secret))

    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"limit": ["Höchstens 200."]}


def test_a_paged_list_still_needs_a_token(client, paged_users_view):
    assert_unauthorized(client.get("/api/v1/me?cursor=%25%25kaputt"))
