"""Housing access (Wohnungszugangsstrategie): households, landlords, flats, explained matching, offers,
tenancies and aftercare."""

from flask import Blueprint

bp = Blueprint("placement", __name__, url_prefix="/placement")

from . import counts, views  # noqa: E402,F401


def init_area(app) -> None:
    """Navigation, the advisor's start page, and the last guard of the Ankauf pipeline ("let")."""
    from ..i18n import lazy_gettext as _l
    from ..main.registry import register_admin_section, register_nav, register_panel
    from .jobs import register_jobs
    from .panels import advisor_panel
    from .permissions import CASEWORK_ROLES, FLAT_ROLES, OVERVIEW_ROLES
    from .services import register_pipeline_guard
    from .templating import register as register_templating

    register_nav("placement.households", _l("Haushalte"), CASEWORK_ROLES, order=30)
    register_nav("placement.flats", _l("Wohnungen"), FLAT_ROLES, order=31)
    register_nav("placement.landlords", _l("Vermietende"), CASEWORK_ROLES, order=32)
    register_nav("placement.overview_page", _l("Vermittlung"), OVERVIEW_ROLES, order=33)
    register_admin_section("rules.kdu", _l("KdU-Richtwerte"),
                           _l("Angemessene Kosten der Unterkunft je Haushaltsgröße, mit Gültigkeitsdatum"), order=25)
    register_panel(CASEWORK_ROLES, advisor_panel, order=30)
    register_pipeline_guard()
    register_jobs()
    register_templating(app)
