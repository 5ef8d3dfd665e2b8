"""Each case's earliest open deadlines are kept by the database (migration 0015): after every kind of change to its
defects, orders and acquisitions, ``open_deadline`` and ``preemption_deadline`` equal what the rows say, on SQLite
and PostgreSQL alike, whoever writes (the services, plain SQL, many rows in one statement)."""

from datetime import date, timedelta

from sqlalchemy import delete, func, insert, select, update

from housing.extensions import db
from housing.properties import services
from housing.properties.models import Acquisition, Defect, Order, Property

from ..factories import full_case

DAY = date(2026, 3, 1)


def kept() -> dict[int, tuple]:
    return {pid: (open_, preemption) for pid, open_, preemption in db.session.execute(
        select(Property.id, Property.open_deadline, Property.preemption_deadline))}


def from_the_rows() -> dict[int, tuple]:
    """The same figures from the defects, orders and acquisitions themselves."""
    defects = dict(db.session.execute(select(Defect.property_id, func.min(Defect.deadline))
                                      .where(Defect.resolved_on.is_(None)).group_by(Defect.property_id)).all())
    orders = dict(db.session.execute(select(Order.property_id, func.min(Order.deadline))
                                     .where(Order.status == "issued").group_by(Order.property_id)).all())
    rights = dict(db.session.execute(select(Acquisition.property_id, func.min(Acquisition.preemption_deadline))
                                     .where(Acquisition.transferred_on.is_(None))
                                     .group_by(Acquisition.property_id)).all())
    result = {}
    for pid in db.session.scalars(select(Property.id)):
        dates = [d for d in (defects.get(pid), orders.get(pid)) if d is not None]
        result[pid] = (min(dates) if dates else None, rights.get(pid))
    return result


def test_the_deadlines_follow_every_change_of_defects_orders_and_acquisitions(officer):
    ids = full_case(actor=officer)  # an open defect due in ten days, a draft order, a purchase
    other = full_case(street="Heroldstraße", number="7", actor=officer)
    prop = db.session.get(Property, ids["property"])
    db.session.flush()
    assert kept() == from_the_rows()
    assert kept()[prop.id][0] == db.session.get(Defect, ids["defect"]).deadline

    inspection = services.record_inspection(            # an earlier open defect brings the deadline forward
        prop, inspected_on=DAY, condition_rating=3, occupancy={},
        defects=[services.DefectInput("heating", "major", "Heizung", deadline=DAY + timedelta(days=2))], actor=officer)
    db.session.flush()
    assert kept()[prop.id][0] == DAY + timedelta(days=2) and kept() == from_the_rows()

    services.resolve_defect(inspection.defects[0], DAY + timedelta(days=1), actor=officer)  # resolved: back again
    order = db.session.get(Order, ids["order"])
    services.update_order(order, {"type": "repair_order", "status": "issued", "issued_on": DAY,   # an issued order
                                  "deadline": DAY + timedelta(days=5)}, actor=officer)
    db.session.flush()
    assert kept()[prop.id][0] == DAY + timedelta(days=5) and kept() == from_the_rows()

    db.session.execute(update(Order).where(Order.id == order.id).values(status="complied"))  # plain SQL
    db.session.execute(update(Defect).where(Defect.id == ids["defect"]).values(property_id=other["property"]))
    db.session.flush()
    assert kept()[prop.id][0] is None and kept() == from_the_rows()

    services.create_acquisition(prop, {"method": "preemption", "buyer": "city",               # a pre-emption right
                                       "preemption_notice_on": DAY}, actor=officer)
    db.session.flush()
    assert kept()[prop.id][1] is not None and kept() == from_the_rows()
    db.session.execute(update(Acquisition).where(Acquisition.property_id == prop.id)
                       .values(notarised_on=DAY, transferred_on=DAY + timedelta(days=1)))          # exercised
    assert kept()[prop.id][1] is None and kept() == from_the_rows()

    db.session.execute(insert(Defect), [                                                       # many rows at once
        {"inspection_id": ids["inspection"], "property_id": pid, "category": "electricity", "severity": "minor",
         "description": f"Steckdose {n}", "deadline": DAY + timedelta(days=n)}
        for n, pid in enumerate([prop.id, other["property"], prop.id])])
    assert kept() == from_the_rows()
    db.session.execute(delete(Defect).where(Defect.description.like("Steckdose%")))              # and deleted
    db.session.execute(delete(Order).where(Order.property_id == other["property"]))
    assert kept() == from_the_rows()


def test_a_case_with_no_open_deadline_has_none(officer, make_case):
    prop = make_case()
    db.session.flush()
    assert kept()[prop.id] == (None, None)
