"""Shared form pieces: the select that writes its options directly draws what WTForms' own select draws; amounts
are read as people write them in their language."""

from decimal import Decimal

import pytest
import wtforms.widgets.core
from babel.support import Translations
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import Form, SelectChoice
from wtforms import SelectField as WTFormsSelectField

from housing.forms import (
    WTFORMS_HTML_PARAMS,
    EmptyForm,
    LocalDecimalField,
    SelectField,
    ShellForm,
    choices,
    html_params,
)
from housing.forms import Form as HousingForm
from housing.properties.models import CaseStatus

STYLED = [SelectChoice("1", "eins", render_kw={"disabled": True}), SelectChoice("2", "zwei")]
OPTIONS = [("", "– alle –"), ("a&b", 'sagt "hallo" <x>'), ("2", "zwei"), ("3", "")]


class Ours(Form):
    field = SelectField("Feld", choices=choices(OPTIONS))
    statuses = SelectField("Stand", choices=choices(CaseStatus.choices()))
    styled = SelectField("Mit Attributen", choices=STYLED)


class Theirs(Form):
    field = WTFormsSelectField("Feld", choices=choices(OPTIONS))
    statuses = WTFormsSelectField("Stand", choices=choices(CaseStatus.choices()))
    styled = WTFormsSelectField("Mit Attributen", choices=STYLED)


@pytest.mark.parametrize("data", [{}, {"field": "a&b", "statuses": "inspected", "styled": "1"}, {"field": "3"}])
def test_the_select_draws_what_wtforms_draws(app, data):
    with app.test_request_context():
        ours, theirs = Ours(MultiDict(data)), Theirs(MultiDict(data))
        for name in ("field", "statuses", "styled"):
            assert str(ours[name](class_="input")) == str(theirs[name](class_="input"))
        assert 'value="a&amp;b">sagt &#34;hallo&#34; &lt;x&gt;</option>' in str(ours.field())
        assert ("<option selected value=" in str(ours.field())) == bool(data)


class Choice(HousingForm):
    class Meta:
        csrf = False

    pick = SelectField("Auswahl", choices=choices([("a", "A")]))


@pytest.mark.parametrize(("language", "message"), [("de", "Keine gültige Auswahl"), ("en", "Not a valid choice")])
def test_wtforms_messages_speak_the_users_language_from_one_catalog_per_process(app, monkeypatch, language, message):
    """WTForms' own messages come in the interface language; the catalog is read from disk once per process and
    language, not for every request that shows one (Flask-WTF's own lookup does that)."""
    loads = []
    real_load = Translations.load
    monkeypatch.setattr(Translations, "load",
                        classmethod(lambda cls, *a, **k: loads.append(k.get("domain")) or real_load(*a, **k)))
    monkeypatch.setattr("housing.forms._wtforms_catalogs", {})
    for _request in range(3):
        with app.test_request_context(), force_locale(language):
            form = Choice(MultiDict({"pick": "z"}))
            assert not form.validate()
            assert message in form.pick.errors[0]
    assert loads.count("wtforms") == 1


@pytest.mark.parametrize("attributes", [
    {}, {"name": "q", "id": "q", "class_": "input"}, {"checked": True, "readonly": False, "value": 'a "b" <c> & d'},
    {"data_user_name": "x", "aria_describedby": "q-help", "aria_invalid": False, "for_": "q"},
    {"value": Markup('sagt "hallo" <b>'), "label": _l("Adresse"), "placeholder": 0, "min": None},
])
def test_html_params_writes_what_wtforms_writes(app, attributes):
    with app.test_request_context():
        assert html_params(**attributes) == WTFORMS_HTML_PARAMS(**attributes)
        assert type(html_params(**attributes)) is Markup


def test_widgets_and_labels_draw_with_the_installed_html_params(app):
    with app.test_request_context():
        form = Ours(MultiDict({"field": "2"}))
        assert wtforms.widgets.core.html_params is html_params
        assert str(form.field.label(class_="field__label")) == '<label class="field__label" for="field">Feld</label>'
        assert 'aria-invalid="true" class="input" id="field" name="field"' in str(
            form.field(class_="input", aria_invalid="true"))


def test_the_shell_draws_the_token_field_an_empty_form_draws(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    with app.test_request_context():
        assert str(ShellForm().csrf_token) == str(EmptyForm().csrf_token)
        assert 'name="csrf_token" type="hidden" value="' in str(ShellForm().csrf_token)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    with app.test_request_context():
        assert str(ShellForm().csrf_token) == ""


class Amount(Form):
    amount = LocalDecimalField("Betrag")


@pytest.mark.parametrize(("language", "typed", "value"), [
    ("de", "980.000", "980000"),  # the thousands dot, as an appraisal is written: not 980,00 €
    ("de", "1.250.000,50", "1250000.50"),
    ("de", "12,5", "12.5"),
    ("de", "12.5", "12.5"),  # a decimal point typed out of habit
    ("de", "0.500", "0.500"),
    ("de", "1 234,5", "1234.5"),
    ("en", "980,000", "980000"),
    ("en", "1,234.50", "1234.50"),
    ("en", "12,5", "12.5"),
])
def test_an_amount_is_read_as_people_write_it_in_their_language(app, language, typed, value):
    with app.test_request_context(), force_locale(language):
        form = Amount(MultiDict({"amount": typed}))
        assert form.validate()
        assert form.amount.data == Decimal(value)


@pytest.mark.parametrize("typed", ["1.234.5", "12.34,5", "1,2,3", "zwölf", "1.234,5,0"])
def test_a_number_with_misplaced_separators_is_refused_not_guessed(app, typed):
    with app.test_request_context():
        form = Amount(MultiDict({"amount": typed}))
        assert not form.validate()
        assert form.amount.errors == ["Bitte eine Zahl angeben, z. B. 12,5."]
