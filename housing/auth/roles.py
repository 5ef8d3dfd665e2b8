"""The roles a user can hold; a person may hold several."""

from enum import StrEnum

from ..i18n import lazy_gettext as _l


class Role(StrEnum):
    ADMIN = "admin"
    HOUSING_OFFICER = "housing_officer"
    SUPERVISOR = "supervisor"
    TENANT_ADVISOR = "tenant_advisor"
    MANAGEMENT = "management"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.ADMIN: _l("Administration"),
    Role.HOUSING_OFFICER: _l("Wohnungsaufsicht"),
    Role.SUPERVISOR: _l("Anleitung Viertelwerk"),
    Role.TENANT_ADVISOR: _l("Wohnraumvermittlung"),
    Role.MANAGEMENT: _l("Leitung"),
}
