"""Storing uploads safely: the type is read from the content (never the name or the browser's claim),
files get generated names under the upload directory, photos get a thumbnail."""

import hashlib
import io
import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import current_app
from PIL import Image, UnidentifiedImageError
from sqlalchemy import select

from ..audit.services import record
from ..clock import utcnow
from ..errors import ValidationFailed
from ..extensions import db
from ..i18n import gettext as _
from .models import Attachment

IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
PDF = "application/pdf"
THUMBNAIL_SIZE = (320, 320)
# Bigger images are refused outright rather than decoded (decompression bombs).
MAX_PIXELS = 60_000_000

# Who may see a subject's files: subject_type -> rule(user, attachment) -> bool. Areas register theirs.
ACCESS_RULES: dict[str, object] = {}


def register_access_rule(subject_type: str, rule) -> None:
    ACCESS_RULES[subject_type] = rule


def can_view(user, attachment: Attachment) -> bool:
    rule = ACCESS_RULES.get(attachment.subject_type or "")
    if attachment.subject_type is None:
        return attachment.uploaded_by_id == getattr(user, "id", None)
    return bool(rule and rule(user, attachment))


def _root() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def path_of(attachment: Attachment, thumbnail: bool = False) -> Path:
    folder = "thumbnails" if thumbnail else "files"
    return _root() / folder / attachment.stored_name[:2] / attachment.stored_name


def sniff(data: bytes) -> str | None:
    """The content type of ``data`` as its bytes show it, for the types this system accepts; else None."""
    if data.startswith(b"%PDF-"):
        return PDF
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                return None
            kind = IMAGE_FORMATS.get(image.format)
            image.verify()
            return kind
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None


def display_name(filename: str | None) -> str:
    """The name a file is shown and downloaded under: without folders, control or direction-changing characters
    (with U+202E, "rechnung<U+202E>fdp.exe" reads as "rechnungexe.pdf")."""
    name = os.path.basename((filename or "").replace("\\", "/"))
    name = "".join(char for char in name if char.isprintable()).strip()
    return name[:255] or "datei"


def store(file_storage, *, actor, property_id=None, subject_type=None, subject_id=None, staged=False,
          allowed=("image", "pdf"), field="photos") -> Attachment:
    """Check and store one uploaded file; raises ValidationFailed on ``field`` when it is refused."""
    name = display_name(file_storage.filename)
    data = file_storage.read(current_app.config["MAX_UPLOAD_BYTES"] + 1)
    limit_mb = current_app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024)
    if len(data) > current_app.config["MAX_UPLOAD_BYTES"]:
        raise ValidationFailed.on(field, _("„%(name)s“ ist größer als %(mb)s MB.", name=name, mb=limit_mb))
    if not data:
        raise ValidationFailed.on(field, _("„%(name)s“ ist leer.", name=name))
    content_type = sniff(data)
    is_image = content_type is not None and content_type.startswith("image/")
    if not ((is_image and "image" in allowed) or (content_type == PDF and "pdf" in allowed)):
        what = _("Fotos (JPEG, PNG, WebP) oder PDF") if "pdf" in allowed else _("Fotos (JPEG, PNG, WebP)")
        message = _("„%(name)s“ wurde abgelehnt: erlaubt sind nur %(what)s.", name=name, what=what)
        raise ValidationFailed.on(field, message)
    attachment = Attachment(
        property_id=property_id, subject_type=subject_type, subject_id=subject_id,
        staging_token=secrets.token_urlsafe(24) if staged else None,
        original_name=name, stored_name=secrets.token_hex(16), content_type=content_type, size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(), uploaded_by_id=actor.id if actor else None,
    )
    target = path_of(attachment)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    if content_type.startswith("image/"):
        attachment.has_thumbnail = _write_thumbnail(data, path_of(attachment, thumbnail=True))
    db.session.add(attachment)
    db.session.flush()
    if not staged:
        record("attachment.create", attachment, actor=actor, summary=name)
    return attachment


def _write_thumbnail(data: bytes, target: Path) -> bool:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image = image.convert("RGB")
            image.thumbnail(THUMBNAIL_SIZE)
            target.parent.mkdir(parents=True, exist_ok=True)
            image.save(target, "JPEG", quality=82)
        return True
    except (OSError, ValueError):
        return False


def staged_by_tokens(tokens, actor) -> list[Attachment]:
    """The actor's own staged files for these tokens (others' tokens are ignored)."""
    tokens = [token for token in tokens if token]
    if not tokens:
        return []
    return list(db.session.scalars(select(Attachment).where(
        Attachment.staging_token.in_(tokens), Attachment.uploaded_by_id == actor.id)))


def attach(attachments, *, subject_type: str, subject_id: int, property_id: int | None, actor) -> None:
    """Give staged files their record; from now on they are the record's files."""
    for attachment in attachments:
        attachment.subject_type = subject_type
        attachment.subject_id = subject_id
        attachment.property_id = property_id
        attachment.staging_token = None
        record("attachment.create", attachment, actor=actor, summary=attachment.original_name)


def files_of(subject_type: str, subject_ids) -> dict[int, list[Attachment]]:
    """Files of many records at once (one query), by record id."""
    ids = list(subject_ids)
    result: dict[int, list[Attachment]] = {subject_id: [] for subject_id in ids}
    if not ids:
        return result
    rows = db.session.scalars(select(Attachment).where(
        Attachment.subject_type == subject_type, Attachment.subject_id.in_(ids)).order_by(Attachment.id))
    for attachment in rows:
        result[attachment.subject_id].append(attachment)
    return result


def purge_stale_staged(max_age: timedelta = timedelta(days=1)) -> int:
    """Remove staged files nobody came back for (a job; returns how many)."""
    stale = db.session.scalars(select(Attachment).where(
        Attachment.staging_token.is_not(None), Attachment.uploaded_at < utcnow() - max_age)).all()
    for attachment in stale:
        for thumbnail in (False, True):
            path_of(attachment, thumbnail).unlink(missing_ok=True)
        db.session.delete(attachment)
    return len(stale)
