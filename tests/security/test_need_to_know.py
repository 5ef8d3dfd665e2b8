"""Need-to-know with other people's records: a supervisor and another crew, an advisor limited to their caseload
and another advisor's households, management and personal names, the restricted health note. Every refusal is
404 (as if the record did not exist) or 403, on the pages and in the API, and is in the audit log."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from housing.api.core import OPERATIONS
from housing.audit.models import AuditEvent
from housing.auth.roles import Role
from housing.auth.services import create_api_token
from housing.clock import today
from housing.extensions import db
from housing.placement import services as placement
from housing.placement.models import Tenancy
from housing.placement.permissions import CASELOAD_ONLY
from housing.renovation import hours
from housing.renovation.models import Participant
from housing.rules.services import set_setting

from .. import factories
from ..factories import UserFactory


def bearer(user) -> dict:
    _token, secret = create_api_token(user, "Test")
    return {"Authorization": f"Bearer {secret}"}


def text_of(response) -> str:
    """What a person reading the response sees: the page, the JSON, the CSV, the cells of an XLSX file, the
    text of a PDF."""
    data = response.get_data()
    response.close()
    if response.mimetype == "application/pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    if response.mimetype.endswith("spreadsheetml.sheet"):
        book = load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(" ".join(str(cell) for cell in row if cell is not None)
                         for sheet in book.worksheets for row in sheet.iter_rows(values_only=True))
    return data.decode("utf-8")


def denials_of(user) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.summary).where(AuditEvent.action == "access.denied",
                                                                    AuditEvent.actor_id == user.id)
                                   .order_by(AuditEvent.id)))


def check_refusals(client, user, requests, *, headers=None, allowed=(404,)):
    """Send each (method, url, json/form) and expect a refusal that is audited with the path."""
    for method, url, payload in requests:
        before = len(denials_of(user))
        kwargs = {"json": payload} if url.startswith("/api/") else {"data": payload}
        response = client.open(url, method=method, headers=headers or {}, **kwargs)
        response.close()
        assert response.status_code in allowed, f"{method} {url}: {response.status_code}"
        denials = denials_of(user)
        assert len(denials) == before + 1, f"{method} {url} is not in the audit log"
        assert denials[-1] == f"{response.status_code} {method} {url}"


# --- a supervisor and another crew -------------------------------------------------------------------------------


@pytest.fixture
def crews():
    """Two projects with a supervisor each; each crew's participant has hours this month."""
    result = {}
    for side, (first, last) in {"mine": ("Milena", "Kowalczyk"), "theirs": ("Zdravka", "Wąsowicz")}.items():
        supervisor = UserFactory(roles=[Role.SUPERVISOR])
        project = factories.viertelwerk_project(supervisor=supervisor)
        person = db.session.get(Participant, project["participant"])
        person.first_name, person.last_name = first, last
        hours.create_entry(hours.EntryInput(person.id, today() - timedelta(days=1) if today().day > 1 else today(),
                                            hours=Decimal("6"), work_package_id=project["package"]),
                           actor=supervisor)
        result[side] = {**project, "supervisor": supervisor, "name": last}
    db.session.commit()
    return result


def test_a_supervisor_gets_nothing_of_another_crew_on_the_pages(app, login, crews):
    mine, theirs = crews["mine"], crews["theirs"]
    supervisor = mine["supervisor"]
    client = login(app.test_client(), supervisor)
    person, project, month = theirs["participant"], theirs["project"], theirs["month"]

    check_refusals(client, supervisor, [
        ("GET", f"/viertelwerk/participants/{person}", None),
        ("POST", f"/viertelwerk/participants/{person}", {"first_name": "X"}),
        ("GET", f"/viertelwerk/participants/{person}/months/{month}", None),
        ("GET", f"/viertelwerk/participants/{person}/months/{month}/timesheet.pdf", None),
        ("POST", f"/viertelwerk/participants/{person}/months/{month}/approve", None),
        ("POST", f"/viertelwerk/participants/{person}/qualifications", {"kind": "certificate"}),
        ("GET", f"/viertelwerk/projects/{project}", None),
        ("GET", f"/viertelwerk/projects/{project}/edit", None),
        ("GET", f"/viertelwerk/projects/{project}/sheet", None),
        ("GET", f"/viertelwerk/projects/{project}/months/{month}", None),
        ("POST", f"/viertelwerk/months/{month}/timesheets", {"project_id": project}),
    ])
    # The own crew is there (the refusals are need-to-know, not a broken page).
    assert client.get(f"/viertelwerk/participants/{mine['participant']}").status_code == 200
    assert client.get(f"/viertelwerk/projects/{mine['project']}/sheet").status_code == 200


def test_a_supervisor_gets_nothing_of_another_crew_in_the_api(app, crews):
    mine, theirs = crews["mine"], crews["theirs"]
    supervisor = mine["supervisor"]
    client, headers = app.test_client(), bearer(supervisor)
    person, project, month = theirs["participant"], theirs["project"], theirs["month"]

    check_refusals(client, supervisor, [
        ("GET", f"/api/v1/participants/{person}", None),
        ("PATCH", f"/api/v1/participants/{person}", {"version": 1, "first_name": "X"}),
        ("GET", f"/api/v1/hour-entries?participant_id={person}&month={month}", None),
        ("GET", f"/api/v1/participants/{person}/months/{month}/timesheet", None),
        ("POST", f"/api/v1/participants/{person}/months/{month}/approve", None),
        ("GET", f"/api/v1/projects/{project}", None),
        ("PATCH", f"/api/v1/projects/{project}", {"name": "Übernommen"}),
    ], headers=headers)
    # An hour entry for another crew's participant: refused as if the person did not exist.
    response = client.post("/api/v1/hour-entries", headers=headers, json={
        "participant_id": person, "date": today().isoformat(), "hours": "6", "work_package_id": theirs["package"]})
    unknown = client.post("/api/v1/hour-entries", headers=headers, json={
        "participant_id": 999999, "date": today().isoformat(), "hours": "6", "work_package_id": theirs["package"]})
    assert response.status_code == unknown.status_code == 422
    assert response.get_json() == unknown.get_json()
    assert client.get(f"/api/v1/participants/{mine['participant']}", headers=headers).status_code == 200


def test_a_supervisors_lists_and_exports_hold_only_the_own_crew(app, login, crews):
    supervisor = crews["mine"]["supervisor"]
    client = login(app.test_client(), supervisor)
    first = (today().replace(day=1) - timedelta(days=40)).isoformat()

    for url in ("/viertelwerk/participants", "/viertelwerk/participants/export.csv",
                "/viertelwerk/participants/export.xlsx", f"/viertelwerk/reports?from={first}",
                f"/viertelwerk/reports?from={first}&format=csv&table=attendance",
                f"/viertelwerk/reports?from={first}&format=xlsx&table=attendance", "/"):
        response = client.get(url)
        assert response.status_code == 200, url
        shown = text_of(response)
        assert "Kowalczyk" in shown or url == "/", url
        assert "Wąsowicz" not in shown and "Zdravka" not in shown, url
    listed = app.test_client().get("/api/v1/participants", headers=bearer(supervisor)).get_json()
    assert [item["last_name"] for item in listed["items"]] == ["Kowalczyk"]


# --- an advisor limited to the own caseload --------------------------------------------------------------------


@pytest.fixture
def caseloads():
    """Advisor "mine" and advisor "theirs": a searching household each, one of theirs with an offer, one with a
    tenancy; two open flats; the admin's caseload-only switch on."""
    admin = UserFactory(roles=[Role.ADMIN])
    mine, theirs = UserFactory(roles=[Role.TENANT_ADVISOR]), UserFactory(roles=[Role.TENANT_ADVISOR])
    own = factories.household(mine, first_name="Amira", last_name="Okonkwo")
    other = factories.household(theirs, first_name="Zeynep", last_name="Wrzesińska")
    offered = factories.household(theirs, first_name="Jolanta", last_name="Brzęczyszczykiewicz")
    tenant = factories.household(theirs, first_name="Radka", last_name="Nowakowska")
    flat = factories.flat_on_offer(theirs, label="EG")
    offer = placement.propose(offered, flat, actor=theirs)
    let = factories.flat_on_offer(theirs, label="2. OG")
    signed = placement.propose(tenant, let, actor=theirs)
    for step in ("viewing", "accepted", "contract_signed"):
        placement.transition_offer(signed, step, actor=theirs)
    tenancy = db.session.scalar(select(Tenancy).where(Tenancy.applicant_id == tenant.id))
    placement.open_support_case(let.landlord, {"kind": "arrears", "description": "Rückstand",
                                               "tenancy_id": tenancy.id}, actor=theirs)
    free = factories.flat_on_offer(theirs, label="3. OG")
    set_setting(CASELOAD_ONLY, True, actor=admin)
    db.session.commit()
    return {"advisor": mine, "other_advisor": theirs, "own": own.id, "other": other.id, "offered": offered.id,
            "tenant": tenant.id, "flat": flat.id, "free_flat": free.id, "offer": offer.id, "tenancy": tenancy.id,
            "consent": other.consents[0].id, "landlord": let.landlord_id, "admin": admin,
            "their_names": ("Wrzesińska", "Brzęczyszczykiewicz", "Nowakowska")}


def assert_no_names(text, names, where):
    for name in names:
        assert name not in text, f"{name} on {where}"


def test_an_advisor_limited_to_the_caseload_gets_no_other_household_on_the_pages(app, login, caseloads):
    c = caseloads
    advisor = c["advisor"]
    client = login(app.test_client(), advisor)

    check_refusals(client, advisor, [
        ("GET", f"/placement/households/{c['other']}", None),
        ("GET", f"/placement/households/{c['other']}/edit", None),
        ("POST", f"/placement/households/{c['other']}/status", {"to": "clearing"}),
        ("POST", f"/placement/households/{c['other']}/health-note", {"health_note": "x",
                                                                     "health_note_basis": "consent"}),
        ("POST", f"/placement/households/{c['other']}/consents", {"purpose": "placement"}),
        ("POST", f"/placement/consents/{c['consent']}/revoke", None),
        ("GET", f"/placement/offers/{c['offer']}", None),
        ("POST", f"/placement/offers/{c['offer']}", {"to": "viewing"}),
        ("GET", f"/placement/offers/{c['offer']}/letter.pdf", None),
        ("GET", f"/placement/tenancies/{c['tenancy']}", None),
        ("POST", f"/placement/flats/{c['free_flat']}/offers", {"applicant_id": c["other"]}),
    ])
    assert client.get(f"/placement/households/{c['own']}").status_code == 200


def test_an_advisor_limited_to_the_caseload_gets_no_other_household_in_the_api(app, caseloads):
    c = caseloads
    advisor = c["advisor"]
    client, headers = app.test_client(), bearer(advisor)
    consent = {"purpose": "placement", "given_on": today().isoformat()}

    check_refusals(client, advisor, [
        ("GET", f"/api/v1/applicants/{c['other']}", None),
        ("PATCH", f"/api/v1/applicants/{c['other']}", {"version": 1, "urgency": "high"}),
        ("POST", f"/api/v1/applicants/{c['other']}/transitions", {"to": "clearing"}),
        ("GET", f"/api/v1/applicants/{c['other']}/consents", None),
        ("POST", f"/api/v1/applicants/{c['other']}/consents", consent),
        ("POST", f"/api/v1/applicants/{c['other']}/consents/{c['consent']}/revoke", None),
        ("GET", f"/api/v1/applicants/{c['other']}/vacancies", None),
        ("GET", f"/api/v1/offers/{c['offer']}", None),
        ("POST", f"/api/v1/offers/{c['offer']}/transitions", {"to": "viewing"}),
        ("GET", f"/api/v1/tenancies/{c['tenancy']}", None),
    ], headers=headers)
    # Proposing another advisor's household: the same answer as for a household that does not exist.
    response = client.post("/api/v1/offers", headers=headers,
                           json={"applicant_id": c["other"], "vacancy_id": c["free_flat"]})
    unknown = client.post("/api/v1/offers", headers=headers,
                          json={"applicant_id": 999999, "vacancy_id": c["free_flat"]})
    assert (response.status_code, response.get_json()) == (unknown.status_code, unknown.get_json())
    assert client.get(f"/api/v1/applicants/{c['own']}", headers=headers).status_code == 200


def test_an_advisors_lists_hold_only_the_own_caseload(app, login, caseloads):
    c = caseloads
    client = login(app.test_client(), c["advisor"])

    for url in ("/placement/households", "/placement/households?all=1", "/placement/households/export.csv?all=1",
                "/placement/households/export.xlsx?all=1", f"/placement/flats/{c['free_flat']}",
                f"/placement/flats/{c['free_flat']}?near=1", f"/placement/flats/{c['flat']}",
                f"/placement/landlords/{c['landlord']}", "/placement/landlords", "/placement/flats", "/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_names(text_of(response), c["their_names"], url)
    candidates = text_of(client.get(f"/placement/flats/{c['free_flat']}"))
    assert "Okonkwo" in candidates


def test_an_advisors_api_lists_hold_only_the_own_caseload(app, caseloads):
    c = caseloads
    client, headers = app.test_client(), bearer(c["advisor"])
    theirs = {c["other"], c["offered"], c["tenant"]}

    def items(url):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        return response.get_json()["items"]

    assert {item["id"] for item in items("/api/v1/applicants")} == {c["own"]}
    assert {item["applicant_id"] for item in items(f"/api/v1/vacancies/{c['free_flat']}/candidates")} == {c["own"]}
    assert not {item["applicant_id"] for item in items("/api/v1/offers")} & theirs
    assert not {item["applicant_id"] for item in items("/api/v1/tenancies")} & theirs


def test_without_the_switch_advisors_share_the_caseload(app, login, caseloads):
    """The control: the refusals above come from the admin's switch."""
    c = caseloads
    set_setting(CASELOAD_ONLY, False, actor=c["admin"])
    db.session.commit()
    client = login(app.test_client(), c["advisor"])

    assert client.get(f"/placement/households/{c['other']}").status_code == 200
    assert "Wrzesińska" in text_of(client.get(f"/placement/flats/{c['free_flat']}"))
    assert "Wrzesińska" in text_of(client.get("/placement/households?all=1"))


# --- management never sees a person --------------------------------------------------------------------------


@pytest.fixture
def everything(crews):
    """A case, two crews with hours, households with an offer and a tenancy: every kind of person there is."""
    factories.full_case()
    records = factories.placement_records()
    for applicant_id, (first, last) in zip((records["applicant"], db.session.get(Tenancy, records["tenancy"])
                                            .applicant_id), (("Oksana", "Hrabowska"), ("Dragana", "Marinković")),
                                           strict=True):
        applicant = db.session.get(placement.Applicant, applicant_id)
        applicant.first_name, applicant.last_name = first, last
    db.session.commit()
    return {**records, "project": crews["mine"]["project"],
            "names": ("Hrabowska", "Oksana", "Marinković", "Dragana", "Kowalczyk", "Milena", "Wąsowicz", "Zdravka")}


LINK = re.compile(r'href="(/[^"#]*)"')


def test_management_never_gets_a_persons_name_on_any_page_it_reaches(app, login, everything):
    manager = UserFactory(roles=[Role.MANAGEMENT])
    client = login(app.test_client(), manager)
    first = (today() - timedelta(days=400)).isoformat()
    start = ["/", "/viertelwerk/projects", "/viertelwerk/reports", f"/viertelwerk/reports?from={first}",
             "/placement/overview", "/cases/board", "/documents/programme", "/inbox", "/profile",
             f"/viertelwerk/projects/{everything['project']}", "/viertelwerk/projects/export.csv",
             f"/viertelwerk/reports?from={first}&format=csv&table=attendance",
             f"/viertelwerk/reports?from={first}&format=csv&table=buildings"]
    seen, queue = set(), list(start)
    while queue:  # every page reachable by a link from those
        url = queue.pop(0)
        if url in seen or url.startswith(("/static/", "/logout")):
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200:
            response.close()
            continue
        text = text_of(response)
        assert_no_names(text, everything["names"], url)
        if response.mimetype == "text/html":
            queue.extend(link.replace("&amp;", "&") for link in LINK.findall(text))
    assert len(seen) > len(start)
    # The programme report, built as management builds it.
    response = client.post("/documents/programme", data={"start": first, "end": today().isoformat()})
    assert response.status_code == 302
    build = response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    report = client.get(f"/documents/{build}/download")
    assert report.status_code == 200 and report.mimetype == "application/pdf"
    assert_no_names(text_of(report), everything["names"], "the programme report")


def test_management_never_gets_a_persons_name_from_the_api(app, everything):
    manager = UserFactory(roles=[Role.MANAGEMENT])
    client, headers = app.test_client(), bearer(manager)
    ids = {"project_id": everything["project"], "property_id": 1, "applicant_id": everything["applicant"],
           "participant_id": 1, "vacancy_id": everything["vacancy"], "offer_id": everything["offer"],
           "tenancy_id": everything["tenancy"], "consent_id": everything["consent"], "month": today().strftime("%Y-%m"),
           "inspection_id": 1, "unit_id": 1, "order_id": 1, "acquisition_id": 1, "entry_id": 1, "landlord_id": 1}

    reached = []
    for op in OPERATIONS.values():
        if op.method != "GET":
            continue
        url = "/api/v1" + re.sub(r"<(?:int:)?(\w+)>", lambda m: str(ids[m.group(1)]), op.rule)
        response = client.get(url, headers=headers)
        allowed = op.roles is None or Role.MANAGEMENT in op.roles
        assert response.status_code == (200 if allowed else 403), url
        assert_no_names(text_of(response), everything["names"], url)
        if allowed:
            reached.append(url)
    assert "/api/v1/projects" in reached


def test_an_api_call_refused_for_the_role_is_audited_like_a_page(app):
    manager = UserFactory(roles=[Role.MANAGEMENT])
    client, headers = app.test_client(), bearer(manager)

    response = client.get("/api/v1/applicants", headers=headers)

    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    assert denials_of(manager) == ["403 GET /api/v1/applicants"]


# --- the restricted health note ------------------------------------------------------------------------------

NOTE = "Nach Schlaganfall: nur Erdgeschoss oder Aufzug"


@pytest.fixture
def noted(app, login):
    advisor = UserFactory(roles=[Role.TENANT_ADVISOR])
    applicant = factories.household(advisor, first_name="Oksana", last_name="Hrabowska")
    db.session.commit()
    client = login(app.test_client(), advisor)
    response = client.post(f"/placement/households/{applicant.id}/health-note",
                           data={"health_note": NOTE, "health_note_basis": "consent"})
    assert response.status_code == 302
    return {"advisor": advisor, "client": client, "applicant": applicant.id}


def test_the_advisor_sees_the_health_note(noted):
    page = text_of(noted["client"].get(f"/placement/households/{noted['applicant']}"))

    assert NOTE in page
    assert "Art. 9 Abs. 2 lit. a" in page


def test_the_admin_and_management_never_see_the_health_note(app, login, noted):
    admin = login(app.test_client(), UserFactory(roles=[Role.ADMIN]))
    manager = login(app.test_client(), UserFactory(roles=[Role.MANAGEMENT]))
    applicant = noted["applicant"]

    page = admin.get(f"/placement/households/{applicant}")
    assert page.status_code == 200
    assert NOTE not in text_of(page) and "Schlaganfall" not in text_of(admin.get(f"/placement/households/{applicant}"))
    assert admin.post(f"/placement/households/{applicant}/health-note", data={"health_note": "",
                                                                             "health_note_basis": ""}).status_code \
        in (403, 404)
    assert manager.get(f"/placement/households/{applicant}").status_code == 403
    for url in ("/placement/households/export.csv?all=1", "/placement/households/export.xlsx?all=1",
                "/admin/audit/", "/admin/audit/export.csv", "/admin/audit/export.xlsx"):
        shown = text_of(admin.get(url))
        assert "Schlaganfall" not in shown, url


def test_the_health_note_is_in_no_export_or_api_answer_even_for_the_advisor(app, noted):
    client = noted["client"]
    for url in ("/placement/households/export.csv", "/placement/households/export.xlsx"):
        shown = text_of(client.get(url))
        assert "Hrabowska" in shown and "Schlaganfall" not in shown, url
    for user in (noted["advisor"], UserFactory(roles=[Role.ADMIN])):
        headers = bearer(user)
        for url in (f"/api/v1/applicants/{noted['applicant']}", "/api/v1/applicants"):
            response = app.test_client().get(url, headers=headers)
            assert response.status_code == 200
            assert "Schlaganfall" not in text_of(response) and "health" not in response.get_data(as_text=True)


def test_the_health_note_is_audited_without_its_text(noted):
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "applicant.health_note")).one()

    assert event.actor_id == noted["advisor"].id and event.object_id == str(noted["applicant"])
    assert "Schlaganfall" not in repr(event.summary) + repr(event.changes)


def test_another_advisor_limited_to_the_caseload_does_not_see_the_note(app, login, noted):
    set_setting(CASELOAD_ONLY, True, actor=UserFactory(roles=[Role.ADMIN]))
    db.session.commit()
    other = login(app.test_client(), UserFactory(roles=[Role.TENANT_ADVISOR]))

    assert other.get(f"/placement/households/{noted['applicant']}").status_code == 404
    assert other.post(f"/placement/households/{noted['applicant']}/health-note",
                      data={"health_note": "", "health_note_basis": ""}).status_code == 404
    assert NOTE in text_of(noted["client"].get(f"/placement/households/{noted['applicant']}"))


def test_a_health_note_without_its_legal_basis_is_refused_and_nothing_is_stored(app, login):
    advisor = UserFactory(roles=[Role.TENANT_ADVISOR])
    applicant = factories.household(advisor)
    db.session.commit()
    client = login(app.test_client(), advisor)

    response = client.post(f"/placement/households/{applicant.id}/health-note",
                           data={"health_note": NOTE, "health_note_basis": ""}, follow_redirects=True)

    assert "Pflichtangabe fehlt." in text_of(response)
    db.session.expire_all()
    assert db.session.get(type(applicant), applicant.id).health_note is None
