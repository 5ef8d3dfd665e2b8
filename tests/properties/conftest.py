"""Shared helpers of the Ankauf tests: an officer, a case in a given stage, an API token."""

from datetime import timedelta
from decimal import Decimal

import pytest

from housing.auth.roles import Role
from housing.auth.services import create_api_token
from housing.clock import today
from housing.extensions import db
from housing.properties import services

from ..factories import UserFactory


@pytest.fixture
def officer():
    return UserFactory(roles=[Role.HOUSING_OFFICER])


@pytest.fixture
def make_case(officer):
    """``make_case(street=..., number=..., **fields)``: a fresh problem case (status 'reported')."""
    counter = {"n": 0}

    def make(street="Mallinckrodtstraße", number=None, actor=None, **fields):
        counter["n"] += 1
        data = {"street": street, "house_number": number or str(counter["n"]), "postcode": "44147",
                "social_area": "nordmarkt", **fields}
        return services.create_property(data, actor=actor or officer)

    return make


def acquired_case(prop, actor):
    """Bring ``prop`` to 'acquired' the regular way: an acquisition with notary, transfer and price."""
    services.create_acquisition(prop, {"method": "purchase", "buyer": "viertelwerk",
                                       "notarised_on": today() - timedelta(days=30),
                                       "transferred_on": today() - timedelta(days=2),
                                       "agreed_price": Decimal("640000")}, actor=actor)
    services.transition(prop, "acquired", actor=actor)
    return prop


@pytest.fixture
def bearer():
    """``bearer(user)`` -> request headers carrying a fresh API token of ``user``."""

    def make(user):
        _token, secret = create_api_token(user, "t")
        db.session.commit()
        return {"Authorization": f"Bearer {secret}"}

    return make
