"""The rule figures the system knows, with their labels, units and seeded values (DOMAIN.md section 6)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..i18n import lazy_gettext as _l


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
# Retention periods in months (DOMAIN.md section 7), read by the nightly retention run for the run's day.
RETENTION_UNSUCCESSFUL = "retention_unsuccessful_applications_months"
RETENTION_PLACEMENT = "retention_placement_aftercare_months"
RETENTION_PARTICIPANTS = "retention_participants_months"
RETENTION_AUDIT_LOG = "retention_audit_log_months"

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
        RuleDefinition(
            RETENTION_UNSUCCESSFUL, _l("Aufbewahrung erfolgloser Bewerbungen nach Abschluss "
                                       "(zurückgezogen, Kontakt verloren)"), "Monate",
            Decimal("6"), date(2000, 1, 1), minimum=Decimal("1"), maximum=Decimal("360"),
        ),
        RuleDefinition(
            RETENTION_PLACEMENT, _l("Aufbewahrung von Vermittlung und Nachbetreuung nach dem Ende "
                                    "(Mietende, stabilisiert oder abgeschlossen)"), "Monate",
            Decimal("72"), date(2000, 1, 1), minimum=Decimal("1"), maximum=Decimal("360"),
        ),
        RuleDefinition(
            RETENTION_PARTICIPANTS, _l("Aufbewahrung der Daten von Teilnehmenden nach Maßnahmeende "
                                       "(Prüfung der Fördermittel)"), "Monate",
            Decimal("120"), date(2000, 1, 1), minimum=Decimal("1"), maximum=Decimal("360"),
        ),
        RuleDefinition(
            RETENTION_AUDIT_LOG, _l("Aufbewahrung der Einträge im Audit-Log"), "Monate",
            Decimal("24"), date(2000, 1, 1), minimum=Decimal("1"), maximum=Decimal("360"),
        ),
    ]
}

# Callbacks run after a new version is saved (e.g. recompute overcrowding flags); areas register them.
ON_CHANGE: dict[str, list] = {}


def on_change(key: str, callback) -> None:
    callbacks = ON_CHANGE.setdefault(key, [])
    if callback not in callbacks:
        callbacks.append(callback)
