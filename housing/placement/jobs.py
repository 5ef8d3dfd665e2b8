"""Housing-access reminders to the household's advisor (or every advisor when none is set): aftercare contacts
due, WBS expiring within 30 days, consents expiring within 30 days.

Titles carry a household number, not a name (they go out by e-mail); the name is in the inbox body.
"""

from datetime import date, timedelta

from flask import url_for
from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from ..auth.models import User
from ..auth.roles import Role
from ..auth.services import active_user_ids_with_role
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..jobs.registry import Outcome, Reminder, register_job
from .models import APPLICANT_FLOW, Applicant, ApplicantStatus, Consent, ConsentPurpose, SupportContact, Tenancy

AFTERCARE_NOTICE = timedelta(days=7)
EXPIRY_NOTICE = timedelta(days=30)
# While a household is looking for a flat, an expiring WBS blocks offers.
SEARCH_STATUSES = APPLICANT_FLOW[:APPLICANT_FLOW.index(ApplicantStatus.CONTRACT_SIGNED)]
CLOSED_STATUSES = (ApplicantStatus.WITHDRAWN, ApplicantStatus.LOST_CONTACT, ApplicantStatus.STABILISED)


class _Advisors:
    """The household's advisor while their account is active; else (none set, or they have left) every advisor."""

    def __init__(self, rows):
        advisor_ids = {row.advisor_id for row in rows if row.advisor_id}
        self._active = set(db.session.scalars(select(User.id).where(
            User.id.in_(advisor_ids), User.is_active.is_(True)))) if advisor_ids else set()
        self._everyone = None

    def of(self, advisor_id: int | None) -> frozenset[int]:
        if advisor_id in self._active:
            return frozenset({advisor_id})
        if self._everyone is None:
            self._everyone = active_user_ids_with_role(Role.TENANT_ADVISOR)
        return self._everyone


def _household(row) -> dict:
    return {"number": row.applicant_id}


def aftercare_reminders(on: date) -> Outcome:
    """The latest contact of each running tenancy names the next one due: once a week before, once when overdue.
    A stabilised, withdrawn or lost household gets no more aftercare."""
    later = aliased(SupportContact)
    rows = db.session.execute(
        select(SupportContact.id, SupportContact.next_due_on, Tenancy.id.label("tenancy_id"),
               Applicant.id.label("applicant_id"), Applicant.first_name, Applicant.last_name, Applicant.advisor_id)
        .join(Tenancy, Tenancy.id == SupportContact.tenancy_id)
        .join(Applicant, Applicant.id == Tenancy.applicant_id)
        .where(SupportContact.next_due_on.is_not(None), SupportContact.next_due_on <= on + AFTERCARE_NOTICE,
               (Tenancy.ends_on.is_(None)) | (Tenancy.ends_on >= on), Applicant.status.not_in(CLOSED_STATUSES),
               ~exists().where(later.tenancy_id == SupportContact.tenancy_id,
                               (later.contact_on > SupportContact.contact_on)
                               | ((later.contact_on == SupportContact.contact_on) & (later.id > SupportContact.id))))
    ).all()
    advisors = _Advisors(rows)
    reminders = []
    for row in rows:
        overdue = row.next_due_on < on
        title = (_l("Nachbetreuung überfällig seit %(date)s (Haushalt Nr. %(number)s)",
                    date=f"{row.next_due_on:%d.%m.%Y}", **_household(row)) if overdue else
                 _l("Nachbetreuung fällig am %(date)s (Haushalt Nr. %(number)s)",
                    date=f"{row.next_due_on:%d.%m.%Y}", **_household(row)))
        reminders.append(Reminder(advisors.of(row.advisor_id),
                                  f"aftercare:{row.id}:{'overdue' if overdue else 'due'}:{row.next_due_on}",
                                  "aftercare_due", title, body=f"{row.first_name} {row.last_name}",
                                  link=url_for("placement.tenancy", tenancy_id=row.tenancy_id),
                                  severity="danger" if overdue else "warning"))
    return Outcome(reminders, f"{len(rows)} Nachbetreuungskontakte fällig bis {on + AFTERCARE_NOTICE:%d.%m.%Y}")


def wbs_reminders(on: date) -> Outcome:
    rows = db.session.execute(
        select(Applicant.id.label("applicant_id"), Applicant.first_name, Applicant.last_name, Applicant.advisor_id,
               Applicant.wbs_valid_until)
        .where(Applicant.status.in_(SEARCH_STATUSES), Applicant.wbs_valid_until >= on,
               Applicant.wbs_valid_until <= on + EXPIRY_NOTICE)).all()
    advisors = _Advisors(rows)
    reminders = [
        Reminder(advisors.of(row.advisor_id), f"wbs:{row.applicant_id}:{row.wbs_valid_until}", "wbs_expiring",
                 _l("WBS läuft am %(date)s ab (Haushalt Nr. %(number)s)", date=f"{row.wbs_valid_until:%d.%m.%Y}",
                    **_household(row)),
                 body=f"{row.first_name} {row.last_name}",
                 link=url_for("placement.household", applicant_id=row.applicant_id), severity="warning")
        for row in rows]
    return Outcome(reminders, f"{len(rows)} WBS laufen bis {on + EXPIRY_NOTICE:%d.%m.%Y} ab")


def consent_reminders(on: date) -> Outcome:
    """A consent running out, unless a newer one for the same purpose outlasts it (the advisor has renewed it)."""
    renewal = aliased(Consent)
    rows = db.session.execute(
        select(Consent.id, Consent.purpose, Consent.expires_on, Applicant.id.label("applicant_id"),
               Applicant.first_name, Applicant.last_name, Applicant.advisor_id)
        .join(Applicant, Applicant.id == Consent.applicant_id)
        .where(Consent.revoked_on.is_(None), Consent.expires_on >= on, Consent.expires_on <= on + EXPIRY_NOTICE,
               Applicant.status.not_in(CLOSED_STATUSES),
               ~exists().where(renewal.applicant_id == Consent.applicant_id, renewal.purpose == Consent.purpose,
                               renewal.id != Consent.id, renewal.revoked_on.is_(None),
                               renewal.expires_on.is_(None) | (renewal.expires_on > Consent.expires_on)))).all()
    advisors = _Advisors(rows)
    reminders = []
    for row in rows:
        reminders.append(Reminder(
            advisors.of(row.advisor_id), f"consent:{row.id}:{row.expires_on}", "consent_expiring",
            _l("Einwilligung „%(purpose)s“ läuft am %(date)s ab (Haushalt Nr. %(number)s)",
               purpose=ConsentPurpose.LABELS[ConsentPurpose(row.purpose)], date=f"{row.expires_on:%d.%m.%Y}",
               **_household(row)),
            body=f"{row.first_name} {row.last_name}",
            link=url_for("placement.household", applicant_id=row.applicant_id), severity="warning"))
    return Outcome(reminders, f"{len(rows)} Einwilligungen laufen bis {on + EXPIRY_NOTICE:%d.%m.%Y} ab")


def register_jobs() -> None:
    register_job("aftercare-due", _l("Fällige Nachbetreuung"),
                 _l("Erinnert eine Woche vor dem nächsten Kontakt und bei Überschreitung."),
                 {"hour": 6, "minute": 20}, aftercare_reminders)
    register_job("wbs-expiring", _l("Ablaufende Wohnberechtigungsscheine"),
                 _l("Haushalte auf Wohnungssuche, deren WBS in 30 Tagen abläuft."), {"hour": 6, "minute": 25},
                 wbs_reminders)
    register_job("consents-expiring", _l("Ablaufende Einwilligungen"),
                 _l("Einwilligungen, die in 30 Tagen ablaufen."), {"hour": 6, "minute": 30}, consent_reminders)
