"""The housing-access reminders on a frozen clock: aftercare contacts (a week before, overdue), a WBS and a
consent running out within 30 days; to the household's advisor, else every tenant advisor. Titles carry the
household's number, never a name."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from housing.auth.roles import Role
from housing.extensions import db
from housing.jobs.models import Notification
from housing.jobs.runner import run_by_hand
from housing.placement import services as placement
from housing.placement.models import Applicant, ApplicantStatus, Consent, Tenancy

from ..factories import UserFactory, household, placement_records
from .conftest import START, dmy, local, messages, walk

PLACEMENT = "Wohnraumvermittlung"


@pytest.fixture
def advisor(clock):
    return UserFactory(roles=[Role.TENANT_ADVISOR])


@pytest.fixture
def colleague(clock):
    return UserFactory(roles=[Role.TENANT_ADVISOR])


@pytest.fixture
def admin(clock):
    """Registers households without becoming their advisor."""
    return UserFactory(roles=[Role.ADMIN])


def day(offset):
    return START + timedelta(days=offset)


def searching(advisor, **fields):
    applicant = household(advisor, **fields)
    db.session.commit()
    return applicant


def wbs(user, applicant, until):
    return (user.id, "wbs_expiring", f"WBS läuft am {dmy(until)} ab (Haushalt Nr. {applicant.id})",
            f"/placement/households/{applicant.id}")


def consent(user, applicant, until, purpose=PLACEMENT):
    return (user.id, "consent_expiring",
            f"Einwilligung „{purpose}“ läuft am {dmy(until)} ab (Haushalt Nr. {applicant.id})",
            f"/placement/households/{applicant.id}")


def aftercare(user, tenancy, due_on, overdue=False):
    text = "überfällig seit" if overdue else "fällig am"
    return (user.id, "aftercare_due",
            f"Nachbetreuung {text} {dmy(due_on)} (Haushalt Nr. {tenancy.applicant_id})",
            f"/placement/tenancies/{tenancy.id}")


def test_an_expiring_wbs_is_announced_once_thirty_days_ahead(clock, advisor, colleague, admin):
    mine = searching(advisor, wbs_valid_until=day(35), wbs_persons=3)
    nobodys = searching(admin, wbs_valid_until=day(30), wbs_persons=3, first_name="Radka")
    withdrawn = searching(advisor, wbs_valid_until=day(10), wbs_persons=3, status="first_contact")
    withdrawn.move_to(ApplicantStatus.WITHDRAWN, actor=advisor, on=START, reason="verzogen")
    searching(advisor, wbs_valid_until=day(-1), wbs_persons=3)  # expired already: nothing
    db.session.commit()

    new = walk(clock, ["wbs-expiring"], START, 40)

    assert new == {
        day(0): sorted([wbs(advisor, nobodys, day(30)), wbs(colleague, nobodys, day(30))]),  # no advisor: all
        day(5): [wbs(advisor, mine, day(35))],  # 30 days before; 31 days before: nothing
    }
    assert messages(admin) == []
    bodies = set(db.session.scalars(select(Notification.body)))
    titles = " ".join(db.session.scalars(select(Notification.title)))
    assert bodies == {"Ionuț Ştefan", "Radka Ştefan"} and "Ştefan" not in titles


def test_an_expiring_consent_is_announced_once_unless_revoked_renewed_or_closed(clock, advisor):
    expiring = searching(advisor)
    expiring.consents[0].expires_on = day(40)
    revoked = searching(advisor)
    revoked.consents[0].expires_on = day(20)
    placement.revoke_consent(revoked.consents[0], actor=advisor)
    renewed = searching(advisor)
    renewed.consents[0].expires_on = day(15)
    placement.add_consent(renewed, {"purpose": "placement", "given_on": START, "expires_on": day(400)},
                          actor=advisor)
    closed = searching(advisor)
    closed.consents[0].expires_on = day(12)
    closed.move_to(ApplicantStatus.WITHDRAWN, actor=advisor, on=START, reason="kein Bedarf mehr")
    db.session.commit()

    new = walk(clock, ["consents-expiring"], START, 40)

    assert new == {day(10): [consent(advisor, expiring, day(40))]}  # 30 days before; 31 days: nothing


@pytest.fixture
def tenancy(clock):
    ids = placement_records()
    return db.session.get(Tenancy, ids["tenancy"])


def contact(tenancy, on, next_due_on):
    placement.add_support_contact(tenancy, {"contact_on": on, "kind": "phone", "next_due_on": next_due_on},
                                  actor=None)
    db.session.commit()


def test_aftercare_follows_the_latest_contact_once_a_week_before_and_once_overdue(clock, tenancy):
    advisor = db.session.get(Applicant, tenancy.applicant_id).advisor
    contact(tenancy, START, day(20))

    first = walk(clock, ["aftercare-due"], START, 25)
    clock.move_to(local(day(25), 10))
    contact(tenancy, day(25), day(50))
    rest = walk(clock, ["aftercare-due"], day(25), 20)

    assert {**first, **rest} == {
        day(13): [aftercare(advisor, tenancy, day(20))],  # 7 days before; 8 days before: nothing
        day(21): [aftercare(advisor, tenancy, day(20), overdue=True)],
        day(43): [aftercare(advisor, tenancy, day(50))],  # the new contact's next date
    }


def test_no_aftercare_reminder_after_the_tenancy_or_the_aftercare_ended(clock, tenancy):
    contact(tenancy, START, day(5))
    applicant = db.session.get(Applicant, tenancy.applicant_id)
    applicant.move_to(ApplicantStatus.STABILISED, actor=None, on=START, check_guards=False)
    db.session.commit()
    assert run_by_hand("aftercare-due").notifications == 0

    applicant.status = ApplicantStatus.AFTERCARE
    db.session.get(Tenancy, tenancy.id).ends_on = day(-1)
    db.session.commit()
    assert run_by_hand("aftercare-due").notifications == 0 and messages() == []


def test_an_advisor_who_has_left_is_replaced_by_every_active_advisor(clock, advisor, colleague):
    gone = UserFactory(roles=[Role.TENANT_ADVISOR], is_active=False)
    applicant = searching(gone, wbs_valid_until=day(20), wbs_persons=3)

    run_by_hand("wbs-expiring")

    assert sorted(messages()) == sorted([wbs(advisor, applicant, day(20)), wbs(colleague, applicant, day(20))])
    assert messages(gone) == []
    assert db.session.get(Consent, applicant.consents[0].id).expires_on is None
