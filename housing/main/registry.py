"""What the areas contribute to the shell: navigation entries and start-page panels per role."""

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy string
    roles: frozenset
    order: int = 100


@dataclass
class DueItem:
    text: str
    url: str | None = None
    due_on: date | None = None
    severity: str = "info"  # info, warning, danger


@dataclass
class Panel:
    title: str
    items: list[DueItem] = field(default_factory=list)
    empty_text: str = ""
    link_url: str | None = None
    link_text: str | None = None


NAV_ITEMS: list[NavItem] = []
PANEL_PROVIDERS: list[tuple[frozenset, int, object]] = []


def register_nav(endpoint: str, label, roles, order: int = 100) -> None:
    if all(item.endpoint != endpoint for item in NAV_ITEMS):
        NAV_ITEMS.append(NavItem(endpoint, label, frozenset(roles), order))
        NAV_ITEMS.sort(key=lambda item: item.order)


def nav_for(user) -> list[NavItem]:
    return [item for item in NAV_ITEMS if user.has_role(*item.roles)]


def register_panel(roles, provider, order: int = 100) -> None:
    """``provider(user, today)`` returns a Panel for the start page of users holding any of ``roles``."""
    if all(existing is not provider for _roles, _order, existing in PANEL_PROVIDERS):
        PANEL_PROVIDERS.append((frozenset(roles), order, provider))
        PANEL_PROVIDERS.sort(key=lambda entry: entry[1])


def panels_for(user, today: date) -> list[Panel]:
    return [provider(user, today) for roles, _order, provider in PANEL_PROVIDERS if user.has_role(*roles)]


@dataclass(frozen=True)
class AdminSection:
    endpoint: str
    label: object
    description: object
    order: int = 100


ADMIN_SECTIONS: list[AdminSection] = []


def register_admin_section(endpoint: str, label, description, order: int = 100) -> None:
    """A link on the administration page (rather than in the main navigation)."""
    if all(section.endpoint != endpoint for section in ADMIN_SECTIONS):
        ADMIN_SECTIONS.append(AdminSection(endpoint, label, description, order))
        ADMIN_SECTIONS.sort(key=lambda section: section.order)
