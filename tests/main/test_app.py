import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from housing import ConfigurationError, create_app
from housing.extensions import db


def test_production_without_secret_key_refuses_to_start(monkeypatch, tmp_path):
    monkeypatch.delenv("HOUSING_SECRET_KEY", raising=False)
    monkeypatch.setenv("HOUSING_ENV", "production")
    with pytest.raises(ConfigurationError, match="No SECRET_KEY"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})


def test_environment_variables_override_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("HOUSING_ENV", "development")
    monkeypatch.setenv("HOUSING_UPLOAD_DIR", str(tmp_path / "shared-uploads"))
    monkeypatch.setenv("HOUSING_DATABASE_URL", "postgresql://someone@db.internal/housing")
    app = create_app()
    assert app.config["UPLOAD_DIR"] == str(tmp_path / "shared-uploads")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://someone@db.internal/housing"
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert app.config["SECRET_KEY"]  # a throwaway key in development


def test_the_connection_pool_is_set_from_the_environment_on_postgresql(monkeypatch, tmp_path):
    monkeypatch.setenv("HOUSING_ENV", "development")
    monkeypatch.setenv("HOUSING_DATABASE_URL", "postgresql://housing@db.internal/housing")
    monkeypatch.setenv("HOUSING_DATABASE_POOL_SIZE", "3")
    monkeypatch.setenv("HOUSING_DATABASE_MAX_OVERFLOW", "2")
    monkeypatch.setenv("HOUSING_DATABASE_POOL_RECYCLE", "1800")
    app = create_app()

    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {
        "pool_pre_ping": True, "pool_size": 3, "max_overflow": 2, "pool_timeout": 30, "pool_recycle": 1800,
        "connect_args": {"options": "-c jit=off -c random_page_cost=1.1"}}
    with app.app_context():  # the engine is built, not connected
        pool = db.engine.pool
        assert (pool.size(), pool._max_overflow, pool._timeout, pool._recycle, pool._pre_ping) == (3, 2, 30, 1800,
                                                                                                    True)


def test_an_explicit_engine_option_wins_and_sqlite_keeps_its_own_pool(monkeypatch, tmp_path):
    monkeypatch.setenv("HOUSING_ENV", "development")
    monkeypatch.setenv("HOUSING_DATABASE_POOL_SIZE", "3")
    explicit = create_app({"DATABASE_URL": "postgresql://housing@db.internal/housing",
                           "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 8, "connect_args": {"prepare_threshold": None}}})
    assert explicit.config["SQLALCHEMY_ENGINE_OPTIONS"] == {
        "pool_size": 8, "connect_args": {"prepare_threshold": None, "options": "-c jit=off -c random_page_cost=1.1"},
        "max_overflow": 10, "pool_timeout": 30, "pool_recycle": -1}

    sqlite = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/pool.sqlite3"})
    assert sqlite.config["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True}


def test_instance_config_sits_between_defaults_and_environment(monkeypatch, tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("SECRET_KEY = 'from-instance'\nORGANISATION_NAME = 'Stadt Test'\n")
    monkeypatch.setenv("HOUSING_ENV", "production")
    monkeypatch.setenv("HOUSING_ORGANISATION_NAME", "Stadt Dortmund (Umgebung)")
    monkeypatch.setenv("HOUSING_TRUSTED_HOSTS", "wohnen.dortmund.de, wohnen.intern")
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(instance))
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})
    assert app.config["SECRET_KEY"] == "from-instance"
    assert app.config["ORGANISATION_NAME"] == "Stadt Dortmund (Umgebung)"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["TRUSTED_HOSTS"] == ("wohnen.dortmund.de", "wohnen.intern")


def test_sqlite_connections_enforce_foreign_keys_with_wal_and_busy_timeout(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite connection settings")
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 10000


def test_migrations_build_exactly_the_models_schema(app):
    """The schema in the test database comes from `db upgrade`; it must match the models."""
    connection = db.session.connection()
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    assert compare_metadata(context, db.metadata) == []


def test_healthz_answers_after_a_database_query(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_unknown_page_is_a_german_error_page(admin_client):
    response = admin_client.get("/gibt-es-nicht")
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.get_data(as_text=True)


def test_unknown_api_path_is_json(client):
    response = client.get("/api/v1/gibt-es-nicht")
    assert response.status_code == 404
    assert response.get_json() == {"error": {"code": "not_found", "message": "Nicht gefunden."}}


def test_server_error_is_a_german_page_without_stack_trace(tmp_path):
    app = create_app({"ENV": "production", "SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path}/e.sqlite3",
                      "TRUSTED_HOSTS": ["localhost"]})

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Ein Fehler ist aufgetreten" in body
    assert "secret internals" not in body and "Traceback" not in body


def _sqlite_error(message: str, code: int) -> OperationalError:
    orig = sqlite3.OperationalError(message)
    orig.sqlite_errorcode = code  # as sqlite3 sets it
    return OperationalError("UPDATE properties SET …", {}, orig)


def test_sqlites_stale_snapshot_is_a_write_conflict_and_other_database_errors_a_server_error(tmp_path):
    """Two workers on SQLite: a transaction that read before the other's commit may not write after it. That is
    the race PostgreSQL reports as a stale version, and it gets the same answer."""
    app = create_app({"ENV": "production", "SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path}/e.sqlite3",
                      "TRUSTED_HOSTS": ["localhost"]})
    errors = {"snapshot": _sqlite_error("database is locked", 517), "timeout": _sqlite_error("database is locked", 5),
              "other": _sqlite_error("no such table: properties", 1)}

    @app.route("/save/<kind>")  # a GET: the production app would want a CSRF token for a POST
    def save(kind):
        raise errors[kind]

    client = app.test_client()
    for kind in ("snapshot", "timeout"):
        response = client.get(f"/save/{kind}")
        assert response.status_code == 409
        assert "Jemand anderes hat diesen Datensatz gerade geändert." in response.get_data(as_text=True)
    response = client.get("/save/other")
    assert response.status_code == 500 and "no such table" not in response.get_data(as_text=True)


def test_security_headers_on_every_response(client):
    response = client.get("/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    csp = response.headers["Content-Security-Policy"]
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp and "base-uri 'none'" in csp
    assert "unsafe-inline" not in csp


def test_production_refuses_to_start_without_trusted_hosts(tmp_path):
    with pytest.raises(ConfigurationError, match="TRUSTED_HOSTS"):
        create_app({"ENV": "production", "SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path}/e.sqlite3"})


def test_production_answers_only_its_trusted_hosts_and_sends_hsts(tmp_path):
    app = create_app({"ENV": "production", "SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path}/e.sqlite3",
                      "TRUSTED_HOSTS": ["wohnen.dortmund.de"]})
    client = app.test_client()

    assert client.get("/login", base_url="https://evil.example").status_code == 400
    response = client.get("/login", base_url="https://wohnen.dortmund.de")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_pages_of_a_logged_in_user_are_never_cached_but_static_files_may_be(officer_client):
    assert officer_client.get("/").headers["Cache-Control"] == "no-store"
    assert officer_client.get("/cases").headers["Cache-Control"] == "no-store"
    assert "no-store" not in officer_client.get("/static/css/housing.css").headers.get("Cache-Control", "")


def test_a_refused_record_is_written_to_the_audit_log(officer_client):
    from sqlalchemy import select

    from housing.audit.models import AuditEvent
    from housing.extensions import db

    assert officer_client.get("/viertelwerk/participants/999999").status_code in (403, 404)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "access.denied")).one()
    assert event.actor_id == officer_client.user.id
    assert "/viertelwerk/participants/999999" in event.summary


def test_a_log_line_cannot_be_forged_through_user_input(app, caplog):
    import logging

    logging.getLogger("housing.test").warning("Login failed for %s", "mallory\n2026-11-24 INFO admin logged in")

    assert "\n" not in caplog.records[-1].getMessage()
    assert "mallory\\n2026" in caplog.records[-1].getMessage()


def test_browser_cleanup_keeps_every_table_the_migrations_seed():
    """Browser tests empty the tables after each test; reference data seeded by migrations must survive."""
    import re
    from pathlib import Path

    from tests.browser.conftest import REFERENCE_TABLES

    versions = Path(__file__).resolve().parents[2] / "migrations" / "versions"
    seeded = {name for path in versions.glob("*.py")
              for name in re.findall(r'sa\.table\(\s*"(\w+)"', path.read_text())}
    assert seeded and seeded <= REFERENCE_TABLES
