"""Only admins reach the data-protection pages; everyone else gets 403, anonymous users the login page."""

import pytest

from housing.auth.roles import Role

from .. import factories
from ..factories import UserFactory

OTHER_ROLES = [role for role in Role if role != Role.ADMIN]


@pytest.fixture
def urls():
    crew = factories.viertelwerk_project()
    applicant = factories.household().id
    return [
        ("GET", "/admin/privacy/"),
        ("POST", "/admin/privacy/"),
        ("GET", f"/admin/privacy/applicant/{applicant}"),
        ("GET", f"/admin/privacy/applicant/{applicant}/auskunft.pdf"),
        ("GET", f"/admin/privacy/applicant/{applicant}/auskunft.json"),
        ("GET", f"/admin/privacy/participant/{crew['participant']}"),
        ("GET", f"/admin/privacy/participant/{crew['participant']}/auskunft.json"),
        ("GET", "/admin/privacy/retention"),
        ("GET", "/admin/privacy/retention?on=2030-01-01"),
    ]


@pytest.mark.parametrize("role", OTHER_ROLES, ids=lambda role: role.value)
def test_other_roles_are_refused(app, login, urls, role):
    client = login(app.test_client(), UserFactory(roles=[role]))
    for method, url in urls:
        assert client.open(url, method=method, data={"kind": "applicant", "query": "Ştefan"}).status_code == 403, url


def test_anonymous_users_are_sent_to_the_login(app, urls):
    client = app.test_client()
    for method, url in urls:
        response = client.open(url, method=method)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url


def test_admins_reach_every_page(app, login, urls):
    client = login(app.test_client(), UserFactory(roles=[Role.ADMIN]))
    for method, url in urls:
        response = client.open(url, method=method, data={"kind": "applicant", "query": "Ştefan"})
        assert response.status_code == 200, url


def test_the_admin_page_links_to_the_privacy_tools(app, login):
    client = login(app.test_client(), UserFactory(roles=[Role.ADMIN]))
    page = client.get("/admin/").get_data(as_text=True)
    assert "/admin/privacy/" in page and "/admin/privacy/retention" in page
