"""One-time QR login codes: issued by an organizer, used once, expiring, revocable."""

from __future__ import annotations

import hashlib
import html as html_lib
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from competition.database import write_transaction
from competition.extensions import db
from competition.models import LoginAttempt, LoginCode
from competition.models.base import utcnow

from ..access import client_as, make_role_users
from ..helpers import csrf
from .helpers import EN, logged_in_as, post_form


@pytest.fixture
def code_setup(demo_app):
    ids = make_role_users(demo_app)
    return demo_app, ids, client_as(demo_app, "organizer", ids)


def issue(organizer, user_id: int, days: int = 3) -> str:
    """Issue a code through the account page; returns the login path printed on the page."""
    response = post_form(organizer, f"/manage/accounts/{user_id}/login-code", {"days": days},
                         page=f"/manage/accounts/{user_id}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "<svg" in page  # the QR code itself
    url = html_lib.unescape(re.search(r'<code class="login-url">([^<]+)</code>', page).group(1))
    return urlsplit(url).path


def use(app, path: str, client=None):
    client = client or app.test_client()
    page = client.get(path, headers=EN)
    if page.status_code != 200:
        return client, page
    return client, client.post(path, data={"csrf_token": csrf(page.get_data(as_text=True))},
                               headers=EN)


def test_code_logs_in_once(code_setup):
    app, ids, organizer = code_setup
    path = issue(organizer, ids["expert"])
    code = path.rsplit("/", 1)[1]
    assert len(code) >= 32
    with app.app_context():
        row = db.session.execute(sa.select(LoginCode)).scalar_one()
        assert row.code_hash == hashlib.sha256(code.encode()).hexdigest()

    client = app.test_client()
    confirm = client.get(path, headers=EN)
    assert confirm.status_code == 200
    assert "This login code belongs to:" in confirm.get_data(as_text=True)
    assert logged_in_as(client) is None  # following the link alone logs nobody in
    client, response = use(app, path, client)
    assert response.status_code == 302
    assert logged_in_as(client) == "as-expert"
    assert any(c.startswith("remember_token=") for c in response.headers.getlist("Set-Cookie"))

    other, again = use(app, path)
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)
    assert "Ask the organizer for a new badge" in again.get_data(as_text=True)
    assert logged_in_as(other) is None


def test_second_post_of_the_same_code_is_refused(code_setup):
    app, ids, organizer = code_setup
    path = issue(organizer, ids["expert"])
    first, second = app.test_client(), app.test_client()
    page1 = first.get(path).get_data(as_text=True)
    page2 = second.get(path).get_data(as_text=True)  # both tablets opened the confirm page
    assert first.post(path, data={"csrf_token": csrf(page1)}).status_code == 302
    response = second.post(path, data={"csrf_token": csrf(page2)}, headers=EN)
    assert response.status_code == 410
    assert logged_in_as(second) is None


def test_expired_code_is_refused(code_setup):
    app, ids, organizer = code_setup
    path = issue(organizer, ids["expert"], days=1)
    with app.app_context():
        with write_transaction() as session:
            session.execute(sa.select(LoginCode)).scalar_one().expires_at = (
                utcnow() - timedelta(minutes=1))
    client, response = use(app, path)
    assert response.status_code == 410
    assert "This login code has expired." in response.get_data(as_text=True)
    assert logged_in_as(client) is None


def test_revoked_code_is_refused(code_setup):
    app, ids, organizer = code_setup
    path = issue(organizer, ids["expert"])
    response = post_form(organizer, f"/manage/accounts/{ids['expert']}/login-codes/revoke", {},
                         page=f"/manage/accounts/{ids['expert']}")
    assert response.status_code == 302
    client, response = use(app, path)
    assert response.status_code == 410
    assert "withdrawn" in response.get_data(as_text=True)
    assert logged_in_as(client) is None


def test_new_code_revokes_the_older_unused_one(code_setup):
    app, ids, organizer = code_setup
    old = issue(organizer, ids["expert"])
    new = issue(organizer, ids["expert"])
    _client, response = use(app, old)
    assert response.status_code == 410
    client, response = use(app, new)
    assert response.status_code == 302
    assert logged_in_as(client) == "as-expert"


def test_disabling_the_account_stops_its_code(code_setup):
    app, ids, organizer = code_setup
    path = issue(organizer, ids["expert"])
    post_form(organizer, f"/manage/accounts/{ids['expert']}/disable", {},
              page=f"/manage/accounts/{ids['expert']}")
    client, response = use(app, path)
    assert response.status_code in (410,)
    assert logged_in_as(client) is None


def test_unknown_codes_are_failed_attempts_of_the_address(code_setup):
    app, _ids, _organizer = code_setup
    client = app.test_client()
    response = client.get("/login/code/not-a-real-code", headers=EN)
    assert response.status_code == 404
    assert "not valid" in response.get_data(as_text=True)
    with app.app_context():
        with write_transaction() as session:
            for _ in range(29):
                session.add(LoginAttempt(kind="address", key="127.0.0.1", at=utcnow()))
    response = client.get("/login/code/another-guess", headers=EN)
    assert response.status_code == 429
    assert "Too many failed attempts" in response.get_data(as_text=True)


def test_code_page_is_not_cached_and_sends_its_address_to_no_other_site(code_setup):
    app, ids, organizer = code_setup
    path = issue(organizer, ids["expert"])
    response = app.test_client().get(path)
    assert response.headers["Cache-Control"] == "no-store"
    # same-origin, not no-referrer: the confirming POST over HTTPS needs its Referer
    # (tests/security/test_sessions.py, the badge login over HTTPS)
    assert response.headers["Referrer-Policy"] == "same-origin"
