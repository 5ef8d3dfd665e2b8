"""The case status and priority as badges, for the lists, the board and the case file (see housing/templating.py)."""

from flask_babel import gettext as _
from markupsafe import Markup

from ..templating import badge
from .models import CaseStatus, Priority

STATUS_TONES = {
    CaseStatus.REPORTED: "neutral", CaseStatus.REGISTERED: "neutral", CaseStatus.INSPECTED: "warning",
    CaseStatus.OWNER_ENGAGED: "warning", CaseStatus.ORDER_ISSUED: "danger", CaseStatus.ACQUISITION_REVIEW: "warning",
    CaseStatus.ACQUIRING: "warning", CaseStatus.ACQUIRED: "success", CaseStatus.IN_RENOVATION: "success",
    CaseStatus.READY_FOR_LETTING: "success", CaseStatus.LET: "success", CaseStatus.RESOLVED_BY_OWNER: "muted",
    CaseStatus.DEMOLISHED: "muted", CaseStatus.DELISTED: "muted",
}
PRIORITY_TONES = {Priority.LOW: "muted", Priority.MEDIUM: "neutral", Priority.HIGH: "warning",
                  Priority.HIGHEST: "danger"}


def status_badge(status: CaseStatus | None) -> Markup:
    if status is None:
        return badge(_("kein Problemfall"), "muted")
    return badge(status.label, STATUS_TONES[status])


def priority_badge(priority: Priority) -> Markup:
    return badge(priority.label, PRIORITY_TONES[priority])


def register(app) -> None:
    app.jinja_env.globals.update(status_badge=status_badge, priority_badge=priority_badge)
