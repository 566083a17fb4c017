"""The JSON API against its own OpenAPI document (GET /api/v1/openapi.json).

The document names every /api/v1 route and no other; schemathesis then sends generated requests
through the WSGI app — as an expert of skill 10 with a bearer token, and as anonymous — with
all its checks: no 500s, and every answer's status, content type and body as documented.
"""

from __future__ import annotations

import os
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from competition.judging.openapi import document

from ..access import make_role_users
from ..fixtures.databases import app_on_copy

# A bounded, reproducible run: a few seconds per operation (COMPETITION_FUZZ_EXAMPLES=1000 for
# a long one).
FUZZ = settings(max_examples=int(os.environ.get("COMPETITION_FUZZ_EXAMPLES", "40")),
                deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))
# Schema-valid data may still name a skill, aspect or competitor that does not exist (422,
# documented) or a cell that is taken (409): "accepted" for the positive-data check too.
CONFIG = SchemathesisConfig.from_dict({"checks": {"positive_data_acceptance": {
    "expected-statuses": ["2xx", "401", "403", "404", "409", "422"]}}})
CALLS = {"expert": 0, "anonymous": 0}


@pytest.fixture(scope="module")
def api_app(demo_template_db, tmp_path_factory):
    """The demo, and a bearer token of an expert of skill 10."""
    from competition.auth.service import create_token
    from competition.models import User

    folder = tmp_path_factory.mktemp("openapi")
    app = app_on_copy(demo_template_db, folder)
    ids = make_role_users(app)
    with app.app_context():
        login = app.extensions["sqlalchemy"].session.get(User, ids["expert"]).login
        token = create_token(login)
    APP.app = app
    yield app, token
    print(f"\nschemathesis: {CALLS['expert']} requests as an expert of skill 10, "
          f"{CALLS['anonymous']} as anonymous")




class _App:
    """A WSGI app that passes requests on to the app of `api_app`: the schema below is loaded
    at import, before there is a database (schemathesis's fixture-based loader,
    `pytest.from_fixture`, fails on pytest 9)."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


APP = _App()
# The document the app serves (test_the_document_is_public holds them equal); requests and the
# checks' probes go through the WSGI app, not over a network.
schema = schemathesis.openapi.from_dict(document(), config=CONFIG)
schema.app = APP


def _operations(app) -> set[tuple[str, str]]:
    """(method, path) of the app's /api/v1 routes, as OpenAPI writes paths."""
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        found |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def test_the_document_names_every_api_route_and_no_other(api_app):
    app, _token = api_app
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    documented = {(method.upper(), path) for path, operations in document["paths"].items()
                  for method in operations}
    assert documented == _operations(app)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation["responses"], (method, path)
            if operation.get("security") != []:
                assert "401" in operation["responses"], (method, path)


def test_the_document_is_public(api_app):
    app, _token = api_app
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json() == document(app.config["SESSION_COOKIE_NAME"])


@schema.parametrize()
@FUZZ
def test_api_as_an_expert(case, api_app):
    _app, token = api_app
    CALLS["expert"] += 1
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"})


@schema.parametrize()
@FUZZ
def test_api_as_anonymous(case, api_app):  # noqa: ARG001 (api_app: the app to call)
    CALLS["anonymous"] += 1
    case.call_and_validate()


# What the fuzzing found, pinned down (each was a 500, or an answer outside the document).

@pytest.mark.parametrize("since", ["²", "٣", "99999999999999999999999"])
def test_since_beyond_whole_ascii_numbers(api_app, since):
    app, token = api_app
    response = app.test_client().get(f"/api/v1/skills/10/marks?since={since}",
                                     headers={"Authorization": f"Bearer {token}"})
    if since.isascii():
        assert response.status_code == 200 and response.get_json()["marks"] == []
    else:
        assert (response.status_code, response.get_json()["error"]) == (422, "invalid_value")


def test_an_unknown_address_or_method_answers_json(api_app):
    client = api_app[0].test_client()
    missing = client.get("/api/v1/skills/a%0Ab")
    assert (missing.status_code, missing.get_json()["error"]) == (404, "not_found")
    wrong = client.delete("/api/v1/skills")
    assert (wrong.status_code, wrong.get_json()["error"]) == (405, "method_not_allowed")
    assert set(wrong.headers["Allow"].split(", ")) >= {"GET"}
    # the pages keep their HTML error page, with the Allow header too
    page = client.put("/login")
    assert (page.status_code, page.mimetype) == (405, "text/html")
    assert "POST" in page.headers["Allow"]


@pytest.mark.parametrize(("body", "headers"), [
    ({"device": {}}, {}),
    ({"reason": 0}, {}),
    ({"base": False}, {}),
    ({}, {"Idempotency-Key": "another-key-0001"}),
])
def test_a_mark_with_a_field_of_the_wrong_type_is_refused(api_app, body, headers):
    app, token = api_app
    mark = {"id": "typed-fields-0001", "skill": "10", "competitor": "101", "aspect": "A1.1",
            "value": "1.50", **body}
    response = app.test_client().post("/api/v1/marks", json=mark, headers={
        "Authorization": f"Bearer {token}", **headers})
    assert (response.status_code, response.get_json()["error"]) == (422, "invalid_value")
