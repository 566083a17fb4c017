"""A NUL character (U+0000) in a request: refused with a message that names it, nothing written.

SQLite stores a NUL in text; PostgreSQL refuses it (psycopg raises DataError), which made each
of these a 500 there, and over Socket.IO a `server_error` the tablet would resend for ever.
These tests use `demo_app`, so the PostgreSQL pass of `make test` runs them on PostgreSQL.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from competition.extensions import db, socketio
from competition.models import Mark

from ..access import SKILL, client_as, csrf_token, free_m_aspects, make_role_users

NUL = "\x00"


@pytest.fixture
def people(demo_app):
    return demo_app, make_role_users(demo_app)


def _marks(app) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(Mark)).scalar_one()


def test_a_form_with_a_nul_is_refused_with_a_message(people):
    app, _ids = people
    client = app.test_client()
    token = csrf_token(app, client)
    response = client.post("/login", data={"csrf_token": token, "login": f"as-{NUL}expert",
                                           "password": "password-for-tests"},
                           headers={"Accept-Language": "ru"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "U+0000" in page and "ничего не сделано" in page  # in the reader's language


@pytest.mark.parametrize("path", [f"/board/{SKILL}%00", f"/board/{SKILL}?lang=%00",
                                  f"/api/v1/skills/{SKILL}%00", f"/api/v1/skills/{SKILL}/marks"
                                  "?since=1%00"])
def test_a_path_or_query_with_a_nul_is_refused(people, path):
    app, ids = people
    response = client_as(app, "expert", ids).get(path)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    if path.startswith("/api/"):
        assert response.get_json()["error"] == "invalid_value"
        assert "U+0000" in response.get_json()["message"]
    else:
        assert "U+0000" in response.get_data(as_text=True)


def test_a_mark_with_a_nul_is_refused_over_http_and_socket_io(people):
    app, ids = people
    (aspect, value), = free_m_aspects(app, 1)
    before = _marks(app)
    mark = {"id": "nul-test-0001", "skill": SKILL, "competitor": "101", "aspect": aspect,
            "value": value, "base": 0, "reason": f"typo{NUL}"}

    response = client_as(app, "expert", ids).post("/api/v1/marks", json=mark)
    assert response.status_code == 422
    assert response.get_json()["error"] == "invalid_value"
    assert "U+0000" in response.get_json()["message"]

    sio = socketio.test_client(app, flask_test_client=client_as(app, "expert", ids))
    assert sio.is_connected()
    answer = sio.emit("mark:submit", {**mark, "device": f"tab{NUL}"}, callback=True)
    assert answer["ok"] is False and answer["error"] == "invalid_value"  # not server_error
    answer = sio.emit("panel:join", {"skill": f"{SKILL}{NUL}"}, callback=True)
    assert answer["ok"] is False and answer["error"] == "invalid_value"
    answer = sio.emit("screen:join", {"screen": f"key{NUL}"}, callback=True)
    assert answer["ok"] is False and answer["error"] == "unknown_screen"
    # the same mark without the NUL goes in: the refusal was about the character alone
    answer = sio.emit("mark:submit", {**mark, "reason": "typo"}, callback=True)
    assert answer["ok"] is True, answer
    sio.disconnect()
    assert _marks(app) == before + 1
