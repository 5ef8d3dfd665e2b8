"""Documents built outside the request, with progress: the programme report and a month's timesheets."""

from flask import Blueprint

bp = Blueprint("documents", __name__, url_prefix="/documents")

from . import views  # noqa: E402,F401


def init_area(app) -> None:
    from flask_babel import lazy_gettext as _l

    from ..auth.roles import Role
    from ..jobs.housekeeping import register_retention_task
    from ..main.registry import register_nav
    from .services import purge_old_builds, register_builder
    from .views import build_programme_report

    register_nav("documents.programme", _l("Programmbericht"), {Role.MANAGEMENT, Role.ADMIN}, order=50)
    register_builder("programme", build_programme_report)
    register_retention_task("documents", purge_old_builds)
