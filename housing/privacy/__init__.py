"""Data protection (DOMAIN.md section 7): subject access (Art. 15 GDPR), retention by record class, and the
database's protection of the append-only audit log. Admins only: the data protection officer's tools."""

from flask import Blueprint

bp = Blueprint("privacy", __name__, url_prefix="/admin/privacy")

from . import views  # noqa: E402,F401


def init_area(app) -> None:
    from ..i18n import lazy_gettext as _l
    from ..main.registry import register_admin_section
    from .retention import register_tasks

    register_admin_section("privacy.subjects", _l("Auskunft (Art. 15 DSGVO)"),
                           _l("Alles über eine Person: Daten, Verlauf, wer sie gesehen hat – als PDF und JSON"),
                           order=85)
    register_admin_section("privacy.retention", _l("Aufbewahrung"),
                           _l("Fristen je Datenart und was der nächste nächtliche Lauf anonymisiert oder löscht"),
                           order=86)
    register_tasks()
