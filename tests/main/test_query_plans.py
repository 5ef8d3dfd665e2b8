"""Every list, filter and sort the pages and the API offer can use an index (issue 9).

Each case requests a page with the test client and records the SELECTs it sends, with their parameters; the
database then explains each of them. The queries are the pages' own, so a page whose query changes is checked as
it is then, and the ids of the cases name the page, filter and sort whose index is missing.

On PostgreSQL (the production database) the planner may not scan a table sequentially, nor join by hashing or
merging (``SET LOCAL enable_… = off``): it still does where no index serves, at a huge cost, so such a plan means a
missing index. A big table may be read only by an index condition on the index's first column, or in an index's
order where that is the query's order (up to the page's LIMIT, or a whole list in that order), or whole where every
row is counted. Reading all of an index for anything else (a condition on a later column only, rows sorted or
looked through again afterwards) counts as reading the table whole. Where a case names a filter, an index must
find the filtered rows, too.

On SQLite, ``EXPLAIN QUERY PLAN`` shows the same in part: a ``SCAN <table>`` without an index is a table read whole
(SQLite plans without statistics, so its choice between an index for the order and one for the filter is not
judged there).

Not checked, on purpose: the board (it counts every case by status and area: an index-only scan at best), the
exports (the list's own query without the LIMIT), and the data-protection search by name, which compares the
names in Python, ignoring accents (admins only, a few thousand names).
"""

import re
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from flask import current_app
from sqlalchemy import event

from housing.auth.roles import Role
from housing.auth.services import create_api_token
from housing.clock import today, utcnow
from housing.extensions import db
from housing.pagination import encode_cursor

from .. import factories
from ..conftest import database_of_its_own, migrated_app

# The tables that grow with the years of casework: no list may read one of them whole.
BIG_TABLES = {
    "properties", "units", "referrals", "ownerships", "inspections", "defects", "orders", "acquisitions",
    "status_transitions", "attachments", "participants", "hour_entries", "month_locks", "material_costs",
    "applicants", "applicant_transitions", "consents", "vacancies", "offers", "tenancies", "support_contacts",
    "audit_events", "notifications",
}


@dataclass
class Reading:
    """How one statement reads the tables: all it reads, those it finds by an index condition, those it reads
    whole as (how, table)."""

    tables: set[str] = field(default_factory=set)
    searched: set[str] = field(default_factory=set)
    whole: list[tuple[str, str]] = field(default_factory=list)


@contextmanager
def recorded_selects():
    """The SELECTs sent while the block runs, each with its parameters as the driver got them."""
    statements: list[tuple[str, object]] = []

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        if not executemany and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, parameters))

    engine = db._app_engines[current_app._get_current_object()][None].engine
    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


@pytest.fixture(scope="module")
def app(request, tmp_path_factory):
    """This file's own database, new: PostgreSQL plans by the tables' sizes, and the tests before it leave pages of
    dead rows behind (they roll back what they wrote). After tests/placement, offers filled 40 pages and the planner
    began the flat's offers from all of the applicants; here every table is as a new installation has it."""
    with database_of_its_own(request, tmp_path_factory) as url:
        app = migrated_app(url, tmp_path_factory)
        yield app
        with app.app_context():
            db.engine.dispose()


# --- PostgreSQL -----------------------------------------------------------------------------------------------------


def _leading_columns(connection) -> dict[str, str | None]:
    """The first column of every index, by the index's name (None for an expression)."""
    rows = connection.exec_driver_sql(
        "SELECT i.relname, a.attname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]")
    return dict(rows.all())


def _searches(node, leading) -> bool:
    """Whether an index scan finds its rows by the index's first column, rather than reading all of the index."""
    condition = node.get("Index Cond")
    if not condition:
        return False
    column = leading.get(node["Index Name"])
    return column is None or re.search(rf"(?<![.\w]){re.escape(column)}\b", condition) is not None


PASSING = {"Result", "Unique", "Incremental Sort", "Gather", "Gather Merge", "Subquery Scan", "Append",
           "Merge Append", "Memoize", "BitmapAnd", "BitmapOr", "Bitmap Heap Scan", "LockRows", "ProjectSet"}


def _flow(state, node, child):
    """Where a child's rows go: into a LIMIT ("limit": the first rows in the child's order are enough), to the
    result in the child's order ("top") or to a count over the whole table ("count"); None when they are read to the
    end for anything else (sorted, hashed, filtered by a join, read again for every outer row, a sub-plan)."""
    kind, relation = node["Node Type"], child.get("Parent Relationship")
    if relation in ("InitPlan", "SubPlan") or (kind == "Nested Loop" and relation == "Inner"):
        return None
    if kind == "Limit":
        return "limit"
    if kind == "Aggregate":
        return "count" if state in ("top", "count") else None
    if kind == "Sort":
        return "count" if state == "count" else None
    if kind in ("Nested Loop", "Hash Join", "Merge Join"):
        # A left join keeps every outer row; any other join drops some, so not all of them were asked for.
        return state if state == "limit" or (state == "top" and node.get("Join Type") == "Left") else None
    return state if kind in PASSING else None


def _whole_reads(node, leading, state="top"):
    """(how, table) of the scans in the plan that read a table, or all of an index, for nothing: all of an index is
    read rightly where its order is the query's (up to a LIMIT, or an unpaged list in that order) or where every
    row is counted."""
    kind, table = node["Node Type"], node.get("Relation Name")
    if kind == "Seq Scan":
        yield "Seq Scan", table
    elif kind in ("Index Scan", "Index Only Scan", "Bitmap Index Scan") and not _searches(node, leading):
        in_its_order = state in ("limit", "top") and kind != "Bitmap Index Scan"
        all_counted = state == "count" and not node.get("Filter")
        if not in_its_order and not all_counted:
            yield f"{kind} of all of {node['Index Name']}", table
    for child in node.get("Plans", []):
        if kind in ("Bitmap Heap Scan", "BitmapAnd", "BitmapOr"):  # the table and filter are the heap scan's
            child = {**child, "Relation Name": table, "Filter": node.get("Filter")}
        yield from _whole_reads(child, leading, _flow(state, node, child))


def _searched(node, leading, table=None):
    """The tables an index scan in the plan finds rows of by a condition on the index's first column."""
    table = node.get("Relation Name", table)
    if node["Node Type"] in ("Index Scan", "Index Only Scan", "Bitmap Index Scan") and _searches(node, leading):
        yield table
    for child in node.get("Plans", []):
        yield from _searched(child, leading, table if node["Node Type"] in ("BitmapAnd", "BitmapOr",
                                                                              "Bitmap Heap Scan") else None)


def _nodes(node):
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


# The test's tables are tiny, and there the planner would as soon read a small index whole as look up the rows it
# needs, which says nothing about a large table. So each statement is planned three times: without sequential
# scans, hash and merge joins; without sorting as well (then an index's order is taken where one serves); with
# bitmap scans only (then an index must find the rows: an index scan cannot stand in for a filter by its order).
# A table counts as read whole only when it is in all three plans; a filter counts as served by an index when the
# last plan finds the rows by one.
PLANS = (
    ("enable_seqscan", "enable_hashjoin", "enable_mergejoin"),
    ("enable_seqscan", "enable_hashjoin", "enable_mergejoin", "enable_sort"),
    ("enable_seqscan", "enable_hashjoin", "enable_mergejoin", "enable_indexscan", "enable_indexonlyscan"),
)


def postgresql_reading(statement, parameters) -> Reading:
    connection = db.session.connection()
    leading = _leading_columns(connection)
    plans = []
    for settings in PLANS:
        for setting in settings:
            connection.exec_driver_sql(f"SET LOCAL {setting} = off")
        plans.append(connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar()[0]["Plan"])
        for setting in settings:  # SET LOCAL would last until the test's transaction ends
            connection.exec_driver_sql(f"SET LOCAL {setting} = on")
    wholes = [list(_whole_reads(plan, leading)) for plan in plans]
    return Reading(
        tables={node["Relation Name"] for plan in plans for node in _nodes(plan) if "Relation Name" in node},
        searched=set(_searched(plans[-1], leading)),
        whole=[(how, table) for how, table in wholes[0]
               if all(table in {name for _how, name in other} for other in wholes[1:])],
    )


# --- SQLite ---------------------------------------------------------------------------------------------------------

SQLITE_STEP = re.compile(r"^(SCAN|SEARCH) (\w+)(?: AS \w+)?( USING .*)?")


def sqlite_reading(statement, parameters) -> Reading:
    """From ``EXPLAIN QUERY PLAN``: "SCAN t" without an index reads the table whole, unless it is the outer loop of
    a LIMITed query that no temporary B-tree sorts afterwards (then it reads the rows in the order of their ids up to
    the LIMIT)."""
    steps = db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    top = [detail for _id, parent, _unused, detail in steps if parent == 0]
    sorted_after = any(detail.startswith("USE TEMP B-TREE FOR") and "ORDER BY" in detail for detail in top)
    outer = next((detail for detail in top if SQLITE_STEP.match(detail)), None)
    limited = re.search(r"\bLIMIT\b", statement.rsplit(")", 1)[-1]) is not None and not sorted_after
    reading = Reading()
    for _id, _parent, _unused, detail in steps:
        match = SQLITE_STEP.match(detail)
        if match:
            kind, name, using = match.groups()
            table = re.sub(r"_\d+$", "", name)  # SQLAlchemy's aliases: units_1
            reading.tables.add(table)
            if kind == "SEARCH":
                reading.searched.add(table)
            elif not using and not (limited and detail is outer):
                reading.whole.append((detail, table))
    return reading


def assert_indexed(statements, table: str, *, filtered: bool = False, read_whole=()) -> None:
    """No statement reads a big table whole (but those in ``read_whole``), ``table`` (the list's) was read, and with
    ``filtered`` found by an index condition (on SQLite, which plans without statistics, this last is not judged)."""
    postgresql = db.engine.dialect.name == "postgresql"
    tables, searched, problems = set(), set(), []
    for statement, parameters in statements:
        reading = (postgresql_reading if postgresql else sqlite_reading)(statement, parameters)
        tables |= reading.tables
        searched |= reading.searched
        problems += [f"{name} ({how}): {' '.join(statement.split())}" for how, name in reading.whole
                     if name in BIG_TABLES - set(read_whole)]
    assert not problems, "read whole, no index serves the query:\n" + "\n\n".join(problems)
    assert table in tables, f"no query of the page read {table}"
    if filtered and postgresql:
        assert table in searched, f"no index finds the rows of {table} by the filter"


# --- the pages ------------------------------------------------------------------------------------------------------


@pytest.fixture
def visit(app, login):
    """``visit(role, url, *areas)``: the SELECTs of one GET of ``url`` (a page with a session, or an /api/v1 path with
    a bearer token) by a new user with ``role``, after building the records of ``areas``; ``{name}`` in the url is
    the id of such a record."""
    ids: dict[str, object] = {"month": today().strftime("%Y-%m")}
    supervisor = factories.UserFactory(roles=[Role.SUPERVISOR])

    def build(area):
        if area == "case":
            ids.update({f"case_{key}": value for key, value in factories.full_case().items()})
        elif area == "crew":
            ids.update({f"crew_{key}": value for key, value in factories.viertelwerk_project(supervisor).items()
                        if isinstance(value, int | str)})
        elif area == "placement":
            ids.update({f"placement_{key}": value for key, value in factories.placement_records().items()})
        db.session.commit()

    def get(role, url, *areas):
        for area in areas:
            build(area)
        user = supervisor if role == Role.SUPERVISOR else factories.UserFactory(roles=[role])
        if "inbox" in areas:
            factories.notification(user)
            db.session.commit()
        if url.startswith("/api/"):
            _token, secret = create_api_token(user, "Plan")
            db.session.commit()
            client, headers = app.test_client(), {"Authorization": f"Bearer {secret}"}
        else:
            client, headers = login(app.test_client(), user), {}
        url = url.format(**ids)
        with recorded_selects() as statements:
            response = client.get(url, headers=headers)
        assert response.status_code == 200, f"GET {url}: {response.status_code}"
        return statements

    return get


OFFICER, ADMIN, ADVISOR, SUPERVISOR = Role.HOUSING_OFFICER, Role.ADMIN, Role.TENANT_ADVISOR, Role.SUPERVISOR

# Where the next page begins: a row's sort values, as the list's "Weiter" link carries them.
CASE_CURSORS = {
    "address": encode_cursor(["mallinckrodtstr|100|44147"]),
    "status": encode_cursor([2, "Mallinckrodtstraße", 1]),
    "priority": encode_cursor(["high", 1]),
    "updated": encode_cursor([utcnow(), 1]),
}
ID_CURSOR = encode_cursor([1])

# (query, whether an index must find the filtered cases); "overdue" looks through the open deadlines of defects,
# orders and acquisitions (their indexes are checked as the sub-plans' whole reads), not through the cases.
CASE_FILTERS = {
    "all": ("", False),
    "status": ("status=inspected", True),
    "social_area": ("social_area=nordmarkt", True),
    "priority": ("priority=high", True),
    "overcrowded": ("overcrowded=y", True),
    "overdue": ("overdue=y", False),
    "street": ("q=Mallinckrodtstr", True),
    "street_and_number": ("q=Mallinckrodtstr+100", True),
    "postcode": ("q=44147", True),
    "status_and_area": ("status=reported&social_area=nordmarkt", True),
}


def case_list_pages():
    for name, (query, filtered) in CASE_FILTERS.items():
        for sort in CASE_CURSORS:
            yield pytest.param(f"/cases?{query}&sort={sort}", filtered, id=f"{name}-by-{sort}")
    for sort, cursor in CASE_CURSORS.items():
        yield pytest.param(f"/cases?sort={sort}&after={cursor}", False, id=f"all-by-{sort}-next-page")
        yield pytest.param(f"/cases?status=reported&sort={sort}&after={cursor}", True,
                           id=f"status-by-{sort}-next-page")


@pytest.mark.parametrize(("url", "filtered"), list(case_list_pages()))
def test_the_case_list_uses_an_index_for_each_filter_and_sort(visit, url, filtered):
    assert_indexed(visit(OFFICER, url), "properties", filtered=filtered)


API_PROPERTY_FILTERS = {
    "all": ("", False),
    "status": ("status=inspected", True),
    "social_area": ("social_area=nordmarkt", True),
    "priority": ("priority=high", True),
    "overcrowded": ("overcrowded=true", True),
    "street": ("q=Mallinckrodtstr", True),
    "postcode": ("q=44147", True),
    "next_page": (f"cursor={ID_CURSOR}", False),
    "status_next_page": (f"status=reported&cursor={ID_CURSOR}", True),
}


@pytest.mark.parametrize(("query", "filtered"), list(API_PROPERTY_FILTERS.values()), ids=list(API_PROPERTY_FILTERS))
def test_the_property_api_list_uses_an_index_for_each_filter(visit, query, filtered):
    assert_indexed(visit(OFFICER, f"/api/v1/properties?{query}"), "properties", filtered=filtered)


# name: (role, url, the records it needs, the table of its list, whether an index must find the filtered rows)
PAGES = {
    # the Ankauf case file: its timeline, units, inspections and defects, and the API's lists of it
    "case-file-timeline": (OFFICER, "/properties/{case_property}", ["case"], "status_transitions", True),
    "case-file-units": (OFFICER, "/properties/{case_property}", ["case"], "units", True),
    "case-file-defects": (OFFICER, "/properties/{case_property}", ["case"], "defects", True),
    "case-file-inspections": (OFFICER, "/properties/{case_property}", ["case"], "inspections", True),
    "case-file-files": (OFFICER, "/properties/{case_property}", ["case"], "attachments", True),
    "inspection": (OFFICER, "/properties/{case_property}/inspections/{case_inspection}", ["case"], "defects", True),
    "api-timeline": (OFFICER, "/api/v1/properties/{case_property}/timeline", ["case"], "status_transitions", True),
    "api-units": (OFFICER, "/api/v1/properties/{case_property}/units", ["case"], "units", True),
    "api-inspections": (OFFICER, "/api/v1/properties/{case_property}/inspections", ["case"], "inspections", True),
    "api-referrals": (OFFICER, "/api/v1/properties/{case_property}/referrals", ["case"], "referrals", True),
    "api-owners": (OFFICER, "/api/v1/properties/{case_property}/owners", ["case"], "ownerships", True),
    "api-orders": (OFFICER, "/api/v1/properties/{case_property}/orders", ["case"], "orders", True),
    "api-acquisitions": (OFFICER, "/api/v1/properties/{case_property}/acquisitions", ["case"], "acquisitions", True),
    "officer-start-page-defects": (OFFICER, "/", ["case"], "defects", True),
    "officer-start-page-orders": (OFFICER, "/", ["case"], "orders", True),
    # housing access
    "households-mine": (ADVISOR, "/placement/households", ["placement"], "applicants", True),
    "households-everyone": (ADVISOR, "/placement/households?all=1", ["placement"], "applicants", False),
    "households-mine-by-status": (ADVISOR, "/placement/households?status=searching", ["placement"], "applicants",
                                  True),
    "households-everyone-by-status": (ADVISOR, "/placement/households?all=1&status=searching", ["placement"],
                                      "applicants", True),
    "household-flats-for-it": (ADVISOR, "/placement/households/{placement_applicant}", ["placement"], "vacancies",
                               True),
    "household-flats-near-misses": (ADVISOR, "/placement/households/{placement_applicant}?near=1", ["placement"],
                                    "vacancies", True),
    "household-offers": (ADVISOR, "/placement/households/{placement_applicant}", ["placement"], "offers", True),
    "household-tenancies": (ADVISOR, "/placement/households/{placement_applicant}", ["placement"], "tenancies", True),
    "flats-open": (ADVISOR, "/placement/flats", ["placement"], "vacancies", True),
    "flats-let": (ADVISOR, "/placement/flats?status=let", ["placement"], "vacancies", True),
    "flats-of-acquired-buildings": (OFFICER, "/placement/flats", ["placement"], "vacancies", True),
    "flat-candidates": (ADVISOR, "/placement/flats/{placement_vacancy}", ["placement"], "applicants", True),
    "flat-candidates-near-misses": (ADVISOR, "/placement/flats/{placement_vacancy}?near=1", ["placement"],
                                    "applicants", True),
    "flat-candidates-consent": (ADVISOR, "/placement/flats/{placement_vacancy}", ["placement"], "consents", True),
    "flat-offers": (ADVISOR, "/placement/flats/{placement_vacancy}", ["placement"], "offers", True),
    "flat-tenant-mix": (ADVISOR, "/placement/flats/{placement_vacancy}", ["placement"], "tenancies", True),
    "landlords-open-flats": (ADVISOR, "/placement/landlords", ["placement"], "vacancies", True),
    "landlord-flats": (ADVISOR, "/placement/landlords/{placement_landlord}", ["placement"], "vacancies", True),
    "landlord-tenancies": (ADVISOR, "/placement/landlords/{placement_landlord}", ["placement"], "tenancies", True),
    "tenancy-contacts": (ADVISOR, "/placement/tenancies/{placement_tenancy}", ["placement"], "support_contacts",
                         True),
    "advisor-start-page-offers": (ADVISOR, "/", ["placement"], "offers", False),
    "advisor-start-page-aftercare": (ADVISOR, "/", ["placement"], "support_contacts", True),
    "api-applicants": (ADVISOR, "/api/v1/applicants", ["placement"], "applicants", False),
    "api-applicants-by-status": (ADVISOR, "/api/v1/applicants?status=searching", ["placement"], "applicants", True),
    "api-applicants-mine": (ADVISOR, "/api/v1/applicants?mine=true", ["placement"], "applicants", True),
    "api-applicants-mine-by-status": (ADVISOR, "/api/v1/applicants?mine=true&status=searching", ["placement"],
                                      "applicants", True),
    "api-applicants-next-page": (ADVISOR, f"/api/v1/applicants?cursor={ID_CURSOR}", ["placement"], "applicants",
                                 False),
    "api-flats-for-household": (ADVISOR, "/api/v1/applicants/{placement_applicant}/vacancies", ["placement"],
                                "vacancies", True),
    "api-consents": (ADVISOR, "/api/v1/applicants/{placement_applicant}/consents", ["placement"], "consents", True),
    "api-vacancies": (ADVISOR, "/api/v1/vacancies", ["placement"], "vacancies", False),
    "api-vacancies-by-status": (ADVISOR, "/api/v1/vacancies?status=open", ["placement"], "vacancies", True),
    "api-vacancies-of-acquired-buildings": (OFFICER, "/api/v1/vacancies", ["placement"], "vacancies", False),
    "api-vacancies-next-page": (ADVISOR, f"/api/v1/vacancies?cursor={ID_CURSOR}", ["placement"], "vacancies", False),
    "api-candidates": (ADVISOR, "/api/v1/vacancies/{placement_vacancy}/candidates", ["placement"], "applicants",
                       True),
    "api-offers": (ADVISOR, f"/api/v1/offers?cursor={ID_CURSOR}", ["placement"], "offers", False),
    "api-tenancies": (ADVISOR, f"/api/v1/tenancies?cursor={ID_CURSOR}", ["placement"], "tenancies", False),
    "api-contacts": (ADVISOR, "/api/v1/tenancies/{placement_tenancy}/contacts", ["placement"], "support_contacts",
                     True),
    # Viertelwerk: projects, the crew sheet and month, participants, hours
    "projects": (SUPERVISOR, "/viertelwerk/projects", ["crew"], "work_package_hours", True),
    "projects-all": (ADMIN, "/viertelwerk/projects", ["crew"], "work_package_hours", True),
    "project-materials": (SUPERVISOR, "/viertelwerk/projects/{crew_project}", ["crew"], "material_costs", True),
    "project-crew": (SUPERVISOR, "/viertelwerk/projects/{crew_project}", ["crew"], "participants", True),
    "crew-sheet-week": (SUPERVISOR, "/viertelwerk/projects/{crew_project}/sheet", ["crew"], "hour_entries", True),
    "crew-month": (SUPERVISOR, "/viertelwerk/projects/{crew_project}/months/{month}", ["crew"], "hour_entries",
                   True),
    "crew-month-locks": (SUPERVISOR, "/viertelwerk/projects/{crew_project}/months/{month}", ["crew"], "month_locks",
                         True),
    "participants": (SUPERVISOR, "/viertelwerk/participants", ["crew"], "participants", True),
    "participants-all": (ADMIN, "/viertelwerk/participants", ["crew"], "participants", False),
    "participant-months": (SUPERVISOR, "/viertelwerk/participants/{crew_participant}", ["crew"], "month_locks",
                           True),
    "participant-month": (SUPERVISOR, "/viertelwerk/participants/{crew_participant}/months/{month}", ["crew"],
                          "hour_entries", True),
    "supervisor-start-page": (SUPERVISOR, "/", ["crew"], "hour_entries", True),
    "reports": (SUPERVISOR, "/viertelwerk/reports", ["crew"], "hour_entries", True),
    "api-projects": (SUPERVISOR, "/api/v1/projects", ["crew"], "renovation_projects", False),
    "api-participants": (SUPERVISOR, "/api/v1/participants", ["crew"], "participants", True),
    "api-participants-all": (ADMIN, f"/api/v1/participants?cursor={ID_CURSOR}", ["crew"], "participants", False),
    "api-hour-entries": (SUPERVISOR, "/api/v1/hour-entries?participant_id={crew_participant}&month={month}",
                         ["crew"], "hour_entries", True),
    # the audit log, the administration's start page, the inbox
    "audit-log": (ADMIN, "/admin/audit/", ["case"], "audit_events", False),
    "audit-log-next-page": (ADMIN, "/admin/audit/?before=1000", ["case"], "audit_events", False),
    "audit-log-action": (ADMIN, "/admin/audit/?action=property.", ["case"], "audit_events", True),
    "audit-log-actor": (ADMIN, "/admin/audit/?actor=person1%40housing.example", ["case"], "audit_events", True),
    "audit-log-actor-next-page": (ADMIN, "/admin/audit/?actor=person1%40housing.example&before=1000", ["case"],
                                  "audit_events", True),
    "audit-log-record": (ADMIN, "/admin/audit/?object_type=properties&object_id={case_property}", ["case"],
                         "audit_events", True),
    "audit-log-record-type": (ADMIN, "/admin/audit/?object_type=properties", ["case"], "audit_events", True),
    "audit-log-period": (ADMIN, "/admin/audit/?date_from=2026-01-01&date_to=2026-01-31", ["case"], "audit_events",
                         True),
    "admin-start-page": (ADMIN, "/", [], "audit_events", True),
    "inbox": (OFFICER, "/inbox", ["inbox"], "notifications", True),
}


# Tables a page reads whole by design, and why.
READ_WHOLE = {
    # The admin's Viertelwerk panel looks for unapproved months of every participant whose measure has begun
    # (all of them, as plain rows; housing/renovation/panels.py).
    "admin-start-page": {"participants"},
}


@pytest.mark.parametrize("name", list(PAGES))
def test_each_list_page_and_api_list_uses_an_index(visit, name):
    role, url, areas, table, filtered = PAGES[name]
    assert_indexed(visit(role, url, *areas), table, filtered=filtered, read_whole=READ_WHOLE.get(name, ()))
