"""Migrations on a database that already holds data, as a running installation's does."""

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from housing import create_app
from housing.auth.twofactor import unseal
from housing.extensions import db

from ..conftest import database_of_its_own


def test_sqlite_migrations_keep_existing_rows_when_a_referenced_table_is_rebuilt(tmp_path):
    """SQLite rebuilds a table to drop a column (0006 drops users.session_token) while other tables refer to
    it; with foreign keys enforced that used to fail as soon as those tables had rows. (SQLite only: PostgreSQL
    alters tables in place.)"""
    app = create_app({"ENV": "testing", "SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path}/old.sqlite3"})
    with app.app_context():
        upgrade(revision="0005")
        db.session.execute(text(
            "INSERT INTO users (id, email, name, password_hash, is_active, session_token, created_at) "
            "VALUES (1, 'alt@housing.example', 'Alte Nutzerin', 'x', 1, 'tok', '2026-01-01 00:00:00')"))
        db.session.execute(text("INSERT INTO user_roles (user_id, role) VALUES (1, 'admin')"))
        db.session.execute(text(
            "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at) "
            "VALUES (1, 'GIS', 'h', 'hsg_abc', '2026-01-01 00:00:00')"))
        db.session.commit()

        upgrade()

        assert db.session.execute(text("SELECT email FROM users")).scalar_one() == "alt@housing.example"
        assert db.session.execute(text("SELECT count(*) FROM api_tokens WHERE user_id = 1")).scalar_one() == 1
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
        db.engine.dispose()


@pytest.fixture
def empty_database(request, tmp_path_factory):
    """The URL of an empty database of this test's own, on the suite's database."""
    with database_of_its_own(request, tmp_path_factory) as url:
        yield url


def test_0017_seals_the_two_factor_secrets_enrolled_before_it_and_its_downgrade_opens_them(empty_database):
    app = create_app({"ENV": "testing", "SECRET_KEY": "installation-key", "DATABASE_URL": empty_database})
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    with app.app_context():
        upgrade(revision="0016")
        db.session.execute(text(
            "INSERT INTO users (id, email, name, password_hash, is_active, totp_secret, created_at) VALUES "
            "(1, 'zwei@housing.example', 'Zwei Faktor', 'x', true, :secret, '2026-01-01 00:00:00'), "
            "(2, 'ohne@housing.example', 'Ohne Faktor', 'x', true, NULL, '2026-01-01 00:00:00')"),
            {"secret": secret})
        db.session.commit()

        upgrade()
        stored = dict(db.session.execute(text("SELECT id, totp_secret FROM users")).all())
        assert stored[2] is None and secret not in stored[1] and unseal(stored[1]) == secret
        db.session.commit()  # the read's transaction would hold the table the downgrade alters

        # Under keys that do not open it, the downgrade refuses rather than leave the user with no secret.
        app.config["DATA_ENCRYPTION_KEYS"] = ("k" * 32,)
        with pytest.raises(SystemExit):  # Flask-Migrate's answer to the migration's RuntimeError
            downgrade(revision="0016")
        db.session.rollback()
        app.config["DATA_ENCRYPTION_KEYS"] = ()
        assert dict(db.session.execute(text("SELECT id, totp_secret FROM users")).all()) == stored
        db.session.commit()

        downgrade(revision="0016")
        assert dict(db.session.execute(text("SELECT id, totp_secret FROM users")).all()) == {1: secret, 2: None}
        db.session.commit()
        if db.engine.dialect.name == "sqlite":
            # Upgraded over a secret the new code sealed already (SQLite kept it in the narrow column): sealed once.
            db.session.execute(text("UPDATE users SET totp_secret = :sealed WHERE id = 1"), {"sealed": stored[1]})
            db.session.commit()
            upgrade()
            assert db.session.execute(text("SELECT totp_secret FROM users WHERE id = 1")).scalar_one() == stored[1]
        db.session.remove()
        db.engine.dispose()
