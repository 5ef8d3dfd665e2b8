"""Viertelwerk: renovation projects on acquired buildings, run as employment projects."""

from flask import Blueprint

bp = Blueprint("renovation", __name__, url_prefix="/viertelwerk")

from . import templating, views  # noqa: E402,F401


def init_area(app) -> None:
    """Navigation and the supervisor's start page."""
    from ..documents.services import register_builder
    from ..i18n import lazy_gettext as _l
    from ..main.registry import register_nav, register_panel
    from .jobs import register_jobs
    from .panels import supervisor_panel
    from .permissions import CREW_ROLES, PROGRESS_ROLES
    from .views import build_month_timesheets

    register_nav("renovation.projects", _l("Viertelwerk"), PROGRESS_ROLES, order=20)
    register_nav("renovation.participant_list", _l("Teilnehmende"), CREW_ROLES, order=21)
    register_nav("renovation.report", _l("Stunden"), PROGRESS_ROLES, order=22)
    register_panel(CREW_ROLES, supervisor_panel, order=20)
    register_jobs()
    register_builder("timesheets", build_month_timesheets)
