"""Shared helpers of the import tests: a frozen clock, an administrator, running an import, counting records,
and the renovation project the sample lists of participants and hour entries name.

The clock stands still on Wednesday, 18 November 2026, 11:00 in Dortmund: every date in the sample files
(docs/import/) is then in the past where it must be.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import func, select

from housing.auth.roles import Role
from housing.extensions import db
from housing.imports.services import run_import
from housing.properties import services as cases
from housing.properties.models import Acquisition, CaseStatus, Property
from housing.renovation import services as renovation

from ..factories import UserFactory

NOW = datetime(2026, 11, 18, 10, tzinfo=UTC)
TODAY = date(2026, 11, 18)
SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "import"
PROJECT = "Sanierung Schleswiger Straße 28"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def admin():
    return UserFactory(roles=[Role.ADMIN])


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def csv(text: str, encoding: str = "utf-8") -> bytes:
    """A CSV file as Excel writes it: CRLF line ends."""
    return text.strip("\n").replace("\n", "\r\n").encode(encoding)


def rows_of(report) -> list[tuple]:
    return [(problem.row, problem.column, problem.message) for problem in report.problems]


@pytest.fixture
def run(admin):
    """``run(kind, data, dry_run=False)``: import ``data`` (bytes, or text written as a UTF-8 CSV) as an admin."""

    def do(kind, data, dry_run=False, actor=None):
        if isinstance(data, str):
            data = csv(data)
        report = run_import(kind, data, actor=actor or admin, dry_run=dry_run)
        db.session.commit()
        return report

    return do


def sample(kind: str) -> bytes:
    return (SAMPLES / f"{kind}.csv").read_bytes()


@pytest.fixture
def project(admin):
    """The renovation project of the sample participants: Schleswiger Straße 28, acquired and handed over,
    with the work packages "Trockenbau" and "Malerarbeiten"."""

    def make():
        key = Property.make_address_key("Schleswiger Straße", "28", "44145")
        prop = db.session.scalar(select(Property).where(Property.address_key == key)) or cases.create_property(
            {"street": "Schleswiger Straße", "house_number": "28", "postcode": "44145", "social_area": "nordmarkt"},
            actor=admin)
        prop.status = CaseStatus.ACQUIRED
        db.session.add(Acquisition(property_id=prop.id, method="purchase", buyer="viertelwerk",
                                   agreed_price=Decimal("1"), notarised_on=date(2025, 6, 1),
                                   transferred_on=date(2025, 7, 1)))
        made = renovation.hand_over(prop, {"name": PROJECT, "starts_on": date(2025, 9, 1),
                                           "planned_end_on": TODAY + timedelta(days=300)}, actor=admin)
        renovation.update_project(made, {"status": "active"}, actor=admin)
        for trade in ("Trockenbau", "Malerarbeiten"):
            renovation.save_work_package(made, None, {"trade": trade, "planned_hours": Decimal("800")}, actor=admin)
        db.session.commit()
        return made

    return make
