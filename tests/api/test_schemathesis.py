"""Every operation of /api/v1/openapi.json run by schemathesis against the app, with a token of a role the
operation's ``x-roles`` allow: never a server error; status codes, content types and bodies as the document
says; data the document forbids is refused with a 4xx JSON error.

The run commits for real, like production (and, like production, a commit expires what was loaded), so it has an
app and a database of its own (a temporary SQLite file, or a private PostgreSQL database next to
HOUSING_TEST_DATABASE_URL), seeded with a case, a Viertelwerk project and placement records, so path ids usually
name existing records (and now and then a missing one). Deterministic: the same examples in every run. The
document is built once at import (parametrising needs it); a test checks it is the one the app serves.
"""

import os
from dataclasses import dataclass
from datetime import timedelta

import flask_migrate
import pytest
import schemathesis
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from housing import create_app
from housing.auth.roles import Role
from housing.auth.services import create_api_token
from housing.clock import today
from housing.database import normalise_database_url
from housing.extensions import db

from .. import factories
from ..conftest import _private_postgresql_database, make_config

# Per operation and phase; about a minute for all operations on SQLite and on PostgreSQL each.
MAX_EXAMPLES = 60
CHECKS = [schemathesis.checks.not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, negative_data_rejection]
# Whose token calls an operation open to several roles: the one whose records the seed holds.
PREFERRED = [Role.TENANT_ADVISOR, Role.SUPERVISOR, Role.HOUSING_OFFICER, Role.ADMIN, Role.MANAGEMENT]


def _document() -> dict:
    """The document, built without a database: it depends on the declarations only."""
    app = create_app({"ENV": "testing", "TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": "sqlite://"})
    with app.test_request_context():
        from housing.api.openapi import build_document

        return build_document()


DOCUMENT = _document()
CONFIG = schemathesis.Config.from_dict({
    "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none",
                   "with-security-parameters": False},
    "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True}, "fuzzing": {"enabled": True},
               "stateful": {"enabled": False}},
})
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)


@dataclass
class World:
    app: object
    tokens: dict  # role -> bearer token
    ids: dict  # an id's name in paths, queries and bodies -> an existing record's id
    emails: dict  # role -> the login e-mail of the token's user
    months: list  # this month and the last one, YYYY-MM


@pytest.fixture(scope="module")
def api_world(request, tmp_path_factory):
    """An app on a database of its own, seeded, with a token per role."""
    if request.config.getoption("--db") == "postgresql":
        url = normalise_database_url(os.environ["HOUSING_TEST_DATABASE_URL"])
        with _private_postgresql_database(url) as private_url:
            yield from _world(private_url, tmp_path_factory)
    else:
        yield from _world(f"sqlite:///{tmp_path_factory.mktemp('schemathesis') / 'api.sqlite3'}", tmp_path_factory)


def _world(database_url, tmp_path_factory):
    from housing.placement import services as placement_services
    from housing.placement.models import Tenancy
    from housing.properties import services as case_services
    from housing.properties.models import Property
    from housing.renovation import hours

    app = create_app(make_config(database_url, tmp_path_factory))
    with app.app_context():
        flask_migrate.upgrade()
        users = {role: factories.UserFactory(roles=[role]) for role in PREFERRED}
        tokens = {role: create_api_token(user, "schemathesis")[1] for role, user in users.items()}
        officer, supervisor = users[Role.HOUSING_OFFICER], users[Role.SUPERVISOR]
        case = factories.full_case(actor=officer)
        prop = db.session.get(Property, case["property"])
        case_services.add_referral(prop, {"received_on": today(), "source": "police", "text": "Überbelegung"},
                                   actor=officer)
        case_services.add_ownership(prop, {"kind": "company", "name": "Nordstadt Wohnen GmbH",
                                           "registered_on": today() - timedelta(days=900)}, actor=officer)
        project = factories.viertelwerk_project(supervisor=supervisor)
        last_monday = today() - timedelta(days=today().weekday() + 7)
        entry = hours.create_entry(hours.EntryInput(project["participant"], last_monday, hours="6",
                                                    work_package_id=project["package"]), actor=supervisor)
        placement = factories.placement_records()
        tenancy = db.session.get(Tenancy, placement["tenancy"])
        placement_services.add_support_contact(tenancy, {"contact_on": today(), "kind": "phone",
                                                         "topics": ["arrears"]}, actor=users[Role.TENANT_ADVISOR])
        db.session.commit()
        ids = {"property_id": case["property"], "unit_id": case["unit"], "inspection_id": case["inspection"],
               "defect_id": case["defect"], "order_id": case["order"], "acquisition_id": case["acquisition"],
               "project_id": project["project"], "participant_id": project["participant"],
               "work_package_id": project["package"], "default_work_package_id": project["package"],
               "package_id": project["package"], "entry_id": entry.id, "applicant_id": placement["applicant"],
               "consent_id": placement["consent"], "vacancy_id": placement["vacancy"], "offer_id": placement["offer"],
               "tenancy_id": placement["tenancy"], "landlord_id": placement["landlord"], "case_id": placement["case"]}
        emails = {role: user.email for role, user in users.items()}
        db.session.remove()
    months = [today().strftime("%Y-%m"), (today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")]
    yield World(app, tokens, ids, emails, months)
    with app.app_context():
        db.engine.dispose()


def _role_for(operation) -> Role:
    allowed = operation.definition.raw.get("x-roles")
    if allowed is None:
        return PREFERRED[0]
    return next(role for role in PREFERRED if role.value in allowed)


AREAS = ["nordmarkt", "borsigplatz", "hafen"]


def _aim(case, world: World) -> None:
    """Point most generated values at what exists, so calls get past "not found" and "unknown" into the rules:
    ids at the seeded records (one in ten keeps its number), months at this or the last one, social areas at
    seeded ones, account e-mails at the users'.

    An id is replaced only by another integer (ids have no bounds in the document), and texts and lists only in
    a positive case: whatever a negative case made invalid stays invalid."""
    positive = case.meta is None or case.meta.generation.mode == GenerationMode.POSITIVE

    def existing(name, value):
        if name in world.ids and type(value) is int and value % 10 != 7:
            return world.ids[name]
        if not positive:
            return value
        if isinstance(value, str):
            if name == "month" and len(value) % 3:
                return world.months[len(value) % 3 - 1]
            if name == "social_area" and len(value) % 4:
                return AREAS[len(value) % 3]
            if name == "postcode" and len(value) == 5:
                return "44147"
        if isinstance(value, list):
            texts = {"preferred_areas": AREAS, "excluded_areas": AREAS[::-1],
                     "supervisor_emails": [world.emails[Role.SUPERVISOR]],
                     "officer_emails": [world.emails[Role.HOUSING_OFFICER]]}.get(name)
            if texts:
                return [texts[n % len(texts)] if isinstance(item, str) else item for n, item in enumerate(value)]
        return value

    def aim_object(data):
        if isinstance(data, dict):
            for name, value in data.items():
                if name in ("entries", "defects", "occupancy", "work_packages", "rows") and isinstance(value, list):
                    for item in value:
                        aim_object(item)
                else:
                    data[name] = existing(name, value)

    for container in (case.path_parameters, case.query):
        aim_object(container)
    aim_object(case.body)


@schema.parametrize()
def test_every_operation_keeps_to_its_document(case, api_world):
    _aim(case, api_world)
    token = api_world.tokens[_role_for(case.operation)]
    case.call_and_validate(app=api_world.app, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)


def test_the_document_run_is_the_one_the_app_serves(api_world):
    served = api_world.app.test_client().get("/api/v1/openapi.json")

    assert served.status_code == 200
    assert served.get_json() == DOCUMENT
