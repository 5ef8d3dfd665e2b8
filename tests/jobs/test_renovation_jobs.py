"""The Viertelwerk reminders on a frozen clock: a measure's end six weeks ahead, and on the 3rd of each month the
past months with hours nobody has approved (one message per project and month)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from housing.auth.roles import Role
from housing.extensions import db
from housing.jobs.models import Notification
from housing.jobs.runner import run_by_hand
from housing.renovation import hours
from housing.renovation.models import HourEntry, Participant, RenovationProject
from housing.renovation.services import update_project

from ..factories import UserFactory, viertelwerk_project
from .conftest import START, dmy, local, messages, run_on, walk


@pytest.fixture
def supervisor(clock):
    return UserFactory(roles=[Role.SUPERVISOR])


@pytest.fixture
def admin(clock):
    return UserFactory(roles=[Role.ADMIN])


def day(offset):
    return START + timedelta(days=offset)


def project_name(ids) -> str:
    return db.session.get(RenovationProject, ids["project"]).name


def ending(ids, ends_on, n=0):
    participant = db.session.get(Participant, ids["participants"][n])
    participant.ends_on = ends_on
    db.session.commit()
    return participant


def measure_end(user, ids, ends_on, n=0):
    return (user.id, "measure_end", f"Maßnahme endet am {dmy(ends_on)} (Projekt {project_name(ids)})",
            f"/viertelwerk/participants/{ids['participants'][n]}")


def test_a_measure_end_is_announced_once_six_weeks_ahead_to_the_active_supervisors(clock, supervisor, admin):
    ids = viertelwerk_project(supervisor=supervisor, crew_size=2)
    gone = UserFactory(roles=[Role.SUPERVISOR], is_active=False)
    update_project(db.session.get(RenovationProject, ids["project"]),
                   {"supervisor_ids": [supervisor.id, gone.id]}, actor=admin)
    ending(ids, day(50))
    ending(ids, day(49), n=1)
    elsewhere = viertelwerk_project(supervisor=UserFactory(roles=[Role.SUPERVISOR]))
    ending(elsewhere, day(200))

    new = walk(clock, ["measure-ends"], START, 40)

    assert new == {
        day(7): [measure_end(supervisor, ids, day(49), n=1)],  # 42 days before
        day(8): [measure_end(supervisor, ids, day(50))],  # 43 days before (day 7): nothing yet
    }
    notification = db.session.scalar(select(Notification).where(Notification.kind == "measure_end").limit(1))
    # The name goes in the body, which stays in the inbox; the title, which is e-mailed, has none.
    assert notification.body == "Ţăran1 Şükrü" and "Ţăran" not in notification.title


def test_a_moved_measure_end_is_announced_again(clock, supervisor):
    ids = viertelwerk_project(supervisor=supervisor)
    ending(ids, day(30))
    run_by_hand("measure-ends")
    ending(ids, day(40))
    run_by_hand("measure-ends")
    run_by_hand("measure-ends")

    assert messages() == [measure_end(supervisor, ids, day(30)), measure_end(supervisor, ids, day(40))]


def test_an_ended_measure_is_not_announced(clock, supervisor):
    ids = viertelwerk_project(supervisor=supervisor)
    ending(ids, day(-1))

    assert run_by_hand("measure-ends").status == "succeeded" and messages() == []


def entry(ids, worked_on, actor, n=0):
    hours.create_entry(hours.EntryInput(ids["participants"][n], worked_on, hours=Decimal("6"),
                                        work_package_id=ids["package"]), actor=actor)


def unapproved(user, ids, month: date, n: int):
    return (user.id, "unapproved_month",
            f"{n} Stundennachweis{'' if n == 1 else 'e'} für {month:%m/%Y} noch nicht freigegeben "
            f"(Projekt {project_name(ids)})",
            f"/viertelwerk/projects/{ids['project']}/months/{month:%Y-%m}")


def test_unapproved_months_once_per_project_and_month_on_the_third(clock, supervisor, admin):
    # The crew starts on 23 September 2026 (40 days before the clock's 2 November).
    ids = viertelwerk_project(supervisor=supervisor, crew_size=3)
    first, second, third = (db.session.get(Participant, pid) for pid in ids["participants"])
    september, october, november = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)
    for n in range(3):
        entry(ids, date(2026, 9, 28), supervisor, n)
        entry(ids, date(2026, 10, 5), supervisor, n)
    entry(ids, date(2026, 11, 2), supervisor, 0)
    for participant in (first, second, third):
        hours.approve_month(participant, september, actor=supervisor)
    hours.unlock_month(second, september, "Korrektur", actor=admin)  # unlocked: open again
    hours.approve_month(first, october, actor=supervisor)
    # Hours older than twelve months are no longer chased; those of the twelfth month back still are.
    for old in (date(2025, 10, 15), date(2025, 11, 14)):
        db.session.add(HourEntry(participant_id=third.id, worked_on=old, project_id=ids["project"],
                                 work_package_id=ids["package"], slot=str(ids["package"]), hours=Decimal("4")))
    other_supervisor = UserFactory(roles=[Role.SUPERVISOR])
    other = viertelwerk_project(supervisor=other_supervisor)
    entry(other, date(2026, 10, 6), other_supervisor)
    db.session.commit()

    run = run_on(clock, "unapproved-months", date(2026, 11, 3))

    assert run.slot == "2026-11-03T06:15" and run.status == "succeeded"
    assert sorted(messages()) == sorted([
        unapproved(supervisor, ids, date(2025, 11, 1), 1),
        unapproved(supervisor, ids, september, 1),
        unapproved(supervisor, ids, october, 2),
        unapproved(other_supervisor, other, october, 1),
    ])
    # The same slot a day later is taken; a run by hand in the same month repeats nothing.
    assert run_on(clock, "unapproved-months", date(2026, 11, 4)) is None
    assert run_by_hand("unapproved-months").notifications == 0

    # A month later the months still open are chased again, the approved ones no more.
    clock.move_to(local(date(2026, 11, 20), 10))
    hours.approve_month(second, october, actor=supervisor)
    hours.approve_month(third, october, actor=supervisor)
    hours.approve_month(second, september, actor=supervisor)
    db.session.commit()
    before = len(messages())
    run_on(clock, "unapproved-months", date(2026, 12, 3))

    # Twelve months back from December: the hours of November 2025 have dropped out.
    assert sorted(messages()[before:]) == sorted([unapproved(supervisor, ids, november, 1),
                                                  unapproved(other_supervisor, other, october, 1)])
