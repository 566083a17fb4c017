"""Expert PIN login on tablets: set by an organizer, hashed, rate-limited strictly."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from competition.extensions import db
from competition.models import Championship, Expert, User, people

from ..access import client_as, make_role_users
from ..helpers import csrf
from .helpers import EN, age_attempts, logged_in_as, post_form, user_row


@pytest.fixture
def pin_setup(demo_app):
    ids = make_role_users(demo_app)
    with demo_app.app_context():
        user = db.session.get(User, ids["expert"])
        expert = db.session.get(Expert, user.expert_id)
        championship = db.session.get(Championship, expert.championship_id)
        info = {"user_id": user.id, "login": user.login, "code": expert.code,
                "championship_id": championship.id, "championship": championship.code}
    organizer = client_as(demo_app, "organizer", ids)
    response = post_form(organizer, f"/manage/accounts/{info['user_id']}/pin", {"pin": "4821"},
                         page=f"/manage/accounts/{info['user_id']}")
    assert response.status_code == 302
    return demo_app, ids, info


def pin_login(client, info, pin, expert=None):
    return post_form(client, "/login/pin", {
        "championship": info["championship_id"], "expert": expert or info["code"], "pin": pin})


def test_pin_is_stored_hashed_as_passwords_are(pin_setup):
    """With the product's method (scrypt: tests/test_cli.py checks it in a process of its
    own), or the suite's lighter one (tests/conftest.py)."""
    app, _ids, info = pin_setup
    stored = user_row(app, info["login"]).pin_hash
    assert stored.startswith(people.PASSWORD_METHOD.split(":")[0] + ":")
    assert stored.split("$")[0] == people.PASSWORD_METHOD
    assert "4821" not in stored


def test_expert_logs_in_with_code_and_pin(pin_setup):
    app, _ids, info = pin_setup
    client = app.test_client()
    page = client.get("/login/pin", headers=EN).get_data(as_text=True)
    assert 'inputmode="numeric"' in page
    assert 'autocomplete="off"' in page
    response = pin_login(client, info, "4821", expert=info["code"].lower())
    assert response.status_code == 302
    assert logged_in_as(client) == info["login"]
    cookies = response.headers.getlist("Set-Cookie")
    remember = next(c for c in cookies if c.startswith("remember_token="))
    assert "HttpOnly" in remember and "SameSite=Lax" in remember
    assert any(c.startswith(f"competition_pin_championship={info['championship']}")
               for c in cookies)
    # the next expert on this tablet finds the championship chosen
    client.post("/logout", data={"csrf_token": csrf(client.get("/").get_data(as_text=True))})
    page = client.get("/login/pin", headers=EN).get_data(as_text=True)
    assert re.search(rf'<option selected value="{info["championship_id"]}"|'
                     rf'<option value="{info["championship_id"]}" selected', page)


def test_login_name_works_instead_of_the_expert_code(pin_setup):
    app, _ids, info = pin_setup
    client = app.test_client()
    assert pin_login(client, info, "4821", expert=info["login"]).status_code == 302
    assert logged_in_as(client) == info["login"]


def test_wrong_pin_is_refused_with_advice(pin_setup):
    app, _ids, info = pin_setup
    client = app.test_client()
    response = pin_login(client, info, "1111")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Wrong expert code or PIN" in page
    assert "ask the organizer" in page
    assert logged_in_as(client) is None
    response = pin_login(client, info, "12ab")
    assert "A PIN has 4 to 6 digits." in response.get_data(as_text=True)


def test_same_expert_code_in_another_championship_is_another_person(pin_setup):
    app, _ids, info = pin_setup
    with app.app_context():
        other = db.session.execute(
            sa.select(Championship.id).where(Championship.id != info["championship_id"])
        ).scalars().first()
    client = app.test_client()
    response = post_form(client, "/login/pin",
                         {"championship": other, "expert": info["code"], "pin": "4821"})
    assert "Wrong expert code or PIN" in response.get_data(as_text=True)


def test_pin_attempts_are_limited_per_15_minutes_and_per_day(pin_setup):
    app, _ids, info = pin_setup
    client = app.test_client()
    for pin in ("0000", "0001", "0002", "0003", "0004"):
        assert pin_login(client, info, pin).status_code == 200
    response = pin_login(client, info, "4821")  # the right PIN, but too late
    assert response.status_code == 429
    assert "Too many failed attempts" in response.get_data(as_text=True)
    age_attempts(app, 16)
    for pin in ("0005", "0006", "0007", "0008", "0009"):
        assert pin_login(client, info, pin).status_code == 200
    age_attempts(app, 16)
    # ten failures within 24 hours: locked for the day although the 15-minute window is empty
    response = pin_login(client, info, "4821")
    assert response.status_code == 429
    assert logged_in_as(client) is None
    age_attempts(app, 24 * 60)
    assert pin_login(client, info, "4821").status_code == 302


def test_new_pin_from_the_organizer_lifts_the_lock(pin_setup):
    app, ids, info = pin_setup
    client = app.test_client()
    for pin in ("0000", "0001", "0002", "0003", "0004"):
        pin_login(client, info, pin)
    assert pin_login(client, info, "4821").status_code == 429
    organizer = client_as(app, "organizer", ids)
    post_form(organizer, f"/manage/accounts/{info['user_id']}/pin", {"pin": "739155"},
              page=f"/manage/accounts/{info['user_id']}")
    assert pin_login(client, info, "739155").status_code == 302


def test_a_new_pin_logs_the_tablets_of_the_old_one_out(pin_setup):
    """A lost tablet: the organizer sets a new PIN, and neither the tablet's session nor its
    7-day remember cookie works any more."""
    app, ids, info = pin_setup
    tablet, remembered = app.test_client(), app.test_client()
    response = pin_login(tablet, info, "4821")
    assert response.status_code == 302 and logged_in_as(tablet) == info["login"]
    remember = next(c for c in response.headers.getlist("Set-Cookie")
                    if c.startswith("remember_token="))
    remembered.set_cookie("remember_token", remember.split(";")[0].split("=", 1)[1])
    assert logged_in_as(remembered) == info["login"]  # the cookie alone logs in
    organizer = client_as(app, "organizer", ids)
    response = post_form(organizer, f"/manage/accounts/{info['user_id']}/pin", {"pin": "1357"},
                         page=f"/manage/accounts/{info['user_id']}")
    assert response.status_code == 302
    assert logged_in_as(tablet) is None
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember.split(";")[0].split("=", 1)[1])
    assert logged_in_as(fresh) is None
    assert pin_login(app.test_client(), info, "1357").status_code == 302


def test_staff_accounts_have_no_pin(pin_setup):
    app, ids, _info = pin_setup
    organizer = client_as(app, "admin", ids)
    response = post_form(organizer, f"/manage/accounts/{ids['organizer']}/pin", {"pin": "1234"},
                         page=f"/manage/accounts/{ids['organizer']}")
    assert response.status_code == 400
    assert "Only expert and chief expert accounts can have a PIN." in response.get_data(
        as_text=True)
    assert user_row(app, "as-organizer").pin_hash is None
