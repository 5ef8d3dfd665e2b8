"""The placement markup written in Python (placement/templating.py) is what the Jinja macros wrote."""

from flask import url_for
from flask_babel import force_locale
from markupsafe import Markup

from housing.placement.matching import RuleResult
from housing.placement.models import ApplicantStatus, OfferStatus, Urgency, VacancyStatus
from housing.placement.templating import (
    applicant_status_badge,
    offer_status_badge,
    rule_list,
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
        assert "Area<span" in rule_list(rules) and ": not met" in rule_list(rules)


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
