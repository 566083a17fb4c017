"""Sessions and secrets: a login starts a new session whichever way it is made, every cookie
the app sets is HttpOnly, SameSite=Lax and (over HTTPS) Secure, the badge login works over
HTTPS, and the secret key never is in the repository."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from http.cookies import SimpleCookie

import pytest

from competition.auth.sockets import LOGIN_KEY
from competition.config import load_config
from tests.auth.helpers import EN, login, make_user, post_form
from tests.auth.test_login_codes import issue
from tests.auth.test_pin_login import pin_login, pin_setup  # noqa: F401  (a fixture)
from tests.fixtures.databases import make_app
from tests.helpers import ROOT, csrf

PLANTED = {"planted": "by someone else", "_user_id": "999.1", "_fresh": True,
           LOGIN_KEY: "chosen-by-an-attacker"}


def _cookies(response) -> dict[str, str]:
    """name -> the Set-Cookie header of that cookie."""
    return {SimpleCookie(header).popitem()[0]: header
            for header in response.headers.getlist("Set-Cookie")}


def _plant(client) -> str:
    """Session data someone arranged before the login (a shared tablet, a fixed cookie);
    returns the session cookie's value then."""
    client.get("/login", headers=EN)
    with client.session_transaction() as session:
        session.update(PLANTED)
    return client.get_cookie("session").value


def _assert_new_session(client, before: str, user_id: int) -> str:
    after = client.get_cookie("session").value
    assert after != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].split(".")[0] == str(user_id)
        assert session[LOGIN_KEY] != PLANTED[LOGIN_KEY] and len(session[LOGIN_KEY]) >= 20
        return session[LOGIN_KEY]


def test_a_password_login_keeps_nothing_of_the_session_before(app):
    user_id = make_user(app, "org-1", "organizer")
    client = app.test_client()
    before = _plant(client)
    assert login(client, "org-1").status_code == 302
    first = _assert_new_session(client, before, user_id)
    # logging in again (another person on the same tablet) gives another login id
    assert login(client, "org-1").status_code == 302
    with client.session_transaction() as session:
        assert session[LOGIN_KEY] != first


def test_a_pin_login_keeps_nothing_of_the_session_before(pin_setup):  # noqa: F811
    app, _ids, info = pin_setup
    client = app.test_client()
    before = _plant(client)
    assert pin_login(client, info, "4821").status_code == 302
    _assert_new_session(client, before, info["user_id"])


def test_a_badge_login_keeps_nothing_of_the_session_before(pin_setup):  # noqa: F811
    from tests.access import client_as, make_role_users  # noqa: F401

    app, ids, info = pin_setup
    organizer = client_as(app, "organizer", ids)
    path = issue(organizer, info["user_id"])
    client = app.test_client()
    before = _plant(client)
    page = client.get(path, headers=EN)
    assert page.status_code == 200
    response = client.post(path, data={"csrf_token": csrf(page.get_data(as_text=True))},
                           headers=EN)
    assert response.status_code == 302
    _assert_new_session(client, before, info["user_id"])


def test_logging_out_forgets_the_login(app):
    make_user(app, "org-1", "organizer")
    client = app.test_client()
    login(client, "org-1")
    response = post_form(client, "/logout", {}, page="/")
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "_user_id" not in session and LOGIN_KEY not in session


# --- cookies --------------------------------------------------------------------------------------

@pytest.fixture
def https_pin_setup(monkeypatch, pin_setup):  # noqa: F811
    """pin_setup's database, served by an app started with COMPETITION_HTTPS=1."""
    app, ids, info = pin_setup
    monkeypatch.setenv("COMPETITION_HTTPS", "1")
    secure = make_app(app.config["SQLALCHEMY_DATABASE_URI"], app.instance_path)
    yield secure, ids, info
    with secure.app_context():
        secure.extensions["sqlalchemy"].engine.dispose()


@pytest.mark.parametrize("https", [False, True], ids=["http", "https"])
def test_every_cookie_the_app_sets_is_httponly_lax_and_secure_over_https(
        request, https):
    """A PIN login on a tablet sets all four of the app's cookies: the session, remember-me,
    the tablet's championship and the device cookie (the browser is known to the account from
    now on); the language lives in the session."""
    app, _ids, info = request.getfixturevalue("https_pin_setup" if https else "pin_setup")
    base = "https://localhost" if https else "http://localhost"
    client = app.test_client()
    page = client.get("/login/pin", base_url=base, headers=EN)
    response = client.post("/login/pin", base_url=base, headers={
        **EN, "Referer": f"{base}/login/pin"}, data={
        "csrf_token": csrf(page.get_data(as_text=True)),
        "championship": info["championship_id"], "expert": info["code"], "pin": "4821"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    cookies = _cookies(response)
    assert set(cookies) == {"session", "remember_token", "competition_pin_championship",
                            "competition_device"}
    switched = _cookies(client.get("/lang/kk", base_url=base))
    assert set(switched) <= {"session"}  # the language is kept in the session
    for header in {**cookies, **switched}.values():
        flags = {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}
        assert "httponly" in flags, header
        assert re.search(r";\s*SameSite=Lax", header), header
        assert ("secure" in flags) is https, header


def test_the_badge_login_works_over_https(https_pin_setup):
    """The badge page sends Referrer-Policy: same-origin: over HTTPS Flask-WTF refuses a form
    posted without a same-origin Referer, which no-referrer (its earlier policy) withheld."""
    from tests.access import client_as

    app, ids, info = https_pin_setup
    base = "https://localhost"
    organizer = client_as(app, "organizer", ids)
    html = organizer.get(f"/manage/accounts/{info['user_id']}", base_url=base,
                         headers=EN).get_data(as_text=True)
    issued = organizer.post(f"/manage/accounts/{info['user_id']}/login-code", base_url=base,
                            headers={**EN, "Referer": f"{base}/manage/accounts/1"},
                            data={"csrf_token": csrf(html), "days": 3})
    assert issued.status_code == 200
    assert issued.headers["Referrer-Policy"] == "same-origin"
    url = re.search(r'<code class="login-url">([^<]+)</code>', issued.get_data(as_text=True))
    path = "/" + url.group(1).split("/", 3)[3]
    tablet = app.test_client()
    page = tablet.get(path, base_url=base, headers=EN)
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert '<meta name="referrer" content="no-referrer">' not in page.get_data(as_text=True)
    token = csrf(page.get_data(as_text=True))
    refused = tablet.post(path, base_url=base, headers=EN, data={"csrf_token": token})
    assert refused.status_code == 400  # what no-referrer would do to every badge
    done = tablet.post(path, base_url=base, headers={**EN, "Referer": base + path},
                       data={"csrf_token": token})
    assert done.status_code == 302


# --- the secret key -------------------------------------------------------------------------------

TEXT_FILES = (".py", ".toml", ".cfg", ".ini", ".env", ".sh", ".md", ".service", ".yml", ".yaml",
              ".json")


def _tracked() -> list[str]:
    done = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    return done.stdout.splitlines()


def test_no_secret_is_tracked_by_git():
    files = _tracked()
    assert len(files) > 100  # the listing is the repository's
    for path in files:
        name = path.rsplit("/", 1)[-1]
        assert not path.startswith("instance/") and "/instance/" not in path, path
        assert name != "secret_key" and not name.startswith(".env"), path
    assignment = re.compile(r"""SECRET_KEY["']?\s*[:=]\s*["'][^"'\s]{4,}["']""")
    found = []
    for path in files:
        # tests and benchmarks sign their throw-away sessions with keys of their own
        if path.startswith(("tests/", "bench/")) or not path.endswith(TEXT_FILES):
            continue
        text = (ROOT / path).read_text(errors="replace")
        found += [f"{path}: {match.group()}" for match in assignment.finditer(text)]
    assert not found, found
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert any(line.strip().rstrip("/") in ("instance", "/instance") for line in ignored)


def test_without_a_key_one_is_made_once_kept_private_and_reused(tmp_path, monkeypatch):
    monkeypatch.delenv("COMPETITION_SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    first = load_config({"INSTANCE_PATH": str(instance)})["SECRET_KEY"]
    key_file = instance / "secret_key"
    assert key_file.read_text().strip() == first and len(first) >= 60
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600  # the owner only
    assert load_config({"INSTANCE_PATH": str(instance)})["SECRET_KEY"] == first
    other = load_config({"INSTANCE_PATH": str(tmp_path / "other")})["SECRET_KEY"]
    assert other != first  # each installation its own
    monkeypatch.setenv("COMPETITION_SECRET_KEY", "from-the-environment")
    assert load_config({"INSTANCE_PATH": str(instance)})["SECRET_KEY"] == "from-the-environment"


def test_a_session_signed_with_another_key_is_nobody(app, tmp_path):
    make_user(app, "org-1", "organizer")
    client = app.test_client()
    login(client, "org-1")
    stolen = client.get_cookie("session").value
    other = make_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, SECRET_KEY="another")
    forger = other.test_client()
    forger.set_cookie("session", stolen)
    assert b'class="who"' not in forger.get("/", headers=EN).data
    assert b'class="who"' in client.get("/", headers=EN).data


# --- rate limits ---------------------------------------------------------------------------------

def test_one_address_guessing_the_pins_of_many_experts_is_stopped(pin_setup):  # noqa: F811
    """Each expert's own limit (5 per 15 minutes) is never reached when the guesses are spread
    over 30 expert codes; the address's limit (30 per 15 minutes) stops them, even the right
    PIN of the real expert after that."""
    app, _ids, info = pin_setup
    client = app.test_client()
    for number in range(30):
        response = pin_login(client, info, "0000", expert=f"E9{number:02d}")
        assert response.status_code == 200, number
    refused = pin_login(client, info, "4821")
    assert refused.status_code == 429
    assert "Too many failed attempts" in refused.get_data(as_text=True)
    other = app.test_client()  # another tablet, at another address, is not refused
    other.environ_base["REMOTE_ADDR"] = "10.0.0.7"
    assert pin_login(other, info, "4821").status_code == 302


def test_another_site_cannot_open_a_socket_with_the_visitors_cookie(app):
    """Socket.IO authenticates by the session cookie, which the browser sends to this server
    whoever's page opens the connection: the Origin check (python-engineio's default, same
    host only) is what keeps another site's script out. Pinned here so that a change of
    cors_allowed_origins cannot open it unnoticed."""
    client = app.test_client()
    handshake = "/socket.io/?EIO=4&transport=polling"
    refused = client.get(handshake, headers={"Origin": "http://evil.example"})
    assert refused.status_code == 400
    assert client.get(handshake, headers={"Origin": "http://localhost"}).status_code == 200
    # a tablet's app or a script without a browser sends no Origin: it has no cookie to abuse
    assert client.get(handshake).status_code == 200


def test_a_socket_event_uses_its_connections_session_not_the_cookie_again(demo_app,
                                                                          monkeypatch):
    """Flask-SocketIO gives each event the session its connection started with; the cookie is
    read (its signature checked) once, at connect, not again for every event (auth/sockets.py
    EventSessions): an expert's events are answered as that expert, and signing serializers
    are made only for the connect."""
    from competition.auth.sockets import EventSessions
    from competition.extensions import socketio
    from tests.access import client_as, make_role_users

    assert isinstance(demo_app.session_interface, EventSessions)
    client = client_as(demo_app, "expert", make_role_users(demo_app))
    opened = []
    original = EventSessions.get_signing_serializer
    monkeypatch.setattr(EventSessions, "get_signing_serializer",
                        lambda self, app: opened.append(1) or original(self, app))
    sio = socketio.test_client(demo_app, flask_test_client=client)
    at_connect = len(opened)
    assert at_connect >= 1
    for _ in range(3):
        answer = sio.emit("panel:join", {"skill": "10"}, callback=True)
        assert answer["ok"] is True and answer["expert"], answer
    assert len(opened) == at_connect
    sio.disconnect()
