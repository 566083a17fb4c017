"""The hall's screens over HTTP and Socket.IO: organizers add, rename and switch screens, the
screens follow; a ceremony reveals a published skill's results one entry per click and never
sends a screen an entry it has not revealed. (tests/e2e/test_screens.py drives both pages in a
real browser.)"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs

import pytest
import requests
import sqlalchemy as sa

from competition.database import write_transaction
from competition.extensions import db, socketio
from competition.models import (
    Aspect,
    AuditEntry,
    Competitor,
    Expert,
    ExpertRole,
    Screen,
    Skill,
)
from competition.names import public_names
from tests.access import client_as, make_role_users

from ..fixtures.browser import E2E_PASSWORD, add_organizer
from ..fixtures.databases import make_app
from ..helpers import csrf
from ..marking import write_marks

WS = "vko-ws-2026"  # the demo's WorldSkills championship
JSON = {"Accept": "application/json"}


# --- helpers (tests/e2e/test_screens.py uses them too) -----------------------------------------

def mark_final(skill_code: str = "10") -> None:
    """Mark every cell of the skill so that its results are final (no dispute, all complete)
    with no tie: competitor i (by code) gets the top value in its first i + 1 aspects and the
    lowest in the others. Judges are never compatriots."""
    with write_transaction() as session:
        skill = session.execute(sa.select(Skill).where(Skill.code == skill_code)).scalar_one()
        aspects = session.execute(sa.select(Aspect).where(Aspect.skill_id == skill.id)
                                  .order_by(Aspect.code)).scalars().all()
        competitors = session.execute(sa.select(Competitor).where(Competitor.skill_id == skill.id)
                                      .order_by(Competitor.code)).scalars().all()
        experts = session.execute(
            sa.select(Expert).join(ExpertRole).where(ExpertRole.skill_id == skill.id)
            .order_by(Expert.code)).scalars().all()
        per_aspect = skill.championship.judges_per_aspect
        version = skill.version
        marks: list = []
        for index, competitor in enumerate(competitors):
            judges = [e for e in experts if e.organization_id is None
                      or e.organization_id != competitor.organization_id][:per_aspect]
            for position, aspect in enumerate(aspects):
                high = position <= index
                if aspect.type == "M":
                    values = sorted(aspect.allowed())
                    cells = [(None, values[-1] if high else values[0])]
                else:
                    cells = [(judge, 3 if high else 0) for judge in judges]
                for judge, value in cells:
                    version += 1
                    marks.append((aspect, competitor, judge, value, version))
        write_marks(session, skill, marks)


def set_visibility(skill_code: str, visibility: str) -> None:
    with write_transaction() as session:
        session.execute(sa.update(Skill).where(Skill.code == skill_code)
                        .values(visibility=visibility))


def screen_row(app, name: str) -> Screen | None:
    with app.app_context():
        screen = db.session.execute(sa.select(Screen).where(Screen.name == name)
                                    .order_by(Screen.id)).scalars().first()
        if screen is not None:
            db.session.expunge(screen)
        return screen


class Organizer:
    """An organizer's browser session on the control page (Flask test client, CSRF on)."""

    def __init__(self, client):
        self.client = client
        self.client.get("/lang/en")
        self.token = csrf(self.page())

    def page(self, championship: str = WS) -> str:
        response = self.client.get(f"/board/screens?championship={championship}")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    def add(self, name: str, championship: str = WS):
        return self.client.post("/board/screens/new", data={
            "new-csrf_token": self.token, "new-championship": championship, "new-name": name})

    def post(self, screen_id: int, action: str, kind: str, fields: dict | None = None,
             headers: dict | None = None):
        data = {f"s{screen_id}-{kind}-csrf_token": self.token}
        for name, value in (fields or {}).items():
            data[f"s{screen_id}-{kind}-{name}"] = value
        return self.client.post(f"/board/screens/{screen_id}/{action}", data=data,
                                headers=headers or {})

    def show(self, screen_id: int, mode: str, fields: dict | None = None, **kwargs):
        return self.post(screen_id, f"show/{mode}", mode, fields, **kwargs)

    def ceremony(self, screen_id: int, skill_id: int, order: str = "rank", **kwargs):
        return self.post(screen_id, "ceremony", "ceremony", {"skill": skill_id, "order": order},
                         **kwargs)

    def step(self, screen_id: int, direction: str = "next"):
        return self.post(screen_id, f"ceremony/{direction}", direction, headers=JSON)


@pytest.fixture
def hall(demo_app):
    """The demo app, accounts for every role, and an organizer on the control page."""
    users = make_role_users(demo_app)
    return demo_app, users, Organizer(client_as(demo_app, "organizer", users))


def joined(app, key: str, client=None):
    """A Socket.IO client (anonymous unless `client` is logged in) on the screen `key`, and the
    answer to its `screen:join`."""
    sio = socketio.test_client(app, flask_test_client=client or app.test_client())
    answer = sio.emit("screen:join", {"screen": key}, callback=True)
    return sio, answer


def shows(sio) -> list[dict]:
    return [event["args"][0] for event in sio.get_received() if event["name"] == "screen:show"]


def skill_id(app, code: str) -> int:
    with app.app_context():
        return db.session.execute(sa.select(Skill.id).where(Skill.code == code)).scalar_one()


def public_results(app, code: str) -> list[dict]:
    """The skill's ranked rows as the public snapshot has them (best first)."""
    response = app.test_client().get(f"/board/{code}/snapshot.json")
    assert response.status_code == 200
    snapshot = response.get_json()
    assert snapshot["visibility"] == "published"
    return [row for group in snapshot["results"]["groups"] for row in group["results"]
            if row["rank"] is not None]


def names_of(app, code: str) -> dict[str, str]:
    """The competitors' English names as the public sees them (a minor without consent as
    "Surname N.": competition/names.py)."""
    with app.app_context():
        competitors = db.session.execute(
            sa.select(Competitor).join(Skill).where(Skill.code == code)).scalars()
        return {c.code: public_names(c, c.skill.championship)["en"] for c in competitors}


# --- screens: adding, switching, who may ---------------------------------------------------------

def test_a_new_organizer_is_told_what_a_hall_screen_is_not_that_updates_are_off(hall):
    _app, _users, organizer = hall
    page = organizer.page()
    assert "A hall screen is a projector or a TV in the hall" in page
    assert "Live updates of this page are off" not in page
    organizer.add("Hall A, left")
    page = organizer.page()
    assert "A hall screen is a projector" not in page
    assert 'id="control-status"' in page  # with a screen to follow, the page says if it can


def test_an_organizer_adds_a_screen_and_switches_it_live(hall):
    app, _users, organizer = hall
    response = organizer.add("Hall A, left")
    assert response.status_code == 303
    screen = screen_row(app, "Hall A, left")
    assert screen is not None and screen.mode == "message" and len(screen.key) == 8
    assert f"#screen-{screen.id}" in response.headers["Location"]
    page = organizer.page()
    assert "Hall A, left" in page and f"/screen/{screen.key}" in page

    sio, answer = joined(app, screen.key)
    assert answer["ok"] is True
    assert answer["state"]["mode"] == "message" and answer["state"]["name"] == "Hall A, left"
    version = answer["state"]["version"]

    response = organizer.show(screen.id, "message", {
        "message_ru": "Перерыв 15 минут", "message_kk": "15 минут үзіліс", "message_en": ""})
    assert response.status_code == 303
    [state] = shows(sio)
    assert state["mode"] == "message" and state["version"] > version
    assert state["message"] == {"ru": "Перерыв 15 минут", "kk": "15 минут үзіліс", "en": ""}

    welding = skill_id(app, "10")
    assert organizer.show(screen.id, "skill", {"skill": welding}).status_code == 303
    [state] = shows(sio)
    assert state["mode"] == "skill" and state["skill"]["ref"] == "10"
    assert state["skill"]["url"] == "/board/10/projector"
    assert "message" not in state  # a state carries what the screen shows, nothing else

    response = organizer.client.post(f"/board/screens/{screen.id}/show/rotation", data={
        f"s{screen.id}-rotation-csrf_token": organizer.token,
        f"s{screen.id}-rotation-skills": ["10", "04"], f"s{screen.id}-rotation-seconds": "15"})
    assert response.status_code == 303
    [state] = shows(sio)
    assert state["mode"] == "rotation" and state["rotation"]["seconds"] == 15
    assert [item["ref"] for item in state["rotation"]["skills"]] == ["10", "04"]
    path, _sep, query = state["rotation"]["url"].partition("?")
    assert path == "/board/rotation"
    assert parse_qs(query) == {"skills": ["10,04"], "every": ["15"]}  # the rotation page's own

    response = organizer.show(screen.id, "medals", headers=JSON)
    assert response.status_code == 200 and response.get_json()["ok"] is True
    [state] = shows(sio)
    assert state["mode"] == "medals" and state["medals"]["url"].startswith("/medals")

    # What the screen shows now is in the page, and every change is in the audit log.
    assert "The medal table" in organizer.page()
    with app.app_context():
        actions = db.session.execute(sa.select(AuditEntry.action).where(
            AuditEntry.entity == "screen", AuditEntry.entity_id == screen.id)).scalars().all()
    assert actions == ["create", "update", "update", "update", "update"]
    sio.disconnect()


def test_the_screen_page_is_public_and_carries_its_state(hall):
    app, _users, organizer = hall
    organizer.add("Foyer")
    screen = screen_row(app, "Foyer")
    organizer.show(screen.id, "message", {"message_en": "Welcome to the championship"})
    response = app.test_client().get(f"/screen/{screen.key}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/json" id="screen-data">(.*?)</script>',
                                page, re.S).group(1))
    assert data["key"] == screen.key
    assert data["state"]["message"]["en"] == "Welcome to the championship"
    assert "socket.io" not in page.split('id="screen-data"')[0]  # the module loads it
    assert 'src="/static/js/screen.js"' in page
    assert app.test_client().get("/screen/no-such-key").status_code == 404

    sio, answer = joined(app, "no-such-key")
    assert answer["ok"] is False and answer["error"] == "unknown_screen"
    sio.disconnect()


def test_names_are_unique_in_a_championship_and_renaming_keeps_the_address(hall):
    app, _users, organizer = hall
    assert organizer.add("Stage").status_code == 303
    response = organizer.add("  Stage ")
    assert response.status_code == 422
    assert "There is already a screen named Stage" in response.get_data(as_text=True)
    assert organizer.add("").status_code == 422
    # The same name in another championship is another screen.
    assert organizer.add("Stage", championship="vko-abilympics-2026").status_code == 303

    screen = screen_row(app, "Stage")
    with app.app_context():
        count = db.session.execute(sa.select(sa.func.count()).select_from(Screen)
                                   .where(Screen.name == "Stage")).scalar_one()
    assert count == 2
    sio, _answer = joined(app, screen.key)
    response = organizer.post(screen.id, "rename", "name", {"name": "Main stage"})
    assert response.status_code == 303
    [state] = shows(sio)
    assert state["name"] == "Main stage" and state["screen"] == screen.key

    response = organizer.post(screen.id, "delete", "delete")
    assert response.status_code == 303
    [state] = shows(sio)
    assert state == {"screen": screen.key, "deleted": True}
    assert screen_row(app, "Main stage") is None
    assert app.test_client().get(f"/screen/{screen.key}").status_code == 404
    sio.disconnect()


def test_a_message_needs_text_and_a_rotation_skills(hall):
    app, _users, organizer = hall
    organizer.add("Side")
    screen = screen_row(app, "Side")
    response = organizer.show(screen.id, "message", {"message_ru": "  "})
    assert response.status_code == 422
    assert "Write the message in at least one language." in response.get_data(as_text=True)
    response = organizer.show(screen.id, "rotation", {"seconds": "20"})
    assert response.status_code == 422
    response = organizer.show(screen.id, "rotation", {"skills": "10", "seconds": "2"})
    assert response.status_code == 422
    # A skill of another championship is refused.
    response = organizer.show(screen.id, "skill", {"skill": skill_id(app, "A01")})
    assert response.status_code == 422
    assert "Choose a skill of this championship." in response.get_data(as_text=True)
    assert screen_row(app, "Side").mode == "message"


@pytest.mark.parametrize("role", ["competitor", "expert", "chief"])
def test_only_organizers_and_admins_control_screens(hall, role):
    app, users, organizer = hall
    organizer.add("Hall B")
    screen = screen_row(app, "Hall B")
    client = client_as(app, role, users)
    assert client.get("/board/screens").status_code == 403
    token = csrf(client.get("/").get_data(as_text=True))  # the logout form's token
    for url, data in [
        ("/board/screens/new", {"new-name": "Mine", "new-championship": WS}),
        (f"/board/screens/{screen.id}/show/message", {f"s{screen.id}-message-message_en": "x"}),
        (f"/board/screens/{screen.id}/delete", {}),
        (f"/board/screens/{screen.id}/ceremony/next", {}),
    ]:
        response = client.post(url, data={"csrf_token": token, **data})
        assert response.status_code == 403, url
    assert screen_row(app, "Hall B").mode == "message"
    assert screen_row(app, "Mine") is None
    # Anyone may watch a screen, and the admin may control it.
    assert client.get(f"/screen/{screen.key}").status_code == 200
    assert client_as(app, "admin", users).get("/board/screens").status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(hall):
    app, _users, _organizer = hall
    response = app.test_client().get("/board/screens")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- the ceremony -------------------------------------------------------------------------------

@pytest.fixture
def ceremony(hall):
    """Skill 10 marked to the end; a screen "Podium" with an anonymous screen joined."""
    app, users, organizer = hall
    with app.app_context():
        mark_final("10")
        db.session.remove()
    organizer.add("Podium")
    screen = screen_row(app, "Podium")
    sio, answer = joined(app, screen.key)
    assert answer["ok"]
    yield app, organizer, screen, sio
    sio.disconnect()


def test_a_ceremony_is_refused_unless_the_results_are_published(ceremony):
    app, organizer, screen, sio = ceremony
    welding = skill_id(app, "10")
    for visibility in ("hidden", "progress", "live", "frozen"):
        with app.app_context():
            set_visibility("10", visibility)
        response = organizer.ceremony(screen.id, welding)
        assert response.status_code == 422, visibility
        assert "are not published" in response.get_data(as_text=True)
    assert shows(sio) == []
    assert screen_row(app, "Podium").mode == "message"
    # The page offers no ceremony while nothing is published.
    assert "results are published yet" in organizer.page()

    with app.app_context():
        set_visibility("10", "published")
    assert organizer.ceremony(screen.id, welding).status_code == 303
    [state] = shows(sio)
    assert state["mode"] == "ceremony"
    assert state["ceremony"]["published"] is True
    assert state["ceremony"]["step"] == 0 and state["ceremony"]["entries"] == []


def _only_revealed(payload: dict, entries: list[dict], hidden_names: list[str]) -> None:
    """The payload holds exactly `entries` and names no competitor not yet revealed."""
    assert payload["ceremony"]["entries"] == entries
    text = json.dumps(payload, ensure_ascii=False)
    for name in hidden_names:
        assert name not in text


def test_each_step_reveals_exactly_one_more_entry_from_the_last_place_up(ceremony):
    app, organizer, screen, sio = ceremony
    with app.app_context():
        set_visibility("10", "published")
    ranked = public_results(app, "10")
    names = names_of(app, "10")
    assert len(ranked) == 9 and [row["rank"] for row in ranked] == list(range(1, 10))
    order = [row["competitor"] for row in reversed(ranked)]  # the last place first

    assert organizer.ceremony(screen.id, skill_id(app, "10")).status_code == 303
    shows(sio)
    for step in range(1, len(order) + 1):
        response = organizer.step(screen.id)
        assert response.status_code == 200
        answer = response.get_json()
        [state] = shows(sio)
        revealed = [entry["competitor"] for entry in state["ceremony"]["entries"]]
        assert revealed == order[:step]
        assert state["ceremony"]["step"] == step and state["ceremony"]["total"] == 9
        _only_revealed(state, state["ceremony"]["entries"],
                       [names[code] for code in order[step:]])
        newest = state["ceremony"]["entries"][-1]
        row = ranked[len(ranked) - step]
        assert newest["rank"] == row["rank"] and newest["score"] == row["score"]
        assert newest["name"]["en"] == names[newest["competitor"]]
        assert newest["organization"] and newest["organization_name"]["ru"]
        # The organizer's answer says what comes next (the screen is never told).
        assert answer["state"] == state
        assert answer["control"]["next"] == (
            None if step == len(order) else
            {**answer["control"]["next"], "competitor": order[step]})

        # A screen joining now (or re-joining after a restart) gets the same, no more.
        late, late_answer = joined(app, screen.key)
        _only_revealed(late_answer["state"], state["ceremony"]["entries"],
                       [names[code] for code in order[step:]])
        late.disconnect()

    # The medals are revealed with the top three, gold last.
    assert [entry["medal"] for entry in state["ceremony"]["entries"][-3:]] == [
        "bronze", "silver", "gold"]
    # "Next" at the end changes nothing; "Back" hides the last entry again.
    assert organizer.step(screen.id).get_json()["control"]["step"] == 9
    assert shows(sio) == []
    assert organizer.step(screen.id, "back").status_code == 200
    [state] = shows(sio)
    assert [e["competitor"] for e in state["ceremony"]["entries"]] == order[:8]
    assert names[order[8]] not in json.dumps(state, ensure_ascii=False)


def test_a_ceremony_by_medal_goes_bronze_silver_gold(ceremony):
    app, organizer, screen, sio = ceremony
    with app.app_context():
        set_visibility("10", "published")
    ranked = public_results(app, "10")
    medalled = {row["medal"]: row["competitor"] for row in ranked if row["medal"]}
    assert organizer.ceremony(screen.id, skill_id(app, "10"), order="medal").status_code == 303
    shows(sio)
    seen = []
    for _step in range(3):
        organizer.step(screen.id)
        [state] = shows(sio)
        seen = [(e["medal"], e["competitor"]) for e in state["ceremony"]["entries"]]
    assert seen == [("bronze", medalled["bronze"]), ("silver", medalled["silver"]),
                    ("gold", medalled["gold"])]
    assert state["ceremony"]["total"] == 3


def test_a_ceremony_shows_nothing_once_the_results_are_no_longer_published(ceremony):
    app, organizer, screen, sio = ceremony
    with app.app_context():
        set_visibility("10", "published")
    organizer.ceremony(screen.id, skill_id(app, "10"))
    organizer.step(screen.id)
    organizer.step(screen.id)
    with app.app_context():
        set_visibility("10", "live")
    _late, answer = joined(app, screen.key)
    assert answer["state"]["ceremony"]["published"] is False
    assert answer["state"]["ceremony"]["entries"] == []
    response = organizer.step(screen.id)
    assert response.status_code == 422 and "not published" in response.get_json()["message"]
    _late.disconnect()


def test_steps_without_a_ceremony_are_refused(hall):
    app, _users, organizer = hall
    organizer.add("Quiet")
    screen = screen_row(app, "Quiet")
    response = organizer.step(screen.id)
    assert response.status_code == 422
    assert response.get_json() == {
        "ok": False, "message": "This screen shows no ceremony: start one first."}


# --- the real server ------------------------------------------------------------------------------

def test_the_real_server_pushes_a_change_to_a_joined_screen(live_server, sio_client):
    import queue

    login = add_organizer(live_server, "organizer-screens")
    app = make_app(live_server.database_url, live_server.instance)
    session = requests.Session()
    page = session.get(live_server.url + "/login", timeout=10).text
    answer = session.post(live_server.url + "/login", timeout=10, allow_redirects=False, data={
        "csrf_token": csrf(page), "login": login, "password": E2E_PASSWORD})
    assert answer.status_code in (302, 303)
    token = csrf(session.get(live_server.url + "/board/screens", timeout=10).text)
    response = session.post(live_server.url + "/board/screens/new", timeout=10, data={
        "new-csrf_token": token, "new-championship": WS, "new-name": "Real"})
    assert response.status_code == 200  # followed to the page
    with app.app_context():
        screen = db.session.execute(sa.select(Screen).where(Screen.name == "Real")).scalar_one()
        screen_id, key = screen.id, screen.key
        db.session.remove()
        db.engine.dispose()

    client = sio_client()
    received: queue.Queue = queue.Queue()
    client.on("screen:show", received.put)
    answer = client.call("screen:join", {"screen": key}, timeout=10)
    assert answer["ok"] and answer["state"]["mode"] == "message"
    response = session.post(f"{live_server.url}/board/screens/{screen_id}/show/message",
                            timeout=10, headers=JSON, data={
                                f"s{screen_id}-message-csrf_token": token,
                                f"s{screen_id}-message-message_en": "Lunch until 14:00"})
    assert response.status_code == 200 and response.json()["ok"]
    state = received.get(timeout=5)
    assert state["message"]["en"] == "Lunch until 14:00"
