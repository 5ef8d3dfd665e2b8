"""Every operation of /api/v1/openapi.json, fuzzed with a token of a role allowed to call it.

Bodies start from plausible values read off the operation's schema (existing records' ids, enum members,
dates near today) with a few fields replaced by hostile JSON, dropped, or joined by unknown ones; query
strings get junk values and cursors; path ids are missing, huge or beyond 64 bits. Never a 500, never HTML:
every refusal is JSON of API.md's error shape, and what a call stores renders on the pages."""

import base64
import json
from datetime import timedelta
from urllib.parse import quote, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from housing.auth.roles import Role
from housing.clock import today
from housing.extensions import db

from .checks import assert_page_renders, send
from .conftest import fuzz_settings
from .strategies import HUGE_INTS, json_value, month_text, nasty_text, number_text


def _operations():
    from housing import create_app

    app = create_app({"ENV": "testing", "TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": "sqlite://"})
    with app.test_request_context():
        from housing.api.openapi import build_document

        document = build_document()
    operations = [(method.upper(), path, spec) for path, methods in document["paths"].items()
                  for method, spec in methods.items()]
    return document, operations


DOCUMENT, OPERATIONS = _operations()
SCHEMAS = DOCUMENT["components"]["schemas"]
# Whose token calls an operation open to several roles: the one the records belong to.
PREFERRED = [Role.TENANT_ADVISOR, Role.SUPERVISOR, Role.HOUSING_OFFICER, Role.ADMIN, Role.MANAGEMENT]


def role_for(spec) -> Role:
    allowed = spec.get("x-roles")
    if allowed is None:
        return Role.TENANT_ADVISOR
    return next(role for role in PREFERRED if role.value in allowed)


def resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = SCHEMAS[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


# --- the ids of existing records, by the names the API gives them ------------------------------------------


def known_ids(world) -> dict[str, int]:
    from housing.renovation import hours

    case, project, placement = world.case, world.project, world.placement
    worked_on = today() - timedelta(days=today().weekday() + 7)  # last week's Monday
    entry = hours.create_entry(hours.EntryInput(project["participant"], worked_on, hours="6",
                                                work_package_id=project["package"]),
                               actor=world.users[Role.SUPERVISOR]).id
    db.session.commit()
    return {"property_id": case["property"], "unit_id": case["unit"], "inspection_id": case["inspection"],
            "order_id": case["order"], "acquisition_id": case["acquisition"], "project_id": project["project"],
            "work_package_id": project["package"], "default_work_package_id": project["package"],
            "participant_id": project["participant"], "applicant_id": placement["applicant"],
            "vacancy_id": placement["vacancy"], "offer_id": placement["offer"], "tenancy_id": placement["tenancy"],
            "landlord_id": placement["landlord"], "consent_id": placement["consent"], "entry_id": entry}


def plausible(schema: dict, name: str, world, ids: dict):
    """A value the operation would likely accept for ``name`` (given its schema)."""
    schema = resolve(schema)
    if "anyOf" in schema:
        options = [option for option in schema["anyOf"] if resolve(option).get("type") != "null"]
        if [resolve(option).get("type") for option in options] == ["number", "string"]:  # a decimal
            return st.sampled_from(["12.50", 7.5, "530.00", "1", 40, "0.25", "99999999.99", 1234567, "9999.99"])
        return plausible(options[0], name, world, ids)
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "object":
        required = set(schema.get("required", []))
        return st.fixed_dictionaries(
            {key: plausible(sub, key, world, ids) for key, sub in schema.get("properties", {}).items()
             if key in required},
            optional={key: plausible(sub, key, world, ids) for key, sub in schema.get("properties", {}).items()
                      if key not in required and key != "version"})
    if kind == "array":
        if name.endswith("_emails"):
            role = {"supervisor_emails": Role.SUPERVISOR, "officer_emails": Role.HOUSING_OFFICER}[name]
            return st.just([world.users[role].email])
        item = {"agencies": st.just("police"), "languages": st.just("Deutsch"),
                "preferred_areas": st.just("nordmarkt"), "excluded_areas": st.just("hafen")}.get(name)
        return st.lists(item if item is not None else plausible(schema.get("items", {}), name, world, ids),
                        min_size=schema.get("minItems", 0), max_size=2)
    if kind == "integer":
        if name in ids:
            return st.just(ids[name])
        return st.integers(schema.get("minimum", 0), schema.get("maximum", 3))
    if kind == "boolean":
        return st.booleans()
    if kind == "string":
        if schema.get("format") == "date":
            days = {"birth_date": (-12000, -8000), "ends_on": (30, 300), "planned_end_on": (30, 300),
                    "expires_on": (30, 300), "date": (-9, -1)}.get(name, (-30, 0))
            return st.integers(*days).map(lambda n: (today() + timedelta(days=n)).isoformat())
        special = {"postcode": "44147", "house_number": "12", "social_area": "nordmarkt",
                   "month": today().strftime("%Y-%m"), "email": "fuzz@example.org", "to": "registered"}
        if name in special:
            return st.just(special[name])
        return st.sampled_from(["Bornstraße", "Ţăran", "Müller-Lüdenscheidt", "Kabel offen"])
    return st.none()


# --- hostile parts ---------------------------------------------------------------------------------------

CURSORS = ["", "x", "====", "%%%", "bnVsbA", base64.urlsafe_b64encode(b"[1e308]").decode(),
           base64.urlsafe_b64encode(json.dumps([2**70]).encode()).decode(),
           base64.urlsafe_b64encode(json.dumps(["\x00"]).encode()).decode(),
           base64.urlsafe_b64encode(json.dumps([None]).encode()).decode(),
           base64.urlsafe_b64encode(json.dumps({"id": 1}).encode()).decode(),
           base64.urlsafe_b64encode(json.dumps([-1]).encode()).decode(), "A" * 5000]


def hostile_json():
    return st.one_of(json_value(), st.sampled_from(HUGE_INTS), st.sampled_from([None, [], {}, "", True]))


@st.composite
def body_for(draw, schema_ref, world, ids, version):
    """A plausible body with up to three fields replaced by hostile JSON, dropped, or joined by unknown ones;
    now and then no object at all."""
    if draw(st.sampled_from(range(12))) == 7:
        return draw(st.one_of(st.sampled_from([b"", b"{", b"null", b"[]", b'"text"', b"1e999", b"{\"a\":}",
                                               b"\xff\xfe", b'{"a": NaN}', b"[" * 5000]),
                              hostile_json().map(lambda value: json.dumps(value).encode())))
    schema = resolve(schema_ref)
    if "anyOf" in schema:  # one entry or a batch
        schema = resolve(draw(st.sampled_from(schema["anyOf"])))
    body = draw(plausible(schema, "", world, ids))
    if "version" in schema.get("properties", {}) and version is not None:
        body["version"] = version
    names = sorted(schema.get("properties", {}))
    for name in draw(st.lists(st.sampled_from(names), unique=True, max_size=3)):
        action = draw(st.sampled_from(["replace", "replace", "replace", "drop", "nest", "unknown"]))
        if action == "drop":
            body.pop(name, None)
        elif action == "unknown":
            body[draw(st.sampled_from(["unknown", "__proto__", "id", name.upper()]))] = draw(hostile_json())
        elif action == "nest":
            body[name] = {"$gt": "", "value": draw(hostile_json())}
        else:
            body[name] = draw(hostile_json())
    if body.get("entries") is not None and isinstance(body["entries"], list):
        body["entries"] = body["entries"] + draw(st.lists(hostile_json(), max_size=2))
    return json.dumps(body).encode()


def path_value(name: str, ids: dict):
    if name == "month":
        return st.one_of(st.just(today().strftime("%Y-%m")), month_text(),
                         nasty_text().map(lambda text: quote(text, safe="")))
    hostile = st.sampled_from([0, 1, 2**31 - 1, 2**31, 2**53, 2**63 - 1, 2**63, 10**30, 99999999])
    return st.one_of(st.just(ids.get(name, 1)), st.just(ids.get(name, 1)), hostile)


@st.composite
def query_for(draw, parameters, ids):
    args = []
    for parameter in parameters:
        if parameter["in"] != "query":
            continue
        name = parameter["name"]
        if name == "cursor":
            choice = st.sampled_from(CURSORS)
        elif name in ids:
            choice = st.one_of(st.just(str(ids[name])), number_text())
        elif name == "month":
            choice = st.one_of(st.just(today().strftime("%Y-%m")), month_text())
        else:
            choice = st.one_of(st.sampled_from(["true", "false", "1", "0", "-1", "201", "open", "reported", "nordmarkt",
                                                "Bornstr 12", "44147"]), number_text(), nasty_text())
        if draw(st.booleans()) or parameter.get("required"):
            args.append((name, draw(choice)))
            if draw(st.integers(0, 5)) == 0:
                args.append((name, draw(choice)))  # the parameter twice
    if draw(st.integers(0, 3)) == 0:
        args.append((draw(st.sampled_from(["unknown", "limit[]", "__class__", ""])), draw(nasty_text())))
    return urlencode(args)


# --- checks -------------------------------------------------------------------------------------------------


def assert_api_answer(response, url: str, spec) -> None:
    assert response.status_code < 500, f"{response.status_code} from {url}"
    if response.status_code < 300 and "application/pdf" in json.dumps(spec["responses"].get("200", {})):
        assert response.mimetype == "application/pdf", url
        return
    assert response.mimetype == "application/json", f"{response.mimetype} from {url}"
    payload = response.get_json()
    if response.status_code >= 400:
        assert set(payload) == {"error"}, payload
        error = payload["error"]
        assert set(error) <= {"code", "message", "fields"} and {"code", "message"} <= set(error), payload
        assert isinstance(error["code"], str) and isinstance(error["message"], str) and error["message"], payload
        for field, messages in error.get("fields", {}).items():
            assert isinstance(field, str) and isinstance(messages, list), payload
            assert messages and all(isinstance(message, str) and message for message in messages), payload


PAGES = {"properties": "/properties/{id}", "applicants": "/placement/households/{id}", "landlords":
         "/placement/landlords/{id}", "vacancies": "/placement/flats/{id}", "offers": "/placement/offers/{id}",
         "participants": "/viertelwerk/participants/{id}", "projects": "/viertelwerk/projects/{id}"}
LIST_PAGES = {"Ankauf": ["/cases", "/cases/export.csv", "/cases/export.xlsx"],
              "Viertelwerk": ["/viertelwerk/projects", "/viertelwerk/participants",
                              "/viertelwerk/participants/export.xlsx", "/viertelwerk/projects/export.csv"],
              "Wohnungszugang": ["/placement/households?all=1", "/placement/households/export.csv",
                                 "/placement/flats/export.xlsx", "/placement/landlords", "/admin/rules/kdu"]}


def stored_pages(world, path: str, spec, response) -> list[str]:
    """The pages showing what a successful write stored: the record's page and the lists of its area."""
    pages = list(LIST_PAGES.get(spec["tags"][0], []))
    resource = path.removeprefix("/api/v1/").split("/")[0]
    payload = response.get_json(silent=True) or {}
    if resource in PAGES and isinstance(payload.get("id"), int) and path.count("/") <= 4:
        pages.insert(0, PAGES[resource].format(id=payload["id"]))
    case = world.case
    if resource == "properties":
        pages += [f"/properties/{case['property']}", f"/properties/{case['property']}/dossier.pdf"]
    return pages


@pytest.mark.parametrize("method, path, spec", OPERATIONS, ids=[f"{m} {p}" for m, p, _s in OPERATIONS])
def test_operation_survives_hostile_input(app, world, method, path, spec):
    role = role_for(spec)
    headers = world.bearer(role)
    ids = known_ids(world)
    if path == "/api/v1/projects":  # a project needs an acquired building
        ids["property_id"] = world.acquired
    pages_client = world.client(Role.ADMIN)
    body_schema = spec.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    path_names = [p["name"] for p in spec["parameters"] if p["in"] == "path"]

    @fuzz_settings(10 if method != "GET" else 6)
    @given(data=st.data())
    def check(data):
        values = {name: data.draw(path_value(name, ids), label=name) for name in path_names}
        url = path.format(**values)
        query = data.draw(query_for(spec["parameters"], ids), label="query")
        if query:
            url += "?" + query
        kwargs = {"headers": headers}
        if body_schema is not None:
            version = None
            if "version" in json.dumps(resolve(body_schema)):
                current = send(world.app.test_client(), "GET", path.format(**{**values, **{
                    n: ids.get(n, 1) for n in path_names}}), headers=headers).get_json(silent=True) or {}
                version = current.get("version")
            kwargs["data"] = data.draw(body_for(body_schema, world, ids, version), label="body")
            kwargs["content_type"] = data.draw(st.sampled_from(["application/json"] * 6 + ["text/plain"]
                                                               + ["application/json"] * 5))
        response = send(world.app.test_client(), method, url, **kwargs)
        assert_api_answer(response, url, spec)
        if method in ("POST", "PATCH") and response.status_code < 300 and response.mimetype == "application/json":
            for page in stored_pages(world, path, spec, response):
                assert_page_renders(pages_client, page)

    check()


@pytest.mark.parametrize("token", ["", "Bearer", "Bearer ", "Bearer hsg_", "Bearer hsg_\x00", "Basic YTpi",
                                   "Bearer " + "A" * 10_000, "Bearer hsg_ünïcødé", "bearer hsg_x"])
def test_a_bad_token_is_a_json_401(app, token):
    response = send(app.test_client(), "GET", "/api/v1/me", headers={"Authorization": token} if token else {})

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
