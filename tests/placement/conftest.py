"""Shared helpers of the housing-access tests: a frozen clock, an advisor, households and flats, API tokens.

The clock stands still on Wednesday, 18 March 2026, 11:00 in Dortmund, so "today", a WBS's expiry and the
KdU table valid on a flat's available-from day never depend on when the suite runs.
"""

import html
import itertools
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from housing.auth.roles import Role
from housing.auth.services import create_api_token
from housing.extensions import db
from housing.placement import services
from housing.placement.matching import evaluate
from housing.placement.models import Applicant, Vacancy

from .. import factories
from ..factories import UserFactory

NOW = datetime(2026, 3, 18, 10, tzinfo=UTC)  # 11:00 in Dortmund
TODAY = date(2026, 3, 18)
D = Decimal


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def advisor():
    return UserFactory(roles=[Role.TENANT_ADVISOR])


_numbers = itertools.count(1)


@pytest.fixture
def make_household(advisor):
    """``make_household(persons=(adults, children), income=..., status=..., **fields)``: a searching household
    with a valid placement consent (``factories.household``), by the test's advisor unless told otherwise."""

    def make(persons=(1, 0), *, income="sgb2", status="searching", by=None, **fields):
        applicant = factories.household(by or advisor, persons=persons, income=income, status=status, **fields)
        db.session.commit()
        return applicant

    return make


@pytest.fixture
def make_flat(advisor):
    """``make_flat(area=..., net=..., charges=..., **fields)``: a landlord's flat on offer, each one a new unit
    (a new label) in the building at ``street``/``house_number`` (default Leopoldstraße 15, Nordmarkt)."""

    def make(area="75", net="500", charges="150", *, by=None, **fields):
        fields.setdefault("label", f"Whg. {next(_numbers)}")
        vacancy = factories.flat_on_offer(by or advisor, area=area, net=net, charges=charges, **fields)
        db.session.commit()
        return vacancy

    return make


@pytest.fixture
def bearer():
    """``bearer(user)`` -> request headers carrying a fresh API token of ``user``."""

    def make(user):
        _token, secret = create_api_token(user, "t")
        db.session.commit()
        return {"Authorization": f"Bearer {secret}"}

    return make


def plain(text: str) -> str:
    """Babel writes "530,00\xa0€"; compare with ordinary spaces."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


def page_text(response) -> str:
    return plain(html.unescape(response.get_data(as_text=True)))


def flashes(response) -> list[str]:
    return [plain(html.unescape(m)).strip() for m in re.findall(
        r'<div class="flash flash--\w+"[^>]*>(.*?)</div>', response.get_data(as_text=True), flags=re.S)]


def fresh(model, object_id):
    """The row as the database has it now (after a request, the test's objects are detached snapshots)."""
    db.session.expire_all()
    return db.session.get(model, object_id)


def rules_of(results) -> dict[str, tuple[bool, str]]:
    """{"space": (passed, detail), ...} of RuleResults or API dicts, details with plain spaces."""
    out = {}
    for result in results:
        if isinstance(result, dict):
            out[result["rule"]] = (result["passed"], plain(result["detail"]))
        else:
            out[result.rule] = (result.passed, plain(result.detail))
    return out


def failed_rules(applicant: Applicant, vacancy: Vacancy) -> list[str]:
    """The rules the Python explanation fails for this pair."""
    return [result.rule for result in evaluate(applicant, vacancy) if not result.passed]


def accept_and_sign(offer, actor, starts_on=None):
    for step in ("viewing", "accepted", "approval_pending"):
        services.transition_offer(offer, step, actor=actor)
    services.transition_offer(offer, "contract_signed", actor=actor, starts_on=starts_on)
    db.session.flush()
    return offer


def ready_building(actor, units=(("EG", "50", "300"), ("1. OG", "62", "420")), buyer="viertelwerk",
                   street="Uhlandstraße", number="92"):
    """An acquired, renovated problem building in 'ready_for_letting' with units of (label, m², planned rent)."""
    from housing.properties import services as cases
    from housing.renovation.models import ProjectStatus
    from housing.renovation.services import hand_over

    prop = cases.create_property({"street": street, "house_number": number, "postcode": "44147",
                                  "social_area": "hafen"}, actor=actor)
    cases.create_acquisition(prop, {"method": "purchase", "buyer": buyer, "notarised_on": TODAY - timedelta(days=400),
                                    "transferred_on": TODAY - timedelta(days=380), "agreed_price": D("640000")},
                             actor=actor)
    cases.transition(prop, "acquired", actor=actor)
    project = hand_over(prop, {"starts_on": TODAY - timedelta(days=360),
                               "planned_end_on": TODAY - timedelta(days=10)}, actor=actor)
    cases.transition(prop, "in_renovation", actor=actor)
    project.status = ProjectStatus.COMPLETED
    for floor, (label, area, rent) in enumerate(units):
        cases.add_unit(prop, {"label": label, "floor": floor, "area_m2": D(area), "planned_rent": D(rent)},
                       actor=actor)
    cases.transition(prop, "ready_for_letting", actor=actor)
    db.session.commit()
    return prop
