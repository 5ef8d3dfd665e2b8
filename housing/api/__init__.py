"""The JSON API (``/api/v1``): every area adds its resources here with ``@operation``."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Each area's resources, added to the blueprint before the app registers it.
from ..placement import api as _placement_api  # noqa: E402,F401
from ..properties import api as _properties_api  # noqa: E402,F401
from ..renovation import api as _renovation_api  # noqa: E402,F401
from . import core, views  # noqa: E402,F401
