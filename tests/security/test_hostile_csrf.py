"""CSRF: every route that takes POST refuses a form without the session's CSRF token — for each
persona that could otherwise post there — with a translated page, and writes nothing.

The routes come from the app's URL map, so a new POST route is covered the day it is added; the
one exemption (the JSON API, csrf.exempt(api) in competition/judging/__init__.py) is pinned
below, so a new exemption fails here until someone decides it is safe.
"""

from __future__ import annotations

import json

import pytest
from flask_babel import force_locale, gettext

from competition.auth import policy
from tests.access import PERSONAS, WHO, client_as, csrf_token, free_m_aspects, make_role_users
from tests.fixtures.databases import app_on_copy
from tests.test_access import ACCESS

from .hostile import dispose, fingerprint

# The JSON API: a browser cannot send application/json across sites without a CORS preflight
# (never granted), and the session cookie is SameSite=Lax; bearer-token clients have no cookie
# for another site to ride on. The tests below prove the content-type half.
EXEMPT = {"api.submit_mark",
          "api.skill_visibility",  # JSON only: board/api_views.py
          "api.appeals_of_skill", "api.appeal_decision"}  # JSON only: judging/appeal_api.py
LANGUAGES = ("en", "ru", "kk")


@pytest.fixture(scope="module")
def csrf_app(demo_template_db, tmp_path_factory):
    app = app_on_copy(demo_template_db, tmp_path_factory.mktemp("csrf"))
    ids = make_role_users(app)
    assert app.config.get("WTF_CSRF_ENABLED", True), "these tests need CSRF on"
    yield app, ids
    dispose(app)


def post_endpoints(app) -> list[str]:
    return sorted({rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods})


def _expected(app, status_reason: str, language: str) -> list[str]:
    with app.test_request_context(), force_locale(language):
        return [gettext("The request could not be understood"), gettext(status_reason)]


CSRF_REASON = ("This form has expired or did not come from this site, so nothing was saved. "
               "Reload the page and submit the form again.")


def test_the_exempt_routes_are_exactly_the_json_api(csrf_app):
    app, _ids = csrf_app
    protect = app.extensions["csrf"]
    assert {getattr(b, "name", b) for b in protect._exempt_blueprints} == {"api"}
    assert not protect._exempt_views
    api_posts = {e for e in post_endpoints(app) if e.startswith("api.")}
    assert api_posts == EXEMPT


def test_every_post_route_is_counted(csrf_app):
    app, _ids = csrf_app
    endpoints = post_endpoints(app)
    missing = [e for e in endpoints if e not in ACCESS]
    assert not missing, f"POST routes without a URL in tests/test_access.py ACCESS: {missing}"
    pairs = sum(len(_posters(e)) for e in endpoints if e not in EXEMPT)
    print(f"\ncsrf: {len(endpoints) - len(EXEMPT)} POST routes, {pairs} route × persona "
          f"posts without a token, each refused with nothing written")
    assert len(endpoints) > 40


def _posters(endpoint: str) -> list[str]:
    """The personas that may post there (the ones a forged form would act as)."""
    return [p for p in PERSONAS if WHO[p] in policy.POST[endpoint]]


def _url_map_posts() -> list[str]:
    """The POST endpoints, read from an app's URL map when the tests are collected."""
    import tempfile

    from tests.fixtures.databases import make_app

    with tempfile.TemporaryDirectory() as folder:
        return post_endpoints(make_app("sqlite://", folder))


@pytest.mark.parametrize("endpoint", [e for e in _url_map_posts() if e not in EXEMPT])
def test_a_post_without_a_csrf_token_is_refused(csrf_app, endpoint):
    app, ids = csrf_app
    url = ACCESS[endpoint][0]
    before = fingerprint(app)
    for number, persona in enumerate(_posters(endpoint)):
        language = LANGUAGES[number % len(LANGUAGES)]
        client = client_as(app, persona, ids)
        with client.session_transaction() as session:
            session["locale"] = language
        csrf_token(app, client)  # the session has a token; the form does not carry it
        for body in ({}, {"csrf_token": "forged"}):
            response = client.post(url, data={"name": "x", "code": "x", **body})
            assert response.status_code == 400, (endpoint, persona, response.status_code)
            assert response.mimetype == "text/html", (endpoint, persona)
            page = response.get_data(as_text=True)
            for text in _expected(app, CSRF_REASON, language):
                assert _escaped(text) in page, (endpoint, persona, language, text)
            assert "Bad Request" not in page and "Traceback" not in page
            assert "CSRF token" not in page  # Flask-WTF's English description stays out
    assert fingerprint(app) == before, f"{endpoint}: a refused POST changed the database"


def _escaped(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


# --- the exempt JSON API: only application/json is read -----------------------------------------

def _cross_site_bodies(aspect: str, value: str) -> dict[str, tuple[str, str]]:
    mark = json.dumps({"id": "forged-cross-site-1", "skill": "10", "competitor": "101",
                       "aspect": aspect, "value": value})
    return {
        # <form enctype="text/plain"> with one field named `{"id": …, "x": "` and value `"}`
        # sends a body that parses as JSON
        "text/plain": (mark, "text/plain"),
        "form": (f"id=forged-cross-site-1&skill=10&competitor=101&aspect={aspect}&value={value}",
                 "application/x-www-form-urlencoded"),
        "multipart": ("--b\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\nforged\r\n"
                      "--b--\r\n", "multipart/form-data; boundary=b"),
    }


@pytest.fixture(scope="module")
def free_cell(csrf_app):
    app, _ids = csrf_app
    return free_m_aspects(app, 1)[0]


@pytest.mark.parametrize("kind", ["text/plain", "form", "multipart"])
def test_the_mark_api_reads_only_json_so_a_cross_site_form_cannot_mark(csrf_app, free_cell,
                                                                        kind):
    app, ids = csrf_app
    body, content_type = _cross_site_bodies(*free_cell)[kind]
    before = fingerprint(app)
    client = client_as(app, "expert", ids)
    response = client.post("/api/v1/marks", data=body, content_type=content_type)
    assert response.status_code == 422, response.status_code
    assert response.get_json()["error"] == "invalid_value"
    assert "application/json" in response.get_json()["message"]
    assert fingerprint(app) == before


def test_the_mark_api_takes_the_same_mark_as_json(csrf_app, free_cell):
    """The control of the test above: the same body sent as JSON is a mark."""
    app, ids = csrf_app
    body, _type = _cross_site_bodies(*free_cell)["text/plain"]
    client = client_as(app, "expert", ids)
    response = client.post("/api/v1/marks", json={**json.loads(body), "id": "control-json-mark-1"})
    assert response.status_code == 201, response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/api/v1/skills/10/appeals", "/api/v1/appeals/1/decision",
                                 "/api/v1/skills/10/visibility"])
@pytest.mark.parametrize("kind", ["text/plain", "form", "multipart"])
def test_the_other_json_posts_read_only_json_either(csrf_app, url, kind):
    """Appeals, decisions and visibility: an organizer's browser led to post a form or plain
    text there gets invalid_value and nothing is written."""
    app, ids = csrf_app
    bodies = {
        "text/plain": ('{"competitor": "101", "text": "forged", "outcome": "upheld", '
                       '"reason": "forged", "visibility": "published", "x": "="}', "text/plain"),
        "form": ("competitor=101&text=forged&outcome=upheld&reason=forged&visibility=hidden",
                 "application/x-www-form-urlencoded"),
        "multipart": ("--b\r\nContent-Disposition: form-data; name=\"visibility\"\r\n\r\n"
                      "hidden\r\n--b--\r\n", "multipart/form-data; boundary=b"),
    }
    body, content_type = bodies[kind]
    before = fingerprint(app)
    client = client_as(app, "organizer", ids)
    response = client.post(url, data=body, content_type=content_type)
    assert response.status_code == 422, (response.status_code, response.get_data(as_text=True))
    assert response.get_json()["error"] == "invalid_value"
    assert fingerprint(app) == before
