"""Rules of the Ankauf pipeline. Functions take the acting user, validate, change, audit and flush;
the caller (a view, the API, a command) commits once."""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache

from sqlalchemy import String, and_, bindparam, cast, func, literal, or_, select, union_all
from sqlalchemy.orm import lazyload, selectinload

from ..attachments.models import Attachment
from ..audit.services import pending_changes, record
from ..auth.models import User
from ..auth.roles import Role
from ..clock import LOCAL_TZ, today, utcnow
from ..database import fits
from ..errors import Conflict, FieldErrors, ValidationFailed
from ..extensions import db
from ..i18n import gettext as _
from ..i18n import ngettext
from ..rules.registry import MIN_AREA_PER_PERSON
from ..rules.services import rule_value
from .models import (
    OPEN_STATUSES,
    Acquisition,
    AcquisitionMethod,
    Agency,
    Buyer,
    CaseStatus,
    Defect,
    DefectCategory,
    Inspection,
    Occupancy,
    Order,
    OrderStatus,
    OrderType,
    Owner,
    OwnerKind,
    Ownership,
    Priority,
    Property,
    Referral,
    ReferralSource,
    Severity,
    SocialArea,
    StatusTransition,
    TransferType,
    Unit,
)

MAX_PERSONS_PER_UNIT = 30
MAX_UNIT_AREA = Decimal("1000")
POSTCODE = re.compile(r"^\d{5}$")
EARLIEST_YEAR_BUILT = 1500


def check_version(obj, expected: int | None) -> None:
    """Optimistic locking: refuse a save based on an older version of the record."""
    if expected is not None and int(expected) != obj.version:
        raise Conflict(_("Der Datensatz wurde inzwischen von jemand anderem geändert. "
                         "Bitte laden Sie die Seite neu und wiederholen Sie Ihre Änderung."),
                       {"version": [_("Veraltet.")]})


def _not_future(errors: FieldErrors, field: str, value: date | None, label: str) -> None:
    if value is not None and value > today():
        errors.add(field, _("%(label)s darf nicht in der Zukunft liegen.", label=label))


def _digits(value) -> bool:
    """A whole number as typed, in ASCII digits ("²" and "١٢" are digits to Python but not to ``int``)."""
    text = str(value)
    return text.isascii() and text.isdigit()


def _amount(errors: FieldErrors, field: str, value, column) -> None:
    """An amount is not negative and fits its column."""
    if value is not None and Decimal(value) < 0:
        errors.add(field, _("Der Wert darf nicht negativ sein."))
    elif not fits(value, column):
        errors.add(field, _("Der Wert ist zu groß."))


# --- social areas ----------------------------------------------------------------------------


def address_search_clause(query: str):
    """Match "Mallinckrodtstraße 12", "mallinckrodtstr 12", "Mallinck" or a postcode against the address key."""
    query = " ".join(query.lower().split()).replace("%", "").replace("_", "")
    if POSTCODE.match(query):
        return Property.postcode == query
    match = re.match(r"^(.*?)(?:\s+(\d+\s?[a-z]?))?$", query)
    street, number = match.group(1), match.group(2)
    street = Property.make_address_key(street or query, "", "").split("|")[0].rstrip(".")
    pattern = f"{street}%" + (f"|{number.replace(' ', '')}%" if number else "")
    clause = Property.address_key.like(pattern)
    if street:
        # The range of keys starting with the street, read from the key's unique index (the key is lower case):
        # SQLite's LIKE ignores case, so no index serves it, and PostgreSQL uses an index for LIKE only in the "C"
        # collation or with a pattern index, which a list ordered by the key cannot use.
        clause = and_(Property.address_key >= street, Property.address_key < street[:-1] + chr(ord(street[-1]) + 1),
                      clause)
    return clause


SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def save_social_area(area: SocialArea | None, data: dict, *, actor) -> SocialArea:
    """Add a social area or change one; the slug is the stable key the API and imports use."""
    errors = FieldErrors()
    slug = (data.get("slug") or "").strip().lower()
    if not SLUG.match(slug):
        errors.add("slug", _("Nur Kleinbuchstaben, Ziffern und Bindestriche, z. B. „nordmarkt“."))
    name = " ".join(str(data.get("name") or "").split())
    district = " ".join(str(data.get("district") or "").split())
    if not name:
        errors.add("name", _("Pflichtangabe fehlt."))
    if not district:
        errors.add("district", _("Pflichtangabe fehlt."))
    clash = db.session.scalar(select(SocialArea.id).where(SocialArea.slug == slug))
    if clash is not None and (area is None or clash != area.id):
        errors.add("slug", _("Dieses Kürzel ist schon vergeben."))
    errors.raise_if_any()
    if area is None:
        area = SocialArea()
        db.session.add(area)
    area.slug, area.name, area.district = slug, name[:120], district[:120]
    area.is_active = bool(data.get("is_active", True))
    changes = pending_changes(area)
    db.session.flush()
    record("social_area.save", area, actor=actor, changes=changes)
    return area


# Every list's filter asks for them: built once.
_SOCIAL_AREAS = select(SocialArea).order_by(SocialArea.name)
_ACTIVE_SOCIAL_AREAS = _SOCIAL_AREAS.where(SocialArea.is_active.is_(True))


def social_areas() -> list[SocialArea]:
    """Every social area, active or not, by name."""
    return list(db.session.scalars(_SOCIAL_AREAS))


def active_social_areas() -> list[SocialArea]:
    return list(db.session.scalars(_ACTIVE_SOCIAL_AREAS))


def social_area_by_slug(slug: str | None) -> SocialArea | None:
    if not slug:
        return None
    return db.session.scalar(select(SocialArea).where(SocialArea.slug == slug))


# --- properties and units ------------------------------------------------------------------------

PROPERTY_FIELDS = ("street", "house_number", "postcode", "social_area", "parcel", "year_built", "floor_area_m2",
                   "priority")


def _validate_property(data: dict, errors: FieldErrors, current: Property | None = None) -> dict:
    clean = {}
    for field in ("street", "house_number", "postcode"):
        value = " ".join(str(data.get(field) or "").split())
        if not value:
            errors.add(field, _("Pflichtangabe fehlt."))
        clean[field] = value
    if clean["street"] and len(clean["street"]) > 120:
        errors.add("street", _("Höchstens %(n)s Zeichen.", n=120))
    if clean["house_number"] and not re.fullmatch(r"\d{1,4}\s?[a-zA-Z]?(-\d{1,4}\s?[a-zA-Z]?)?", clean["house_number"]):
        errors.add("house_number", _("Bitte eine Hausnummer wie „12“, „12a“ oder „12-14“ angeben."))
    if clean["postcode"] and not POSTCODE.match(clean["postcode"]):
        errors.add("postcode", _("Die Postleitzahl hat fünf Ziffern."))
    area = data.get("social_area")
    if isinstance(area, SocialArea):
        clean["social_area"] = area
    else:
        clean["social_area"] = social_area_by_slug(area)
        if clean["social_area"] is None:
            errors.add("social_area", _("Unbekannter Sozialraum.") if area else _("Pflichtangabe fehlt."))
    clean["parcel"] = (data.get("parcel") or "").strip()[:120] or None
    year = data.get("year_built")
    if year not in (None, ""):
        if not _digits(year) or not EARLIEST_YEAR_BUILT <= int(year) <= today().year:
            errors.add("year_built", _("Bitte ein Baujahr zwischen %(a)s und %(b)s angeben.",
                                       a=EARLIEST_YEAR_BUILT, b=today().year))
        else:
            year = int(year)
    clean["year_built"] = year if year not in ("",) else None
    floor_area = data.get("floor_area_m2")
    if floor_area is not None and Decimal(floor_area) <= 0:
        errors.add("floor_area_m2", _("Die Fläche muss größer als 0 sein."))
    elif not fits(floor_area, Property.floor_area_m2):
        errors.add("floor_area_m2", _("Der Wert ist zu groß."))
    clean["floor_area_m2"] = floor_area
    clean["priority"] = errors.enum("priority", Priority, data.get("priority") or Priority.MEDIUM)
    if not errors and clean["street"]:
        key = Property.make_address_key(clean["street"], clean["house_number"], clean["postcode"])
        duplicate = db.session.scalar(select(Property.id).where(Property.address_key == key))
        if duplicate is not None and (current is None or duplicate != current.id):
            raise Conflict(_("Für diese Adresse gibt es bereits eine Akte."),
                           {"street": [_("Diese Adresse ist schon erfasst.")]})
        clean["address_key"] = key
    return clean


def create_property(data: dict, *, actor) -> Property:
    """Create a building; a problem case starts as ``reported``, an ordinary building has no status."""
    errors = FieldErrors()
    clean = _validate_property(data, errors)
    errors.raise_if_any()
    is_problem_case = bool(data.get("problem_case", True))
    prop = Property(**clean, is_problem_case=is_problem_case)
    db.session.add(prop)
    if is_problem_case:
        prop.status = CaseStatus.REPORTED
        prop.status_changed_at = utcnow()
        db.session.add(StatusTransition(building=prop, from_status=None, to_status=CaseStatus.REPORTED,
                                        actor_id=actor.id if actor else None))
    db.session.flush()
    record("property.create", prop, actor=actor, summary=prop.address)
    return prop


def update_property(prop: Property, data: dict, *, actor, version: int | None = None) -> Property:
    """Change the master data of a building (not its status: that is ``transition``)."""
    check_version(prop, version)
    merged = {field: getattr(prop, field) for field in PROPERTY_FIELDS if field != "social_area"}
    merged["social_area"] = prop.social_area
    merged.update({key: value for key, value in data.items() if key in PROPERTY_FIELDS})
    errors = FieldErrors()
    clean = _validate_property(merged, errors, current=prop)
    errors.raise_if_any()
    for key, value in clean.items():
        setattr(prop, key, value)
    changes = pending_changes(prop)
    if changes:
        db.session.flush()
        record("property.update", prop, actor=actor, changes=changes)
    return prop


def _validate_unit(prop: Property, data: dict, errors: FieldErrors, current: Unit | None = None) -> dict:
    clean = {}
    label = " ".join(str(data.get("label") or "").split())
    if not label:
        errors.add("label", _("Pflichtangabe fehlt."))
    elif len(label) > 40:
        errors.add("label", _("Höchstens %(n)s Zeichen.", n=40))
    else:
        clash = db.session.scalar(select(Unit.id).where(Unit.property_id == prop.id, Unit.label == label))
        if clash is not None and (current is None or clash != current.id):
            errors.add("label", _("Diese Bezeichnung gibt es im Haus schon."))
    clean["label"] = label
    floor = data.get("floor")
    if floor is not None and not -3 <= int(floor) <= 40:
        errors.add("floor", _("Bitte ein Geschoss zwischen -3 und 40 angeben."))
    clean["floor"] = floor
    area = data.get("area_m2")
    if area is not None and not Decimal("0") < Decimal(area) <= MAX_UNIT_AREA:
        errors.add("area_m2", _("Die Fläche muss größer als 0 und höchstens %(max)s m² sein.", max=MAX_UNIT_AREA))
    clean["area_m2"] = area
    rooms = data.get("rooms")
    if rooms is not None and not Decimal("0.5") <= Decimal(rooms) <= 30:
        errors.add("rooms", _("Bitte zwischen 0,5 und 30 Zimmern angeben."))
    clean["rooms"] = rooms
    for field in ("persons_registered", "persons_seen"):
        value = data.get(field)
        if value is not None and not 0 <= int(value) <= MAX_PERSONS_PER_UNIT:
            errors.add(field, _("Mehr als %(n)s Personen in einer Wohnung sind nicht plausibel; bitte prüfen.",
                                n=MAX_PERSONS_PER_UNIT) if int(value) > 0 else _("Der Wert darf nicht negativ sein."))
        clean[field] = value
    clean["persons_registered"] = clean["persons_registered"] or 0
    clean["step_free"] = bool(data.get("step_free"))
    clean["lift"] = bool(data.get("lift"))
    rent = data.get("planned_rent")
    _amount(errors, "planned_rent", rent, Unit.planned_rent)
    clean["planned_rent"] = rent
    return clean


UNIT_FIELDS = ("label", "floor", "area_m2", "rooms", "persons_registered", "persons_seen", "step_free", "lift",
               "planned_rent")


def add_unit(prop: Property, data: dict, *, actor) -> Unit:
    errors = FieldErrors()
    clean = _validate_unit(prop, data, errors)
    errors.raise_if_any()
    unit = Unit(property_id=prop.id, **clean)
    db.session.add(unit)
    db.session.flush()
    refresh_overcrowding(prop)
    record("unit.create", unit, actor=actor, summary=f"{prop.short_address}, {unit.label}")
    return unit


def update_unit(unit: Unit, data: dict, *, actor) -> Unit:
    prop = db.session.get(Property, unit.property_id)
    merged = {field: getattr(unit, field) for field in UNIT_FIELDS}
    merged.update({key: value for key, value in data.items() if key in UNIT_FIELDS})
    errors = FieldErrors()
    clean = _validate_unit(prop, merged, errors, current=unit)
    errors.raise_if_any()
    for key, value in clean.items():
        setattr(unit, key, value)
    changes = pending_changes(unit)
    db.session.flush()
    refresh_overcrowding(prop)
    if changes:
        record("unit.update", unit, actor=actor, changes=changes)
    return unit


_UNITS_OF = select(Unit).where(Unit.property_id == bindparam("property_id")).order_by(Unit.label)


def units_of(prop: Property) -> list[Unit]:
    return list(db.session.scalars(_UNITS_OF, {"property_id": prop.id}))


# --- overcrowding ----------------------------------------------------------------------------


def is_overcrowded(area: Decimal | None, persons: int, min_area: Decimal) -> bool:
    """Below the minimum living space per person (WohnStG NRW § 10); unknown area is not judged."""
    return area is not None and persons > 0 and Decimal(area) < min_area * persons


def refresh_overcrowding(prop: Property, min_area: Decimal | None = None) -> None:
    """Recompute the overcrowding flags of the units, the inspections and the property."""
    min_area = min_area if min_area is not None else rule_value(MIN_AREA_PER_PERSON)
    units = units_of(prop)
    for unit in units:
        unit.is_overcrowded = is_overcrowded(unit.area_m2, unit.persons_counted, min_area)
    by_id = {unit.id: unit for unit in units}
    inspections = db.session.scalars(select(Inspection).where(Inspection.property_id == prop.id)).all()
    for inspection in inspections:
        flagged = False
        for row in inspection.occupancy:
            unit = by_id.get(row.unit_id)
            persons = max(row.persons_seen, unit.persons_registered if unit else 0)
            row.is_overcrowded = unit is not None and is_overcrowded(unit.area_m2, persons, min_area)
            flagged = flagged or row.is_overcrowded
        inspection.is_overcrowded = flagged
    prop.is_overcrowded = any(unit.is_overcrowded for unit in units)


def refresh_all_overcrowding() -> int:
    """After the rule figure changes: recompute every property (returns how many)."""
    min_area = rule_value(MIN_AREA_PER_PERSON)
    count = 0
    for prop in db.session.scalars(select(Property).execution_options(yield_per=500)):
        refresh_overcrowding(prop, min_area)
        count += 1
    return count


# --- owners ------------------------------------------------------------------------------------


def add_ownership(prop: Property, data: dict, *, actor) -> Ownership:
    """Record an owner from the land register; the previous current owner's period ends that day."""
    errors = FieldErrors()
    owner = data.get("owner")
    if owner is None:
        kind = errors.enum("kind", OwnerKind, data.get("kind"))
        name = " ".join(str(data.get("name") or "").split())
        if not name:
            name = _("unbekannt") if kind == OwnerKind.UNKNOWN else ""
            if not name:
                errors.add("name", _("Pflichtangabe fehlt."))
        for field, limit in (("name", 200), ("address", 300), ("contact", 200)):
            if len((data.get(field) or "").strip()) > limit:
                errors.add(field, _("Höchstens %(n)s Zeichen.", n=limit))
    if len((data.get("land_register_ref") or "").strip()) > 120:
        errors.add("land_register_ref", _("Höchstens %(n)s Zeichen.", n=120))
    registered_on = data.get("registered_on")
    if registered_on is None:
        errors.add("registered_on", _("Pflichtangabe fehlt."))
    _not_future(errors, "registered_on", registered_on, _("Die Eintragung"))
    errors.raise_if_any()
    if owner is None:
        owner = Owner(kind=kind, name=name[:200], address=(data.get("address") or "").strip() or None,
                      contact=(data.get("contact") or "").strip() or None)
        db.session.add(owner)
    current = db.session.scalars(
        select(Ownership).where(Ownership.property_id == prop.id, Ownership.ended_on.is_(None))
    ).all()
    for previous in current:
        if previous.registered_on <= registered_on:
            previous.ended_on = registered_on
    ownership = Ownership(property_id=prop.id, owner=owner, registered_on=registered_on,
                          land_register_ref=(data.get("land_register_ref") or "").strip() or None)
    db.session.add(ownership)
    db.session.flush()
    record("ownership.create", ownership, actor=actor, summary=prop.short_address)
    return ownership


# --- referrals ---------------------------------------------------------------------------------


def add_referral(prop: Property, data: dict, *, actor) -> Referral:
    errors = FieldErrors()
    source = errors.enum("source", ReferralSource, data.get("source"))
    received_on = data.get("received_on")
    if received_on is None:
        errors.add("received_on", _("Pflichtangabe fehlt."))
    _not_future(errors, "received_on", received_on, _("Das Eingangsdatum"))
    text = (data.get("text") or "").strip()
    if not text:
        errors.add("text", _("Bitte beschreiben Sie, was gemeldet wurde."))
    errors.raise_if_any()
    referral = Referral(property_id=prop.id, received_on=received_on, source=source, text=text,
                        created_by_id=actor.id if actor else None)
    db.session.add(referral)
    db.session.flush()
    record("referral.create", referral, actor=actor, summary=prop.short_address)
    return referral


# --- inspections and defects ------------------------------------------------------------------


@dataclass
class DefectInput:
    category: str | None
    severity: str | None
    description: str
    unit_id: int | None = None
    deadline: date | None = None
    resolved_on: date | None = None
    field_prefix: str | None = None  # where errors go on a form (default: "defects-<index>-")


def _validate_defect(prop_unit_ids, raw: DefectInput, inspected_on, errors: FieldErrors, prefix: str) -> dict:
    category = errors.enum(f"{prefix}category", DefectCategory, raw.category)
    severity = errors.enum(f"{prefix}severity", Severity, raw.severity)
    description = (raw.description or "").strip()
    if not description:
        errors.add(f"{prefix}description", _("Bitte den Mangel beschreiben."))
    if raw.unit_id is not None and raw.unit_id not in prop_unit_ids:
        errors.add(f"{prefix}unit_id", _("Diese Wohnung gehört nicht zu diesem Haus."))
    if raw.deadline is not None and inspected_on is not None and raw.deadline < inspected_on:
        errors.add(f"{prefix}deadline", _("Die Frist kann nicht vor der Kontrolle liegen."))
    if raw.resolved_on is not None:
        if inspected_on is not None and raw.resolved_on < inspected_on:
            errors.add(f"{prefix}resolved_on", _("Die Behebung kann nicht vor der Kontrolle liegen."))
        _not_future(errors, f"{prefix}resolved_on", raw.resolved_on, _("Die Behebung"))
    return dict(category=category, severity=severity, description=description, unit_id=raw.unit_id,
                deadline=raw.deadline, resolved_on=raw.resolved_on)


def record_inspection(prop: Property, *, inspected_on: date | None, condition_rating, officer_ids=(),
                      agencies=(), notes: str | None = None, occupancy: dict | None = None,
                      defects: list[DefectInput] = (), actor) -> Inspection:
    """Record an on-site inspection: rating, persons seen per unit, defects. All or nothing.

    Persons seen update the units when this is the latest inspection; overcrowding is recomputed.
    """
    errors = FieldErrors()
    if inspected_on is None:
        errors.add("inspected_on", _("Pflichtangabe fehlt."))
    _not_future(errors, "inspected_on", inspected_on, _("Die Kontrolle"))
    if condition_rating in (None, ""):
        errors.add("condition_rating", _("Bitte den Zustand von 1 (gut) bis 5 (unbewohnbar) bewerten."))
    elif not _digits(condition_rating) or not 1 <= int(condition_rating) <= 5:
        errors.add("condition_rating", _("Der Zustand wird von 1 (gut) bis 5 (unbewohnbar) bewertet."))
    agency_values = []
    for value in agencies or ():
        agency = errors.enum("agencies", Agency, value)
        if agency is not None:
            agency_values.append(agency.value)
    officers = []
    if officer_ids:
        officers = list(db.session.scalars(select(User).where(User.id.in_(list(officer_ids)))))
        if len(officers) != len(set(officer_ids)) or not all(u.has_role(Role.HOUSING_OFFICER, Role.ADMIN)
                                                              for u in officers):
            errors.add("officer_ids",
                       _("Nur Mitarbeitende der Wohnungsaufsicht können als Prüfende eingetragen werden."))
    unit_ids = {unit.id for unit in units_of(prop)}
    occupancy = {int(k): v for k, v in (occupancy or {}).items() if v not in (None, "")}
    for unit_id, persons in occupancy.items():
        if unit_id not in unit_ids:
            errors.add(f"occupancy-{unit_id}", _("Diese Wohnung gehört nicht zu diesem Haus."))
        elif not _digits(persons):
            errors.add(f"occupancy-{unit_id}", _("Bitte eine ganze Zahl ab 0 angeben."))
        elif int(persons) > MAX_PERSONS_PER_UNIT:
            errors.add(f"occupancy-{unit_id}", _("Mehr als %(n)s Personen in einer Wohnung sind nicht plausibel; "
                                                 "bitte prüfen.", n=MAX_PERSONS_PER_UNIT))
    clean_defects = [_validate_defect(unit_ids, raw, inspected_on, errors, raw.field_prefix or f"defects-{index}-")
                     for index, raw in enumerate(defects)]
    errors.raise_if_any()

    inspection = Inspection(property_id=prop.id, inspected_on=inspected_on, condition_rating=int(condition_rating),
                            agencies=agency_values, notes=(notes or "").strip() or None, officers=officers,
                            created_by_id=actor.id if actor else None)
    db.session.add(inspection)
    for unit_id, persons in occupancy.items():
        inspection.occupancy.append(Occupancy(unit_id=unit_id, persons_seen=int(persons)))
    for clean in clean_defects:
        inspection.defects.append(Defect(property_id=prop.id, **clean))
    db.session.flush()

    latest = db.session.scalar(select(func.max(Inspection.inspected_on)).where(Inspection.property_id == prop.id))
    if inspected_on >= latest:
        prop.condition_rating = inspection.condition_rating
        for unit in units_of(prop):
            if unit.id in occupancy:
                unit.persons_seen = int(occupancy[unit.id])
    refresh_overcrowding(prop)
    record("inspection.create", inspection, actor=actor, summary=prop.short_address,
           changes={"condition_rating": [None, inspection.condition_rating],
                    "defects": [None, len(clean_defects)], "occupancy": [None, len(occupancy)]})
    return inspection


def resolve_defect(defect: Defect, resolved_on: date | None, *, actor) -> Defect:
    errors = FieldErrors()
    if resolved_on is None:
        errors.add("resolved_on", _("Pflichtangabe fehlt."))
    _not_future(errors, "resolved_on", resolved_on, _("Die Behebung"))
    if resolved_on is not None and resolved_on < defect.inspection.inspected_on:
        errors.add("resolved_on", _("Die Behebung kann nicht vor der Kontrolle liegen."))
    errors.raise_if_any()
    defect.resolved_on = resolved_on
    record("defect.resolve", defect, actor=actor, changes=pending_changes(defect))
    return defect


# --- orders ------------------------------------------------------------------------------------

ORDER_FIELDS = ("type", "status", "issued_on", "deadline", "vacate_by", "reference", "description", "fines_total",
                "fines_note")


def _validate_order(data: dict, errors: FieldErrors) -> dict:
    clean = {}
    clean["type"] = errors.enum("type", OrderType, data.get("type"))
    clean["status"] = errors.enum("status", OrderStatus, data.get("status") or OrderStatus.DRAFT)
    for field in ("issued_on", "deadline", "vacate_by"):
        clean[field] = data.get(field)
    _not_future(errors, "issued_on", clean["issued_on"], _("Der Erlass"))
    if clean["status"] in (OrderStatus.ISSUED, OrderStatus.COMPLIED, OrderStatus.ENFORCED) and not clean["issued_on"]:
        errors.add("issued_on", _("Eine erlassene Anordnung braucht ein Erlassdatum."))
    if clean["issued_on"] and clean["deadline"] and clean["deadline"] < clean["issued_on"]:
        errors.add("deadline", _("Die Frist kann nicht vor dem Erlass liegen."))
    if clean["type"] == OrderType.UNINHABITABLE and not clean["vacate_by"]:
        errors.add("vacate_by", _("Eine Unbewohnbarkeitserklärung braucht ein Räumungsdatum."))
    if clean["issued_on"] and clean["vacate_by"] and clean["vacate_by"] < clean["issued_on"]:
        errors.add("vacate_by", _("Die Räumung kann nicht vor dem Erlass liegen."))
    clean["reference"] = (data.get("reference") or "").strip()[:60] or None
    clean["description"] = (data.get("description") or "").strip() or None
    fines = data.get("fines_total")
    _amount(errors, "fines_total", fines, Order.fines_total)
    clean["fines_total"] = fines if fines is not None else Decimal("0")
    clean["fines_note"] = (data.get("fines_note") or "").strip()[:300] or None
    return clean


def create_order(prop: Property, data: dict, *, actor) -> Order:
    errors = FieldErrors()
    clean = _validate_order(data, errors)
    errors.raise_if_any()
    order = Order(property_id=prop.id, **clean)
    db.session.add(order)
    db.session.flush()
    record("order.create", order, actor=actor, summary=f"{prop.short_address}: {order.type.label}")
    return order


def update_order(order: Order, data: dict, *, actor) -> Order:
    merged = {field: getattr(order, field) for field in ORDER_FIELDS}
    merged.update({key: value for key, value in data.items() if key in ORDER_FIELDS})
    errors = FieldErrors()
    clean = _validate_order(merged, errors)
    errors.raise_if_any()
    for key, value in clean.items():
        setattr(order, key, value)
    changes = pending_changes(order)
    if changes:
        record("order.update", order, actor=actor, changes=changes)
    return order


# --- acquisitions ----------------------------------------------------------------------------

ACQUISITION_FIELDS = ("method", "buyer", "appraisal_value", "asking_price", "agreed_price", "council_decision_ref",
                      "council_decision_on", "preemption_notice_on", "notarised_on", "transferred_on",
                      "transfer_type")


def _validate_acquisition(data: dict, errors: FieldErrors) -> dict:
    clean = {}
    clean["method"] = errors.enum("method", AcquisitionMethod, data.get("method"))
    clean["buyer"] = errors.enum("buyer", Buyer, data.get("buyer"))
    for field in ("appraisal_value", "asking_price", "agreed_price"):
        _amount(errors, field, data.get(field), getattr(Acquisition, field))
        clean[field] = data.get(field)
    clean["council_decision_ref"] = (data.get("council_decision_ref") or "").strip()[:60] or None
    for field in ("council_decision_on", "preemption_notice_on", "notarised_on", "transferred_on"):
        clean[field] = data.get(field)
    _not_future(errors, "preemption_notice_on", clean["preemption_notice_on"], _("Die Mitteilung des Kaufvertrags"))
    _not_future(errors, "transferred_on", clean["transferred_on"], _("Die Übergabe"))
    if clean["preemption_notice_on"] and clean["method"] != AcquisitionMethod.PREEMPTION:
        errors.add("preemption_notice_on", _("Ein Mitteilungsdatum gibt es nur beim Vorkaufsrecht."))
    if clean["transferred_on"] and clean["notarised_on"] and clean["transferred_on"] < clean["notarised_on"]:
        errors.add("transferred_on", _("Die Übergabe kann nicht vor der Beurkundung liegen."))
    if clean["transferred_on"] and not clean["notarised_on"]:
        errors.add("notarised_on", _("Vor der Übergabe muss der Vertrag beurkundet sein."))
    clean["transfer_type"] = errors.enum("transfer_type", TransferType, data.get("transfer_type"), required=False)
    return clean


def create_acquisition(prop: Property, data: dict, *, actor) -> Acquisition:
    errors = FieldErrors()
    clean = _validate_acquisition(data, errors)
    errors.raise_if_any()
    acquisition = Acquisition(property_id=prop.id, **clean)
    db.session.add(acquisition)
    db.session.flush()
    record("acquisition.create", acquisition, actor=actor, summary=prop.short_address)
    return acquisition


def update_acquisition(acquisition: Acquisition, data: dict, *, actor) -> Acquisition:
    merged = {field: getattr(acquisition, field) for field in ACQUISITION_FIELDS}
    merged.update({key: value for key, value in data.items() if key in ACQUISITION_FIELDS})
    errors = FieldErrors()
    clean = _validate_acquisition(merged, errors)
    errors.raise_if_any()
    for key, value in clean.items():
        setattr(acquisition, key, value)
    changes = pending_changes(acquisition)
    if changes:
        record("acquisition.update", acquisition, actor=actor, changes=changes)
    return acquisition


# --- transitions -----------------------------------------------------------------------------


def transition(prop: Property, target, *, actor, reason: str | None = None, version: int | None = None):
    """Move a case along the status graph (guards, reasons and history live on the model)."""
    check_version(prop, version)
    try:
        target = CaseStatus(target)
    except ValueError:
        raise ValidationFailed.on("to", _("Unbekannter Status „%(value)s“.", value=target)) from None
    previous = prop.status
    move = prop.move_to(target, actor=actor, reason=reason)
    db.session.flush()
    record("property.transition", prop, actor=actor, summary=move.reason,
           changes={"status": [previous, target]})
    return move


# --- deadlines and the timeline -----------------------------------------------------------------


@dataclass
class Deadline:
    kind: str
    text: str
    due_on: date
    property_id: int
    address: str

    def days_left(self, on: date) -> int:
        return (self.due_on - on).days

    def state(self, on: date) -> str:
        days = self.days_left(on)
        return "overdue" if days < 0 else ("soon" if days <= 7 else "later")


@cache
def _deadline_statement(by_case: bool, until: bool, limit: int | None):
    """The deadlines' query of one shape, built once (a case file asks it on every view): by case (bound as
    ``property_ids``), up to a day (``until``), and cut at ``limit`` per kind."""
    defect_q = (select(literal("defect").label("kind"), Defect.property_id, Defect.deadline.label("due_on"),
                       cast(Defect.category, String).label("what"), Property.street, Property.house_number)
                .join(Property, Property.id == Defect.property_id)
                .where(Defect.resolved_on.is_(None), Defect.deadline.is_not(None)))
    order_q = (select(literal("order"), Order.property_id, Order.deadline, cast(Order.type, String), Property.street,
                      Property.house_number)
               .join(Property, Property.id == Order.property_id)
               .where(Order.status == OrderStatus.ISSUED, Order.deadline.is_not(None)))
    preemption_q = (select(literal("preemption"), Acquisition.property_id, Acquisition.preemption_deadline,
                           literal(None, String), Property.street, Property.house_number)
                    .join(Property, Property.id == Acquisition.property_id)
                    .where(Acquisition.preemption_notice_on.is_not(None), Acquisition.transferred_on.is_(None),
                           Property.status.in_(OPEN_STATUSES)))
    if by_case:
        ids = bindparam("property_ids", expanding=True)
        defect_q = defect_q.where(Defect.property_id.in_(ids))
        order_q = order_q.where(Order.property_id.in_(ids))
        preemption_q = preemption_q.where(Acquisition.property_id.in_(ids))
    if until:
        day = bindparam("until")
        defect_q = defect_q.where(Defect.deadline <= day)
        order_q = order_q.where(Order.deadline <= day)
        preemption_q = preemption_q.where(Acquisition.preemption_deadline <= day)
    parts = [defect_q, order_q, preemption_q]
    if limit is not None:  # each part cut on its own (a subquery each: a compound query takes one LIMIT only)
        parts = [select(*part.subquery().c) for part in (
            defect_q.order_by(Defect.deadline, Property.street, Property.house_number).limit(limit),
            order_q.order_by(Order.deadline, Property.street, Property.house_number).limit(limit),
            preemption_q.order_by(Acquisition.preemption_deadline, Property.street, Property.house_number)
            .limit(limit))]
    return union_all(*parts)


def _deadline_rows(property_ids=None, until: date | None = None, limit: int | None = None) -> list[Deadline]:
    """Open deadlines, earliest first: unresolved defects, issued orders, pending pre-emption notices, in one query.

    With ``limit`` each kind is cut in the database (an index on its deadline serves the order), so the start page
    reads at most three times ``limit`` rows however many deadlines the city has."""
    params = {}
    if property_ids is not None:
        params["property_ids"] = list(property_ids)
    if until is not None:
        params["until"] = until
    stmt = _deadline_statement(property_ids is not None, until is not None, limit)
    texts = {
        "defect": lambda what: _("Mangel: %(what)s", what=DefectCategory(what).label),
        "order": lambda what: _("Frist der Anordnung: %(what)s", what=OrderType(what).label),
        "preemption": lambda _what: _("Vorkaufsrecht: Frist endet"),
    }
    deadlines = [Deadline(kind, texts[kind](what), due, pid, f"{street} {number}")
                 for kind, pid, due, what, street, number in db.session.execute(stmt, params)]
    return sorted(deadlines, key=lambda d: (d.due_on, d.address))[:limit]


def deadlines_of(prop: Property) -> list[Deadline]:
    return _deadline_rows([prop.id])


def due_soon(on: date, within_days: int = 14, limit: int = 20) -> list[Deadline]:
    """Deadlines overdue or due within ``within_days`` across all cases, earliest first."""
    return _deadline_rows(until=on + timedelta(days=within_days), limit=limit)


def overdue_property_ids_clause(on: date):
    """A WHERE clause for cases with an overdue open deadline (for the case list's filter): an open defect or an
    issued order past its deadline, or, while the case is open, a pre-emption right past its deadline. Compares the
    earliest deadlines the database keeps on each case (migration 0015), so a page of fifty looks at the cases in
    its order until it has fifty."""
    return or_(Property.open_deadline < on,
               and_(Property.status.in_(OPEN_STATUSES), Property.preemption_deadline < on))


@dataclass
class TimelineItem:
    at: object  # date or datetime
    kind: str
    text: str

    @property
    def sort_key(self) -> datetime:
        if isinstance(self.at, datetime):
            return self.at.astimezone(LOCAL_TZ).replace(tzinfo=None)
        return datetime.combine(self.at, time.min)


@dataclass
class CaseRecords:
    """What a case file is made of, each kind read once: the page's sections and the timeline come from these."""

    referrals: list[Referral]
    inspections: list[Inspection]
    orders: list[Order]
    acquisitions: list[Acquisition]
    documents: list[Attachment]  # every file filed with one of the case's records, oldest first
    transitions: list[StatusTransition]

    def files_by_record(self) -> dict[str, dict[int, list[Attachment]]]:
        """The documents by kind and record id (``files["defect"].get(defect.id)``)."""
        files: dict[str, dict[int, list[Attachment]]] = defaultdict(lambda: defaultdict(list))
        for document in self.documents:
            files[document.subject_type][document.subject_id].append(document)
        return files


@cache
def _case_statements() -> dict:
    """The statements ``case_records`` runs, built once (a case file is opened often; building and keying them cost
    more than running them): each takes the case's id as ``property_id``."""
    case = bindparam("property_id")
    inspections = select(Inspection).where(Inspection.property_id == case).order_by(
        Inspection.inspected_on.desc(), Inspection.id.desc())
    return {
        "referrals": select(Referral).where(Referral.property_id == case).order_by(
            Referral.received_on.desc(), Referral.id.desc()),
        # On the page, officers by name only (their roles are not needed); the timeline alone (the API, the
        # dossier) needs no officers. Neither shows the occupancy (the inspection's own page does).
        "inspections_page": inspections.options(selectinload(Inspection.officers).lazyload(User.role_links),
                                                lazyload(Inspection.occupancy)),
        "inspections": inspections.options(lazyload(Inspection.officers), lazyload(Inspection.occupancy)),
        "orders": select(Order).where(Order.property_id == case).order_by(Order.id),
        "acquisitions": select(Acquisition).where(Acquisition.property_id == case).order_by(Acquisition.id),
        "documents": select(Attachment).where(Attachment.property_id == case, Attachment.subject_type.is_not(None))
        .order_by(Attachment.id),
        "transitions": select(StatusTransition).where(StatusTransition.property_id == case).options(
            lazyload(StatusTransition.actor)),
    }


def case_records(prop: Property, *, page: bool = True) -> CaseRecords:
    """The case's records in a fixed number of queries, whatever it holds. ``page=False`` (the timeline alone: the
    API, the dossier) leaves out the inspections' officers, which only the page shows."""
    statements = _case_statements()
    params = {"property_id": prop.id}

    def read(name):
        return list(db.session.scalars(statements[name], params))

    return CaseRecords(referrals=read("referrals"), inspections=read("inspections_page" if page else "inspections"),
                       orders=read("orders"), acquisitions=read("acquisitions"), documents=read("documents"),
                       transitions=read("transitions"))


def timeline(prop: Property, records: CaseRecords | None = None) -> list[TimelineItem]:
    """Everything that happened in the case, oldest first (from ``records`` when the caller has read them)."""
    records = records or case_records(prop, page=False)
    items: list[TimelineItem] = []
    for referral in sorted(records.referrals, key=lambda row: row.id):
        text = _("Meldung (%(source)s): %(text)s", source=referral.source.label, text=referral.text)
        items.append(TimelineItem(referral.received_on, "referral", text))
    for inspection in sorted(records.inspections, key=lambda row: row.id):
        items.append(TimelineItem(inspection.inspected_on, "inspection", _(
            "Hauskontrolle: Zustand %(rating)s, %(defects)s%(crowded)s", rating=inspection.condition_rating,
            defects=ngettext("%(num)d Mangel", "%(num)d Mängel", len(inspection.defects)),
            crowded=_(", Überbelegung") if inspection.is_overcrowded else "")))
        for defect in inspection.defects:
            if defect.resolved_on:
                items.append(TimelineItem(defect.resolved_on, "defect_resolved",
                                          _("Mangel behoben: %(what)s", what=defect.category.label)))
    for order in records.orders:
        if order.issued_on:
            text = _("Anordnung erlassen: %(what)s", what=order.type.label)
            items.append(TimelineItem(order.issued_on, "order", text))
    for acquisition in records.acquisitions:
        if acquisition.preemption_notice_on:
            items.append(TimelineItem(acquisition.preemption_notice_on, "acquisition",
                                      _("Kaufvertrag mitgeteilt (Vorkaufsrecht)")))
        if acquisition.notarised_on:
            items.append(TimelineItem(acquisition.notarised_on, "acquisition", _("Kaufvertrag beurkundet")))
        if acquisition.transferred_on:
            items.append(TimelineItem(acquisition.transferred_on, "acquisition",
                                      _("Übergabe an %(buyer)s", buyer=acquisition.buyer.label)))
    for document in records.documents:
        kind = _("Foto") if document.is_image else _("Dokument")
        items.append(TimelineItem(document.uploaded_at, "document", f"{kind}: {document.original_name}"))
    for move in records.transitions:
        text = _("Status: %(to)s", to=move.to_status.label)
        if move.reason:
            text += f" – {move.reason}"
        items.append(TimelineItem(move.occurred_at, "transition", text))
    return sorted(items, key=lambda item: item.sort_key)
