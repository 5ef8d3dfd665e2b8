"""Documents built outside the request, with progress: the programme report and a month's timesheets."""

from flask import Blueprint

bp = Blueprint("documents", __name__, url_prefix="/documents")

from . import views  # noqa: E402,F401


def init_area(app) -> None:
    from ..auth.roles import Role
    from ..i18n import lazy_gettext as _l
    from ..jobs.housekeeping import register_retention_task
    from ..main.registry import register_admin_section, register_nav
    from .services import purge_old_builds, register_builder
    from .views import build_programme_report

    # Management's report; admins reach it from the administration page.
    register_nav("documents.programme", _l("Programmbericht"), {Role.MANAGEMENT}, order=50)
    register_admin_section("documents.programme", _l("Programmbericht"),
                           _l("Zahlen für Fördermittelgeber und Rat über einen Zeitraum (PDF)"), order=70)
    register_builder("programme", build_programme_report)
    register_retention_task("documents", _l("erstellte Dokumente nach einer Woche"), purge_old_builds)
