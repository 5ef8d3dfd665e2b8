from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask_babel import force_locale, format_decimal
from flask_babel import gettext as babel_gettext
from jinja2 import Environment

from housing.i18n import fmt_date, fmt_datetime, fmt_money, fmt_number, gettext, translations

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "housing" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def source_messages() -> set[str]:
    method_map = [("housing/**.py", "python"), ("housing/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, keywords=keywords, directory_filter=lambda path: "__pycache__" not in path
        and not Path(path).name.startswith(".")
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_interface_string_has_an_english_translation():
    """The interface is German; English is switchable, so no string may be missing in English."""
    catalog = read_po(CATALOG.open("rb"))
    translated = {
        m.id[0] if isinstance(m.id, tuple) else m.id
        for m in catalog
        if m.id and not m.fuzzy and (all(m.string) if isinstance(m.id, tuple) else m.string)
    }
    missing = sorted(source_messages() - translated)
    assert missing == [], "run `make translations-extract` and translate: " + "; ".join(missing[:20])


def test_german_formats_for_dates_money_and_numbers(app):
    with app.test_request_context():
        assert fmt_date(date(2025, 3, 5)) == "05.03.2025"
        assert fmt_money(Decimal("1234.5")) == "1.234,50\xa0€"
        assert fmt_number(Decimal("5.1")) == "5,10"
        # Stored in UTC, shown in Dortmund's time (CET in winter).
        assert fmt_datetime(datetime(2025, 1, 10, 23, 30, tzinfo=UTC)) == "11.01.2025 00:30"


def test_the_language_switch_returns_to_the_page_and_a_refused_form_to_the_page_it_came_from(officer_client):
    import re

    def back(response) -> str:
        return re.search(r'name="next" value="([^"]*)"', response.get_data(as_text=True)).group(1)

    from housing.extensions import db
    from housing.properties import services

    prop = services.create_property({"street": "Mallinckrodtstraße", "house_number": "7", "postcode": "44147",
                                     "social_area": "nordmarkt"}, actor=officer_client.user)
    db.session.commit()
    assert back(officer_client.get("/cases?sort=status")) == "/cases?sort=status"
    # A refused status change is drawn at its POST address, which a GET answers with 405: back to the case file.
    post = f"/properties/{prop.id}/transition"
    assert officer_client.get(post).status_code == 405
    refused = officer_client.post(post, data={"to": ""}, headers={"Referer": f"http://localhost/properties/{prop.id}"})
    assert refused.status_code == 422 and back(refused) == f"/properties/{prop.id}"
    elsewhere = officer_client.post(post, data={"to": ""}, headers={"Referer": "https://evil.example/x"})
    assert back(elsewhere) == "/"


def test_start_page_is_german_by_default_and_english_on_request(officer_client):
    assert "Guten Tag" in officer_client.get("/").get_data(as_text=True)
    officer_client.post("/language", data={"language": "en"})
    assert "Hello" in officer_client.get("/").get_data(as_text=True)


def test_the_choices_of_a_select_speak_the_language_of_the_request(officer_client):
    """A form class is made once, at import: its enum choices must still be drawn in each request's language."""
    def status_options():
        page = officer_client.get("/cases").get_data(as_text=True)
        select = page[page.index('id="status"'):]
        return select[:select.index("</select>")]

    assert ">gemeldet<" in status_options()
    officer_client.post("/language", data={"language": "en"})
    assert ">reported<" in status_options() and ">gemeldet<" not in status_options()
    officer_client.post("/language", data={"language": "de"})
    assert ">gemeldet<" in status_options()


NUMBERS = [Decimal("0"), Decimal("-0.005"), Decimal("0.015"), Decimal("2.5"), Decimal("-1234567.895"),
           Decimal("1E+3"), Decimal("12345678901.234"), 0.1 + 0.2, 1e7, -3, 7, 1234.5678]


@pytest.mark.parametrize("language", ["de", "en"])
def test_numbers_are_written_as_babel_writes_them(app, language):
    """fmt_number writes with Python's formatting what Babel's pattern engine writes, fifty times faster."""
    with app.test_request_context(), force_locale(language):
        for value in NUMBERS:
            for digits in (0, 1, 2):
                pattern = "#,##0" + ("." + "0" * digits if digits else "")
                assert fmt_number(value, digits) == format_decimal(value, format=pattern), (value, digits)


@pytest.mark.parametrize("language", ["de", "en"])
def test_gettext_translates_as_flask_babel_does(app, language):
    """The project's _() (translations found once per request) says what Flask-Babel's says, also inside
    force_locale (a notification in its recipient's language) and outside a request."""
    messages = [("Fälle", {}), ("Neuer Stand: %(status)s.", {"status": "erfasst"}), ("nicht übersetzt", {})]
    with app.test_request_context():
        for message, variables in messages:
            assert gettext(message, **variables) == babel_gettext(message, **variables)
        with force_locale(language):
            for message, variables in messages:
                assert gettext(message, **variables) == babel_gettext(message, **variables)
            assert gettext("Fälle") == ("Cases" if language == "en" else "Fälle")
    with app.app_context():
        assert gettext("Fälle") == babel_gettext("Fälle") == "Fälle"


TEMPLATES = ['{{ _("Fälle") }}', '{{ _("Neuer Stand: %(status)s.", status=value) }}', '{{ _("Rabatt 5 %%") }}',
             '{{ ngettext("in %(num)d Tag", "in %(num)d Tagen", n) }}',
             '{{ ngettext("%(num)d Fall in %(area)s, nach Verfahrensstand", '
             '"%(num)d Fälle in %(area)s, nach Verfahrensstand", n, area=value) }}']


@pytest.mark.parametrize("autoescape", [True, False])
@pytest.mark.parametrize("language", ["de", "en"])
def test_templates_translate_as_jinjas_new_style_gettext_does(app, language, autoescape):
    """The templates' _() and ngettext() are called directly (housing.i18n); they write what Jinja's new-style
    gettext writes with the same translations: markup in autoescaped templates, their variables escaped."""
    jinja = Environment(extensions=["jinja2.ext.i18n"], autoescape=autoescape)  # noqa: S701 (both modes compared)
    with app.test_request_context(), force_locale(language):
        jinja.install_gettext_translations(translations(), newstyle=True)
        ours = app.jinja_env.overlay(autoescape=autoescape)
        for source in TEMPLATES:
            for n in (1, 3):
                context = {"value": "<b>Nord</b> & Süd", "n": n}
                assert ours.from_string(source).render(context) == jinja.from_string(source).render(context)
        assert "&lt;b&gt;" in ours.from_string(TEMPLATES[1]).render(value="<b>") or not autoescape
