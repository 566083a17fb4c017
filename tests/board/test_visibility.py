"""What each visibility lets out: the snapshot over HTTP and over Socket.IO, for the public
and for staff. No score of a hidden or progress skill, no mark after a freeze, no medal before
publication ever leaves the server."""

from __future__ import annotations

import json
import queue
import shutil
import uuid

import pytest
import sqlalchemy as sa

from competition.board.service import set_visibility
from competition.database import write_transaction
from competition.extensions import db
from competition.models import Mark, MarkRevision, Skill, SubCriterion, User
from tests.access import client_as, make_role_users
from tests.marking import enter_marks

from ..judging.panel import key, make_panel


def settle_disputes() -> None:
    """Every J cell's scores brought within 1 of each other (enter_marks makes a few
    disputes), each change a revision, so that the complete skill has medals."""
    with write_transaction() as session:
        skill = session.execute(sa.select(Skill).where(Skill.code == "10")).scalar_one()
        cells = session.execute(
            sa.select(Mark.aspect_id, Mark.competitor_id, sa.func.min(Mark.value))
            .where(Mark.skill_id == skill.id, Mark.aspect_type == "J")
            .group_by(Mark.aspect_id, Mark.competitor_id)
            .having(sa.func.max(Mark.value) - sa.func.min(Mark.value) > 1)).all()
        for aspect_id, competitor_id, low in cells:
            for mark in session.execute(sa.select(Mark).where(
                    Mark.aspect_id == aspect_id, Mark.competitor_id == competitor_id,
                    Mark.value > low + 1)).scalars():
                skill.version += 1
                session.add(MarkRevision(mark_id=mark.id, revision=mark.revision + 1,
                                         old_value=mark.value, new_value=low + 1,
                                         reason="settled", idempotency_key=key(),
                                         skill_version=skill.version))
                mark.value, mark.revision, mark.version = low + 1, mark.revision + 1, \
                    skill.version
        assert cells, "enter_marks made no dispute: the test would not check settling"


@pytest.fixture
def marked(demo_app):
    """Skill 10 fully marked (with medals), accounts for every role."""
    with demo_app.app_context():
        enter_marks("10", seed=4)
        settle_disputes()
        db.session.remove()
    return demo_app, make_role_users(demo_app)


def scores_of(snapshot: dict) -> set[str]:
    """The non-zero totals and criterion points a snapshot shows."""
    found = set()
    for group in (snapshot.get("results") or {}).get("groups", []):
        for row in group["results"]:
            found |= {row["total"], row["score"], *row["criteria"].values()}
    return {value for value in found if value.strip("0.")}


def without_clock(snapshot: dict) -> dict:
    return {key: value for key, value in snapshot.items() if key != "updated_at"}


def medals_of(snapshot: dict) -> list:
    return [row["medal"] for group in (snapshot.get("results") or {}).get("groups", [])
            for row in group["results"] if row["medal"]]


def fetch(app, ids, role: str) -> dict:
    response = client_as(app, role, ids).get("/board/10/snapshot.json")
    assert response.status_code == 200
    return response.get_json()


def set_to(app, visibility: str) -> None:
    with app.test_request_context():
        organizer = db.session.execute(
            sa.select(User).where(User.role == "organizer")).scalars().first()
        if visibility == "published":  # publishing waits for every sub-criterion's sign-off
            sign_off_all(organizer)
        set_visibility(organizer, skill_10_id(), visibility)


def sign_off_all(user) -> None:
    """Sign off every open sub-criterion of skill 10 (confirmed: the chief saw what is
    missing)."""
    from competition.judging import signoff

    skill = db.session.get(Skill, skill_10_id())
    for sub_id, event in signoff.lock_states(skill).items():
        if event is None or event.action != "lock":
            code = db.session.get(SubCriterion, sub_id).code
            signoff.sign_off(user, skill, code, confirm=True)


def skill_10_id() -> int:
    return db.session.execute(sa.select(Skill.id).where(Skill.code == "10")).scalar_one()


@pytest.mark.parametrize("visibility", ["hidden", "progress", "live", "frozen", "published"])
def test_the_public_snapshot_carries_exactly_what_the_visibility_allows(marked, visibility):
    app, ids = marked
    set_to(app, visibility)
    staff = fetch(app, ids, "organizer")
    assert staff["visibility"] == visibility and staff["results"]["disputes"] == []
    staff_scores = scores_of(staff)
    assert staff_scores and medals_of(staff)  # the skill is complete: staff see medals
    for role in ("anonymous", "competitor", "expert"):  # the expert marks skill 10 …
        public = fetch(app, ids, role)
        if role == "expert":
            assert public == staff | {"updated_at": public["updated_at"]}  # … so is staff
            continue
        text = json.dumps(public)
        assert public["visibility"] == visibility
        if visibility == "hidden":
            assert set(public) == {"skill", "championship", "name", "visibility"}
        elif visibility == "progress":
            assert public["results"] is None and public["progress"] == staff["progress"]
        else:
            assert "disputes" not in public["results"]
            assert scores_of(public) == staff_scores
            assert bool(medals_of(public)) == (visibility == "published")
        if role == "anonymous":  # an organizer's projector asks for the public view
            response = client_as(app, "organizer", ids).get("/board/10/snapshot.json?view=public")
            assert without_clock(response.get_json()) == without_clock(public)
        if visibility in ("hidden", "progress"):
            leaked = [score for score in staff_scores if f'"{score}"' in text]
            assert leaked == []
        if visibility != "published":
            assert '"gold"' not in text and '"silver"' not in text and '"bronze"' not in text


def test_a_frozen_board_keeps_later_marks_on_the_server(demo_app):
    from competition.auth.service import add_user
    from competition.judging import service

    panel = make_panel(demo_app)
    with demo_app.app_context():
        with write_transaction() as session:
            organizer = add_user("freeze-organizer", "organizer", "password-for-tests")
            session.flush()
            ids = {"organizer": organizer.id}

    def mark(value, base=0, judge=0):
        with demo_app.test_request_context():
            return service.record_mark(panel.user(panel.codes[judge]), {
                "id": key(), "skill": "10", "aspect": panel.m_aspect,
                "competitor": panel.competitor, "value": value, "base": base}).mark

    mark(panel.m_values[0])
    set_to(demo_app, "frozen")
    before = fetch(demo_app, ids, "anonymous")
    mark(panel.m_values[-1], base=1)  # after the freeze
    after = fetch(demo_app, ids, "anonymous")
    staff = fetch(demo_app, ids, "organizer")
    assert after["results"] == before["results"] and after["version"] == before["version"]
    assert after["progress"] == before["progress"]
    assert staff["version"] == before["version"] + 1
    row = next(r for g in staff["results"]["groups"] for r in g["results"]
               if r["competitor"] == panel.competitor)
    frozen_row = next(r for g in after["results"]["groups"] for r in g["results"]
                      if r["competitor"] == panel.competitor)
    assert row["total"] != frozen_row["total"]
    from competition import standings

    kept = standings.hub(demo_app)._frozen
    assert [k for k in kept if k[1] == before["version"]]  # the frozen standings are kept
    set_to(demo_app, "live")
    assert fetch(demo_app, ids, "anonymous")["results"]["groups"] == [
        {**g, "results": [{**r, "medal": None} for r in g["results"]]}
        for g in staff["results"]["groups"]]
    # unfrozen: they are let go; frozen again, only the new freeze is kept
    assert not [k for k in standings.hub(demo_app)._frozen if k[1] == before["version"]]
    set_to(demo_app, "frozen")
    fetch(demo_app, ids, "anonymous")
    assert len([k for k in standings.hub(demo_app)._frozen if k[1] >= before["version"]]) == 1


def test_socket_payloads_follow_the_visibility_and_its_changes(demo_template_db, tmp_path):
    """A real server: an anonymous board and an organizer's board of one skill; hidden, then
    progress, live and frozen with marks coming in."""
    import socketio

    from ..fixtures.databases import make_app
    from ..fixtures.servers import disconnect_all, start_server, stop_server
    from ..helpers import csrf

    database = tmp_path / "competition.db"
    shutil.copyfile(demo_template_db, database)
    app = make_app(f"sqlite:///{database}", tmp_path)
    panel = make_panel(app)
    with app.app_context():
        from competition.auth.service import add_user, create_token

        with write_transaction() as session:
            add_user("board-organizer", "organizer", "password-for-tests")
            session.execute(sa.update(Skill).where(Skill.code == "10")
                            .values(visibility="hidden"))
        organizer_token = create_token("board-organizer")
        judge_token = create_token(f"judge-{panel.codes[0].lower()}")
        db.session.remove()
        db.engine.dispose()
    server = start_server(tmp_path, f"sqlite:///{database}")
    clients = []
    try:
        def connect(**kwargs):
            client = socketio.Client(reconnection=False)
            client.connect(server.url, transports=["websocket"], wait_timeout=10, **kwargs)
            clients.append(client)
            return client

        hall, office = connect(), connect(auth={"token": organizer_token})
        judge = connect(auth={"token": judge_token})
        boxes = {}
        for name, client in (("hall", hall), ("office", office)):
            boxes[name] = queue.Queue()
            client.on("board:snapshot", boxes[name].put)
            assert client.call("board:join", {"skill": "10"}, timeout=10) == {"ok": True}
        assert set(boxes["hall"].get(timeout=10)) == {"skill", "championship", "name",
                                                       "visibility"}
        assert boxes["office"].get(timeout=10)["results"] is not None

        def submit(value, base):
            answer = judge.call("mark:submit", {
                "id": str(uuid.uuid4()), "skill": "10", "aspect": panel.j_aspect,
                "competitor": panel.competitor, "value": value, "base": base}, timeout=10)
            assert answer["ok"], answer
            return answer["mark"]["version"]

        def latest(name, version=None, visibility=None, timeout=10):
            while True:
                event = boxes[name].get(timeout=timeout)
                if (version is None or event.get("version", -1) >= version) and \
                        (visibility is None or event["visibility"] == visibility):
                    return event

        version = submit(3, 0)
        assert latest("office", version)["progress"]["marked"] == 1
        with pytest.raises(queue.Empty):  # a hidden skill's hall hears nothing of marks
            latest("hall", timeout=1.5)
        import requests

        http = requests.Session()
        page = http.get(f"{server.url}/login", timeout=10).text
        http.post(f"{server.url}/login", timeout=10, data={
            "csrf_token": csrf(page), "login": "board-organizer", "password": "password-for-tests"})

        def show(visibility):
            page = http.get(f"{server.url}/board/10/snapshot.json", timeout=10)
            assert page.status_code == 200
            form = http.get(f"{server.url}/manage/", timeout=10).text
            answer = http.post(f"{server.url}/board/10/visibility", timeout=10,
                               data={"csrf_token": csrf(form), "visibility": visibility},
                               allow_redirects=False)
            assert answer.status_code == 302

        show("progress")
        event = latest("hall", visibility="progress")
        assert event["results"] is None and event["progress"]["marked"] == 1
        show("live")
        event = latest("hall", visibility="live")
        # the live standings, every competitor with a score (raw while marking goes on:
        # one score of a J aspect counts nothing yet, so they are all 0.00), no medals
        shown = [row for group in event["results"]["groups"] for row in group["results"]]
        assert shown and all(row["score"] == "0.00" for row in shown)
        assert not medals_of(event)
        show("frozen")
        frozen = latest("hall", visibility="frozen")
        version = submit(2, 1)
        assert latest("office", version)["version"] == version
        with pytest.raises(queue.Empty):  # the hall keeps the frozen standings
            latest("hall", version, timeout=1.5)
        assert requests.get(f"{server.url}/board/10/snapshot.json", timeout=10).json()[
            "version"] == frozen["version"]
    finally:
        disconnect_all(clients)
        stop_server(server)
