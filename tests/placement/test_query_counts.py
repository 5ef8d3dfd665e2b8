"""What a housing-access page or API answer costs in queries does not depend on the data: the same statements for
two rows as for twenty (issue 9: at city scale a query per row is a thousand queries).

The suite keeps objects readable after a commit; production expires them, so a page that commits its audit entry
before rendering reads every row again, one query each. These tests run as production does (``expiring``); the
test's own objects are set aside before."""

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest

from housing.extensions import db
from housing.placement import services
from housing.placement.models import Applicant, SupportContact, Vacancy

from ..conftest import expiring_commits
from .conftest import TODAY, accept_and_sign


@contextmanager
def expiring():
    """The request's objects expire at its commits, as in production (the suite keeps them readable). The test's
    own objects are committed and set aside first, so they stay readable after the request."""
    db.session.commit()
    db.session.expunge_all()
    with expiring_commits():
        yield


@pytest.fixture
def advisor(advisor_client):
    """The logged-in advisor: the households made here are in their caseload."""
    return advisor_client.user


def statements_for(client, count_queries, url, headers=None) -> tuple[int, str]:
    """The number of statements of one request (after a first one warmed up the session) and its answer."""
    with expiring():
        client.get(url, headers=headers)
        with count_queries() as statements:
            response = client.get(url, headers=headers)
            body = response.get_data()  # a CSV streams: its rows are read as it is written
    text = body.decode("utf-8") if response.mimetype.startswith(("text/", "application/json")) else ""
    assert response.status_code == 200, text[:500]
    return len(statements), text


def ids_linked(text: str, path: str) -> list[int]:
    return [int(i) for i in re.findall(rf'href="/placement/{path}/(\d+)"', text)]


def household(make_household, n: int, **fields) -> int:
    return make_household((1 + n % 2, n % 3), urgency=["normal", "high", "emergency"][n % 3],
                          interpreter_needed=bool(n % 2), registered_on=TODAY - timedelta(days=10 + n),
                          preferred_areas=["nordmarkt"] if n % 2 else [], excluded_areas=["hafen"] if n % 3 else [],
                          **fields).id


def flat(make_flat, n: int, **fields) -> int:
    """A flat every household made by ``household`` fits, each in its own building and available on its own day."""
    return make_flat(area="50", net="300", charges="100", street=f"Heroldstraße {n}",
                     available_from=TODAY + timedelta(days=n), **fields).id


# --- the households list --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/placement/households", "/placement/households?all=1",
                                 "/placement/households?status=searching"])
def test_the_households_list_costs_the_same_queries_for_2_and_20_households(web, make_household,
                                                                            count_queries, url):
    for n in range(2):
        household(make_household, n)
    few, _page = statements_for(web, count_queries, url)
    for n in range(2, 20):
        household(make_household, n)
    many, page = statements_for(web, count_queries, url)

    assert len(ids_linked(page, "households")) == 20
    assert many == few


@pytest.fixture
def web(advisor_client):
    return advisor_client


def test_the_households_list_costs_the_same_queries_with_every_filter(web, make_household, count_queries):
    """The caseload setting is read once per request, whether the filters ask for it or not."""
    for n in range(3):
        household(make_household, n)
    counts = {url: statements_for(web, count_queries, url)[0] for url in (
        "/placement/households", "/placement/households?all=1", "/placement/households?status=searching",
        "/placement/households?all=1&status=searching")}

    assert len(set(counts.values())) == 1, counts


def test_the_households_list_shows_fifty_at_a_time_in_its_order(web, make_household, count_queries):
    made = [household(make_household, n) for n in range(53)]
    first, page = statements_for(web, count_queries, "/placement/households?all=1")
    shown = ids_linked(page, "households")
    following = re.search(r'href="(/placement/households\?[^"]*after=[^"]+)"', page).group(1).replace("&amp;", "&")
    rest, second_page = statements_for(web, count_queries, following)

    applicants = {a.id: a for a in db.session.scalars(db.select(Applicant).where(Applicant.id.in_(made)))}
    in_order = sorted(made, key=lambda i: (-applicants[i].urgency_rank, applicants[i].registered_on, i))
    assert shown == in_order[:50]
    assert ids_linked(second_page, "households") == in_order[50:]
    assert "Zum Anfang" in second_page and "Weiter" not in second_page
    assert "export.csv?all=1" in second_page and "after=" not in second_page.split("export.csv")[1][:40]
    assert rest == first
    assert web.get("/placement/households?after=nonsense").status_code == 400


@pytest.mark.parametrize("url", ["/placement/households/export.csv?all=1", "/placement/flats/export.xlsx",
                                 "/placement/landlords/export.csv"])
def test_the_exports_cost_the_same_queries_for_2_and_20_rows(web, make_household, make_flat, advisor, count_queries,
                                                             url):
    def add(first, last):
        for n in range(first, last):
            household(make_household, n)
            flat(make_flat, n)
            services.save_landlord(None, {"name": f"Vermietung {n}", "kind": "private"}, actor=advisor)
        db.session.commit()

    add(0, 2)
    few, _export = statements_for(web, count_queries, url)
    add(2, 20)
    many, export = statements_for(web, count_queries, url)

    assert many == few
    assert "Vermietung 19" in export if "landlords" in url else True


# --- the household page: its matching flats, offers and tenancies ------------------------------------------------


def test_the_household_page_costs_the_same_queries_for_2_and_20_flats_on_different_days(
        web, make_household, make_flat, advisor, count_queries):
    applicant_id = household(make_household, 0)
    url = f"/placement/households/{applicant_id}"
    for n in range(2):
        flat(make_flat, n)
    services.propose(db.session.get(Applicant, applicant_id), db.session.get(Vacancy, flat(make_flat, 90)),
                     actor=advisor)
    db.session.commit()
    few, _page = statements_for(web, count_queries, url)
    for n in range(2, 20):
        flat(make_flat, n)
    for n in range(91, 94):
        services.propose(db.session.get(Applicant, applicant_id), db.session.get(Vacancy, flat(make_flat, n)),
                         actor=advisor)
    db.session.commit()
    many, page = statements_for(web, count_queries, url)

    assert page.count('<article class="match') == 10  # of the 20 flats and the 4 of the offers, still open
    assert len(re.findall(r'href="/placement/offers/\d+"', page)) == 4
    assert many == few
    last, page = statements_for(web, count_queries, url + "?page=3")
    assert page.count('<article class="match') == 4 and last == few


def test_the_household_page_costs_the_same_queries_for_1_and_3_tenancies(web, make_household, make_flat,
                                                                        advisor, count_queries):
    """A household's tenancies with their flats' buildings (a household moving twice is rare, but not N+1)."""
    applicant_id = household(make_household, 0)
    url = f"/placement/households/{applicant_id}"

    def sign(n):
        applicant = db.session.get(Applicant, applicant_id)
        applicant.status = "searching"
        offer = services.propose(applicant, db.session.get(Vacancy, flat(make_flat, n)), actor=advisor)
        accept_and_sign(offer, advisor, starts_on=TODAY - timedelta(days=300 - 100 * n))
        db.session.commit()

    sign(0)
    few, _page = statements_for(web, count_queries, url)
    sign(1)
    sign(2)
    many, page = statements_for(web, count_queries, url)

    assert len(re.findall(r'href="/placement/tenancies/\d+"', page)) == 3
    assert many == few


# --- the flat page: its candidates and offers -------------------------------------------------------------------


def test_the_flat_page_costs_the_same_queries_for_2_and_20_candidates(web, make_household, make_flat,
                                                                      advisor, count_queries):
    vacancy_id = flat(make_flat, 0)
    url = f"/placement/flats/{vacancy_id}"
    for n in range(2):
        household(make_household, n)
    services.propose(db.session.get(Applicant, household(make_household, 90)), db.session.get(Vacancy, vacancy_id),
                     actor=advisor)
    db.session.commit()
    few, _page = statements_for(web, count_queries, url)
    near_few, _page = statements_for(web, count_queries, url + "?near=1")
    for n in range(2, 20):
        household(make_household, n)
    for n in range(91, 94):
        services.propose(db.session.get(Applicant, household(make_household, n)),
                         db.session.get(Vacancy, vacancy_id), actor=advisor)
    db.session.commit()
    many, page = statements_for(web, count_queries, url)
    near_many, _page = statements_for(web, count_queries, url + "?near=1")

    assert len(re.findall(r'name="applicant_id"', page)) == 10  # ten at a time: 20 candidates on two pages
    assert len(re.findall(r'href="/placement/offers/\d+"', page)) == 4
    assert (many, near_many) == (few, near_few)
    second, page = statements_for(web, count_queries, url + "?page=2")
    assert len(re.findall(r'name="applicant_id"', page)) == 10 and second == few


# --- the flats list ---------------------------------------------------------------------------------------------------


def test_the_flats_list_shows_fifty_at_a_time_at_the_same_cost(web, make_flat, count_queries):
    made = [flat(make_flat, n) for n in range(3)]
    few, _page = statements_for(web, count_queries, "/placement/flats")
    made += [flat(make_flat, n) for n in range(3, 53)]
    many, page = statements_for(web, count_queries, "/placement/flats")
    following = re.search(r'href="(/placement/flats\?[^"]*after=[^"]+)"', page).group(1).replace("&amp;", "&")
    rest, second_page = statements_for(web, count_queries, following)

    assert ids_linked(page, "flats") == made[:50]  # by the day they are free from
    assert ids_linked(second_page, "flats") == made[50:]
    assert many == few == rest
    assert web.get("/placement/flats?after=%%%").status_code == 400


# --- the overview and the advisor's start page --------------------------------------------------------------------


def placed_households(make_household, make_flat, advisor, first: int, count: int) -> None:
    """Households with tenancies started over the last months; every other one with an aftercare contact, some of
    those due, some not."""
    for n in range(first, first + count):
        applicant = db.session.get(Applicant, household(make_household, n))
        offer = services.propose(applicant, db.session.get(Vacancy, flat(make_flat, n)), actor=advisor)
        accept_and_sign(offer, advisor, starts_on=TODAY - timedelta(days=20 * n))
        if n % 2:
            tenancy = db.session.scalar(db.select(services.Tenancy).where(services.Tenancy.offer_id == offer.id))
            services.add_support_contact(tenancy, {"contact_on": TODAY - timedelta(days=n), "kind": "phone",
                                                   "next_due_on": TODAY + timedelta(days=n)}, actor=advisor)
        db.session.commit()


def test_the_overview_costs_the_same_queries_for_2_and_20_placements(management_client, make_household,
                                                                     make_flat, advisor, count_queries):
    placed_households(make_household, make_flat, advisor, 1, 2)
    flat(make_flat, 90)
    few, _page = statements_for(management_client, count_queries, "/placement/overview")
    placed_households(make_household, make_flat, advisor, 3, 18)
    for n in range(91, 95):
        flat(make_flat, n)
    many, page = statements_for(management_client, count_queries, "/placement/overview")

    assert re.search(r'<h2>Freie Wohnungen</h2><p class="stat__value">5</p>', page)
    assert db.session.scalar(db.select(db.func.count(SupportContact.id))) == 10
    assert many == few


def test_the_advisors_start_page_costs_the_same_queries_for_2_and_20_tenancies_in_aftercare(
        web, make_household, make_flat, advisor, count_queries):
    placed_households(make_household, make_flat, advisor, 1, 2)
    few, _page = statements_for(web, count_queries, "/")
    placed_households(make_household, make_flat, advisor, 3, 18)
    many, page = statements_for(web, count_queries, "/")

    assert len(re.findall(r'href="/placement/tenancies/\d+"', page)) == 10  # the panel's ten most due
    assert many == few


# --- the API's two matching lists ------------------------------------------------------------------------------------


def test_the_api_matching_lists_cost_the_same_queries_for_2_and_20_matches(client, advisor, bearer,
                                                                           make_household, make_flat, count_queries):
    headers = bearer(advisor)
    vacancy_id, applicant_id = flat(make_flat, 0), household(make_household, 0)
    candidates, flats = f"/api/v1/vacancies/{vacancy_id}/candidates", f"/api/v1/applicants/{applicant_id}/vacancies"
    for n in range(1, 2):
        household(make_household, n)
        flat(make_flat, n)
    few = [statements_for(client, count_queries, url, headers)[0] for url in (candidates, flats)]
    for n in range(2, 20):
        household(make_household, n)
        flat(make_flat, n)
    many = [statements_for(client, count_queries, url, headers)[0] for url in (candidates, flats)]

    for url in (candidates, flats):
        page = client.get(url, headers=headers).get_json()
        assert len(page["items"]) == 10 and page["next_cursor"]  # ten at a time, the rest after the cursor
        assert len(client.get(f"{url}?limit=50", headers=headers).get_json()["items"]) == 20
    assert many == few
