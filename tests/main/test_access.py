"""Every route × every role -> the expected status. A new route fails here until it is listed.

Statuses: 200 page, 302 redirect (to login for anonymous users), 403 role lacks access,
404 the record is not the user's to know, 405 wrong method, 422 a POST form without data.
"""

import pytest

from housing.auth.roles import Role

from .. import factories
from ..factories import UserFactory

ROLES = [role.value for role in Role]
CASES = ("housing_officer", "admin")
ADVICE = ("tenant_advisor", "admin")
PROGRESS = ("supervisor", "admin", "housing_officer", "management")
# A crew's pages: the admin may, a supervisor of another project gets 404, roles without crews 403.
CREW = {"admin": 200, "supervisor": 404, "housing_officer": 403, "tenant_advisor": 403, "management": 403}
ANON = "anonymous"
LOGIN = "302 to login"


def only(*allowed, ok=200, denied=403):
    return {role: (ok if role in allowed else denied) for role in ROLES}


def everyone(status):
    return {role: status for role in ROLES}


# endpoint: (method, url, anonymous status or LOGIN, {role: status})
MATRIX = {
    "main.index": ("GET", "/", LOGIN, everyone(200)),
    "main.healthz": ("GET", "/healthz", 200, everyone(200)),
    "api_reference.reference": ("GET", "/api-reference", 200, everyone(200)),
    "main.admin": ("GET", "/admin/", LOGIN, only("admin")),
    "main.set_language": ("POST", "/language", 302, everyone(302)),
    "auth.login": ("GET", "/login", 200, everyone(302)),
    "auth.logout": ("POST", "/logout", LOGIN, everyone(302)),
    "auth.profile": ("GET", "/profile", LOGIN, everyone(200)),
    # Two-factor login: the second step and the enrolment need a password step first in this browser.
    "auth.second_step": ("GET", "/login/code", LOGIN, everyone(302)),
    "auth.enrol": ("GET", "/login/two-factor", LOGIN, everyone(302)),
    "auth.recovery_codes": ("GET", "/profile/recovery-codes", LOGIN, everyone(302)),
    "auth.profile_two_factor": ("GET", "/profile/two-factor", LOGIN, everyone(200)),
    "auth.disable_two_factor": ("POST", "/profile/two-factor/off", LOGIN, everyone(302)),
    "auth.change_password": ("POST", "/profile/password", LOGIN, everyone(422)),
    "auth.create_token": ("POST", "/profile/tokens", LOGIN, everyone(422)),
    "auth.revoke_token": ("POST", "/profile/tokens/{other_token}/revoke", LOGIN, everyone(404)),
    "auth.users": ("GET", "/admin/users", LOGIN, only("admin")),
    "auth.export_users": ("GET", "/admin/users/export.csv", LOGIN, only("admin")),
    "auth.create_user": ("GET", "/admin/users/new", LOGIN, only("admin")),
    "auth.edit_user": ("GET", "/admin/users/{other_user}", LOGIN, only("admin")),
    "auth.reset_two_factor": ("POST", "/admin/users/{other_user}/two-factor/reset", LOGIN, only("admin", ok=302)),
    "auth.set_user_password": ("POST", "/admin/users/{other_user}/password", LOGIN, only("admin", ok=422)),
    "audit.events": ("GET", "/admin/audit/", LOGIN, only("admin")),
    "audit.export_events": ("GET", "/admin/audit/export.xlsx", LOGIN, only("admin")),
    "rules.index": ("GET", "/admin/rules/", LOGIN, only("admin")),
    "rules.settings": ("POST", "/admin/rules/settings", LOGIN, only("admin", ok=302)),
    # Data protection: the data protection officer's tools, admins only.
    "privacy.subjects": ("GET", "/admin/privacy/", LOGIN, only("admin")),
    "privacy.subject": ("GET", "/admin/privacy/applicant/{applicant}", LOGIN, only("admin")),
    "privacy.subject_pdf": ("GET", "/admin/privacy/participant/{participant}/auskunft.pdf", LOGIN, only("admin")),
    "privacy.subject_json": ("GET", "/admin/privacy/applicant/{applicant}/auskunft.json", LOGIN, only("admin")),
    "privacy.retention": ("GET", "/admin/privacy/retention", LOGIN, only("admin")),
    # The inbox is everyone's own; another user's message does not exist for them.
    "jobs.inbox": ("GET", "/inbox", LOGIN, everyone(200)),
    "jobs.open_notification": ("POST", "/inbox/{other_notification}/open", LOGIN, everyone(404)),
    "jobs.read_all": ("POST", "/inbox/read", LOGIN, everyone(302)),
    "jobs.admin_jobs": ("GET", "/admin/jobs", LOGIN, only("admin")),
    "jobs.run_now": ("POST", "/admin/jobs/retention/run", LOGIN, only("admin", ok=302)),
    # Documents built in the background: only the person who asked for one sees it.
    "documents.programme": ("GET", "/documents/programme", LOGIN, only("management", "admin")),
    "documents.status": ("GET", "/documents/{other_build}", LOGIN, everyone(404)),
    "documents.download": ("GET", "/documents/{other_build}/download", LOGIN, everyone(404)),
    "rules.add_version": ("POST", "/admin/rules/min_area_per_person_m2", LOGIN, only("admin", ok=422)),
    # Imports of the city's lists: admins only (a POST without a file is 422).
    "imports.upload": ("GET", "/admin/import", LOGIN, only("admin")),
    # The Ankauf pipeline: housing officers and admins; management sees the board only.
    "properties.cases": ("GET", "/cases", LOGIN, only(*CASES)),
    "properties.export_cases": ("GET", "/cases/export.csv", LOGIN, only(*CASES)),
    "properties.board": ("GET", "/cases/board", LOGIN, only(*CASES, "management")),
    "properties.new_case": ("GET", "/cases/new", LOGIN, only(*CASES)),
    "properties.detail": ("GET", "/properties/{property}", LOGIN, only(*CASES)),
    "properties.edit": ("GET", "/properties/{property}/edit", LOGIN, only(*CASES)),
    "properties.transition": ("POST", "/properties/{property}/transition", LOGIN, only(*CASES, ok=422)),
    "properties.new_unit": ("GET", "/properties/{property}/units/new", LOGIN, only(*CASES)),
    "properties.edit_unit": ("GET", "/properties/{property}/units/{unit}", LOGIN, only(*CASES)),
    "properties.new_ownership": ("GET", "/properties/{property}/owners/new", LOGIN, only(*CASES)),
    "properties.new_referral": ("GET", "/properties/{property}/referrals/new", LOGIN, only(*CASES)),
    "properties.new_inspection": ("GET", "/properties/{property}/inspections/new", LOGIN, only(*CASES)),
    "properties.inspection": ("GET", "/properties/{property}/inspections/{inspection}", LOGIN, only(*CASES)),
    "properties.resolve_defect": ("POST", "/properties/{property}/defects/{defect}/resolve", LOGIN,
                                  only(*CASES, ok=422)),
    "properties.new_order": ("GET", "/properties/{property}/orders/new", LOGIN, only(*CASES)),
    "properties.edit_order": ("GET", "/properties/{property}/orders/{order}", LOGIN, only(*CASES)),
    "properties.new_acquisition": ("GET", "/properties/{property}/acquisitions/new", LOGIN, only(*CASES)),
    "properties.edit_acquisition": ("GET", "/properties/{property}/acquisitions/{acquisition}", LOGIN,
                                    only(*CASES)),
    "properties.dossier": ("GET", "/properties/{property}/dossier.pdf", LOGIN, only(*CASES)),
    "properties.protocol": ("GET", "/properties/{property}/inspections/{inspection}/protocol.pdf", LOGIN,
                            only(*CASES)),
    "properties.hand_over": ("GET", "/properties/{property}/hand-over", LOGIN, only(*CASES)),
    "properties.social_areas": ("GET", "/admin/social-areas", LOGIN, only("admin")),
    "properties.edit_social_area": ("GET", "/admin/social-areas/1", LOGIN, only("admin")),
    # Viertelwerk: supervisors reach their own projects and crews only (others' are 404, as if unknown);
    # housing officers and management see project progress, never a participant.
    "renovation.projects": ("GET", "/viertelwerk/projects", LOGIN, only(*PROGRESS)),
    "renovation.export_projects": ("GET", "/viertelwerk/projects/export.xlsx", LOGIN, only(*PROGRESS)),
    "renovation.project": ("GET", "/viertelwerk/projects/{project}", LOGIN,
                           {**only(*PROGRESS), "supervisor": 404}),
    "renovation.edit_project": ("GET", "/viertelwerk/projects/{project}/edit", LOGIN, CREW),
    "renovation.work_package": ("GET", "/viertelwerk/projects/{project}/packages/new", LOGIN, CREW),
    "renovation.add_material": ("POST", "/viertelwerk/projects/{project}/materials", LOGIN,
                                {**CREW, "admin": 302}),
    "renovation.crew_month": ("GET", "/viertelwerk/projects/{project}/months/{month}", LOGIN, CREW),
    "renovation.crew_sheet": ("GET", "/viertelwerk/projects/{project}/sheet", LOGIN, CREW),
    "renovation.participant_list": ("GET", "/viertelwerk/participants", LOGIN, only("supervisor", "admin")),
    "renovation.export_participants": ("GET", "/viertelwerk/participants/export.csv", LOGIN,
                                       only("supervisor", "admin")),
    "renovation.new_participant": ("GET", "/viertelwerk/participants/new", LOGIN, only("supervisor", "admin")),
    "renovation.participant": ("GET", "/viertelwerk/participants/{participant}", LOGIN, CREW),
    "renovation.add_qualification": ("POST", "/viertelwerk/participants/{participant}/qualifications", LOGIN,
                                     {**CREW, "admin": 302}),
    "renovation.month": ("GET", "/viertelwerk/participants/{participant}/months/{month}", LOGIN, CREW),
    "renovation.approve_month": ("POST", "/viertelwerk/participants/{participant}/months/{month}/approve", LOGIN,
                                 {**CREW, "admin": 302}),
    "renovation.unlock_month": ("POST", "/viertelwerk/participants/{participant}/months/{month}/unlock", LOGIN,
                                {**only("admin", ok=302)}),
    "renovation.month_timesheets": ("POST", "/viertelwerk/months/{month}/timesheets", LOGIN,
                                    {**CREW, "admin": 302}),
    "renovation.timesheet": ("GET", "/viertelwerk/participants/{participant}/months/{month}/timesheet.pdf", LOGIN,
                             CREW),
    "renovation.report": ("GET", "/viertelwerk/reports", LOGIN, only(*PROGRESS)),
    # Housing access: advisors and admins work with households; officers see flats of acquired buildings;
    # management sees the overview (aggregates) only.
    "placement.households": ("GET", "/placement/households", LOGIN, only(*ADVICE)),
    "placement.export_households": ("GET", "/placement/households/export.csv", LOGIN, only(*ADVICE)),
    "placement.export_flats": ("GET", "/placement/flats/export.csv", LOGIN, only(*ADVICE, "housing_officer")),
    "placement.new_household": ("GET", "/placement/households/new", LOGIN, only(*ADVICE)),
    "placement.household": ("GET", "/placement/households/{applicant}", LOGIN, only(*ADVICE)),
    "placement.edit_household": ("GET", "/placement/households/{applicant}/edit", LOGIN, only(*ADVICE)),
    "placement.household_status": ("POST", "/placement/households/{applicant}/status", LOGIN,
                                   only(*ADVICE, ok=422)),
    "placement.health_note": ("POST", "/placement/households/{applicant}/health-note", LOGIN,
                              {**only("tenant_advisor", ok=302)}),
    "placement.add_consent": ("POST", "/placement/households/{applicant}/consents", LOGIN, only(*ADVICE, ok=422)),
    "placement.revoke_consent": ("POST", "/placement/consents/{consent}/revoke", LOGIN, only(*ADVICE, ok=302)),
    "placement.landlords": ("GET", "/placement/landlords", LOGIN, only(*ADVICE)),
    "placement.export_landlords": ("GET", "/placement/landlords/export.csv", LOGIN, only(*ADVICE)),
    "placement.landlord_form": ("GET", "/placement/landlords/new", LOGIN, only(*ADVICE)),
    "placement.landlord": ("GET", "/placement/landlords/{landlord}", LOGIN, only(*ADVICE)),
    "placement.resolve_case": ("POST", "/placement/support-cases/{case}/resolve", LOGIN, only(*ADVICE, ok=302)),
    "placement.flats": ("GET", "/placement/flats", LOGIN, only(*ADVICE, "housing_officer")),
    "placement.new_flat": ("GET", "/placement/flats/new", LOGIN, only(*ADVICE)),
    "placement.edit_flat": ("GET", "/placement/flats/{vacancy}/edit", LOGIN, only(*ADVICE)),
    "placement.withdraw_flat": ("POST", "/placement/flats/{vacancy}/withdraw", LOGIN, only(*ADVICE, ok=302)),
    # A landlord's flat is not an officer's business: 404 as if unknown.
    "placement.flat": ("GET", "/placement/flats/{vacancy}", LOGIN, {**only(*ADVICE), "housing_officer": 404}),
    "placement.propose": ("POST", "/placement/flats/{vacancy}/offers", LOGIN, {**only(*ADVICE), "admin": 404,
                                                                               "tenant_advisor": 404}),
    "placement.offer_units": ("POST", "/placement/properties/{property}/offer-units", LOGIN,
                              only(*ADVICE, "housing_officer", ok=302)),
    "placement.offer": ("GET", "/placement/offers/{offer}", LOGIN, only(*ADVICE)),
    "placement.offer_letter": ("GET", "/placement/offers/{offer}/letter.pdf", LOGIN, only(*ADVICE)),
    "placement.tenancy": ("GET", "/placement/tenancies/{tenancy}", LOGIN, only(*ADVICE)),
    "placement.overview_page": ("GET", "/placement/overview", LOGIN, only(*ADVICE, "management")),
    "rules.kdu": ("GET", "/admin/rules/kdu", LOGIN, only("admin")),
    # Files: whoever may not see the record gets 404, not a hint that the file exists.
    "attachments.download": ("GET", "/attachments/{photo}", LOGIN, only(*CASES, denied=404)),
    "attachments.thumbnail": ("GET", "/attachments/{photo}/thumbnail", LOGIN, only(*CASES, denied=404)),
}

# The API ignores session cookies: without a bearer token every resource is 401 for everyone
# (its own role rules are checked with tokens in tests/*/test_api*.py).
API_PUBLIC = {"api.openapi_json"}

SKIPPED_ENDPOINTS = {"static"}


@pytest.fixture
def records():
    from housing.auth.services import create_api_token

    other = UserFactory(roles=[Role.MANAGEMENT])
    token, _secret = create_api_token(other, "fremd")
    notification = factories.notification(other)
    build = factories.document_build(other)
    case = factories.full_case()
    crew = factories.viertelwerk_project()
    return {"other_user": other.id, "other_token": token.id, "other_notification": notification.id,
            "other_build": build.id, **case, "project": crew["project"],
            "participant": crew["participant"], "month": crew["month"], **factories.placement_records()}


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - SKIPPED_ENDPOINTS
    web = {endpoint for endpoint in endpoints if not endpoint.startswith("api.")}
    assert web == set(MATRIX), "add new routes to MATRIX with their expected statuses"


def _api_rules(app):
    return [(rule, method) for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]


@pytest.mark.parametrize("who", [ANON, "admin", "housing_officer"])
def test_api_ignores_session_cookies(app, login, who):
    client = app.test_client()
    if who != ANON:
        login(client, UserFactory(roles=[Role(who)]))
    for rule, method in _api_rules(app):
        url = rule.rule
        for argument in rule.arguments:
            url = url.replace(f"<int:{argument}>", "1")
        response = client.open(url, method=method, json={})
        expected = 200 if rule.endpoint in API_PUBLIC else 401
        assert response.status_code == expected, f"{method} {url} as {who}"
        assert response.is_json


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
@pytest.mark.parametrize("who", [ANON, *ROLES])
def test_route_answers_each_role_as_expected(app, login, records, endpoint, who):
    method, url, anonymous_status, role_statuses = MATRIX[endpoint]
    client = app.test_client()
    if who != ANON:
        login(client, UserFactory(roles=[Role(who)]))
    expected = anonymous_status if who == ANON else role_statuses[who]
    response = client.open(url.format(**records), method=method)
    if expected == LOGIN:
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url
    else:
        assert response.status_code == expected, f"{method} {url} as {who}"
