"""The inputs of GET pages, fuzzed: list filters, searches, cursors, periods, weeks and months in the path.
Never a 500; a filter it cannot read is ignored or refused, and whatever is echoed back is escaped."""

import base64
import json
from urllib.parse import quote, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from housing.auth.roles import Role

from .checks import assert_answered, assert_csv_safe, assert_html_safe, send
from .conftest import fuzz_settings
from .strategies import date_text, month_text, nasty_text, number_text


def _cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


CURSORS = ["x", "%%%", _cursor(["a", "1", 1]), _cursor(["\x00", "1", 2]), _cursor([None, None, None]),
           _cursor([1, "a", 2**40]), _cursor(["2026-01-01T00:00:00", 1]), _cursor(["2026-01-01T00:00:00+00:00", 1]),
           _cursor([99, "Bornstraße", -1]), _cursor(["high", 1]), "W1tbW1tbW1tbW1tbW10"]

KINDS = {
    "text": nasty_text(),
    "number": number_text(),
    "date": date_text(),
    "flag": st.one_of(st.sampled_from(["1", "0", "y", "true", "", "on"]), nasty_text()),
    "cursor": st.one_of(st.sampled_from(CURSORS), nasty_text()),
    "sort": st.one_of(st.sampled_from(["address", "status", "priority", "updated", "id; --"]), nasty_text()),
    "status": st.one_of(st.sampled_from(["open", "let", "reported", "searching", "__all__", ""]), nasty_text()),
    "week": st.one_of(st.sampled_from(["2026-W53", "2026-W00", "0001-W01", "9999-W52", "2026-W", "W1"]), nasty_text()),
    "format": st.sampled_from(["csv", "xlsx", "pdf", "", "../x"]),
    "table": st.one_of(st.sampled_from(["packages", "attendance", "buildings"]), nasty_text()),
}


CASE_FILTERS = {"q": "text", "status": "status", "social_area": "text", "priority": "text", "overcrowded": "flag",
                "overdue": "flag", "sort": "sort", "after": "cursor"}
AUDIT_FILTERS = {"action": "text", "actor": "text", "object_type": "text", "object_id": "text", "date_from": "date",
                 "date_to": "date", "before": "number"}

PAGES = [
    ("cases", Role.HOUSING_OFFICER, lambda w: "/cases", CASE_FILTERS),
    ("cases-csv", Role.HOUSING_OFFICER, lambda w: "/cases/export.csv", CASE_FILTERS),
    ("cases-xlsx", Role.HOUSING_OFFICER, lambda w: "/cases/export.xlsx", CASE_FILTERS),
    ("audit", Role.ADMIN, lambda w: "/admin/audit/", AUDIT_FILTERS),
    ("audit-csv", Role.ADMIN, lambda w: "/admin/audit/export.csv", AUDIT_FILTERS),
    ("households", Role.TENANT_ADVISOR, lambda w: "/placement/households", {"all": "flag", "status": "status"}),
    ("households-xlsx", Role.TENANT_ADVISOR, lambda w: "/placement/households/export.xlsx",
     {"all": "flag", "status": "status"}),
    ("flats", Role.TENANT_ADVISOR, lambda w: "/placement/flats", {"status": "status"}),
    ("household", Role.TENANT_ADVISOR, lambda w: f"/placement/households/{w.placement['applicant']}", {"near": "flag"}),
    ("flat", Role.TENANT_ADVISOR, lambda w: f"/placement/flats/{w.placement['vacancy']}", {"near": "flag"}),
    ("viertelwerk-reports", Role.SUPERVISOR, lambda w: "/viertelwerk/reports",
     {"from": "date", "to": "date", "format": "format", "table": "table"}),
    ("crew-sheet", Role.SUPERVISOR, lambda w: f"/viertelwerk/projects/{w.project['project']}/sheet",
     {"week": "week", "day": "date"}),
    ("login", None, lambda w: "/login", {"next": "text"}),
    ("programme", Role.MANAGEMENT, lambda w: "/documents/programme", {"start": "date", "end": "date"}),
]


@pytest.mark.parametrize("name, role, target, params", PAGES, ids=[entry[0] for entry in PAGES])
def test_page_filters_survive_hostile_query_strings(app, world, name, role, target, params):
    client = world.client(role) if role else app.test_client()
    url = target(world)

    @fuzz_settings(12)
    @given(data=st.data())
    def check(data):
        args = []
        for name in data.draw(st.lists(st.sampled_from(sorted(params)), unique=True, min_size=1)):
            for _ in range(data.draw(st.sampled_from([1, 1, 1, 2]))):
                args.append((name, data.draw(KINDS[params[name]], label=name)))
        target = f"{url}?{urlencode(args)}"
        response = send(client, "GET", target)
        assert_answered(response, target)
        assert_html_safe(response, target)
        if response.status_code == 200 and response.mimetype == "text/csv":
            assert_csv_safe(response.get_data(), target)

    check()


PATH_PAGES = [
    ("participant-month", Role.SUPERVISOR,
     lambda w, m: f"/viertelwerk/participants/{w.project['participant']}/months/{m}"),
    ("timesheet", Role.SUPERVISOR,
     lambda w, m: f"/viertelwerk/participants/{w.project['participant']}/months/{m}/timesheet.pdf"),
    ("crew-month", Role.SUPERVISOR, lambda w, m: f"/viertelwerk/projects/{w.project['project']}/months/{m}"),
    ("month-timesheets", Role.SUPERVISOR, lambda w, m: f"/viertelwerk/months/{m}/timesheets"),
    ("rule", Role.ADMIN, lambda w, m: f"/admin/rules/{m}"),
    ("job", Role.ADMIN, lambda w, m: f"/admin/jobs/{m}/run"),
    ("export-format", Role.ADMIN, lambda w, m: f"/cases/export.{m}"),
    ("property", Role.HOUSING_OFFICER, lambda w, m: f"/properties/{m}"),
    ("unit", Role.HOUSING_OFFICER, lambda w, m: f"/properties/{w.case['property']}/units/{m}"),
]


@pytest.mark.parametrize("name, role, target", PATH_PAGES, ids=[entry[0] for entry in PATH_PAGES])
def test_path_segments_survive_hostile_values(app, world, name, role, target):
    client = world.client(role)

    @fuzz_settings(12)
    @given(segment=st.one_of(month_text(), nasty_text(), number_text(),
                             st.sampled_from([str(2**31), str(2**63), "9" * 5000, "0", "-1", "١٢"])),
           method=st.sampled_from(["GET", "POST"]))
    def check(segment, method):
        url = target(world, quote(segment, safe=""))
        response = send(client, method, url)
        assert_answered(response, url)
        assert_html_safe(response, url)

    check()
