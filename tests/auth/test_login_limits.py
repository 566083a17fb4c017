"""Password login: rate limit per login and per address, session hygiene, cookie flags."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from competition.database import write_transaction
from competition.extensions import db
from competition.models import LoginAttempt, User
from competition.models.base import utcnow

from ..helpers import csrf
from .helpers import (
    EN,
    PASSWORD,
    age_attempts,
    logged_in_as,
    login,
    make_user,
    post_form,
    user_row,
)


def _attempts(app, kind: str) -> int:
    with app.app_context():
        return db.session.execute(
            sa.select(sa.func.count()).select_from(LoginAttempt).where(LoginAttempt.kind == kind)
        ).scalar_one()


def test_sixth_failed_attempt_is_refused_until_the_window_passes(app):
    make_user(app, "org-1", "organizer")
    client = app.test_client()
    for _ in range(5):
        response = login(client, "org-1", "wrong password")
        assert response.status_code == 200
        assert "Wrong login or password" in response.get_data(as_text=True)
    # the sixth attempt is refused even with the right password, and says when to come back
    response = login(client, "org-1", PASSWORD)
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert ("Too many failed attempts to log in to this account from browsers where it has not "
            "been used before: it is locked for them for 15 min") in page
    assert "tell the organizer" in page
    assert logged_in_as(client) is None
    # a different login from the same address is not affected
    make_user(app, "org-2", "organizer")
    assert login(app.test_client(), "org-2").status_code == 302

    age_attempts(app, 14)
    assert login(client, "org-1", PASSWORD).status_code == 429  # still inside the window
    age_attempts(app, 2)
    response = login(client, "org-1", PASSWORD)
    assert response.status_code == 302
    assert logged_in_as(client) == "org-1"
    # a success gives its own slot back and wipes nothing: failures age out of their window
    assert _attempts(app, "login") == 5
    assert _attempts(app, "address") == 5


def test_failures_count_per_login_case_insensitively(app):
    make_user(app, "org-1", "organizer")
    client = app.test_client()
    for name in ("org-1", "ORG-1", " Org-1", "org-1", "oRg-1"):
        login(client, name, "wrong")
    assert login(client, "org-1").status_code == 429


def test_thirty_failures_from_one_address_refuse_every_login_from_it(app):
    make_user(app, "org-1", "organizer")
    with app.app_context():
        with write_transaction() as session:
            for n in range(29):
                session.add(LoginAttempt(kind="address", key="10.0.0.5", at=utcnow()))
                session.add(LoginAttempt(kind="login", key=f"guess-{n}", at=utcnow()))
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "10.0.0.5"
    assert login(attacker, "guess-30", "x").status_code == 200  # the 30th failure
    response = login(attacker, "org-1", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed attempts" in response.get_data(as_text=True)
    # another address still gets in
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.6"
    assert login(other, "org-1", PASSWORD).status_code == 302


def test_unknown_login_counts_like_a_wrong_password(app):
    client = app.test_client()
    for _ in range(5):
        assert login(client, "nobody", "x").status_code == 200
    assert login(client, "nobody", "x").status_code == 429
    assert _attempts(app, "login") == 5  # a refused attempt is not counted again


def test_login_clears_what_the_session_held_before_and_records_the_time(app):
    make_user(app, "org-1", "organizer")
    client = app.test_client()
    client.get("/login", headers=EN)
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        session["locale"] = "kk"
    before = utcnow()
    assert login(client, "org-1").status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["locale"] == "kk"  # the chosen language survives
        assert session["_user_id"]
    last = user_row(app, "org-1").last_login_at
    assert last is not None
    assert last.replace(tzinfo=before.tzinfo) >= before - timedelta(seconds=1)


def test_session_cookie_flags(app):
    make_user(app, "org-1", "organizer")
    client = app.test_client()
    response = login(client, "org-1")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP unless COMPETITION_HTTPS=1
    app.config["SESSION_COOKIE_SECURE"] = True
    cookie = login(app.test_client(), "org-1").headers["Set-Cookie"]
    assert "Secure" in cookie


def test_disabled_account_cannot_log_in_and_loses_its_session(app):
    user_id = make_user(app, "org-1", "organizer")
    client = app.test_client()
    login(client, "org-1")
    assert logged_in_as(client) == "org-1"
    with app.app_context():
        with write_transaction() as session:
            session.get(User, user_id).is_enabled = False
    assert logged_in_as(client) is None
    response = login(app.test_client(), "org-1")
    assert response.status_code == 200
    assert "Wrong login or password" in response.get_data(as_text=True)


def test_next_parameter_stays_on_this_site(app):
    make_user(app, "org-1", "organizer")
    client = app.test_client()
    response = post_form(client, "/login?next=//evil.example/x",
                         {"login": "org-1", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    response = post_form(app.test_client(), "/login?next=/manage/",
                         {"login": "org-1", "password": PASSWORD})
    assert response.headers["Location"] == "/manage/"


# Known browsers (device cookies, competition/auth/devices.py) ------------------------------

def _from(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _guess_made_up_logins(app, address: str, count: int = 30) -> None:
    attacker = _from(app, address)
    for n in range(count):
        assert login(attacker, f"made-up-{n}", "x").status_code == 200


def test_one_address_cannot_lock_out_an_organizer_whose_browser_it_knows(app):
    make_user(app, "org-1", "organizer")
    organizer = _from(app, "10.0.0.5")  # the same venue NAT as the attacker
    first = login(organizer, "org-1")
    assert first.status_code == 302
    device = next(h for h in first.headers.getlist("Set-Cookie")
                  if h.startswith("competition_device="))
    assert "HttpOnly" in device and "SameSite=Lax" in device and "Path=/login" in device
    organizer.post("/logout", data={"csrf_token": csrf(
        organizer.get("/", headers=EN).get_data(as_text=True))})

    _guess_made_up_logins(app, "10.0.0.5")
    # a browser this account has never used, behind the same address: refused, and told why
    response = login(_from(app, "10.0.0.5"), "org-1")
    assert response.status_code == 429
    assert "Too many failed attempts from this network" in response.get_data(as_text=True)
    # the organizer's own browser is exempt from the address limit for its own account
    assert login(organizer, "org-1").status_code == 302
    assert logged_in_as(organizer) == "org-1"
    # ... not for another account: the address limit still stops guessing through it
    make_user(app, "org-2", "organizer")
    organizer.post("/logout", data={"csrf_token": csrf(
        organizer.get("/", headers=EN).get_data(as_text=True))})
    assert login(organizer, "org-2").status_code == 429


def test_an_account_locked_by_a_stranger_still_lets_its_owner_in(app):
    make_user(app, "org-1", "organizer")
    owner = _from(app, "10.0.0.7")
    assert login(owner, "org-1").status_code == 302
    stranger = _from(app, "10.0.0.9")
    for _ in range(5):
        assert login(stranger, "org-1", "guess").status_code == 200
    refused = login(stranger, "org-1")  # even the right password, from a browser it does not know
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "it is locked for them for 15 min" in page and "tell the organizer" in page

    owner.post("/logout", data={"csrf_token": csrf(
        owner.get("/", headers=EN).get_data(as_text=True))})
    assert login(owner, "org-1").status_code == 302
    # the known browser has a limit of its own: five wrong passwords lock it, not the others
    owner.post("/logout", data={"csrf_token": csrf(
        owner.get("/", headers=EN).get_data(as_text=True))})
    for _ in range(5):
        assert login(owner, "org-1", "typo").status_code == 200
    response = login(owner, "org-1")
    assert response.status_code == 429
    assert "Too many failed attempts in this browser" in response.get_data(as_text=True)
    assert _attempts(app, "device") == 5


def test_a_device_cookie_ends_with_the_password_it_was_earned_with(app):
    user_id = make_user(app, "org-1", "organizer")
    owner = app.test_client()
    assert login(owner, "org-1").status_code == 302
    with app.app_context():
        with write_transaction() as session:  # as the organizer's "new password" does
            user = session.get(User, user_id)
            user.set_password("another long password")
            user.session_version += 1
    for _ in range(5):
        login(app.test_client(), "org-1", "guess")
    # the old cookie no longer makes this browser known: the account's lock applies to it
    assert login(owner, "org-1", "another long password").status_code == 429


def test_a_forged_or_foreign_device_cookie_is_nobody(app):
    make_user(app, "org-1", "organizer")
    known = app.test_client()
    assert login(known, "org-1").status_code == 302
    value = known.get_cookie("competition_device", path="/login").value
    for _ in range(5):
        login(app.test_client(), "org-1", "guess")
    forged = app.test_client()
    forged.set_cookie("competition_device", value[:-2] + ("AA" if value[-2:] != "AA" else "BB"),
                      path="/login")
    assert login(forged, "org-1").status_code == 429
    # the same cookie in another browser works as in the first: it is what the browser holds
    copied = app.test_client()
    copied.set_cookie("competition_device", value, path="/login")
    assert login(copied, "org-1").status_code == 302
