"""Markup the placement pages repeat per row or per match, written in Python (see housing/templating.py): the
status badges, a match's rule list and the links of a list's rows."""

from markupsafe import Markup

from ..i18n import translations
from ..templating import badge
from .models import ApplicantStatus, OfferStatus, Urgency, VacancyStatus

APPLICANT_TONES = {
    ApplicantStatus.FIRST_CONTACT: "neutral", ApplicantStatus.REGISTERED: "neutral",
    ApplicantStatus.CLEARING: "neutral", ApplicantStatus.SEARCHING: "warning", ApplicantStatus.OFFER: "warning",
    ApplicantStatus.APPROVAL_PENDING: "warning",
    ApplicantStatus.CONTRACT_SIGNED: "success", ApplicantStatus.MOVED_IN: "success",
    ApplicantStatus.AFTERCARE: "success", ApplicantStatus.STABILISED: "success", ApplicantStatus.WITHDRAWN: "muted",
    ApplicantStatus.LOST_CONTACT: "muted", ApplicantStatus.AT_RISK: "danger",
}
OFFER_TONES = {
    OfferStatus.PROPOSED: "neutral", OfferStatus.VIEWING: "warning", OfferStatus.ACCEPTED: "success",
    OfferStatus.DECLINED: "muted", OfferStatus.APPROVAL_PENDING: "warning", OfferStatus.CONTRACT_SIGNED: "success",
    OfferStatus.CANCELLED: "muted",
}
VACANCY_TONES = {VacancyStatus.OPEN: "success", VacancyStatus.RESERVED: "warning", VacancyStatus.LET: "neutral",
                 VacancyStatus.WITHDRAWN: "muted"}
URGENCY_TONES = {Urgency.NORMAL: "neutral", Urgency.HIGH: "warning", Urgency.EMERGENCY: "danger"}


def applicant_status_badge(status: ApplicantStatus) -> Markup:
    return badge(status.label, APPLICANT_TONES[status])


def offer_status_badge(status: OfferStatus) -> Markup:
    return badge(status.label, OFFER_TONES[status])


def vacancy_status_badge(status: VacancyStatus) -> Markup:
    return badge(status.label, VACANCY_TONES[status])


def urgency_badge(urgency: Urgency) -> Markup:
    return badge(urgency.label, URGENCY_TONES[urgency])


RULE_ITEM = Markup(
    '\n    <li class="rules__item rules__item--%s">\n'
    '      <span class="rules__mark" aria-hidden="true">%s</span>\n'
    '      <span class="rules__name">%s<span class="visually-hidden">: %s</span></span>\n'
    '      <span class="rules__detail">%s</span>\n'
    '    </li>\n    ')


def rule_list(rules) -> Markup:
    """A match's rules, each met or not with its explanation: ``RuleResult``s, or the dicts an offer keeps."""
    gettext = translations().ugettext
    names = {"space": gettext("Fläche"), "rent": gettext("Miete"), "wbs": gettext("WBS"),
             "access": gettext("Zugang"), "area": gettext("Gebiet")}
    met = {True: gettext("erfüllt"), False: gettext("nicht erfüllt")}
    items = []
    for result in rules:
        rule, passed, detail = (result["rule"], result["passed"], result["detail"]) if isinstance(result, dict) \
            else (result.rule, result.passed, result.detail)
        items.append(RULE_ITEM % ("pass" if passed else "fail", "✓" if passed else "✗", names[rule], met[passed],
                                  detail))
    return Markup('\n  <ul class="rules">\n    %s\n  </ul>') % Markup("").join(items)


def register(app) -> None:
    app.jinja_env.globals.update(
        applicant_status_badge=applicant_status_badge, offer_status_badge=offer_status_badge,
        vacancy_status_badge=vacancy_status_badge, urgency_badge=urgency_badge, rule_list=rule_list)
