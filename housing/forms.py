"""Form pieces shared by the areas."""

from decimal import Decimal

import wtforms.widgets
from babel.support import Translations
from flask import current_app, flash, has_request_context, redirect
from flask_babel import get_locale
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from wtforms import DecimalField, SelectChoice, SelectMultipleField, ValidationError, widgets
from wtforms import SelectField as _SelectField
from wtforms.i18n import messages_path
from wtforms.widgets import core as wtforms_widgets
from wtforms.widgets.core import clean_key

from .clock import EARLIEST_DAY, LATEST_DAY
from .errors import WRITE_CONFLICTS, DomainError, raced, write_conflict
from .extensions import db
from .i18n import gettext, locale_code, parse_decimal
from .i18n import lazy_gettext as _l

_wtforms_catalogs: dict[str, Translations] = {}


def wtforms_translations(locale: str) -> Translations:
    """WTForms' own messages ("Not a valid choice.") in ``locale``, read from disk once per process and language."""
    try:
        return _wtforms_catalogs[locale]
    except KeyError:
        found = _wtforms_catalogs[locale] = Translations.load(messages_path(), [locale], domain="wtforms")
        return found


def html_params(**kwargs) -> Markup:
    """WTForms' ``html_params`` (a tag's attributes, sorted; ``True`` bare, ``False`` left out) with the same output,
    written with plain strings: WTForms formats each attribute through ``Markup.format``, which made up a third of
    drawing a list's filter form. Installed in place of WTForms' own by ``install_html_params``."""
    params = []
    for key, value in sorted(kwargs.items()):
        key = escape(clean_key(key))
        if value is True:
            params.append(key)
        elif value is not False:
            params.append(f'{key}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return Markup(" ".join(params))  # noqa: S704 (every part escaped above)


WTFORMS_HTML_PARAMS = wtforms_widgets.html_params  # WTForms' own, kept for the test that compares the two


def install_html_params() -> None:
    """Put ``html_params`` where WTForms' widgets and labels look it up when they draw: the widgets' module, the
    package the labels ask, and the inputs' and buttons' own attribute."""
    wtforms_widgets.html_params = wtforms.widgets.html_params = html_params
    wtforms_widgets.Input.html_params = wtforms_widgets.Button.html_params = staticmethod(html_params)


class Form(FlaskForm):
    """The project's forms. Flask-WTF reads WTForms' message catalog from disk again for every request that shows
    one of its messages (a list's filter form with its blank selects does, on every request); here it is read once
    per process and language."""

    class Meta:
        def get_translations(self, form):
            if not has_request_context() or not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return wtforms_translations(locale_code())


class EmptyForm(Form):
    """For POST-only actions (log out, revoke, approve): it carries just the CSRF token."""


class ShellForm:
    """What every page's shell (log out, language switch) and its post buttons need of a form: the CSRF token's
    hidden field, as an ``EmptyForm`` draws it, without making a form for each page."""

    @property
    def csrf_token(self) -> Markup:
        if not current_app.config.get("WTF_CSRF_ENABLED", True):
            return Markup("")
        return Markup(f'<input id="csrf_token" name="csrf_token" type="hidden" value="{escape(generate_csrf())}">')  # noqa: S704


def choices(pairs) -> list[SelectChoice]:
    """``[(value, label), ...]`` as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


_move_pairs: dict[tuple, tuple] = {}


def move_choices(record, statuses) -> list[SelectChoice]:
    """A status form's choices: the moves ``record``'s state machine allows from its status to any of ``statuses``,
    back moves and exits marked. They depend on the status alone (and the language), so they are found once per
    kind of record, status and language, not by trying every move on every page."""
    key = (locale_code(), type(record), record.status)
    pairs = _move_pairs.get(key)
    if pairs is None:
        pairs = [("", gettext("– bitte wählen –"))]
        for status in statuses:
            if status == record.status:
                continue
            try:
                kind = record.move_kind(status)
            except DomainError:
                continue
            suffix = {"back": gettext(" (zurück)"), "exit": gettext(" (Abschluss)")}.get(kind, "")
            pairs.append((status.value, f"{status.label}{suffix}"))
        pairs = _move_pairs[key] = tuple(pairs)
    return choices(pairs)


class Select(widgets.Select):
    """WTForms' select, each plain option written directly: WTForms builds every option's attributes through
    ``html_params``, most of the cost of a list's filter form. The same markup (``selected`` before ``value``)."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)
        selected = "selected " if choice.selected else ""
        return Markup(f'<option {selected}value="{escape(choice.value)}">'  # noqa: S704 (both escaped)
                      f"{escape(choice.label or choice.value)}</option>")


    @classmethod
    def _dispatch_render_option(cls):
        # WTForms inspects render_option's signature on every select it draws (for overrides of the pre-3.3 form);
        # this one has the current form.
        return cls.render_option


class SelectField(_SelectField):
    widget = Select()


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def stripped(value):
    """A field filter: surrounding whitespace dropped. ``Optional()`` lets a value of only blanks or line breaks
    pass unchecked (even past a select field's choices); stripped, it is the empty choice it looks like."""
    return value.strip() if isinstance(value, str) else value


def plausible_day(form, field):
    """A date a person means and the system can count with (the day after, a month later): not 0001-01-01 or
    9999-12-31."""
    if field.data is not None and not EARLIEST_DAY <= field.data <= LATEST_DAY:
        raise ValidationError(_l("Bitte ein Datum zwischen 1900 und 2999 angeben."))


MAX_DECIMAL = Decimal("1e10")  # no amount, area or hour count here comes near ten billion


class LocalDecimalField(DecimalField):
    """A decimal as people type it here (``i18n.parse_decimal``): "1.234,50", "980.000" and "12,5" as well as "12.5".

    A text input (number inputs refuse the German comma in many browsers) with the numeric keypad."""

    widget = widgets.TextInput()

    def __init__(self, *args, **kwargs):
        render_kw = {"inputmode": "decimal", "autocomplete": "off", **(kwargs.pop("render_kw", None) or {})}
        super().__init__(*args, render_kw=render_kw, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            value = parse_decimal(valuelist[0])
        except (ArithmeticError, ValueError):  # decimal's InvalidOperation, Overflow ("1e999999999")
            value = None
        if value is None or not value.is_finite():
            self.data = None
            raise ValueError(_l("Bitte eine Zahl angeben, z. B. 12,5."))
        if value.copy_abs() >= MAX_DECIMAL:  # abs() would round to the context and overflow on "9" * 40 + "e999970"
            self.data = None
            raise ValueError(_l("Der Wert ist zu groß."))
        self.data = value

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        text = format(self.data, "f") if self.places is None else f"{self.data:.{self.places}f}"
        return text.replace(".", ",") if str(get_locale()) == "de" else text


def submitted_version(form) -> int | None:
    """The version of the record the form was loaded with (optimistic locking), None when it carries none; a
    value that is no version at all counts as out of date (no record has version 0)."""
    text = str(form.version.data or "").strip()
    if not text:
        return None
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else 0


def fields_by_name(form) -> dict:
    """Every field of a form by its HTML name, nested lists and sub-forms included (``defects-0-deadline``)."""
    found = {}
    for field in form:
        found[field.name] = field
        if hasattr(field, "entries"):
            for entry in field.entries:
                found[entry.name] = entry
                if hasattr(entry, "form"):
                    found.update(fields_by_name(entry.form))
        elif hasattr(field, "form"):
            found.update(fields_by_name(field.form))
    return found


def apply_field_errors(form, fields: dict[str, list[str]]) -> dict[str, list[str]]:
    """Put a service's field messages onto the form's fields; returns the ones no field took."""
    by_name = fields_by_name(form)
    left = {}
    for name, messages in fields.items():
        field = by_name.get(name) or (form[name] if name in form else None)  # a prefixed form's own short name
        if field is None or field.type == "HiddenField":  # nobody would see a message on a hidden field
            left[name] = list(messages)
            continue
        if not isinstance(field.errors, list):
            field.errors = list(field.errors or [])
        field.errors.extend(messages)
    return left


def show_domain_error(form, error) -> dict[str, list[str]]:
    """Show a service's refusal on the fields it names, else as a message above the form.

    Returns the field messages that had no field on the form (the caller may show them elsewhere)."""
    left = apply_field_errors(form, error.fields) if error.fields else {}
    if not error.fields or left:
        flash(error.message, "error")
    return left


def flash_refusal(error) -> None:
    """A service's refusal as one message (for a button or small form that returns to the page it was on)."""
    flash(" ".join([error.message] + [m for ms in error.fields.values() for m in ms if m not in error.message]),
          "error")


def run_action(save, success) -> tuple[bool, object]:
    """A button or small form on a page: call the service, commit and confirm, or roll back and flash the
    refusal. ``success`` is the message, or a function of the service's result; returns (done, result)."""
    from .errors import DomainError
    from .extensions import db

    try:
        result = save()
    except DomainError as error:
        db.session.rollback()
        flash_refusal(error)
        return False, None
    db.session.commit()
    flash(success(result) if callable(success) else success, "success")
    return True, result


def save_form(form, save, *, success: str, redirect_to):
    """The one way a page saves: validate the form, call the service, commit once, redirect.

    A refusal from the service rolls back and shows on the form's fields; then None is returned and
    the view renders the form again with what the user typed. So does a save that raced another (the row
    changed under it, a unique value taken meanwhile): the message says so, and nothing typed is lost.
    ``success`` (the message) and ``redirect_to`` (the URL) may be functions of the service's result."""
    if not form.validate_on_submit():
        return None
    try:
        result = save()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        show_domain_error(form, error)
        return None
    except WRITE_CONFLICTS as error:
        if not raced(error):  # a fault of ours (a NOT NULL, a CHECK): the error pages' business
            raise
        db.session.rollback()
        show_domain_error(form, write_conflict(error))
        return None
    flash(success(result) if callable(success) else success, "success")
    return redirect(redirect_to(result) if callable(redirect_to) else redirect_to)
