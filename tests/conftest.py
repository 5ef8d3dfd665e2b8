"""Test harness: one schema per session (built by the migrations), each test in a rolled-back transaction.

The suite runs on SQLite (``--db=sqlite``, the default) and on PostgreSQL (``--db=postgresql`` with
``HOUSING_TEST_DATABASE_URL``); ``make test`` runs both when the URL is set.
"""

import os
import uuid
from contextlib import contextmanager

import flask_migrate
import pytest
from flask import current_app
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from housing import create_app
from housing.auth.roles import Role
from housing.database import normalise_database_url
from housing.extensions import db

from . import factories

# Cheap argon2 parameters: the tests check behaviour, not hashing cost.
TEST_PASSWORD_HASH = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
PASSWORD = "Korrekt-Pferd-Batterie"


def pytest_addoption(parser):
    parser.addoption("--db", choices=("sqlite", "postgresql"), default="sqlite",
                     help="database to run the suite on (postgresql needs HOUSING_TEST_DATABASE_URL)")


def pytest_report_header(config):
    return f"database: {config.getoption('--db')}"


@pytest.fixture(scope="session")
def database_url(request, tmp_path_factory):
    if request.config.getoption("--db") == "postgresql" and not os.environ.get("HOUSING_TEST_DATABASE_URL"):
        pytest.exit("--db=postgresql needs HOUSING_TEST_DATABASE_URL", returncode=4)
    with database_of_its_own(request, tmp_path_factory) as url:
        yield url


@contextmanager
def _private_postgresql_database(url: str):
    """A database of this run's own next to the given one, so parallel runs never share a schema.

    Falls back to the given database when the role may not create databases."""
    server = make_url(url)
    name = f"{server.database}_run_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except (ProgrammingError, OperationalError):
        admin.dispose()
        yield url
        return
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_config(database_url, tmp_path_factory, **overrides):
    config = {
        "ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": database_url,
        "UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads")),
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH": TEST_PASSWORD_HASH,
        # Inside a test's transaction a worker thread would not see the data: build documents in the request.
        "DOCUMENT_BUILDS": "inline",
        # Logins in most tests are one step; tests/auth switch two-factor login on where they test it.
        "TWO_FACTOR_REQUIRED_ROLES": (),
        "DOCUMENT_DIR": str(tmp_path_factory.mktemp("documents")),
    }
    config.update(overrides)
    return config


def reset_schema():
    """Empty the test database completely, so the migrations build it from nothing."""
    engine = db.engine
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        else:
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
            tables = connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            ).scalars().all()
            for table in tables:
                connection.exec_driver_sql(f'DROP TABLE IF EXISTS "{table}"')
            connection.exec_driver_sql("PRAGMA foreign_keys = ON")


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    return migrated_app(database_url, tmp_path_factory)


def migrated_app(database_url, tmp_path_factory):
    """The app on ``database_url``, emptied and built by the migrations, ready for tests in transactions."""
    app = create_app(make_config(database_url, tmp_path_factory))
    app.test_client_class = IsolatingClient
    with app.app_context():
        reset_schema()
        flask_migrate.upgrade()
        db.session.remove()
        # Services' commits release savepoints of the test's outer transaction; objects the test holds
        # stay readable after them (the client commits the test's setup before each request).
        db.session.configure(join_transaction_mode="create_savepoint", expire_on_commit=False)
    return app


@contextmanager
def database_of_its_own(request, tmp_path_factory):
    """The URL of a new, empty database on the suite's database server, dropped afterwards."""
    if request.config.getoption("--db") == "postgresql":
        with _private_postgresql_database(normalise_database_url(os.environ["HOUSING_TEST_DATABASE_URL"])) as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('own-db') / 'housing-test.sqlite3'}"


class IsolatingClient(FlaskClient):
    """Each request starts with a clean identity map, as it would in production.

    The test's setup is committed (a savepoint: the outer transaction still rolls everything back)
    and its objects expunged (they stay readable as snapshots), so a request loads what it needs
    from the database, a rollback in the request cannot undo the setup, and query counts are
    honest. A fresh ``g`` keeps one request's logged-in user from leaking into the next.
    """

    def open(self, *args, **kwargs):
        from flask import globals as flask_globals

        app_ctx = flask_globals._cv_app.get(None)
        saved_g = None
        if app_ctx is not None:
            db.session.commit()
            db.session.expunge_all()
            saved_g, app_ctx.g = app_ctx.g, self.application.app_ctx_globals_class()
        try:
            return super().open(*args, **kwargs)
        finally:
            if app_ctx is not None:
                app_ctx.g = saved_g


@pytest.fixture(autouse=True)
def _transaction(request, app):
    """Run the test in an outer transaction that is rolled back; services' commits become savepoints."""
    if request.node.get_closest_marker("browser"):
        yield
        return
    with app.app_context():
        engines = db._app_engines[app]
        engine = engines[None]
        connection = engine.connect()
        outer = connection.begin()
        engines[None] = connection
        try:
            yield
        finally:
            db.session.remove()
            engines[None] = engine
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login(app):
    """``login(client, user)`` logs the user in without a password round trip."""

    def do_login(client, user):
        from housing.auth.sessions import open_session

        with app.test_request_context():
            identity = open_session(user)
        with client.session_transaction() as session:
            session["_user_id"] = identity
            session["_fresh"] = True
        return client

    return do_login


def _role_client(app, login, role):
    user = factories.UserFactory(roles=[role])
    client = login(app.test_client(), user)
    client.user = user
    return client


@pytest.fixture
def admin_client(app, login):
    return _role_client(app, login, Role.ADMIN)


@pytest.fixture
def officer_client(app, login):
    return _role_client(app, login, Role.HOUSING_OFFICER)


@pytest.fixture
def supervisor_client(app, login):
    return _role_client(app, login, Role.SUPERVISOR)


@pytest.fixture
def advisor_client(app, login):
    return _role_client(app, login, Role.TENANT_ADVISOR)


@pytest.fixture
def management_client(app, login):
    return _role_client(app, login, Role.MANAGEMENT)


@pytest.fixture
def role_client(app, login):
    """``role_client(role)``: a fresh client logged in as a new user holding ``role``."""
    return lambda role: _role_client(app, login, Role(role))


@contextmanager
def _counting():
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


@contextmanager
def expiring_commits():
    """Inside, a commit expires every object the session holds, as in production (the suite keeps them readable,
    which hides a page that reads its rows again after its audit commit)."""
    session = db.session()  # the one the requests use too (the client keeps the test's app context)
    session.expire_on_commit = True
    try:
        yield
    finally:
        session.expire_on_commit = False


@pytest.fixture
def count_queries():
    """``with count_queries() as statements: ...`` records the SQL sent, without savepoint chatter."""
    return _counting


def race_before_flush(sql: str, params: dict | None = None):
    """``with race_before_flush(sql) as ran:`` while the next request saves, ``sql`` runs once just before its
    first write (``ran`` holds its row count): another's save that the checks before the write could not see yet.
    It runs in the request's transaction, so the request's rollback takes it back too."""
    @contextmanager
    def racing():
        ran = []

        def first(session, _context, _instances):
            if not ran:
                ran.append(session.execute(text(sql), params or {}).rowcount)

        event.listen(db.session(), "before_flush", first)
        try:
            yield ran
        finally:
            event.remove(db.session(), "before_flush", first)

    return racing()
