"""Blind judgement over a real server: until every judge of a J cell has scored, a co-judge or
an onlooker expert sees only "n of N scored" — in `marks` events, in the `panel:join` answer and
in GET …/marks —, while the chief, an organizer and the judge themself see the scores; the last
score reveals them all at once, with the dispute."""

from __future__ import annotations

import queue
import uuid

import pytest
import requests
import sqlalchemy as sa

from competition.auth.service import add_user, create_token
from competition.database import write_transaction
from competition.extensions import db
from competition.models import Aspect, Competitor, Expert, ExpertRole, Skill

from ..fixtures.databases import make_app

pytestmark = pytest.mark.timeout(180)


def _people(live_server) -> dict:
    """Tokens of three plain judges of one J cell of skill 10, an onlooker expert, the chief
    and an organizer; the cell's aspect and competitor and judges_per_aspect."""
    app = make_app(live_server.database_url, live_server.instance)
    with app.app_context():
        with write_transaction() as session:
            skill = session.execute(sa.select(Skill).where(Skill.code == "10")).scalar_one()
            jpa = skill.championship.judges_per_aspect
            roles = session.execute(
                sa.select(ExpertRole).join(Expert).where(ExpertRole.skill_id == skill.id)
                .order_by(Expert.code)).scalars().all()
            aspect = session.execute(
                sa.select(Aspect).where(Aspect.skill_id == skill.id, Aspect.type == "J")
                .order_by(Aspect.code)).scalars().first()
            plain = [r.expert for r in roles if r.role == "expert" and not r.marking_team]
            competitor = next(
                c for c in session.execute(
                    sa.select(Competitor).where(Competitor.skill_id == skill.id,
                                                Competitor.status == "active")
                    .order_by(Competitor.code)).scalars()
                if sum(e.organization_id != c.organization_id for e in plain) > jpa)
            free = [e for e in plain if e.organization_id != competitor.organization_id]
            chief = next(r.expert for r in roles if r.role == "chief")
            accounts = {"judges": free[:jpa], "onlooker": free[jpa], "chief": chief}
            logins = {}
            for name, experts in accounts.items():
                for expert in experts if isinstance(experts, list) else [experts]:
                    login = f"blind-{expert.code.lower()}"
                    add_user(login, "chief" if name == "chief" else "expert", None,
                             expert=expert)
                    logins.setdefault(name, []).append((expert.code, login))
            add_user("blind-organizer", "organizer", None)
            found = {"aspect": aspect.code, "competitor": competitor.code, "jpa": jpa}
        tokens = {name: [(code, create_token(login)) for code, login in pairs]
                  for name, pairs in logins.items()}
        tokens["organizer"] = [(None, create_token("blind-organizer"))]
        db.session.remove()
        db.engine.dispose()
    return found | tokens


def _cell(marks: list[dict], aspect: str, competitor: str) -> dict:
    """judge -> (value, hidden, scored, of) of the cell's marks."""
    return {m["judge"]: (m["value"], m.get("hidden", False), m.get("scored"), m.get("of"))
            for m in marks if m["aspect"] == aspect and m["competitor"] == competitor}


def _latest(box: queue.Queue, version: int, aspect: str, competitor: str) -> dict:
    """The cell as the `marks` events up to `version` show it, merged as the tablet's store
    does: a hidden score never replaces the score itself (a judge gets the panel's blind event
    and then their own room's)."""
    cell: dict = {}
    reached = False
    while True:
        try:
            event = box.get(timeout=1 if reached else 10)
        except queue.Empty:
            if reached:
                return cell
            raise
        for judge, mark in _cell(event["marks"], aspect, competitor).items():
            if not (mark[1] and judge in cell and not cell[judge][1]):
                cell[judge] = mark
        reached = reached or event["version"] >= version


def test_scores_stay_hidden_until_the_cell_is_complete(live_server, sio_client):
    people = _people(live_server)
    aspect, competitor, jpa = people["aspect"], people["competitor"], people["jpa"]
    judges = people["judges"]
    viewers = {"judge2": judges[1][1], "judge3": judges[2][1],
               "onlooker": people["onlooker"][0][1], "chief": people["chief"][0][1],
               "organizer": people["organizer"][0][1], "judge1": judges[0][1]}
    boxes, clients = {}, {}
    for name, token in viewers.items():
        client = clients[name] = sio_client(auth={"token": token})
        boxes[name] = queue.Queue()
        client.on("marks", boxes[name].put)
        assert client.call("panel:join", {"skill": "10"}, timeout=10)["ok"]
    tablets = {code: sio_client(auth={"token": token}) for code, token in judges}

    def submit(code: str, value: int) -> dict:
        answer = tablets[code].call("mark:submit", {
            "id": str(uuid.uuid4()), "skill": "10", "aspect": aspect,
            "competitor": competitor, "value": value}, timeout=10)
        assert answer["ok"], answer
        return answer

    def marks_over_http(token: str) -> dict:
        return _cell(requests.get(f"{live_server.url}/api/v1/skills/10/marks",
                                  headers={"Authorization": f"Bearer {token}"},
                                  timeout=10).json()["marks"], aspect, competitor)

    first = judges[0][0]
    answer = submit(first, 0)
    assert answer["mark"]["value"] == 0 and answer["dispute"] is None
    version = answer["mark"]["version"]
    hidden = {first: (None, True, 1, jpa)}
    for name in ("judge2", "judge3", "onlooker"):
        assert _latest(boxes[name], version, aspect, competitor) == hidden, name
        joined = sio_client(auth={"token": viewers[name]}).call("panel:join", {"skill": "10"},
                                                                timeout=10)
        assert _cell(joined["marks"], aspect, competitor) == hidden, name
        assert marks_over_http(viewers[name]) == hidden, name
    shown = {first: (0, False, 1, jpa)}
    for name in ("chief", "organizer", "judge1"):
        assert _latest(boxes[name], version, aspect, competitor) == shown, name
        joined = sio_client(auth={"token": viewers[name]}).call("panel:join", {"skill": "10"},
                                                                timeout=10)
        assert _cell(joined["marks"], aspect, competitor) == shown, name
        assert marks_over_http(viewers[name]) == shown, name

    # The second judge sees their own score, not the first one's.
    second = judges[1][0]
    version = submit(second, 1)["mark"]["version"]
    assert _latest(boxes["judge2"], version, aspect, competitor) == {
        first: (None, True, 2, jpa), second: (1, False, 2, jpa)}
    assert marks_over_http(viewers["onlooker"]) == {
        first: (None, True, 2, jpa), second: (None, True, 2, jpa)}

    # The last score: everyone sees every score, and the dispute (0 and 3 differ by 3).
    last = submit(judges[2][0], 3)
    # 0, 1 and 3: the 3 is outside the band (0-1) the others are in; that judge re-marks.
    assert last["dispute"]["open"] is True and last["dispute"]["spread"] == 3
    assert last["dispute"]["remark"] == [judges[2][0]]
    version = last["mark"]["version"]
    revealed = {first: (0, False, 3, jpa), second: (1, False, 3, jpa),
                judges[2][0]: (3, False, 3, jpa)}
    for name in viewers:
        assert _latest(boxes[name], version, aspect, competitor) == revealed, name
        assert marks_over_http(viewers[name]) == revealed, name
    joined = sio_client(auth={"token": viewers["onlooker"]}).call(
        "panel:join", {"skill": "10"}, timeout=10)
    assert _cell(joined["marks"], aspect, competitor) == revealed
    [dispute] = [d for d in joined["disputes"]
                 if d["aspect"] == aspect and d["competitor"] == competitor]
    assert dispute["spread"] == 3 and dispute["remark"] == [judges[2][0]]


def test_a_resync_since_a_version_brings_the_revealed_cell(live_server, sio_client):
    """A tablet away while the last score came in gets the whole cell from ?since=V."""
    people = _people(live_server)
    aspect, competitor, jpa = people["aspect"], people["competitor"], people["jpa"]
    judges = people["judges"]
    onlooker = people["onlooker"][0][1]
    headers = {"Authorization": f"Bearer {onlooker}"}
    url = f"{live_server.url}/api/v1/skills/10/marks"
    versions = []
    for index, (_code, token) in enumerate(judges):
        answer = sio_client(auth={"token": token}).call("mark:submit", {
            "id": str(uuid.uuid4()), "skill": "10", "aspect": aspect,
            "competitor": competitor, "value": 2}, timeout=10)
        assert answer["ok"], answer
        versions.append(answer["mark"]["version"])
        if index == 0:
            seen = requests.get(url, headers=headers, timeout=10).json()
            assert _cell(seen["marks"], aspect, competitor)[judges[0][0]][:2] == (None, True)
    since = requests.get(url, params={"since": versions[-1] - 1}, headers=headers,
                         timeout=10).json()
    assert _cell(since["marks"], aspect, competitor) == {
        code: (2, False, jpa, jpa) for code, _token in judges}
