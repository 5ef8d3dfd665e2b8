"""``flask --app housing run-job NAME [--date YYYY-MM-DD]``."""

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
