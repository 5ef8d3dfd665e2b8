"""Form pieces shared by the areas."""

from flask import flash
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectMultipleField, widgets


class EmptyForm(FlaskForm):
    """For POST-only actions (log out, revoke, approve): it carries just the CSRF token."""


def choices(pairs) -> list[SelectChoice]:
    """``[(value, label), ...]`` as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def apply_field_errors(form, fields: dict[str, list[str]]) -> bool:
    """Put a service's field messages onto the form; returns False when a message had no field to go to."""
    placed = True
    for name, messages in fields.items():
        field = getattr(form, name, None)
        if field is None:
            placed = False
            continue
        field.errors = list(field.errors or []) + list(messages)
    return placed


def show_domain_error(form, error) -> None:
    """Show a service's refusal: on the fields it names, else as a message above the form."""
    if not error.fields or not apply_field_errors(form, error.fields):
        flash(error.message, "error")
