"""Builders for the data-protection tests: a placed household, a participant with hours and an owner, each with
audit events from real page views and documents."""

import io
import json
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from housing.auth.roles import Role
from housing.clock import today
from housing.extensions import db
from housing.placement import services as placement
from housing.placement.models import Applicant, Tenancy

from .. import factories
from ..factories import UserFactory


def pdf_text(data: bytes) -> str:
    """The PDF's text with whitespace normalised (table cells wrap where they like)."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def fetch_exports(client, kind: str, subject_id: int) -> tuple[dict, str]:
    """The JSON and the PDF's text of a subject access, downloaded as the admin does."""
    response = client.get(f"/admin/privacy/{kind}/{subject_id}/auskunft.json")
    assert response.status_code == 200, response.data[:300]
    data = json.loads(response.data)
    response = client.get(f"/admin/privacy/{kind}/{subject_id}/auskunft.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return data, pdf_text(response.data)


@dataclass
class Household:
    applicant: Applicant
    offer: object = None
    tenancy: Tenancy | None = None
    contacts: list = field(default_factory=list)
    case: object = None


def placed_household(advisor, *, first_name, last_name, street="Leopoldstraße", label="1. OG", outcome=None,
                     case_text=None, **extra) -> Household:
    """A household with two consents, a signed offer, a tenancy, two aftercare contacts and a landlord's case."""
    applicant = factories.household(advisor, first_name=first_name, last_name=last_name, **extra)
    placement.add_consent(applicant, {"purpose": "share_with_jobcenter", "given_on": today() - timedelta(days=50),
                                      "expires_on": today() + timedelta(days=300)}, actor=advisor)
    vacancy = factories.flat_on_offer(advisor, street=street, label=label)
    offer = placement.propose(applicant, vacancy, actor=advisor)
    for step in ("viewing", "accepted", "contract_signed"):
        placement.transition_offer(offer, step, actor=advisor)
    tenancy = db.session.scalar(select(Tenancy).where(Tenancy.applicant_id == applicant.id))
    contacts = [
        placement.add_support_contact(tenancy, {"contact_on": today(), "kind": "home_visit", "topics": ["arrears"],
                                                "outcome": outcome or f"Ratenplan mit {last_name} vereinbart"},
                                      actor=advisor),
        placement.add_support_contact(tenancy, {"contact_on": today(), "kind": "phone", "topics": ["neighbours"],
                                                "outcome": "Nachbarschaft beruhigt",
                                                "next_due_on": today() + timedelta(days=20)}, actor=advisor),
    ]
    case_ = placement.open_support_case(vacancy.landlord, {
        "kind": "conflict", "description": case_text or f"Lärmbeschwerde über {last_name}",
        "tenancy_id": tenancy.id}, actor=advisor)
    db.session.commit()
    return Household(applicant, offer, tenancy, contacts, case_)


@pytest.fixture
def staff():
    """Two advisors, a supervisor, an officer and an admin with names to look for."""
    return {
        "advisor": UserFactory(roles=[Role.TENANT_ADVISOR], name="Berta Beratung", email="berta@housing.example"),
        "colleague": UserFactory(roles=[Role.TENANT_ADVISOR], name="Kemal Kollege", email="kemal@housing.example"),
        "supervisor": UserFactory(roles=[Role.SUPERVISOR], name="Anke Anleiterin", email="anke@housing.example"),
        "officer": UserFactory(roles=[Role.HOUSING_OFFICER], name="Olaf Ordnung", email="olaf@housing.example"),
        "admin": UserFactory(roles=[Role.ADMIN], name="Dana Datenschutz", email="dana@housing.example"),
    }


@pytest.fixture
def as_user(app, login):
    def client_for(user):
        return login(app.test_client(), user)

    return client_for


def birthday(years: int) -> date:
    return today().replace(year=today().year - years, day=1)


