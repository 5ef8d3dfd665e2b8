"""Imports of the city's existing lists (CSV or XLSX): all or nothing, through the areas' own services."""

from flask import Blueprint

bp = Blueprint("imports", __name__)

from . import views  # noqa: E402,F401


def init_area(app) -> None:
    from ..i18n import lazy_gettext as _l
    from ..main.registry import register_admin_section
    from .cli import import_command

    register_admin_section("imports.upload", _l("Listen importieren"),
                           _l("Vorhandene Listen (CSV oder Excel) übernehmen: alles oder nichts, mit Probelauf"),
                           order=60)
    app.cli.add_command(import_command)
