"""Who sees what of housing access: tenant advisors and admins work with households; housing officers see
the flats of acquired buildings, not the households; management sees aggregates only."""

from ..auth.roles import Role

CASEWORK_ROLES = (Role.TENANT_ADVISOR, Role.ADMIN)
FLAT_ROLES = (Role.TENANT_ADVISOR, Role.ADMIN, Role.HOUSING_OFFICER)
OVERVIEW_ROLES = (Role.TENANT_ADVISOR, Role.ADMIN, Role.MANAGEMENT)


def can_see_households(user) -> bool:
    return user.is_authenticated and user.has_role(*CASEWORK_ROLES)


# The admin's switch: advisors see only the households they are the advisor of (admins always see all).
CASELOAD_ONLY = "advisor_caseload_only"


def own_caseload_of(user) -> int | None:
    """The advisor whose households ``user`` is limited to, or None for all of them."""
    if user.has_role(Role.ADMIN) or not _caseload_only():
        return None
    return user.id


def _caseload_only() -> bool:
    """The admin's switch, read once per request (a page asks for it in its filters, its lists and its links: the
    same number of queries whichever of them it takes)."""
    from flask import g, has_request_context

    from ..rules.services import setting

    if not has_request_context():
        return bool(setting(CASELOAD_ONLY, False))
    if "placement_caseload_only" not in g:
        g.placement_caseload_only = bool(setting(CASELOAD_ONLY, False))
    return g.placement_caseload_only


def within_caseload(stmt, user, applicant_id):
    """``stmt`` (offers, tenancies …) limited to the households ``user`` may see; ``applicant_id`` is the column
    naming the household."""
    from .models import Applicant

    limit = own_caseload_of(user)
    if limit is None:
        return stmt
    return stmt.join(Applicant, Applicant.id == applicant_id).where(Applicant.advisor_id == limit)


def may_see_applicant(user, applicant) -> bool:
    limit = own_caseload_of(user)
    return limit is None or applicant.advisor_id == limit


def can_see_health_note(user, applicant) -> bool:
    """Health data (Art. 9 GDPR) only for the advisors working with households, not for admins or others."""
    return user.has_role(Role.TENANT_ADVISOR) and may_see_applicant(user, applicant)
