"""Explained matching (DOMAIN.md section 5): which households fit a flat, which flats fit a household.

Matching proposes, a person decides (GDPR Art. 22). Every rule is written twice on purpose, in the
same order and with the same figures: as SQL, so 20,000 households are filtered and ranked in the
database, and in Python, so each suggestion explains itself with its values. Tests hold the two together.

1. space: area ≥ minimum m² × persons, and ≤ the appropriate size for the household (+ tolerance);
2. rent: SGB II/XII households: gross cold rent ≤ the KdU limit for their size on the available-from
   date; others: ≤ a share of the household income;
3. WBS: a rent-capped flat needs a WBS valid on the available-from date for at least as many persons;
4. access: a step-free need wants a step-free flat on the ground floor or with a lift;
5. area: an excluded social area rules the flat out; a preferred one ranks higher.
Ranking: urgency, then a preferred area, then waiting time since registration.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

from flask_babel import get_locale
from sqlalchemy import (
    Date,
    Integer,
    Numeric,
    and_,
    bindparam,
    case,
    false,
    func,
    inspect,
    literal,
    or_,
    select,
    true,
    union,
)
from sqlalchemy.orm import joinedload, lazyload, load_only, raiseload

from ..extensions import db
from ..i18n import fmt_date, fmt_money, fmt_number, ngettext, translations
from ..properties.models import Property, SocialArea, Unit
from ..rules.models import KduLimit, RuleValue
from ..rules.registry import (
    DEFINITIONS,
    MIN_AREA_PER_PERSON,
    RENT_INCOME_SHARE,
    SIZE_PER_EXTRA_PERSON,
    SIZE_TOLERANCE,
)
from ..rules.services import KduRow, kdu_for
from .models import (
    TRANSFER_INCOMES,
    Applicant,
    ApplicantStatus,
    ConsentPurpose,
    Tenancy,
    Vacancy,
    VacancyStatus,
    applicant_areas,
    household_type,
    valid_consent_clause,
)

RULES = ("space", "rent", "wbs", "access", "area")


@dataclass
class RuleResult:
    rule: str
    passed: bool
    detail: str

    def as_dict(self) -> dict:
        return {"rule": self.rule, "passed": self.passed, "detail": self.detail}


@dataclass
class Match:
    applicant: Applicant
    vacancy: Vacancy
    rank: int
    rules: list[RuleResult] = field(default_factory=list)
    preferred_area: bool = False

    @property
    def eligible(self) -> bool:
        return all(result.passed for result in self.rules)

    @property
    def failed(self) -> list[RuleResult]:
        return [result for result in self.rules if not result.passed]


@dataclass(frozen=True)
class Figures:
    """The rule figures valid on one day."""

    on: date
    min_area: Decimal
    tolerance: Decimal
    income_share: Decimal
    extra_per_person: Decimal
    kdu: dict[int, KduRow]

    @classmethod
    def on_day(cls, day: date) -> "Figures":
        return FigureHistory.load().on_day(day)

    def limit(self, persons: int) -> KduRow | None:
        return kdu_for(persons, self.on, self.kdu, self.extra_per_person)


FIGURE_KEYS = (MIN_AREA_PER_PERSON, SIZE_TOLERANCE, RENT_INCOME_SHARE, SIZE_PER_EXTRA_PERSON)
# Read on every matching page: built once, not built and keyed for the statement cache per request.
_RULE_VERSIONS = (select(RuleValue.key, RuleValue.valid_from, RuleValue.value).where(RuleValue.key.in_(FIGURE_KEYS))
                  .order_by(RuleValue.valid_from.desc()))
_KDU_ROWS = select(KduLimit.persons, KduLimit.valid_from, KduLimit.max_gross_cold_rent, KduLimit.max_area_m2)


class FigureHistory:
    """Every version of the figures matching uses, read in two queries, for the figures of any number of days:
    a list of flats available on many different days costs no query per day. The answers are those of
    ``rule_value`` and ``kdu_table`` (the latest version up to the day; the seeded value before any)."""

    def __init__(self, rule_versions: dict[str, list[tuple[date, Decimal]]], kdu_rows: list[KduRow]):
        self.rule_versions = rule_versions  # per key, newest first
        self.kdu_rows = sorted(kdu_rows, key=lambda row: (row.persons, row.valid_from))
        self._days: dict[date, Figures] = {}

    @classmethod
    def load(cls) -> "FigureHistory":
        rule_versions: dict[str, list[tuple[date, Decimal]]] = {key: [] for key in FIGURE_KEYS}
        for key, valid_from, value in db.session.execute(_RULE_VERSIONS):
            rule_versions[key].append((valid_from, Decimal(value)))
        kdu_rows = [KduRow(persons, gross, area, valid_from)
                    for persons, valid_from, gross, area in db.session.execute(_KDU_ROWS)]
        return cls(rule_versions, kdu_rows)

    def value(self, key: str, day: date) -> Decimal:
        for valid_from, value in self.rule_versions[key]:
            if valid_from <= day:
                return value
        return DEFINITIONS[key].seed_value

    def kdu_table(self, day: date) -> dict[int, KduRow]:
        table: dict[int, KduRow] = {}
        for row in self.kdu_rows:  # later versions overwrite earlier ones
            if row.valid_from <= day:
                table[row.persons] = row
        return table

    def on_day(self, day: date) -> Figures:
        if day not in self._days:
            self._days[day] = Figures(day, self.value(MIN_AREA_PER_PERSON, day), self.value(SIZE_TOLERANCE, day),
                                      self.value(RENT_INCOME_SHARE, day), self.value(SIZE_PER_EXTRA_PERSON, day),
                                      self.kdu_table(day))
        return self._days[day]

    def versions_for(self, persons: int) -> dict:
        """Every version of every figure a household of ``persons`` is matched by, as (valid_from, value) pairs
        for the CASEs over a flat's available-from day. The KdU limits change where the table changes and, for
        households beyond the table, where the area per further person changes."""
        days = {row.valid_from for row in self.kdu_rows}
        days |= {valid_from for valid_from, _value in self.rule_versions[SIZE_PER_EXTRA_PERSON]}
        max_area, max_gross = [], []
        for day in sorted(days):
            row = self.on_day(day).limit(persons)
            if row is not None:
                max_area.append((day, row.max_area_m2))
                max_gross.append((day, row.max_gross_cold_rent))
        return {"min_area": self._versions(MIN_AREA_PER_PERSON), "tolerance": self._versions(SIZE_TOLERANCE),
                "share": self._versions(RENT_INCOME_SHARE), "max_area": max_area, "max_gross": max_gross}

    def _versions(self, key: str) -> list[tuple[date, Decimal]]:
        return self.rule_versions[key] or [(date.min, DEFINITIONS[key].seed_value)]


# --- the rules in Python, with their values ---------------------------------------------------------------


@lru_cache(maxsize=4096)
def _written(kind: str, value, locale: str) -> str:
    """A figure as the explanations write it in ``locale`` (the current one, a key only). Formatting is pure, and
    a page of fifty explanations writes the same few areas, rents and limits hundreds of times."""
    if kind == "m2":
        return f"{fmt_number(value, 2 if Decimal(value) % 1 else 0)} m²"
    if kind == "money":
        return fmt_money(value)
    if kind == "date":
        return fmt_date(value)
    return fmt_number(value, 0)


def evaluate(applicant: Applicant, vacancy: Vacancy, figures: Figures | None = None,
             excluded_ids: set[int] | None = None, preferred_ids: set[int] | None = None) -> list[RuleResult]:
    """Every rule for this household and this flat, with the values it was decided on (the household's excluded
    and preferred areas given, or read from it)."""
    figures = figures or Figures.on_day(vacancy.available_from)
    # The locale and translations once per match: an explanation writes seven sentences and a dozen figures in
    # them, and a page explains up to fifty matches (Flask-Babel's gettext looks the translations up each time).
    locale, gettext = str(get_locale()), translations().ugettext

    def _(message: str, **variables) -> str:  # Flask-Babel's gettext, extracted as every ``_``
        text = gettext(message)
        return text % variables if variables else text

    def _m2(value) -> str:
        return _written("m2", value, locale)

    def _persons(n: int) -> str:  # "1 Person", "2 Personen"
        return ngettext("%(num)d Person", "%(num)d Personen", n)

    def _money(value) -> str:
        return _written("money", value, locale)

    def _date(value) -> str:
        return _written("date", value, locale)

    unit = vacancy.unit
    persons = applicant.persons
    limit = figures.limit(persons)
    results = []
    no_kdu = None if limit else _("Es gibt keine KdU-Tabelle für den %(day)s, ab dem die Wohnung frei ist.",
                                  day=_date(figures.on))

    area = unit.area_m2
    minimum = figures.min_area * persons
    if area is None or limit is None:
        results.append(RuleResult("space", False, _("Die Wohnfläche ist nicht erfasst.") if area is None
                                  else no_kdu))
    else:
        maximum = limit.max_area_m2 + figures.tolerance
        passed = minimum <= area <= maximum
        results.append(RuleResult("space", passed, _(
            "%(area)s für %(persons)s: mindestens %(min)s (%(per)s je Person), höchstens %(max)s "
            "(angemessen %(fit)s + %(tol)s Toleranz).", area=_m2(area), persons=_persons(persons), min=_m2(minimum),
            per=_m2(figures.min_area), max=_m2(maximum), fit=_m2(limit.max_area_m2), tol=_m2(figures.tolerance))))

    gross = vacancy.gross_cold_rent
    if applicant.income_source in TRANSFER_INCOMES:
        if limit is None:
            results.append(RuleResult("rent", False, no_kdu))
        else:
            results.append(RuleResult("rent", gross <= limit.max_gross_cold_rent, _(
                "Bruttokaltmiete %(gross)s (%(net)s netto kalt + %(charges)s Nebenkosten); KdU-Grenze für "
                "%(persons)s: %(limit)s (gültig ab %(since)s).", gross=_money(gross),
                net=_money(vacancy.net_cold_rent), charges=_money(vacancy.service_charges),
                persons=_persons(persons), limit=_money(limit.max_gross_cold_rent), since=_date(limit.valid_from))))
    elif applicant.monthly_income:
        exact = applicant.monthly_income * figures.income_share / 100  # compared exactly, as in SQL
        allowed = exact.quantize(Decimal("0.01"))
        results.append(RuleResult("rent", gross <= exact, _(
            "Bruttokaltmiete %(gross)s; höchstens %(share)s %% des Einkommens von %(income)s = %(allowed)s.",
            gross=_money(gross), share=_written("number", figures.income_share, locale),
            income=_money(applicant.monthly_income), allowed=_money(allowed))))
    else:
        results.append(RuleResult("rent", False, _("Ohne Angabe zum Einkommen lässt sich die Miete nicht prüfen.")))

    if not vacancy.rent_capped:
        results.append(RuleResult("wbs", True, _("Kein Wohnberechtigungsschein nötig.")))
    elif applicant.wbs_valid_until is None:
        results.append(RuleResult("wbs", False, _("Die Wohnung ist preisgebunden; ein WBS liegt nicht vor.")))
    else:
        passed = applicant.wbs_valid_until >= vacancy.available_from and (applicant.wbs_persons or 0) >= persons
        results.append(RuleResult("wbs", passed, _(
            "WBS für %(wbs_persons)s, gültig bis %(until)s; nötig ab %(from)s für %(persons)s.",
            wbs_persons=_persons(applicant.wbs_persons or 0), until=_date(applicant.wbs_valid_until),
            **{"from": _date(vacancy.available_from)}, persons=_persons(persons))))

    reachable = bool(unit.step_free) and (unit.floor == 0 or bool(unit.lift))
    if not applicant.step_free_needed:
        results.append(RuleResult("access", True, _("Kein stufenloser Zugang nötig.")))
    else:
        floor = _("Erdgeschoss") if unit.floor == 0 else (_("%(n)s. OG", n=unit.floor) if unit.floor is not None
                                                           else _("Geschoss unbekannt"))
        results.append(RuleResult("access", reachable, _(
            "Stufenloser Zugang nötig: Wohnung %(step)s, %(floor)s, %(lift)s.",
            step=_("stufenlos") if unit.step_free else _("nicht stufenlos"), floor=floor,
            lift=_("mit Aufzug") if unit.lift else _("ohne Aufzug"))))

    area_id = unit.building.social_area_id
    excluded = excluded_ids if excluded_ids is not None else {a.id for a in applicant.excluded_areas}
    area_name = unit.building.social_area.name
    if area_id in excluded:
        results.append(RuleResult("area", False, _("%(area)s ist ausgeschlossen.", area=area_name)))
    elif area_id in (preferred_ids if preferred_ids is not None else {a.id for a in applicant.preferred_areas}):
        results.append(RuleResult("area", True, _("%(area)s ist ein Wunschgebiet.", area=area_name)))
    else:
        results.append(RuleResult("area", True, _("%(area)s ist nicht ausgeschlossen.", area=area_name)))
    return results


# --- the same rules in SQL ----------------------------------------------------------------------------------


def _fails(condition):
    return case((condition, 0), else_=1)


def _versioned(day_column, rows: list[tuple[date, object]], default):
    """The value valid on ``day_column`` from (valid_from, value) pairs: a CASE with newest first."""
    rows = sorted(rows, key=lambda row: row[0], reverse=True)
    if not rows:
        return literal(default)
    return case(*[(day_column >= valid_from, literal(value)) for valid_from, value in rows], else_=literal(default))


def _by_persons(persons_column, figures: Figures, attribute: str, extra_per_person: Decimal = Decimal("0")):
    """A KdU value for a household size column: a CASE over the table, extrapolated beyond it."""
    if not figures.kdu:
        return literal(None)
    largest = max(figures.kdu)
    beyond = getattr(figures.kdu[largest], attribute)
    whens = [(persons_column == persons, literal(getattr(row, attribute))) for persons, row in figures.kdu.items()]
    smallest = figures.kdu[min(figures.kdu)]
    whens.append((persons_column < min(figures.kdu), literal(getattr(smallest, attribute))))
    return case(*whens, else_=literal(beyond) + (persons_column - largest) * literal(extra_per_person))


def _household_persons():
    return Applicant.adults + Applicant.children


def _area_choice(area_id, applicant_id_column):
    """SQL: whether the household excluded (true) or preferred (false) this one area, else NULL: a lookup in the
    primary key per household. An EXISTS per household is what PostgreSQL turns into a hash of every household
    choosing the area (seven thousand for a popular one) when it expects many households, before reading one."""
    return (select(applicant_areas.c.is_excluded)
            .where(applicant_areas.c.applicant_id == applicant_id_column, applicant_areas.c.social_area_id == area_id)
            .scalar_subquery())


# A flat's facts enter the candidates' query as parameters: the query is built once for each shape (the figures,
# which rules are decided by the flat alone) and reused, not built and keyed for the statement cache per request.
AREA, GROSS = bindparam("area", type_=Numeric(8, 2)), bindparam("gross", type_=Numeric(9, 2))
AVAILABLE_FROM, AREA_ID, ON = bindparam("available_from", type_=Date), bindparam("area_id", type_=Integer), \
    bindparam("on", type_=Date)
ADVISOR_ID, END, NEAR_END, SKIP, LIMIT = (bindparam(name, type_=Integer)
                                         for name in ("advisor_id", "end", "near_end", "skip", "limit"))


def candidate_rules(figures: Figures, *, has_area: bool, rent_capped: bool, reachable: bool) -> list:
    """SQL: the five rules for a flat (its area, gross cold rent, available-from day and social area as the
    parameters above), each a condition on the applicant that holds when the rule is met."""
    persons = _household_persons()
    max_area = _by_persons(persons, figures, "max_area_m2", figures.extra_per_person)
    max_gross = _by_persons(persons, figures, "max_gross_cold_rent")
    space = false() if not has_area else and_(AREA >= literal(figures.min_area) * persons,
                                              AREA <= max_area + literal(figures.tolerance))
    rent = case((Applicant.income_source.in_(TRANSFER_INCOMES), GROSS <= max_gross),
                else_=Applicant.monthly_income * literal(figures.income_share) / 100 >= GROSS)
    wbs = true() if not rent_capped else and_(Applicant.wbs_valid_until >= AVAILABLE_FROM,
                                              Applicant.wbs_persons >= persons)
    access = true() if reachable else Applicant.step_free_needed.is_(False)
    not_excluded = func.coalesce(_area_choice(AREA_ID, Applicant.id), False).is_(False)
    return [space, rent, wbs, access, not_excluded]


def _failures(rules: list):
    total = _fails(rules[0])
    for rule in rules[1:]:
        total = total + _fails(rule)
    return total


def _filter(rules: list, near_misses: bool):
    """SQL: every rule met, or with ``near_misses`` at most one failed; returns the condition and the number of
    failures. Every rule met is the rules as separate conditions, so the database stops at the first failed one
    (the area's lookup last) and checks a flat's rent before joining its unit."""
    if near_misses:
        failures = _failures(rules)
        return failures <= 1, failures
    return and_(*rules), literal(0)


_CANDIDATE_QUERIES: dict[tuple, object] = {}
# What the rules (``evaluate``) and a candidate's line on a flat's page read of a household.
CANDIDATE_COLUMNS = (Applicant.first_name, Applicant.last_name, Applicant.adults, Applicant.children,
                     Applicant.income_source, Applicant.monthly_income, Applicant.wbs_valid_until,
                     Applicant.wbs_persons, Applicant.step_free_needed, Applicant.urgency, Applicant.registered_on)


def _candidates_query(figures: Figures, has_area: bool, rent_capped: bool, reachable: bool, by_advisor: bool,
                      near_misses: bool):
    """The candidates' query for flats of one shape (see ``candidates``); the flat, the day, the advisor and the
    page are its parameters."""
    rules = candidate_rules(figures, has_area=has_area, rent_capped=rent_capped, reachable=reachable)
    preferred = func.coalesce(_area_choice(AREA_ID, Applicant.id).is_(False), False).label("preferred")
    searching = [Applicant.status == ApplicantStatus.SEARCHING]
    if by_advisor:
        searching.append(Applicant.advisor_id == ADVISOR_ID)
    consent = valid_consent_clause(ConsentPurpose.PLACEMENT, ON)

    def page(condition, failures, size):
        return (select(Applicant.id, failures.label("failures"), preferred)
                .where(*searching, condition, consent)
                .order_by(Applicant.urgency_rank.desc(), preferred.desc(), Applicant.registered_on, Applicant.id)
                .limit(size).subquery())

    # Every rule met as one condition (the database still stops at the first failed rule): PostgreSQL then
    # estimates that many households pass and reads them in the index's order up to the page's end; with the
    # rules as separate conditions it multiplies five guesses, expects a handful and ranks all ten thousand.
    found = page(_fails(and_(*rules)) <= 0, literal(0), END)
    if near_misses:
        failures = _failures(rules)
        found = union(select(found), select(page(failures <= 1, failures, NEAR_END))).subquery()
    # The households' rows are read for the page only, without their consents or advisor (touching one fails a
    # test rather than costing a query per household) and without their areas (read only when asked for): an
    # explanation needs only whether this flat's area is excluded or preferred, asked here. Of a household's columns
    # only those the rules and a candidate's line read are loaded (not its contacts, notes or health note).
    excluded = func.coalesce(_area_choice(AREA_ID, Applicant.id), False).label("excluded")
    return (select(Applicant, found.c.failures, found.c.preferred, excluded).join(found, found.c.id == Applicant.id)
            .options(load_only(*CANDIDATE_COLUMNS, raiseload=True),
                     raiseload(Applicant.consents), raiseload(Applicant.advisor),
                     lazyload(Applicant.preferred_areas), lazyload(Applicant.excluded_areas))
            .order_by(found.c.failures, Applicant.urgency_rank.desc(), found.c.preferred.desc(),
                      Applicant.registered_on, Applicant.id)
            .offset(SKIP).limit(LIMIT))


def candidates(vacancy: Vacancy, *, near_misses: bool = False, limit: int = 50, skip: int = 0, on: date,
               advisor_id: int | None = None) -> list[Match]:
    """Households for a flat, best first: searching, with a valid consent to placement, every rule met
    (with ``near_misses`` also those failing exactly one, after the eligible ones); with ``advisor_id`` only
    that advisor's households (the caseload-only setting). With ``skip``, the ranks after the first ``skip``
    (a further page of the same ranking).

    The households are read in the order of the ranking's index (urgency first) up to the page's end, not all
    ten thousand searching ones ranked. With near misses, the eligible page is completed by the best ranked
    households failing at most one rule: among twice the page, at least as many fail one rule as the eligible
    page lacks."""
    figures = Figures.on_day(vacancy.available_from)
    unit = vacancy.unit
    area_id = unit.building.social_area_id
    shape = (figures.min_area, figures.tolerance, figures.income_share, figures.extra_per_person,
             tuple(sorted(figures.kdu.items())), unit.area_m2 is not None, bool(vacancy.rent_capped),
             bool(unit.step_free) and (unit.floor == 0 or bool(unit.lift)), advisor_id is not None, near_misses)
    stmt = _CANDIDATE_QUERIES.get(shape)
    if stmt is None:
        if len(_CANDIDATE_QUERIES) >= 64:  # figures change seldom: old shapes are simply forgotten
            _CANDIDATE_QUERIES.clear()
        stmt = _CANDIDATE_QUERIES[shape] = _candidates_query(figures, *shape[5:])
    end = skip + limit  # the page's end in the ranking
    rows = db.session.execute(stmt, {
        "area": unit.area_m2, "gross": vacancy.gross_cold_rent, "available_from": vacancy.available_from,
        "area_id": area_id, "on": on, "advisor_id": advisor_id, "end": end, "near_end": 2 * end, "skip": skip,
        "limit": limit}).all()
    return [Match(applicant, vacancy, rank, evaluate(applicant, vacancy, figures,
                                                     excluded_ids={area_id} if is_excluded else set(),
                                                     preferred_ids={area_id} if pref else set()),
                  preferred_area=bool(pref))
            for rank, (applicant, _failures, pref, is_excluded) in enumerate(rows, start=skip + 1)]


# A household's facts enter its flats' query as parameters where they are values (income, WBS validity, areas);
# the query is built once for each shape (its size and the figures' versions for it, which rules apply) and reused.
INCOME, WBS_VALID_UNTIL = bindparam("income", type_=Numeric(9, 2)), bindparam("wbs_valid_until", type_=Date)
EXCLUDED, PREFERRED = bindparam("excluded", expanding=True), bindparam("preferred", expanding=True)


def vacancy_rules(persons: int, day_column, figure_versions: dict, *, income: str, wbs: bool | None,
                  step_free_needed: bool) -> list:
    """SQL: the five rules for a household of ``persons`` (``income`` "transfer", "income" or "none"; ``wbs`` None
    without a WBS, else whether it covers the household's size; its income, WBS validity and excluded areas as the
    parameters above), each a condition on an open flat that holds when the rule is met; the figures are those of
    the flat's available-from day. The unit's area and access and the building's social area are read from the
    flat's row, where the database keeps them (migration 0016): no unit or building is joined."""
    min_area = _versioned(day_column, figure_versions["min_area"], DEFINITIONS[MIN_AREA_PER_PERSON].seed_value)
    tolerance = _versioned(day_column, figure_versions["tolerance"], DEFINITIONS[SIZE_TOLERANCE].seed_value)
    share = _versioned(day_column, figure_versions["share"], DEFINITIONS[RENT_INCOME_SHARE].seed_value)
    max_area = _versioned(day_column, figure_versions["max_area"], None)
    max_gross = _versioned(day_column, figure_versions["max_gross"], None)
    gross = Vacancy.net_cold_rent + Vacancy.service_charges
    space = and_(Vacancy.area_m2 >= min_area * persons, Vacancy.area_m2 <= max_area + tolerance)
    if income == "transfer":
        rent = gross <= max_gross
    elif income == "income":
        rent = gross <= INCOME * share / 100
    else:
        rent = false()
    if wbs is None:
        wbs_rule = Vacancy.rent_capped.is_(False)
    else:
        wbs_rule = or_(Vacancy.rent_capped.is_(False), and_(literal(wbs), Vacancy.available_from <= WBS_VALID_UNTIL))
    access = Vacancy.is_step_free_reachable.is_(True) if step_free_needed else true()
    # The household's areas are read with it: asked as a list of ids, not as a lookup per flat.
    not_excluded = Vacancy.social_area_id.not_in(EXCLUDED)
    return [space, rent, wbs_rule, access, not_excluded]


_VACANCY_QUERIES: dict[tuple, object] = {}


_NAMED_AREAS = (select(applicant_areas.c.is_excluded, SocialArea.id, SocialArea.name)
                .join(SocialArea, SocialArea.id == applicant_areas.c.social_area_id)
                .where(applicant_areas.c.applicant_id == bindparam("applicant_id")).order_by(SocialArea.id))


@dataclass(frozen=True)
class AreaChoices:
    """A household's excluded and preferred social areas as (id, name) pairs, in the order of their ids."""

    excluded: list[tuple[int, str]]
    preferred: list[tuple[int, str]]

    @classmethod
    def of(cls, applicant_id: int) -> "AreaChoices":
        """Both kinds in one query (the household's relationships read them in one query each)."""
        choices = db.session.execute(_NAMED_AREAS, {"applicant_id": applicant_id}).all()
        return cls([(area_id, name) for is_excluded, area_id, name in choices if is_excluded],
                   [(area_id, name) for is_excluded, area_id, name in choices if not is_excluded])

    @property
    def ids(self) -> tuple[set[int], set[int]]:
        return {area_id for area_id, _name in self.excluded}, {area_id for area_id, _name in self.preferred}


def area_choices(applicant: Applicant) -> tuple[set[int], set[int]]:
    """The ids of the household's excluded and preferred social areas: from its areas when they were loaded with it,
    else read in one query (not one for each kind)."""
    unloaded = inspect(applicant).unloaded
    if "excluded_areas" not in unloaded and "preferred_areas" not in unloaded:
        return {area.id for area in applicant.excluded_areas}, {area.id for area in applicant.preferred_areas}
    choices = db.session.execute(select(applicant_areas.c.social_area_id, applicant_areas.c.is_excluded)
                                 .where(applicant_areas.c.applicant_id == applicant.id)).all()
    return ({area_id for area_id, is_excluded in choices if is_excluded},
            {area_id for area_id, is_excluded in choices if not is_excluded})


def _vacancies_query(persons: int, versions: dict, income: str, wbs: bool | None, step_free_needed: bool,
                     near_misses: bool):
    """The flats' query for households of one shape (see ``vacancies_for``); the household's values and the page
    are its parameters."""
    condition, failures = _filter(vacancy_rules(persons, Vacancy.available_from, versions, income=income, wbs=wbs,
                                                step_free_needed=step_free_needed), near_misses)
    preferred = Vacancy.social_area_id.in_(PREFERRED).label("preferred")
    found = (select(Vacancy.id, failures.label("failures"), preferred, Vacancy.available_from)
             .where(Vacancy.status == VacancyStatus.OPEN, condition)
             .order_by(*([failures] if near_misses else []), preferred.desc(), Vacancy.available_from, Vacancy.id)
             .offset(SKIP).limit(LIMIT).subquery())
    # The flats' rows (with unit and building) are read for the page only, and of the building only its address and
    # social area (what an explanation and a flat's line name); the landlord is named by neither.
    return (select(Vacancy, found.c.failures, found.c.preferred).join(found, found.c.id == Vacancy.id)
            .options(joinedload(Vacancy.unit).joinedload(Unit.building).load_only(
                Property.street, Property.house_number, Property.social_area_id), lazyload(Vacancy.landlord))
            .order_by(found.c.failures, found.c.preferred.desc(), found.c.available_from, found.c.id))


def vacancies_for(applicant: Applicant, *, near_misses: bool = False, limit: int = 50, skip: int = 0,
                  areas: AreaChoices | None = None) -> list[Match]:
    """Open flats for a household, best first (a preferred area first, then the earliest available); with
    ``skip``, the ranks after the first ``skip``; ``areas``: the household's areas when the caller read them."""
    history = FigureHistory.load()
    persons = applicant.persons
    versions = history.versions_for(persons)
    income = "transfer" if applicant.income_source in TRANSFER_INCOMES else \
        "income" if applicant.monthly_income else "none"
    wbs = None if applicant.wbs_valid_until is None else (applicant.wbs_persons or 0) >= persons
    shape = (persons, tuple((key, tuple(versions[key])) for key in sorted(versions)), income, wbs,
             bool(applicant.step_free_needed), near_misses)
    stmt = _VACANCY_QUERIES.get(shape)
    if stmt is None:
        if len(_VACANCY_QUERIES) >= 256:  # figures change seldom: old shapes are simply forgotten
            _VACANCY_QUERIES.clear()
        stmt = _VACANCY_QUERIES[shape] = _vacancies_query(persons, versions, income, wbs,
                                                          bool(applicant.step_free_needed), near_misses)
    excluded, preferred = areas.ids if areas is not None else area_choices(applicant)
    rows = db.session.execute(stmt, {
        "income": applicant.monthly_income, "wbs_valid_until": applicant.wbs_valid_until,
        "excluded": sorted(excluded), "preferred": sorted(preferred), "skip": skip, "limit": limit}).all()
    return [Match(applicant, vacancy, rank, evaluate(applicant, vacancy, history.on_day(vacancy.available_from),
                                                     excluded, preferred), preferred_area=bool(pref))
            for rank, (vacancy, _failures, pref) in enumerate(rows, start=skip + 1)]


# --- the building's tenant mix ---------------------------------------------------------------------------


_TENANT_MIX = (select(Applicant.adults, Applicant.children, func.count())
               .join(Tenancy, Tenancy.applicant_id == Applicant.id).join(Unit, Unit.id == Tenancy.unit_id)
               .where(Unit.property_id == bindparam("property_id"), Tenancy.starts_on <= bindparam("on", type_=Date),
                      or_(Tenancy.ends_on.is_(None), Tenancy.ends_on >= bindparam("on", type_=Date)))
               .group_by(Applicant.adults, Applicant.children))


def tenant_mix(property_id: int, on: date) -> dict[str, int]:
    """Household types of the building's current tenancies (the aim is mixed occupancy)."""
    rows = db.session.execute(_TENANT_MIX, {"property_id": property_id, "on": on}).all()
    mix: dict[str, int] = {}
    for adults, children, count in rows:
        kind = household_type(adults, children)
        mix[kind] = mix.get(kind, 0) + count
    return mix
