"""The hours worked per project, month and person are kept by the database: after every kind of change of an entry
they equal the entries counted one by one, on SQLite and PostgreSQL alike, whoever writes (the services or plain
SQL); and the reports' figures per project and building read from them equal the entries counted for any period,
whole months or not."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, distinct, func, insert, select, update

from housing.extensions import db
from housing.renovation import hours, reports
from housing.renovation.models import HourEntry, Participant, ProjectMonthHours, RenovationProject
from housing.renovation.services import save_work_package

from ..factories import viertelwerk_project
from .conftest import LAST_WEEK, TODAY, absent, add_participant, work

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY = LAST_WEEK
FEBRUARY_DAY = date(2026, 2, 10)


def kept() -> dict[tuple, tuple[Decimal, int]]:
    return {(row.project_id, row.month, row.participant_id): (row.hours, row.entries)
            for row in db.session.scalars(select(ProjectMonthHours)) if row.entries or row.hours}


def counted_directly() -> dict[tuple, tuple[Decimal, int]]:
    rows = db.session.execute(
        select(HourEntry.project_id, HourEntry.worked_on, HourEntry.participant_id, HourEntry.hours)
        .where(HourEntry.absence.is_(None))).all()
    result: dict[tuple, tuple[Decimal, int]] = {}
    for project_id, day, participant_id, value in rows:
        key = (project_id, day.replace(day=1), participant_id)
        total, count = result.get(key, (Decimal("0"), 0))
        result[key] = (total + value, count + 1)
    return result


def test_the_months_follow_every_change_of_an_entry(project, supervisor, admin):
    pid, wp, project_id = project["participant"], project["package"], project["project"]
    other = save_work_package(db.session.get(Participant, pid).project, None,
                              {"trade": "Maler", "planned_hours": Decimal("40")}, actor=admin).id
    second = add_participant(project_id, wp, actor=admin, first="Jörg", last="Weiß").id
    elsewhere = viertelwerk_project()
    assert kept() == counted_directly()

    monday = hours.create_entry(work(pid, MONDAY, "6", wp), actor=supervisor)
    hours.create_entry(work(pid, MONDAY, "2.5", other), actor=supervisor)
    hours.create_entry(work(pid, FEBRUARY_DAY, "4", wp), actor=supervisor)
    hours.create_entry(work(second, MONDAY, "7.75", wp), actor=supervisor)
    hours.create_entry(absent(pid, TUESDAY, "6"), actor=supervisor)  # an absence is no work
    db.session.flush()
    march, february = MONDAY.replace(day=1), FEBRUARY_DAY.replace(day=1)
    assert kept() == counted_directly() == {(project_id, march, pid): (Decimal("8.5"), 2),
                                            (project_id, february, pid): (Decimal("4"), 1),
                                            (project_id, march, second): (Decimal("7.75"), 1)}

    hours.put_entry(work(pid, MONDAY, "4", wp), actor=supervisor)  # the crew sheet changes a value
    [swap] = hours.save_batch([("replace", hours.find_entry(pid, TUESDAY, "absence"),
                                work(pid, TUESDAY, "5", other))], actor=supervisor)  # an absence becomes work
    assert swap.status == "updated"
    hours.delete_entry(hours.find_entry(second, MONDAY, str(wp)), actor=supervisor)
    db.session.flush()
    assert kept() == counted_directly()
    assert counted_directly()[(project_id, march, pid)] == (Decimal("11.5"), 3)

    # Plain SQL, as an import or the bench data generator might write: a new entry, one moved to another month,
    # project and person, work becoming an absence and back
    db.session.execute(insert(HourEntry).values(participant_id=second, worked_on=WEDNESDAY, project_id=project_id,
                                                work_package_id=wp, slot=str(wp), hours=Decimal("8")))
    db.session.execute(update(HourEntry).where(HourEntry.id == monday.id).values(worked_on=date(2026, 1, 30)))
    db.session.execute(update(HourEntry).where(HourEntry.participant_id == pid, HourEntry.worked_on == FEBRUARY_DAY)
                       .values(project_id=elsewhere["project"], participant_id=elsewhere["participant"]))
    db.session.execute(update(HourEntry).where(HourEntry.participant_id == pid, HourEntry.worked_on == TUESDAY)
                       .values(absence="training"))
    db.session.flush()
    assert kept() == counted_directly()
    db.session.execute(update(HourEntry).where(HourEntry.participant_id == pid, HourEntry.worked_on == TUESDAY)
                       .values(absence=None, hours=Decimal("3")))
    db.session.execute(update(HourEntry).values(hours=HourEntry.hours + Decimal("0.25")))  # many rows at once
    db.session.flush()
    assert kept() == counted_directly()

    db.session.execute(delete(HourEntry).where(HourEntry.participant_id == second))
    db.session.execute(delete(Participant).where(Participant.id == pid))  # its entries go with it (cascade)
    db.session.flush()
    assert kept() == counted_directly() == {(elsewhere["project"], february, elsewhere["participant"]):
                                            (Decimal("4.25"), 1)}


# --- the reports' figures from the kept months ------------------------------------------------------------------


def counted_per_project(first, last) -> dict[int, tuple[Decimal, int]]:
    return {project_id: (total, people) for project_id, total, people in db.session.execute(
        select(HourEntry.project_id, func.sum(HourEntry.hours), func.count(distinct(HourEntry.participant_id)))
        .where(HourEntry.worked_on >= first, HourEntry.worked_on <= last, HourEntry.absence.is_(None))
        .group_by(HourEntry.project_id))}


@pytest.fixture
def two_crews(supervisor, admin):
    """Two projects of one supervisor, three people each, entries on most weekdays of January to 18 March with an
    absence now and then, some days with two packages; one person moves to the other project in March."""
    crews = [viertelwerk_project(supervisor=supervisor, crew_size=3) for _n in range(2)]
    for crew in crews:
        project = db.session.get(RenovationProject, crew["project"])
        crew["second_package"] = save_work_package(project, None, {"trade": "Maler", "planned_hours": Decimal("30")},
                                                   actor=admin).id
    day, n = date(2026, 1, 2), 0
    rows = []
    while day <= TODAY:
        if day.weekday() < 5:
            for c, crew in enumerate(crews):
                for p, pid in enumerate(crew["participants"]):
                    n += 1
                    if (n + p) % 4 == 0:
                        continue  # not every day
                    moved = c == 0 and p == 2 and day >= date(2026, 3, 2)
                    target = crews[1] if moved else crew
                    absence = "sick" if n % 11 == 0 else None
                    package = target["second_package"] if n % 3 == 0 else target["package"]
                    rows.append({"participant_id": pid, "worked_on": day, "project_id": target["project"],
                                 "work_package_id": None if absence else package,
                                 "slot": "absence" if absence else str(package), "absence": absence,
                                 "hours": Decimal(str(2 + (n % 25) * 0.25))})
        day += timedelta(days=1)
    db.session.execute(insert(HourEntry), rows)  # plain SQL: some entries lie before the measures, no matter here
    db.session.commit()
    return crews


PERIODS = [
    (date(2026, 2, 1), date(2026, 2, 28)),  # a whole month
    (date(2026, 1, 1), TODAY),  # whole months to today (the default period's shape)
    (date(2026, 1, 1), date(2026, 3, 31)),  # whole months, the last one still running
    (date(2026, 1, 14), date(2026, 3, 5)),  # part of the first and the last month
    (date(2026, 2, 3), date(2026, 2, 20)),  # inside one month
    (date(2026, 3, 4), date(2026, 3, 4)),  # one day
    (date(2026, 2, 27), date(2026, 3, 2)),  # across a month's end
    (date(2026, 3, 1), date(2026, 4, 15)),  # into the future
    (date(2025, 11, 1), date(2026, 1, 10)),  # months before any hours
    (date(2026, 3, 10), date(2026, 3, 9)),  # the end before the start: nothing
    (date(1, 1, 1), date(9999, 12, 31)),  # everything
]


@pytest.mark.parametrize(("first", "last"), PERIODS)
def test_hours_and_people_per_project_equal_the_entries_counted(two_crews, supervisor, first, last):
    counted = counted_per_project(first, last)

    shown = reports.project_hours(supervisor, first, last)

    assert {row.project_id for row in shown} == {crew["project"] for crew in two_crews}
    for row in shown:
        assert (row.booked, row.people) == counted.get(row.project_id, (Decimal("0"), 0)), row
    if first == date(2026, 1, 14):  # the moved person worked on both projects
        assert [row.people for row in shown] == [3, 4] or [row.people for row in shown] == [4, 3]


@pytest.mark.parametrize(("first", "last"), PERIODS)
def test_hours_and_people_per_building_equal_the_entries_counted(two_crews, supervisor, first, last):
    counted = counted_per_project(first, last)
    addresses = {crew["project"]: db.session.get(RenovationProject, crew["project"]).building.short_address
                 for crew in two_crews}

    shown = {row.address: (row.hours, row.people) for row in reports.building_hours(supervisor, first, last)}

    assert shown == {addresses[project_id]: figures for project_id, figures in counted.items()}


@pytest.mark.parametrize(("first", "last"), PERIODS)
def test_the_packages_of_a_project_add_up_to_its_hours(two_crews, supervisor, first, last):
    projects = {row.project_id: row for row in reports.project_hours(supervisor, first, last)}

    for crew in two_crews:
        packages = reports.package_hours(supervisor, first, last, project_id=crew["project"])
        assert [row.trade for row in packages] == ["Trockenbau", "Maler"]
        assert sum(row.booked for row in packages) == projects[crew["project"]].booked
        assert sum(row.planned_hours for row in packages) == projects[crew["project"]].planned_hours == 130


def test_a_person_on_two_projects_of_one_building_counts_once(supervisor, admin):
    crew = viertelwerk_project(supervisor=supervisor, crew_size=2)
    building = db.session.get(RenovationProject, crew["project"]).property_id
    second = RenovationProject(property_id=building, name="Dach", starts_on=FEBRUARY_DAY,
                               planned_end_on=TODAY + timedelta(days=90))
    db.session.add(second)
    db.session.flush()
    second.supervisors.append(db.session.get(type(supervisor), supervisor.id))
    one, two = crew["participants"]
    db.session.execute(insert(HourEntry), [
        {"participant_id": one, "worked_on": MONDAY, "project_id": crew["project"], "work_package_id": crew["package"],
         "slot": str(crew["package"]), "hours": Decimal("6")},
        {"participant_id": one, "worked_on": TUESDAY, "project_id": second.id, "work_package_id": crew["package"],
         "slot": str(crew["package"]), "hours": Decimal("5")},
        {"participant_id": two, "worked_on": TUESDAY, "project_id": crew["project"], "work_package_id": crew["package"],
         "slot": str(crew["package"]), "hours": Decimal("4")},
    ])
    db.session.commit()

    [row] = reports.building_hours(supervisor, date(2026, 3, 1), TODAY)

    assert (row.hours, row.people) == (Decimal("15"), 2)
