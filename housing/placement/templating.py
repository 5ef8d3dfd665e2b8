"""Markup the placement pages repeat per row or per match, written in Python (see housing/templating.py): the
status badges, a flat's line, a match with its rule list, and the rows of the households and flats lists."""

from functools import lru_cache

from flask import url_for
from markupsafe import Markup, escape

from ..i18n import fmt_date, fmt_money, fmt_number, locale_code, ngettext, translations
from ..i18n import gettext as _
from ..templating import badge, link_for
from .models import APPLICANT_FLOW, ApplicantStatus, OfferStatus, Urgency, VacancyStatus

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
TONES = {ApplicantStatus: APPLICANT_TONES, OfferStatus: OFFER_TONES, VacancyStatus: VACANCY_TONES,
         Urgency: URGENCY_TONES}

_badges: dict[tuple, Markup] = {}


def _badge(member) -> Markup:
    """A status's or urgency's badge, made once per language and process (a list shows two per row). Keyed by the
    enum too: its members equal their values, and an offer and a household share "contract_signed"."""
    key = (locale_code(), type(member), member)
    try:
        return _badges[key]
    except KeyError:
        made = _badges[key] = badge(member.label, TONES[type(member)][member])
        return made


def applicant_status_badge(status: ApplicantStatus) -> Markup:
    return _badge(status)


def offer_status_badge(status: OfferStatus) -> Markup:
    return _badge(status)


def vacancy_status_badge(status: VacancyStatus) -> Markup:
    return _badge(status)


def urgency_badge(urgency: Urgency) -> Markup:
    return _badge(urgency)


@lru_cache(maxsize=4096)
def _money(value, locale: str) -> str:
    """An amount as ``fmt_money`` writes it in ``locale`` (the current one, a key only), escaped: Babel's currency
    format costs as much as the rest of a list's row, and lists and matches show the same rents again and again."""
    return str(escape(fmt_money(value)))


@lru_cache(maxsize=1024)
def _number(value, digits: int, locale: str) -> str:
    """A figure as ``fmt_number`` writes it in ``locale`` (the current one, a key only): a flat's area and rooms."""
    return fmt_number(value, digits)


def flat_line(vacancy, rooms_word: str | None = None) -> Markup:
    """A flat in one line: address, flat, living space, rooms, social area (``rooms_word``: "Zi." translated, when
    the caller writes many lines)."""
    unit = vacancy.unit
    building = unit.building
    return _flat_line(building.street, building.house_number, unit.label, unit.area_m2, unit.rooms,
                      building.social_area.name, rooms_word)


def flat_line_of(row) -> Markup:
    """``flat_line`` from a row's columns (``street``, ``house_number``, ``label``, ``area_m2``, ``rooms``,
    ``area_name``)."""
    return _flat_line(row.street, row.house_number, row.label, row.area_m2, row.rooms, row.area_name)


def _flat_line(street, house_number, label, area_m2, rooms, area_name, rooms_word=None) -> Markup:
    locale = locale_code()
    rooms = _number(rooms, 1, locale) if rooms else "?"
    return Markup(  # noqa: S704 (every value escaped)
        f"{escape(street)} {escape(house_number)}, {escape(label)} · {_number(area_m2, 2, locale)} m² · {rooms} "
        f"{rooms_word or escape(_('Zi.'))} · {escape(area_name)}")


RULE_ITEM = ('\n    <li class="rules__item rules__item--{}">\n'
             '      <span class="rules__mark" aria-hidden="true">{}</span>\n'
             '      <span class="rules__name">{}<span class="visually-hidden">: {}</span></span>\n'
             '      <span class="rules__detail">{}</span>\n'
             '    </li>\n    ')


def _rule_writer():
    """A function writing a match's rule list, with the rules' names in the request's language looked up once."""
    gettext = translations().ugettext
    names = {"space": escape(gettext("Fläche")), "rent": escape(gettext("Miete")), "wbs": escape(gettext("WBS")),
             "access": escape(gettext("Zugang")), "area": escape(gettext("Gebiet"))}
    marks = {True: ("pass", "✓", escape(gettext("erfüllt"))), False: ("fail", "✗", escape(gettext("nicht erfüllt")))}

    def write(rules) -> str:
        items = []
        for result in rules:
            rule, passed, detail = (result["rule"], result["passed"], result["detail"]) if isinstance(result, dict) \
                else (result.rule, result.passed, result.detail)
            kind, mark, met = marks[bool(passed)]
            items.append(RULE_ITEM.format(kind, mark, names[rule], met, escape(detail)))
        return f'\n  <ul class="rules">\n    {"".join(items)}\n  </ul>'

    return write


def rule_list(rules) -> Markup:
    """A match's rules, each met or not with its explanation: ``RuleResult``s, or the dicts an offer keeps."""
    return Markup(_rule_writer()(rules))  # noqa: S704 (every value escaped)


def _matches(matches, head, propose_url, applicant_id_of, csrf, empty: str) -> Markup:
    """Matches, each with its head (``head(match)``), its rule list and, when eligible, the form proposing it."""
    if not matches:
        return Markup('<p class="empty">%s</p>') % empty
    rules_of = _rule_writer()
    near_miss, preferred = badge(_("eine Regel nicht erfüllt"), "warning"), badge(_("Wunschgebiet"), "success")
    propose = escape(_("Vorschlagen"))
    articles = []
    for match in matches:
        eligible = match.eligible
        form = (f'<form method="post" action="{propose_url(match)}" class="inline-form">\n'
                f'{csrf}<input type="hidden" name="applicant_id" value="{applicant_id_of(match)}">\n'
                f'<button class="button button--small" type="submit">{propose}</button>\n</form>\n') if eligible else ""
        articles.append(
            f'<article class="match{"" if eligible else " match--near"}">\n<header class="match__head">\n'
            f'<span class="match__rank">{match.rank}</span>\n{head(match)}\n'
            f'{"" if eligible else near_miss}\n{preferred if match.preferred_area else ""}\n</header>\n'
            f"{rules_of(match.rules)}\n{form}</article>\n")
    return Markup("".join(articles))  # noqa: S704 (every value escaped or markup already)


def household_matches(matches, applicant_id: int, csrf: Markup) -> Markup:
    """A household's flats (placement/household.html), each explained and, when eligible, to propose."""
    flat_url, propose_url = link_for("placement.flat", "vacancy_id"), link_for("placement.propose", "vacancy_id")
    gettext, locale = translations().ugettext, locale_code()
    per_month, available, rooms_word = escape(gettext("bruttokalt")), gettext("frei ab %(d)s"), escape(gettext("Zi."))

    def head(match) -> str:
        vacancy = match.vacancy
        return (f'<a href="{flat_url(vacancy.id)}"><strong>{flat_line(vacancy, rooms_word)}</strong></a>\n'
                f"<span>{_money(vacancy.gross_cold_rent, locale)} {per_month} · "
                f"{escape(available % {'d': fmt_date(vacancy.available_from)})}</span>")

    return _matches(matches, head, lambda match: propose_url(match.vacancy.id), lambda match: applicant_id,
                    csrf, _("Zurzeit passt keine freie Wohnung."))


def flat_candidates(matches, vacancy_id: int, csrf: Markup) -> Markup:
    """A flat's households (placement/flat.html), each explained and, when eligible, to propose."""
    household_url = link_for("placement.household", "applicant_id")
    propose_url = escape(link_for("placement.propose", "vacancy_id")(vacancy_id))
    waiting = translations().ugettext("wartet seit %(d)s")

    def head(match) -> str:
        applicant = match.applicant
        return (f'<a href="{household_url(applicant.id)}"><strong>{escape(applicant.sort_name)}</strong></a>\n'
                f"<span>{escape(applicant.household_type)} · "
                f'{escape(ngettext("%(num)d Person", "%(num)d Personen", applicant.persons))}</span>\n'
                f"{_badge(applicant.urgency)}\n"
                f'<span class="muted small">{escape(waiting % {"d": fmt_date(applicant.registered_on)})}</span>')

    return _matches(matches, head, lambda match: propose_url, lambda match: match.applicant.id, csrf,
                    _("Zurzeit passt kein wohnungssuchender Haushalt."))


# The statuses in which a household waits for a flat (the list shows for how long).
WAITING = frozenset(APPLICANT_FLOW[:APPLICANT_FLOW.index(ApplicantStatus.CONTRACT_SIGNED)])


def household_rows(rows, today) -> Markup:
    """The households list's table rows (placement/households.html) from its column rows (views._household_rows)."""
    if not rows:
        return Markup('<tr class="empty-row"><td colspan="7">%s</td></tr>') % _("Keine Haushalte für diese Auswahl.")
    household_url = link_for("placement.household", "applicant_id")
    interpreter = _("Dolmetschung")  # not inside the f-string below: the catalog's extraction does not look there
    interpreter = f' <span class="badge badge--muted">{escape(interpreter)}</span>'
    def waited(row) -> str:
        """How long a household still looking for a flat has waited since registering; none once it has one."""
        if row.status not in WAITING:
            return ""
        days = ngettext("%(num)d Tag", "%(num)d Tage", (today - row.registered_on).days)
        return f' <span class="muted small">({escape(days)})</span>'

    # The page's few situations, statuses and urgencies, each written once.
    situations = {value: escape(value.label) for value in {row.housing_situation for row in rows} if value}
    situations[None] = "–"
    statuses = {value: _badge(value) for value in {row.status for row in rows}}
    urgencies = {value: _badge(value) for value in {row.urgency for row in rows}}
    return Markup("".join(  # noqa: S704 (every value escaped or markup already)
        f'<tr>\n<td><a href="{household_url(row.id)}"><strong>{escape(row.last_name)}, {escape(row.first_name)}'
        f'</strong></a>{interpreter if row.interpreter_needed else ""}</td>\n'
        f"<td>{statuses[row.status]}</td>\n<td>{urgencies[row.urgency]}</td>\n"
        f'<td class="num">{row.persons}</td>\n<td>{situations[row.housing_situation]}</td>\n'
        f'<td class="nowrap">{fmt_date(row.registered_on)}{waited(row)}</td>\n'
        f'<td>{escape(row.advisor_name or "–")}</td>\n</tr>\n'
        for row in rows))


def status_chips(counts: dict, current: str | None, mine: bool) -> Markup:
    """The households list's status chips (placement/households.html): each status with households, with its count,
    linking to the list of that status (the caseload or everyone's, as shown); the links from one ``url_for``."""
    head, tail = map(escape, url_for("placement.households", status="-", all="0" if mine else "1").split("-", 1))
    return Markup("".join(  # noqa: S704 (status values are plain words, labels escaped)
        f'\n  <a class="chip{" chip--on" if current == status.value else ""}" href="{head}{status.value}{tail}">'
        f'{escape(status.label)} <span class="muted">{counts[status]}</span></a>'
        for status in ApplicantStatus if counts.get(status)))


def flat_rows(rows) -> Markup:
    """The flats list's table rows (placement/flats.html) from its column rows (views._flat_rows)."""
    if not rows:
        return Markup('<tr class="empty-row"><td colspan="8">%s</td></tr>') % _("Keine Wohnungen für diese Auswahl.")
    flat_url, locale = link_for("placement.flat", "vacancy_id"), locale_code()
    statuses = {value: _badge(value) for value in {row.status for row in rows}}
    step_free = f' <span title="{escape(_("stufenlos"))}">♿</span>'
    capped = ' <span class="badge badge--muted">WBS</span>'
    return Markup("".join(  # noqa: S704 (every value escaped or markup already)
        f'<tr>\n<td><a href="{flat_url(row.id)}"><strong>{escape(row.street)} {escape(row.house_number)}</strong>, '
        f'{escape(row.label)}</a>{capped if row.rent_capped else ""}{step_free if row.step_free else ""}</td>\n'
        f"<td>{escape(row.area_name)}</td>\n"
        f'<td class="num">{_number(row.area_m2, 2, locale)} m²</td>'
        f'<td class="num">{_number(row.rooms, 1, locale) if row.rooms else "–"}</td>\n'
        f'<td class="num">{_money(row.net_cold_rent + row.service_charges, locale)}</td>'
        f'<td class="nowrap">{fmt_date(row.available_from)}</td>\n'
        f"<td>{escape(row.landlord_name)}</td><td>{statuses[row.status]}</td>\n</tr>\n"
        for row in rows))


def register(app) -> None:
    app.jinja_env.globals.update(
        applicant_status_badge=applicant_status_badge, offer_status_badge=offer_status_badge,
        vacancy_status_badge=vacancy_status_badge, urgency_badge=urgency_badge, rule_list=rule_list,
        flat_line=flat_line, flat_line_of=flat_line_of, household_matches=household_matches,
        flat_candidates=flat_candidates, household_rows=household_rows, flat_rows=flat_rows,
        status_chips=status_chips)
