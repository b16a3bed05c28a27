"""The OpenAPI document tells the truth: every API route is in it, answers conform to it,
and schemathesis's generated requests never get a 5xx or a non-conforming answer."""

import uuid

import pytest
import schemathesis
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .records_data import record


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}  # as in production: the API needs its X-CSRFToken


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def credentials(app, make_user):
    """The session cookie and CSRF header of a signed-in advisor, as a tablet holds them."""
    import re

    make_user("advisor", username="tablet", agency="TADINE")
    client = app.test_client()
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").get_data(as_text=True))[1]
    client.post("/login", data={"username": "tablet", "password": "correct horse battery", "csrf_token": token})
    csrf = client.get("/api/v1/me").json["csrf_token"]
    return client, {"pcn_session": client.get_cookie("pcn_session").value}, {"X-CSRFToken": csrf}


def test_document_is_public_and_describes_every_api_route(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["openapi"] == "3.1.0"
    routes = {(rule.rule, method) for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
              for method in rule.methods - {"HEAD", "OPTIONS"} if rule.rule != "/api/v1/openapi.json"}
    documented = {(path, method.upper()) for path, operations in document["paths"].items() for method in operations}
    assert routes == documented
    assert documented == {("/api/v1/me", "GET"), ("/api/v1/reference", "GET"), ("/api/v1/sync", "POST"),
                          ("/api/v1/accompaniments", "GET"), ("/api/v1/stats", "GET"),
                          *{(f"/api/v1/exports/{name}", "GET") for name in EXPORTS}}


def read(client, url):
    """A streamed download read to its end, so its request context is gone before the next."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def test_real_answers_conform(api_schema, credentials):
    client, _cookies, headers = credentials
    operations = {
        ("/api/v1/me", "GET"): [client.get("/api/v1/me")],
        ("/api/v1/reference", "GET"): [client.get("/api/v1/reference")],
        ("/api/v1/accompaniments", "GET"): [client.get("/api/v1/accompaniments?limit=1"),
                                            client.get("/api/v1/accompaniments?limit=0")],
        ("/api/v1/stats", "GET"): [client.get("/api/v1/stats"), client.get("/api/v1/stats?kind=x"),
                                   client.get("/api/v1/stats?agency=KONE")],
        **{(f"/api/v1/exports/{name}", "GET"): [read(client, f"/api/v1/exports/{name}"),
                                                read(client, f"/api/v1/exports/{name}?to=x")] for name in EXPORTS},
    }
    known = str(uuid.uuid4())
    sync = lambda body: client.post("/api/v1/sync", json=body, headers=headers)  # noqa: E731
    operations[("/api/v1/sync", "POST")] = [
        sync({"records": [{"id": known, "base_version": 0, "data": record()}]}),                    # created
        sync({"records": [{"id": known, "base_version": 0, "data": record()}]}),                    # unchanged
        sync({"records": [{"id": known, "base_version": 1, "data": record(duration_minutes=5)}]}),  # updated
        sync({"records": [{"id": known, "base_version": 1, "data": record(duration_minutes=9)}]}),  # conflict
        sync({"records": [{"id": str(uuid.uuid4()), "data": record(kind="x")}]}),                   # invalid
        sync({"records": [{"id": str(uuid.uuid4()), "data": record(agency="KONE")}]}),              # forbidden
        sync({"records": "nope"}),                                                                   # 400
        client.post("/api/v1/sync", json={"records": []}),                                           # 400 csrf
        sync({"records": [{"id": str(uuid.uuid4())}] * 501}),                                       # 413
    ]
    statuses = {r["status"] for response in operations[("/api/v1/sync", "POST")][:6]
                for r in response.json["results"]}
    assert statuses == {"created", "unchanged", "updated", "conflict", "invalid", "forbidden"}
    for (path, method), responses in operations.items():
        for response in responses:
            api_schema[path][method].validate_response(response)


def test_a_wrong_answer_would_be_caught(api_schema, credentials):
    """Guard the guard: an answer missing a required field does not conform."""
    client, _cookies, _headers = credentials
    response = client.get("/api/v1/me")
    response.set_data(b'{"user": {}}')
    from schemathesis.core.failures import FailureGroup

    with pytest.raises(FailureGroup, match="distinct failures"):
        api_schema["/api/v1/me"]["GET"].validate_response(response)


EXPORTS = ["accompaniments.csv", "accompaniments.xlsx", "stats.xlsx"]
OPERATIONS = [("/api/v1/me", "GET"), ("/api/v1/reference", "GET"), ("/api/v1/sync", "POST"),
              ("/api/v1/accompaniments", "GET"), ("/api/v1/stats", "GET"),
              *[(f"/api/v1/exports/{name}", "GET") for name in EXPORTS]]


@pytest.mark.parametrize("path,method", OPERATIONS)
# Derandomized: the same examples every run, so CI is stable; raise max_examples locally to explore.
@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
@given(data=st.data())
def test_generated_requests_get_no_5xx_and_conforming_answers(api_schema, credentials, path, method, data):
    _client, cookies, headers = credentials
    case = data.draw(api_schema[path][method].as_strategy())
    # Answers asked for uncompressed: schemathesis reads a WSGI body as it comes, and the
    # encodings themselves are tests/test_compression.py's subject.
    response = case.call(cookies=cookies, headers={**headers, "Accept-Encoding": "identity"})
    assert response.status_code < 500, response.text
    # ignored_auth re-sends without the session, but the cookie we pass along would still go with
    # it; the anonymous 401 is asserted by the guard's own tests.
    excluded = [ignored_auth]
    if path == "/api/v1/stats" or path.startswith("/api/v1/exports/"):
        # Its 400s answer what a schema cannot state: a real day (not 30 February) within the
        # pilot's years, `from` not after `to`, codes that exist in the database today.
        excluded.append(positive_data_acceptance)
    case.validate_response(response, excluded_checks=excluded)
