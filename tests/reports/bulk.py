"""Programme data in bulk, written with plain INSERTs: many cases in every status and social area, renovation
projects with crews and their hour entries, placed households with aftercare and landlord cases.

For the report's query-count test (small against larger data) and for measuring it at city scale."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import insert, select

from housing.extensions import db
from housing.placement.models import (
    Applicant,
    ApplicantStatus,
    Landlord,
    LandlordSupportCase,
    Offer,
    SupportContact,
    Tenancy,
    Vacancy,
)
from housing.properties.models import EXITS, PIPELINE, Property, SocialArea, StatusTransition, Unit
from housing.renovation.models import FundingBasis, HourEntry, Participant, RenovationProject, WorkPackage

STATUSES = PIPELINE + EXITS
CHUNK = 20_000


def _rows(table, rows):
    """INSERT rows in chunks, so millions never sit in memory at once."""
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            db.session.execute(insert(table), batch)
            batch = []
    if batch:
        db.session.execute(insert(table), batch)


def _at(day: date) -> datetime:
    return datetime.combine(day, time(9), UTC)


def programme(*, cases: int, projects: int, crew: int, days: int, packages: int = 1, placements: int,
              last_day: date) -> None:
    """``cases`` problem cases, ``projects`` projects of ``packages`` work packages with ``crew`` participants each,
    every participant with an entry on each of ``days`` days (up to ``last_day``) and each package, and
    ``placements`` households placed in flats of their own buildings with aftercare and landlord cases."""
    areas = list(db.session.scalars(select(SocialArea.id).order_by(SocialArea.id)))
    first_id = (db.session.scalar(select(db.func.max(Property.id))) or 0) + 1
    now = datetime.now(UTC)

    def properties(count, offset, problem):
        for n in range(count):
            number = offset + n
            status = STATUSES[number % len(STATUSES)] if problem else None
            yield {"street": "Prüfstraße", "house_number": str(number), "postcode": "44147",
                   "address_key": f"pruefstr|{number}|44147|{problem}", "social_area_id": areas[number % len(areas)],
                   "is_problem_case": problem, "status": status, "created_at": now, "updated_at": now,
                   "status_changed_at": now, "version": 1, "priority": "medium"}

    _rows(Property.__table__, properties(cases, first_id, True))
    case_ids = list(db.session.scalars(select(Property.id).where(Property.id >= first_id,
                                                                 Property.is_problem_case.is_(True))))

    def transitions():
        for n, property_id in enumerate(case_ids):
            opened = last_day - timedelta(days=n % 700)
            yield {"property_id": property_id, "from_status": None, "to_status": "reported",
                   "occurred_at": _at(opened)}
            status = STATUSES[(first_id + n) % len(STATUSES)]
            if status.value != "reported":
                yield {"property_id": property_id, "from_status": "reported", "to_status": status.value,
                       "occurred_at": _at(opened + timedelta(days=1))}

    _rows(StatusTransition.__table__, transitions())

    start = last_day - timedelta(days=days - 1)
    for p in range(projects):
        property_id = case_ids[p % len(case_ids)]
        project_id = db.session.execute(insert(RenovationProject.__table__).values(
            property_id=property_id, name=f"Sanierung Prüfstraße {property_id}", starts_on=start,
            planned_end_on=last_day + timedelta(days=300), status="active", labour_budget=Decimal("0"),
            material_budget=Decimal("0"), created_at=now)).inserted_primary_key[0]
        package_ids = [db.session.execute(insert(WorkPackage.__table__).values(
            project_id=project_id, position=k, trade=f"Gewerk {k}", planned_hours=Decimal("5000"),
            progress_percent=0, by_specialist_firm=False)).inserted_primary_key[0] for k in range(packages)]
        participant_ids = [db.session.execute(insert(Participant.__table__).values(
            first_name=f"Ţăran{p}x{c}", last_name="Şükrü", birth_date=date(1980, 1, 1),
            funding_basis=FundingBasis.SGB2_16I.value, starts_on=start, ends_on=last_day + timedelta(days=300),
            weekly_hours=Decimal("30"), project_id=project_id, created_at=now, version=1)).inserted_primary_key[0]
            for c in range(crew)]

        def entries(project_id=project_id, package_ids=package_ids, participant_ids=participant_ids):
            for participant_id in participant_ids:
                for d in range(days):
                    day = start + timedelta(days=d)
                    for package_id in package_ids:
                        yield {"participant_id": participant_id, "worked_on": day, "project_id": project_id,
                               "work_package_id": package_id, "slot": str(package_id), "hours": Decimal("1.75"),
                               "recorded_at": now}

        _rows(HourEntry.__table__, entries())

    if not placements:
        return
    landlord_id = db.session.execute(insert(Landlord.__table__).values(
        name=f"Bulk-Vermieter {first_id}", kind="association", created_at=now)).inserted_primary_key[0]
    for n in range(placements):
        day = last_day - timedelta(days=n % 300)
        unit_id = db.session.execute(insert(Unit.__table__).values(
            property_id=case_ids[n % len(case_ids)], label=f"W{n}", area_m2=Decimal("60"), persons_registered=0,
            step_free=False, lift=False, is_overcrowded=False)).inserted_primary_key[0]
        applicant_id = db.session.execute(insert(Applicant.__table__).values(
            first_name="Ionuț", last_name=f"Ştefan{n}", languages=[], interpreter_needed=False, adults=1 + n % 2,
            children=n % 4, urgency="normal", urgency_rank=0, step_free_needed=False, registered_on=day,
            status=(ApplicantStatus.AT_RISK if n % 5 == 0 else ApplicantStatus.AFTERCARE).value,
            status_changed_at=now, created_at=now, version=1)).inserted_primary_key[0]
        vacancy_id = db.session.execute(insert(Vacancy.__table__).values(
            unit_id=unit_id, landlord_id=landlord_id, available_from=day, net_cold_rent=Decimal("400"),
            service_charges=Decimal("100"), heating_costs=Decimal("50"), rent_capped=False, status="let",
            created_at=now, version=1)).inserted_primary_key[0]
        offer_id = db.session.execute(insert(Offer.__table__).values(
            applicant_id=applicant_id, vacancy_id=vacancy_id, status="contract_signed", rule_snapshot=[],
            created_at=_at(day), status_changed_at=_at(day))).inserted_primary_key[0]
        tenancy_id = db.session.execute(insert(Tenancy.__table__).values(
            unit_id=unit_id, applicant_id=applicant_id, vacancy_id=vacancy_id, offer_id=offer_id, starts_on=day,
            net_cold_rent=Decimal("400"), aftercare_until=day + timedelta(days=182), created_at=now,
            ends_on=day + timedelta(days=30) if n % 7 == 0 else None)).inserted_primary_key[0]
        db.session.execute(insert(SupportContact.__table__).values(
            tenancy_id=tenancy_id, contact_on=day, kind="phone", topics=["arrears", "neighbours"][: 1 + n % 2]))
        db.session.execute(insert(LandlordSupportCase.__table__).values(
            landlord_id=landlord_id, tenancy_id=tenancy_id, kind="arrears", description="Rückstand", opened_on=day,
            resolved_on=day + timedelta(days=10) if n % 2 else None))
    db.session.flush()
