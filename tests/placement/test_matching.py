"""Explained matching (DOMAIN.md section 5): the five rules at their edges, in both directions (candidates for a
flat, flats for a household), the SQL filter and the Python explanation agreeing, ranking, near misses, the
tenant mix, and a candidate query whose cost does not grow with the number of households."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from housing.extensions import db
from housing.placement import matching, services
from housing.placement.models import Applicant, ConsentPurpose, Tenancy, Vacancy, valid_consent_clause
from housing.properties.models import Property, SocialArea, Unit
from housing.rules.registry import MIN_AREA_PER_PERSON, RENT_INCOME_SHARE, SIZE_PER_EXTRA_PERSON, SIZE_TOLERANCE
from housing.rules.services import add_kdu_version, add_version, kdu_table, rule_value

from .conftest import TODAY, accept_and_sign, failed_rules, plain, rules_of

D = Decimal
ALL = 200  # a limit above every list in these tests


# --- helpers: one household and one flat, looked at from both sides -----------------------------------------


def candidate_ids(vacancy, near=False):
    return [m.applicant.id for m in matching.candidates(vacancy, near_misses=near, limit=ALL, on=TODAY)]


def flat_ids(applicant, near=False):
    return [m.vacancy.id for m in matching.vacancies_for(applicant, near_misses=near, limit=ALL)]


def match_of(matches, obj):
    for m in matches:
        if (m.applicant if hasattr(obj, "adults") else m.vacancy).id == obj.id:
            return m
    return None


def assert_both_directions(household, flat, fails=None):
    """The pair is eligible (``fails=None``) or fails exactly the rule ``fails``: in the Python explanation, in
    the SQL of the candidates for the flat and in the SQL of the flats for the household; a one-rule failure is
    a near miss on both sides, with ``eligible`` false."""
    assert failed_rules(household, flat) == ([] if fails is None else [fails])
    eligible = fails is None
    assert (household.id in candidate_ids(flat)) is eligible
    assert (flat.id in flat_ids(household)) is eligible
    near_candidate = match_of(matching.candidates(flat, near_misses=True, limit=ALL, on=TODAY), household)
    near_flat = match_of(matching.vacancies_for(household, near_misses=True, limit=ALL), flat)
    assert near_candidate is not None and near_flat is not None
    assert near_candidate.eligible is eligible and near_flat.eligible is eligible
    expected_failures = [] if eligible else [fails]
    assert [r.rule for r in near_candidate.failed] == [r.rule for r in near_flat.failed] == expected_failures
    # the explanation does not depend on the direction it was asked from
    assert rules_of(near_candidate.rules) == rules_of(near_flat.rules)
    return rules_of(near_candidate.rules)


# --- 1. space: minimum 10 m² per person, at most the appropriate size + 5 m² --------------------------------


@pytest.mark.parametrize("area, fails, shown", [
    ("50", None, "50 m²"),
    ("55", None, "55 m²"),
    ("55.01", "space", "55,01 m²"),
])
def test_one_person_fits_up_to_50_m2_plus_5_m2_tolerance_and_not_a_hundredth_more(make_household, make_flat,
                                                                                    area, fails, shown):
    household = make_household((1, 0))
    flat = make_flat(area=area, net="300", charges="100")

    rules = assert_both_directions(household, flat, fails)

    passed, detail = rules["space"]
    assert passed is (fails is None)
    assert detail == (f"{shown} für 1 Person: mindestens 10 m² (10 m² je Person), höchstens 55 m² "
                      "(angemessen 50 m² + 5 m² Toleranz).")


@pytest.mark.parametrize("area, fails", [("29.97", "space"), ("30", None)])
def test_less_than_10_m2_per_person_fails_the_minimum(make_household, make_flat, area, fails):
    household = make_household((2, 1))  # 3 persons: 30 m² at least, 80 + 5 m² at most
    flat = make_flat(area=area, net="400", charges="100")

    rules = assert_both_directions(household, flat, fails)

    assert "mindestens 30 m² (10 m² je Person)" in rules["space"][1]
    assert rules["space"][1].startswith(("29,97 m²" if fails else "30 m²") + " für 3 Personen")


def test_the_appropriate_size_grows_with_the_household(make_household, make_flat):
    family = make_household((2, 2))  # 4 persons: 95 m² appropriate, 100 m² with tolerance
    fits, too_big = make_flat(area="100", net="600", charges="200"), make_flat(area="100.5", net="600", charges="200")

    assert_both_directions(family, fits)
    rules = assert_both_directions(family, too_big, "space")
    assert "höchstens 100 m² (angemessen 95 m² + 5 m² Toleranz)" in rules["space"][1]


def test_households_beyond_the_kdu_table_get_15_m2_more_per_person_and_the_largest_rent_limit(make_household,
                                                                                              make_flat):
    household = make_household((4, 3))  # 7 persons: 125 + 15 = 140 m² appropriate, 1,300 € as for six
    fits = make_flat(area="145", net="1000", charges="300")
    too_big = make_flat(area="145.01", net="1000", charges="300")
    too_dear = make_flat(area="140", net="1000", charges="300.01")

    rules = assert_both_directions(household, fits)
    assert "höchstens 145 m² (angemessen 140 m² + 5 m² Toleranz)" in rules["space"][1]
    assert "KdU-Grenze für 7 Personen: 1.300,00 €" in rules["rent"][1]
    assert_both_directions(household, too_big, "space")
    assert_both_directions(household, too_dear, "rent")


def test_a_new_area_per_further_person_applies_from_its_day_on_in_both_directions(make_household, make_flat,
                                                                                   advisor):
    """The flats for a household rank by figures versioned by the available-from day: the area per person beyond
    the KdU table is such a figure, also when it changes on a day the KdU table does not."""
    switch = TODAY + timedelta(days=30)
    add_version(SIZE_PER_EXTRA_PERSON, switch, D("10"), actor=advisor)
    household = make_household((4, 3))  # 7 persons: 125 + 15 = 140 m², from the switch on 125 + 10 = 135 m²
    day_before = make_flat(area="145", net="1000", charges="300", available_from=switch - timedelta(days=1))
    on_the_day = make_flat(area="145", net="1000", charges="300", available_from=switch)

    assert_both_directions(household, day_before)
    rules = assert_both_directions(household, on_the_day, "space")
    assert "höchstens 140 m² (angemessen 135 m² + 5 m² Toleranz)" in rules["space"][1]


# --- 2. rent: the KdU limit on the available-from day, or a share of the income -------------------------------


@pytest.mark.parametrize("income", ["sgb2", "sgb12"])
@pytest.mark.parametrize("net, fails, shown_net, gross", [("380", None, "380,00 €", "530,00 €"),
                                                          ("380.01", "rent", "380,01 €", "530,01 €")])
def test_a_transfer_household_of_one_may_pay_530_euros_gross_cold_and_not_a_cent_more(make_household, make_flat,
                                                                                       income, net, fails,
                                                                                       shown_net, gross):
    household = make_household((1, 0), income=income)
    flat = make_flat(area="45", net=net, charges="150")

    rules = assert_both_directions(household, flat, fails)

    passed, detail = rules["rent"]
    assert passed is (fails is None)
    assert detail == (f"Bruttokaltmiete {gross} ({shown_net} "
                      "netto kalt + 150,00 € Nebenkosten); KdU-Grenze für 1 Person: 530,00 € (gültig ab 01.08.2023).")


@pytest.mark.parametrize("persons, limit", [((1, 1), "650"), ((2, 1), "800"), ((2, 2), "950"), ((3, 2), "1220"),
                                            ((3, 3), "1300")])
def test_the_seeded_kdu_limits_hold_for_every_household_size(make_household, make_flat, persons, limit):
    household = make_household(persons)
    size = sum(persons) * 15 + 10  # between the minimum and the appropriate size for every size here
    at_limit = make_flat(area=str(size), net=str(D(limit) - 200), charges="200")
    above = make_flat(area=str(size), net=str(D(limit) - 200), charges="200.01")

    assert_both_directions(household, at_limit)
    assert_both_directions(household, above, "rent")


def test_a_new_kdu_version_applies_from_its_day_on_and_the_old_one_the_day_before(make_household, make_flat,
                                                                                   advisor):
    switch = TODAY + timedelta(days=30)
    add_kdu_version(switch, [{"persons": 1, "max_gross_cold_rent": D("500"), "max_area_m2": D("45")}], actor=advisor)
    household = make_household((1, 0))
    day_before = make_flat(area="40", net="370", charges="150", available_from=switch - timedelta(days=1))
    on_the_day = make_flat(area="40", net="370", charges="150", available_from=switch)

    old = assert_both_directions(household, day_before)
    new = assert_both_directions(household, on_the_day, "rent")

    assert "KdU-Grenze für 1 Person: 530,00 € (gültig ab 01.08.2023)" in old["rent"][1]
    assert "KdU-Grenze für 1 Person: 500,00 € (gültig ab 17.04.2026)" in new["rent"][1]
    assert "Bruttokaltmiete 520,00 €" in new["rent"][1]


def test_a_new_kdu_version_also_changes_the_appropriate_size_from_its_day_on(make_household, make_flat, advisor):
    switch = TODAY + timedelta(days=30)
    add_kdu_version(switch, [{"persons": 1, "max_gross_cold_rent": D("560"), "max_area_m2": D("45")}], actor=advisor)
    household = make_household((1, 0))
    day_before = make_flat(area="52", net="300", charges="100", available_from=switch - timedelta(days=1))
    on_the_day = make_flat(area="52", net="300", charges="100", available_from=switch)

    assert_both_directions(household, day_before)
    rules = assert_both_directions(household, on_the_day, "space")
    assert "höchstens 50 m² (angemessen 45 m² + 5 m² Toleranz)" in rules["space"][1]


def test_a_new_kdu_version_for_one_size_keeps_the_other_sizes_of_the_older_table(make_household, make_flat,
                                                                                 advisor):
    add_kdu_version(TODAY - timedelta(days=1), [{"persons": 1, "max_gross_cold_rent": D("560"),
                                                 "max_area_m2": D("50")}], actor=advisor)
    couple = make_household((2, 0))
    flat = make_flat(area="60", net="500", charges="150.01")

    rules = assert_both_directions(couple, flat, "rent")
    assert "KdU-Grenze für 2 Personen: 650,00 € (gültig ab 01.08.2023)" in rules["rent"][1]


@pytest.mark.parametrize("charges, fails", [("200", None), ("200.01", "rent")])
def test_a_household_without_transfer_income_may_pay_35_percent_of_its_income(make_household, make_flat,
                                                                              charges, fails):
    household = make_household((1, 0), income="employed", monthly_income=D("2000"))
    flat = make_flat(area="50", net="500", charges=charges)  # 700.00 € is 35 % of 2,000 €

    rules = assert_both_directions(household, flat, fails)

    assert rules["rent"][1] == (f"Bruttokaltmiete {'700,00' if fails is None else '700,01'} €; höchstens 35 % des "
                                "Einkommens von 2.000,00 € = 700,00 €.")


def test_the_kdu_limit_does_not_apply_to_a_household_with_its_own_income(make_household, make_flat):
    household = make_household((1, 0), income="other", monthly_income=D("3000"))
    flat = make_flat(area="50", net="700", charges="150")  # far above 530 €, well below 35 % of 3,000 €

    rules = assert_both_directions(household, flat)
    assert "KdU" not in rules["rent"][1]


def test_without_an_income_the_rent_of_a_non_transfer_household_cannot_be_checked(make_household, make_flat):
    household = make_household((1, 0), income="employed")
    flat = make_flat(area="50", net="100", charges="50")

    rules = assert_both_directions(household, flat, "rent")
    assert rules["rent"][1] == "Ohne Angabe zum Einkommen lässt sich die Miete nicht prüfen."


def test_the_income_share_is_checked_alike_in_sql_and_in_the_explanation_when_it_has_fractions_of_a_cent(
        make_household, make_flat):
    household = make_household((1, 0), income="employed", monthly_income=D("1000.10"))
    flat = make_flat(area="50", net="300.04", charges="50")  # 350.04 € > 350.035 € = 35 % of 1,000.10 €

    explained_eligible = not failed_rules(household, flat)

    assert (household.id in candidate_ids(flat)) is explained_eligible
    assert (flat.id in flat_ids(household)) is explained_eligible


# --- 3. WBS: a rent-capped flat needs a WBS valid on the available-from day, for the whole household ---------


@pytest.fixture
def capped_flat(make_flat):
    """A rent-capped flat (7.25 €/m², 50 m²: at most 362.50 € net) free from ten days on."""
    return make_flat(area="50", net="300", charges="100", rent_capped=True, rent_cap_per_m2=D("7.25"),
                     available_from=TODAY + timedelta(days=10))


@pytest.mark.parametrize("days, fails", [(9, "wbs"), (10, None), (300, None)])
def test_a_wbs_must_still_be_valid_on_the_day_the_flat_is_available(make_household, capped_flat, days, fails):
    household = make_household((1, 0), wbs_valid_until=TODAY + timedelta(days=days), wbs_persons=1)

    rules = assert_both_directions(household, capped_flat, fails)

    until = (TODAY + timedelta(days=days)).strftime("%d.%m.%Y")
    assert rules["wbs"][1] == f"WBS für 1 Person, gültig bis {until}; nötig ab 28.03.2026 für 1 Person."


def test_a_wbs_for_fewer_persons_than_the_household_does_not_cover_it(make_household, capped_flat):
    household = make_household((2, 0), wbs_valid_until=TODAY + timedelta(days=300), wbs_persons=1)
    covered = make_household((2, 0), wbs_valid_until=TODAY + timedelta(days=300), wbs_persons=2)

    rules = assert_both_directions(household, capped_flat, "wbs")
    assert "WBS für 1 Person" in rules["wbs"][1] and "für 2 Personen." in rules["wbs"][1]
    assert_both_directions(covered, capped_flat)


def test_a_rent_capped_flat_needs_a_wbs_and_an_ordinary_flat_does_not(make_household, capped_flat, make_flat):
    household = make_household((1, 0))
    ordinary = make_flat(area="50", net="300", charges="100")

    rules = assert_both_directions(household, capped_flat, "wbs")
    assert rules["wbs"][1] == "Die Wohnung ist preisgebunden; ein WBS liegt nicht vor."
    rules = assert_both_directions(household, ordinary)
    assert rules["wbs"][1] == "Kein Wohnberechtigungsschein nötig."


# --- 4. access: a step-free need wants a step-free flat on the ground floor or with a lift ----------------------


@pytest.mark.parametrize("step_free, floor, lift, fails, detail", [
    (True, 0, False, None, "Wohnung stufenlos, Erdgeschoss, ohne Aufzug."),
    (True, 3, True, None, "Wohnung stufenlos, 3. OG, mit Aufzug."),
    (True, 3, False, "access", "Wohnung stufenlos, 3. OG, ohne Aufzug."),
    (False, 0, False, "access", "Wohnung nicht stufenlos, Erdgeschoss, ohne Aufzug."),
    (False, 2, True, "access", "Wohnung nicht stufenlos, 2. OG, mit Aufzug."),
])
def test_a_step_free_need_wants_a_step_free_flat_on_the_ground_floor_or_with_a_lift(make_household, make_flat,
                                                                                    step_free, floor, lift,
                                                                                    fails, detail):
    household = make_household((1, 0), step_free_needed=True)
    flat = make_flat(area="50", net="300", charges="100", step_free=step_free, floor=floor, lift=lift)

    rules = assert_both_directions(household, flat, fails)

    assert rules["access"][1] == "Stufenloser Zugang nötig: " + detail


def test_a_household_without_a_step_free_need_takes_any_floor(make_household, make_flat):
    household = make_household((1, 0))
    flat = make_flat(area="50", net="300", charges="100", floor=4, step_free=False, lift=False)

    rules = assert_both_directions(household, flat)
    assert rules["access"][1] == "Kein stufenloser Zugang nötig."


# --- 5. areas: an excluded one rules out, a preferred one ranks higher --------------------------------------------


def test_an_excluded_social_area_rules_the_flat_out(make_household, make_flat):
    household = make_household((1, 0), excluded_areas=["hafen"])
    in_hafen = make_flat(area="50", net="300", charges="100", street="Westerbleichstraße", social_area="hafen")
    elsewhere = make_flat(area="50", net="300", charges="100")

    rules = assert_both_directions(household, in_hafen, "area")
    assert rules["area"][1] == "Hafen ist ausgeschlossen."
    rules = assert_both_directions(household, elsewhere)
    assert rules["area"][1] == "Nordmarkt ist nicht ausgeschlossen."


def test_a_preferred_social_area_ranks_a_household_above_one_that_waits_longer(make_household, make_flat):
    waiting_longer = make_household((1, 0), registered_on=TODAY - timedelta(days=300))
    prefers = make_household((1, 0), registered_on=TODAY - timedelta(days=10), preferred_areas=["nordmarkt"])
    flat = make_flat(area="50", net="300", charges="100")

    matches = matching.candidates(flat, limit=ALL, on=TODAY)

    assert [m.applicant.id for m in matches] == [prefers.id, waiting_longer.id]
    assert [m.rank for m in matches] == [1, 2]
    assert [m.preferred_area for m in matches] == [True, False]
    assert rules_of(matches[0].rules)["area"] == (True, "Nordmarkt ist ein Wunschgebiet.")


def test_a_flat_in_a_preferred_area_ranks_above_one_available_earlier(make_household, make_flat):
    household = make_household((1, 0), preferred_areas=["hafen"])
    earlier = make_flat(area="50", net="300", charges="100")
    preferred = make_flat(area="50", net="300", charges="100", street="Westerbleichstraße", social_area="hafen",
                          available_from=TODAY + timedelta(days=20))
    later = make_flat(area="50", net="300", charges="100", available_from=TODAY + timedelta(days=5))

    matches = matching.vacancies_for(household, limit=ALL)

    assert [m.vacancy.id for m in matches] == [preferred.id, earlier.id, later.id]
    assert [m.rank for m in matches] == [1, 2, 3]
    assert [m.preferred_area for m in matches] == [True, False, False]


# --- ranking ----------------------------------------------------------------------------------------------------


def test_candidates_rank_by_urgency_then_preferred_area_then_earlier_registration(make_household, make_flat):
    def waiting(days, **fields):
        return make_household((1, 0), registered_on=TODAY - timedelta(days=days), **fields)

    normal_longest = waiting(400, preferred_areas=["nordmarkt"])
    high_early = waiting(300, urgency="high")
    high_preferred = waiting(20, urgency="high", preferred_areas=["nordmarkt"])
    emergency_new = waiting(1, urgency="emergency")
    high_later = waiting(200, urgency="high")
    flat = make_flat(area="50", net="300", charges="100")

    matches = matching.candidates(flat, limit=ALL, on=TODAY)

    assert [m.applicant.id for m in matches] == [emergency_new.id, high_preferred.id, high_early.id, high_later.id,
                                                 normal_longest.id]
    assert [m.rank for m in matches] == [1, 2, 3, 4, 5]


def test_a_changed_urgency_changes_the_ranking(make_household, make_flat, advisor):
    first = make_household((1, 0), registered_on=TODAY - timedelta(days=100))
    second = make_household((1, 0), registered_on=TODAY - timedelta(days=50))
    flat = make_flat(area="50", net="300", charges="100")
    assert candidate_ids(flat) == [first.id, second.id]

    services.update_applicant(second, {"urgency": "emergency"}, actor=advisor)
    db.session.commit()

    assert candidate_ids(flat) == [second.id, first.id]


def test_the_limit_keeps_the_best_ranked(make_household, make_flat):
    households = [make_household((1, 0), registered_on=TODAY - timedelta(days=100 - n)) for n in range(5)]
    flat = make_flat(area="50", net="300", charges="100")

    matches = matching.candidates(flat, limit=2, on=TODAY)

    assert [m.applicant.id for m in matches] == [households[0].id, households[1].id]


# --- who is a candidate at all ----------------------------------------------------------------------------------


def test_only_searching_households_with_a_valid_placement_consent_are_candidates(make_household, make_flat,
                                                                                 advisor):
    def single(**fields):
        return make_household((1, 0), **fields)

    searching = single()
    registered, clearing = single(status="registered"), single(status="clearing")
    with_offer = single()
    services.propose(with_offer, make_flat(area="50", net="300", charges="100"), actor=advisor)
    expired = single()
    expired.consents[0].expires_on = TODAY - timedelta(days=1)
    expires_today = single()
    expires_today.consents[0].expires_on = TODAY
    revoked = single()
    services.revoke_consent(revoked.consents[0], actor=advisor)
    revoked_tomorrow = single()
    revoked_tomorrow.consents[0].revoked_on = TODAY + timedelta(days=1)  # e.g. an imported record
    not_yet = single()
    not_yet.consents[0].given_on = TODAY + timedelta(days=1)
    other_purpose = single()
    services.revoke_consent(other_purpose.consents[0], actor=advisor)
    services.add_consent(other_purpose, {"purpose": "share_with_landlord", "given_on": TODAY}, actor=advisor)
    db.session.commit()
    flat = make_flat(area="50", net="300", charges="100")

    expected = {searching.id, expires_today.id, revoked_tomorrow.id}
    assert set(candidate_ids(flat)) == expected
    assert set(candidate_ids(flat, near=True)) == expected
    assert {registered.id, clearing.id, with_offer.id}.isdisjoint(candidate_ids(flat, near=True))
    # the SQL clause and the model's own check agree on every one of them
    in_sql = set(db.session.scalars(select(Applicant.id).where(valid_consent_clause(ConsentPurpose.PLACEMENT,
                                                                                    TODAY))))
    in_python = {a.id for a in db.session.scalars(select(Applicant))
                 if a.has_consent(ConsentPurpose.PLACEMENT, TODAY)}
    assert in_sql == in_python
    assert {expired.id, revoked.id, not_yet.id, other_purpose.id}.isdisjoint(in_sql)


def test_flats_for_a_household_are_only_open_ones(make_household, make_flat, advisor):
    household = make_household((1, 0))
    other = make_household((1, 0))
    open_flat = make_flat(area="50", net="300", charges="100")
    reserved = make_flat(area="50", net="300", charges="100")
    services.transition_offer(services.propose(other, reserved, actor=advisor), "accepted", actor=advisor)
    withdrawn = make_flat(area="50", net="300", charges="100")
    services.withdraw_vacancy(withdrawn, actor=advisor, reason="Eigenbedarf")
    db.session.commit()

    assert flat_ids(household) == [open_flat.id]
    assert flat_ids(household, near=True) == [open_flat.id]


# --- near misses ------------------------------------------------------------------------------------------------


def test_near_misses_add_exactly_the_households_failing_one_rule_after_the_eligible_ones(make_household,
                                                                                          make_flat):
    eligible = make_household((1, 0), registered_on=TODAY - timedelta(days=1))
    rent_miss = make_household((1, 0), income="employed", monthly_income=D("1000"), urgency="emergency",
                               registered_on=TODAY - timedelta(days=500))  # 35 % of 1,000 € < 530 €
    area_miss = make_household((1, 0), excluded_areas=["nordmarkt"], urgency="high")
    two_misses = make_household((1, 0), urgency="emergency", excluded_areas=["nordmarkt"], step_free_needed=True)
    flat = make_flat(area="50", net="380", charges="150")

    strict = matching.candidates(flat, limit=ALL, on=TODAY)
    near = matching.candidates(flat, near_misses=True, limit=ALL, on=TODAY)

    assert [m.applicant.id for m in strict] == [eligible.id]
    assert [m.applicant.id for m in near] == [eligible.id, rent_miss.id, area_miss.id]
    assert [m.eligible for m in near] == [True, False, False]
    assert [[r.rule for r in m.failed] for m in near] == [[], ["rent"], ["area"]]
    assert two_misses.id not in {m.applicant.id for m in near}
    assert [m.rank for m in near] == [1, 2, 3]


def test_near_miss_flats_come_after_the_eligible_ones_and_two_failures_are_left_out(make_household, make_flat):
    household = make_household((1, 0))
    eligible = make_flat(area="50", net="300", charges="100", available_from=TODAY + timedelta(days=30))
    too_dear = make_flat(area="50", net="500", charges="100")
    too_big = make_flat(area="60", net="300", charges="100", available_from=TODAY + timedelta(days=1))
    both = make_flat(area="60", net="500", charges="100")

    strict = matching.vacancies_for(household, limit=ALL)
    near = matching.vacancies_for(household, near_misses=True, limit=ALL)

    assert [m.vacancy.id for m in strict] == [eligible.id]
    assert [m.vacancy.id for m in near] == [eligible.id, too_dear.id, too_big.id]
    assert [m.eligible for m in near] == [True, False, False]
    assert [[r.rule for r in m.failed] for m in near] == [[], ["rent"], ["space"]]
    assert both.id not in {m.vacancy.id for m in near}


def test_sql_and_python_agree_over_a_mixed_population_in_both_directions(make_household, make_flat):
    """Every pair of a varied set of households and flats: listed (strict / near) exactly as the explanation says."""
    households = [
        make_household((1, 0)),
        make_household((2, 1), urgency="high", wbs_valid_until=TODAY + timedelta(days=20), wbs_persons=3),
        make_household((1, 2), step_free_needed=True, excluded_areas=["hafen"]),
        make_household((2, 0), income="employed", monthly_income=D("1800")),
        make_household((4, 3), preferred_areas=["hafen"], wbs_valid_until=TODAY + timedelta(days=400), wbs_persons=6),
        make_household((1, 0), income="sgb12", wbs_valid_until=TODAY + timedelta(days=5), wbs_persons=1),
    ]
    flats = [
        make_flat(area="48.5", net="330", charges="120", floor=0, step_free=True, rent_capped=True,
                  rent_cap_per_m2=D("7.25"), street="Burgholzstraße", social_area="borsigplatz"),
        make_flat(area="62", net="410", charges="150", floor=2),
        make_flat(area="79", net="560", charges="210", floor=1, lift=True, step_free=True, rent_capped=True,
                  rent_cap_per_m2=D("7.25"), street="Westerbleichstraße", social_area="hafen",
                  available_from=TODAY + timedelta(days=14)),
        make_flat(area="140", net="990", charges="300", floor=0, step_free=True, street="Alsenstraße",
                  social_area="borsigplatz"),
        make_flat(area="38", net="290", charges="95", floor=0, step_free=True, lift=True,
                  street="Gneisenaustraße", social_area="hafen", available_from=TODAY - timedelta(days=3)),
    ]
    failures = {(h.id, f.id): failed_rules(h, f) for h in households for f in flats}

    for flat in flats:
        near = matching.candidates(flat, near_misses=True, limit=ALL, on=TODAY)
        assert set(candidate_ids(flat)) == {h.id for h in households if not failures[h.id, flat.id]}
        assert {m.applicant.id for m in near} == {h.id for h in households if len(failures[h.id, flat.id]) <= 1}
        assert all(m.eligible is (not failures[m.applicant.id, flat.id]) for m in near)
        assert [m.eligible for m in near] == sorted((m.eligible for m in near), reverse=True)
    for household in households:
        near = matching.vacancies_for(household, near_misses=True, limit=ALL)
        assert set(flat_ids(household)) == {f.id for f in flats if not failures[household.id, f.id]}
        assert {m.vacancy.id for m in near} == {f.id for f in flats if len(failures[household.id, f.id]) <= 1}
        assert all(m.eligible is (not failures[household.id, m.vacancy.id]) for m in near)
        assert [m.eligible for m in near] == sorted((m.eligible for m in near), reverse=True)
    assert any(not f for f in failures.values()) and any(len(f) == 1 for f in failures.values())


# --- the explanation: five rules, each with its values ------------------------------------------------------------


def test_every_rule_is_explained_with_the_values_it_was_decided_on(make_household, make_flat):
    household = make_household((2, 1), wbs_valid_until=TODAY + timedelta(days=5), wbs_persons=2,
                               step_free_needed=True, excluded_areas=["hafen"])
    flat = make_flat(area="85.5", net="700", charges="150.5", rent_capped=True, rent_cap_per_m2=D("9"), floor=2,
                     street="Westerbleichstraße", social_area="hafen", available_from=TODAY + timedelta(days=10))

    results = matching.evaluate(household, flat)

    assert [r.rule for r in results] == list(matching.RULES)
    assert [(r.passed, plain(r.detail)) for r in results] == [
        (False, "85,50 m² für 3 Personen: mindestens 30 m² (10 m² je Person), höchstens 85 m² "
                "(angemessen 80 m² + 5 m² Toleranz)."),
        (False, "Bruttokaltmiete 850,50 € (700,00 € netto kalt + 150,50 € Nebenkosten); KdU-Grenze für 3 Personen: "
                "800,00 € (gültig ab 01.08.2023)."),
        (False, "WBS für 2 Personen, gültig bis 23.03.2026; nötig ab 28.03.2026 für 3 Personen."),
        (False, "Stufenloser Zugang nötig: Wohnung nicht stufenlos, 2. OG, ohne Aufzug."),
        (False, "Hafen ist ausgeschlossen."),
    ]
    assert household.id not in candidate_ids(flat, near=True)
    assert flat.id not in flat_ids(household, near=True)


def test_a_flat_available_before_any_kdu_table_fails_space_and_rent_with_a_reason(make_household, make_flat):
    household = make_household((1, 0))
    flat = make_flat(area="50", net="300", charges="100", available_from=TODAY.replace(year=2023, month=7, day=31))

    rules = rules_of(matching.evaluate(household, flat))

    assert rules["space"] == (False, "Es gibt keine KdU-Tabelle für den 31.07.2023, ab dem die Wohnung frei ist.")
    assert rules["rent"] == (False, "Es gibt keine KdU-Tabelle für den 31.07.2023, ab dem die Wohnung frei ist.")
    assert household.id not in candidate_ids(flat, near=True)
    assert flat.id not in flat_ids(household, near=True)


# --- the building's tenant mix --------------------------------------------------------------------------------


def test_tenant_mix_counts_household_types_of_current_tenancies_only(make_household, make_flat, advisor):
    def let(persons, area, **flat_fields):
        household = make_household(persons)
        flat = make_flat(area=area, net="300", charges="100", **flat_fields)
        accept_and_sign(services.propose(household, flat, actor=advisor), advisor,
                        starts_on=TODAY - timedelta(days=30))
        return db.session.scalar(select(Tenancy).where(Tenancy.applicant_id == household.id)), flat

    _single, flat = let((1, 0), "45")
    let((2, 2), "90")
    let((1, 2), "70")
    let((2, 0), "60")
    ended, _flat = let((3, 0), "80")
    ended.ends_on = TODAY - timedelta(days=1)
    future_household = make_household((1, 1))
    accept_and_sign(services.propose(future_household, make_flat(area="55", net="300", charges="100"),
                                     actor=advisor), advisor, starts_on=TODAY + timedelta(days=10))
    let((1, 0), "45", street="Mallinckrodtstraße", house_number="98")  # another building
    db.session.commit()

    building = flat.unit.property_id
    now = {"alleinstehend": 1, "Familie mit Kindern": 1, "alleinerziehend": 1, "Paar / zwei Erwachsene": 1}

    assert matching.tenant_mix(building, TODAY) == now
    assert matching.tenant_mix(building, TODAY - timedelta(days=1)) == {**now, "Mehrpersonenhaushalt": 1}
    assert matching.tenant_mix(building, TODAY + timedelta(days=10)) == {**now, "alleinerziehend": 2}
    assert matching.tenant_mix(building, TODAY - timedelta(days=31)) == {}


@pytest.mark.parametrize("adults, children, kind", [
    (1, 0, "alleinstehend"), (2, 0, "Paar / zwei Erwachsene"), (3, 0, "Mehrpersonenhaushalt"),
    (1, 1, "alleinerziehend"), (2, 3, "Familie mit Kindern"), (0, 2, "alleinerziehend"),
])
def test_household_types_of_the_tenant_mix(adults, children, kind):
    from housing.placement.models import household_type

    assert household_type(adults, children) == kind


# --- cost: the database filters and ranks, Python explains only the page -------------------------------------


def _reload(obj):
    return db.session.get(type(obj), obj.id)


def _statements_for_candidates(count_queries, flat, **kwargs):
    """Statements of one candidate search, from a clean identity map (as in a request)."""
    db.session.commit()
    db.session.expunge_all()
    flat = _reload(flat)
    with count_queries() as statements:
        matches = matching.candidates(flat, on=TODAY, **kwargs)
    return len(statements), matches


def test_the_candidate_query_does_not_grow_with_the_number_of_households(make_household, make_flat, count_queries):
    flat = make_flat(area="75", net="500", charges="150")
    for n in range(5):
        make_household((2, n % 3), preferred_areas=["nordmarkt"] if n % 2 else [],
                       excluded_areas=["hafen"] if n % 3 else [])
    few, matches_few = _statements_for_candidates(count_queries, flat, near_misses=True)
    for n in range(55):
        make_household((2, n % 3), urgency=["normal", "high", "emergency"][n % 3],
                       preferred_areas=["nordmarkt"] if n % 2 else [], excluded_areas=["hafen"] if n % 3 else [])
    many, matches_many = _statements_for_candidates(count_queries, flat, near_misses=True)

    assert len(matches_few) == 5
    assert len(matches_many) == 50  # the page, not every household
    assert many == few


def test_the_candidate_query_does_not_grow_with_households_beyond_the_kdu_table(make_household, make_flat,
                                                                                count_queries):
    flat = make_flat(area="140", net="1000", charges="300")
    for _ in range(3):
        make_household((4, 3))
    few, matches_few = _statements_for_candidates(count_queries, flat)
    for _ in range(17):
        make_household((4, 3))
    many, matches_many = _statements_for_candidates(count_queries, flat)

    assert (len(matches_few), len(matches_many)) == (3, 20)
    assert many == few


def test_the_flats_for_a_household_do_not_cost_queries_per_flat(make_household, make_flat, count_queries):
    household = make_household((1, 0))
    for n in range(3):
        make_flat(area="50", net="300", charges="100", street=f"Heroldstraße {n}")
    db.session.expunge_all()
    reloaded = _reload(household)
    with count_queries() as statements:
        few = matching.vacancies_for(reloaded)
    few_count = len(statements)
    for n in range(3, 20):
        make_flat(area="50", net="300", charges="100", street=f"Heroldstraße {n}")
    db.session.expunge_all()
    reloaded = _reload(household)
    with count_queries() as statements:
        many = matching.vacancies_for(reloaded)

    assert (len(few), len(many)) == (3, 20)
    assert len(statements) == few_count


def test_the_flats_for_a_household_cost_the_same_queries_whatever_days_they_are_available(
        make_household, make_flat, advisor, count_queries):
    """Each flat is explained with the figures of its own available-from day; the figures' versions are read once,
    not once per day."""
    add_kdu_version(TODAY + timedelta(days=5), [{"persons": 1, "max_gross_cold_rent": D("560"),
                                                 "max_area_m2": D("52")}], actor=advisor)
    add_version(MIN_AREA_PER_PERSON, TODAY + timedelta(days=8), D("11"), actor=advisor)
    db.session.commit()
    household = make_household((1, 0))

    def statements_for_flats():
        db.session.expunge_all()
        reloaded = _reload(household)
        with count_queries() as statements:
            matches = matching.vacancies_for(reloaded)
        return len(statements), matches

    for n in range(3):
        make_flat(area="50", net="300", charges="100", available_from=TODAY + timedelta(days=n))
    few, matches_few = statements_for_flats()
    for n in range(3, 20):
        make_flat(area="50", net="300", charges="100", available_from=TODAY + timedelta(days=n))
    many, matches_many = statements_for_flats()

    assert (len(matches_few), len(matches_many)) == (3, 20)
    assert many == few
    assert {plain(m.rules[0].detail) for m in matches_many} == {
        "50 m² für 1 Person: mindestens 10 m² (10 m² je Person), höchstens 55 m² (angemessen 50 m² + 5 m² "
        "Toleranz).", "50 m² für 1 Person: mindestens 10 m² (10 m² je Person), höchstens 57 m² (angemessen "
        "52 m² + 5 m² Toleranz).", "50 m² für 1 Person: mindestens 11 m² (11 m² je Person), höchstens 57 m² "
        "(angemessen 52 m² + 5 m² Toleranz)."}


def _kept_facts() -> dict:
    """Each flat's matching facts as the database keeps them on its row, and as its unit and building give them."""
    db.session.flush()
    kept = {vacancy_id: (area, bool(reachable), area_id) for vacancy_id, area, reachable, area_id in db.session.execute(
        select(Vacancy.id, Vacancy.area_m2, Vacancy.is_step_free_reachable, Vacancy.social_area_id))}
    given = {vacancy_id: (area, bool(step_free) and (floor == 0 or bool(lift)), area_id)
             for vacancy_id, area, step_free, floor, lift, area_id in db.session.execute(
                 select(Vacancy.id, Unit.area_m2, Unit.step_free, Unit.floor, Unit.lift, Property.social_area_id)
                 .join(Unit, Unit.id == Vacancy.unit_id).join(Property, Property.id == Unit.property_id))}
    return {"kept": kept, "given": given}


def test_a_flats_matching_facts_follow_its_unit_and_building(make_household, make_flat):
    """A household's flats are ranked from the facts the database keeps on each flat's row (migration 0016): after
    every kind of change of a flat, its unit or its building they equal what the unit and the building say, and a
    household's flats follow."""
    household = make_household((1, 0), step_free_needed=True, excluded_areas=["hafen"])
    flats = [make_flat(area="50", net="300", charges="100", floor=0, step_free=True, street=f"Heroldstraße {n}")
             for n in range(3)]
    facts = _kept_facts()
    assert facts["kept"] == facts["given"] and set(flat_ids(household)) == {flat.id for flat in flats}

    units = [flat.unit for flat in flats]
    units[0].area_m2 = D("80")                                              # too large for one person
    units[1].floor, units[1].lift = 2, False                                # no longer reachable step-free
    facts = _kept_facts()
    assert facts["kept"] == facts["given"] and flat_ids(household) == [flats[2].id]

    units[1].lift = True                                                    # a lift is built
    hafen = db.session.scalar(select(SocialArea).where(SocialArea.slug == "hafen"))
    units[2].building.social_area_id = hafen.id                            # the building's area corrected
    facts = _kept_facts()
    assert facts["kept"] == facts["given"] and flat_ids(household) == [flats[1].id]

    units[1].property_id = units[2].property_id                            # a unit moved to another building
    flats[0].unit_id = units[1].id                                          # a flat for another unit
    facts = _kept_facts()
    assert facts["kept"] == facts["given"] and flat_ids(household) == []
    assert {area_id for _area, _reachable, area_id in facts["kept"].values()} == {hafen.id}


def test_the_figure_history_answers_as_the_rule_and_kdu_lookups_on_every_day(advisor):
    """Matching reads every version of its figures at once; on any day it must answer what ``rule_value`` and
    ``kdu_table`` answer for that day (the latest version up to it, the seeded value before any)."""
    for days, key, value in [(-400, MIN_AREA_PER_PERSON, "9"), (10, MIN_AREA_PER_PERSON, "12"),
                             (20, SIZE_TOLERANCE, "3"), (30, RENT_INCOME_SHARE, "30"),
                             (20, SIZE_PER_EXTRA_PERSON, "12")]:
        add_version(key, TODAY + timedelta(days=days), D(value), actor=advisor)
    add_kdu_version(TODAY + timedelta(days=15), [{"persons": 2, "max_gross_cold_rent": D("700"),
                                                  "max_area_m2": D("66")}], actor=advisor)
    db.session.commit()
    history = matching.FigureHistory.load()
    days = [date(2000, 1, 1), date(2023, 7, 31), date(2023, 8, 1)] + [
        TODAY + timedelta(days=n) for n in (-401, -400, 0, 9, 10, 14, 15, 19, 20, 29, 30, 31)]

    for day in days:
        figures = history.on_day(day)
        assert (figures.min_area, figures.tolerance, figures.income_share, figures.extra_per_person) == tuple(
            rule_value(key, day) for key in (MIN_AREA_PER_PERSON, SIZE_TOLERANCE, RENT_INCOME_SHARE,
                                             SIZE_PER_EXTRA_PERSON)), day
        assert figures.kdu == kdu_table(day), day


def _rank_key(household, flat):
    return (-household.urgency_rank, not any(a.id == flat.unit.building.social_area_id
                                             for a in household.preferred_areas), household.registered_on, household.id)


@pytest.mark.parametrize("limit, skip", [(1, 0), (2, 0), (3, 0), (4, 0), (6, 0), (9, 0), (1, 1), (2, 1), (2, 3),
                                         (3, 2), (3, 5), (4, 4), (6, 6)])
def test_every_page_of_candidates_is_its_slice_of_the_ranking_the_explanations_give(make_household, make_flat,
                                                                                    limit, skip):
    """The candidates are read page by page in the ranking's order (the eligible, then with near misses those
    failing one rule): whatever the page size, the first page is the first households of the full ranking, and a
    later one (``skip``) the next ones, with their ranks."""
    households = [
        make_household((1, 0), urgency="emergency", registered_on=TODAY - timedelta(days=10)),
        make_household((1, 0), urgency="high", preferred_areas=["nordmarkt"], registered_on=TODAY - timedelta(days=5)),
        make_household((1, 0), urgency="high", registered_on=TODAY - timedelta(days=90)),
        make_household((1, 0), registered_on=TODAY - timedelta(days=400)),
        make_household((1, 0), urgency="emergency", excluded_areas=["nordmarkt"]),
        make_household((1, 0), income="employed", monthly_income=D("1000"), urgency="high"),
        make_household((3, 0), urgency="emergency", preferred_areas=["nordmarkt"]),
        make_household((1, 0), step_free_needed=True, excluded_areas=["nordmarkt"], urgency="emergency"),
        make_household((1, 0), preferred_areas=["nordmarkt"], step_free_needed=True),
    ]
    flat = make_flat(area="28", net="300", charges="150")
    failures = {h.id: len(failed_rules(h, flat)) for h in households}
    ranking = sorted((h for h in households if failures[h.id] <= 1),
                     key=lambda h: (failures[h.id], *_rank_key(h, flat)))

    strict = matching.candidates(flat, limit=limit, skip=skip, on=TODAY)
    near = matching.candidates(flat, near_misses=True, limit=limit, skip=skip, on=TODAY)

    assert [m.applicant.id for m in strict] == [h.id for h in ranking if not failures[h.id]][skip:skip + limit]
    assert [m.applicant.id for m in near] == [h.id for h in ranking][skip:skip + limit]
    assert [m.rank for m in near] == list(range(skip + 1, skip + len(near) + 1))
    assert all(m.preferred_area == (not _rank_key(m.applicant, flat)[1]) for m in near)
    assert {failures[h.id] for h in households} == {0, 1, 2}


def test_every_page_of_flats_is_its_slice_of_the_ranking(make_household, make_flat):
    """A household's flats page by page (``skip``): the slices of the full ranking, with their ranks."""
    household = make_household((1, 0), preferred_areas=["hafen"])
    for n in range(7):
        make_flat(area="50", net="300", charges="100", street=f"Heroldstraße {n}",
                  social_area="hafen" if n % 3 == 0 else "nordmarkt", available_from=TODAY + timedelta(days=7 - n))
    make_flat(area="50", net="900", charges="100", street="Heroldstraße 9")  # a near miss: the rent
    for near in (False, True):
        ranking = [m.vacancy.id for m in matching.vacancies_for(household, near_misses=near, limit=ALL)]
        assert len(ranking) == (8 if near else 7)
        for skip, limit in ((0, 3), (3, 3), (6, 3), (2, 5)):
            page = matching.vacancies_for(household, near_misses=near, limit=limit, skip=skip)
            assert [m.vacancy.id for m in page] == ranking[skip:skip + limit]
            assert [m.rank for m in page] == list(range(skip + 1, skip + len(page) + 1))
