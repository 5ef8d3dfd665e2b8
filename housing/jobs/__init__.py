"""Scheduled jobs, reminders and the in-app inbox (and the e-mail copy of each message)."""

from flask import Blueprint

bp = Blueprint("jobs", __name__)

from . import views  # noqa: E402,F401


def init_area(app) -> None:
    from ..i18n import lazy_gettext as _l
    from ..main.registry import register_admin_section
    from .cli import register
    from .housekeeping import register_housekeeping_jobs

    register_admin_section("jobs.admin_jobs", _l("Geplante Aufgaben"),
                           _l("Erinnerungen und nächtliche Läufe: Zeitplan, letzte Läufe, Ergebnisse"), order=80)
    register_housekeeping_jobs()
    register(app)
