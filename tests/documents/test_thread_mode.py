"""Documents really built in the background: an app with ``DOCUMENT_BUILDS = "thread"`` on a database of its own
(a worker thread cannot see a test's uncommitted rows), where every commit is real.

The request only records the build and answers; the worker thread reads the data, writes the progress on its own
connection (so any web worker can show it while the build runs) and the file into the document folder.
"""

import threading
import time
from contextlib import contextmanager
from datetime import timedelta

import flask_migrate
import pytest
from sqlalchemy import select

from housing import create_app
from housing.auth.models import User
from housing.auth.roles import Role
from housing.clock import today
from housing.documents import services
from housing.documents.models import DocumentBuild
from housing.extensions import db
from housing.jobs.models import Notification
from housing.renovation import hours

from ..conftest import _private_postgresql_database, make_config
from ..factories import UserFactory, viertelwerk_project
from .conftest import page_text, pdf_pages, pdf_text

TIMEOUT = 30  # seconds a build may take here before the test gives up


@pytest.fixture(scope="module")
def thread_app(request, database_url, tmp_path_factory):
    """An app of its own, with a database of its own, that builds documents in a worker thread."""
    if request.config.getoption("--db") == "postgresql":
        with _private_postgresql_database(database_url) as url:
            if url == database_url:
                pytest.skip("the PostgreSQL role may not create a database for the worker's own app")
            yield from _migrated_app(url, tmp_path_factory)
    else:
        yield from _migrated_app(f"sqlite:///{tmp_path_factory.mktemp('thread-db') / 'housing.sqlite3'}",
                                 tmp_path_factory)


def _migrated_app(url, tmp_path_factory):
    app = create_app(make_config(url, tmp_path_factory, DOCUMENT_BUILDS="thread"))
    with app.app_context():
        flask_migrate.upgrade()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@contextmanager
def committed(app):
    """Work in the app's own session; what is done is committed on leaving."""
    with app.app_context():
        yield db.session
        db.session.commit()
        db.session.remove()


def logged_in(app, user_id):
    from housing.auth.sessions import open_session

    with app.app_context():
        session_id = open_session(db.session.get(User, user_id))
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = session_id, True
    return client


def new_user(app, role) -> int:
    with committed(app):
        return UserFactory(roles=[role]).id


def row(app, build_id) -> DocumentBuild:
    """The build as a fresh session reads it now (detached snapshot)."""
    with app.app_context():
        build = db.session.get(DocumentBuild, build_id)
        db.session.expunge(build)
        db.session.remove()
        return build


def wait_for(app, build_id, ready, what):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        build = row(app, build_id)
        if ready(build):
            return build
        time.sleep(0.05)
    pytest.fail(f"build {build_id} did not reach {what} in {TIMEOUT} s: {build.status} {build.done}/{build.total}")


def document_folder(app):
    with app.app_context():
        return services.document_dir()


def build_id_from(response) -> int:
    assert response.status_code == 302, response.status_code
    return int(response.headers["Location"].rsplit("/", 1)[1])


@pytest.fixture
def paced_builder():
    """A builder that reports one step of three, then waits for the test before it finishes."""
    go_on = threading.Event()
    seen_by_builder = {}

    def paced(params, out, progress):
        seen_by_builder["thread"] = threading.current_thread().name
        progress(1, 3)
        go_on.wait(TIMEOUT)
        progress(2, 3)
        progress(3, 3)
        out.write(b"%PDF-1.4\n% paced\n")

    services.register_builder("paced", paced)
    try:
        yield go_on, seen_by_builder
    finally:
        go_on.set()
        services.BUILDERS.pop("paced", None)


def test_the_request_returns_at_once_and_the_worker_shows_its_progress_while_it_runs(thread_app, paced_builder):
    go_on, seen_by_builder = paced_builder
    user_id = new_user(thread_app, Role.MANAGEMENT)
    with thread_app.test_request_context("/"):
        user = db.session.get(User, user_id)
        build_id = services.start("paced", {}, title="Langsamer Bericht", download_name="langsam.pdf",
                                  actor=user).id
        db.session.remove()

    running = wait_for(thread_app, build_id, lambda b: b.status == "running" and b.done == 1, "the first step")
    assert (running.done, running.total) == (1, 3)
    assert seen_by_builder["thread"].startswith("documents")
    client = logged_in(thread_app, user_id)
    page = page_text(client.get(f"/documents/{build_id}"))
    assert "wird erstellt: 33 %" in page
    assert "1 von 3 Schritten" in page
    assert '<meta http-equiv="refresh" content="2">' in page
    assert client.get(f"/documents/{build_id}/download").status_code == 404

    go_on.set()
    done = wait_for(thread_app, build_id, lambda b: b.is_finished, "its end")

    assert done.status == "done", done.error
    assert (done.done, done.total) == (3, 3)
    assert done.started_at is not None and done.finished_at >= done.started_at
    download = client.get(f"/documents/{build_id}/download")
    assert download.status_code == 200
    assert download.data == b"%PDF-1.4\n% paced\n"
    assert done.size_bytes == len(download.data)
    with thread_app.app_context():
        titles = db.session.scalars(select(Notification.title).where(Notification.user_id == user_id)).all()
        db.session.remove()
    assert titles == ["Dokument fertig: Langsamer Bericht"]


def test_the_programme_report_is_built_by_the_worker(thread_app):
    user_id = new_user(thread_app, Role.MANAGEMENT)
    client = logged_in(thread_app, user_id)
    end = today() - timedelta(days=1)
    start = end.replace(day=1) if end.day > 1 else end

    build_id = build_id_from(client.post("/documents/programme", data={"start": start.isoformat(),
                                                                         "end": end.isoformat()}))
    build = wait_for(thread_app, build_id, lambda b: b.is_finished, "its end")

    assert build.status == "done", build.error
    assert build.done == build.total and build.total > 1  # the report's own steps, not only the final mark
    assert (document_folder(thread_app) / build.file_name).exists()
    assert not list(document_folder(thread_app).glob("*.part"))
    download = client.get(f"/documents/{build_id}/download")
    assert download.status_code == 200
    assert f"Berichtszeitraum {start:%d.%m.%Y} bis {end:%d.%m.%Y}" in pdf_text(download.data)


def test_a_months_timesheets_are_built_by_the_worker(thread_app):
    with committed(thread_app):
        supervisor = UserFactory(roles=[Role.SUPERVISOR])
        crew = viertelwerk_project(supervisor=supervisor, crew_size=3)
        day = today() - timedelta(days=1)
        while day.weekday() > 4:
            day -= timedelta(days=1)
        for person_id in crew["participants"]:
            hours.create_entry(hours.EntryInput(person_id, day, hours="6.5", work_package_id=crew["package"]),
                               actor=supervisor)
        supervisor_id = supervisor.id
    client = logged_in(thread_app, supervisor_id)

    build_id = build_id_from(client.post(f"/viertelwerk/months/{day:%Y-%m}/timesheets",
                                         data={"project_id": crew["project"]}))
    build = wait_for(thread_app, build_id, lambda b: b.is_finished, "its end")

    assert build.status == "done", build.error
    assert (build.done, build.total) == (3, 3)
    pages = pdf_pages(client.get(f"/documents/{build_id}/download").data)
    assert len(pages) == 3
    for n, text in enumerate(pages):
        assert f"Ţăran{n} Şükrü" in text
        assert "Anwesend (gearbeitet) 6,50" in text
        assert text.endswith("Seite 1 von 1")
