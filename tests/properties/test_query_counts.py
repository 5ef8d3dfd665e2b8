"""What a case file costs in queries does not depend on how much the case holds: the same statements for a case with
one inspection, order, acquisition, referral and file as for one with five of each (issue 9: each kind of record is
read once, and the timeline is made from the records the page read).

The requests run as production does: their commits expire the objects they read (``expiring_commits``)."""

import io
import re
from collections import Counter
from datetime import date, timedelta

import pytest
from werkzeug.datastructures import FileStorage

from housing.attachments.services import store
from housing.clock import today
from housing.extensions import db
from housing.properties import services
from housing.properties.models import Property

from ..conftest import expiring_commits
from ..factories import full_case, png_bytes


def statements_for(client, count_queries, url, headers=None) -> tuple[list[str], object]:
    db.session.commit()
    db.session.expunge_all()
    with expiring_commits():
        client.get(url, headers=headers)  # the session's and token's once-a-minute bookkeeping
        with count_queries() as statements:
            response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return statements, response


def reads(statements: list[str]) -> Counter:
    """How many statements read each table first named after FROM."""
    return Counter(match.group(1) for statement in statements if statement.lstrip().upper().startswith("SELECT")
                   and (match := re.search(r"\bFROM (\w+)", statement)))


def grow(property_id: int, officer, n: int) -> None:
    """``n`` more of every kind of record the case file shows."""
    prop = db.session.get(Property, property_id)
    unit = services.units_of(prop)[0]
    for i in range(n):
        services.add_referral(prop, {"source": "police", "received_on": date(2024, 1, 1 + i),
                                     "text": f"Meldung {i}"}, actor=officer)
        inspection = services.record_inspection(
            prop, inspected_on=today() - timedelta(days=30 + i), condition_rating=3, occupancy={unit.id: 3},
            defects=[services.DefectInput("weather_damp", "major", f"Schimmel {i}", unit_id=unit.id,
                                          deadline=today() + timedelta(days=20))], actor=officer)
        services.create_order(prop, {"type": "repair_order"}, actor=officer)
        services.create_acquisition(prop, {"method": "purchase", "buyer": "city"}, actor=officer)
        store(FileStorage(io.BytesIO(png_bytes()), filename=f"foto-{i}.png"), actor=officer, property_id=prop.id,
              subject_type="inspection", subject_id=inspection.id)
    db.session.commit()


@pytest.fixture
def officer(officer_client):
    return officer_client.user


def test_the_case_file_costs_the_same_queries_for_a_small_and_a_full_case(officer_client, officer, count_queries):
    case = full_case(actor=officer)
    url = f"/properties/{case['property']}"
    few, small = statements_for(officer_client, count_queries, url)

    grow(case["property"], officer, 5)
    many, full = statements_for(officer_client, count_queries, url)

    assert len(many) == len(few)
    tables = reads(many)  # each kind of record read once, for the sections and the timeline alike
    assert {table: tables[table] for table in ("referrals", "inspections", "attachments", "status_transitions",
                                               "defects", "user_roles")} == {
        "referrals": 1, "inspections": 1, "attachments": 1, "status_transitions": 1,
        "defects": 2,  # the inspections' defects, and the case's open deadlines
        "user_roles": 0}  # the login's roles come with its session; the officers' named are not needed
    page = full.get_data(as_text=True)
    assert small.get_data(as_text=True).count("Meldung (") == 0
    assert page.count("Meldung (Polizei): Meldung") == 5  # the timeline
    assert all(page.count(f"Meldung {i}<") == 2 for i in range(5))  # the referrals' section and the timeline
    assert page.count("Schimmel") == 5 and page.count("foto-") == 5 * 2  # a file at its inspection and in the timeline


def test_the_timeline_api_costs_the_same_queries_for_a_small_and_a_full_case(client, officer, bearer, count_queries):
    case = full_case(actor=officer)
    url, headers = f"/api/v1/properties/{case['property']}/timeline", bearer(officer)
    few, small = statements_for(client, count_queries, url, headers)

    grow(case["property"], officer, 5)
    many, full = statements_for(client, count_queries, url, headers)

    assert len(many) == len(few)
    assert reads(many)["inspections"] == 1 and reads(many)["occupancies"] == 0  # the timeline needs no occupancy
    assert len(full.get_json()["items"]) == len(small.get_json()["items"]) + 5 * 3  # a referral, an inspection, a file
    assert [item["text"] for item in full.get_json()["items"] if item["kind"] == "referral"] == [
        f"Meldung (Polizei): Meldung {i}" for i in range(5)]
