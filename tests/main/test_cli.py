"""The `flask --app housing` commands: create-user, create-token, demo-data."""

import re

from sqlalchemy import func, select

from housing.audit.models import AuditEvent
from housing.auth.demo import DEMO_USERS
from housing.auth.models import ApiToken, User
from housing.auth.passwords import verify_password
from housing.auth.roles import Role
from housing.demo import DEMO_PASSWORD
from housing.extensions import db

from ..factories import PASSWORD, UserFactory


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id)))


# --- create-user ---------------------------------------------------------------------------


def test_create_user_reads_the_password_from_stdin_and_sets_the_roles(runner):
    result = runner.invoke(args=[
        "create-user", "Anna.Schmidt@Housing.Example", "--name", "Anna Schmidt",
        "--role", "admin", "--role", "supervisor", "--password-stdin",
    ], input=f"{PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert "anna.schmidt@housing.example" in result.output
    user = User.by_email("anna.schmidt@housing.example")
    assert user is not None
    assert user.name == "Anna Schmidt"
    assert user.roles == {Role.ADMIN, Role.SUPERVISOR}
    assert verify_password(user.password_hash, PASSWORD)
    assert PASSWORD not in result.output


def test_create_user_uses_only_the_first_line_of_stdin(runner):
    result = runner.invoke(args=[
        "create-user", "zeile@housing.example", "--name", "Erste Zeile", "--role", "management", "--password-stdin",
    ], input=f"{PASSWORD}\nzweite-zeile-wird-ignoriert\n")

    assert result.exit_code == 0, result.output
    assert verify_password(User.by_email("zeile@housing.example").password_hash, PASSWORD)


def test_create_user_with_a_short_password_fails_with_a_message(runner):
    result = runner.invoke(args=[
        "create-user", "kurz@housing.example", "--name", "Kurzes Passwort", "--role", "supervisor",
        "--password-stdin",
    ], input="zu-kurz\n")

    assert result.exit_code != 0
    assert "Das Passwort muss mindestens 12 Zeichen lang sein." in result.output
    assert User.by_email("kurz@housing.example") is None


def test_create_user_with_a_taken_email_fails_with_a_message(runner):
    UserFactory(email="vergeben@housing.example")
    before = user_count()

    result = runner.invoke(args=[
        "create-user", "vergeben@housing.example", "--name", "Doppelt", "--role", "supervisor", "--password-stdin",
    ], input=f"{PASSWORD}\n")

    assert result.exit_code != 0
    assert "Es gibt bereits ein Konto mit dieser E-Mail-Adresse." in result.output
    assert user_count() == before


def test_create_user_with_an_unknown_role_is_refused_by_the_option(runner):
    result = runner.invoke(args=[
        "create-user", "rolle@housing.example", "--name", "Rolle", "--role", "king", "--password-stdin",
    ], input=f"{PASSWORD}\n")

    assert result.exit_code != 0
    assert "king" in result.output
    assert User.by_email("rolle@housing.example") is None


def test_create_user_needs_a_role(runner):
    result = runner.invoke(args=[
        "create-user", "ohne@housing.example", "--name", "Ohne Rolle", "--password-stdin",
    ], input=f"{PASSWORD}\n")

    assert result.exit_code != 0
    assert User.by_email("ohne@housing.example") is None


# --- create-token --------------------------------------------------------------------------


def test_create_token_prints_a_token_that_authenticates_the_api(runner, client):
    user = UserFactory(email="api@housing.example")
    user_id = user.id

    result = runner.invoke(args=["create-token", "API@housing.example", "--name", "GIS-Abgleich"])

    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    assert re.fullmatch(r"hsg_[A-Za-z0-9_-]+", secret)
    [token] = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user_id)).all()
    assert token.name == "GIS-Abgleich"
    assert secret not in (token.token_hash, token.prefix)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert response.get_json()["email"] == "api@housing.example"


def test_create_token_for_an_unknown_email_fails(runner):
    result = runner.invoke(args=["create-token", "niemand@housing.example"])

    assert result.exit_code != 0
    assert "niemand@housing.example" in result.output
    assert "hsg_" not in result.output
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_create_token_for_an_inactive_user_fails(runner):
    UserFactory(email="gesperrt@housing.example", is_active=False)

    result = runner.invoke(args=["create-token", "gesperrt@housing.example"])

    assert result.exit_code != 0
    assert "hsg_" not in result.output
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


# --- demo-data -----------------------------------------------------------------------------


def test_demo_data_creates_one_login_per_role_and_prints_them(runner):
    result = runner.invoke(args=["demo-data"])

    assert result.exit_code == 0, result.output
    users = db.session.scalars(select(User).where(User.email.in_([e for _r, e, _n in DEMO_USERS]))).all()
    assert len(users) == len(Role) == 5
    assert set().union(*(user.roles for user in users)) == set(Role)
    assert all(len(user.roles) == 1 for user in users)
    printed = {tuple(line.split()) for line in result.output.splitlines()[1:]}
    assert printed == {(role.value, email, DEMO_PASSWORD) for role, email, _name in DEMO_USERS}
    for role, email, _name in DEMO_USERS:
        user = User.by_email(email)
        assert user.roles == {role}
        assert verify_password(user.password_hash, DEMO_PASSWORD)


def test_demo_data_is_idempotent(runner):
    first = runner.invoke(args=["demo-data"])
    ids_after_first = set(db.session.scalars(select(User.id)))

    second = runner.invoke(args=["demo-data"])

    assert (first.exit_code, second.exit_code) == (0, 0)
    assert user_count() == 6  # one login per role, and a second Viertelwerk supervisor
    assert set(db.session.scalars(select(User.id))) == ids_after_first
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "user.create")) == 6


def test_demo_data_leaves_an_existing_demo_user_as_it_is(runner):
    UserFactory(email="admin@housing.example", name="Schon Da", roles=[Role.MANAGEMENT])

    result = runner.invoke(args=["demo-data"])

    assert result.exit_code == 0, result.output
    existing = User.by_email("admin@housing.example")
    assert (existing.name, existing.roles) == ("Schon Da", {Role.MANAGEMENT})
    assert verify_password(existing.password_hash, PASSWORD)
    assert user_count() == 6


def test_demo_data_refuses_a_production_database_with_users(app, runner, monkeypatch):
    UserFactory(email="echt@stadt.example")
    monkeypatch.setitem(app.config, "ENV", "production")

    result = runner.invoke(args=["demo-data"])

    assert result.exit_code != 0
    assert "Refusing" in result.output
    assert user_count() == 1
    assert User.by_email("admin@housing.example") is None


def test_demo_data_may_fill_an_empty_production_database(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "ENV", "production")

    result = runner.invoke(args=["demo-data"])

    assert result.exit_code == 0, result.output
    assert user_count() == 6
