"""The rule figures the system knows, with their labels, units and seeded values (DOMAIN.md section 6)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class RuleDefinition:
    key: str
    label: object
    unit: str
    seed_value: Decimal
    seed_from: date
    minimum: Decimal = Decimal("0")
    maximum: Decimal = Decimal("100000")


MIN_AREA_PER_PERSON = "min_area_per_person_m2"
LABOUR_RATE = "labour_cost_per_hour_eur"
RENT_INCOME_SHARE = "max_rent_income_share_percent"
SIZE_TOLERANCE = "size_tolerance_m2"
SIZE_PER_EXTRA_PERSON = "size_per_extra_person_m2"
RENT_CAP_PER_M2 = "rent_cap_per_m2_eur"

DEFINITIONS = {
    d.key: d
    for d in [
        RuleDefinition(
            MIN_AREA_PER_PERSON, _l("Mindestwohnfläche je Person (WohnStG NRW § 10)"), "m²",
            Decimal("10"), date(2000, 1, 1), minimum=Decimal("1"), maximum=Decimal("50"),
        ),
        RuleDefinition(
            LABOUR_RATE, _l("Kalkulatorischer Stundensatz Personal Viertelwerk"), "€",
            Decimal("20.00"), date(2000, 1, 1), minimum=Decimal("0"), maximum=Decimal("200"),
        ),
        RuleDefinition(
            RENT_INCOME_SHARE, _l("Höchster Anteil der Bruttokaltmiete am Einkommen (ohne Transferleistung)"), "%",
            Decimal("35"), date(2000, 1, 1), minimum=Decimal("5"), maximum=Decimal("100"),
        ),
        RuleDefinition(
            SIZE_TOLERANCE, _l("Toleranz über der angemessenen Wohnfläche"), "m²",
            Decimal("5"), date(2000, 1, 1), minimum=Decimal("0"), maximum=Decimal("50"),
        ),
        RuleDefinition(
            SIZE_PER_EXTRA_PERSON, _l("Angemessene Fläche je weitere Person über der KdU-Tabelle"), "m²",
            Decimal("15"), date(2000, 1, 1), minimum=Decimal("0"), maximum=Decimal("50"),
        ),
        RuleDefinition(
            RENT_CAP_PER_M2, _l("Mietobergrenze geförderter Wohnungen (Einkommensgruppe A)"), "€/m²",
            Decimal("7.25"), date(2000, 1, 1), minimum=Decimal("1"), maximum=Decimal("50"),
        ),
    ]
}

# Callbacks run after a new version is saved (e.g. recompute overcrowding flags); areas register them.
ON_CHANGE: dict[str, list] = {}


def on_change(key: str, callback) -> None:
    callbacks = ON_CHANGE.setdefault(key, [])
    if callback not in callbacks:
        callbacks.append(callback)
