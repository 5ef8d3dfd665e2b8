"""Documents are kept a week, then row and file go; a build whose process died shows as failed after 30 minutes.

The clock stands on 18 March 2026, 11:00 in Dortmund."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from housing.auth.roles import Role
from housing.documents import services
from housing.documents.models import DocumentBuild
from housing.extensions import db
from housing.jobs.housekeeping import run_retention

from ..factories import UserFactory, document_build
from .conftest import NOW, TODAY, page_text


@pytest.fixture(autouse=True)
def _clock(frozen_clock):
    return frozen_clock


@pytest.fixture
def folder(app):
    return Path(app.config["DOCUMENT_DIR"])


@pytest.fixture
def user():
    return UserFactory(roles=[Role.MANAGEMENT])


def stored(user, folder, name, age, status="done"):
    """A build asked for ``age`` ago, with its file (when done) last written then."""
    build = document_build(user, status=status)
    build.created_at = NOW - age
    if status == "done":
        build.file_name = f"{name}.pdf"
        write(folder / build.file_name, age)
    db.session.commit()
    return build


def write(path, age):
    path.write_bytes(b"%PDF-1.4\n")
    moment = (NOW - age).timestamp()
    os.utime(path, (moment, moment))


def remaining(ids) -> set[int]:
    return set(db.session.scalars(select(DocumentBuild.id).where(DocumentBuild.id.in_(ids))))


def test_builds_older_than_a_week_go_with_their_files(user, folder):
    old = stored(user, folder, "old", timedelta(days=8))
    just_over = stored(user, folder, "just-over", timedelta(days=7, minutes=1))
    old_failed = stored(user, folder, "old-failed", timedelta(days=30), status="failed")
    just_under = stored(user, folder, "just-under", timedelta(days=7) - timedelta(minutes=1))
    recent = stored(user, folder, "recent", timedelta(hours=2))

    with db.session.begin_nested():
        removed = services.purge_old_builds(TODAY)

    assert removed == 3
    assert remaining([old.id, just_over.id, old_failed.id, just_under.id, recent.id]) == {just_under.id, recent.id}
    assert not (folder / "old.pdf").exists()
    assert not (folder / "just-over.pdf").exists()
    assert (folder / "just-under.pdf").exists()
    assert (folder / "recent.pdf").exists()


def test_files_no_build_knows_are_removed_after_a_week_too(user, folder):
    """A build that died half-way leaves its .part; a deleted user's builds go with them but not their files."""
    died_half_way, of_a_deleted_user, being_written = (folder / f"{n * 32}.{suffix}"
                                                       for n, suffix in (("a", "part"), ("b", "pdf"), ("c", "part")))
    write(died_half_way, timedelta(days=8))
    write(of_a_deleted_user, timedelta(days=9))
    write(being_written, timedelta(minutes=3))

    services.purge_old_builds(TODAY)

    assert not died_half_way.exists()
    assert not of_a_deleted_user.exists()
    assert being_written.exists()


def test_files_the_builds_did_not_name_are_left_alone(user, folder):
    """Should the folder be shared with something else by mistake, only the builds' own files go."""
    for name in ("Foto.jpg", "bericht.pdf", f"{'d' * 32}.pdf.bak"):
        write(folder / name, timedelta(days=30))

    services.purge_old_builds(TODAY)

    assert (folder / "Foto.jpg").exists()
    assert (folder / "bericht.pdf").exists()
    assert (folder / f"{'d' * 32}.pdf.bak").exists()


def test_the_nightly_retention_run_purges_the_documents(user, folder):
    stored(user, folder, "nightly-old", timedelta(days=8))
    stored(user, folder, "nightly-new", timedelta(days=1))

    outcome = run_retention(TODAY)

    assert "erstellte Dokumente nach einer Woche: 1" in str(outcome.summary)
    assert not (folder / "nightly-old.pdf").exists()
    assert (folder / "nightly-new.pdf").exists()


def test_a_purged_document_is_404_for_its_requester(client, login, user, folder):
    build = stored(user, folder, "purged", timedelta(days=8))
    services.purge_old_builds(TODAY)
    login(client, user)

    assert client.get(f"/documents/{build.id}").status_code == 404
    assert client.get(f"/documents/{build.id}/download").status_code == 404


@pytest.mark.parametrize("status", ["queued", "running"])
def test_a_build_that_has_not_finished_after_30_minutes_shows_as_failed(client, login, user, status):
    build = document_build(user, status=status)
    build.created_at = NOW - timedelta(minutes=31)
    db.session.commit()
    login(client, user)

    page = page_text(client.get(f"/documents/{build.id}"))

    assert "fehlgeschlagen" in page
    assert 'http-equiv="refresh"' not in page
    build = db.session.get(DocumentBuild, build.id)
    assert build.status == "failed"
    assert build.error == "abgebrochen (Prozess beendet)"
    assert build.finished_at == NOW


def test_a_build_younger_than_30_minutes_is_still_waited_for(client, login, user):
    build = document_build(user, status="running")
    build.created_at = NOW - timedelta(minutes=29)
    db.session.commit()
    login(client, user)

    page = page_text(client.get(f"/documents/{build.id}"))

    assert "wird erstellt" in page
    assert 'http-equiv="refresh"' in page
    assert db.session.get(DocumentBuild, build.id).status == "running"


def test_the_list_of_ones_documents_shows_a_dead_build_as_failed_too(client, login, user):
    dead = document_build(user, status="running")
    dead.created_at, dead.title = NOW - timedelta(hours=2), "Abgestürzter Bericht"
    alive = document_build(user, status="running")
    alive.created_at, alive.title = NOW - timedelta(minutes=5), "Laufender Bericht"
    db.session.commit()
    login(client, user)

    page = page_text(client.get("/documents/programme"))

    dead_row = page[page.index("Abgestürzter Bericht"):]
    assert "fehlgeschlagen" in dead_row[:dead_row.index("</tr>")]
    alive_row = page[page.index("Laufender Bericht"):]
    assert "wird erstellt" in alive_row[:alive_row.index("</tr>")]
    assert db.session.get(DocumentBuild, dead.id).status == "failed"
    assert db.session.get(DocumentBuild, alive.id).status == "running"


def test_a_stale_build_that_another_user_asks_for_stays_untouched(client, login, user):
    build = document_build(user, status="running")
    build.created_at = NOW - timedelta(hours=1)
    db.session.commit()
    login(client, UserFactory(roles=[Role.MANAGEMENT]))

    assert client.get(f"/documents/{build.id}").status_code == 404
    assert db.session.get(DocumentBuild, build.id).status == "running"
