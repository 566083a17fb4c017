"""Concurrency on a real server (issue 9), on SQLite and on PostgreSQL: `competition serve` with
the demo, skill 10's experts with API tokens, the chief expert logged in through /login.

- The same cell corrected from two places at once, each submission with the base it saw: a
  measurement (M) cell, which any panel expert may enter, by two judges over HTTP; a judgement
  (J) cell, which is one judge's own mark, from two tablets of that judge over Socket.IO.
  Exactly one wins, the other gets `conflict` with the winner's mark; the stored history holds
  the winner's write and nothing of the loser's (no lost update, no silent overwrite).
- A resend racing its original (the same key twice at once): one write, both answered ok.
- The chief's sign-off of a sub-criterion racing a judge's mark into it: either the mark is
  acknowledged and stored before the lock (the lock covers it), or it is refused as `locked`
  and nothing is stored; never a mark stored while the lock holds, never an acknowledged mark
  missing.
"""

from __future__ import annotations

import functools
import random
import shutil
import threading
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from decimal import Decimal

import pytest
import requests
import sqlalchemy as sa

from ..fixtures.servers import free_port
from ..fixtures.services import PG_URL, need, postgres_available
from ..helpers import csrf
from .crash import Championship, Server, make_app, postgres_database, prepare
from .judges import describe

pytestmark = [pytest.mark.timeout(240)]

SKILL = "10"
PASSWORD = "race-chief-password"  # noqa: S105 (a test account's)
ROUNDS = 10  # of each race, per database


@dataclass
class Race:
    server: Server
    championship: Championship
    description: dict
    chief: requests.Session
    csrf: str

    def token(self, code: str) -> str:
        return self.championship.tokens[self.championship.judges[SKILL][code]]

    def app(self):
        return make_app(self.championship.database_url, self.championship.instance)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def race(request, tmp_path_factory):
    instance = tmp_path_factory.mktemp(f"race-{request.param}")
    with ExitStack() as stack:
        if request.param == "sqlite":
            shutil.copyfile(request.getfixturevalue("demo_template_db"),
                            instance / "competition.db")
            url, load = f"sqlite:///{instance / 'competition.db'}", False
        else:
            need("PostgreSQL", postgres_available(), "a server on 127.0.0.1:5432 (user postgres)")
            url = stack.enter_context(postgres_database(PG_URL.rsplit("/", 1)[0], "race"))
            load = True
        yield from _race(url, instance, load)


def _race(url: str, instance, load: bool):
    server = None
    try:
        championship = prepare(url, instance, [SKILL], judges=99, load=load)
        chief_login = _with_chief_password(championship)
        server = Server(championship, free_port())
        server.start()
        description, _marks = describe(server.url, SKILL, championship.tokens[chief_login])
        chief = requests.Session()
        chief.headers["Accept-Language"] = "en"
        page = chief.get(f"{server.url}/login", timeout=30).text
        answer = chief.post(f"{server.url}/login", timeout=30, allow_redirects=False, data={
            "login": chief_login, "password": PASSWORD, "csrf_token": csrf(page)})
        assert answer.status_code == 302, answer.text[:500]
        board = chief.get(f"{server.url}/judging/{SKILL}/chief", timeout=30)
        assert board.status_code == 200
        yield Race(server, championship, description, chief, csrf(board.text))
    finally:
        if server is not None:
            server.stop()


def _with_chief_password(championship: Championship) -> str:
    """The chief expert's login, with a password to log in through the form."""
    from competition.database import write_transaction
    from competition.extensions import db
    from competition.models import Expert, ExpertRole, Skill, User

    app = make_app(championship.database_url, championship.instance)
    with app.app_context():
        with write_transaction() as session:
            user = session.execute(
                sa.select(User).join(Expert, Expert.id == User.expert_id)
                .join(ExpertRole, ExpertRole.expert_id == Expert.id)
                .join(Skill, Skill.id == ExpertRole.skill_id)
                .where(Skill.code == SKILL, ExpertRole.role == "chief")).scalar_one()
            user.set_password(PASSWORD)
            login = user.login
        db.session.remove()
        db.engine.dispose()
    return login


# --- what a judge may mark ----------------------------------------------------------------------

def _markers(race: Race, competitor: dict) -> list[str]:
    """The panel experts (chief and deputy last) who are not compatriots of the competitor."""
    order = {"expert": 0, "independent": 1, "deputy": 2, "chief": 3}
    experts = sorted(race.description["experts"], key=lambda e: (order[e["role"]], e["code"]))
    return [e["code"] for e in experts if not e["marking_team"]
            and (e["organization"] is None or e["organization"] != competitor["organization"])]


def _marked(race: Race) -> set[tuple[str, str]]:
    """(aspect, competitor) of every cell marked now (by the tests before)."""
    chief = next(e["code"] for e in race.description["experts"] if e["role"] == "chief")
    _description, marks = describe(race.server.url, SKILL, race.token(chief))
    return {(m["aspect"], m["competitor"]) for m in marks}


def _cells(race: Race, kind: str, rng: random.Random):
    """Empty cells of `kind` (sub-criterion, aspect, competitor), never the same twice."""
    taken = _marked(race)
    cells = [(sub["code"], aspect, competitor)
             for criterion in race.description["criteria"]
             for sub in criterion["sub_criteria"] for aspect in sub["aspects"]
             for competitor in race.description["competitors"]
             if aspect["type"] == kind and competitor["status"] == "active"
             and (aspect["code"], competitor["code"]) not in taken
             and (kind == "J" or len(aspect["values"]) >= 3)]
    rng.shuffle(cells)
    return iter(cells)


def _key() -> str:
    return f"race-{uuid.uuid4()}"


def _at_once(*actions) -> list:
    """Run the actions on threads released together by a barrier; their results in order."""
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = actions[index]()
        except Exception as error:  # noqa: BLE001 (checked by the caller)
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def _tablet(race: Race, code: str):
    import socketio

    client = socketio.Client(reconnection=False)
    client.connect(race.server.url, auth={"token": race.token(code)}, transports=["websocket"],
                   headers={"Accept-Language": "en"}, wait_timeout=10)
    return client


def _close(*clients) -> None:
    threads = [threading.Thread(target=client.disconnect) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)


def _history(race: Race, aspect: str, competitor: str, judge: str | None):
    """[(revision, new value, key)] of the cell, and the mark's (revision, value)."""
    from competition.extensions import db
    from competition.models import Aspect, Competitor, Expert, Mark, MarkRevision, Skill

    app = race.app()
    with app.app_context():
        query = (sa.select(Mark).join(Aspect, Aspect.id == Mark.aspect_id)
                 .join(Competitor, Competitor.id == Mark.competitor_id)
                 .join(Skill, Skill.id == Mark.skill_id)
                 .where(Skill.code == SKILL, Aspect.code == aspect, Competitor.code == competitor))
        if judge is not None:
            query = query.join(Expert, Expert.id == Mark.judge_id).where(Expert.code == judge)
        mark = db.session.execute(query).scalar_one()
        revisions = db.session.execute(
            sa.select(MarkRevision.revision, MarkRevision.new_value,
                      MarkRevision.idempotency_key)
            .where(MarkRevision.mark_id == mark.id).order_by(MarkRevision.revision)).all()
        current = (mark.revision, mark.value)
        db.session.remove()
        db.engine.dispose()
    return [tuple(row) for row in revisions], current


def _settle_race(answers: list[dict], values: list, base: int) -> int:
    """Exactly one submission won; the other is a conflict showing the winner's mark.
    Returns the winner's index."""
    won = [i for i, answer in enumerate(answers) if answer.get("ok")]
    assert len(won) == 1, answers
    winner, loser = won[0], 1 - won[0]
    assert answers[winner]["replay"] is False
    assert answers[winner]["mark"]["revision"] == base + 1
    assert answers[loser]["error"] == "conflict", answers
    shown = answers[loser]["mark"]
    assert shown["revision"] == base + 1
    assert Decimal(str(shown["value"])) == Decimal(str(values[winner]))
    return winner


# --- the same cell from two places at once --------------------------------------------------

def _http_mark(race: Race, code: str, body: dict) -> dict:
    """POST /api/v1/marks as the ack of mark:submit would read ({ok, …} or {ok: false, …})."""
    answer = requests.post(f"{race.server.url}/api/v1/marks", json=body, timeout=30, headers={
        "Authorization": f"Bearer {race.token(code)}", "Idempotency-Key": body["id"]})
    data = answer.json()
    assert answer.status_code in (200, 201, 409), (answer.status_code, data)
    return {"ok": answer.status_code < 400, **data}


def test_two_judges_correcting_one_measurement_cell_at_once_one_wins(race):
    rng = random.Random(1)  # noqa: S311
    cells = _cells(race, "M", rng)
    for _round in range(ROUNDS):
        _sub, aspect, competitor = next(cells)
        judges = _markers(race, competitor)[:2]
        history = []
        value = None
        for base in (0, 1):  # the first entry, then a correction from revision 1
            values = rng.sample([v for v in aspect["values"] if v != value], 2)
            bodies = [{"id": _key(), "skill": SKILL, "aspect": aspect["code"],
                       "competitor": competitor["code"], "value": v, "base": base,
                       "reason": "second look" if base else ""} for v in values]
            answers = _at_once(*[lambda j=j, b=b: _http_mark(race, j, b)
                                 for j, b in zip(judges, bodies, strict=True)])
            winner = _settle_race(answers, values, base)
            value = values[winner]
            history.append((base + 1, Decimal(value), bodies[winner]["id"]))
        stored, current = _history(race, aspect["code"], competitor["code"], None)
        assert stored == history  # the winners' writes, nothing of the losers'
        assert current == (2, Decimal(value))


def test_two_tablets_of_one_judge_correcting_one_judgement_at_once_one_wins(race):
    rng = random.Random(2)  # noqa: S311
    cells = _cells(race, "J", rng)
    tablets: dict[str, list] = {}  # judge -> two connected tablets (closing one takes seconds)
    try:
        for _round in range(ROUNDS):
            _sub, aspect, competitor = next(cells)
            judge = _markers(race, competitor)[0]
            if judge not in tablets:
                tablets[judge] = [_tablet(race, judge), _tablet(race, judge)]
            history = []
            value = None
            for base in (0, 1):
                values = rng.sample([v for v in range(4) if v != value], 2)
                bodies = [{"id": _key(), "skill": SKILL, "aspect": aspect["code"],
                           "competitor": competitor["code"], "value": v, "base": base}
                          for v in values]
                answers = _at_once(*[lambda t=t, b=b: t.call("mark:submit", b, timeout=30)
                                     for t, b in zip(tablets[judge], bodies, strict=True)])
                winner = _settle_race(answers, values, base)
                value = values[winner]
                history.append((base + 1, Decimal(value), bodies[winner]["id"]))
            stored, current = _history(race, aspect["code"], competitor["code"], judge)
            assert stored == history
            assert current == (2, Decimal(value))
    finally:
        _close(*[t for pair in tablets.values() for t in pair])


def test_a_resend_racing_its_original_is_one_write_and_both_are_answered_ok(race):
    """A tablet that gave up waiting sends the same mark again (same key) while the first
    submission is still being written: one write, and both answers say it is saved (the
    first answer, then its replay) — a conflict would tell the tablet its own mark was
    refused."""
    rng = random.Random(4)  # noqa: S311
    cells = _cells(race, "M", rng)
    for _round in range(ROUNDS):
        _sub, aspect, competitor = next(cells)
        judge = _markers(race, competitor)[0]
        body = {"id": _key(), "skill": SKILL, "aspect": aspect["code"],
                "competitor": competitor["code"], "value": aspect["values"][-1], "base": 0}
        send = functools.partial(_http_mark, race, judge, body)
        answers = _at_once(send, send)
        assert all(answer["ok"] for answer in answers), answers
        assert sorted(answer["replay"] for answer in answers) == [False, True]
        stored, current = _history(race, aspect["code"], competitor["code"], None)
        assert stored == [(1, Decimal(aspect["values"][-1]), body["id"])]
        assert current[0] == 1


# --- sign-off racing a mark -------------------------------------------------------------------

def _chief_post(race: Race, sub: str, action: str, **data) -> int:
    answer = race.chief.post(f"{race.server.url}/judging/{SKILL}/chief/{sub}/{action}",
                             data={"csrf_token": race.csrf, **data}, allow_redirects=False,
                             timeout=30)
    return answer.status_code


def _lock_and_revision(race: Race, sub: str, key: str):
    """The sub-criterion's latest sign-off event (action, time) and the mark written with
    `key` (its time), if any."""
    from competition.extensions import db
    from competition.models import Criterion, MarkRevision, SignOff, Skill, SubCriterion

    app = race.app()
    with app.app_context():
        event = db.session.execute(
            sa.select(SignOff.action, SignOff.created_at)
            .join(SubCriterion, SubCriterion.id == SignOff.sub_criterion_id)
            .join(Criterion, Criterion.id == SubCriterion.criterion_id)
            .join(Skill, Skill.id == Criterion.skill_id)
            .where(Skill.code == SKILL, SubCriterion.code == sub)
            .order_by(SignOff.id.desc()).limit(1)).one()
        written = db.session.execute(
            sa.select(MarkRevision.created_at)
            .where(MarkRevision.idempotency_key == key)).scalar_one_or_none()
        db.session.remove()
        db.engine.dispose()
    return event, written


def _marks_written_while_locked(race: Race) -> list:
    """Every revision of the skill written while its sub-criterion's latest sign-off event
    before it was a lock."""
    from competition.extensions import db
    from competition.models import Aspect, Mark, MarkRevision, SignOff, Skill

    app = race.app()
    with app.app_context():
        events = db.session.execute(
            sa.select(SignOff.sub_criterion_id, SignOff.action, SignOff.created_at)
            .order_by(SignOff.id)).all()
        revisions = db.session.execute(
            sa.select(Aspect.sub_criterion_id, MarkRevision.created_at,
                      MarkRevision.idempotency_key)
            .join(Mark, Mark.id == MarkRevision.mark_id)
            .join(Aspect, Aspect.id == Mark.aspect_id)
            .join(Skill, Skill.id == Mark.skill_id).where(Skill.code == SKILL)).all()
        db.session.remove()
        db.engine.dispose()
    found = []
    for sub, at, key in revisions:
        before = [action for event_sub, action, when in events
                  if event_sub == sub and when <= at]
        if before and before[-1] == "lock":
            found.append((sub, at, key))
    return found


def test_a_sign_off_racing_a_mark_either_covers_it_or_refuses_it(race):
    rng = random.Random(3)  # noqa: S311
    subs = [sub["code"] for criterion in race.description["criteria"]
            for sub in criterion["sub_criteria"]]
    competitors = [c for c in race.description["competitors"] if c["status"] == "active"]
    taken = _marked(race)
    outcomes = {"in before the lock": 0, "refused as locked": 0}
    tablets = {}
    try:
        for number in range(2 * len(subs)):
            sub_code = subs[number % len(subs)]
            sub = next(s for criterion in race.description["criteria"]
                       for s in criterion["sub_criteria"] if s["code"] == sub_code)
            aspect, competitor = next(
                (a, c) for a in sub["aspects"] for c in competitors
                if (a["code"], c["code"]) not in taken)
            taken.add((aspect["code"], competitor["code"]))
            judge = _markers(race, competitor)[number % 3]
            if judge not in tablets:
                tablets[judge] = _tablet(race, judge)
            value = rng.choice(aspect["values"])
            body = {"id": _key(), "skill": SKILL, "aspect": aspect["code"],
                    "competitor": competitor["code"], "value": value, "base": 0}
            # either may reach the server first: one of the two waits a few milliseconds
            delay = rng.uniform(-0.01, 0.01)

            def mark(body=body, judge=judge, delay=delay):
                time.sleep(max(0.0, delay))
                return tablets[judge].call("mark:submit", body, timeout=30)

            def sign_off(sub_code=sub_code, delay=delay):
                time.sleep(max(0.0, -delay))
                return _chief_post(race, sub_code, "sign-off", confirm="1")

            status, answer = _at_once(sign_off, mark)
            assert status == 302, f"sign-off of {sub_code}: HTTP {status}"
            (action, locked_at), written = _lock_and_revision(race, sub_code, body["id"])
            assert action == "lock"
            if answer.get("ok"):
                assert answer["mark"]["revision"] == 1 and not answer["replay"]
                assert written is not None, f"acknowledged mark {body['id']} is not stored"
                assert written <= locked_at, "a mark was stored after the lock"
                outcomes["in before the lock"] += 1
            else:
                assert answer["error"] == "locked", answer
                assert written is None, f"refused mark {body['id']} was stored"
                outcomes["refused as locked"] += 1
            assert _chief_post(race, sub_code, "unlock", reason="race test") == 302
    finally:
        _close(*tablets.values())
    print(f"\nsign-off racing a mark, {sum(outcomes.values())} rounds: {outcomes}")
    assert _marks_written_while_locked(race) == []
