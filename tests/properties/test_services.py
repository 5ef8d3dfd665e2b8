"""The Ankauf services: properties, units, overcrowding, inspections, orders, acquisitions, deadlines, search,
timeline. Each refusal names its field, says why in German and saves nothing."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import func, select

from housing.audit.models import AuditEvent
from housing.clock import today
from housing.errors import Conflict, ValidationFailed
from housing.extensions import db
from housing.properties import services
from housing.properties.models import (
    Acquisition,
    CaseStatus,
    Defect,
    Inspection,
    Occupancy,
    Order,
    Ownership,
    Priority,
    Property,
    Referral,
    StatusTransition,
    Unit,
)
from housing.rules.registry import MIN_AREA_PER_PERSON
from housing.rules.services import add_version, rule_value

from ..factories import UserFactory

FROZEN = datetime(2026, 3, 1, 9, tzinfo=UTC)  # a Sunday; "today" in Dortmund is 2026-03-01
PLAUSIBLE = "Mehr als 30 Personen in einer Wohnung sind nicht plausibel; bitte prüfen."


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def address(**overrides) -> dict:
    return {"street": "Mallinckrodtstraße", "house_number": "100", "postcode": "44147", "social_area": "nordmarkt",
            **overrides}


def find(query: str) -> set[int]:
    return set(db.session.scalars(select(Property.id).where(services.address_search_clause(query))))


# --- create_property ----------------------------------------------------------------------------------------


def test_a_problem_case_starts_as_reported_with_a_transition_row_and_an_audit_event(officer):
    prop = services.create_property(address(priority="high", year_built=1905, floor_area_m2=Decimal("480.5"),
                                            parcel="Dortmund / 12 / 345"), actor=officer)

    assert prop.id is not None
    assert prop.is_problem_case is True
    assert prop.status == CaseStatus.REPORTED
    assert (prop.priority, prop.year_built, prop.floor_area_m2, prop.parcel) == (
        Priority.HIGH, 1905, Decimal("480.5"), "Dortmund / 12 / 345")
    assert prop.social_area.slug == "nordmarkt"
    assert prop.version == 1
    moves = db.session.scalars(select(StatusTransition).where(StatusTransition.property_id == prop.id)).all()
    assert [(m.from_status, m.to_status, m.actor_id) for m in moves] == [(None, CaseStatus.REPORTED, officer.id)]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "property.create"))
    assert (event.object_id, event.actor_id) == (str(prop.id), officer.id)


def test_an_ordinary_building_has_no_status_and_no_transition(officer):
    prop = services.create_property(address(problem_case=False), actor=officer)

    assert prop.is_problem_case is False
    assert prop.status is None
    assert db.session.scalar(select(StatusTransition.id).where(StatusTransition.property_id == prop.id)) is None


def test_priority_defaults_to_medium(officer):
    assert services.create_property(address(), actor=officer).priority == Priority.MEDIUM


def test_a_new_case_knows_since_when_it_stands_on_reported(officer):
    with time_machine.travel(FROZEN, tick=False):
        prop = services.create_property(address(), actor=officer)
        db.session.flush()

    assert prop.status_changed_at == FROZEN


def test_address_parts_are_trimmed_and_whitespace_collapsed(officer):
    prop = services.create_property(address(street="  Kleine   Burgstraße ", house_number=" 100 ",
                                            postcode=" 44147 "), actor=officer)

    assert (prop.street, prop.house_number, prop.postcode) == ("Kleine Burgstraße", "100", "44147")


@pytest.mark.parametrize(("overrides", "field"), [
    ({"floor_area_m2": Decimal("-1")}, "floor_area_m2"),
    ({"floor_area_m2": Decimal("0")}, "floor_area_m2"),
    ({"postcode": "4414"}, "postcode"),
    ({"postcode": "441470"}, "postcode"),
    ({"postcode": "44l47"}, "postcode"),
    ({"social_area": "atlantis"}, "social_area"),
    ({"social_area": None}, "social_area"),
    ({"year_built": 1499}, "year_built"),
    ({"year_built": 2027}, "year_built"),  # next year, with the clock at 2026
    ({"year_built": "neu"}, "year_built"),
    ({"street": "  "}, "street"),
    ({"house_number": ""}, "house_number"),
    ({"house_number": "hinten"}, "house_number"),
    ({"priority": "urgent"}, "priority"),
])
def test_invalid_property_data_is_refused_on_its_field_and_nothing_is_saved(officer, overrides, field):
    with time_machine.travel(FROZEN, tick=False), pytest.raises(ValidationFailed) as info:
        services.create_property(address(**overrides), actor=officer)

    assert list(info.value.fields) == [field]
    assert count(Property) == 0
    assert count(StatusTransition) == 0


def test_property_error_messages_are_german(officer):
    with time_machine.travel(FROZEN, tick=False), pytest.raises(ValidationFailed) as info:
        services.create_property(address(postcode="123", floor_area_m2=Decimal("-5"), social_area="atlantis",
                                         year_built=1200), actor=officer)

    assert info.value.fields == {
        "postcode": ["Die Postleitzahl hat fünf Ziffern."],
        "social_area": ["Unbekannter Sozialraum."],
        "year_built": ["Bitte ein Baujahr zwischen 1500 und 2026 angeben."],
        "floor_area_m2": ["Die Fläche muss größer als 0 sein."],
    }


def test_the_current_year_is_a_valid_year_built(officer):
    with time_machine.travel(FROZEN, tick=False):
        assert services.create_property(address(year_built=2026), actor=officer).year_built == 2026


@pytest.mark.parametrize(("street", "number", "postcode"), [
    ("Mallinckrodtstraße", "100", "44147"),
    ("Mallinckrodtstr.", "100", "44147"),
    ("mallinckrodtstraße", "100", "44147"),
    ("MALLINCKRODTSTRASSE", "100", "44147"),
    ("Mallinckrodtstrasse", " 100 ", "44147"),
    ("Mallinckrodtstr.", "100", " 44147"),
])
def test_a_second_file_for_the_same_address_is_a_conflict(officer, street, number, postcode):
    services.create_property(address(), actor=officer)

    with pytest.raises(Conflict) as info:
        services.create_property(address(street=street, house_number=number, postcode=postcode), actor=officer)

    assert info.value.message == "Für diese Adresse gibt es bereits eine Akte."
    assert list(info.value.fields) == ["street"]
    assert count(Property) == 1


def test_house_number_letters_ignore_case_and_spaces_for_duplicates(officer):
    services.create_property(address(house_number="12a"), actor=officer)

    with pytest.raises(Conflict):
        services.create_property(address(house_number="12 A"), actor=officer)


def test_str_without_a_dot_is_the_same_street_for_duplicates(officer):
    services.create_property(address(), actor=officer)

    with pytest.raises(Conflict):
        services.create_property(address(street="Mallinckrodtstr"), actor=officer)


def test_other_numbers_and_postcodes_are_different_buildings(officer):
    services.create_property(address(), actor=officer)
    services.create_property(address(house_number="100a"), actor=officer)
    services.create_property(address(house_number="102"), actor=officer)
    services.create_property(address(postcode="44145"), actor=officer)

    assert count(Property) == 4


# --- update_property ----------------------------------------------------------------------------------------


def test_update_property_changes_master_data_bumps_the_version_and_audits(officer):
    prop = services.create_property(address(), actor=officer)
    db.session.flush()

    services.update_property(prop, {"priority": "highest", "parcel": "Flur 3"}, actor=officer, version=1)
    db.session.flush()

    assert (prop.priority, prop.parcel, prop.version) == (Priority.HIGHEST, "Flur 3", 2)
    assert prop.status == CaseStatus.REPORTED  # master data never moves the status
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "property.update"))
    assert event.changes["priority"] == ["medium", "highest"]


def test_update_property_with_a_stale_version_is_a_conflict_and_changes_nothing(officer):
    prop = services.create_property(address(), actor=officer)
    services.update_property(prop, {"parcel": "Flur 3"}, actor=officer, version=1)
    db.session.flush()

    with pytest.raises(Conflict) as info:
        services.update_property(prop, {"parcel": "Flur 9"}, actor=officer, version=1)

    assert info.value.fields == {"version": ["Veraltet."]}
    assert "Bitte laden Sie die Seite neu" in info.value.message
    assert prop.parcel == "Flur 3"


def test_update_property_to_another_files_address_is_a_conflict(officer):
    services.create_property(address(house_number="1"), actor=officer)
    prop = services.create_property(address(house_number="2"), actor=officer)

    with pytest.raises(Conflict):
        services.update_property(prop, {"house_number": "1"}, actor=officer)


def test_update_property_keeping_its_own_address_is_no_duplicate(officer):
    prop = services.create_property(address(), actor=officer)

    services.update_property(prop, {"street": "Mallinckrodtstr.", "year_built": 1900}, actor=officer)

    assert prop.street == "Mallinckrodtstr." and prop.year_built == 1900


def test_update_property_validates_like_create(officer):
    prop = services.create_property(address(), actor=officer)

    with pytest.raises(ValidationFailed) as info:
        services.update_property(prop, {"postcode": "1234", "floor_area_m2": Decimal("0")}, actor=officer)

    assert set(info.value.fields) == {"postcode", "floor_area_m2"}


# --- units -----------------------------------------------------------------------------------------------


@pytest.fixture
def prop(officer):
    return services.create_property(address(), actor=officer)


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"area_m2": Decimal("-10")}, "area_m2", "Die Fläche muss größer als 0 und höchstens 1000 m² sein."),
    ({"area_m2": Decimal("0")}, "area_m2", "Die Fläche muss größer als 0 und höchstens 1000 m² sein."),
    ({"persons_registered": 31}, "persons_registered", PLAUSIBLE),
    ({"persons_seen": 45}, "persons_seen", PLAUSIBLE),
    ({"persons_registered": -1}, "persons_registered", "Der Wert darf nicht negativ sein."),
    ({"planned_rent": Decimal("-1")}, "planned_rent", "Der Wert darf nicht negativ sein."),
    ({"floor": 41}, "floor", "Bitte ein Geschoss zwischen -3 und 40 angeben."),
    ({"label": ""}, "label", "Pflichtangabe fehlt."),
])
def test_invalid_unit_data_is_refused_on_its_field_and_nothing_is_saved(prop, officer, data, field, message):
    with pytest.raises(ValidationFailed) as info:
        services.add_unit(prop, {"label": "EG links", **data}, actor=officer)

    assert info.value.fields == {field: [message]}
    assert count(Unit) == 0


def test_thirty_persons_are_still_plausible(prop, officer):
    unit = services.add_unit(prop, {"label": "EG", "area_m2": Decimal("400"), "persons_registered": 30},
                             actor=officer)

    assert unit.persons_registered == 30


def test_a_unit_label_is_unique_within_its_building_only(prop, officer):
    services.add_unit(prop, {"label": "EG links"}, actor=officer)
    with pytest.raises(ValidationFailed) as info:
        services.add_unit(prop, {"label": " EG  links "}, actor=officer)
    assert info.value.fields == {"label": ["Diese Bezeichnung gibt es im Haus schon."]}

    other = services.create_property(address(house_number="7"), actor=officer)
    assert services.add_unit(other, {"label": "EG links"}, actor=officer).label == "EG links"
    assert count(Unit) == 2


def test_renaming_a_unit_to_another_units_label_is_refused_but_keeping_its_own_is_fine(prop, officer):
    services.add_unit(prop, {"label": "EG links"}, actor=officer)
    unit = services.add_unit(prop, {"label": "EG rechts"}, actor=officer)

    with pytest.raises(ValidationFailed):
        services.update_unit(unit, {"label": "EG links"}, actor=officer)
    services.update_unit(unit, {"label": "EG rechts", "rooms": Decimal("2.5")}, actor=officer)

    assert (unit.label, unit.rooms) == ("EG rechts", Decimal("2.5"))


# --- overcrowding ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("area", "persons", "overcrowded"), [
    (Decimal("60"), 6, False),
    (Decimal("59.99"), 6, True),
    (Decimal("60.01"), 6, False),
    (Decimal("10"), 1, False),
    (Decimal("9.99"), 1, True),
    (Decimal("5"), 0, False),
])
def test_a_unit_is_overcrowded_below_ten_square_metres_per_person(prop, officer, area, persons, overcrowded):
    unit = services.add_unit(prop, {"label": "EG", "area_m2": area, "persons_registered": persons}, actor=officer)

    assert unit.is_overcrowded is overcrowded
    assert prop.is_overcrowded is overcrowded


def test_a_unit_without_area_is_not_judged(prop, officer):
    unit = services.add_unit(prop, {"label": "EG", "persons_registered": 12}, actor=officer)

    assert unit.is_overcrowded is False


@pytest.mark.parametrize(("registered", "seen"), [(2, 7), (7, 2)])
def test_the_larger_of_registered_and_seen_persons_counts(prop, officer, registered, seen):
    unit = services.add_unit(prop, {"label": "EG", "area_m2": Decimal("60"), "persons_registered": registered,
                                    "persons_seen": seen}, actor=officer)

    assert unit.persons_counted == 7
    assert unit.is_overcrowded is True


def test_one_overcrowded_unit_flags_the_property_and_fixing_it_clears_the_flag(prop, officer):
    services.add_unit(prop, {"label": "1. OG", "area_m2": Decimal("80"), "persons_registered": 2}, actor=officer)
    crowded = services.add_unit(prop, {"label": "EG", "area_m2": Decimal("30"), "persons_registered": 4},
                                actor=officer)
    assert prop.is_overcrowded is True

    services.update_unit(crowded, {"persons_registered": 3}, actor=officer)

    assert crowded.is_overcrowded is False
    assert prop.is_overcrowded is False


def test_an_inspection_flags_unit_occupancy_inspection_and_property(prop, officer):
    unit = services.add_unit(prop, {"label": "EG", "area_m2": Decimal("60"), "persons_registered": 2}, actor=officer)
    roomy = services.add_unit(prop, {"label": "OG", "area_m2": Decimal("90"), "persons_registered": 1},
                              actor=officer)
    assert prop.is_overcrowded is False

    inspection = services.record_inspection(prop, inspected_on=today(), condition_rating=4,
                                            occupancy={unit.id: 7, roomy.id: "3"}, actor=officer)

    rows = {row.unit_id: row for row in inspection.occupancy}
    assert rows[unit.id].is_overcrowded is True
    assert rows[roomy.id].is_overcrowded is False
    assert inspection.is_overcrowded is True
    assert (unit.persons_seen, unit.is_overcrowded) == (7, True)
    assert (roomy.persons_seen, roomy.is_overcrowded) == (3, False)
    assert prop.is_overcrowded is True


def test_an_inspection_that_sees_nobody_too_many_is_not_overcrowded(prop, officer):
    unit = services.add_unit(prop, {"label": "EG", "area_m2": Decimal("60"), "persons_registered": 2}, actor=officer)

    inspection = services.record_inspection(prop, inspected_on=today(), condition_rating=2, occupancy={unit.id: 6},
                                            actor=officer)

    assert inspection.is_overcrowded is False
    assert prop.is_overcrowded is False


def test_a_new_minimum_area_rule_recomputes_every_flag(prop, officer):
    admin = UserFactory(roles=["admin"])
    unit = services.add_unit(prop, {"label": "EG", "area_m2": Decimal("59"), "persons_registered": 2}, actor=officer)
    inspection = services.record_inspection(prop, inspected_on=today(), condition_rating=3, occupancy={unit.id: 5},
                                            actor=officer)
    other = services.create_property(address(house_number="3"), actor=officer)
    other_unit = services.add_unit(other, {"label": "EG", "area_m2": Decimal("100"), "persons_registered": 9},
                                   actor=officer)
    assert (unit.is_overcrowded, inspection.is_overcrowded, prop.is_overcrowded) == (False, False, False)

    add_version(MIN_AREA_PER_PERSON, today(), 12, actor=admin, note="Test")

    assert rule_value(MIN_AREA_PER_PERSON) == Decimal("12")
    assert unit.is_overcrowded is True  # 59 m² < 5 × 12 m²
    assert inspection.is_overcrowded is True
    assert inspection.occupancy[0].is_overcrowded is True
    assert prop.is_overcrowded is True
    assert (other_unit.is_overcrowded, other.is_overcrowded) == (True, True)  # 100 m² < 9 × 12 m²


def test_a_lower_minimum_area_rule_clears_flags(prop, officer):
    unit = services.add_unit(prop, {"label": "EG", "area_m2": Decimal("45"), "persons_registered": 5}, actor=officer)
    assert unit.is_overcrowded is True

    add_version(MIN_AREA_PER_PERSON, today(), 9, actor=officer)

    assert unit.is_overcrowded is False
    assert prop.is_overcrowded is False


# --- inspections -----------------------------------------------------------------------------------------


@pytest.fixture
def unit(prop, officer):
    return services.add_unit(prop, {"label": "EG", "area_m2": Decimal("60"), "persons_registered": 2}, actor=officer)


def nothing_saved(unit, persons_seen=None):
    assert count(Inspection) == 0
    assert count(Defect) == 0
    assert count(Occupancy) == 0
    assert unit.persons_seen == persons_seen


@pytest.mark.parametrize("rating", [0, 6, -1, "x", "4.5"])
def test_a_rating_outside_one_to_five_is_refused(prop, unit, officer, rating):
    with pytest.raises(ValidationFailed) as info:
        services.record_inspection(prop, inspected_on=today(), condition_rating=rating, occupancy={unit.id: 9},
                                   actor=officer)

    assert info.value.fields == {"condition_rating": ["Der Zustand wird von 1 (gut) bis 5 (unbewohnbar) bewertet."]}
    nothing_saved(unit)


def test_a_missing_rating_and_date_are_refused(prop, unit, officer):
    with pytest.raises(ValidationFailed) as info:
        services.record_inspection(prop, inspected_on=None, condition_rating=None, actor=officer)

    assert set(info.value.fields) == {"inspected_on", "condition_rating"}
    nothing_saved(unit)


def test_an_inspection_in_the_future_is_refused(prop, unit, officer):
    with time_machine.travel(FROZEN, tick=False), pytest.raises(ValidationFailed) as info:
        services.record_inspection(prop, inspected_on=date(2026, 3, 2), condition_rating=3, occupancy={unit.id: 4},
                                   actor=officer)

    assert info.value.fields == {"inspected_on": ["Die Kontrolle darf nicht in der Zukunft liegen."]}
    nothing_saved(unit)


def test_a_defect_deadline_before_the_inspection_is_refused(prop, unit, officer):
    with pytest.raises(ValidationFailed) as info:
        services.record_inspection(
            prop, inspected_on=today() - timedelta(days=5), condition_rating=3, occupancy={unit.id: 4},
            defects=[services.DefectInput("heating", "major", "Heizung aus", deadline=today() + timedelta(days=3)),
                     services.DefectInput("waste", "minor", "Müll im Hof", deadline=today() - timedelta(days=6))],
            actor=officer)

    assert info.value.fields == {"defects-1-deadline": ["Die Frist kann nicht vor der Kontrolle liegen."]}
    nothing_saved(unit)


def test_a_defect_in_a_unit_of_another_property_is_refused(prop, unit, officer):
    other = services.create_property(address(house_number="5"), actor=officer)
    foreign = services.add_unit(other, {"label": "EG"}, actor=officer)

    with pytest.raises(ValidationFailed) as info:
        services.record_inspection(prop, inspected_on=today(), condition_rating=3, occupancy={unit.id: 4},
                                   defects=[services.DefectInput("electricity", "hazard", "Kabel", unit_id=foreign.id)],
                                   actor=officer)

    assert info.value.fields == {"defects-0-unit_id": ["Diese Wohnung gehört nicht zu diesem Haus."]}
    nothing_saved(unit)


def test_occupancy_of_a_unit_of_another_property_is_refused(prop, unit, officer):
    other = services.create_property(address(house_number="5"), actor=officer)
    foreign = services.add_unit(other, {"label": "EG"}, actor=officer)

    with pytest.raises(ValidationFailed) as info:
        services.record_inspection(prop, inspected_on=today(), condition_rating=3,
                                   occupancy={unit.id: 4, foreign.id: 3}, actor=officer)

    assert info.value.fields == {f"occupancy-{foreign.id}": ["Diese Wohnung gehört nicht zu diesem Haus."]}
    nothing_saved(unit)
    assert foreign.persons_seen is None


def test_implausible_occupancy_is_refused(prop, unit, officer):
    with pytest.raises(ValidationFailed) as info:
        services.record_inspection(prop, inspected_on=today(), condition_rating=3, occupancy={unit.id: 31},
                                   actor=officer)

    assert info.value.fields == {f"occupancy-{unit.id}": [PLAUSIBLE]}
    nothing_saved(unit)


@pytest.mark.parametrize(("defect", "field"), [
    (services.DefectInput(None, "minor", "x"), "defects-0-category"),
    (services.DefectInput("mould", "minor", "x"), "defects-0-category"),
    (services.DefectInput("heating", None, "x"), "defects-0-severity"),
    (services.DefectInput("heating", "minor", "  "), "defects-0-description"),
])
def test_an_incomplete_defect_is_refused(prop, unit, officer, defect, field):
    with pytest.raises(ValidationFailed) as info:
        services.record_inspection(prop, inspected_on=today(), condition_rating=3, defects=[defect], actor=officer)

    assert list(info.value.fields) == [field]
    nothing_saved(unit)


def test_only_housing_officers_can_be_named_as_inspectors(prop, unit, officer):
    advisor = UserFactory(roles=["tenant_advisor"])

    with pytest.raises(ValidationFailed) as info:
        services.record_inspection(prop, inspected_on=today(), condition_rating=3,
                                   officer_ids=[officer.id, advisor.id], actor=officer)

    assert list(info.value.fields) == ["officer_ids"]
    nothing_saved(unit)


def test_an_inspection_saves_rating_officers_agencies_notes_occupancy_and_defects(prop, unit, officer):
    colleague = UserFactory()
    inspection = services.record_inspection(
        prop, inspected_on=today() - timedelta(days=1), condition_rating="5", officer_ids=[officer.id, colleague.id],
        agencies=["police", "fire_service"], notes="  Keller geflutet ", occupancy={unit.id: "6", 999999: ""},
        defects=[services.DefectInput("weather_damp", "major", "Dach undicht", unit_id=unit.id,
                                      deadline=today() + timedelta(days=14))], actor=officer)
    db.session.commit()

    stored = db.session.get(Inspection, inspection.id)
    assert (stored.condition_rating, stored.notes, stored.agencies) == (5, "Keller geflutet",
                                                                      ["police", "fire_service"])
    assert {o.id for o in stored.officers} == {officer.id, colleague.id}
    assert [(o.unit_id, o.persons_seen) for o in stored.occupancy] == [(unit.id, 6)]
    assert [(d.category.value, d.severity.value, d.unit_id, d.property_id) for d in stored.defects] == [
        ("weather_damp", "major", unit.id, prop.id)]
    assert db.session.get(Property, prop.id).condition_rating == 5
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "inspection.create")) is not None


def test_persons_seen_update_the_units_only_from_the_latest_inspection(prop, unit, officer):
    services.record_inspection(prop, inspected_on=today() - timedelta(days=2), condition_rating=4,
                               occupancy={unit.id: 5}, actor=officer)
    assert (unit.persons_seen, prop.condition_rating) == (5, 4)

    services.record_inspection(prop, inspected_on=today() - timedelta(days=30), condition_rating=2,
                               occupancy={unit.id: 9}, actor=officer)

    assert unit.persons_seen == 5
    assert prop.condition_rating == 4
    assert unit.is_overcrowded is False  # 9 persons were seen long ago; 5 count now

    services.record_inspection(prop, inspected_on=today(), condition_rating=5, occupancy={unit.id: 8},
                               actor=officer)
    assert (unit.persons_seen, prop.condition_rating, unit.is_overcrowded) == (8, 5, True)


def test_a_unit_not_entered_keeps_its_persons_seen(prop, unit, officer):
    other = services.add_unit(prop, {"label": "OG", "area_m2": Decimal("70")}, actor=officer)
    services.record_inspection(prop, inspected_on=today() - timedelta(days=9), condition_rating=3,
                               occupancy={unit.id: 3, other.id: 4}, actor=officer)

    services.record_inspection(prop, inspected_on=today(), condition_rating=3, occupancy={unit.id: 1},
                               actor=officer)

    assert (unit.persons_seen, other.persons_seen) == (1, 4)


# --- defects ----------------------------------------------------------------------------------------------


def test_resolve_defect_records_the_date_and_refuses_impossible_dates(prop, officer):
    inspection = services.record_inspection(prop, inspected_on=today() - timedelta(days=10), condition_rating=3,
                                            defects=[services.DefectInput("waste", "minor", "Sperrmüll")],
                                            actor=officer)
    defect = inspection.defects[0]

    with pytest.raises(ValidationFailed) as before:
        services.resolve_defect(defect, today() - timedelta(days=11), actor=officer)
    with pytest.raises(ValidationFailed) as future:
        services.resolve_defect(defect, today() + timedelta(days=1), actor=officer)
    with pytest.raises(ValidationFailed) as missing:
        services.resolve_defect(defect, None, actor=officer)
    assert before.value.fields == {"resolved_on": ["Die Behebung kann nicht vor der Kontrolle liegen."]}
    assert future.value.fields == {"resolved_on": ["Die Behebung darf nicht in der Zukunft liegen."]}
    assert list(missing.value.fields) == ["resolved_on"]
    assert defect.resolved_on is None

    services.resolve_defect(defect, today() - timedelta(days=1), actor=officer)
    assert defect.resolved_on == today() - timedelta(days=1)


# --- orders -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"type": "repair_order", "issued_on": date(2026, 2, 1), "deadline": date(2026, 1, 31)}, "deadline",
     "Die Frist kann nicht vor dem Erlass liegen."),
    ({"type": "uninhabitable", "issued_on": date(2026, 2, 1)}, "vacate_by",
     "Eine Unbewohnbarkeitserklärung braucht ein Räumungsdatum."),
    ({"type": "uninhabitable", "issued_on": date(2026, 2, 1), "vacate_by": date(2026, 1, 1)}, "vacate_by",
     "Die Räumung kann nicht vor dem Erlass liegen."),
    ({"type": "repair_order", "status": "issued"}, "issued_on", "Eine erlassene Anordnung braucht ein Erlassdatum."),
    ({"type": "repair_order", "status": "enforced"}, "issued_on",
     "Eine erlassene Anordnung braucht ein Erlassdatum."),
    ({"type": "repair_order", "issued_on": date(2026, 3, 2)}, "issued_on",
     "Der Erlass darf nicht in der Zukunft liegen."),
    ({"type": "repair_order", "fines_total": Decimal("-500")}, "fines_total", "Der Wert darf nicht negativ sein."),
    ({"type": "fine"}, "type", "Unbekannter Wert „fine“."),
    ({}, "type", "Pflichtangabe fehlt."),
])
def test_invalid_orders_are_refused_and_nothing_is_saved(prop, officer, data, field, message):
    with time_machine.travel(FROZEN, tick=False), pytest.raises(ValidationFailed) as info:
        services.create_order(prop, data, actor=officer)

    assert info.value.fields == {field: [message]}
    assert count(Order) == 0


def test_an_order_starts_as_draft_and_can_be_issued(prop, officer):
    order = services.create_order(prop, {"type": "uninhabitable", "vacate_by": today() + timedelta(days=30),
                                         "reference": " 64/2026-17 "}, actor=officer)
    assert (order.status.value, order.reference, order.fines_total) == ("draft", "64/2026-17", Decimal("0"))

    services.update_order(order, {"status": "issued", "issued_on": today(), "deadline": today() + timedelta(days=28)},
                          actor=officer)

    assert order.status.value == "issued"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "order.update"))
    assert event.changes["status"] == ["draft", "issued"]


def test_update_order_validates_the_merged_record(prop, officer):
    order = services.create_order(prop, {"type": "repair_order", "status": "issued", "issued_on": today()},
                                  actor=officer)

    with pytest.raises(ValidationFailed) as info:
        services.update_order(order, {"deadline": today() - timedelta(days=1)}, actor=officer)

    assert list(info.value.fields) == ["deadline"]


# --- acquisitions ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"notarised_on": date(2026, 2, 1), "transferred_on": date(2026, 1, 31)}, "transferred_on",
     "Die Übergabe kann nicht vor der Beurkundung liegen."),
    ({"transferred_on": date(2026, 1, 31)}, "notarised_on", "Vor der Übergabe muss der Vertrag beurkundet sein."),
    ({"preemption_notice_on": date(2026, 1, 5)}, "preemption_notice_on",
     "Ein Mitteilungsdatum gibt es nur beim Vorkaufsrecht."),
    ({"method": "preemption", "preemption_notice_on": date(2026, 3, 2)}, "preemption_notice_on",
     "Die Mitteilung des Kaufvertrags darf nicht in der Zukunft liegen."),
    ({"notarised_on": date(2026, 2, 1), "transferred_on": date(2026, 3, 5)}, "transferred_on",
     "Die Übergabe darf nicht in der Zukunft liegen."),
    ({"agreed_price": Decimal("-1")}, "agreed_price", "Der Wert darf nicht negativ sein."),
    ({"buyer": "investor"}, "buyer", "Unbekannter Wert „investor“."),
    ({"transfer_type": "lease"}, "transfer_type", "Unbekannter Wert „lease“."),
])
def test_invalid_acquisitions_are_refused_and_nothing_is_saved(prop, officer, data, field, message):
    with time_machine.travel(FROZEN, tick=False), pytest.raises(ValidationFailed) as info:
        services.create_acquisition(prop, {"method": "purchase", "buyer": "city", **data}, actor=officer)

    assert info.value.fields == {field: [message]}
    assert count(Acquisition) == 0


@pytest.mark.parametrize(("notice", "deadline"), [
    (date(2025, 11, 30), date(2026, 2, 28)),
    (date(2023, 11, 30), date(2024, 2, 29)),
    (date(2025, 10, 15), date(2026, 1, 15)),
    (date(2025, 12, 31), date(2026, 3, 31)),
])
def test_the_preemption_deadline_is_three_months_after_the_notice(prop, officer, notice, deadline):
    acquisition = services.create_acquisition(prop, {"method": "preemption", "buyer": "city",
                                                     "preemption_notice_on": notice}, actor=officer)

    assert acquisition.preemption_deadline == deadline


def test_an_acquisition_without_notice_has_no_preemption_deadline(prop, officer):
    assert services.create_acquisition(prop, {"method": "auction", "buyer": "dogewo21"},
                                       actor=officer).preemption_deadline is None


def test_update_acquisition_keeps_the_rules(prop, officer):
    acquisition = services.create_acquisition(prop, {"method": "preemption", "buyer": "city",
                                                     "preemption_notice_on": today() - timedelta(days=10)},
                                              actor=officer)

    with pytest.raises(ValidationFailed) as info:
        services.update_acquisition(acquisition, {"method": "purchase"}, actor=officer)
    assert list(info.value.fields) == ["preemption_notice_on"]

    services.update_acquisition(acquisition, {"agreed_price": Decimal("640000"), "council_decision_ref": "DS 123"},
                                actor=officer)
    assert (acquisition.agreed_price, acquisition.council_decision_ref) == (Decimal("640000"), "DS 123")


# --- owners and referrals ---------------------------------------------------------------------------------


def test_a_new_owner_ends_the_previous_ownership_that_day(prop, officer):
    first = services.add_ownership(prop, {"kind": "company", "name": "Briefkasten GmbH",
                                          "registered_on": date(2019, 4, 1)}, actor=officer)
    second = services.add_ownership(prop, {"kind": "company", "name": "Nachfolger Ltd.",
                                           "registered_on": date(2023, 7, 15), "land_register_ref": "Blatt 4711"},
                                    actor=officer)

    assert first.ended_on == date(2023, 7, 15)
    assert second.ended_on is None
    assert second.owner.name == "Nachfolger Ltd."
    assert count(Ownership) == 2


def test_an_unknown_owner_needs_no_name_but_others_do(prop, officer):
    unknown = services.add_ownership(prop, {"kind": "unknown", "registered_on": date(2020, 1, 1)}, actor=officer)
    assert unknown.owner.name == "unbekannt"

    with pytest.raises(ValidationFailed) as info:
        services.add_ownership(prop, {"kind": "person", "registered_on": today() + timedelta(days=1)},
                               actor=officer)
    assert set(info.value.fields) == {"name", "registered_on"}


def test_a_referral_needs_source_date_and_text(prop, officer):
    with pytest.raises(ValidationFailed) as info:
        services.add_referral(prop, {"source": "aliens", "received_on": today() + timedelta(days=1), "text": " "},
                              actor=officer)
    assert set(info.value.fields) == {"source", "received_on", "text"}
    assert count(Referral) == 0

    referral = services.add_referral(prop, {"source": "police", "received_on": today(), "text": "Matratzenlager"},
                                     actor=officer)
    assert (referral.source.value, referral.created_by_id) == ("police", officer.id)


# --- deadlines ----------------------------------------------------------------------------------------------


@pytest.fixture
def deadline_cases(officer):
    """With the clock on 2026-03-01: one case with an overdue defect, a soon order and a later pre-emption."""
    with time_machine.travel(FROZEN, tick=False):
        busy = services.create_property(address(house_number="1"), actor=officer)
        services.record_inspection(busy, inspected_on=date(2026, 1, 10), condition_rating=4, defects=[
            services.DefectInput("electricity", "hazard", "Kabel offen", deadline=date(2026, 2, 20)),
            services.DefectInput("heating", "major", "Heizung", deadline=date(2026, 4, 30)),
            services.DefectInput("waste", "minor", "Müll", deadline=date(2026, 1, 20), resolved_on=date(2026, 1, 19)),
            services.DefectInput("other", "minor", "ohne Frist"),
        ], actor=officer)
        services.create_order(busy, {"type": "repair_order", "status": "issued", "issued_on": date(2026, 2, 1),
                                     "deadline": date(2026, 3, 5)}, actor=officer)
        services.create_order(busy, {"type": "occupancy", "status": "draft", "deadline": date(2026, 3, 2)},
                              actor=officer)
        services.create_order(busy, {"type": "other", "status": "complied", "issued_on": date(2026, 1, 2),
                                     "deadline": date(2026, 1, 30)}, actor=officer)
        services.create_acquisition(busy, {"method": "preemption", "buyer": "city",
                                           "preemption_notice_on": date(2025, 12, 10)}, actor=officer)
        calm = services.create_property(address(house_number="2"), actor=officer)
        closed = services.create_property(address(house_number="3"), actor=officer)
        services.create_acquisition(closed, {"method": "preemption", "buyer": "city",
                                             "preemption_notice_on": date(2025, 12, 1)}, actor=officer)
        services.transition(closed, "delisted", actor=officer, reason="Vorkauf verzichtet")
    return busy, calm, closed


def test_deadlines_of_lists_open_deadlines_earliest_first(deadline_cases):
    busy, calm, _closed = deadline_cases

    with time_machine.travel(FROZEN, tick=False):
        deadlines = services.deadlines_of(busy)
        on = today()

    assert [(d.kind, d.due_on, d.state(on)) for d in deadlines] == [
        ("defect", date(2026, 2, 20), "overdue"),
        ("order", date(2026, 3, 5), "soon"),
        ("preemption", date(2026, 3, 10), "later"),
        ("defect", date(2026, 4, 30), "later"),
    ]
    assert deadlines[0].text == "Mangel: Elektrizität (§ 5)"
    assert deadlines[0].days_left(on) == -9
    assert deadlines[2].text == "Vorkaufsrecht: Frist endet"
    assert all(d.property_id == busy.id and d.address == "Mallinckrodtstraße 1" for d in deadlines)
    assert services.deadlines_of(calm) == []


def test_due_soon_lists_overdue_and_due_within_the_window_across_cases(deadline_cases):
    with time_machine.travel(FROZEN, tick=False):
        soon = services.due_soon(today())
        week = services.due_soon(today(), within_days=7)
        first = services.due_soon(today(), limit=1)

    assert [(d.kind, d.due_on) for d in soon] == [
        ("defect", date(2026, 2, 20)), ("order", date(2026, 3, 5)), ("preemption", date(2026, 3, 10))]
    assert [(d.kind, d.due_on) for d in week] == [("defect", date(2026, 2, 20)), ("order", date(2026, 3, 5))]
    assert [d.due_on for d in first] == [date(2026, 2, 20)]


def test_a_resolved_defect_leaves_the_deadlines(deadline_cases, officer):
    busy, _calm, _closed = deadline_cases
    with time_machine.travel(FROZEN, tick=False):
        defect = db.session.scalar(select(Defect).where(Defect.deadline == date(2026, 2, 20)))
        services.resolve_defect(defect, today(), actor=officer)

        assert [d.due_on for d in services.deadlines_of(busy)][0] == date(2026, 3, 5)


def test_the_overdue_clause_finds_cases_with_an_overdue_open_deadline(deadline_cases, officer):
    busy, calm, _closed = deadline_cases
    with time_machine.travel(FROZEN, tick=False):
        overdue = set(db.session.scalars(select(Property.id).where(services.overdue_property_ids_clause(today()))))
        assert busy.id in overdue
        assert calm.id not in overdue

        earlier = set(db.session.scalars(select(Property.id).where(
            services.overdue_property_ids_clause(date(2026, 2, 20)))))
        assert busy.id not in earlier  # due that day is not overdue yet


def test_an_overdue_preemption_deadline_makes_the_case_overdue(officer):
    with time_machine.travel(FROZEN, tick=False):
        prop = services.create_property(address(), actor=officer)
        services.create_acquisition(prop, {"method": "preemption", "buyer": "city",
                                           "preemption_notice_on": date(2025, 11, 20)}, actor=officer)  # -> 02-20

        assert set(db.session.scalars(select(Property.id).where(
            services.overdue_property_ids_clause(today())))) == {prop.id}


def test_due_soon_finds_a_preemption_deadline_at_the_end_of_february(officer):
    with time_machine.travel(datetime(2026, 2, 14, 9, tzinfo=UTC), tick=False):
        prop = services.create_property(address(), actor=officer)
        services.create_acquisition(prop, {"method": "preemption", "buyer": "city",
                                           "preemption_notice_on": date(2025, 11, 30)}, actor=officer)

        assert [d.due_on for d in services.deadlines_of(prop)] == [date(2026, 2, 28)]
        assert [d.due_on for d in services.due_soon(today(), within_days=14)] == [date(2026, 2, 28)]


def test_the_overdue_clause_finds_a_preemption_deadline_missed_at_a_month_end(officer):
    with time_machine.travel(datetime(2026, 5, 31, 9, tzinfo=UTC), tick=False):
        prop = services.create_property(address(), actor=officer)
        services.create_acquisition(prop, {"method": "preemption", "buyer": "city",
                                           "preemption_notice_on": date(2026, 2, 28)}, actor=officer)
        assert services.deadlines_of(prop)[0].state(today()) == "overdue"

        assert set(db.session.scalars(select(Property.id).where(
            services.overdue_property_ids_clause(today())))) == {prop.id}


def test_a_closed_case_has_no_preemption_deadline(deadline_cases):
    _busy, _calm, closed = deadline_cases

    assert services.deadlines_of(closed) == []


# --- address search -----------------------------------------------------------------------------------------


@pytest.fixture
def streets(officer):
    return {
        "m100": services.create_property(address(), actor=officer).id,
        "m12": services.create_property(address(house_number="12"), actor=officer).id,
        "m12a": services.create_property(address(house_number="12a"), actor=officer).id,
        "schuetzen": services.create_property(address(street="Schützenstraße", house_number="100", postcode="44145"),
                                              actor=officer).id,
        "borsig": services.create_property(address(street="Borsigplatz", house_number="9", postcode="44145",
                                                   social_area="borsigplatz"), actor=officer).id,
    }


@pytest.mark.parametrize(("query", "expected"), [
    ("Mallinckrodtstr 100", {"m100"}),
    ("Mallinckrodtstr. 100", {"m100"}),
    ("mallinckrodtstraße 100", {"m100"}),
    ("MALLINCKRODTSTRASSE  100", {"m100"}),
    ("mallinckrodtstraße", {"m100", "m12", "m12a"}),
    ("Mallinckrodtstr", {"m100", "m12", "m12a"}),
    ("Mallinck", {"m100", "m12", "m12a"}),
    ("Mallinckrodtstraße 12a", {"m12a"}),
    ("Mallinckrodtstraße 12 a", {"m12a"}),
    ("44147", {"m100", "m12", "m12a"}),
    ("44145", {"schuetzen", "borsig"}),
    ("schützenstr 100", {"schuetzen"}),
    ("Borsigplatz", {"borsig"}),
    ("Hafenstraße", set()),
    ("100", set()),
])
def test_address_search_clause(streets, query, expected):
    assert find(query) == {streets[name] for name in expected}


# --- timeline --------------------------------------------------------------------------------------------------


def test_the_timeline_is_oldest_first_and_tells_the_whole_story(officer):
    with time_machine.travel(FROZEN, tick=False):
        prop = services.create_property(address(), actor=officer)
        services.add_referral(prop, {"source": "police", "received_on": date(2026, 1, 5),
                                     "text": "Matratzenlager im Keller"}, actor=officer)
        unit = services.add_unit(prop, {"label": "EG", "area_m2": Decimal("40"), "persons_registered": 1},
                                 actor=officer)
        services.record_inspection(prop, inspected_on=date(2026, 1, 20), condition_rating=4, occupancy={unit.id: 8},
                                   defects=[services.DefectInput("heating", "major", "kalt",
                                                                 resolved_on=date(2026, 2, 10))], actor=officer)
        services.create_order(prop, {"type": "repair_order", "status": "issued", "issued_on": date(2026, 2, 1),
                                     "deadline": date(2026, 3, 1)}, actor=officer)
        services.create_order(prop, {"type": "occupancy"}, actor=officer)  # a draft is not an event yet
        services.create_acquisition(prop, {"method": "preemption", "buyer": "city",
                                           "preemption_notice_on": date(2026, 2, 15)}, actor=officer)
    with time_machine.travel(FROZEN + timedelta(hours=2), tick=False):
        services.transition(prop, "order_issued", actor=officer)
    with time_machine.travel(FROZEN + timedelta(hours=3), tick=False):
        services.transition(prop, "registered", actor=officer, reason="Anordnung aufgehoben")

    items = services.timeline(prop)

    assert [(item.kind, item.text) for item in items] == [
        ("referral", "Meldung (Polizei): Matratzenlager im Keller"),
        ("inspection", "Hauskontrolle: Zustand 4, 1 Mangel, Überbelegung"),
        ("order", "Anordnung erlassen: Instandsetzungsanordnung (§ 6 WohnStG)"),
        ("defect_resolved", "Mangel behoben: Heizung (§ 5)"),
        ("acquisition", "Kaufvertrag mitgeteilt (Vorkaufsrecht)"),
        ("transition", "Status: gemeldet"),
        ("transition", "Status: Anordnung erlassen"),
        ("transition", "Status: erfasst – Anordnung aufgehoben"),
    ]
    assert [item.sort_key for item in items] == sorted(item.sort_key for item in items)
