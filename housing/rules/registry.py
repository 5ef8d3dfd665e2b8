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
    ]
}

# Callbacks run after a new version is saved (e.g. recompute overcrowding flags); areas register them.
ON_CHANGE: dict[str, list] = {}


def on_change(key: str, callback) -> None:
    callbacks = ON_CHANGE.setdefault(key, [])
    if callback not in callbacks:
        callbacks.append(callback)
