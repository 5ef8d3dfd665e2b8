"""Shared form pieces: the select that writes its options directly draws what WTForms' own select draws."""

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form, SelectChoice
from wtforms import SelectField as WTFormsSelectField

from housing.forms import SelectField, choices
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
