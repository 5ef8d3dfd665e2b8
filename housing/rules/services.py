"""Reading and versioning rule figures."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import bindparam, select

from ..audit.services import record
from ..clock import today
from ..errors import Conflict, FieldErrors, ValidationFailed
from ..extensions import db
from ..i18n import gettext as _
from .models import KduLimit, RuleValue
from .registry import DEFINITIONS, ON_CHANGE, SIZE_PER_EXTRA_PERSON

# Pages read a figure or two each (matching, a case file, a timesheet): built once, bound per call.
_VALUE_ON = select(RuleValue.value).where(RuleValue.key == bindparam("key"), RuleValue.valid_from <= bindparam(
    "on")).order_by(RuleValue.valid_from.desc()).limit(1)


def rule_value(key: str, on: date | None = None) -> Decimal:
    """The figure valid on ``on`` (default: today); the seeded value if no version covers that day."""
    value = db.session.scalar(_VALUE_ON, {"key": key, "on": on or today()})
    return Decimal(value) if value is not None else DEFINITIONS[key].seed_value


def versions(key: str) -> list[RuleValue]:
    return list(db.session.scalars(select(RuleValue).where(RuleValue.key == key).order_by(RuleValue.valid_from.desc())))


def add_version(key: str, valid_from: date, value, *, actor, note: str | None = None) -> RuleValue:
    """Add a version of a rule figure from a date on; earlier versions stay for decisions taken under them."""
    definition = DEFINITIONS.get(key)
    if definition is None:
        raise ValidationFailed.on("key", _("Unbekannte Regel."))
    try:
        value = Decimal(str(value))
    except (ArithmeticError, ValueError):
        raise ValidationFailed.on("value", _("Bitte eine Zahl angeben.")) from None
    if not definition.minimum <= value <= definition.maximum:
        raise ValidationFailed.on("value", _("Erlaubt ist ein Wert von %(min)s bis %(max)s.",
                                             min=definition.minimum, max=definition.maximum))
    exists = db.session.scalar(select(RuleValue.id).where(RuleValue.key == key, RuleValue.valid_from == valid_from))
    if exists:
        raise Conflict(_("Für diesen Tag gibt es schon einen Wert."), {"valid_from": [_("Bereits vorhanden.")]})
    version = RuleValue(key=key, valid_from=valid_from, value=value, note=(note or "").strip() or None,
                        created_by_id=actor.id if actor else None)
    db.session.add(version)
    db.session.flush()
    record("rule.add_version", version, actor=actor, summary=key,
           changes={"value": [None, value], "valid_from": [None, valid_from]})
    for callback in ON_CHANGE.get(key, []):
        callback()
    return version


# --- KdU limits (Jobcenter Dortmund), date-versioned by household size ------------------------------


@dataclass(frozen=True)
class KduRow:
    persons: int
    max_gross_cold_rent: Decimal
    max_area_m2: Decimal
    valid_from: date
    extrapolated: bool = False


def kdu_table(on: date) -> dict[int, KduRow]:
    """The limits valid on ``on`` for each household size (each size's latest version up to that day)."""
    rows = db.session.scalars(select(KduLimit).where(KduLimit.valid_from <= on)
                              .order_by(KduLimit.persons, KduLimit.valid_from)).all()
    table: dict[int, KduRow] = {}
    for row in rows:  # later versions overwrite earlier ones
        table[row.persons] = KduRow(row.persons, row.max_gross_cold_rent, row.max_area_m2, row.valid_from)
    return table


def kdu_for(persons: int, on: date, table: dict[int, KduRow] | None = None,
            extra_per_person: Decimal | None = None) -> KduRow | None:
    """The limit for a household size; beyond the table's largest size, the area grows by the rule figure per
    person and the rent stays at the largest size's limit (the Jobcenter decides those cases one by one)."""
    table = kdu_table(on) if table is None else table
    if not table:
        return None
    if persons in table:
        return table[persons]
    largest = max(table)
    if persons < min(table):
        return table[min(table)]
    per_person = extra_per_person if extra_per_person is not None else rule_value(SIZE_PER_EXTRA_PERSON, on)
    extra = per_person * (persons - largest)
    base = table[largest]
    return KduRow(persons, base.max_gross_cold_rent, base.max_area_m2 + extra, base.valid_from, extrapolated=True)


def kdu_versions() -> list[date]:
    return list(db.session.scalars(select(KduLimit.valid_from).distinct().order_by(KduLimit.valid_from.desc())))


MAX_KDU_PERSONS = 20
MAX_KDU_RENT = Decimal("100000")  # below the columns' limits, far above any published figure
MAX_KDU_AREA = Decimal("1000")


def _whole_number(value) -> int | None:
    """A household size as typed ("3", " 3 "), or None for anything else ("3,5", "drei", "²")."""
    text = str(value).strip() if value is not None else ""
    return int(text) if text.isascii() and text.isdigit() else None


def _amount(errors: FieldErrors, field: str, value, maximum: Decimal, message: str) -> Decimal | None:
    """A finite amount above 0 and below ``maximum``; else ``message`` (or "too large") on ``field``."""
    try:
        amount = Decimal(str(value)) if value not in (None, "") else None
    except (ArithmeticError, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0:
        errors.add(field, message)
        return None
    if amount >= maximum:
        errors.add(field, _("Der Wert ist zu groß."))
        return None
    return amount


def add_kdu_version(valid_from: date, rows: list[dict], *, actor, note: str | None = None) -> list[KduLimit]:
    """Enter a newly published table from a date on; earlier versions stay for decisions taken under them."""
    errors = FieldErrors()
    if valid_from is None:
        errors.add("valid_from", _("Pflichtangabe fehlt."))

    clean = []
    for index, row in enumerate(rows):
        persons, gross, area = row.get("persons"), row.get("max_gross_cold_rent"), row.get("max_area_m2")
        if gross in (None, "") and area in (None, ""):
            continue
        persons = _whole_number(persons)
        if persons is None or not 1 <= persons <= MAX_KDU_PERSONS:
            errors.add(f"rows-{index}-persons", _("Bitte die Haushaltsgröße angeben."))
            continue
        gross = _amount(errors, f"rows-{index}-max_gross_cold_rent", gross, MAX_KDU_RENT,
                        _("Bitte einen Betrag über 0 angeben."))
        area = _amount(errors, f"rows-{index}-max_area_m2", area, MAX_KDU_AREA, _("Bitte eine Fläche über 0 angeben."))
        clean.append((persons, gross, area))
    if not clean and valid_from is not None:
        errors.add("rows-0-max_gross_cold_rent", _("Bitte mindestens eine Zeile ausfüllen."))
    if len({persons for persons, _g, _a in clean}) != len(clean):
        errors.add("rows-0-persons", _("Jede Haushaltsgröße nur einmal."))
    errors.raise_if_any()
    if db.session.scalar(select(KduLimit.id).where(KduLimit.valid_from == valid_from)):
        raise Conflict(_("Für diesen Tag gibt es schon eine Tabelle."),
                       {"valid_from": [_("Für diesen Tag gibt es schon eine Tabelle.")]})
    limits = [KduLimit(persons=persons, valid_from=valid_from, max_gross_cold_rent=gross, max_area_m2=area,
                       note=(note or "").strip()[:300] or None, created_by_id=actor.id if actor else None)
              for persons, gross, area in clean]
    db.session.add_all(limits)
    db.session.flush()
    record("kdu.add_version", object_type="kdu_limits", actor=actor, summary=f"{valid_from}: {len(limits)} rows")
    return limits


# --- settings (switches the admin sets) ------------------------------------------------------------------------


def setting(key: str, default=None):
    from .models import Setting

    row = db.session.get(Setting, key)
    return default if row is None else row.value


def set_setting(key: str, value, *, actor) -> None:
    from ..audit.services import record
    from .models import Setting

    row = db.session.get(Setting, key)
    old = None if row is None else row.value
    if row is None:
        row = Setting(key=key)
        db.session.add(row)
    row.value, row.updated_by_id = value, actor.id
    record("setting.update", object_type="settings", object_id=key, actor=actor, changes={key: [old, value]})
