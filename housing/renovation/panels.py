"""The supervisor's start page: today's sheets and months still to approve."""

from datetime import timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ..auth.roles import Role
from ..clock import EARLIEST_DAY
from ..main.registry import DueItem, Panel
from .hours import month_start, unapproved_past_months
from .participants import crew_between
from .reports import month_title
from .services import projects_for


def supervisor_panel(user, today) -> Panel:
    items = []
    if user.has_role(Role.SUPERVISOR):
        for project in projects_for(user):
            if project.is_supervised_by(user) and project.status.value in ("planned", "active"):
                items.append(DueItem(_("Stunden erfassen: %(project)s", project=project.name),
                                     url=url_for("renovation.crew_sheet", project_id=project.id)))
    open_months: dict[tuple, int] = {}
    crew = crew_between(user, EARLIEST_DAY, month_start(today) - timedelta(days=1))
    for participant, month in unapproved_past_months(crew, today):
        key = (participant.project, month)
        open_months[key] = open_months.get(key, 0) + 1
    for (project, month), count in sorted(open_months.items(), key=lambda item: (item[0][1], item[0][0].name)):
        items.append(DueItem(
            ngettext("%(project)s: %(month)s für %(num)d Person freigeben",
                     "%(project)s: %(month)s für %(num)d Personen freigeben", count, project=project.name,
                     month=month_title(month)),
            url=url_for("renovation.crew_month", project_id=project.id, month=month.strftime("%Y-%m")),
            severity="warning"))
    return Panel(title=_("Viertelwerk"), items=items, empty_text=_("Alle vergangenen Monate sind freigegeben."),
                 link_url=url_for("renovation.projects"), link_text=_("Zu den Projekten"))
