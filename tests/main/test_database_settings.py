"""The app's own database settings: PostgreSQL sessions without JIT and with SSD read costs, SQLite with a larger
page cache; both set on every connection the app opens."""

from sqlalchemy import text

from housing.config import engine_options
from housing.extensions import db


def test_postgresql_connections_get_the_session_options():
    config = {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True}, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://x/y",
              "DATABASE_POOL_SIZE": 5, "DATABASE_MAX_OVERFLOW": 10, "DATABASE_POOL_TIMEOUT": 30,
              "DATABASE_POOL_RECYCLE": -1, "DATABASE_SESSION_OPTIONS": "-c jit=off"}
    assert engine_options(config)["connect_args"] == {"options": "-c jit=off"}
    assert "connect_args" not in engine_options({**config, "DATABASE_SESSION_OPTIONS": ""})
    assert "connect_args" not in engine_options({**config, "SQLALCHEMY_DATABASE_URI": "sqlite:///x.db"})


def test_the_settings_hold_on_the_apps_own_connection(app):
    if db.engine.dialect.name == "postgresql":
        assert db.session.execute(text("SHOW jit")).scalar() == "off"
        assert db.session.execute(text("SHOW random_page_cost")).scalar() == "1.1"
    else:
        assert db.session.execute(text("PRAGMA cache_size")).scalar() == -32768
