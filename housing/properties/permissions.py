"""Who may see and change the enforcement side (DOMAIN.md section 2; issue: officers and admins edit,
management reads aggregates, others see nothing)."""

from ..auth.roles import Role

CASE_ROLES = (Role.HOUSING_OFFICER, Role.ADMIN)
BOARD_ROLES = (Role.HOUSING_OFFICER, Role.ADMIN, Role.MANAGEMENT)


def can_view_cases(user) -> bool:
    return user.is_authenticated and user.has_role(*CASE_ROLES)


def can_edit_cases(user) -> bool:
    return user.is_authenticated and user.has_role(*CASE_ROLES)


def can_view_board(user) -> bool:
    return user.is_authenticated and user.has_role(*BOARD_ROLES)


def can_see_council_decision(user) -> bool:
    """Council decisions on purchases are taken in closed session."""
    return user.is_authenticated and user.has_role(*CASE_ROLES)
