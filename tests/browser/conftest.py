"""Browser tests: Playwright drives Debian's Chromium against the app served on loopback.

They need ``/usr/bin/chromium`` (``apt-get install chromium``). Where it is missing they are
skipped with one clear reason, unless ``HOUSING_REQUIRE_BROWSER=1`` (set by ``.ci/run``) makes
that a failure.
"""

import os
import shutil
import threading

import pytest
from sqlalchemy import delete
from werkzeug.serving import make_server

from housing import create_app
from housing.extensions import db
from housing.privacy.audit_guard import retention_unlocked

from ..conftest import make_config

CHROMIUM = os.environ.get("HOUSING_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# The machine has no internet: without these Chromium keeps trying to reach it.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    missing = not os.path.exists(CHROMIUM)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.browser)
            if missing and not os.environ.get("HOUSING_REQUIRE_BROWSER"):
                item.add_marker(pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}: apt-get install chromium"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"HOUSING_REQUIRE_BROWSER is set but there is no Chromium at {CHROMIUM}")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "de-DE", "timezone_id": "Europe/Berlin",
            "viewport": {"width": 1180, "height": 820}}


class LiveServer:
    def __init__(self, app):
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture(scope="session")
def live_server(app, database_url, tmp_path_factory):
    """The app as a browser sees it: its own engine, real commits, CSRF on."""
    live_app = create_app(make_config(database_url, tmp_path_factory, WTF_CSRF_ENABLED=True,
                                      DOCUMENT_BUILDS="thread"))
    server = LiveServer(live_app)
    server.start()
    yield server
    server.stop()
    with live_app.app_context():
        db.engine.dispose()


@pytest.fixture
def live_db(live_server):
    """Run setup code against the live server's database; every row is removed after the test
    (except the reference data the migrations seed)."""

    class Context:
        def __enter__(self):
            self._ctx = live_server.app.app_context()
            self._ctx.push()
            return db.session

        def __exit__(self, exc_type, exc, tb):
            if exc_type is None:
                db.session.commit()
            else:
                db.session.rollback()
            self._ctx.pop()

    yield Context
    with live_server.app.app_context():
        # The audit log refuses deletes in the database itself, except through the retention run's unlock (whose
        # own marker row on SQLite the unlock removes again).
        with retention_unlocked():
            for table in reversed(db.metadata.sorted_tables):
                if table.name not in REFERENCE_TABLES | {"audit_purge_unlocks"}:
                    db.session.execute(delete(table))
        db.session.commit()


# Seeded by the migrations and shared by every test: never emptied.
REFERENCE_TABLES = {"social_areas", "rule_values", "kdu_limits"}
