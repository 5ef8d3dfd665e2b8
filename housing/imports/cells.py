"""Cell values as people write them in German lists: "1.234,50", "12,5 m²", "05.03.2024", "ja", "Notfall".

Each parser takes what the file holds (text from CSV; text, numbers, dates or booleans from XLSX) and
returns a Python value, or None for an empty cell, or raises ``CellError`` with a German message.
"""

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from flask_babel import force_locale

from ..i18n import gettext as _
from ..i18n import parse_decimal


class CellError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def normalise(text: str) -> str:
    """The form in which headers and choices are compared: case, spaces, punctuation, ß and umlauts ignored."""
    text = str(text).casefold().replace("²", "2")  # casefold: "ß" -> "ss"
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue")):
        text = text.replace(umlaut, plain)
    return re.sub(r"[\s_\-.,:;()/\\'\"’§]+", "", text)


def is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _shown(value) -> str:
    text = str(value).strip()
    return text if len(text) <= 40 else text[:39] + "…"


def text(value) -> str | None:
    if is_empty(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a house number or postcode Excel stored as a number
    if isinstance(value, datetime | date):
        return value.strftime("%d.%m.%Y")
    return " ".join(str(value).split())


def _float_decimal(value: float) -> Decimal:
    """A float from Excel as the decimal it displays (7.5, not 7.4999999999)."""
    number = Decimal(repr(value))
    if number.as_tuple().exponent < -9:
        number = number.quantize(Decimal("1e-9"))
    return number.normalize() if number != number.to_integral_value() else number.quantize(Decimal(1))


UNITS = re.compile(r"(€|eur|euro|m²|m2|qm|h|std\.?|stunden)$", re.IGNORECASE)


def decimal(value) -> Decimal | None:
    """German ("1.234,50", "12,5") or plain ("12.5") numbers; a trailing € or m² is allowed."""
    if is_empty(value):
        return None
    if isinstance(value, bool):
        raise CellError(_("Eine Zahl wird erwartet, nicht „%(value)s“.", value=_shown(value)))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return _float_decimal(value)
    if isinstance(value, datetime | date):
        raise CellError(_("Eine Zahl wird erwartet, nicht ein Datum."))
    raw = str(value).strip()
    cleaned = UNITS.sub("", raw.replace("\u00a0", " ").strip()).strip().replace(" ", "")
    try:  # the lists are German: "1.234" is one thousand two hundred thirty-four
        number = parse_decimal(cleaned, "de")
    except (ArithmeticError, ValueError):
        number = None
    if number is None or not number.is_finite():
        raise CellError(_("Eine Zahl wird erwartet (z. B. 12,5), nicht „%(value)s“.", value=_shown(raw)))
    return number


def integer(value) -> int | None:
    try:
        number = decimal(value)
    except CellError:
        number = Decimal("0.5")  # reported below as not a whole number
    if number is None:
        return None
    if number != number.to_integral_value():
        raise CellError(_("Eine ganze Zahl wird erwartet, nicht „%(value)s“.", value=_shown(value)))
    return int(number)


DATE_FORMATS = (("%d.%m.%Y", re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4}$")),
                ("%Y-%m-%d", re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")))


def day(value) -> date | None:
    """A date as TT.MM.JJJJ or JJJJ-MM-TT, or a real date cell; a two-digit year is refused (01.02.45?)."""
    if is_empty(value):
        return None
    if isinstance(value, datetime):
        if value.time() != datetime.min.time():
            raise CellError(_("Ein Datum ohne Uhrzeit wird erwartet."))
        return value.date()
    if isinstance(value, date):
        return value
    raw = str(value).strip()
    candidate = raw.split(" ")[0] if re.match(r"^\S+ 00:00(:00)?$", raw) else raw
    for pattern, shape in DATE_FORMATS:
        if shape.match(candidate):
            try:
                return datetime.strptime(candidate, pattern).date()  # noqa: DTZ007 (a calendar day)
            except ValueError:
                raise CellError(_("Diesen Tag gibt es nicht: „%(value)s“.", value=_shown(raw))) from None
    raise CellError(_("Bitte ein Datum als TT.MM.JJJJ oder JJJJ-MM-TT angeben, nicht „%(value)s“.",
                      value=_shown(raw)))


TRUE = {"ja", "j", "x", "wahr", "true", "1", "yes", "y", "✓", "✔"}
FALSE = {"nein", "n", "falsch", "false", "0", "no", "-", "–"}


def boolean(value) -> bool | None:
    """ja/nein, x (ticked), wahr/falsch (German Excel's TRUE/FALSE), 1/0, true/false."""
    if is_empty(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    word = str(value).strip().casefold()
    if word in TRUE:
        return True
    if word in FALSE:
        return False
    raise CellError(_("Bitte „ja“ oder „nein“ angeben, nicht „%(value)s“.", value=_shown(value)))


def choice(enum_class, aliases: dict[str, str] | None = None) -> Callable:
    """A member of ``enum_class`` by its API value, its German label or one of ``aliases`` (text -> value)."""

    cache: dict[str, object] = {}

    def table() -> dict[str, object]:
        if cache:
            return cache
        known = cache
        with force_locale("de"):
            for member in enum_class:
                known[normalise(member.value)] = member
                label = getattr(member, "label", None)
                if label:
                    known[normalise(str(label))] = member
        for alias, member_value in (aliases or {}).items():
            known[normalise(alias)] = enum_class(member_value)
        return known

    def parse(value):
        if is_empty(value):
            return None
        member = table().get(normalise(value))
        if member is None:
            with force_locale("de"):  # the lists are German: the words they may use, not our codes
                allowed = ", ".join(str(getattr(member, "label", None) or member.value) for member in enum_class)
            raise CellError(_("Unbekannter Wert „%(value)s“; erlaubt sind: %(values)s.", value=_shown(value),
                              values=allowed))
        return member.value

    parse.enum_class = enum_class
    parse.aliases = aliases or {}
    return parse


def listing(value) -> list[str] | None:
    """Several values in one cell, separated by commas, semicolons or slashes."""
    if is_empty(value):
        return None
    return [part.strip() for part in re.split(r"[,;/]", str(value)) if part.strip()]
