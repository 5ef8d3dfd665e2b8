"""Believable Nordstadt case files in every stage of the pipeline (idempotent: existing addresses are skipped)."""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from ..auth.models import User
from ..clock import LOCAL_TZ, today
from ..extensions import db
from ..renovation.models import ProjectStatus
from ..renovation.services import hand_over
from . import services
from .models import CaseStatus, Property, StatusTransition

D = Decimal

# street, number, postcode, social area, year built, floor area, priority, target status, units
CASES = [
    ("Mallinckrodtstraße", "212", "44147", "nordmarkt", 1908, "412", "high", CaseStatus.REPORTED, 0),
    ("Schleswiger Straße", "37", "44145", "nordmarkt", 1912, "520", "medium", CaseStatus.REGISTERED, 4),
    ("Oesterholzstraße", "58", "44145", "borsigplatz", 1905, "610", "highest", CaseStatus.INSPECTED, 6),
    ("Bornstraße", "144", "44145", "borsigplatz", 1899, "455", "high", CaseStatus.OWNER_ENGAGED, 5),
    ("Feldherrnstraße", "21", "44147", "hafen", 1910, "380", "high", CaseStatus.ORDER_ISSUED, 4),
    ("Münsterstraße", "166", "44145", "nordmarkt", 1906, "700", "highest", CaseStatus.ACQUISITION_REVIEW, 8),
    ("Stahlwerkstraße", "9", "44145", "borsigplatz", 1902, "498", "highest", CaseStatus.ACQUIRING, 6),
    ("Lortzingstraße", "30", "44145", "hafen", 1911, "540", "high", CaseStatus.ACQUIRED, 6),
    ("Kielstraße", "26", "44145", "nordmarkt", 1909, "620", "medium", CaseStatus.IN_RENOVATION, 8),
    ("Uhlandstraße", "92", "44147", "hafen", 1913, "430", "medium", CaseStatus.READY_FOR_LETTING, 5),
    ("Flurstraße", "47", "44145", "borsigplatz", 1904, "360", "low", CaseStatus.RESOLVED_BY_OWNER, 4),
    ("Heroldstraße", "11", "44145", "nordmarkt", 1907, "300", "low", CaseStatus.DELISTED, 3),
    ("Missundestraße", "19", "44147", "hafen", 1910, "480", "high", CaseStatus.INSPECTED, 6),
]

REFERRAL_TEXTS = [
    ("ordnungsamt", "Task Force Nordstadt: Matratzenlager im Keller, vermutlich deutlich mehr Bewohner als gemeldet."),
    ("utility_cutoff", "DEW21 kündigt Stromsperre für das ganze Haus an; Zähler seit Monaten nicht bezahlt."),
    ("residents", "Nachbarn melden Müllberge im Hof und Ratten, nachts ständiges Kommen und Gehen."),
    ("registration_check", "Abgleich Meldedaten: 41 gemeldete Personen auf rund 400 m² Wohnfläche."),
    ("fire_service", "Feuerwehreinsatz wegen Kabelbrand im Treppenhaus; Fluchtweg zugestellt."),
]


def _at(days_ago: int) -> datetime:
    return datetime.combine(today() - timedelta(days=days_ago), time(10, 30), LOCAL_TZ).astimezone(UTC)


def _move(prop, status, officer, days_ago, reason=None):
    move = prop.move_to(status, actor=officer, reason=reason)
    move.occurred_at = _at(days_ago)
    prop.status_changed_at = move.occurred_at
    db.session.flush()


def load(officer_email: str) -> None:
    officer = db.session.scalar(select(User).where(User.email == officer_email))
    day = today()
    for index, (street, number, postcode, area, year, floor_area, priority, target, unit_count) in enumerate(CASES):
        key = Property.make_address_key(street, number, postcode)
        if db.session.scalar(select(Property.id).where(Property.address_key == key)):
            continue
        age = 900 - index * 55  # older cases are further along
        prop = services.create_property({
            "street": street, "house_number": number, "postcode": postcode, "social_area": area, "year_built": year,
            "floor_area_m2": D(floor_area), "priority": priority,
            "parcel": f"Dortmund / {10 + index} / {200 + index * 7}",
        }, actor=officer)
        first = db.session.scalar(select(StatusTransition).where(StatusTransition.property_id == prop.id))
        first.occurred_at = _at(age)
        prop.status_changed_at = first.occurred_at
        source, text = REFERRAL_TEXTS[index % len(REFERRAL_TEXTS)]
        services.add_referral(prop, {"received_on": day - timedelta(days=age), "source": source, "text": text},
                              actor=officer)
        services.add_ownership(prop, {"kind": "company" if index % 3 else "person",
                                      "name": ("Nord Immobilien Invest SRL" if index % 3 else "Dimitar Kostadinov"),
                                      "registered_on": day - timedelta(days=age + 1500),
                                      "land_register_ref": f"Dortmund Blatt {4100 + index}"}, actor=officer)
        units = []
        for n in range(unit_count):
            floor = n // 2
            area = D(floor_area) / max(unit_count, 1)
            units.append(services.add_unit(prop, {
                "label": f"{'EG' if floor == 0 else f'{floor}. OG'} {'links' if n % 2 == 0 else 'rechts'}",
                "floor": floor, "area_m2": area.quantize(D("0.01")), "rooms": D("2.5") if area > 55 else D("2"),
                "persons_registered": 2 + n % 3, "step_free": floor == 0, "lift": False,
            }, actor=officer))
        if target == CaseStatus.REPORTED:
            continue
        _move(prop, CaseStatus.REGISTERED, officer, age - 10)
        if target == CaseStatus.REGISTERED:
            continue
        if target in (CaseStatus.RESOLVED_BY_OWNER, CaseStatus.DELISTED):
            reason = ("Eigentümer hat Elektrik und Heizung erneuert; Nachkontrolle ohne Mängel."
                      if target == CaseStatus.RESOLVED_BY_OWNER else "Meldung hat sich bei Ortstermin nicht bestätigt.")
            _move(prop, target, officer, age - 60, reason)
            continue
        services.record_inspection(
            prop, inspected_on=day - timedelta(days=age - 30), condition_rating=4 if index % 2 else 5,
            officer_ids=[officer.id], agencies=["ordnungsamt", "police"],
            notes="Gemeinsame Begehung mit Ordnungsamt und Polizei.",
            occupancy={unit.id: 5 + (i % 4) * 2 for i, unit in enumerate(units)},
            defects=[
                services.DefectInput("electricity", "hazard", "Offene Verteilerdose im Treppenhaus, Kabel lose.",
                                     deadline=day - timedelta(days=5) if target == CaseStatus.INSPECTED
                                     else day - timedelta(days=age - 60),
                                     resolved_on=None if target == CaseStatus.INSPECTED
                                     else day - timedelta(days=age - 70)),
                services.DefectInput("weather_damp", "major", "Schimmel an Außenwänden, Fenster undicht.",
                                     unit_id=units[0].id if units else None, deadline=day + timedelta(days=5)),
                services.DefectInput("waste", "minor", "Sperrmüll im Hof.", deadline=day + timedelta(days=21)),
            ],
            actor=officer,
        )
        _move(prop, CaseStatus.INSPECTED, officer, age - 30)
        if target == CaseStatus.INSPECTED:
            continue
        _move(prop, CaseStatus.OWNER_ENGAGED, officer, age - 50)
        if target == CaseStatus.OWNER_ENGAGED:
            continue
        order = services.create_order(prop, {
            "type": "repair_order", "status": "issued", "issued_on": day - timedelta(days=age - 80),
            "deadline": (day + timedelta(days=4) if target == CaseStatus.ORDER_ISSUED
                         else day - timedelta(days=age - 140)),
            "reference": f"64/WA-{2024 + index % 2}-{310 + index}",
            "description": "Instandsetzung der Elektroanlage und Beseitigung der Feuchtigkeitsschäden.",
        }, actor=officer)
        _move(prop, CaseStatus.ORDER_ISSUED, officer, age - 80)
        if target == CaseStatus.ORDER_ISSUED:
            continue
        services.update_order(order, {"status": "enforced", "fines_total": D("5000"),
                                      "fines_note": "Zwangsgeld festgesetzt, nicht gezahlt."}, actor=officer)
        _move(prop, CaseStatus.ACQUISITION_REVIEW, officer, age - 150)
        if target == CaseStatus.ACQUISITION_REVIEW:
            continue
        preemption = index % 2 == 0
        acquisition = services.create_acquisition(prop, {
            "method": "preemption" if preemption else "purchase", "buyer": "city" if index % 3 else "dogewo21",
            "appraisal_value": D("610000"), "asking_price": D("890000"),
            "preemption_notice_on": (day - timedelta(days=70)) if preemption else None,
            "council_decision_ref": f"DS-Nr. {24000 + index * 13}/25", "council_decision_on": day - timedelta(days=40),
        }, actor=officer)
        _move(prop, CaseStatus.ACQUIRING, officer, age - 170)
        if target == CaseStatus.ACQUIRING:
            continue
        services.update_acquisition(acquisition, {
            "agreed_price": D("640000"), "notarised_on": day - timedelta(days=age - 200),
            "transferred_on": day - timedelta(days=age - 230), "transfer_type": "ownership",
            "preemption_notice_on": day - timedelta(days=age - 180) if preemption else None,
        }, actor=officer)
        _move(prop, CaseStatus.ACQUIRED, officer, age - 230)
        if target == CaseStatus.ACQUIRED:
            continue
        project = hand_over(prop, {
            "name": f"Sanierung {street} {number}", "starts_on": day - timedelta(days=age - 250),
            "planned_end_on": day + timedelta(days=120), "labour_budget": D("180000"), "material_budget": D("240000"),
        }, actor=officer)
        project.status = ProjectStatus.ACTIVE
        _move(prop, CaseStatus.IN_RENOVATION, officer, age - 250)
        if target == CaseStatus.IN_RENOVATION:
            continue
        project.status = ProjectStatus.COMPLETED
        project.completed_on = day - timedelta(days=20)
        for unit in units:
            services.update_unit(unit, {"planned_rent": (unit.area_m2 * D("5.10")).quantize(D("0.01")),
                                        "persons_registered": 0, "persons_seen": 0}, actor=officer)
        _move(prop, CaseStatus.READY_FOR_LETTING, officer, 15)
