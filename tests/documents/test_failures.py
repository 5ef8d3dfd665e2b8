"""A build that fails: the requester sees "fehlgeschlagen" on the progress page and a message in the inbox, no
half-written file stays behind, and the page does not break (inline builds behave as the worker's do)."""

import logging
import os

import pytest
from sqlalchemy import text

from housing.auth.roles import Role
from housing.documents import services
from housing.documents.models import DocumentBuild
from housing.extensions import db

from ..factories import UserFactory
from .conftest import builds_of, inbox, page_text


@pytest.fixture(autouse=True)
def _clock(frozen_clock):
    return frozen_clock


@pytest.fixture
def document_files(app):
    """The names in the document folder (the folder is shared by the session's tests)."""
    folder = app.config["DOCUMENT_DIR"]
    return lambda: set(os.listdir(folder))


def half_written_then_broken(params, out, progress):
    progress(0, 3)
    out.write(b"%PDF-1.4\n" + b"x" * 50_000)
    progress(1, 3)
    raise RuntimeError("Diagramm nicht darstellbar")


def reading_a_table_that_is_not_there(params, out, progress):
    out.write(b"%PDF-1.4\n")
    db.session.execute(text("SELECT * FROM no_such_table"))


@pytest.fixture
def failing_builder():
    services.register_builder("failing", half_written_then_broken)
    yield "failing"
    services.BUILDERS.pop("failing", None)


def start_build(app, user, kind):
    with app.test_request_context("/"):
        return services.start(kind, {"month": "2026-03"}, title="Probelauf Ţăran", download_name="probe.pdf",
                              actor=user)


def test_a_failing_report_leads_to_the_progress_page_saying_it_failed(management_client, monkeypatch,
                                                                        document_files, caplog):
    monkeypatch.setitem(services.BUILDERS, "programme", half_written_then_broken)
    # Alembic's fileConfig (run by the session's migrations) disables the loggers that existed before it.
    monkeypatch.setattr(services.log, "disabled", False)
    files = document_files()

    response = management_client.post("/documents/programme", data={"start": "2026-01-01", "end": "2026-03-13"})

    [build] = builds_of(management_client.user.id)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/documents/{build.id}"
    assert build.status == "failed"
    assert build.error == "RuntimeError: Diagramm nicht darstellbar"
    assert build.file_name is None and build.size_bytes is None
    assert build.finished_at is not None
    assert document_files() == files
    assert any(record.levelno == logging.ERROR and "failed" in record.getMessage() for record in caplog.records)

    status = management_client.get(response.headers["Location"])
    page = page_text(status)
    assert status.status_code == 200
    assert "fehlgeschlagen" in page
    assert "Das Dokument konnte nicht erstellt werden." in page
    assert "PDF öffnen" not in page
    assert 'http-equiv="refresh"' not in page
    assert "Diagramm" not in page  # the technical reason is for the log, not the page
    assert management_client.get(f"/documents/{build.id}/download").status_code == 404

    [message] = inbox(management_client.user.id)
    assert message.title == "Dokument konnte nicht erstellt werden: Programmbericht 01.01.2026 – 13.03.2026"
    assert message.link == f"/documents/{build.id}"
    assert message.severity == "danger"


def test_a_registered_builder_that_raises_marks_the_build_failed_without_a_file(app, failing_builder,
                                                                                 document_files):
    user = UserFactory(roles=[Role.SUPERVISOR])
    files = document_files()

    build = start_build(app, user, failing_builder)

    build = db.session.get(DocumentBuild, build.id)
    assert build.status == "failed"
    assert build.error == "RuntimeError: Diagramm nicht darstellbar"
    assert document_files() == files
    assert [message.title for message in inbox(user.id)] == ["Dokument konnte nicht erstellt werden: Probelauf Ţăran"]
    assert services.file_of(build) is None


def test_a_database_error_in_the_builder_is_rolled_back_and_recorded(app, document_files):
    user = UserFactory(roles=[Role.ADMIN])
    files = document_files()
    services.register_builder("broken-query", reading_a_table_that_is_not_there)
    try:
        build = start_build(app, user, "broken-query")
    finally:
        services.BUILDERS.pop("broken-query", None)

    build = db.session.get(DocumentBuild, build.id)
    assert build.status == "failed"
    assert "no_such_table" in build.error
    assert document_files() == files
    assert len(inbox(user.id)) == 1
    # the session still works after the failed statement
    assert db.session.scalar(text("SELECT 1")) == 1


def test_a_kind_without_a_builder_fails_instead_of_staying_queued(app):
    user = UserFactory(roles=[Role.ADMIN])

    build = start_build(app, user, "no-such-kind")

    build = db.session.get(DocumentBuild, build.id)
    assert build.status == "failed"
    assert build.error.startswith("KeyError")
    assert len(inbox(user.id)) == 1
