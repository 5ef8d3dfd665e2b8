"""The benchmark's switch: with QUERY_COUNT_HEADER every response tells how many SQL statements it ran."""

from housing import create_app

from ..conftest import make_config


def test_responses_tell_their_query_count_when_switched_on(database_url, tmp_path_factory):
    app = create_app(make_config(database_url, tmp_path_factory, QUERY_COUNT_HEADER=True))
    response = app.test_client().get("/healthz")
    assert response.headers["X-Query-Count"] == "1"  # healthz runs SELECT 1 and nothing else
    assert app.test_client().get("/login").headers["X-Query-Count"] == "0"


def test_no_query_count_by_default(client):
    assert "X-Query-Count" not in client.get("/healthz").headers
