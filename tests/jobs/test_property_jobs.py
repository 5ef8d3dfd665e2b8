"""The Ankauf reminders on a frozen clock: defect and order deadlines (7 days before, overdue), pre-emption
deadlines (4 weeks and 1 week before), to the officers who inspected the building, else every housing officer."""

from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from housing.auth.roles import Role
from housing.extensions import db
from housing.jobs.models import Notification
from housing.jobs.runner import run_by_hand
from housing.properties import services as cases
from housing.properties.models import CaseStatus, Defect, Order

from ..factories import UserFactory
from .conftest import START, dmy, messages, walk

ELECTRICITY = "Elektrizität (§ 5)"
REPAIR_ORDER = "Instandsetzungsanordnung (§ 6 WohnStG)"


@pytest.fixture
def admin(clock):
    """Creates the records; as an admin, never a recipient of an Ankauf reminder."""
    return UserFactory(roles=[Role.ADMIN])


@pytest.fixture
def inspector(clock):
    return UserFactory(roles=[Role.HOUSING_OFFICER])


@pytest.fixture
def colleague(clock):
    return UserFactory(roles=[Role.HOUSING_OFFICER])


@pytest.fixture
def retired(clock):
    """A housing officer who has left: inactive, never a recipient."""
    return UserFactory(roles=[Role.HOUSING_OFFICER], is_active=False)


def building(actor, number, *, officers=(), deadlines=(), inspected_on=START - timedelta(days=10)):
    """A problem case at Mallinckrodtstraße ``number``, inspected by ``officers``, a defect per deadline."""
    prop = cases.create_property({"street": "Mallinckrodtstraße", "house_number": number, "postcode": "44147",
                                  "social_area": "nordmarkt"}, actor=actor)
    inspection = cases.record_inspection(
        prop, inspected_on=inspected_on, condition_rating=4, officer_ids=[user.id for user in officers],
        defects=[cases.DefectInput("electricity", "hazard", "Kabel offen", deadline=day) for day in deadlines],
        actor=actor)
    db.session.commit()
    return prop, list(inspection.defects)


def order(prop, actor, deadline, status="issued"):
    created = cases.create_order(prop, {"type": "repair_order", "status": status,
                                        "issued_on": START - timedelta(days=20), "deadline": deadline}, actor=actor)
    db.session.commit()
    return created


def preemption(prop, actor, deadline, **extra):
    acquisition = cases.create_acquisition(prop, {"method": "preemption", "buyer": "city",
                                                  "preemption_notice_on": deadline - relativedelta(months=3),
                                                  **extra}, actor=actor)
    db.session.commit()
    assert acquisition.preemption_deadline == deadline
    return acquisition


def link(prop) -> str:
    return f"/properties/{prop.id}"


def due(user, prop, deadline, number):
    return (user.id, "defect_deadline", f"Mangel fällig am {dmy(deadline)}: {ELECTRICITY}, Mallinckrodtstraße {number}",
            link(prop))


def overdue(user, prop, deadline, number):
    return (user.id, "defect_deadline",
            f"Mangel überfällig seit {dmy(deadline)}: {ELECTRICITY}, Mallinckrodtstraße {number}", link(prop))


def order_due(user, prop, deadline, number):
    return (user.id, "order_deadline",
            f"Frist der Anordnung endet am {dmy(deadline)}: {REPAIR_ORDER}, Mallinckrodtstraße {number}", link(prop))


def order_overdue(user, prop, deadline, number):
    return (user.id, "order_deadline",
            f"Frist der Anordnung abgelaufen am {dmy(deadline)}: {REPAIR_ORDER}, Mallinckrodtstraße {number}",
            link(prop))


def preemption_ends(user, prop, deadline, number):
    return (user.id, "preemption", f"Vorkaufsrecht endet am {dmy(deadline)}: Mallinckrodtstraße {number}", link(prop))


def sorted_by_day(expected: dict) -> dict:
    return {when: sorted(items) for when, items in expected.items()}


def day(offset):
    return START + timedelta(days=offset)


def test_defect_deadlines_at_the_edges_reach_exactly_the_inspecting_officers(admin, inspector, colleague, retired):
    mine, defects = building(admin, "1", officers=[inspector], deadlines=[day(8), day(7), day(0), day(-1), day(3)])
    cases.resolve_defect(defects[4], START, actor=admin)
    nobodys, _defects = building(admin, "2", deadlines=[day(2)])
    db.session.commit()

    run = run_by_hand("property-deadlines")

    assert run.status == "succeeded" and run.notifications == 5
    assert sorted(messages()) == sorted([
        due(inspector, mine, day(7), 1), due(inspector, mine, day(0), 1), overdue(inspector, mine, day(-1), 1),
        # Nobody is named on the inspection: every active housing officer, not the one who left, not the admin.
        due(inspector, nobodys, day(2), 2), due(colleague, nobodys, day(2), 2),
    ])
    severities = {n.title: n.severity for n in db.session.scalars(select(Notification))}
    assert severities[overdue(inspector, mine, day(-1), 1)[2]] == "danger"
    assert severities[due(inspector, mine, day(0), 1)[2]] == "warning"
    assert messages(retired) == [] and messages(admin) == []


def test_a_closed_case_reminds_of_nothing(admin, inspector):
    """Demolished, delisted, resolved by the owner, or let: its open defects and orders no longer matter."""
    for number, status in (("4", CaseStatus.DEMOLISHED), ("5", CaseStatus.RESOLVED_BY_OWNER), ("6", CaseStatus.LET)):
        prop, _defects = building(admin, number, officers=[inspector], deadlines=[day(2)])
        order(prop, admin, day(3))
        prop.status = status
    db.session.commit()

    run_by_hand("property-deadlines")

    assert messages() == []


def test_orders_remind_only_while_issued(admin, inspector):
    prop, _defects = building(admin, "3", officers=[inspector])
    order(prop, admin, day(7))
    order(prop, admin, day(-3))
    order(prop, admin, day(8))
    order(prop, admin, day(1), status="withdrawn")
    order(prop, admin, day(1), status="complied")
    order(prop, admin, day(1), status="draft")

    run_by_hand("property-deadlines")

    assert sorted(messages()) == sorted([order_due(inspector, prop, day(7), 3),
                                         order_overdue(inspector, prop, day(-3), 3)])


def test_a_forty_day_walk_announces_each_stage_exactly_once(clock, admin, inspector, colleague):
    prop, (defect,) = building(admin, "4", officers=[inspector], deadlines=[day(20)])
    kept = order(prop, admin, day(25))
    lifted = order(prop, admin, day(30))
    preemption(prop, admin, day(35))
    other, _defects = building(admin, "5")
    preemption(other, admin, day(36))

    first = walk(clock, ["property-deadlines", "preemption-deadlines"], START, 28)
    cases.update_order(db.session.get(Order, lifted.id), {"status": "withdrawn"}, actor=admin)
    db.session.commit()
    rest = walk(clock, ["property-deadlines", "preemption-deadlines"], day(28), 12)

    assert {**first, **rest} == sorted_by_day({
        day(7): [preemption_ends(inspector, prop, day(35), 4)],  # 28 days before; 29 days before: nothing
        day(8): [preemption_ends(colleague, other, day(36), 5), preemption_ends(inspector, other, day(36), 5)],
        day(13): [due(inspector, prop, day(20), 4)],  # 7 days before; 8 days before: nothing
        day(18): [order_due(inspector, prop, day(25), 4)],
        day(21): [overdue(inspector, prop, day(20), 4)],  # the day after; on the day itself nothing new
        day(23): [order_due(inspector, prop, day(30), 4)],
        day(26): [order_overdue(inspector, prop, day(25), 4)],
        day(28): [preemption_ends(inspector, prop, day(35), 4)],  # 1 week before, now "danger"
        day(29): [preemption_ends(colleague, other, day(36), 5), preemption_ends(inspector, other, day(36), 5)],
        # The lifted order (withdrawn on day 28) is never announced as overdue on day 31.
    })
    assert db.session.get(Defect, defect.id).deadline == day(20) and kept.deadline == day(25)
    keys = sorted(db.session.scalars(select(Notification.key).where(Notification.kind == "preemption",
                                                                    Notification.user_id == inspector.id)))
    assert sorted(key.split(":")[2] for key in keys) == ["1w", "1w", "4w", "4w"]


def test_a_moved_deadline_is_announced_again_an_unchanged_one_never(clock, admin, inspector):
    prop, (defect,) = building(admin, "6", officers=[inspector], deadlines=[day(5)])
    run_by_hand("property-deadlines")
    run_by_hand("property-deadlines")
    assert messages() == [due(inspector, prop, day(5), 6)]

    db.session.get(Defect, defect.id).deadline = day(6)
    db.session.commit()
    run_by_hand("property-deadlines")
    run_by_hand("property-deadlines")

    assert messages() == [due(inspector, prop, day(5), 6), due(inspector, prop, day(6), 6)]


def test_pre_emption_ends_nothing_once_transferred_closed_or_past(clock, admin, inspector):
    transferred, _defects = building(admin, "7", officers=[inspector])
    preemption(transferred, admin, day(10), notarised_on=day(-5), transferred_on=day(-1))
    closed, _defects = building(admin, "8", officers=[inspector])
    preemption(closed, admin, day(10))
    db.session.get(type(closed), closed.id).status = CaseStatus.DELISTED
    past, _defects = building(admin, "9", officers=[inspector])
    preemption(past, admin, day(-1))
    db.session.commit()

    run = run_by_hand("preemption-deadlines")

    assert run.status == "succeeded" and messages() == []


def test_when_every_inspecting_officer_has_left_the_team_is_reminded(admin, inspector, colleague, retired):
    prop, _defects = building(admin, "10", officers=[retired], deadlines=[day(3)])

    run_by_hand("property-deadlines")

    assert sorted(messages()) == sorted([due(inspector, prop, day(3), 10), due(colleague, prop, day(3), 10)])


def test_the_overcrowding_job_checks_every_building_and_sends_nothing(admin):
    building(admin, "11")

    run = run_by_hand("overcrowding")

    assert run.status == "succeeded" and run.summary.endswith("Gebäude geprüft") and run.notifications == 0
    assert messages() == []


def test_each_officer_reads_the_reminder_in_their_language(admin, inspector):
    english = UserFactory(roles=[Role.HOUSING_OFFICER], language="en")
    prop, _defects = building(admin, "12", officers=[inspector, english], deadlines=[day(2)])
    order(prop, admin, day(-1))

    run_by_hand("property-deadlines")

    assert sorted(messages(english)) == sorted([
        (english.id, "defect_deadline", f"Defect due on {dmy(day(2))}: Electricity (§ 5), Mallinckrodtstraße 12",
         link(prop)),
        (english.id, "order_deadline",
         f"Order deadline passed on {dmy(day(-1))}: Repair order (§ 6 WohnStG), Mallinckrodtstraße 12", link(prop)),
    ])
    assert sorted(messages(inspector)) == sorted([due(inspector, prop, day(2), 12),
                                                  order_overdue(inspector, prop, day(-1), 12)])
