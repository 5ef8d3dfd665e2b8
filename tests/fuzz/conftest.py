"""The fuzz suite's settings and records.

Examples are drawn reproducibly (``derandomize``) so CI reruns the same inputs; set
``HOUSING_FUZZ_PROFILE=explore`` for a longer random run when hunting (failures are printed with the
input that reproduces them). Every example of a test runs in that test's rolled-back transaction: what an
example stores stays for the next ones, which only makes the pages the checks render fuller."""

import os
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from functools import cached_property

import pytest
from hypothesis import HealthCheck, settings

from housing.auth.roles import Role
from housing.auth.services import create_api_token
from housing.clock import today
from housing.extensions import db

from .. import factories
from ..factories import UserFactory

settings.register_profile(
    "fuzz", derandomize=True, database=None, deadline=None, max_examples=20, print_blob=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("explore", parent=settings.get_profile("fuzz"), derandomize=False, max_examples=200)
PROFILE = settings.get_profile(os.environ.get("HOUSING_FUZZ_PROFILE", "fuzz"))


def fuzz_settings(examples: int):
    """The profile's settings with a number of examples for one test (scaled up by the explore profile)."""
    scale = PROFILE.max_examples // 20
    return settings(PROFILE, max_examples=examples * scale)


@dataclass
class World:
    """The records the forms and operations work on, made on first use, with one user per role."""

    app: object
    login: object
    ids: dict = field(default_factory=dict)

    @cached_property
    def users(self) -> dict:
        made = {role: UserFactory(roles=[role]) for role in Role}
        db.session.commit()
        return made

    def client(self, role: Role):
        return self.login(self.app.test_client(), self.users[role])

    def bearer(self, role: Role) -> dict:
        _token, secret = create_api_token(self.users[role], "fuzz")
        db.session.commit()
        return {"Authorization": f"Bearer {secret}"}

    @cached_property
    def case(self) -> dict:
        """A problem case with a unit, an inspection with a defect and a photo, an order and an acquisition."""
        return factories.full_case(street="Schleswiger Straße", number="7", actor=self.users[Role.HOUSING_OFFICER])

    @cached_property
    def acquired(self) -> int:
        """An acquired building, ready to be handed over to Viertelwerk."""
        from housing.properties import services
        from housing.properties.models import Acquisition, CaseStatus

        officer = self.users[Role.HOUSING_OFFICER]
        prop = services.create_property({"street": "Nordstraße", "house_number": "40", "postcode": "44145",
                                         "social_area": "nordmarkt"}, actor=officer)
        prop.status = CaseStatus.ACQUIRED
        db.session.add(Acquisition(property_id=prop.id, method="purchase", buyer="city", agreed_price=Decimal("1"),
                                   notarised_on=today() - timedelta(days=60),
                                   transferred_on=today() - timedelta(days=50)))
        db.session.commit()
        return prop.id

    @cached_property
    def project(self) -> dict:
        """A running project of the supervisor, with a work package and a crew of two."""
        return factories.viertelwerk_project(supervisor=self.users[Role.SUPERVISOR], crew_size=2)

    @cached_property
    def placement(self) -> dict:
        """The advisor's household, flat, offer, signed tenancy with its landlord, consent and support case."""
        ids = factories.placement_records()
        from housing.placement.models import Applicant

        # The advisor of these records is the one the tests log in as (the health note is theirs to see).
        for applicant in db.session.scalars(db.select(Applicant)):
            applicant.advisor_id = self.users[Role.TENANT_ADVISOR].id
        db.session.commit()
        return ids


@pytest.fixture
def world(app, login):
    return World(app, login)
