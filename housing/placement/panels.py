"""The tenant advisor's start page: aftercare contacts due, offers waiting, the longest-waiting households."""

from flask import url_for
from sqlalchemy import select

from ..extensions import db
from ..i18n import gettext as _
from ..main.registry import DueItem, Panel
from .models import OPEN_OFFERS, Applicant, ApplicantStatus, Offer
from .services import aftercare_due


def advisor_panel(user, today) -> Panel:
    items = []
    for tenancy, due_on in aftercare_due(user, today, limit=10):
        items.append(DueItem(_("Nachbetreuung: %(name)s", name=tenancy.applicant.name),
                             url=url_for("placement.tenancy", tenancy_id=tenancy.id), due_on=due_on,
                             severity="danger" if due_on < today else "warning"))
    waiting = db.session.scalars(select(Offer).join(Applicant).where(
        Applicant.advisor_id == user.id, Offer.status.in_(OPEN_OFFERS)).order_by(Offer.status_changed_at).limit(10))
    for offer in waiting:
        items.append(DueItem(_("Angebot %(status)s: %(name)s", status=offer.status.label, name=offer.applicant.name),
                             url=url_for("placement.offer", offer_id=offer.id)))
    longest = db.session.scalars(select(Applicant).where(
        Applicant.advisor_id == user.id, Applicant.status == ApplicantStatus.SEARCHING)
        .order_by(Applicant.urgency_rank.desc(), Applicant.registered_on).limit(5))
    for applicant in longest:
        items.append(DueItem(_("Wohnung suchen: %(name)s (%(urgency)s)", name=applicant.name,
                               urgency=applicant.urgency.label),
                             url=url_for("placement.household", applicant_id=applicant.id)))
    return Panel(title=_("Wohnraumvermittlung"), items=items, empty_text=_("Heute ist in Ihrem Bestand nichts fällig."),
                 link_url=url_for("placement.households"), link_text=_("Zu Ihren Haushalten"))
