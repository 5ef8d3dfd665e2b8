"""Shared helpers of the Viertelwerk tests: a frozen clock, a project with its crew, entries, API tokens.

The clock stands still on Wednesday, 18 March 2026 (Dortmund) for every test here, so "today", "the
future", "the current month" and the crew sheet's week never depend on when the suite runs. The
project of ``viertelwerk_project`` then starts on 6 February 2026 (its crew is briefed that day).
"""

import html
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import func, select

from housing.auth.models import User
from housing.auth.roles import Role
from housing.auth.services import create_api_token
from housing.extensions import db
from housing.properties import services as cases
from housing.properties.models import Acquisition, CaseStatus
from housing.renovation import hours
from housing.renovation.models import HourEntry, MonthLock, Participant
from housing.renovation.participants import create_participant

from ..factories import UserFactory, viertelwerk_project

NOW = datetime(2026, 3, 18, 10, tzinfo=UTC)  # a Wednesday, 11:00 in Dortmund
TODAY = date(2026, 3, 18)
MEASURE_START = TODAY - timedelta(days=40)  # 6 February 2026, also the safety briefing
LAST_WEEK = [date(2026, 3, 9) + timedelta(days=n) for n in range(5)]  # KW 11, Monday to Friday, all past
LAST_WEEK_PARAM = "2026-W11"


# The last working day of March: from then on the month can be approved (hours.approvable_from).
MARCH_OVER = datetime(2026, 3, 31, 10, tzinfo=UTC)


def march_over():
    """The clock on 31 March for as long as the ``with`` lasts (an approval of March), then back on the 18th."""
    return time_machine.travel(MARCH_OVER, tick=False)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def supervisor():
    return UserFactory(roles=[Role.SUPERVISOR])


@pytest.fixture
def admin():
    return UserFactory(roles=[Role.ADMIN])


@pytest.fixture
def project(supervisor):
    """One project run by ``supervisor`` with one work package (100 h planned) and one briefed participant."""
    return viertelwerk_project(supervisor=supervisor)


def get(model, ident):
    return db.session.get(model, ident)


def person(ids, n=0) -> Participant:
    return db.session.get(Participant, ids["participants"][n])


def work(participant_id, day, value, package_id, activity=None) -> hours.EntryInput:
    return hours.EntryInput(participant_id, day, hours=value, work_package_id=package_id, activity=activity)


def absent(participant_id, day, value, kind="sick") -> hours.EntryInput:
    return hours.EntryInput(participant_id, day, hours=value, absence=kind)


def entries_of(participant_id, day=None) -> list[HourEntry]:
    stmt = select(HourEntry).where(HourEntry.participant_id == participant_id)
    if day is not None:
        stmt = stmt.where(HourEntry.worked_on == day)
    return list(db.session.scalars(stmt.order_by(HourEntry.worked_on, HourEntry.slot)))


def count_entries(**filters) -> int:
    stmt = select(func.count()).select_from(HourEntry)
    for key, value in filters.items():
        stmt = stmt.where(getattr(HourEntry, key) == value)
    return db.session.scalar(stmt)


def lock_of(participant_id, first) -> MonthLock | None:
    return db.session.scalar(select(MonthLock).where(MonthLock.participant_id == participant_id,
                                                     MonthLock.month == first))


def acquired_property(admin, number="7"):
    """An acquired building without a project yet (the regular hand-over precondition)."""
    prop = cases.create_property({"street": "Kielstraße", "house_number": number, "postcode": "44145",
                                  "social_area": "borsigplatz"}, actor=admin)
    prop.status = CaseStatus.ACQUIRED
    db.session.add(Acquisition(property_id=prop.id, method="purchase", buyer="city", agreed_price=Decimal("1"),
                               notarised_on=TODAY - timedelta(days=60), transferred_on=TODAY - timedelta(days=50)))
    db.session.commit()
    return prop


def add_participant(project_id, package_id, *, actor, first="Ionuț", last="Popa", weekly="30",
                    starts_on=MEASURE_START, ends_on=TODAY + timedelta(days=300), briefing=MEASURE_START):
    participant = create_participant({
        "first_name": first, "last_name": last, "birth_date": date(1990, 5, 17), "funding_basis": "sgb2_16e",
        "starts_on": starts_on, "ends_on": ends_on, "weekly_hours": Decimal(weekly), "project_id": project_id,
        "default_work_package_id": package_id, "safety_briefing_on": briefing}, actor=actor)
    db.session.commit()
    return participant


@pytest.fixture
def bearer():
    """``bearer(user)`` -> request headers carrying a fresh API token of ``user``."""

    def make(user):
        _token, secret = create_api_token(user, "t")
        db.session.commit()
        return {"Authorization": f"Bearer {secret}"}

    return make


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True)).replace("\xa0", " ").replace("\u202f", " ")


def flashes(response) -> list[str]:
    return [html.unescape(m).strip() for m in re.findall(r'<div class="flash flash--\w+"[^>]*>(.*?)</div>',
                                                         response.get_data(as_text=True), flags=re.S)]


def user(ident) -> User:
    return db.session.get(User, ident)
