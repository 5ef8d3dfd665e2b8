"""Markup helpers shared by the areas (housing/templating.py)."""

from datetime import date

import pytest
from flask import url_for
from flask_babel import force_locale
from wtforms import BooleanField, DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from housing.forms import Form, SelectField, choices
from housing.templating import form_field, path_for


def test_the_shells_links_are_url_fors_links_under_each_script_root(app):
    """Built once and kept, per script root: an app mounted under /wohnen links there, one at / links there."""
    for base_url, index in (("http://localhost/wohnen/", "/wohnen/"), ("http://localhost/", "/"), (
            "http://localhost/wohnen/", "/wohnen/")):
        with app.test_request_context("/", base_url=base_url):
            assert path_for("main.index") == url_for("main.index") == index
            assert path_for("static", filename="css/housing.css") == url_for("static", filename="css/housing.css")
            assert path_for("static", filename="img/favicon.svg").endswith("/static/img/favicon.svg")


@pytest.mark.parametrize("language", ["de", "en"])
def test_a_form_field_is_the_field_macros_markup(app, language):
    class Sample(Form):
        class Meta:
            csrf = False

        to = SelectField("Neuer <Stand>", choices=choices([("", "–"), ("a", "A & B")]), validators=[DataRequired()])
        reason = TextAreaField("Begründung", description="Pflicht bei „zurück“ & <Abschluss>")
        given_on = DateField("Erteilt am", validators=[Optional()])
        q = StringField("Adresse", validators=[Optional(), Length(max=3)])
        only_open = BooleanField("nur <offene>")
        agreed = BooleanField("Einverstanden", description="Pflicht", validators=[DataRequired()])

    macro = app.jinja_env.from_string(
        '{% from "_macros/forms.html" import field %}{{ field(f, class_=class_, autofocus=autofocus) }}')
    with app.test_request_context("/", method="POST", data={"to": "x", "given_on": "kein Datum", "q": "lang"}), \
            force_locale(language):
        for form in (Sample(formdata=None, given_on=date(2025, 3, 5), only_open=True), Sample()):
            form.validate()  # the second one with errors: an invalid choice, date and length, a missing check
            for field in form:
                for class_, autofocus in (("", False), ("field--wide", True)):
                    expected = macro.render(f=field, class_=class_, autofocus=autofocus)
                    assert squeezed(form_field(field, class_=class_, autofocus=autofocus)) == squeezed(expected)
        assert 'class="field__error"' in form_field(form.to) and "&lt;Abschluss&gt;" in form_field(form.reason)
        assert "nur &lt;offene&gt;" in form_field(form.only_open)


def squeezed(markup) -> str:
    return "".join(str(markup).split())
