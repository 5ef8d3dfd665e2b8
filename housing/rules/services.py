"""Reading and versioning rule figures."""

from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit.services import record
from ..clock import today
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from .models import RuleValue
from .registry import DEFINITIONS, ON_CHANGE


def rule_value(key: str, on: date | None = None) -> Decimal:
    """The figure valid on ``on`` (default: today); the seeded value if no version covers that day."""
    on = on or today()
    value = db.session.scalar(
        select(RuleValue.value)
        .where(RuleValue.key == key, RuleValue.valid_from <= on)
        .order_by(RuleValue.valid_from.desc())
        .limit(1)
    )
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
    except (InvalidOperation, ValueError):
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
