"""Who sees what of housing access: tenant advisors and admins work with households; housing officers see
the flats of acquired buildings, not the households; management sees aggregates only."""

from ..auth.roles import Role

CASEWORK_ROLES = (Role.TENANT_ADVISOR, Role.ADMIN)
FLAT_ROLES = (Role.TENANT_ADVISOR, Role.ADMIN, Role.HOUSING_OFFICER)
OVERVIEW_ROLES = (Role.TENANT_ADVISOR, Role.ADMIN, Role.MANAGEMENT)


def can_see_households(user) -> bool:
    return user.is_authenticated and user.has_role(*CASEWORK_ROLES)
