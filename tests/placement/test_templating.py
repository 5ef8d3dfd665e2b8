"""The placement markup written in Python (placement/templating.py) is what the Jinja macros wrote."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from flask import url_for
from flask_babel import force_locale
from markupsafe import Markup

from housing.placement.matching import Match, RuleResult
from housing.placement.models import ApplicantStatus, HousingSituation, OfferStatus, Urgency, VacancyStatus
from housing.placement.templating import (
    applicant_status_badge,
    flat_candidates,
    flat_line,
    flat_line_of,
    flat_rows,
    household_matches,
    household_rows,
    offer_status_badge,
    rule_list,
    status_chips,
    urgency_badge,
    vacancy_status_badge,
)
from housing.templating import link_for

RULE_LIST = """{% set names = {"space": _("Fläche"), "rent": _("Miete"), "wbs": _("WBS"), "access": _("Zugang"),
  "area": _("Gebiet")} %}{% set met = {True: _("erfüllt"), False: _("nicht erfüllt")} %}<ul class="rules">
{% for r in rules %}<li class="rules__item rules__item--{{ 'pass' if r.passed else 'fail' }}">
<span class="rules__mark" aria-hidden="true">{{ "✓" if r.passed else "✗" }}</span>
<span class="rules__name">{{ names[r.rule] }}<span class="visually-hidden">: {{ met[r.passed] }}</span></span>
<span class="rules__detail">{{ r.detail }}</span></li>{% endfor %}</ul>"""


def _squeezed(markup) -> str:
    return "".join(str(markup).split())


def test_the_rule_list_is_the_macros_markup_for_results_and_an_offers_snapshot(app):
    rules = [RuleResult("space", True, "60 m² <für> 2"), RuleResult("rent", False, "Bruttokaltmiete & mehr")]
    for language in ("de", "en"):
        with app.test_request_context("/"), force_locale(language):
            expected = app.jinja_env.from_string(RULE_LIST).render(rules=rules)
            assert _squeezed(rule_list(rules)) == _squeezed(expected)
            assert _squeezed(rule_list([r.as_dict() for r in rules])) == _squeezed(expected)
            assert "&lt;für&gt;" in rule_list(rules) and "&amp; mehr" in rule_list(rules)
    with app.test_request_context("/"), force_locale("en"):
        assert "Floor area<span" in rule_list(rules) and ": not met" in rule_list(rules)


def test_the_badges_name_every_status_in_the_request_language(app):
    with app.test_request_context("/"), force_locale("de"):
        assert urgency_badge(Urgency.EMERGENCY) == Markup('<span class="badge badge--danger">Notfall</span>')
        for status in ApplicantStatus:
            assert str(status.label) in applicant_status_badge(status)
        for status in OfferStatus:
            assert str(status.label) in offer_status_badge(status)
        for status in VacancyStatus:
            assert str(status.label) in vacancy_status_badge(status)
        german = vacancy_status_badge(VacancyStatus.OPEN)
    with app.test_request_context("/"), force_locale("en"):
        assert vacancy_status_badge(VacancyStatus.OPEN) != german


def test_a_rows_link_is_its_url_for(app):
    with app.test_request_context("/"):
        link = link_for("placement.household", "applicant_id")
        for applicant_id in (1, 42, 987654321, 123456789012):
            assert link(applicant_id) == url_for("placement.household", applicant_id=applicant_id)


# The match lists as household.html and flat.html wrote them in Jinja (with the flat's line as its macro wrote it).
FLAT_LINE = """{% macro flat_line(v) -%}
  {{ v.unit.building.short_address }}, {{ v.unit.label }} · {{ v.unit.area_m2|number }} m² · {{ v.unit.rooms|number(1)
  if v.unit.rooms else "?" }} {{ _("Zi.") }} · {{ v.unit.building.social_area.name }}
{%- endmacro %}"""
HOUSEHOLD_MATCHES = FLAT_LINE + """
{%- set near_miss, preferred, propose = badge(_("eine Regel nicht erfüllt"), "warning"), badge(_("Wunschgebiet"),
  "success"), _("Vorschlagen") %}
{%- set flat_url, propose_url, per_month = link_for("placement.flat", "vacancy_id"), link_for("placement.propose",
  "vacancy_id"), _("bruttokalt") %}
{% for m in flats %}{%- set v = m.vacancy %}
<article class="match{% if not m.eligible %} match--near{% endif %}"><header class="match__head">
<span class="match__rank">{{ m.rank }}</span>
<a href="{{ flat_url(v.id) }}"><strong>{{ flat_line(v) }}</strong></a>
<span>{{ v.gross_cold_rent|money }} {{ per_month }} · {{ _("frei ab %(d)s", d=v.available_from|date) }}</span>
{% if not m.eligible %}{{ near_miss }}{% endif %}
{% if m.preferred_area %}{{ preferred }}{% endif %}</header>{{ rule_list(m.rules) }}
{% if m.eligible %}<form method="post" action="{{ propose_url(v.id) }}" class="inline-form">
{{ csrf }}<input type="hidden" name="applicant_id" value="{{ applicant_id }}">
<button class="button button--small" type="submit">{{ propose }}</button></form>{% endif %}</article>
{% else %}<p class="empty">{{ _("Zurzeit passt keine freie Wohnung.") }}</p>{% endfor %}"""
FLAT_CANDIDATES = """
{%- set near_miss, preferred, propose = badge(_("eine Regel nicht erfüllt"), "warning"), badge(_("Wunschgebiet"),
  "success"), _("Vorschlagen") %}
{%- set household_url, propose_url = link_for("placement.household", "applicant_id"), url_for("placement.propose",
  vacancy_id=vacancy_id) %}
{% for m in candidates %}{%- set a = m.applicant %}
<article class="match{% if not m.eligible %} match--near{% endif %}"><header class="match__head">
<span class="match__rank">{{ m.rank }}</span>
<a href="{{ household_url(a.id) }}"><strong>{{ a.sort_name }}</strong></a>
<span>{{ a.household_type }} · {{ ngettext("%(num)d Person", "%(num)d Personen", a.persons) }}</span>
{{ urgency_badge(a.urgency) }}
<span class="muted small">{{ _("wartet seit %(d)s", d=a.registered_on|date) }}</span>
{% if not m.eligible %}{{ near_miss }}{% endif %}
{% if m.preferred_area %}{{ preferred }}{% endif %}</header>{{ rule_list(m.rules) }}
{% if m.eligible %}<form method="post" action="{{ propose_url }}" class="inline-form">
{{ csrf }}<input type="hidden" name="applicant_id" value="{{ a.id }}">
<button class="button button--small" type="submit">{{ propose }}</button></form>{% endif %}</article>
{% else %}<p class="empty">{{ _("Zurzeit passt kein wohnungssuchender Haushalt.") }}</p>{% endfor %}"""


def _matches() -> list[Match]:
    """An eligible match in a preferred area, and a near miss; names and places with characters to escape."""
    area = SimpleNamespace(name="Nord & Markt")
    building = SimpleNamespace(street="Leopoldstraße", house_number="15<a>", short_address="Leopoldstraße 15<a>",
                               social_area=area)
    flats = [SimpleNamespace(id=7, unit=SimpleNamespace(building=building, label="EG \"links\"",
                                                        area_m2=Decimal("61.5"), rooms=rooms),
                             gross_cold_rent=Decimal("1530.5"), available_from=date(2025, 3, 5))
             for rooms in (Decimal("2.5"), None)]
    households = [SimpleNamespace(id=3, sort_name="Öztürk, <Ayşe>", household_type="alleinerziehend", persons=persons,
                                  urgency=urgency, registered_on=date(2024, 12, 1))
                  for persons, urgency in ((1, Urgency.EMERGENCY), (3, Urgency.NORMAL))]
    met, failed = RuleResult("space", True, "61,5 m² <ok>"), RuleResult("rent", False, "zu teuer & mehr")
    return [Match(households[0], flats[0], 1, [met], preferred_area=True),
            Match(households[1], flats[1], 2, [met, failed], preferred_area=False)]


@pytest.mark.parametrize("language", ["de", "en"])
def test_a_households_and_a_flats_matches_are_the_templates_markup(app, language):
    csrf = Markup('<input id="csrf_token" name="csrf_token" type="hidden" value="t">')
    with app.test_request_context("/"), force_locale(language):
        for matches in (_matches(), []):
            expected = app.jinja_env.from_string(HOUSEHOLD_MATCHES).render(flats=matches, applicant_id=3, csrf=csrf)
            assert _squeezed(household_matches(matches, 3, csrf)) == _squeezed(expected)
            expected = app.jinja_env.from_string(FLAT_CANDIDATES).render(candidates=matches, vacancy_id=7, csrf=csrf)
            assert _squeezed(flat_candidates(matches, 7, csrf)) == _squeezed(expected)
        written = household_matches(_matches(), 3, csrf)
        assert written.count("match--near") == 1 and written.count("inline-form") == 1  # no proposing a near miss
        assert "15&lt;a&gt;" in written and "Nord &amp; Markt" in written and "&lt;ok&gt;" in written
        assert "&lt;Ayşe&gt;" in flat_candidates(_matches(), 7, csrf)


def test_a_flats_line_is_its_macros(app):
    flat = _matches()[0].vacancy
    with app.test_request_context("/"), force_locale("de"):
        expected = app.jinja_env.from_string(FLAT_LINE + "{{ flat_line(v) }}").render(v=flat)
        assert flat_line(flat) == expected.strip()
        assert flat_line(flat) == ("Leopoldstraße 15&lt;a&gt;, EG &#34;links&#34; · 61,50 m² · 2,5 Zi. · "
                                   "Nord &amp; Markt")
        row = SimpleNamespace(street="Leopoldstraße", house_number="15<a>", label='EG "links"', area_m2=Decimal("61.5"),
                              rooms=Decimal("2.5"), area_name="Nord & Markt")
        assert flat_line_of(row) == flat_line(flat)  # an offer's flat, read as columns


# The lists' rows and the households' status chips as households.html and flats.html wrote them in Jinja.
# Since then: the wait only for households still looking for a flat, and "1 Tag" in the singular.
HOUSEHOLD_ROWS = """{%- set household_url, interpreter = link_for("placement.household", "applicant_id"),
  _("Dolmetschung") %}
{% for a in rows %}<tr>
<td><a href="{{ household_url(a.id) }}"><strong>{{ a.last_name }}, {{ a.first_name }}</strong></a>{% if
  a.interpreter_needed %} <span class="badge badge--muted">{{ interpreter }}</span>{% endif %}</td>
<td>{{ applicant_status_badge(a.status) }}</td><td>{{ urgency_badge(a.urgency) }}</td>
<td class="num">{{ a.persons }}</td><td>{{ a.housing_situation.label if a.housing_situation else "–" }}</td>
<td class="nowrap">{{ a.registered_on|date }}{% if a.status.value in ("first_contact", "registered", "clearing",
  "searching", "offer", "approval_pending") %} <span class="muted small">({{ ngettext("%(num)d Tag", "%(num)d Tage",
  (today - a.registered_on).days) }})</span>{% endif %}</td><td>{{ a.advisor_name or "–" }}</td></tr>
{% else %}<tr class="empty-row"><td colspan="7">{{ _("Keine Haushalte für diese Auswahl.") }}</td></tr>{% endfor %}"""
FLAT_ROWS = """{%- set flat_url, step_free = link_for("placement.flat", "vacancy_id"), _("stufenlos") %}
{% for v in rows %}<tr>
<td><a href="{{ flat_url(v.id) }}"><strong>{{ v.street }} {{ v.house_number }}</strong>, {{ v.label }}</a>{% if
  v.rent_capped %} <span class="badge badge--muted">WBS</span>{% endif %}{% if v.step_free %} <span title="{{
  step_free }}">♿</span>{% endif %}</td><td>{{ v.area_name }}</td>
<td class="num">{{ v.area_m2|number }} m²</td><td class="num">{{ v.rooms|number(1) if v.rooms else "–" }}</td>
<td class="num">{{ (v.net_cold_rent + v.service_charges)|money }}</td><td class="nowrap">{{ v.available_from|date
  }}</td><td>{{ v.landlord_name }}</td><td>{{ vacancy_status_badge(v.status) }}</td></tr>
{% else %}<tr class="empty-row"><td colspan="8">{{ _("Keine Wohnungen für diese Auswahl.") }}</td></tr>{% endfor %}"""
STATUS_CHIPS = """{% for s in statuses if counts.get(s) %}<a class="chip{% if status == s.value %} chip--on{% endif %}"
  href="{{ url_for('placement.households', status=s.value, all='0' if mine else '1') }}">{{ s.label }} <span
  class="muted">{{ counts.get(s, 0) }}</span></a>{% endfor %}"""


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_lists_rows_and_chips_are_the_templates_markup(app, language):
    today = date(2025, 3, 5)
    households = [SimpleNamespace(id=n, last_name="O'Neil & <Söhne>", first_name="Jo", interpreter_needed=bool(n % 2),
                                  status=status, urgency=urgency, persons=n, housing_situation=situation,
                                  registered_on=date(2024, n, 1), advisor_name=advisor)
                  for n, status, urgency, situation, advisor in (
                      (1, ApplicantStatus.SEARCHING, Urgency.HIGH, HousingSituation.HOMELESS, "A. <Beraterin>"),
                      (2, ApplicantStatus.OFFER, Urgency.NORMAL, None, None),
                      (3, ApplicantStatus.MOVED_IN, Urgency.HIGH, HousingSituation.HOMELESS, "B"))]
    flats = [SimpleNamespace(id=n, street="Straße <1>", house_number="2&3", label="EG", rent_capped=bool(n % 2),
                             step_free=n > 1, area_name="Nord & Markt", area_m2=Decimal("1234.5"), rooms=rooms,
                             net_cold_rent=Decimal("1000.10"), service_charges=Decimal(n), available_from=today,
                             landlord_name="<LEG>", status=status)
             for n, rooms, status in ((1, Decimal("2.5"), VacancyStatus.OPEN), (2, None, VacancyStatus.LET))]
    counts = {ApplicantStatus.SEARCHING: 12, ApplicantStatus.OFFER: 3, ApplicantStatus.CLEARING: 0}
    with app.test_request_context("/"), force_locale(language):
        for rows in (households, []):
            expected = app.jinja_env.from_string(HOUSEHOLD_ROWS).render(rows=rows, today=today)
            assert _squeezed(household_rows(rows, today)) == _squeezed(expected)
        for rows in (flats, []):
            expected = app.jinja_env.from_string(FLAT_ROWS).render(rows=rows)
            assert _squeezed(flat_rows(rows)) == _squeezed(expected)
        for status, mine in ((None, True), ("offer", False)):
            expected = app.jinja_env.from_string(STATUS_CHIPS).render(
                statuses=list(ApplicantStatus), counts=counts, status=status, mine=mine)
            assert _squeezed(status_chips(counts, status, mine)) == _squeezed(expected)
        assert "&lt;Söhne&gt;" in household_rows(households, today) and "&lt;LEG&gt;" in flat_rows(flats)
        assert "Clearing" not in status_chips(counts, None, True)  # no chip for a status without households
