"""Large documents are built outside the request: the page starts a build and shows its progress; a worker
thread writes the PDF to the document folder, and the requester finds it on the progress page and in the inbox.

Builders stream: they read the data in steps and report ``progress(done, total)`` after each, so neither the
request nor the memory grows with the size of the city. Any web worker can show the progress (it is in the
database); the file lies in ``DOCUMENT_DIR``, which several app hosts share like the uploads.
"""

import logging
import re
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from flask import current_app, url_for
from sqlalchemy import delete, select, update

from ..audit.services import record
from ..clock import utcnow
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..jobs.notifications import notify
from .models import DocumentBuild

log = logging.getLogger(__name__)

Builder = Callable[[dict, BinaryIO, Callable[[int, int], None]], None]
BUILDERS: dict[str, Builder] = {}
# A build that has not finished after this long died with its process.
STALE_AFTER = timedelta(minutes=30)
KEEP_FOR = timedelta(days=7)
GENERATED_NAME = re.compile(r"[0-9a-f]{32}\.(pdf|part)")

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def register_builder(kind: str, builder: Builder) -> None:
    BUILDERS[kind] = builder


def document_dir() -> Path:
    configured = current_app.config.get("DOCUMENT_DIR")
    path = Path(configured) if configured else Path(current_app.instance_path) / "documents"
    path.mkdir(parents=True, exist_ok=True)
    return path


def start(kind: str, params: dict, *, title: str, download_name: str, actor) -> DocumentBuild:
    """Record the build, commit, and hand it to the worker (or build it at once when DOCUMENT_BUILDS is
    "inline", as the test suite does inside its transaction)."""
    build = DocumentBuild(kind=kind, params=params, title=title[:300], download_name=download_name[:160],
                          requested_by_id=actor.id)
    db.session.add(build)
    record("document.requested", build, summary=f"{kind} {params}"[:400])
    db.session.commit()
    if current_app.config.get("DOCUMENT_BUILDS") == "inline":
        build_now(build.id, inline=True)
    else:
        _submit(current_app._get_current_object(), build.id)
    return build


def _submit(app, build_id: int) -> None:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="documents")
    _executor.submit(_run_in_thread, app, build_id)


def _run_in_thread(app, build_id: int) -> None:
    with app.app_context(), app.test_request_context("/"):
        try:
            build_now(build_id)
        except Exception:  # recording the failure failed too (database gone): keep the worker alive
            log.exception("Document build %s could not be recorded", build_id)
        finally:
            db.session.remove()


class _Progress:
    """Writes done/total at most twice a second: on its own connection in the worker (so the builder's reading
    session is not committed under it), on the object itself inline."""

    def __init__(self, build: DocumentBuild, inline: bool):
        self.build, self.inline, self.last = build, inline, 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self.inline:
            self.build.done, self.build.total = done, total
            return
        if now - self.last < 0.5 and done < total:
            return
        self.last = now
        with db.engine.begin() as connection:
            connection.execute(update(DocumentBuild).where(DocumentBuild.id == self.build.id)
                               .values(done=done, total=total))


def build_now(build_id: int, inline: bool = False) -> DocumentBuild:
    """Build, then record the result; whatever fails marks the build failed and tells the requester."""
    build = db.session.get(DocumentBuild, build_id)
    build.status, build.started_at = "running", utcnow()
    db.session.commit()
    target = document_dir() / f"{secrets.token_hex(16)}.pdf"
    partial = target.with_suffix(".part")
    try:
        builder = BUILDERS[build.kind]  # a kind no longer known after an update fails like any other error
        with partial.open("wb") as out:
            builder(dict(build.params), out, _Progress(build, inline))
        partial.replace(target)
        # End the builder's reading transaction first: on SQLite a write from a snapshot older than the
        # progress updates' commits would be refused. Then read the row again, with the progress that was
        # written on another connection (whether or not the session expires its objects on commit).
        db.session.commit()
        build = db.session.get(DocumentBuild, build_id, populate_existing=True)
        build.file_name, build.size_bytes = target.name, target.stat().st_size
        build.status, build.finished_at = "done", utcnow()
        build.done = build.total = max(build.total, 1)
        notify([build.requested_by_id], f"document:{build.id}:done", "document",
               _l("Dokument fertig: %(title)s", title=build.title),
               link=url_for("documents.status", build_id=build.id))
        db.session.commit()
    except Exception as error:
        log.exception("Document build %s failed", build_id)
        db.session.rollback()
        partial.unlink(missing_ok=True)
        target.unlink(missing_ok=True)
        build = db.session.get(DocumentBuild, build_id)
        build.status, build.finished_at, build.file_name = "failed", utcnow(), None
        build.error = f"{type(error).__name__}: {error}"[:2000]
        notify([build.requested_by_id], f"document:{build.id}:failed", "document",
               _l("Dokument konnte nicht erstellt werden: %(title)s", title=build.title),
               link=url_for("documents.status", build_id=build.id), severity="danger")
        db.session.commit()
    return build


def build_for(user, build_id: int) -> DocumentBuild | None:
    """Only the person who asked for a document sees it (it may hold other people's data)."""
    build = db.session.get(DocumentBuild, build_id)
    if build is None or build.requested_by_id != user.id:
        return None
    if _fail_if_stale(build):
        db.session.commit()
    return build


def _fail_if_stale(build: DocumentBuild) -> bool:
    """A build that has not finished after STALE_AFTER died with its process: show it as failed."""
    if build.status in ("queued", "running") and build.created_at < utcnow() - STALE_AFTER:
        build.status, build.finished_at, build.error = "failed", utcnow(), "abgebrochen (Prozess beendet)"
        return True
    return False


def file_of(build: DocumentBuild) -> Path | None:
    if build.status != "done" or not build.file_name:
        return None
    path = document_dir() / build.file_name
    return path if path.exists() else None


def builds_of(user, limit: int = 20) -> list[DocumentBuild]:
    builds = list(db.session.scalars(select(DocumentBuild).where(DocumentBuild.requested_by_id == user.id)
                                     .order_by(DocumentBuild.created_at.desc()).limit(limit)))
    stale = [build for build in builds if _fail_if_stale(build)]
    if stale:
        db.session.commit()
    return builds


def purge_old_builds(on) -> int:
    """A retention task: documents are kept a week, then the file and the row go; so do files no row knows
    (the ``.part`` of a build whose process died, the documents of a deleted user)."""
    cutoff = utcnow() - KEEP_FOR
    old = db.session.execute(select(DocumentBuild.id, DocumentBuild.file_name)
                             .where(DocumentBuild.created_at < cutoff)).all()
    for _id, file_name in old:
        if file_name:
            (document_dir() / file_name).unlink(missing_ok=True)
    # Only the names build_now gives, should the folder be shared by mistake; a file is written after its row,
    # so it is never older than the row.
    for path in document_dir().iterdir():
        if GENERATED_NAME.fullmatch(path.name) and path.stat().st_mtime < cutoff.timestamp():
            path.unlink(missing_ok=True)
    if old:
        db.session.execute(delete(DocumentBuild).where(DocumentBuild.id.in_([row.id for row in old])))
    return len(old)
