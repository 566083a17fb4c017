"""Open Socket.IO connections end with what let them in (competition/auth/sockets.py): a
logout ends the connections of that login, disabling an account or setting its password ends
all of its connections, revoking a token ends the connections it opened. And an event on a
connection whose end never arrived is still refused.

Real python-socketio clients against `python -m competition run`; the actions are the real
pages, posted by an organizer logged in over HTTP.
"""

from __future__ import annotations

import queue
import time
import uuid
from datetime import timedelta

import pytest
import requests
import sqlalchemy as sa

from competition.auth.service import create_token
from competition.database import write_transaction
from competition.extensions import db
from competition.models import ApiToken, Skill, User
from competition.models.base import utcnow
from competition.models.people import hash_token
from tests.access import free_m_aspects, make_role_users
from tests.fixtures.databases import make_app
from tests.helpers import csrf

pytestmark = pytest.mark.timeout(120)
PASSWORD = "password-for-tests"  # tests/access.py's accounts


def log_in(url: str, login: str, password: str = PASSWORD) -> requests.Session:
    http = requests.Session()
    token = csrf(http.get(url + "/login", timeout=10).text)
    response = http.post(url + "/login", data={"csrf_token": token, "login": login,
                                               "password": password},
                         timeout=10, allow_redirects=False)
    assert response.status_code == 302, response.text[:300]
    return http


def post(http: requests.Session, url: str, path: str, data: dict | None = None,
         page: str = "/") -> requests.Response:
    """Post a form of the app as its page would (CSRF token of this session)."""
    token = csrf(http.get(url + page, timeout=10).text)
    return http.post(url + path, data={"csrf_token": token, **(data or {})}, timeout=10,
                     allow_redirects=False)


class Tablet:
    """A python-socketio client that notes when the server disconnects it."""

    def __init__(self, url: str, **connect):
        import socketio

        self.gone: queue.Queue = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        self.client.on("disconnect", lambda *reason: self.gone.put(reason or True))
        self.client.connect(url, transports=["websocket"], wait_timeout=10, **connect)

    @classmethod
    def with_cookie(cls, url: str, http: requests.Session) -> Tablet:
        return cls(url, headers={"Cookie": "; ".join(f"{k}={v}" for k, v in
                                                     http.cookies.items())})

    def join(self, skill: str = "10") -> dict:
        return self.client.call("panel:join", {"skill": skill}, timeout=10)

    def ended(self, timeout: float = 10) -> bool:
        try:
            self.gone.get(timeout=timeout)
        except queue.Empty:
            return False
        return not self.client.connected

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()


@pytest.fixture
def accounts(live_server):
    """The personas' accounts (tests/access.py) and an API token for four of them."""
    app = make_app(live_server.database_url, live_server.instance)
    ids = make_role_users(app)
    tokens = {}
    with app.app_context():
        for persona in ("expert", "compatriot", "chief", "other_expert"):
            login = f"as-{persona.replace('_', '-')}"
            token = create_token(login)
            row_id = db.session.execute(sa.select(ApiToken.id).where(
                ApiToken.token_hash == hash_token(token))).scalar_one()
            tokens[persona] = (token, row_id)
    tablets: list[Tablet] = []
    yield app, ids, tokens, tablets
    for tablet in tablets:
        tablet.close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_logout_disable_password_and_revoke_end_the_connections_they_concern(
        live_server, accounts):
    app, ids, tokens, tablets = accounts
    url = live_server.url

    def tablet(**connect) -> Tablet:
        tablets.append(Tablet(url, **connect))
        return tablets[-1]

    organizer = log_in(url, "as-organizer")
    # expert: two logins (two tablets); logging out of one ends only its connection
    first_login, second_login = log_in(url, "as-expert"), log_in(url, "as-expert")
    first = Tablet.with_cookie(url, first_login)
    second = Tablet.with_cookie(url, second_login)
    # compatriot: a browser and a token; chief: a browser; other expert: a browser and a token
    compatriot_browser = Tablet.with_cookie(url, log_in(url, "as-compatriot"))
    compatriot_token = tablet(auth={"token": tokens["compatriot"][0]})
    chief = Tablet.with_cookie(url, log_in(url, "as-chief"))
    other_browser = Tablet.with_cookie(url, log_in(url, "as-other-expert"))
    other_token = tablet(auth={"token": tokens["other_expert"][0]})
    tablets.extend([first, second, compatriot_browser, chief, other_browser])
    for each in (first, second, compatriot_browser, compatriot_token, chief):
        assert each.join()["ok"], "a panel of skill 10 opens before"
    assert other_browser.join("04")["ok"] and other_token.join("04")["ok"]

    assert post(first_login, url, "/logout").status_code == 302
    assert first.ended()
    assert not second.ended(0.5) and second.join()["ok"]

    assert post(organizer, url, f"/manage/accounts/{ids['compatriot']}/disable",
                page=f"/manage/accounts/{ids['compatriot']}").status_code == 302
    assert compatriot_browser.ended() and compatriot_token.ended()

    assert post(organizer, url, f"/manage/accounts/{ids['chief']}/password",
                {"password": "another long password", "confirm": "another long password"},
                page=f"/manage/accounts/{ids['chief']}").status_code == 302
    assert chief.ended()

    token_id = tokens["other_expert"][1]
    account = f"/manage/accounts/{ids['other_expert']}"
    assert post(organizer, url, f"{account}/tokens/{token_id}/revoke",
                page=account).status_code == 302
    assert other_token.ended()
    assert not other_browser.ended(0.5) and other_browser.join("04")["ok"]
    # nobody else was touched, and a revoked token cannot come back
    assert second.client.connected and second.join()["ok"]
    import socketio

    with pytest.raises(socketio.exceptions.ConnectionError, match="failed to connect"):
        Tablet(url, auth={"token": tokens["other_expert"][0]})


def test_an_event_on_a_connection_whose_end_never_came_is_refused(live_server, accounts):
    """The database changes behind the server's back (no page, so no room is closed): the
    connections stay open, and their next event finds out."""
    app, ids, tokens, tablets = accounts
    url = live_server.url
    revoked = Tablet(url, auth={"token": tokens["expert"][0]})
    expired = Tablet(url, auth={"token": tokens["chief"][0]})
    disabled = Tablet(url, auth={"token": tokens["compatriot"][0]})
    reset = Tablet.with_cookie(url, log_in(url, "as-other-expert"))
    tablets.extend([revoked, expired, disabled, reset])
    for each, skill in ((revoked, "10"), (expired, "10"), (disabled, "10"), (reset, "04")):
        assert each.join(skill)["ok"]
    # A valid mark first: the server knows skill 10 now, so the next mark's account is read by
    # the statement that moves the skill's version (judging/callers.py, on PostgreSQL).
    (first, first_value), (second, second_value) = free_m_aspects(app, 2)
    assert revoked.client.call("mark:submit", {
        "id": str(uuid.uuid4()), "skill": "10", "competitor": "105", "aspect": first,
        "value": first_value}, timeout=10)["ok"]
    version = skill_version(app, "10")
    with app.app_context():
        with write_transaction() as session:
            session.get(ApiToken, tokens["expert"][1]).revoked_at = utcnow()
            session.get(ApiToken, tokens["chief"][1]).expires_at = utcnow() - timedelta(seconds=1)
            session.get(User, ids["compatriot"]).is_enabled = False
            session.get(User, ids["other_expert"]).session_version += 1
    time.sleep(0.2)
    for each, skill in ((revoked, "10"), (expired, "10"), (disabled, "10"), (reset, "04")):
        assert each.client.connected  # nobody told the server
        answer = each.join(skill)
        assert answer["ok"] is False and answer["error"] == "unauthenticated", answer
        mark = each.client.call("mark:submit", {"id": "x" * 36, "skill": skill}, timeout=10)
        assert mark["ok"] is False and mark["error"] == "unauthenticated", mark
    # A whole, valid mark of the revoked token: refused, and the skill's version did not move.
    mark = revoked.client.call("mark:submit", {
        "id": str(uuid.uuid4()), "skill": "10", "competitor": "105", "aspect": second,
        "value": second_value}, timeout=10)
    assert mark["ok"] is False and mark["error"] == "unauthenticated", mark
    assert skill_version(app, "10") == version


def skill_version(app, code: str) -> int:
    with app.app_context():
        version = db.session.execute(sa.select(Skill.version).where(Skill.code == code)).scalar()
        db.session.remove()
    return version
