"""The households per status are kept by the database: after every kind of change they equal the households counted
one by one, on SQLite and PostgreSQL alike; the households list and the overview read them."""

import re

from sqlalchemy import delete, select, update

from housing.extensions import db
from housing.placement import services
from housing.placement.counts import HouseholdCount, counted_directly, households_by_status
from housing.placement.models import Applicant, ApplicantStatus

from ..factories import UserFactory
from .conftest import accept_and_sign


def table() -> dict[tuple[str, int], int]:
    return {(c.status, c.advisor_id): c.households
            for c in db.session.scalars(select(HouseholdCount).where(HouseholdCount.households != 0))}


def test_the_counts_follow_every_change_of_a_household(advisor, make_household, make_flat):
    colleague = UserFactory(roles=["tenant_advisor"])
    assert table() == counted_directly()
    households = [make_household((1, 0), status=("searching", "clearing", "registered")[n % 3],
                                 by=(advisor, colleague)[n % 2]) for n in range(7)]
    unadvised = services.create_applicant({"first_name": "Ohne", "last_name": "Beratung", "adults": 1}, actor=None)
    db.session.flush()
    assert table() == counted_directly() and sum(table().values()) >= 8

    services.transition_applicant(households[0], "withdrawn", actor=advisor, reason="verzogen")      # the status
    services.update_applicant(households[1], {"advisor_id": advisor.id}, actor=advisor,              # the advisor
                              version=households[1].version)
    accept_and_sign(services.propose(households[6], make_flat(area="50", net="300", charges="100"), actor=advisor),
                    advisor)                                                          # several moves in one go
    db.session.execute(update(Applicant).where(Applicant.id == unadvised.id).values(advisor_id=colleague.id))
    db.session.execute(update(Applicant).where(Applicant.id == households[3].id).values(
        status=ApplicantStatus.LOST_CONTACT, advisor_id=None))                        # both at once, by hand
    db.session.execute(update(Applicant).where(Applicant.id == households[4].id).values(notes="nur eine Notiz"))
    db.session.execute(delete(Applicant).where(Applicant.id == households[5].id))     # e.g. the retention run
    db.session.flush()

    assert table() == counted_directly()
    assert households_by_status() == {ApplicantStatus(status): n for status, n in _by_status().items()}
    assert households_by_status(advisor.id)[ApplicantStatus.WITHDRAWN] >= 1


def _by_status() -> dict[str, int]:
    totals: dict[str, int] = {}
    for (status, _advisor), n in counted_directly().items():
        totals[status] = totals.get(status, 0) + n
    return totals


def test_the_households_list_shows_the_kept_counts_of_its_statuses(advisor_client, make_household):
    me = advisor_client.user
    for status in ("searching", "searching", "clearing"):
        make_household((1, 0), status=status, by=me)
    make_household((1, 0), status="searching", by=UserFactory(roles=["tenant_advisor"]))

    page = advisor_client.get("/placement/households?all=1").get_data(as_text=True)

    chips = dict(re.findall(r'status=(\w+)&amp;all=1">[^<]+<span class="muted">(\d+)</span>', page))
    assert chips["searching"] == "3" and chips["clearing"] == "1"
