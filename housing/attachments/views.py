from flask import abort, send_file
from flask_login import current_user, login_required

from ..extensions import db
from . import bp
from .models import Attachment
from .services import can_view, path_of


def get_attachment_or_404(attachment_id: int) -> Attachment:
    """Load a file the current user may see; anything else is 404 (no hint that it exists)."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or not can_view(current_user, attachment):
        abort(404)
    return attachment


@bp.route("/<int:attachment_id>")
@login_required
def download(attachment_id):
    attachment = get_attachment_or_404(attachment_id)
    response = send_file(path_of(attachment), mimetype=attachment.content_type, download_name=attachment.original_name,
                         as_attachment=not attachment.is_image and attachment.content_type != "application/pdf")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:attachment_id>/thumbnail")
@login_required
def thumbnail(attachment_id):
    attachment = get_attachment_or_404(attachment_id)
    if not attachment.has_thumbnail:
        abort(404)
    response = send_file(path_of(attachment, thumbnail=True), mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, no-store"
    return response
