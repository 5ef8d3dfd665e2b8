"""The housing officer's start page: deadlines overdue or due within two weeks."""

from flask import url_for
from flask_babel import ngettext

from ..i18n import gettext as _
from ..main.registry import DueItem, Panel
from .services import due_soon


def describe_due(deadline, on) -> str:
    days = deadline.days_left(on)
    if days < 0:
        return ngettext("seit %(num)d Tag überfällig", "seit %(num)d Tagen überfällig", -days)
    if days == 0:
        return _("heute fällig")
    return ngettext("fällig in %(num)d Tag", "fällig in %(num)d Tagen", days)


def officer_panel(user, today) -> Panel:
    items = []
    for deadline in due_soon(today):
        state = deadline.state(today)
        items.append(DueItem(
            text=f"{deadline.address}: {deadline.text} – {describe_due(deadline, today)}",
            url=url_for("properties.detail", property_id=deadline.property_id),
            due_on=deadline.due_on,
            severity={"overdue": "danger", "soon": "warning"}.get(state, "info"),
        ))
    return Panel(title=_("Fristen"), items=items, empty_text=_("Keine Frist ist überschritten oder in den nächsten "
                                                               "zwei Wochen fällig."),
                 link_url=url_for("properties.cases", overdue="y"), link_text=_("Alle Fälle mit überschrittener Frist"))
