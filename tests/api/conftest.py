import pytest

from housing.auth.roles import Role
from housing.auth.services import create_api_token
from housing.extensions import db

from ..factories import UserFactory


class Api:
    """A script with a personal token: ``api.get(url)``, ``api.post(url, json)`` … (paths below /api/v1).

    ``expect=`` checks the status and returns the JSON body (or the raw bytes of a document)."""

    def __init__(self, client, user):
        self.client, self.user = client, user
        _token, self.secret = create_api_token(user, "Skript")
        db.session.commit()

    @property
    def headers(self):
        return {"Authorization": f"Bearer {self.secret}"}

    def call(self, method, url, json=None, expect=200):
        response = self.client.open(f"/api/v1{url}", method=method, json=json, headers=self.headers)
        text = response.get_data(as_text=True) if response.mimetype == "application/json" else response.mimetype
        assert response.status_code == expect, f"{method} {url}: {response.status_code} {text}"
        if response.mimetype == "application/json":
            return response.get_json()
        return response.get_data()

    def get(self, url, expect=200):
        return self.call("GET", url, expect=expect)

    def post(self, url, json=None, expect=200):
        return self.call("POST", url, {} if json is None else json, expect=expect)

    def patch(self, url, json, expect=200):
        return self.call("PATCH", url, json, expect=expect)

    def delete(self, url, expect=200):
        return self.call("DELETE", url, expect=expect)


@pytest.fixture
def api_as(client):
    """``api_as(role)`` (or ``api_as(user=...)``): a script acting with a new token of a new user holding ``role``."""

    def make(role=None, *, user=None):
        return Api(client, user or UserFactory(roles=[Role(role)]))

    return make
