"""Management's start-page panel: the headline figures of both strategies, each leading to its report."""

from flask import url_for

from ..i18n import fmt_count, ngettext
from ..i18n import gettext as _
from ..main.registry import DueItem, Panel
from ..placement.counts import households_by_status
from ..placement.models import ApplicantStatus
from ..properties.counts import open_cases


def management_panel(user, today) -> Panel:
    """Counts the database keeps (properties/counts.py, placement/counts.py): a few small queries at most."""
    cases = open_cases()
    households = households_by_status(statuses=[ApplicantStatus.SEARCHING, ApplicantStatus.AT_RISK])
    searching, at_risk = households.get(ApplicantStatus.SEARCHING, 0), households.get(ApplicantStatus.AT_RISK, 0)
    items = [
        DueItem(_("Ankauf: %(cases)s offene Fälle im Verfahren", cases=fmt_count(cases)),
                url=url_for("properties.board")),
        DueItem(_("Wohnungszugang: %(households)s suchen eine Wohnung, %(tenancies)s gefährdet",
                  households=ngettext("%(count)s Haushalt", "%(count)s Haushalte", searching,
                                      count=fmt_count(searching)),
                  tenancies=ngettext("%(count)s Mietverhältnis", "%(count)s Mietverhältnisse", at_risk,
                                     count=fmt_count(at_risk))),
                url=url_for("placement.overview_page"), severity="warning" if at_risk else "info"),
        DueItem(_("Viertelwerk: Stunden und Anwesenheit je Projekt"), url=url_for("renovation.report")),
    ]
    return Panel(title=_("Berichte"), items=items, link_url=url_for("documents.programme"),
                 link_text=_("Programmbericht für Rat und Fördergeber erstellen"))
