"""The hours worked per work package are kept by the database: after every kind of change of an entry they equal
the entries summed one by one, on SQLite and PostgreSQL alike, whoever writes (the services or plain SQL)."""

from decimal import Decimal

from sqlalchemy import delete, func, insert, select, update

from housing.extensions import db
from housing.renovation import hours
from housing.renovation.models import HourEntry, Participant, WorkPackageHours
from housing.renovation.services import progress, save_work_package

from .conftest import LAST_WEEK, absent, add_participant, work

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY = LAST_WEEK


def kept() -> dict[int, Decimal]:
    return {row.work_package_id: row.hours for row in db.session.scalars(select(WorkPackageHours))
            if row.hours != 0}


def counted_directly() -> dict[int, Decimal]:
    return dict(db.session.execute(
        select(HourEntry.work_package_id, func.sum(HourEntry.hours))
        .where(HourEntry.absence.is_(None), HourEntry.work_package_id.is_not(None))
        .group_by(HourEntry.work_package_id).having(func.sum(HourEntry.hours) != 0)).all())


def test_the_hours_follow_every_change_of_an_entry(project, supervisor, admin):
    pid, wp = project["participant"], project["package"]
    other = save_work_package(db.session.get(Participant, pid).project, None,
                              {"trade": "Maler", "planned_hours": Decimal("40")}, actor=admin).id
    second = add_participant(project["project"], wp, actor=admin, first="Jörg", last="Weiß").id
    assert kept() == counted_directly()

    monday = hours.create_entry(work(pid, MONDAY, "6", wp), actor=supervisor)
    hours.create_entry(work(pid, MONDAY, "2.5", other), actor=supervisor)
    hours.create_entry(work(second, MONDAY, "7.75", wp), actor=supervisor)
    hours.create_entry(absent(pid, TUESDAY, "6"), actor=supervisor)  # an absence is no work
    db.session.flush()
    assert kept() == counted_directly() == {wp: Decimal("13.75"), other: Decimal("2.5")}

    hours.put_entry(work(pid, MONDAY, "4", wp), actor=supervisor)  # the crew sheet changes a value
    [swap] = hours.save_batch([("replace", hours.find_entry(pid, TUESDAY, "absence"),
                                work(pid, TUESDAY, "5", other))], actor=supervisor)  # an absence becomes work
    assert swap.status == "updated"
    hours.delete_entry(hours.find_entry(second, MONDAY, str(wp)), actor=supervisor)
    db.session.flush()
    assert kept() == counted_directly() == {wp: Decimal("4"), other: Decimal("7.5")}

    # Plain SQL, as an import or the bench data generator might write
    db.session.execute(insert(HourEntry).values(participant_id=second, worked_on=WEDNESDAY, project_id=project[
        "project"], work_package_id=wp, slot=str(wp), hours=Decimal("8")))
    db.session.execute(update(HourEntry).where(HourEntry.id == monday.id).values(
        work_package_id=other, slot=str(other), worked_on=WEDNESDAY))
    db.session.execute(update(HourEntry).where(HourEntry.participant_id == pid, HourEntry.worked_on == TUESDAY)
                       .values(absence="training"))
    db.session.flush()
    assert kept() == counted_directly() == {wp: Decimal("8"), other: Decimal("6.5")}

    db.session.execute(delete(HourEntry).where(HourEntry.participant_id == second))
    db.session.execute(delete(Participant).where(Participant.id == pid))  # its entries go with it (cascade)
    db.session.flush()
    assert kept() == counted_directly() == {}


def test_progress_counts_the_hours_worked_per_package(project, supervisor):
    pid, wp = project["participant"], project["package"]
    for day, value in ((MONDAY, "6"), (TUESDAY, "7.5"), (THURSDAY, "8")):
        hours.create_entry(work(pid, day, value, wp), actor=supervisor)
    hours.create_entry(absent(pid, FRIDAY, "6"), actor=supervisor)
    db.session.commit()

    shown = progress(db.session.get(Participant, pid).project)

    assert [(row.package.id, row.booked_hours) for row in shown.packages] == [(wp, Decimal("21.5"))]
    assert shown.booked_hours == Decimal("21.5")
