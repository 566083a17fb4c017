"""Where a login leads (issue 23): organizers and admins to their dashboard, experts to their
marking, a competitor to their own results page; `next` still wins. A logged-in competitor who
opens "My results" is taken to their page instead of being asked for the code."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from competition.extensions import db
from competition.models import User
from tests.access import client_as, make_role_users

from ..helpers import EN, csrf

PASSWORD = "password-for-tests"


@pytest.fixture
def users(demo_app):
    return make_role_users(demo_app)


def log_in(app, login: str, next_: str | None = None):
    client = app.test_client()
    url = "/login" + (f"?next={next_}" if next_ else "")
    token = csrf(client.get(url, headers=EN).get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, "login": login,
                                      "password": PASSWORD}, headers=EN)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client, response.headers["Location"]


@pytest.mark.parametrize(("persona", "start"), [
    ("organizer", "/manage/"), ("admin", "/manage/"), ("chief", "/judging/"),
    ("expert", "/judging/")])
def test_staff_land_on_their_own_start_page(demo_app, users, persona, start):
    _client, where = log_in(demo_app, f"as-{persona}")
    assert where == start
    _client, where = log_in(demo_app, f"as-{persona}", next_="/results")
    assert where == "/results"  # next wins


def test_a_competitor_lands_on_their_own_results_and_my_results_finds_them(demo_app, users):
    with demo_app.app_context():
        code = db.session.get(User, users["competitor"]).competitor.results_code
    client, where = log_in(demo_app, "as-competitor")
    assert where == f"/me/{code}", where
    page = client.get(where, headers=EN)
    assert page.status_code == 200
    mine = client.get("/me", headers=EN)
    assert mine.status_code == 302 and mine.headers["Location"] == where
    # anyone else is asked for the code, as before
    visitor = client_as(demo_app, "organizer", users).get("/me", headers=EN)
    assert visitor.status_code == 200 and 'name="code"' in visitor.get_data(as_text=True)
    with demo_app.app_context():
        assert db.session.execute(sa.select(User.last_login_at).where(
            User.id == users["competitor"])).scalar_one() is not None
