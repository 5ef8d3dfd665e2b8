"""Migrations on a database that already holds data, as a running installation's does."""

from flask_migrate import upgrade
from sqlalchemy import text

from housing import create_app
from housing.extensions import db


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
