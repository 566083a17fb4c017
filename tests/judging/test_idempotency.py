"""A reused idempotency key (issue 17, point 4), over HTTP and over Socket.IO.

A key stands for one submission: the same user, skill, aspect, competitor and value. Sent
again with all of them it is a replay (the first answer, nothing written); with anything else
a `conflict` that carries the mark the key recorded, which is kept. The key is looked up only
after the submission passed every check of who may mark what, so a judge who may not mark the
cell hears that refusal, never the key's mark. An equal value under a new key writes nothing
and says so (`unchanged`). docs/api.md, `mark:submit`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
import sqlalchemy as sa

from competition.auth.service import create_token
from competition.database import write_transaction
from competition.extensions import db, socketio
from competition.judging import signoff
from competition.models import (
    Aspect,
    Competitor,
    Expert,
    ExpertRole,
    Mark,
    MarkRevision,
    Skill,
    SubCriterion,
    User,
)

from .panel import Panel, key, make_panel

CHIEF = "E01"  # skill 10's chief expert (tests/judging/test_signoff.py)


@dataclass
class World:
    """Skill 10's panel, and a way to send a submission as one of its judges."""

    app: object
    panel: Panel
    transport: str
    tokens: dict[str, str]
    sockets: dict

    def send(self, judge: str, body: dict) -> tuple[int | None, dict]:
        """The answer to `body` sent as `judge`: (HTTP status or None, the answer with `ok`)."""
        if self.transport == "http":
            response = self.app.test_client().post(
                "/api/v1/marks", json=body,
                headers={"Authorization": f"Bearer {self.tokens[judge]}",
                         "Accept-Language": "en"})
            answer = response.get_json()
            assert "ok" not in answer
            return response.status_code, {"ok": response.status_code < 300, **answer}
        if judge not in self.sockets:
            self.sockets[judge] = socketio.test_client(
                self.app, auth={"token": self.tokens[judge]},
                headers={"Accept-Language": "en"})
            assert self.sockets[judge].is_connected()
        return None, self.sockets[judge].emit("mark:submit", body, callback=True)

    def mark(self, value=2, **extra) -> dict:
        """A submission of skill 10's test cell (the J aspect) with a new key."""
        return {"id": key(), "skill": "10", "aspect": self.panel.j_aspect,
                "competitor": self.panel.competitor, "value": value, **extra}


@pytest.fixture(params=["http", "socket"])
def world(request, demo_app):
    panel = make_panel(demo_app)
    with demo_app.app_context():
        tokens = {code: create_token(f"judge-{code.lower()}") for code in panel.codes}
    found = World(demo_app, panel, request.param, tokens, {})
    yield found
    for client in found.sockets.values():
        client.disconnect()


def expect(status: int | None, wanted: int) -> None:
    """The HTTP status, when the answer came over HTTP (a Socket.IO ack has none)."""
    assert status in (None, wanted), status


def stored(app, aspect: str, competitor: str, judge: str | None) -> tuple | None:
    """Skill 10's cell as the database holds it: (value, revision), None when empty."""
    with app.app_context():
        query = (sa.select(Mark.value, Mark.revision)
                 .join(Skill, Skill.id == Mark.skill_id)
                 .join(Aspect, Aspect.id == Mark.aspect_id)
                 .join(Competitor, Competitor.id == Mark.competitor_id)
                 .outerjoin(Expert, Expert.id == Mark.judge_id)
                 .where(Skill.code == "10", Aspect.code == aspect,
                        Competitor.code == competitor))
        query = query.where(Expert.code == judge) if judge else query
        row = db.session.execute(query).one_or_none()
        db.session.remove()
    return None if row is None else (row.value, row.revision)


def totals(app) -> tuple[int, int]:
    """(revisions of every mark, skill 10's version)."""
    with app.app_context():
        found = (db.session.execute(sa.select(sa.func.count(MarkRevision.id))).scalar_one(),
                 db.session.execute(sa.select(Skill.version).where(Skill.code == "10"))
                 .scalar_one())
        db.session.remove()
    return found


def expert_of(world: World, judge: str) -> Expert:
    """The judge's expert (expert codes repeat across championships: by the account)."""
    return db.session.get(User, world.panel.judges[judge]).expert


def other_competitor(world: World, judge: str) -> str:
    """An active competitor of skill 10 besides the test cell's, not the judge's compatriot."""
    with world.app.app_context():
        organization = expert_of(world, judge).organization_id
        codes = db.session.execute(
            sa.select(Competitor.code).join(Skill).where(
                Skill.code == "10", Competitor.status == "active",
                Competitor.code != world.panel.competitor,
                sa.or_(Competitor.organization_id.is_(None),
                       Competitor.organization_id != organization) if organization is not None
                else sa.true())
            .order_by(Competitor.code)).scalars().all()
        db.session.remove()
    return codes[0]


def compatriot_judge(world: World) -> str:
    """A judge who may mark the test cell's competitor and has a compatriot in skill 10."""
    with world.app.app_context():
        organization = db.session.execute(
            sa.select(Competitor.organization_id).join(Skill)
            .where(Skill.code == "10", Competitor.code == world.panel.competitor)).scalar_one()
        found = [code for code in world.panel.compatriots
                 if expert_of(world, code).organization_id != organization]
        db.session.remove()
    assert found, "the demo has a judge with a compatriot who may mark the test cell"
    return found[0]


# --- (a) the same key with another value ---------------------------------------------------------

@pytest.mark.parametrize("kind", ["J", "M"])
def test_a_key_sent_again_with_another_value_is_a_conflict_that_shows_the_kept_mark(world,
                                                                                     kind):
    panel = world.panel
    judge = panel.codes[0]
    if kind == "J":
        aspect, first_value, second_value, cell_judge = panel.j_aspect, 0, 2, judge
    else:  # the case: the lowest allowed mark (0.00 in the demo), then another
        aspect, first_value, second_value, cell_judge = (
            panel.m_aspect, panel.m_values[0], panel.m_values[-1], None)
    body = world.mark(aspect=aspect, value=first_value)
    status, first = world.send(judge, body)
    expect(status, 201)
    assert first["ok"] and first["replay"] is False
    before = totals(world.app)

    status, answer = world.send(judge, {**body, "value": second_value})
    expect(status, 409)
    assert answer["ok"] is False and answer["error"] == "conflict", answer
    assert "replay" not in answer
    # the mark the key recorded, which is kept, and the message says what it is
    assert answer["mark"] == first["mark"]
    assert f"it recorded {first['mark']['value']} for aspect {aspect} " in answer["message"]
    assert totals(world.app) == before
    assert stored(world.app, aspect, panel.competitor, cell_judge) == (Decimal(first_value), 1)


# --- (b) a cell the judge may not mark: the refusal, never the key's mark ------------------------

def _not_on_skill_04(world: World, judge: str, body: dict) -> tuple[dict, str]:
    # The same codes under another skill, whose panel the judge is not on.
    return {**body, "skill": "04"}, "not_assigned"


def _compatriot(world: World, judge: str, body: dict) -> tuple[dict, str]:
    return {**body, "competitor": world.panel.compatriots[judge]}, "compatriot"


def _left_the_panel(world: World, judge: str, body: dict) -> tuple[dict, str]:
    # The judge is taken off skill 10's panel: the exact resend is refused.
    with world.app.app_context():
        with write_transaction() as session:
            role = session.execute(
                sa.select(ExpertRole).join(Skill, Skill.id == ExpertRole.skill_id)
                .where(ExpertRole.expert_id == expert_of(world, judge).id,
                       Skill.code == "10")).scalar_one()
            session.delete(role)
        db.session.remove()
    return body, "not_assigned"


@pytest.mark.parametrize("case", [_not_on_skill_04, _compatriot, _left_the_panel],
                         ids=["another skill", "compatriot", "left the panel"])
def test_a_key_sent_for_a_cell_the_judge_may_not_mark_gets_the_refusal_not_the_mark(world,
                                                                                     case):
    panel = world.panel
    judge = compatriot_judge(world) if case is _compatriot else panel.codes[0]
    body = world.mark(value=1)
    status, first = world.send(judge, body)
    expect(status, 201)
    assert first["ok"], first
    again, refusal = case(world, judge, body)
    before = totals(world.app)

    status, answer = world.send(judge, again)
    expect(status, 403)
    assert answer["ok"] is False and answer["error"] == refusal, answer
    assert "mark" not in answer and "replay" not in answer
    assert totals(world.app) == before


def _sign_off(world: World, aspect_code: str) -> None:
    with world.app.test_request_context():
        skill = db.session.execute(sa.select(Skill).where(Skill.code == "10")).scalar_one()
        sub = db.session.execute(
            sa.select(SubCriterion.code).join(Aspect, Aspect.sub_criterion_id == SubCriterion.id)
            .where(Aspect.code == aspect_code, Aspect.skill_id == skill.id)).scalar_one()
        signoff.sign_off(world.panel.user(CHIEF), skill, sub, confirm=True)
        db.session.remove()


def test_a_mark_saved_before_the_sign_off_and_sent_again_is_a_replay_not_a_refusal(world):
    """The lock is a state of the cell, not a right: a tablet whose ack was lost resends the
    mark after the chief signed off and must hear "saved" (its mark is there), while any new
    value for the locked cell is refused."""
    judge = world.panel.codes[0]
    body = world.mark(value=1)
    status, first = world.send(judge, body)
    expect(status, 201)
    _sign_off(world, body["aspect"])
    before = totals(world.app)
    status, answer = world.send(judge, body)
    expect(status, 200)
    assert answer["ok"] is True and answer["replay"] is True, answer
    assert answer["mark"] == first["mark"]
    status, answer = world.send(judge, {**body, "id": key(), "value": 2})
    expect(status, 403)
    assert answer["error"] == "locked", answer
    assert totals(world.app) == before


# --- (c) the same key for another cell ----------------------------------------------------------

def test_a_key_sent_for_another_aspect_or_competitor_is_a_conflict(world):
    panel = world.panel
    judge = panel.codes[0]
    body = world.mark(value=1)
    status, first = world.send(judge, body)
    expect(status, 201)
    before = totals(world.app)
    other = other_competitor(world, judge)
    for again, cell in (
        ({**body, "aspect": panel.m_aspect, "value": panel.m_values[0]},
         (panel.m_aspect, panel.competitor, None)),
        ({**body, "competitor": other}, (panel.j_aspect, other, judge)),
    ):
        status, answer = world.send(judge, again)
        expect(status, 409)
        assert answer["ok"] is False and answer["error"] == "conflict", answer
        assert answer["mark"] == first["mark"]  # what the key wrote: aspect, competitor, 1
        assert stored(world.app, *cell) is None
    assert totals(world.app) == before


def test_a_key_of_another_judge_is_a_conflict_that_does_not_show_their_mark(world):
    panel = world.panel
    body = world.mark(aspect=panel.m_aspect, value=panel.m_values[0])
    status, _first = world.send(panel.codes[0], body)
    expect(status, 201)
    before = totals(world.app)
    # The M cell is the whole panel's: the colleague may mark it, but not with this key.
    status, answer = world.send(panel.codes[1], {**body, "base": 1})
    expect(status, 409)
    assert answer["ok"] is False and answer["error"] == "conflict", answer
    assert "mark" not in answer
    assert totals(world.app) == before


def test_a_key_of_another_skill_the_judge_also_marks_is_a_conflict(world):
    panel = world.panel
    judge = panel.codes[0]
    with world.app.app_context():
        with write_transaction() as session:  # the judge joins skill 04's panel too
            skill = session.execute(sa.select(Skill).where(Skill.code == "04")).scalar_one()
            expert = expert_of(world, judge)
            session.add(ExpertRole(expert_id=expert.id, skill_id=skill.id, role="expert"))
            aspect = session.execute(
                sa.select(Aspect.code).where(Aspect.skill_id == skill.id, Aspect.type == "J")
                .order_by(Aspect.code)).scalars().first()
            competitor = session.execute(
                sa.select(Competitor.code).where(
                    Competitor.skill_id == skill.id, Competitor.status == "active",
                    sa.or_(Competitor.organization_id.is_(None),
                           Competitor.organization_id != expert.organization_id)
                    if expert.organization_id is not None else sa.true())
                .order_by(Competitor.code)).scalars().first()
        db.session.remove()
    body = world.mark(value=1)
    status, first = world.send(judge, body)
    expect(status, 201)
    before = totals(world.app)
    status, answer = world.send(judge, {**body, "skill": "04", "aspect": aspect,
                                        "competitor": competitor})
    expect(status, 409)
    assert answer["ok"] is False and answer["error"] == "conflict", answer
    assert answer["mark"] == first["mark"] and answer["mark"]["skill"] == "10"
    assert totals(world.app) == before


# --- (d) the exact resend ------------------------------------------------------------------------

def test_the_same_submission_sent_again_is_a_replay_whatever_the_values_spelling(world):
    panel = world.panel
    judge = panel.codes[0]
    j_body = world.mark(value=2)
    m_value = panel.m_values[0]  # the value: 0 (0.00)
    m_body = world.mark(aspect=panel.m_aspect, value=m_value)
    firsts = []
    for body in (j_body, m_body):
        status, first = world.send(judge, body)
        expect(status, 201)
        firsts.append(first)
    before = totals(world.app)
    m_number = Decimal(m_value)
    answers = []
    for body, first, spellings in (
        (j_body, firsts[0], [2, "2", 2.0, "2.00"]),
        (m_body, firsts[1], [m_value, str(m_number.quantize(Decimal("0.01"))),
                             str(m_number.quantize(Decimal("0.0001"))), float(m_number),
                             int(m_number) if m_number == int(m_number) else m_value]),
    ):
        for value in spellings:
            # a resend may carry another base (the tablet computes it anew) and reason
            for extra in ({}, {"base": 1, "reason": "sent again"}):
                status, answer = world.send(judge, {**body, "value": value, **extra})
                expect(status, 200)
                assert answer["ok"] and answer["replay"] is True, (value, answer)
                assert answer["mark"] == first["mark"]
                answers.append(answer)
    assert totals(world.app) == before
    assert [answer["unchanged"] for answer in answers] == [False] * len(answers)


# --- (e) an equal value under a new key ---------------------------------------------------------

def test_an_equal_value_under_a_new_key_writes_nothing_and_says_so(world):
    panel = world.panel
    judge = panel.codes[0]
    m_value = panel.m_values[-1]
    cells = ((world.mark(value=2), "2.0", (panel.j_aspect, panel.competitor, judge)),
             (world.mark(aspect=panel.m_aspect, value=m_value), float(Decimal(m_value)),
              (panel.m_aspect, panel.competitor, None)))
    for body, same, cell in cells:
        status, first = world.send(judge, body)
        expect(status, 201)
        before = totals(world.app)
        fresh = {**body, "id": key(), "value": same, "base": 1}
        for _attempt in range(2):  # nothing is kept under the new key: again the same answer
            status, answer = world.send(judge, fresh)
            expect(status, 200)
            assert answer["ok"] and answer["replay"] is False, answer
            assert answer["mark"]["revision"] == 1
            assert Decimal(str(answer["mark"]["value"])) == Decimal(str(first["mark"]["value"]))
            assert totals(world.app) == before
            assert stored(world.app, *cell)[1] == 1
            assert answer["unchanged"] is True, answer
        assert first["unchanged"] is False  # a call that wrote says so too


# --- a key written meanwhile by another process ------------------------------------------------

def test_a_key_written_meanwhile_is_answered_by_the_same_rules(demo_app, monkeypatch):
    """A key is looked up only when the answer is not a write. A resend whose base and value
    would make a write (the key written by another transaction after this one's checks, or sent
    with the cell's current base) is refused by the unique key: the answer is then looked up in
    a second transaction, after the checks, and compared as above. Nothing is written twice."""
    from competition.errors import Refused
    from competition.judging import service

    panel = make_panel(demo_app)
    with demo_app.test_request_context():
        judge = panel.user(panel.codes[0])
        body = {"id": key(), "skill": "10", "aspect": panel.j_aspect,
                "competitor": panel.competitor, "value": 1}
        first = service.record_mark(judge, body)
        service.record_mark(judge, {**body, "id": key(), "value": 2, "base": 1})
        real, looked = service._replay, []

        def counted(session, *args):
            looked.append(True)
            return real(session, *args)

        monkeypatch.setattr(service, "_replay", counted)
        again = service.record_mark(judge, {**body, "base": 2})
        assert looked == [True] and again.replay and again.mark == first.mark
        looked.clear()
        with pytest.raises(Refused) as caught:
            service.record_mark(judge, {**body, "value": 3, "base": 2})
        db.session.rollback()
        assert looked == [True] and caught.value.code == "conflict" \
            and caught.value.mark == first.mark
        assert stored(demo_app, panel.j_aspect, panel.competitor, panel.codes[0]) \
            == (Decimal(2), 2)
