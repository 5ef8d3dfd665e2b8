"""The Ankauf reminders: defect and order deadlines, pre-emption deadlines; and the nightly overcrowding check.

Reminders go to the officers who inspected the building, or to every housing officer when nobody has yet (or
everyone who did has left).
The key holds the deadline, so a moved deadline is announced again, an unchanged one never twice.
"""

from collections import defaultdict
from datetime import date, timedelta

from flask import url_for
from sqlalchemy import select

from ..auth.models import User
from ..auth.roles import Role
from ..auth.services import active_user_ids_with_role
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..jobs.registry import Outcome, Reminder, register_job
from .models import (
    OPEN_STATUSES,
    Acquisition,
    Defect,
    DefectCategory,
    Inspection,
    Order,
    OrderStatus,
    OrderType,
    Property,
    inspection_officers,
)
from .services import refresh_all_overcrowding

DUE_SOON = timedelta(days=7)
PREEMPTION_STAGES = (("4w", timedelta(weeks=4)), ("1w", timedelta(weeks=1)))


def _officers_by_property(property_ids) -> dict[int, frozenset[int]]:
    """The active officers named on a building's inspections; every housing officer when none of them is left."""
    everyone = None
    found = defaultdict(set)
    if property_ids:
        rows = db.session.execute(
            select(Inspection.property_id, inspection_officers.c.user_id)
            .join(inspection_officers, inspection_officers.c.inspection_id == Inspection.id)
            .join(User, User.id == inspection_officers.c.user_id)
            .where(Inspection.property_id.in_(set(property_ids)), User.is_active.is_(True)))
        for property_id, user_id in rows:
            found[property_id].add(user_id)
    result = {}
    for property_id in property_ids:
        if found.get(property_id):
            result[property_id] = frozenset(found[property_id])
        else:
            everyone = everyone if everyone is not None else active_user_ids_with_role(Role.HOUSING_OFFICER)
            result[property_id] = everyone
    return result


def _stage(due: date, on: date) -> str | None:
    if due < on:
        return "overdue"
    if due <= on + DUE_SOON:
        return "due"
    return None


def deadline_reminders(on: date) -> Outcome:
    """Defects and orders of open cases: once when due within 7 days, once when overdue."""
    defects = db.session.execute(
        select(Defect.id, Defect.property_id, Defect.category, Defect.deadline, Property.street, Property.house_number)
        .join(Property, Property.id == Defect.property_id)
        .where(Defect.resolved_on.is_(None), Defect.deadline.is_not(None), Defect.deadline <= on + DUE_SOON,
               Property.status.in_(OPEN_STATUSES))).all()
    orders = db.session.execute(
        select(Order.id, Order.property_id, Order.type, Order.deadline, Property.street, Property.house_number)
        .join(Property, Property.id == Order.property_id)
        .where(Order.status == OrderStatus.ISSUED, Order.deadline.is_not(None),
               Order.deadline <= on + DUE_SOON, Property.status.in_(OPEN_STATUSES))).all()
    officers = _officers_by_property({row.property_id for row in defects} | {row.property_id for row in orders})
    reminders = []
    for row in defects:
        stage = _stage(row.deadline, on)
        address = f"{row.street} {row.house_number}"
        what = DefectCategory.LABELS[DefectCategory(row.category)]  # lazy: in each recipient's language
        title = (_l("Mangel überfällig seit %(date)s: %(what)s, %(address)s", date=f"{row.deadline:%d.%m.%Y}",
                    what=what, address=address) if stage == "overdue" else
                 _l("Mangel fällig am %(date)s: %(what)s, %(address)s", date=f"{row.deadline:%d.%m.%Y}",
                    what=what, address=address))
        reminders.append(Reminder(officers[row.property_id], f"defect:{row.id}:{stage}:{row.deadline}",
                                  "defect_deadline", title,
                                  link=url_for("properties.detail", property_id=row.property_id),
                                  severity="danger" if stage == "overdue" else "warning"))
    for row in orders:
        stage = _stage(row.deadline, on)
        address = f"{row.street} {row.house_number}"
        what = OrderType.LABELS[OrderType(row.type)]
        title = (_l("Frist der Anordnung abgelaufen am %(date)s: %(what)s, %(address)s",
                    date=f"{row.deadline:%d.%m.%Y}", what=what, address=address) if stage == "overdue" else
                 _l("Frist der Anordnung endet am %(date)s: %(what)s, %(address)s",
                    date=f"{row.deadline:%d.%m.%Y}", what=what, address=address))
        reminders.append(Reminder(officers[row.property_id], f"order:{row.id}:{stage}:{row.deadline}",
                                  "order_deadline", title,
                                  link=url_for("properties.detail", property_id=row.property_id),
                                  severity="danger" if stage == "overdue" else "warning"))
    return Outcome(reminders, f"{len(defects)} Mängel, {len(orders)} Anordnungen mit Frist bis "
                              f"{on + DUE_SOON:%d.%m.%Y}")


def preemption_reminders(on: date) -> Outcome:
    """The pre-emption right ends three months after the notice: once four weeks before, once one week before."""
    rows = db.session.execute(
        select(Acquisition.id, Acquisition.property_id, Acquisition.preemption_deadline, Property.street,
               Property.house_number)
        .join(Property, Property.id == Acquisition.property_id)
        .where(Acquisition.preemption_deadline.is_not(None), Acquisition.transferred_on.is_(None),
               Property.status.in_(OPEN_STATUSES), Acquisition.preemption_deadline >= on,
               Acquisition.preemption_deadline <= on + PREEMPTION_STAGES[0][1])).all()
    officers = _officers_by_property({row.property_id for row in rows})
    reminders = []
    for row in rows:
        stage = "1w" if row.preemption_deadline <= on + PREEMPTION_STAGES[1][1] else "4w"
        reminders.append(Reminder(
            officers[row.property_id], f"preemption:{row.id}:{stage}:{row.preemption_deadline}", "preemption",
            _l("Vorkaufsrecht endet am %(date)s: %(address)s", date=f"{row.preemption_deadline:%d.%m.%Y}",
               address=f"{row.street} {row.house_number}"),
            link=url_for("properties.detail", property_id=row.property_id),
            severity="danger" if stage == "1w" else "warning"))
    return Outcome(reminders, f"{len(rows)} Vorkaufsfristen in den nächsten 4 Wochen")


def overcrowding_recompute(on: date) -> Outcome:
    """A rule version dated in the future takes effect on its day: recompute every building's flags each night."""
    count = refresh_all_overcrowding()
    return Outcome(summary=f"{count} Gebäude geprüft")


def register_jobs() -> None:
    register_job("property-deadlines", _l("Fristen von Mängeln und Anordnungen"),
                 _l("Erinnert 7 Tage vor Ablauf und bei Überschreitung (Wohnungsaufsicht)."),
                 {"hour": 6, "minute": 0}, deadline_reminders)
    register_job("preemption-deadlines", _l("Vorkaufsfristen"),
                 _l("Erinnert 4 Wochen und 1 Woche vor Ablauf des Vorkaufsrechts."),
                 {"hour": 6, "minute": 5}, preemption_reminders)
    register_job("overcrowding", _l("Überbelegung neu berechnen"),
                 _l("Wendet Regelwerte an, die ab heute gelten."), {"hour": 3, "minute": 30}, overcrowding_recompute)
