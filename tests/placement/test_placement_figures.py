"""The overview's figures are kept by the database (migration 0013): after every kind of change, the tenancies'
rows, the placements per month and area and the flats per status and area equal what counting the tenancies and
flats themselves gives, on SQLite and PostgreSQL alike; the overview and the aftercare count read them."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update

from housing.extensions import db
from housing.placement import overview, services
from housing.placement.counts import FlatCount, PlacementArea, PlacementMonth, TenancyFigures
from housing.placement.models import Applicant, SupportContact, Tenancy, Vacancy
from housing.placement.services import _aftercare_next_due
from housing.properties.models import Property, SocialArea, Unit

from .conftest import TODAY, accept_and_sign


def kept() -> dict:
    return {
        "tenancies": {(f.tenancy_id, f.month, f.days, f.social_area_id, f.status, f.next_due_on, f.ends_on)
                      for f in db.session.scalars(select(TenancyFigures))},
        "months": {(r.month, r.days): r.tenancies for r in db.session.scalars(select(PlacementMonth)) if r.tenancies},
        "areas": {(r.month, r.social_area_id): r.tenancies
                  for r in db.session.scalars(select(PlacementArea)) if r.tenancies},
        "flats": {(r.status, r.social_area_id): r.flats for r in db.session.scalars(select(FlatCount)) if r.flats},
    }


def counted() -> dict:
    """The same, from the tenancies, households, contacts, units, buildings and flats themselves."""
    db.session.flush()
    db.session.expire_all()
    rows = set()
    months: dict = {}
    areas: dict = {}
    for tenancy, next_due, area in db.session.execute(
            select(Tenancy, _aftercare_next_due(), Property.social_area_id)
            .join(Unit, Unit.id == Tenancy.unit_id).join(Property, Property.id == Unit.property_id)):
        applicant = db.session.get(Applicant, tenancy.applicant_id)
        month = f"{tenancy.starts_on:%Y-%m}"
        days = (tenancy.created_at.astimezone(UTC).date() - applicant.registered_on).days
        rows.add((tenancy.id, month, days, area, applicant.status.value, next_due, tenancy.ends_on))
        months[(month, days)] = months.get((month, days), 0) + 1
        areas[(month, area)] = areas.get((month, area), 0) + 1
    flats: dict = {}
    for status, area in db.session.execute(
            select(Vacancy.status, Property.social_area_id).join(Unit, Unit.id == Vacancy.unit_id)
            .join(Property, Property.id == Unit.property_id)):
        flats[(status.value, area)] = flats.get((status.value, area), 0) + 1
    return {"tenancies": rows, "months": months, "areas": areas, "flats": flats}


def sign(household, flat, advisor, **kwargs):
    accept_and_sign(services.propose(household, flat, actor=advisor), advisor, **kwargs)
    return db.session.scalar(select(Tenancy).where(Tenancy.applicant_id == household.id))


def test_the_figures_follow_every_change_of_tenancies_households_contacts_flats_and_buildings(
        advisor, make_household, make_flat):
    assert kept() == counted()
    households = [make_household((1, 0)) for _ in range(6)]
    flats = [make_flat(area="50", net="300", charges="100", street=f"Heroldstraße {n}") for n in range(7)]
    tenancies = [sign(households[n], flats[n], advisor, starts_on=TODAY - timedelta(days=40 * n)) for n in range(4)]
    assert kept() == counted() and len(kept()["tenancies"]) == 4

    # contacts: added (two on one day), changed, deleted
    for next_due_on in (TODAY + timedelta(days=3), None):
        services.add_support_contact(tenancies[0], {"contact_on": TODAY, "kind": "phone",
                                                    "next_due_on": next_due_on}, actor=advisor)
    services.add_support_contact(tenancies[1], {"contact_on": TODAY - timedelta(days=2), "kind": "phone",
                                                "next_due_on": TODAY + timedelta(days=20)}, actor=advisor)
    db.session.flush()
    assert kept() == counted()
    latest = db.session.scalars(select(SupportContact).where(SupportContact.tenancy_id == tenancies[0].id)
                                .order_by(SupportContact.id.desc())).first()
    db.session.execute(update(SupportContact).where(SupportContact.id == latest.id)
                       .values(next_due_on=TODAY + timedelta(days=9)))
    db.session.execute(update(SupportContact).where(SupportContact.tenancy_id == tenancies[1].id)
                       .values(tenancy_id=tenancies[2].id))                            # moved to another tenancy
    db.session.execute(delete(SupportContact).where(SupportContact.id == latest.id))
    assert kept() == counted()

    # tenancies: recorded at another time, started in another month, ended, moved to another unit
    db.session.execute(update(Tenancy).where(Tenancy.id == tenancies[0].id).values(
        created_at=datetime(2025, 12, 31, 23, 30, tzinfo=UTC)))
    db.session.execute(update(Tenancy).where(Tenancy.id == tenancies[1].id).values(
        starts_on=TODAY - timedelta(days=200), ends_on=TODAY - timedelta(days=1)))
    db.session.execute(update(Tenancy).where(Tenancy.id == tenancies[2].id).values(unit_id=flats[6].unit_id))
    assert kept() == counted()

    # households: registered on another day, a new status, deleted with their tenancies (the retention run)
    services.update_applicant(households[2], {"registered_on": TODAY - timedelta(days=400)}, actor=advisor,
                              version=households[2].version)
    db.session.execute(update(Applicant).where(Applicant.id == households[3].id).values(status="at_risk"))
    db.session.execute(delete(Applicant).where(Applicant.id == households[0].id))
    assert kept() == counted()

    # flats: withdrawn, a new one, deleted; a unit moved to another building, a building to another area
    db.session.execute(update(Vacancy).where(Vacancy.id == flats[4].id).values(status="withdrawn"))
    make_flat(area="60", street="Mallinckrodtstraße 1")
    db.session.execute(delete(Vacancy).where(Vacancy.id == flats[5].id))
    other_area = db.session.scalar(select(SocialArea.id).where(SocialArea.id != flats[6].unit.building
                                                               .social_area_id).limit(1))
    db.session.execute(update(Property).where(Property.id == flats[6].unit.property_id)  # a tenancy's, now
                       .values(social_area_id=other_area))
    db.session.execute(update(Unit).where(Unit.id == flats[3].unit_id).values(property_id=flats[4].unit.property_id))
    assert kept() == counted()
    assert sum(kept()["areas"].values()) == 3 and other_area in {area for _month, area in kept()["areas"]}


def test_the_overview_and_the_aftercare_count_read_the_kept_figures(advisor, make_household, make_flat,
                                                                     count_queries):
    for n in range(3):
        sign(make_household((1, 0)), make_flat(area="50", net="300", charges="100", street=f"Heroldstraße {n}"),
             advisor, starts_on=TODAY - timedelta(days=20 * n))
    make_flat(area="60", street="Mallinckrodtstraße 1")
    db.session.flush()

    with count_queries() as queries:
        figures = overview.figures(TODAY)

    assert sum(figures.placements.values()) == 3 and figures.open_total == 1
    assert figures.aftercare_due == services.aftercare_due_count(TODAY) == 2  # due two weeks after the start
    assert len(queries) == 5
    assert not any(table in statement for statement in queries for table in ("FROM tenancies", "FROM vacancies"))
