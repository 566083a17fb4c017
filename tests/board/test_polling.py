"""The hall's phones polling `GET /board/<ref>/snapshot.json` get the app's kept answer before
Flask (competition/board/polling.py): byte for byte the app's own, never stale, and never to
anybody who might see more than the public."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask_login.utils import encode_cookie

from competition import standings
from competition.auth.service import create_token
from competition.board.polling import PolledSnapshots
from competition.board.service import set_visibility
from competition.extensions import db
from competition.models import User
from tests.access import client_as

from .test_served_snapshots import _correct_a_mark, _skill_id, live_skill  # noqa: F401

URL = "/board/10/snapshot.json"


def _polling(app) -> PolledSnapshots:
    middleware = app.wsgi_app
    while not isinstance(middleware, PolledSnapshots):
        middleware = middleware.wsgi_app
    return middleware


def _answer(client, url: str = URL, **headers):
    response = client.get(url, headers=headers)
    return response.status_code, dict(response.headers), response.data


def _staff_bytes(app, ids) -> bytes:
    return client_as(app, "organizer", ids).get(URL).data


def test_a_viewer_nobody_in_particular_gets_the_apps_own_answer_again(live_skill):  # noqa: F811
    app, _ids = live_skill
    polling = _polling(app)
    first = _answer(app.test_client())  # the app's answer, kept
    assert first[0] == 200 and json.loads(first[2])["visibility"] == "live"
    answered = polling.answered
    with app.app_context():
        computed = standings.hub(app).served.computed
    for client in (app.test_client(), app.test_client(use_cookies=False)):
        assert _answer(client) == first  # status, every header, body
    assert _answer(app.test_client(), URL + "?view=public")[0] == 200
    assert polling.answered == answered + 2  # (the ?view=public one was the app's: a new key)
    assert _answer(app.test_client(), URL + "?view=public") == _answer(
        app.test_client(), URL + "?view=public")
    assert polling.answered == answered + 4
    with app.app_context():
        assert standings.hub(app).served.computed == computed  # nothing serialized again


def test_the_kept_answer_never_outlives_the_skill_state(live_skill):  # noqa: F811
    app, ids = live_skill
    first = json.loads(_answer(app.test_client())[2])
    with app.app_context():
        version = _correct_a_mark()  # as another process would: straight to the database
        db.session.remove()
    moved = json.loads(_answer(app.test_client())[2])
    assert moved["version"] == version != first["version"]

    with app.app_context():
        set_visibility(db.session.get(User, ids["organizer"]), _skill_id(), "progress")
        db.session.remove()
    hidden = json.loads(_answer(app.test_client())[2])
    assert hidden["visibility"] == "progress" and hidden["results"] is None

    # a scheme change makes the hub forget the skill: the app answers, not the kept answer
    polling = _polling(app)
    answered = polling.answered
    with app.app_context():
        computed = standings.hub(app).served.computed
        standings.hub(app).forget(_skill_id())
    assert json.loads(_answer(app.test_client())[2])["version"] == version
    assert polling.answered == answered
    with app.app_context():
        assert standings.hub(app).served.computed == computed + 1


def test_whoever_may_see_more_is_answered_by_the_app(live_skill):  # noqa: F811
    app, ids = live_skill
    public = _answer(app.test_client())[2]
    _answer(app.test_client())  # kept and given once
    staff = _staff_bytes(app, ids)
    assert staff != public and "disputes" in staff.decode()

    # a session cookie, a remember cookie alone, a bearer token: each the organizer's view
    assert _answer(client_as(app, "organizer", ids))[2] == staff
    remembering = app.test_client()
    with app.test_request_context():
        remember = encode_cookie(str(db.session.get(User, ids["organizer"]).get_id()))
    remembering.set_cookie(app.config.get("REMEMBER_COOKIE_NAME", "remember_token"), remember)
    assert _answer(remembering)[2] == staff
    with app.app_context():
        token = create_token(db.session.get(User, ids["organizer"]).login)
    assert _answer(app.test_client(use_cookies=False), Authorization=f"Bearer {token}")[2] \
        == staff
    # ... unless the public view is asked for; a cookie of somebody else's site changes nothing
    assert _answer(client_as(app, "organizer", ids), URL + "?view=public")[2] == public
    stranger = app.test_client()
    stranger.set_cookie("theme", "dark")
    assert _answer(stranger)[2] == public


def test_only_plain_answers_are_kept_and_each_host_has_its_own(live_skill):  # noqa: F811
    app, _ids = live_skill
    polling = _polling(app)
    client = app.test_client(use_cookies=False)
    for url in ("/board/99/snapshot.json", URL + "?view=staff", URL + "?view=public&x=1"):
        client.get(url)
        client.get(url)
    assert polling.answered == 0  # an unknown skill, another query: the app each time
    assert client.head(URL).status_code == 200 and polling.answered == 0

    venue = _answer(client, **{"Host": "venue.local"})
    assert "ws://venue.local" in venue[1]["Content-Security-Policy"]
    other = _answer(client, **{"Host": "10.0.0.5:5000"})
    assert "ws://10.0.0.5:5000" in other[1]["Content-Security-Policy"]
    assert _answer(client, **{"Host": "venue.local"}) == venue
    assert polling.answered == 1


def test_refs_the_app_must_judge_go_to_the_app(live_skill):  # noqa: F811
    app, _ids = live_skill
    polling = _polling(app)
    _answer(app.test_client())
    with app.app_context():
        championship = db.session.execute(sa.text(
            "select c.code from championship c join skill s on s.championship_id = c.id "
            "where s.code = '10'")).scalar_one()
    # a ref that is not valid UTF-8 on the wire, and one with a NUL: the app's own answers
    client = app.test_client(use_cookies=False)
    assert client.get("/board/%FF/snapshot.json").status_code == 404
    assert client.get("/board/1%000/snapshot.json").status_code in (400, 404)
    assert client.get(f"/board/{championship}/10/snapshot.json").status_code == 200
    assert polling.answered == 0
