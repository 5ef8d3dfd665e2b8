"""The JSON API (``/api/v1``): every area adds its resources here with ``@operation``."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import core, views  # noqa: E402,F401
