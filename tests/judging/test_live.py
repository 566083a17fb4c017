"""The live path for real: `competition run` in a subprocess, python-socketio clients, HTTP.

A judge's mark reaches the experts' panel and the boards; a client that was away resyncs over
HTTP; marks sent twice (the same key, as a tablet does after a lost ack) count once.
"""

from __future__ import annotations

import json
import queue
import random
import threading
import uuid
from dataclasses import dataclass

import pytest
import requests
import sqlalchemy as sa

from competition.auth.service import create_token
from competition.extensions import db
from competition.models import Aspect, Competitor, Expert, ExpertRole, Mark, MarkRevision, Skill
from competition.standings.changes import apply_changes

from ..fixtures.databases import make_app
from ..fixtures.servers import disconnect_all
from ..helpers import csrf
from .panel import make_panel

pytestmark = pytest.mark.timeout(180)
WORLDSKILLS = ("04", "10", "18", "29", "34")  # the demo's WorldSkills skills


@dataclass
class Judge:
    code: str
    login: str
    token: str


def _server_app(live_server):
    return make_app(live_server.database_url, live_server.instance)


def _close(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def judges(live_server):
    """Accounts and API tokens for the experts of skill 10, which is shown live."""
    app = _server_app(live_server)
    panel = make_panel(app, "10")
    with app.app_context():
        from competition.database import write_transaction

        with write_transaction() as session:
            session.execute(sa.update(Skill).where(Skill.code == "10").values(visibility="live"))
        found = [Judge(code, f"judge-{code.lower()}", create_token(f"judge-{code.lower()}"))
                 for code in panel.codes]
    _close(app)
    return panel, found


def _events(client, name: str) -> queue.Queue:
    box: queue.Queue = queue.Queue()
    client.on(name, box.put)
    return box


def _wait(box: queue.Queue, match, timeout: float = 10):
    """The first event in `box` for which match(event) holds."""
    while True:
        event = box.get(timeout=timeout)
        if match(event):
            return event


def test_a_judges_mark_reaches_the_panel_and_the_boards(live_server, sio_client, judges):
    panel, found = judges
    judge, colleague = found[0], found[1]
    tablet = sio_client(auth={"token": judge.token})
    chief_screen = sio_client(auth={"token": colleague.token})
    marks = _events(chief_screen, "marks")
    joined = chief_screen.call("panel:join", {"skill": "10"}, timeout=10)
    assert joined["ok"] and joined["skill"] == "10" and joined["expert"] == colleague.code
    hall = sio_client()  # anonymous: the projector in the hall
    snapshots = _events(hall, "board:snapshot")
    assert hall.call("board:join", {"skill": "10"}, timeout=10) == {"ok": True}
    first = snapshots.get(timeout=10)
    assert first["skill"] == "10" and first["results"] is not None

    answer = tablet.call("mark:submit", {"id": str(uuid.uuid4()), "skill": "10",
                                         "aspect": panel.j_aspect, "competitor": panel.competitor,
                                         "value": 3}, timeout=10)
    assert answer["ok"] and answer["mark"]["value"] == 3 and answer["replay"] is False
    version = answer["mark"]["version"]
    event = _wait(marks, lambda e: e["version"] >= version)
    assert any(m["aspect"] == panel.j_aspect and m["judge"] == judge.code and m["value"] == 3
               for m in event["marks"])
    snapshot = _wait(snapshots, lambda e: e["version"] >= version)
    assert snapshot["progress"]["marked"] == first["progress"]["marked"] + 1
    results = [r for g in snapshot["results"]["groups"] for r in g["results"]]
    assert any(r["competitor"] == panel.competitor for r in results)
    # Once the room has the names, broadcasts leave them out (same `meta`); HTTP has them all.
    answer = tablet.call("mark:submit", {"id": str(uuid.uuid4()), "skill": "10",
                                         "aspect": panel.j_aspect, "competitor": panel.competitor,
                                         "value": 2, "base": 1}, timeout=10)
    later = _wait(snapshots, lambda e: e["version"] >= answer["mark"]["version"])
    assert "competitors" in first and "competitors" not in later
    assert later["meta"] == first["meta"] and later["results"] is not None
    full = requests.get(f"{live_server.url}/board/10/snapshot.json", timeout=10).json()
    assert full["competitors"] == first["competitors"]


def test_a_socket_without_a_valid_token_is_refused_and_anonymous_cannot_mark(live_server,
                                                                              sio_client, judges):
    import socketio

    panel, _found = judges
    with pytest.raises(socketio.exceptions.ConnectionError):
        sio_client(auth={"token": "not-a-token"})
    anonymous = sio_client()
    answer = anonymous.call("mark:submit", {"id": str(uuid.uuid4()), "skill": "10",
                                            "aspect": panel.j_aspect,
                                            "competitor": panel.competitor, "value": 1})
    assert answer["ok"] is False and answer["error"] == "unauthenticated"
    assert anonymous.call("panel:join", {"skill": "10"})["ok"] is False


def test_the_session_cookie_of_a_logged_in_judge_authenticates_the_socket(live_server,
                                                                           sio_client, judges):
    from .panel import PASSWORD

    panel, found = judges
    http = requests.Session()
    page = http.get(live_server.url + "/login", timeout=10).text
    response = http.post(live_server.url + "/login", data={
        "csrf_token": csrf(page), "login": found[0].login, "password": PASSWORD}, timeout=10,
        allow_redirects=False)
    assert response.status_code == 302
    cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    tablet = sio_client(headers={"Cookie": cookie})
    answer = tablet.call("mark:submit", {"id": str(uuid.uuid4()), "skill": "10",
                                         "aspect": panel.j_aspect,
                                         "competitor": panel.competitor, "value": 2})
    assert answer["ok"] and answer["mark"]["by"] == found[0].login


def test_a_client_that_was_away_resyncs_over_http(live_server, sio_client, judges):
    panel, found = judges
    watcher = sio_client(auth={"token": found[1].token})
    seen = watcher.call("panel:join", {"skill": "10"}, timeout=10)["version"]
    watcher.disconnect()  # the Wi-Fi drops …
    tablet = sio_client(auth={"token": found[0].token})
    sent = []
    for value in (0, 1, 2):
        answer = tablet.call("mark:submit", {
            "id": str(uuid.uuid4()), "skill": "10", "aspect": panel.j_aspect,
            "competitor": panel.competitor, "value": value, "base": len(sent)})
        assert answer["ok"], answer
        sent.append(answer["mark"])
    # … and comes back: the marks it missed, by version, over HTTP.
    headers = {"Authorization": f"Bearer {found[1].token}"}
    missed = requests.get(f"{live_server.url}/api/v1/skills/10/marks", params={"since": seen},
                          headers=headers, timeout=10).json()
    assert missed["version"] == sent[-1]["version"]
    assert [m["revision"] for m in missed["marks"]] == [3]  # one cell, its latest state
    assert missed["marks"][0]["value"] == 2
    nothing = requests.get(f"{live_server.url}/api/v1/skills/10/marks",
                           params={"since": missed["version"]}, headers=headers,
                           timeout=10).json()
    assert nothing["marks"] == []


def test_boards_that_ask_for_changes_are_sent_the_changed_rows(live_server, sio_client, judges):
    """`board:join {changes: true}`: after the first snapshot, broadcasts carry the rows that
    changed since the version the board holds; applied, they give what a board sent whole
    results holds, in fewer bytes."""
    panel, found = judges
    changing, whole = sio_client(), sio_client()
    changes_box, whole_box = _events(changing, "board:snapshot"), _events(whole, "board:snapshot")
    assert changing.call("board:join", {"skill": "10", "changes": True}, timeout=10)["ok"]
    assert whole.call("board:join", {"skill": "10"}, timeout=10)["ok"]
    held = changes_box.get(timeout=10)
    assert held["results"] is not None and "results_changes" not in held
    tablet = sio_client(auth={"token": found[0].token})
    competitors = sorted(held["competitors"])
    last = held["version"]
    for n, competitor in enumerate(competitors[:8]):
        answer = tablet.call("mark:submit", {
            "id": str(uuid.uuid4()), "skill": "10", "aspect": panel.m_aspect,
            "competitor": competitor, "value": panel.m_values[n % len(panel.m_values)]},
            timeout=10)
        if answer["ok"]:  # (a compatriot of this judge is refused)
            last = answer["mark"]["version"]
    assert last > held["version"]
    applied, sizes = 0, []
    while held["version"] < last:
        event = changes_box.get(timeout=10)
        changes = event.pop("results_changes", None)
        if changes is None:
            held = event | {"competitors": held["competitors"]}
            continue
        if held["version"] != changes["base"]:  # joined between two broadcasts: read it all
            held = requests.get(f"{live_server.url}/board/10/snapshot.json", timeout=10).json()
            continue
        held = event | {"results": apply_changes(held["results"], changes),
                        "competitors": held["competitors"]}
        applied += 1
        sizes.append(len(json.dumps(changes)))
    sent_whole = _wait(whole_box, lambda e: e["version"] >= last)
    assert held["version"] == sent_whole["version"] == last
    assert held["results"] == sent_whole["results"]
    assert applied >= 1
    assert max(sizes) < len(json.dumps(sent_whole["results"]))


def _cells(app, limit: int) -> list[tuple[str, str, str, str, object]]:
    """Up to `limit` distinct cells of the WorldSkills demo: (login, skill, aspect, competitor,
    value), each J cell with one of its first three non-compatriot judges."""
    rng = random.Random(5)
    cells = []
    with app.app_context():
        skills = db.session.execute(
            sa.select(Skill).where(Skill.code.in_(WORLDSKILLS))
            .order_by(Skill.code)).scalars().all()
        for skill in skills:
            experts = db.session.execute(
                sa.select(Expert).join(ExpertRole).where(ExpertRole.skill_id == skill.id)
                .order_by(Expert.code)).scalars().all()
            competitors = db.session.execute(
                sa.select(Competitor).where(Competitor.skill_id == skill.id)
                .order_by(Competitor.code)).scalars().all()
            aspects = db.session.execute(
                sa.select(Aspect).where(Aspect.skill_id == skill.id)
                .order_by(Aspect.code)).scalars().all()
            for competitor in competitors:
                free = [e for e in experts if e.organization_id is None
                        or e.organization_id != competitor.organization_id][:3]
                for aspect in aspects:
                    if aspect.type == "M":
                        value = format(rng.choice(aspect.allowed()), "f")
                        cells.append((f"judge-{free[0].code.lower()}", skill.code, aspect.code,
                                      competitor.code, value))
                    else:
                        cells.extend((f"judge-{e.code.lower()}", skill.code, aspect.code,
                                      competitor.code, rng.randint(0, 3)) for e in free)
    rng.shuffle(cells)
    return cells[:limit]


def test_a_thousand_marks_sent_twice_by_twenty_clients_count_once(live_server, sio_client):
    import socketio

    app = _server_app(live_server)
    with app.app_context():
        from competition.auth.service import add_user
        from competition.database import write_transaction

        with write_transaction() as session:
            experts = session.execute(
                sa.select(Expert).join(ExpertRole).join(Skill)
                .where(Skill.code.in_(WORLDSKILLS)).distinct()).scalars().all()
            for expert in experts:
                add_user(f"judge-{expert.code.lower()}", "expert", "password-for-tests",
                         expert=expert)
    cells = _cells(app, 1000)
    assert len(cells) == 1000
    logins = sorted({c[0] for c in cells})
    with app.app_context():
        tokens = {login: create_token(login) for login in logins}
    _close(app)
    # 20 tablets; each sends its share of the cells, every mark twice with one key.
    shares: list[list] = [[] for _ in range(20)]
    by_login = {login: i % 20 for i, login in enumerate(logins)}
    for cell in cells:
        shares[by_login[cell[0]]].append(cell)
    errors: list = []
    answers: list = []

    def tablet(share: list) -> None:
        clients: dict[str, socketio.Client] = {}
        try:
            for login, skill, aspect, competitor, value in share:
                client = clients.get(login)
                if client is None:
                    client = socketio.Client(reconnection=False)
                    client.connect(live_server.url, transports=["websocket"],
                                   auth={"token": tokens[login]}, wait_timeout=10)
                    clients[login] = client
                data = {"id": str(uuid.uuid4()), "skill": skill, "aspect": aspect,
                        "competitor": competitor, "value": value}
                first = client.call("mark:submit", data, timeout=20)
                again = client.call("mark:submit", data, timeout=20)
                answers.append((first, again))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(repr(error))
        finally:
            disconnect_all(clients.values())

    threads = [threading.Thread(target=tablet, args=(share,)) for share in shares if share]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(150)
    assert not errors
    assert len(answers) == 1000
    refused = [first for first, _again in answers if not first["ok"]]
    assert refused == []
    assert all(again["ok"] and again["replay"] and again["mark"] == first["mark"]
               for first, again in answers)
    app = _server_app(live_server)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(Mark)).scalar_one() \
            == 1000
        assert db.session.execute(
            sa.select(sa.func.count()).select_from(MarkRevision)
            .where(MarkRevision.revision == 1)).scalar_one() == 1000
        assert db.session.execute(
            sa.select(sa.func.count()).select_from(MarkRevision)).scalar_one() == 1000
    _close(app)
