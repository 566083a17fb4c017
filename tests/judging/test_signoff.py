"""The chief expert's service: sign-off and unlock, who may do them, progress, disputes, history."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from competition import signals
from competition.auth.service import add_user
from competition.database import write_transaction
from competition.errors import Conflict, Forbidden, Invalid, NotFound, Refused
from competition.extensions import db
from competition.judging import history, overview, service, signoff
from competition.models import (
    Aspect,
    AuditEntry,
    Competitor,
    Expert,
    ExpertRole,
    Mark,
    MarkRevision,
    SignOff,
    Skill,
    SubCriterion,
    User,
)
from tests.marking import enter_marks

from .panel import key, make_panel

CHIEF, DEPUTY, EXPERT = "E01", "E02", "E03"  # skill 10's chief, deputy, and an expert


@pytest.fixture
def panel(demo_app):
    return make_panel(demo_app)


@pytest.fixture
def ctx(demo_app):
    with demo_app.test_request_context(headers={"Accept-Language": "en"}):
        yield demo_app


@pytest.fixture
def sent() -> list:
    """The `lock` events the write side sent after its commits (competition/signals.py)."""
    events: list = []

    def heard(_skill_id, payload):
        events.append(payload)

    signals.lock_changed.connect(heard)
    yield events
    signals.lock_changed.disconnect(heard)


def skill(code: str = "10") -> Skill:
    return db.session.execute(sa.select(Skill).where(Skill.code == code)).scalar_one()


def sub_of(aspect_code: str, code: str = "10") -> SubCriterion:
    return db.session.execute(
        sa.select(SubCriterion).join(Aspect, Aspect.sub_criterion_id == SubCriterion.id)
        .where(Aspect.code == aspect_code, Aspect.skill_id == skill(code).id)).scalar_one()


def submit(panel, judge: str, value, **extra):
    data = {"id": key(), "skill": panel.skill, "aspect": panel.j_aspect,
            "competitor": panel.competitor, "value": value, **extra}
    return service.record_mark(panel.user(judge), data, device=f"tablet {judge}")


def audit(action: str) -> list[AuditEntry]:
    return list(db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    ).scalars())


def organizer() -> User:
    with write_transaction():
        user = add_user("chief-test-organizer", "organizer", "password-for-tests")
    return user


# --- sign-off and unlock ------------------------------------------------------------------------

def test_the_chief_signs_a_sub_criterion_off_and_the_lock_is_recorded(panel, ctx, sent):
    sub = sub_of(panel.j_aspect)
    assert not signoff.is_locked(sub.id) and not signoff.was_signed_off(sub.id)
    chief = panel.user(CHIEF)
    event = signoff.sign_off(chief, skill(), sub.code, confirm=True)
    assert event.action == "lock" and event.user_id == chief.id
    assert signoff.is_locked(sub.id) and signoff.was_signed_off(sub.id)
    assert signoff.lock_states(skill())[sub.id].id == event.id
    others = [state for sub_id, state in signoff.lock_states(skill()).items() if sub_id != sub.id]
    assert others and all(state is None for state in others)
    [entry] = audit("sign-off")
    assert entry.user_id == chief.id and entry.entity == "sub_criterion"
    assert entry.entity_id == sub.id and entry.championship_id == skill().championship_id
    assert entry.changes["sub_criterion"] == sub.code
    assert sent == [{"skill": "10", "sub_criterion": sub.code, "locked": True,
                     "by": chief.login, "at": sent[0]["at"], "reason": ""}]
    assert sent[0]["at"].endswith("Z")


def test_a_mark_into_a_locked_sub_criterion_is_refused_and_nothing_is_written(panel, ctx, sent):
    judge = panel.codes[0]
    submit(panel, judge, 1)
    signoff.sign_off(panel.user(CHIEF), skill(), sub_of(panel.j_aspect).code, confirm=True)
    before = (db.session.execute(sa.select(sa.func.count(MarkRevision.id))).scalar_one(),
              skill().version)
    with pytest.raises(Refused) as refused:
        submit(panel, judge, 2, base=1)
    db.session.rollback()
    assert refused.value.code == "locked"
    with pytest.raises(Refused) as refused:
        submit(panel, panel.codes[1], 1)  # a new mark, too
    db.session.rollback()
    assert refused.value.code == "locked"
    assert (db.session.execute(sa.select(sa.func.count(MarkRevision.id))).scalar_one(),
            skill().version) == before


def test_unlocking_needs_a_reason_and_keeps_it(panel, ctx, sent):
    sub = sub_of(panel.j_aspect)
    chief = panel.user(CHIEF)
    signoff.sign_off(chief, skill(), sub.code, confirm=True)
    for empty in ("", "   \n"):
        with pytest.raises(Invalid, match="reason") as refused:
            signoff.unlock(chief, skill(), sub.code, empty)
        assert (refused.value.code, refused.value.field, refused.value.status) == (
            "reason_required", "reason", 422)
    assert signoff.is_locked(sub.id) and audit("unlock") == []
    signoff.unlock(chief, skill(), sub.code, "  a protest of competitor 101 was upheld ")
    assert not signoff.is_locked(sub.id) and signoff.was_signed_off(sub.id)
    latest = signoff.lock_states(skill())[sub.id]
    assert latest.action == "unlock" and latest.reason == "a protest of competitor 101 was upheld"
    [entry] = audit("unlock")
    assert entry.changes["reason"] == "a protest of competitor 101 was upheld"
    assert entry.user_id == chief.id
    assert [e["locked"] for e in sent] == [True, False]
    assert sent[1]["reason"] == "a protest of competitor 101 was upheld"


def test_the_database_itself_refuses_an_unlock_without_a_reason(ctx):
    sub_id = db.session.execute(sa.select(SubCriterion.id).limit(1)).scalar_one()
    with pytest.raises(sa.exc.IntegrityError), write_transaction() as session:
        session.add(SignOff(sub_criterion_id=sub_id, action="unlock", reason=""))
        session.flush()


def test_locking_a_locked_or_unlocking_an_open_sub_criterion_is_refused(panel, ctx, sent):
    sub = sub_of(panel.j_aspect)
    chief = panel.user(CHIEF)
    with pytest.raises(Conflict, match="not signed off") as refused:
        signoff.unlock(chief, skill(), sub.code, "no reason to")
    assert refused.value.code == "not_signed_off"
    signoff.sign_off(chief, skill(), sub.code, confirm=True)
    with pytest.raises(Conflict, match="already signed off") as refused:
        signoff.sign_off(chief, skill(), sub.code, confirm=True)
    assert (refused.value.code, refused.value.status) == ("already_signed_off", 409)
    with pytest.raises(NotFound) as missing:
        signoff.sign_off(chief, skill(), "Z9", confirm=True)
    assert (missing.value.code, missing.value.status) == ("unknown_sub_criterion", 404)
    assert db.session.execute(sa.select(sa.func.count(SignOff.id))).scalar_one() == 1
    assert len(sent) == 1


def test_only_the_skills_chief_deputy_and_organizers_sign_off(panel, ctx, sent):
    sub = sub_of(panel.j_aspect)
    for code in (EXPERT, panel.codes[-1]):
        if code in (CHIEF, DEPUTY):
            continue
        with pytest.raises(Forbidden, match="chief expert of skill 10"):
            signoff.sign_off(panel.user(code), skill(), sub.code, confirm=True)
    # The chief of skill 10 leads no other skill.
    other = skill("04")
    other_sub = db.session.execute(
        sa.select(SubCriterion).join(Aspect).where(Aspect.skill_id == other.id).limit(1)
    ).scalar_one()
    with pytest.raises(Forbidden):
        signoff.sign_off(panel.user(CHIEF), other, other_sub.code, confirm=True)
    assert db.session.execute(sa.select(sa.func.count(SignOff.id))).scalar_one() == 0
    # The deputy acts for the chief; an organizer may too.
    signoff.sign_off(panel.user(DEPUTY), skill(), sub.code, confirm=True)
    signoff.unlock(organizer(), skill(), sub.code, "re-marking after the protest")
    assert [e.action for e in db.session.execute(
        sa.select(SignOff).order_by(SignOff.id)).scalars()] == ["lock", "unlock"]
    assert [e["by"] for e in sent] == [f"judge-{DEPUTY.lower()}", "chief-test-organizer"]


def test_a_sub_criterion_with_an_open_dispute_cannot_be_signed_off(panel, ctx, sent):
    a, b, c = panel.codes[:3]
    for judge, score in ((a, 0), (b, 1), (c, 3)):
        submit(panel, judge, score)
    [dispute] = overview.disputes(skill())
    assert dispute == {"aspect": panel.j_aspect, "competitor": panel.competitor,
                       "sub_criterion": sub_of(panel.j_aspect).code,
                       "scores": {a: 0, b: 1, c: 3}, "spread": 3, "remark": [c]}
    with pytest.raises(Conflict, match="dispute") as refused:
        signoff.sign_off(panel.user(CHIEF), skill(), dispute["sub_criterion"], confirm=True)
    assert refused.value.code == "open_disputes"
    submit(panel, c, 2, base=1)  # 0, 1, 2: still a spread of 2
    assert overview.disputes(skill()) != []
    submit(panel, a, 1, base=1)  # 1, 1, 2
    assert overview.disputes(skill()) == []
    signoff.sign_off(panel.user(CHIEF), skill(), dispute["sub_criterion"], confirm=True)


# --- progress and disputes ----------------------------------------------------------------------

def _naive_progress(skill_code: str) -> dict:
    """The same counts by plain loops over the ORM: the reference for progress()."""
    s = skill(skill_code)
    jpa = s.championship.judges_per_aspect
    markable = [c for c in s.competitors if c.status != "withdrawn"]
    markable_ids = {c.id for c in markable}
    subs = {sub.id: sub for criterion in s.criteria for sub in criterion.sub_criteria}
    marks = [m for m in db.session.execute(sa.select(Mark).where(Mark.skill_id == s.id))
             .scalars() if m.value is not None and m.competitor_id in markable_ids]
    result = {}
    for sub in subs.values():
        n_m = sum(1 for a in sub.aspects if a.type == "M")
        n_j = sum(1 for a in sub.aspects if a.type == "J")
        in_sub = [m for m in marks if m.aspect.sub_criterion_id == sub.id]
        result[sub.code] = {"marked": len(in_sub),
                            "expected": len(markable) * (n_m + jpa * n_j)}
    return result


def test_progress_counts_the_marks_per_sub_criterion_judge_and_competitor(demo_app, ctx):
    s = skill()
    empty = overview.progress(s)
    assert empty["marked"] == 0
    assert empty["sub_criteria"] == _naive_progress("10")
    enter_marks("10", seed=3, fill=0.6)
    # A withdrawn competitor is neither expected nor counted.
    with write_transaction() as session:
        withdrawn = session.execute(
            sa.select(Competitor).where(Competitor.skill_id == s.id).order_by(Competitor.code)
        ).scalars().first()
        withdrawn.status = "withdrawn"
    progress = overview.progress(skill())
    assert progress["sub_criteria"] == _naive_progress("10")
    assert progress["marked"] == sum(c["marked"] for c in progress["sub_criteria"].values())
    assert progress["expected"] == sum(c["expected"] for c in progress["sub_criteria"].values())
    assert 0 < progress["marked"] < progress["expected"]
    assert withdrawn.code not in progress["competitors"]
    # Per competitor: the rows add up to the sub-criteria.
    for sub, cell in progress["sub_criteria"].items():
        rows = [row[sub] for row in progress["competitors"].values()]
        assert sum(r["marked"] for r in rows) == cell["marked"]
        assert sum(r["expected"] for r in rows) == cell["expected"]
    # Per judge: the J marks each expert gave, counted naively.
    given = Counter(
        (judge, sub) for judge, sub, status in db.session.execute(
            sa.select(Expert.code, SubCriterion.code, Competitor.status)
            .join(Mark, Mark.judge_id == Expert.id)
            .join(Aspect, Aspect.id == Mark.aspect_id)
            .join(SubCriterion, SubCriterion.id == Aspect.sub_criterion_id)
            .join(Competitor, Competitor.id == Mark.competitor_id)
            .where(Mark.skill_id == s.id, Mark.value.is_not(None)))
        if status != "withdrawn")
    for judge, row in progress["judges"].items():
        for sub, cell in row.items():
            assert cell["marked"] == given[(judge, sub)], (judge, sub)


def test_a_judge_is_not_expected_to_mark_compatriots_or_criteria_outside_the_team(panel, ctx):
    s = skill()
    progress = overview.progress(s)
    sub = sub_of(panel.j_aspect)
    n_j = db.session.execute(sa.select(sa.func.count(Aspect.id)).where(
        Aspect.sub_criterion_id == sub.id, Aspect.type == "J")).scalar_one()
    markable = [c for c in s.competitors if c.status != "withdrawn"]
    for code in panel.codes:
        expert = db.session.execute(sa.select(Expert).where(
            Expert.code == code, Expert.championship_id == s.championship_id)).scalar_one()
        others = [c for c in markable if expert.organization_id is None
                  or c.organization_id != expert.organization_id]
        assert progress["judges"][code][sub.code] == {"marked": 0,
                                                      "expected": len(others) * n_j}
    assert panel.compatriots, "the demo has a compatriot pair in skill 10"
    # A marking team that leaves the criterion out: nothing expected there.
    with write_transaction() as session:
        role = session.execute(sa.select(ExpertRole).join(Expert).where(
            Expert.code == EXPERT, ExpertRole.skill_id == s.id)).scalar_one()
        role.marking_team = "ZZ"
    assert overview.progress(skill())["judges"][EXPERT][sub.code]["expected"] == 0


# --- history ------------------------------------------------------------------------------------

def test_the_history_lists_every_revision_and_the_locks_in_order(panel, ctx, sent):
    judge, other = panel.codes[0], panel.codes[1]
    sub = sub_of(panel.j_aspect)
    chief = panel.user(CHIEF)
    submit(panel, judge, 1)
    submit(panel, other, 2)
    submit(panel, judge, 2, base=1)
    signoff.sign_off(chief, skill(), sub.code, confirm=True)
    signoff.unlock(chief, skill(), sub.code, "the judge asked to look again")
    submit(panel, judge, 3, base=2, reason="the weld was re-inspected")
    mine = history.history(skill(), panel.j_aspect, panel.competitor, judge)
    assert [(e.kind, e.revision, e.old, e.new, e.reason) for e in mine] == [
        ("revision", 1, None, 1, ""),
        ("revision", 2, 1, 2, ""),
        ("lock", None, None, None, ""),
        ("unlock", None, None, None, "the judge asked to look again"),
        ("revision", 3, 2, 3, "the weld was re-inspected"),
    ]
    login = f"judge-{judge.lower()}"
    assert {(e.by, e.expert, e.device, e.judge) for e in mine if e.kind == "revision"} == {
        (login, judge, f"tablet {judge}", judge)}
    assert {(e.by, e.expert) for e in mine if e.kind != "revision"} == {(chief.login, CHIEF)}
    assert [e.at for e in mine] == sorted(e.at for e in mine)
    # The whole cell: both judges' marks.
    cell = history.history(skill(), panel.j_aspect, panel.competitor)
    assert Counter(e.judge for e in cell if e.kind == "revision") == {judge: 3, other: 1}
    with pytest.raises(NotFound) as missing:
        history.history(skill(), "Z9.9", panel.competitor)
    assert missing.value.code == "unknown_aspect"
    with pytest.raises(NotFound) as missing:
        history.history(skill(), panel.j_aspect, "nobody")
    assert missing.value.code == "unknown_competitor"
    with pytest.raises(NotFound) as missing:
        history.history(skill(), panel.j_aspect, panel.competitor, "no-such-expert")
    assert missing.value.code == "unknown_expert"


def test_a_measurement_history_shows_decimal_marks(panel, ctx):
    first, last = panel.m_values[0], panel.m_values[-1]
    data = {"id": key(), "skill": panel.skill, "aspect": panel.m_aspect,
            "competitor": panel.competitor, "value": last}
    service.record_mark(panel.user(panel.codes[0]), data)
    data = dict(data, id=key(), value=first, base=1)
    service.record_mark(panel.user(panel.codes[1]), data)
    entries = history.history(skill(), panel.m_aspect, panel.competitor)
    assert [(e.old, e.new) for e in entries] == [
        (None, history.mark_value(last, "M")), (history.mark_value(last, "M"),
                                                history.mark_value(first, "M"))]
    assert all(isinstance(e.new, str) and "." in e.new for e in entries)
    assert entries[0].judge is None


def test_a_failed_broadcast_does_not_undo_the_sign_off(panel, ctx, sent):
    def broken(_skill_id, payload):
        raise ConnectionError("message queue unreachable")

    signals.lock_changed.connect(broken)
    try:
        sub = sub_of(panel.j_aspect)
        signoff.sign_off(panel.user(CHIEF), skill(), sub.code, confirm=True)
    finally:
        signals.lock_changed.disconnect(broken)
    assert signoff.is_locked(sub.id)
    assert sent and sent[-1]["locked"] is True  # the other listeners still heard of it
