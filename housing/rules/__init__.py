"""Rule tables: date-versioned figures the rules depend on, editable by an admin (never constants in code)."""

from flask import Blueprint

bp = Blueprint("rules", __name__, url_prefix="/admin/rules")

from . import views  # noqa: E402,F401
