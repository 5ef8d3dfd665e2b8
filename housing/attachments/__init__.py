"""Photos and documents attached to records: checked by content, stored outside static/, served after a check."""

from flask import Blueprint

bp = Blueprint("attachments", __name__, url_prefix="/attachments")

from . import views  # noqa: E402,F401
