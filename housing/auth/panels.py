"""The administration's start-page panel: accounts and logins that need a look."""

from datetime import timedelta

from flask import url_for
from flask_babel import ngettext
from sqlalchemy import func, select

from ..audit.models import AuditEvent
from ..clock import utcnow
from ..extensions import db
from ..i18n import gettext as _
from ..main.registry import DueItem, Panel
from .models import User


def admin_panel(user, today) -> Panel:
    failed = db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "login.failed", AuditEvent.occurred_at >= utcnow() - timedelta(hours=24)
        )
    )
    never_logged_in = db.session.scalar(
        select(func.count(User.id)).where(User.is_active.is_(True), User.last_login_at.is_(None))
    )
    items = []
    if failed:
        items.append(DueItem(
            ngettext("%(num)d fehlgeschlagene Anmeldung in den letzten 24 Stunden",
                     "%(num)d fehlgeschlagene Anmeldungen in den letzten 24 Stunden", failed),
            url=url_for("audit.events", action="login.failed"), severity="warning" if failed >= 10 else "info",
        ))
    if never_logged_in:
        items.append(DueItem(
            ngettext("%(num)d aktives Konto wurde noch nie benutzt",
                     "%(num)d aktive Konten wurden noch nie benutzt", never_logged_in),
            url=url_for("auth.users"),
        ))
    return Panel(title=_("Konten und Anmeldungen"), items=items,
                 empty_text=_("Keine Auffälligkeiten bei Konten und Anmeldungen."),
                 link_url=url_for("audit.events"), link_text=_("Zum Audit-Log"))
