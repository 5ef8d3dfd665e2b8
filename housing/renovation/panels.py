"""The supervisor's start page: today's sheets and months still to approve."""

from flask import url_for
from flask_babel import ngettext
from sqlalchemy import select

from ..auth.roles import Role
from ..extensions import db
from ..i18n import fmt_month
from ..i18n import gettext as _
from ..main.registry import DueItem, Panel
from .hours import month_start, unapproved_past_months
from .models import Participant, RenovationProject
from .participants import visible_to
from .services import projects_for


def supervisor_panel(user, today) -> Panel:
    items = []
    if user.has_role(Role.SUPERVISOR):
        for project in projects_for(user):
            if project.is_supervised_by(user) and project.status.value in ("planned", "active"):
                items.append(DueItem(_("Stunden erfassen: %(project)s", project=project.name),
                                     url=url_for("renovation.crew_sheet", project_id=project.id)))
    # The people whose measure began before this month, as plain rows: the panel names only their projects.
    crew = db.session.execute(visible_to(user, select(
        Participant.id, Participant.first_name, Participant.last_name, Participant.starts_on, Participant.ends_on,
        RenovationProject.id.label("project_id"), RenovationProject.name.label("project_name"))
        .join(RenovationProject, RenovationProject.id == Participant.project_id)
        .where(Participant.starts_on < month_start(today)))).all()
    open_months: dict[tuple, int] = {}
    for participant, month in unapproved_past_months(crew, today):
        key = (month, participant.project_name, participant.project_id)
        open_months[key] = open_months.get(key, 0) + 1
    for (month, project_name, project_id), count in sorted(open_months.items()):
        items.append(DueItem(
            ngettext("%(project)s: %(month)s für %(num)d Person freigeben",
                     "%(project)s: %(month)s für %(num)d Personen freigeben", count, project=project_name,
                     month=fmt_month(month)),
            url=url_for("renovation.crew_month", project_id=project_id, month=month.strftime("%Y-%m")),
            severity="warning"))
    return Panel(title=_("Viertelwerk"), items=items, empty_text=_("Alle vergangenen Monate sind freigegeben."),
                 link_url=url_for("renovation.projects"), link_text=_("Zu den Projekten"))
