"""The Ankauf pipeline: problem properties from referral through inspection, orders and acquisition to letting."""

from flask import Blueprint

bp = Blueprint("properties", __name__)

from . import counts, views  # noqa: E402,F401


def init_area(app) -> None:
    """Navigation, start-page panel, file access and rule-change hooks of this area."""
    from ..attachments.services import register_access_rule
    from ..auth.permissions import register_rule
    from ..auth.roles import Role
    from ..i18n import lazy_gettext as _l
    from ..main.registry import register_admin_section, register_nav, register_panel
    from ..rules.registry import MIN_AREA_PER_PERSON, on_change
    from .jobs import register_jobs
    from .panels import officer_panel
    from .permissions import can_edit_cases, can_see_council_decision, can_view_board, can_view_cases
    from .services import refresh_all_overcrowding
    from .templating import register as register_badges

    register_nav("properties.cases", _l("Fälle"), {Role.HOUSING_OFFICER, Role.ADMIN}, order=10)
    register_nav("properties.board", _l("Ankauf"), {Role.HOUSING_OFFICER, Role.ADMIN, Role.MANAGEMENT},
                 order=11)
    register_admin_section("properties.social_areas", _l("Sozialräume"),
                           _l("Die Auswahlliste der Sozialräume Dortmunds"), order=30)
    register_panel({Role.HOUSING_OFFICER}, officer_panel, order=10)
    register_rule("view_cases", can_view_cases)
    register_rule("edit_cases", can_edit_cases)
    register_rule("view_board", can_view_board)
    register_rule("see_council_decision", can_see_council_decision)
    for subject_type in ("inspection", "defect", "order", "acquisition"):
        register_access_rule(subject_type, lambda user, attachment: can_view_cases(user))
    on_change(MIN_AREA_PER_PERSON, refresh_all_overcrowding)
    register_jobs()
    register_badges(app)
