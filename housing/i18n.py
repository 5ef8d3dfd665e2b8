"""Locale selection and German formats for dates, money and numbers."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date
from flask import current_app, g, has_request_context, session
from flask_babel import format_currency, get_locale, get_translations
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

from .clock import LOCAL_TZ

LANGUAGE_NAMES = {"de": "Deutsch", "en": "English"}


def select_locale() -> str:
    """The user's stored choice, else the session's, else German (the interface's language)."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # commands and jobs speak the interface's language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if getattr(current_user, "is_authenticated", False) and current_user.language in languages:
        return current_user.language
    if session.get("language") in languages:
        return session["language"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _local(value: datetime) -> datetime:
    """A stored timestamp in Dortmund's time (a naive one is UTC, as Babel reads it)."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(LOCAL_TZ)


# Dates are dd.MM.yyyy in both languages; strftime writes that fifty times faster than Babel's pattern engine,
# which matters for lists of fifty rows with a date or two each.
def fmt_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return (_local(value) if isinstance(value, datetime) else value).strftime("%d.%m.%Y")


def fmt_month(value: date) -> str:
    """A month in the request's language ("März 2026", "March 2026"); German outside a request."""
    return format_date(value, "LLLL y", locale=locale_code() if has_request_context() else "de")


def fmt_weekday(value: date) -> str:
    """A day's short weekday in the request's language ("Mo", "Mo"; Tuesday "Di", "Tu")."""
    return _weekdays(locale_code() if has_request_context() else "de")[value.weekday()]


@lru_cache
def _weekdays(locale: str) -> tuple[str, ...]:
    names = Locale.parse(locale).days["format"]["short"]
    return tuple(names[day].rstrip(".") for day in range(7))


def fmt_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return _local(value).strftime("%d.%m.%Y %H:%M")


def fmt_money(value: Decimal | float | int | None) -> str:
    if value is None:
        return ""
    return format_currency(value, "EUR")


def fmt_number(value: Decimal | float | int | None, digits: int = 2) -> str:
    """Grouped, with ``digits`` places, in the locale's symbols: what Babel's "#,##0.00" gives (rounding half to
    even, a float by its shortest repr), written by Python's own formatting, as reports show thousands of them."""
    if value is None:
        return ""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    group, point = number_symbols()
    return f"{number:,.{digits}f}".replace(",", "\0").replace(".", point).replace("\0", group)


def fmt_count(value: int, group: str | None = None) -> str:
    """A whole number grouped in the locale's way (60.000 / 60,000); ``group``: the separator, where a page writes
    hundreds of counts and looks it up once (``number_symbols``)."""
    return f"{value:,}".replace(",", group or number_symbols()[0])


# A number written with the locale's thousands separator: "980.000" and "1.234,50" in German, "980,000" in English.
# A first group of 0 is no grouping ("0.500" is a half).
_GROUPED = {group: re.compile(rf"[-+]?[1-9]\d{{0,2}}(?:{re.escape(group)}\d{{3}})+(?:{re.escape(point)}\d*)?")
            for group, point in ((".", ","), (",", "."))}


def parse_decimal(text: str, locale: str | None = None) -> Decimal:
    """A number as people type it in ``locale`` (default: the request's): in German "1.234,50", "980.000" (nine
    hundred and eighty thousand), "12,5" and also "12.5"; in English "1,234.50", "980,000", "12.5" and also
    "12,5". Raises ``ArithmeticError`` or ``ValueError`` for what is no number ("1.234.5", "12.34,5")."""
    locale = locale or (locale_code() if has_request_context() else "de")
    group, point = _number_symbols(locale)  # the interface's languages group with "." or ","
    text = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if _GROUPED[group].fullmatch(text):
        text = text.replace(group, "")
    if text.count(",") + text.count(".") > 1:
        raise ValueError(text)
    return Decimal(text.replace(",", "."))


def fmt_plain(value: Decimal) -> str:
    """A number as typed into a field, in the request's language: no grouping, no trailing zeros ("7,75", "7.75")."""
    return format(value.normalize(), "f").replace(".", number_symbols()[1])


def number_symbols() -> tuple[str, str]:
    """The request's (else the default) locale's group and decimal separators."""
    return _number_symbols(_language()[0] if has_request_context() else current_app.config["BABEL_DEFAULT_LOCALE"])


@lru_cache
def _number_symbols(locale: str) -> tuple[str, str]:
    symbols = Locale.parse(locale).number_symbols
    symbols = symbols.get("latn", symbols)
    return symbols["group"], symbols["decimal"]


def _language() -> tuple[str, object]:
    """The request's locale code and translations, found once per request and locale: Flask-Babel looks the
    translations up anew on every call (the context, the domain, the locale), which a list of fifty rows does a few
    hundred times. Asked for the locale each time, so ``force_locale`` (a notification in its recipient's
    language) is followed."""
    # Flask-Babel's get_locale() returns the locale it keeps on its namespace in g once decided (force_locale
    # swaps it); read it there directly, as this runs a few hundred times per page.
    namespace = g._get_current_object()  # the request's g itself: each look through the proxy costs a few calls
    locale = getattr(getattr(namespace, "_flask_babel", None), "babel_locale", None) or get_locale()
    found = getattr(namespace, "_language", None)
    if found is None or found[0] is not locale:
        found = namespace._language = (locale, str(locale), get_translations())
    return found[1], found[2]


def locale_code() -> str:
    """The request's locale code ("de", "en"), found once per request."""
    return _language()[0]


def translations():
    """The current locale's translations (once per request; outside a request, Flask-Babel's)."""
    return _language()[1] if has_request_context() else get_translations()


def gettext(string: str, **variables) -> str:
    """Flask-Babel's ``gettext`` (``_``) from the translations found once per request: Flask-Babel finds them anew
    on each call, which a case file's timeline and choices do some seventy times."""
    text = translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """Flask-Babel's ``ngettext`` through the translations found once per request (see ``gettext``)."""
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


def lazy_gettext(string: str, **variables) -> LazyString:
    """Flask-Babel's ``lazy_gettext`` (``_l``: a form's labels, translated when drawn) through ``gettext`` above."""
    return LazyString(gettext, string, **variables)


_labels: dict[tuple[str, int], str] = {}


def label(message) -> str:
    """A module-level lazy string (an enum member's label) in the request's language, translated once per language
    and process: a list of fifty rows shows a hundred such labels, each a full Flask-Babel lookup otherwise."""
    if not has_request_context():
        return str(message)
    key = (_language()[0], id(message))  # the constants live as long as the process: their ids stay theirs
    try:
        return _labels[key]
    except KeyError:
        text = _labels[key] = str(message)
        return text


def register_filters(app):
    app.jinja_env.filters.update(date=fmt_date, datetime=fmt_datetime, money=fmt_money, number=fmt_number,
                                 grouped=fmt_count,  # not "count": Jinja's own (length)
                                 month=fmt_month, weekday=fmt_weekday)
    # The templates' _() and ngettext(), as Flask-Babel installs them, with the translations found once.
    app.jinja_env.install_gettext_callables(
        gettext=lambda message: translations().ugettext(message),
        ngettext=lambda singular, plural, n: translations().ungettext(singular, plural, n),
        pgettext=lambda context, message: translations().upgettext(context, message),
        npgettext=lambda context, singular, plural, n: translations().unpgettext(context, singular, plural, n),
        newstyle=True)
    # _() and ngettext() in expressions (most of a page's text) called directly: Jinja's new-style wrappers pass
    # each call through two more functions and the context, a few hundred times on a case file.
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext)


@pass_eval_context
def _template_gettext(eval_ctx, string: str, **variables):
    """What Jinja's new-style ``gettext`` does: the translation is markup in autoescaped templates (its variables
    are escaped), and ``%`` always formats (so a literal percent sign is ``%%``)."""
    text = translations().ugettext(string)
    return (Markup(text) if eval_ctx.autoescape else text) % variables  # noqa: S704 (our catalog, as Jinja does)


@pass_eval_context
def _template_ngettext(eval_ctx, singular: str, plural: str, num: int, **variables):
    text = translations().ungettext(singular, plural, num)
    variables.setdefault("num", num)
    return (Markup(text) if eval_ctx.autoescape else text) % variables  # noqa: S704 (our catalog, as Jinja does)
