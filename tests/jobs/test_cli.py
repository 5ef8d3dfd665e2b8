"""``flask --app housing run-job NAME [--date YYYY-MM-DD]`` and ``flask --app housing scheduler --once``."""

from datetime import date

import pytest
from sqlalchemy import select

from housing.auth.roles import Role
from housing.extensions import db
from housing.jobs.models import JobRun
from housing.jobs.registry import JOBS, Job, Outcome
from housing.properties import services as cases

from ..factories import UserFactory
from .conftest import START, messages


@pytest.fixture
def officer(clock):
    return UserFactory(roles=[Role.HOUSING_OFFICER])


def test_an_unknown_job_fails_with_a_clear_message(runner):
    result = runner.invoke(args=["run-job", "property-deadline"])

    assert result.exit_code == 1
    assert "Unknown job 'property-deadline'" in result.output and "property-deadlines" in result.output
    assert db.session.scalars(select(JobRun)).all() == []


def test_run_job_as_of_a_given_day(clock, runner, officer):
    prop = cases.create_property({"street": "Kesselstraße", "house_number": "8", "postcode": "44147",
                                  "social_area": "nordmarkt"}, actor=officer)
    cases.record_inspection(prop, inspected_on=START, condition_rating=3, officer_ids=[officer.id],
                            defects=[cases.DefectInput("waste", "minor", "Sperrmüll im Hof",
                                                       deadline=date(2026, 12, 5))], actor=officer)
    db.session.commit()

    today = runner.invoke(args=["run-job", "property-deadlines"])
    assert today.exit_code == 0, today.output
    assert "property-deadlines: succeeded; 0 new messages, 0 e-mails." in today.output

    result = runner.invoke(args=["run-job", "property-deadlines", "--date", "2026-12-01"])

    assert result.exit_code == 0, result.output
    assert "property-deadlines: succeeded; 1 new messages, 0 e-mails." in result.output
    assert messages() == [(officer.id, "defect_deadline",
                           "Mangel fällig am 05.12.2026: Müll/Verwahrlosung, Kesselstraße 8", f"/properties/{prop.id}")]
    assert all(run.slot.startswith("manual:") for run in db.session.scalars(select(JobRun)))


def test_a_date_in_another_format_is_refused(runner):
    result = runner.invoke(args=["run-job", "property-deadlines", "--date", "01.12.2026"])
    assert result.exit_code == 2 and "Invalid value for '--date'" in result.output
    assert db.session.scalars(select(JobRun)).all() == []


def test_a_failing_job_exits_with_1(clock, runner):
    JOBS["zz-broken"] = Job("zz-broken", "Kaputt", "Testjob", {"hour": 5}, lambda on: Outcome(summary=str(1 / 0)))
    try:
        result = runner.invoke(args=["run-job", "zz-broken"])
    finally:
        JOBS.pop("zz-broken")

    assert result.exit_code == 1 and "zz-broken: failed" in result.output and "ZeroDivisionError" in result.output


def test_the_scheduler_once_catches_up_on_each_jobs_latest_slot_and_exits(clock, runner, caplog):
    caplog.set_level("INFO", logger="housing.jobs")
    result = runner.invoke(args=["scheduler", "--once"])

    assert result.exit_code == 0, result.output
    assert f"Caught up on {len(JOBS)} slots; the others had run already." in result.output
    runs = db.session.scalars(select(JobRun)).all()
    assert sorted(run.job for run in runs) == sorted(JOBS)
    assert {run.status for run in runs} == {"succeeded"}
    assert next(run.slot for run in runs if run.job == "property-deadlines") == "2026-11-02T06:00"

    again = runner.invoke(args=["scheduler", "--once"])

    assert again.exit_code == 0 and "Caught up on 0 slots; the others had run already." in again.output
    assert len(db.session.scalars(select(JobRun)).all()) == len(JOBS)
    assert "Job property-deadlines slot 2026-11-02T06:00: already claimed, skipped" in caplog.text


def test_the_scheduler_once_exits_with_1_when_a_caught_up_job_failed(clock, runner):
    JOBS["zz-broken"] = Job("zz-broken", "Kaputt", "Testjob", {"hour": 5}, lambda on: Outcome(summary=str(1 / 0)))
    try:
        result = runner.invoke(args=["scheduler", "--once"])
    finally:
        JOBS.pop("zz-broken")

    assert result.exit_code == 1, result.output
    assert db.session.scalar(select(JobRun.status).where(JobRun.job == "zz-broken")) == "failed"
    assert len(db.session.scalars(select(JobRun).where(JobRun.status == "succeeded")).all()) == len(JOBS)
