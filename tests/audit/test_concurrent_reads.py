"""Two people reading at the same moment on SQLite: recording the view must not fail because another process
wrote since this request began reading (SQLITE_BUSY_SNAPSHOT); a real change in that position still does.

A SQLite file of its own (whatever ``--db``): the snapshot rule is SQLite's, and it needs committed data and a
second connection, outside the test's transaction."""

import sqlite3

import flask_migrate
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from housing import create_app
from housing.audit.models import AuditEvent
from housing.audit.services import record
from housing.database import commit_bookkeeping
from housing.extensions import db
from housing.properties.models import SocialArea

from ..conftest import make_config


@pytest.fixture
def file_app(tmp_path, tmp_path_factory):
    path = tmp_path / "two-readers.sqlite3"
    app = create_app(make_config(f"sqlite:///{path}", tmp_path_factory))
    with app.app_context():
        flask_migrate.upgrade()
        yield app, path
        db.session.remove()
        db.engine.dispose()


def read_then_let_another_process_write(path):
    """This session reads (its transaction now has a snapshot); then another process commits a write."""
    db.session.execute(select(func.count(AuditEvent.id))).scalar()
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE written_by_another_process (x)")
    other.commit()
    other.close()


def test_a_view_recorded_after_another_process_wrote_is_saved(file_app):
    app, path = file_app
    with app.test_request_context("/properties/1"):
        read_then_let_another_process_write(path)
        record("property.view", object_type="properties", object_id=1)
        db.session.commit()
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "property.view")) == 1


def test_a_real_change_in_the_same_position_is_still_a_conflict(file_app):
    app, path = file_app
    with app.test_request_context("/admin/social-areas/new", method="POST"):
        read_then_let_another_process_write(path)
        db.session.add(SocialArea(slug="neu", name="Neu", district="Innenstadt-Nord"))
        record("social_area.create", object_type="social_areas", object_id=99)
        with pytest.raises(OperationalError, match="locked"):
            db.session.commit()
        db.session.rollback()
    assert db.session.execute(text("SELECT count(*) FROM social_areas WHERE slug = 'neu'")).scalar() == 0


def test_bookkeeping_is_left_for_the_next_request_when_another_process_wrote(file_app):
    """A session's or token's "last used" is written before the request's work: on such a race it is dropped,
    and the request goes on, instead of answering a page view with a write conflict."""
    app, path = file_app
    with app.test_request_context("/cases"):
        read_then_let_another_process_write(path)
        db.session.add(SocialArea(slug="buchhaltung", name="Buchhaltung", district="Innenstadt-Nord"))
        commit_bookkeeping()  # no error
        assert db.session.execute(text("SELECT count(*) FROM social_areas WHERE slug = 'buchhaltung'")).scalar() == 0
        # ... and the request's own work goes on in a fresh transaction.
        record("property.view", object_type="properties", object_id=1)
        db.session.commit()
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 1
