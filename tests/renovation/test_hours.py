"""The hour rules of DOMAIN.md section 4 in the services (housing/renovation/hours.py): quarter hours, at most
10 hours a day, within the measure, not in the future, safety briefing first, one entry per participant, day and
work package, another crew's people unknown, locked months; put_entry, the batch with partial acceptance,
month approval and unlocking, and the months still to approve."""

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from housing.audit.models import AuditEvent
from housing.auth.roles import Role
from housing.errors import Conflict, ValidationFailed
from housing.extensions import db
from housing.renovation import hours
from housing.renovation.models import Absence, HourEntry, MonthLock

from ..factories import UserFactory, viertelwerk_project
from .conftest import (
    LAST_WEEK,
    MARCH_OVER,
    MEASURE_START,
    TODAY,
    absent,
    add_participant,
    count_entries,
    entries_of,
    lock_of,
    march_over,
    person,
    work,
)

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY = LAST_WEEK
MARCH = date(2026, 3, 1)
FEBRUARY = date(2026, 2, 1)
UNKNOWN = "Unbekannte Teilnehmende."


def refused(call, exc=ValidationFailed):
    with pytest.raises(exc) as info:
        call()
    db.session.rollback()
    return info.value


def messages(error, field=None) -> str:
    if field is not None:
        return " ".join(error.fields.get(field, []))
    return " ".join(m for ms in error.fields.values() for m in ms)


def audit(action) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


# --- hours: quarter hours, at most 10 a day ---------------------------------------------------------------


def test_ten_hours_on_one_day_are_accepted(project, supervisor):
    entry = hours.create_entry(work(project["participant"], MONDAY, "10", project["package"]), actor=supervisor)

    assert entry.hours == Decimal("10")
    assert [e.hours for e in entries_of(project["participant"])] == [Decimal("10")]


def test_ten_and_a_quarter_hours_on_one_entry_are_refused_under_the_working_hours_act(project, supervisor):
    error = refused(lambda: hours.create_entry(work(project["participant"], MONDAY, "10.25", project["package"]),
                                               actor=supervisor))

    assert messages(error, "hours") == "Mehr als 10 Stunden am Tag sind nach dem Arbeitszeitgesetz nicht zulässig."
    assert error.code == "invalid"
    assert count_entries() == 0


@pytest.mark.parametrize("value", ["1.1", "7.1", "0.1", "7.3", "1,1"])
def test_hours_that_are_not_whole_quarter_hours_are_refused(project, supervisor, value):
    error = refused(lambda: hours.create_entry(work(project["participant"], MONDAY, value, project["package"]),
                                               actor=supervisor))

    shown = value.replace(".", ",")
    assert messages(error, "hours") == (f"Stunden werden in Viertelstunden erfasst (z. B. 7,25 oder 7,5); "
                                        f"{shown} geht nicht.")
    assert count_entries() == 0


@pytest.mark.parametrize("value", ["7.25", "7,5", "0.25", "7.75", Decimal("8"), 6])
def test_whole_quarter_hours_are_accepted(project, supervisor, value):
    entry = hours.create_entry(work(project["participant"], MONDAY, value, project["package"]), actor=supervisor)

    assert entry.hours == Decimal(str(value).replace(",", "."))


@pytest.mark.parametrize(("value", "message"), [
    ("0", "Die Stunden müssen größer als 0 sein."),
    ("-2", "Die Stunden müssen größer als 0 sein."),
    ("", "Pflichtangabe fehlt."),
    (None, "Pflichtangabe fehlt."),
    ("sieben", "Bitte Stunden als Zahl angeben, z. B. 7,5."),
])
def test_missing_zero_negative_or_unreadable_hours_are_refused(project, supervisor, value, message):
    error = refused(lambda: hours.create_entry(work(project["participant"], MONDAY, value, project["package"]),
                                               actor=supervisor))

    assert messages(error, "hours") == message


def test_two_entries_on_one_day_may_add_up_to_exactly_ten_hours(project, supervisor, admin):
    from housing.renovation.models import RenovationProject
    from housing.renovation.services import save_work_package

    second = save_work_package(db.session.get(RenovationProject, project["project"]), None,
                               {"trade": "Maler", "planned_hours": Decimal("50")}, actor=admin)
    hours.create_entry(work(project["participant"], MONDAY, "6", project["package"]), actor=supervisor)
    hours.create_entry(work(project["participant"], MONDAY, "4", second.id), actor=supervisor)

    assert sum(e.hours for e in entries_of(project["participant"], MONDAY)) == Decimal("10")


def test_two_entries_on_one_day_summing_to_ten_and_a_quarter_hours_are_refused_with_the_total(
        project, supervisor, admin):
    from housing.renovation.models import RenovationProject
    from housing.renovation.services import save_work_package

    second = save_work_package(db.session.get(RenovationProject, project["project"]), None,
                               {"trade": "Maler", "planned_hours": Decimal("50")}, actor=admin)
    hours.create_entry(work(project["participant"], MONDAY, "6", project["package"]), actor=supervisor)
    db.session.commit()

    error = refused(lambda: hours.create_entry(work(project["participant"], MONDAY, "4.25", second.id),
                                               actor=supervisor))

    assert "Mit diesem Eintrag wären es 10,25 Stunden am 09.03." in messages(error, "hours")
    assert "höchstens 10" in messages(error, "hours")
    assert [e.hours for e in entries_of(project["participant"], MONDAY)] == [Decimal("6")]


def test_an_absence_counts_towards_the_ten_hours_of_a_day(project, supervisor):
    hours.create_entry(absent(project["participant"], MONDAY, "4"), actor=supervisor)
    db.session.commit()

    error = refused(lambda: hours.create_entry(work(project["participant"], MONDAY, "6.25", project["package"]),
                                               actor=supervisor))

    assert "10,25 Stunden" in messages(error, "hours")


def test_the_day_total_is_per_participant(project, supervisor):
    other = add_participant(project["project"], project["package"], actor=supervisor)
    hours.create_entry(work(project["participant"], MONDAY, "10", project["package"]), actor=supervisor)

    entry = hours.create_entry(work(other.id, MONDAY, "10", project["package"]), actor=supervisor)

    assert entry.hours == Decimal("10")


# --- dates: within the measure, not in the future ---------------------------------------------------------


def test_a_day_before_the_measure_is_refused(project, supervisor):
    error = refused(lambda: hours.create_entry(
        work(project["participant"], MEASURE_START - timedelta(days=1), "6", project["package"]), actor=supervisor))

    assert "Der 05.02.2026 liegt außerhalb der Maßnahme (06.02.2026 bis " in messages(error, "date")
    assert count_entries() == 0


def test_the_first_day_of_the_measure_is_accepted(project, supervisor):
    entry = hours.create_entry(work(project["participant"], MEASURE_START, "6", project["package"]),
                               actor=supervisor)

    assert entry.worked_on == MEASURE_START


def test_a_day_after_the_measure_ended_is_refused_even_as_an_absence(project, supervisor):
    ended = add_participant(project["project"], project["package"], actor=supervisor,
                            ends_on=TODAY - timedelta(days=10))
    last_day = TODAY - timedelta(days=10)

    error = refused(lambda: hours.create_entry(work(ended.id, last_day + timedelta(days=1), "6", project["package"]),
                                               actor=supervisor))
    assert "Der 09.03.2026 liegt außerhalb der Maßnahme (06.02.2026 bis 08.03.2026)." in messages(error, "date")
    error = refused(lambda: hours.create_entry(absent(ended.id, last_day + timedelta(days=1), "6"),
                                               actor=supervisor))
    assert "außerhalb der Maßnahme" in messages(error, "date")

    assert hours.create_entry(work(ended.id, last_day, "6", project["package"]), actor=supervisor).worked_on == last_day


def test_a_day_in_the_future_is_refused_for_hours_and_absences(project, supervisor):
    tomorrow = TODAY + timedelta(days=1)

    error = refused(lambda: hours.create_entry(work(project["participant"], tomorrow, "6", project["package"]),
                                               actor=supervisor))
    assert messages(error, "date") == "Stunden können nicht für die Zukunft erfasst werden."
    error = refused(lambda: hours.create_entry(absent(project["participant"], tomorrow, "6", "vacation"),
                                               actor=supervisor))
    assert messages(error, "date") == "Stunden können nicht für die Zukunft erfasst werden."
    assert count_entries() == 0


def test_today_can_be_recorded(project, supervisor):
    entry = hours.create_entry(work(project["participant"], TODAY, "6", project["package"]), actor=supervisor)

    assert entry.worked_on == TODAY


def test_today_is_dortmunds_calendar_day_not_utcs(project, supervisor):
    """At 00:30 in Dortmund it is still yesterday in UTC; the new day may be recorded."""
    with time_machine.travel(datetime(2026, 3, 18, 23, 30, tzinfo=UTC), tick=False):
        entry = hours.create_entry(work(project["participant"], date(2026, 3, 19), "2", project["package"]),
                                   actor=supervisor)

    assert entry.worked_on == date(2026, 3, 19)


# --- the safety briefing comes first ----------------------------------------------------------------------


@pytest.fixture
def briefed_late(project, supervisor):
    """A participant whose measure started on 6 February but who was briefed only on 8 March."""
    return add_participant(project["project"], project["package"], actor=supervisor,
                           briefing=TODAY - timedelta(days=10))


def test_hours_before_the_safety_briefing_are_refused(briefed_late, project, supervisor):
    error = refused(lambda: hours.create_entry(
        work(briefed_late.id, TODAY - timedelta(days=11), "6", project["package"]), actor=supervisor))

    assert messages(error, "date") == "Vor der Sicherheitsunterweisung dürfen keine Arbeitsstunden erfasst werden."
    assert count_entries(participant_id=briefed_late.id) == 0


def test_hours_on_the_day_of_the_safety_briefing_are_accepted(briefed_late, project, supervisor):
    entry = hours.create_entry(work(briefed_late.id, TODAY - timedelta(days=10), "6", project["package"]),
                               actor=supervisor)

    assert entry.worked_on == TODAY - timedelta(days=10)


def test_an_absence_before_the_safety_briefing_is_allowed(briefed_late, supervisor):
    entry = hours.create_entry(absent(briefed_late.id, TODAY - timedelta(days=11), "6", "sick"), actor=supervisor)

    assert entry.absence == Absence.SICK
    assert entry.work_package_id is None
    assert entry.slot == "absence"


def test_a_participant_without_a_safety_briefing_cannot_have_hours(project, supervisor):
    unbriefed = add_participant(project["project"], project["package"], actor=supervisor, briefing=None)

    error = refused(lambda: hours.create_entry(work(unbriefed.id, MONDAY, "6", project["package"]),
                                               actor=supervisor))

    assert "Sicherheitsunterweisung" in messages(error, "date")


# --- one entry per participant, day and work package ------------------------------------------------------


def test_a_second_entry_for_the_same_participant_day_and_package_is_a_conflict(project, supervisor):
    hours.create_entry(work(project["participant"], MONDAY, "2", project["package"]), actor=supervisor)
    db.session.commit()

    error = refused(lambda: hours.create_entry(work(project["participant"], MONDAY, "3", project["package"]),
                                               actor=supervisor), Conflict)

    assert error.message == "Für diesen Tag und dieses Arbeitspaket gibt es schon einen Eintrag."
    assert [e.hours for e in entries_of(project["participant"], MONDAY)] == [Decimal("2")]


def test_a_second_absence_on_the_same_day_is_a_conflict(project, supervisor):
    hours.create_entry(absent(project["participant"], MONDAY, "2", "sick"), actor=supervisor)
    db.session.commit()

    refused(lambda: hours.create_entry(absent(project["participant"], MONDAY, "2", "training"), actor=supervisor),
            Conflict)

    assert [e.absence for e in entries_of(project["participant"], MONDAY)] == [Absence.SICK]


def test_the_database_itself_refuses_a_second_row_for_the_same_slot(project):
    row = dict(participant_id=project["participant"], worked_on=MONDAY, project_id=project["project"],
               work_package_id=project["package"], slot=str(project["package"]), hours=Decimal("2"))
    db.session.add(HourEntry(**row))
    db.session.flush()

    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(HourEntry(**row))
        db.session.flush()

    assert count_entries(participant_id=project["participant"]) == 1


def test_a_work_package_of_another_project_is_refused(project, supervisor):
    other = viertelwerk_project(supervisor=supervisor)

    error = refused(lambda: hours.create_entry(work(project["participant"], MONDAY, "6", other["package"]),
                                               actor=supervisor))

    assert messages(error, "work_package_id") == "Dieses Arbeitspaket gehört nicht zum Projekt der Person."
    assert count_entries() == 0


def test_working_hours_need_a_work_package(project, supervisor):
    error = refused(lambda: hours.create_entry(work(project["participant"], MONDAY, "6", None), actor=supervisor))

    assert messages(error, "work_package_id") == "Bitte ein Arbeitspaket wählen."


def test_an_unknown_absence_is_refused(project, supervisor):
    error = refused(lambda: hours.create_entry(absent(project["participant"], MONDAY, "6", "holiday"),
                                               actor=supervisor))

    assert messages(error, "absence") == "Unbekannte Abwesenheit „holiday“."


# --- another crew's participant is unknown ---------------------------------------------------------------


@pytest.fixture
def stranger():
    """A supervisor who runs another project."""
    other = UserFactory(roles=[Role.SUPERVISOR])
    viertelwerk_project(supervisor=other)
    return other


def test_another_crews_participant_is_unknown_to_a_supervisor_creating_an_entry(project, stranger):
    error = refused(lambda: hours.create_entry(work(project["participant"], MONDAY, "6", project["package"]),
                                               actor=stranger))

    assert error.fields == {"participant_id": [UNKNOWN]}
    assert count_entries() == 0


def test_another_crews_participant_reads_exactly_like_a_missing_one(project, stranger):
    theirs = refused(lambda: hours.create_entry(work(project["participant"], MONDAY, "6", project["package"]),
                                                actor=stranger))
    missing = refused(lambda: hours.create_entry(work(987654, MONDAY, "6", project["package"]), actor=stranger))

    assert (theirs.message, theirs.fields, type(theirs)) == (missing.message, missing.fields, type(missing))


def test_another_crews_participant_is_unknown_for_put_delete_and_approval(project, supervisor, stranger):
    entry = hours.create_entry(work(project["participant"], MONDAY, "6", project["package"]), actor=supervisor)
    db.session.commit()

    for call in (lambda: hours.put_entry(work(project["participant"], TUESDAY, "6", project["package"]),
                                         actor=stranger),
                 lambda: hours.delete_entry(entry, actor=stranger),
                 lambda: hours.approve_month(person(project), MARCH, actor=stranger)):
        assert refused(call).fields == {"participant_id": [UNKNOWN]}

    assert [e.worked_on for e in entries_of(project["participant"])] == [MONDAY]
    assert lock_of(project["participant"], MARCH) is None


def test_an_admin_records_hours_for_any_crew(project, admin):
    entry = hours.create_entry(work(project["participant"], MONDAY, "6", project["package"]), actor=admin)

    assert entry.recorded_by_id == admin.id


def test_a_housing_officer_cannot_record_hours(project):
    officer = UserFactory(roles=[Role.HOUSING_OFFICER])

    error = refused(lambda: hours.create_entry(work(project["participant"], MONDAY, "6", project["package"]),
                                               actor=officer))

    assert error.fields == {"participant_id": [UNKNOWN]}


# --- locked months -----------------------------------------------------------------------------------------


@pytest.fixture
def locked_march(project, supervisor):
    """An entry on Monday 9 March, then March approved and locked."""
    entry = hours.create_entry(work(project["participant"], MONDAY, "6", project["package"]), actor=supervisor)
    with march_over():
        hours.approve_month(person(project), MARCH, actor=supervisor)
    db.session.commit()
    return entry


def test_a_locked_month_refuses_a_new_entry_with_a_conflict(locked_march, project, supervisor):
    error = refused(lambda: hours.create_entry(work(project["participant"], TUESDAY, "6", project["package"]),
                                               actor=supervisor), Conflict)

    assert error.message == "Der Monat 03/2026 ist freigegeben und gesperrt."
    assert error.code == "conflict"
    assert [e.worked_on for e in entries_of(project["participant"])] == [MONDAY]


def test_a_locked_month_refuses_put_entry_with_a_conflict(locked_march, project, supervisor):
    # (3 hours: more would trip over the put_entry day-total bug first, see test_put_entry_raises_a_full_day...)
    refused(lambda: hours.put_entry(work(project["participant"], MONDAY, "3", project["package"]),
                                    actor=supervisor), Conflict)
    refused(lambda: hours.put_entry(absent(project["participant"], TUESDAY, "6"), actor=supervisor), Conflict)

    assert [(e.worked_on, e.hours) for e in entries_of(project["participant"])] == [(MONDAY, Decimal("6"))]


def test_a_locked_month_refuses_deleting_an_entry_with_a_conflict(locked_march, project, supervisor):
    entry = db.session.get(HourEntry, locked_march.id)

    refused(lambda: hours.delete_entry(entry, actor=supervisor), Conflict)

    assert db.session.get(HourEntry, locked_march.id) is not None


def test_a_lock_covers_only_its_own_participant_and_month(locked_march, project, supervisor):
    other = add_participant(project["project"], project["package"], actor=supervisor)

    february = hours.create_entry(work(project["participant"], date(2026, 2, 27), "6", project["package"]),
                                  actor=supervisor)
    colleague = hours.create_entry(work(other.id, TUESDAY, "6", project["package"]), actor=supervisor)

    assert (february.worked_on, colleague.participant_id) == (date(2026, 2, 27), other.id)


def test_approving_a_month_locks_it_and_is_audited(project, supervisor):
    with march_over():
        lock = hours.approve_month(person(project), date(2026, 3, 12), actor=supervisor)
    db.session.commit()

    assert lock.month == MARCH
    assert lock.is_locked
    assert lock.approved_by_id == supervisor.id
    assert hours.is_locked(project["participant"], date(2026, 3, 31))
    assert not hours.is_locked(project["participant"], date(2026, 4, 1))
    event = audit("month.approve")[-1]
    assert (event.actor_id, event.object_id, event.summary) == (supervisor.id, str(project["participant"]), "2026-03")


def test_approving_a_future_month_is_refused(project, supervisor):
    error = refused(lambda: hours.approve_month(person(project), date(2026, 4, 1), actor=supervisor), Conflict)

    assert error.message == "Ein Monat in der Zukunft kann nicht freigegeben werden."
    assert lock_of(project["participant"], date(2026, 4, 1)) is None


def test_a_running_month_can_be_approved_from_its_last_working_day_on(project, supervisor, frozen_clock):
    """Approving locks every day of the month: on the 18th it would shut out the rest of March."""
    error = refused(lambda: hours.approve_month(person(project), MARCH, actor=supervisor), Conflict)
    assert error.message == ("Der Monat läuft noch: Freigeben lässt er sich ab dem 31.03.2026, seinem letzten "
                             "Arbeitstag (die Freigabe sperrt alle Tage des Monats).")
    assert lock_of(project["participant"], MARCH) is None

    frozen_clock.move_to(MARCH_OVER)
    assert hours.approve_month(person(project), MARCH, actor=supervisor).is_locked


def test_the_last_working_day_skips_weekends_and_holidays_and_ends_with_the_measure(project):
    assert hours.last_working_day(date(2026, 5, 1)) == date(2026, 5, 29)  # the 30th/31st a weekend
    assert hours.last_working_day(date(2026, 12, 1)) == date(2026, 12, 31)
    assert hours.last_working_day(date(2027, 12, 1)) == date(2027, 12, 31)  # a Friday
    assert hours.last_working_day(date(2026, 4, 1), until=date(2026, 4, 6)) == date(2026, 4, 2)  # Easter
    leaving = person(project)
    leaving.ends_on = date(2026, 3, 20)
    assert hours.approvable_from(leaving, MARCH) == date(2026, 3, 20)
    assert hours.month_to_approve(date(2026, 3, 18)) == date(2026, 2, 1)
    assert hours.month_to_approve(date(2026, 3, 31)) == MARCH


def test_approving_a_month_twice_is_refused(project, supervisor):
    with march_over():
        hours.approve_month(person(project), MARCH, actor=supervisor)
        db.session.commit()

        error = refused(lambda: hours.approve_month(person(project), MARCH, actor=supervisor), Conflict)

    assert error.message == "Der Monat 03/2026 ist bereits freigegeben."
    assert db.session.scalar(select(db.func.count()).select_from(MonthLock)) == 1


def test_only_an_admin_unlocks_a_month(locked_march, project, supervisor):
    error = refused(lambda: hours.unlock_month(person(project), MARCH, "Tippfehler", actor=supervisor), Conflict)

    assert error.message == "Nur die Administration kann einen freigegebenen Monat wieder öffnen."
    assert lock_of(project["participant"], MARCH).is_locked
    assert audit("month.unlock") == []


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_an_admin_must_give_a_reason_to_unlock(locked_march, project, admin, reason):
    error = refused(lambda: hours.unlock_month(person(project), MARCH, reason, actor=admin))

    assert "reason" in error.fields
    assert lock_of(project["participant"], MARCH).is_locked


def test_an_admin_unlocks_with_a_reason_audited_as_month_unlock(locked_march, project, supervisor, admin):
    hours.unlock_month(person(project), MARCH, "Krankmeldung kam nachträglich", actor=admin)
    db.session.commit()

    lock = lock_of(project["participant"], MARCH)
    assert not lock.is_locked
    assert (lock.unlocked_by_id, lock.unlock_reason) == (admin.id, "Krankmeldung kam nachträglich")
    [event] = audit("month.unlock")
    assert event.actor_id == admin.id
    assert event.object_id == str(project["participant"])
    assert "Krankmeldung kam nachträglich" in event.summary
    # open again: the supervisor corrects the month
    entry = hours.create_entry(absent(project["participant"], TUESDAY, "6"), actor=supervisor)
    assert entry.absence == Absence.SICK


def test_unlocking_a_month_that_is_not_locked_is_refused(project, admin):
    refused(lambda: hours.unlock_month(person(project), MARCH, "warum auch immer", actor=admin), Conflict)


def test_an_unlocked_month_can_be_approved_again(locked_march, project, supervisor, admin):
    hours.unlock_month(person(project), MARCH, "Korrektur", actor=admin)
    db.session.commit()

    with march_over():
        lock = hours.approve_month(person(project), MARCH, actor=supervisor)

    assert lock.is_locked and lock.unlock_reason is None
    assert db.session.scalar(select(db.func.count()).select_from(MonthLock)) == 1


# --- put_entry: create or replace ---------------------------------------------------------------------


def test_put_entry_creates_the_entry_of_an_empty_cell(project, supervisor):
    status, entry = hours.put_entry(work(project["participant"], MONDAY, "6", project["package"]), actor=supervisor)

    assert status == "created"
    assert entry.hours == Decimal("6")


def test_put_entry_replaces_the_hours_of_its_cell_instead_of_adding_a_row(project, supervisor):
    hours.put_entry(work(project["participant"], MONDAY, "4", project["package"]), actor=supervisor)
    db.session.commit()

    status, entry = hours.put_entry(work(project["participant"], MONDAY, "5.5", project["package"]),
                                    actor=supervisor)
    db.session.commit()

    assert status == "updated"
    assert [e.hours for e in entries_of(project["participant"], MONDAY)] == [Decimal("5.5")]
    event = audit("hour_entry.update")[-1]
    assert [Decimal(value) for value in event.changes["hours"]] == [Decimal("4"), Decimal("5.5")]


def test_put_entry_with_the_same_value_is_unchanged(project, supervisor):
    hours.put_entry(work(project["participant"], MONDAY, "4", project["package"]), actor=supervisor)
    db.session.commit()

    status, _entry = hours.put_entry(work(project["participant"], MONDAY, "4", project["package"]), actor=supervisor)

    assert status == "unchanged"
    assert count_entries(participant_id=project["participant"]) == 1


def test_put_entry_raises_a_full_day_to_more_hours(project, supervisor):
    hours.put_entry(work(project["participant"], MONDAY, "7.5", project["package"]), actor=supervisor)
    db.session.commit()

    status, _entry = hours.put_entry(work(project["participant"], MONDAY, "8", project["package"]), actor=supervisor)

    assert status == "updated"
    assert [e.hours for e in entries_of(project["participant"], MONDAY)] == [Decimal("8")]


def test_put_entry_changes_the_kind_of_an_absence(project, supervisor):
    hours.put_entry(absent(project["participant"], MONDAY, "4", "sick"), actor=supervisor)
    db.session.commit()

    status, _entry = hours.put_entry(absent(project["participant"], MONDAY, "4", "vacation"), actor=supervisor)
    db.session.commit()

    assert status == "updated"
    assert [e.absence for e in entries_of(project["participant"], MONDAY)] == [Absence.VACATION]


# --- the batch: each item stands alone ----------------------------------------------------------------------


def test_a_batch_keeps_the_valid_items_and_reports_the_invalid_ones_with_reason_and_code(project, supervisor):
    hours.approve_month(person(project), FEBRUARY, actor=supervisor)
    db.session.commit()
    pid, wp = project["participant"], project["package"]

    results = hours.save_batch([
        work(pid, MONDAY, "7.5", wp),
        work(pid, TUESDAY, "1.1", wp),
        work(pid, WEDNESDAY, "11", wp),
        absent(pid, THURSDAY, "6", "vacation"),
        work(pid, date(2026, 2, 20), "6", wp),  # February is locked
        work(pid, TODAY + timedelta(days=1), "6", wp),
        work(pid, FRIDAY, "7.25", wp),
    ], actor=supervisor)
    db.session.commit()

    assert [(r.index, r.status, r.code) for r in results] == [
        (0, "created", None), (1, "rejected", "invalid"), (2, "rejected", "invalid"), (3, "created", None),
        (4, "rejected", "conflict"), (5, "rejected", "invalid"), (6, "created", None)]
    assert "Viertelstunden" in results[1].message and "1,1 geht nicht" in results[1].message
    assert results[2].message == "Mehr als 10 Stunden am Tag sind nach dem Arbeitszeitgesetz nicht zulässig."
    assert results[4].message == "Monat gesperrt."
    assert results[5].errors == {"date": ["Stunden können nicht für die Zukunft erfasst werden."]}
    assert [(e.worked_on, e.hours, e.absence) for e in entries_of(pid)] == [
        (MONDAY, Decimal("7.5"), None), (THURSDAY, Decimal("6"), Absence.VACATION), (FRIDAY, Decimal("7.25"), None)]
    assert results[0].entry.id == entries_of(pid, MONDAY)[0].id


def test_a_batch_without_upsert_reports_a_duplicate_as_a_conflict(project, supervisor):
    pid, wp = project["participant"], project["package"]

    results = hours.save_batch([work(pid, MONDAY, "3", wp), work(pid, MONDAY, "2", wp)], actor=supervisor,
                               upsert=False)

    assert [(r.status, r.code) for r in results] == [("created", None), ("rejected", "conflict")]
    assert [e.hours for e in entries_of(pid, MONDAY)] == [Decimal("3")]


def test_a_batch_delete_item_clears_an_entry(project, supervisor):
    entry = hours.create_entry(work(project["participant"], MONDAY, "6", project["package"]), actor=supervisor)

    [result] = hours.save_batch([("delete", entry)], actor=supervisor)

    assert result.status == "deleted"
    assert entries_of(project["participant"]) == []
    assert audit("hour_entry.delete")


def test_replacing_an_absence_with_invalid_work_keeps_the_absence(project, supervisor):
    sick = hours.create_entry(absent(project["participant"], MONDAY, "6"), actor=supervisor)
    db.session.commit()

    [result] = hours.save_batch([("replace", sick, work(project["participant"], MONDAY, "11", project["package"]))],
                                actor=supervisor)
    db.session.commit()

    assert result.status == "rejected"
    assert "Mehr als 10 Stunden" in result.message
    assert [(e.id, e.absence, e.hours) for e in entries_of(project["participant"])] == [
        (sick.id, Absence.SICK, Decimal("6"))]
    assert audit("hour_entry.delete") == []


def test_replacing_an_absence_with_valid_work_swaps_them(project, supervisor):
    sick = hours.create_entry(absent(project["participant"], MONDAY, "6"), actor=supervisor)
    db.session.commit()

    [result] = hours.save_batch([("replace", sick, work(project["participant"], MONDAY, "7.5", project["package"]))],
                                actor=supervisor)
    db.session.commit()

    assert result.status == "updated"
    assert [(e.absence, e.hours, e.work_package_id) for e in entries_of(project["participant"])] == [
        (None, Decimal("7.5"), project["package"])]


def test_replacing_work_with_an_absence_in_a_locked_month_changes_nothing(locked_march, project, supervisor):
    entry = db.session.get(HourEntry, locked_march.id)

    [result] = hours.save_batch([("replace", entry, absent(project["participant"], MONDAY, "6"))], actor=supervisor)
    db.session.commit()

    assert (result.status, result.code) == ("rejected", "conflict")
    assert [(e.absence, e.hours) for e in entries_of(project["participant"])] == [(None, Decimal("6"))]


# --- months still to approve -------------------------------------------------------------------------------


def test_unapproved_past_months_lists_months_with_hours_and_no_approval(project, supervisor, admin):
    pid, wp = project["participant"], project["package"]
    locked = add_participant(project["project"], wp, actor=supervisor, first="Jörg", last="Weiß")
    idle = add_participant(project["project"], wp, actor=supervisor, first="Aylin", last="Kaya")
    hours.create_entry(work(pid, date(2026, 2, 9), "6", wp), actor=supervisor)
    hours.create_entry(absent(pid, date(2026, 2, 10), "6"), actor=supervisor)
    hours.create_entry(work(pid, MONDAY, "6", wp), actor=supervisor)  # the current month: not yet due
    hours.create_entry(work(locked.id, date(2026, 2, 9), "6", wp), actor=supervisor)
    hours.approve_month(locked, FEBRUARY, actor=supervisor)
    db.session.commit()
    crew = [person(project), locked, idle]

    assert [(p.id, m) for p, m in hours.unapproved_past_months(crew, TODAY)] == [(pid, FEBRUARY)]

    hours.approve_month(person(project), FEBRUARY, actor=supervisor)
    db.session.commit()
    assert hours.unapproved_past_months(crew, TODAY) == []

    hours.unlock_month(locked, FEBRUARY, "Nachtrag", actor=admin)
    db.session.commit()
    assert [(p.id, m) for p, m in hours.unapproved_past_months(crew, TODAY)] == [(locked.id, FEBRUARY)]


def test_unapproved_past_months_lists_each_month_once_and_in_order(project, supervisor):
    pid, wp = project["participant"], project["package"]
    with time_machine.travel(datetime(2026, 4, 15, 10, tzinfo=UTC), tick=False):
        for day in (date(2026, 3, 31), date(2026, 3, 2), date(2026, 2, 6), date(2026, 4, 1)):
            hours.create_entry(work(pid, day, "6", wp), actor=supervisor)
        db.session.commit()

        months = hours.unapproved_past_months([person(project)], date(2026, 4, 15))

    assert [m for _p, m in months] == [FEBRUARY, MARCH]


def test_unapproved_past_months_finds_an_open_month_behind_approved_and_empty_ones(project, supervisor):
    """Only the months no approval covers are read; a month of the measure without hours (never approved) and an
    approval outside the measure neither hide a later open month nor count as one."""
    pid, wp = project["participant"], project["package"]
    with time_machine.travel(datetime(2026, 6, 15, 10, tzinfo=UTC), tick=False):
        for day in (date(2026, 2, 9), date(2026, 4, 6), date(2026, 5, 4), date(2026, 5, 5)):
            hours.create_entry(work(pid, day, "6", wp), actor=supervisor)
        for first in (date(2026, 1, 1), FEBRUARY, date(2026, 4, 1)):  # January: before the measure
            hours.approve_month(person(project), first, actor=supervisor)
        db.session.commit()

        months = hours.unapproved_past_months([person(project)], date(2026, 6, 15))
        hours.approve_month(person(project), date(2026, 5, 1), actor=supervisor)
        db.session.commit()
        none_left = hours.unapproved_past_months([person(project)], date(2026, 6, 15))

    assert [(p.id, m) for p, m in months] == [(pid, date(2026, 5, 1))]
    assert none_left == []


def test_unapproved_past_months_of_nobody_is_empty():
    assert hours.unapproved_past_months([], TODAY) == []


# --- the package -------------------------------------------------------------------------------------------


def test_the_renovation_package_can_be_imported_on_its_own():
    """A script or job importing the hour rules first must not run into an import cycle with the Ankauf area."""
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", "import housing.renovation.hours"], cwd=root,
                            capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr[-600:]


def test_a_participants_e_mail_address_must_be_one(project, supervisor):
    from housing.renovation.participants import create_participant

    data = {"first_name": "Ana", "last_name": "Popa", "birth_date": date(1990, 5, 17), "funding_basis": "sgb2_16e",
            "starts_on": MEASURE_START, "ends_on": TODAY + timedelta(days=300), "weekly_hours": Decimal("30"),
            "project_id": project["project"], "default_work_package_id": project["package"],
            "safety_briefing_on": MEASURE_START, "email": "ana@@beispiel"}

    error = refused(lambda: create_participant(data, actor=supervisor), ValidationFailed)

    assert error.fields == {"email": ["Bitte eine gültige E-Mail-Adresse angeben, z. B. name@beispiel.de."]}
    assert create_participant({**data, "email": "ana@beispiel.de"}, actor=supervisor).email == "ana@beispiel.de"
