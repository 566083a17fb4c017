"""The judging service: every refusal, idempotent replays, stale corrections, concurrency."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
import sqlalchemy as sa

from competition.auth.service import add_user
from competition.database import write_transaction
from competition.errors import Refused
from competition.extensions import db
from competition.judging import service, signoff
from competition.models import Championship, Expert, ExpertRole, Mark, MarkRevision, Skill, User

from .panel import key, make_panel


@pytest.fixture
def panel(demo_app):
    return make_panel(demo_app)


@pytest.fixture
def ctx(demo_app):
    with demo_app.test_request_context():
        yield demo_app


def submit(panel, judge: str, value, *, aspect=None, competitor=None, ident=None, **extra):
    data = {"id": ident or key(), "skill": panel.skill, "aspect": aspect or panel.j_aspect,
            "competitor": competitor or panel.competitor, "value": value, **extra}
    return service.record_mark(panel.user(judge), data, device="test")


def refusal(panel, judge, value, **kwargs) -> Refused:
    with pytest.raises(Refused) as caught:
        submit(panel, judge, value, **kwargs)
    db.session.rollback()
    return caught.value


def counts() -> tuple[int, int]:
    return (db.session.execute(sa.select(sa.func.count()).select_from(Mark)).scalar_one(),
            db.session.execute(sa.select(sa.func.count()).select_from(MarkRevision)).scalar_one())


def skill_version(code: str = "10") -> int:
    return db.session.execute(sa.select(Skill.version).where(Skill.code == code)).scalar_one()


def test_a_judgement_mark_is_written_with_its_revision_and_the_skill_version(panel, ctx):
    judge = panel.codes[0]
    before = skill_version()
    recorded = submit(panel, judge, 2, ident="first-mark-0001")
    assert recorded.created and not recorded.replay and recorded.status == 201
    mark = recorded.mark
    assert mark["value"] == 2 and mark["judge"] == judge and mark["revision"] == 1
    assert mark["aspect"] == panel.j_aspect and mark["competitor"] == panel.competitor
    assert mark["version"] == before + 1 == skill_version()
    assert mark["by"] == f"judge-{judge.lower()}" and mark["device"] == "test"
    revision = db.session.execute(sa.select(MarkRevision)).scalar_one()
    assert revision.idempotency_key == "first-mark-0001"
    assert revision.old_value is None and revision.new_value == 2
    assert revision.skill_version == before + 1


def test_a_measurement_mark_takes_an_allowed_value_written_any_way(panel, ctx):
    value = panel.m_values[-1]
    recorded = submit(panel, panel.codes[0], float(value), aspect=panel.m_aspect)
    assert recorded.mark["judge"] is None
    assert Decimal(recorded.mark["value"]) == Decimal(value)


def test_a_repeated_key_returns_the_first_answer_and_writes_nothing(panel, ctx):
    judge = panel.codes[0]
    first = submit(panel, judge, 1, ident="repeat-key-0001")
    second = submit(panel, judge, 1, ident="repeat-key-0001")
    assert second.replay and not second.created and second.status == 200
    assert second.mark == {**first.mark, "reason": ""}
    # Even after the mark moved on, the key still answers what it answered first.
    submit(panel, judge, 2, base=1)
    third = submit(panel, judge, 1, ident="repeat-key-0001")
    assert third.mark["value"] == 1 and third.mark["revision"] == 1
    assert counts() == (1, 2)


def test_a_key_used_for_another_cell_is_a_conflict(panel, ctx):
    submit(panel, panel.codes[0], 1, ident="one-key-for-one-cell")
    # (a value the M aspect allows: the submission is checked before its key is looked up)
    refused = refusal(panel, panel.codes[0], panel.m_values[0], aspect=panel.m_aspect,
                      ident="one-key-for-one-cell")
    assert refused.code == "conflict" and refused.status == 409


def test_a_stale_base_is_a_conflict_with_the_current_mark(panel, ctx):
    judge = panel.codes[0]
    m_value = panel.m_values[0]
    submit(panel, judge, m_value, aspect=panel.m_aspect)
    # A second judge who saw the cell empty does not overwrite it.
    refused = refusal(panel, panel.codes[1], panel.m_values[-1], aspect=panel.m_aspect)
    assert refused.code == "conflict"
    assert refused.mark["revision"] == 1 and Decimal(refused.mark["value"]) == Decimal(m_value)
    # With the revision they saw, the correction goes through, and the history keeps both.
    corrected = submit(panel, panel.codes[1], panel.m_values[-1], aspect=panel.m_aspect, base=1,
                       reason="misread the gauge")
    assert corrected.mark["revision"] == 2
    old = db.session.execute(
        sa.select(MarkRevision).where(MarkRevision.revision == 2)).scalar_one()
    assert old.old_value == Decimal(m_value) and old.reason == "misread the gauge"
    assert refusal(panel, judge, panel.m_values[0], aspect=panel.m_aspect, base=1).code \
        == "conflict"


def test_the_same_value_again_writes_nothing(panel, ctx):
    submit(panel, panel.codes[0], 3)
    again = submit(panel, panel.codes[0], 3, base=1)
    assert not again.created and not again.replay and again.mark["revision"] == 1
    assert counts() == (1, 1)


def test_withdrawing_a_mark_leaves_the_cell_pending_with_its_history(panel, ctx):
    assert refusal(panel, panel.codes[0], None).code == "invalid_value"  # nothing to withdraw
    submit(panel, panel.codes[0], 2)
    withdrawn = submit(panel, panel.codes[0], None, base=1)
    assert withdrawn.mark["value"] is None and withdrawn.mark["revision"] == 2
    again = submit(panel, panel.codes[0], 1, base=2)
    assert again.mark["value"] == 1 and again.mark["revision"] == 3


@pytest.mark.parametrize(("value", "aspect"), [
    (4, "J"), (-1, "J"), (1.5, "J"), ("two", "J"), (True, "J"), ([1], "J"), ("NaN", "J"),
    ("0.01", "M"), ("Infinity", "M"),
])
def test_values_the_aspect_does_not_allow_are_refused(panel, ctx, value, aspect):
    which = panel.j_aspect if aspect == "J" else panel.m_aspect
    refused = refusal(panel, panel.codes[0], value, aspect=which)
    assert refused.code == "invalid_value" and refused.status == 422
    assert counts() == (0, 0)


def test_judgement_values_written_as_text_or_float_are_the_same_number(panel, ctx):
    assert submit(panel, panel.codes[0], "2").mark["value"] == 2
    assert submit(panel, panel.codes[1], 2.0).mark["value"] == 2


@pytest.mark.parametrize(("data", "code"), [
    ({"id": "short"}, "invalid_value"),
    ({"id": "no-value-here-1"}, "invalid_value"),
    ({"value": 1, "aspect": "NOPE"}, "unknown_aspect"),
    ({"value": 1, "competitor": "NOPE"}, "unknown_competitor"),
    ({"value": 1, "skill": "NOPE"}, "unknown_skill"),
    ({"value": 1, "base": -1}, "invalid_value"),
    ({"value": 1, "base": "1"}, "invalid_value"),
])
def test_malformed_submissions_name_what_is_wrong(panel, ctx, data, code):
    body = {"id": key(), "skill": panel.skill, "aspect": panel.j_aspect,
            "competitor": panel.competitor, **data}
    if data.get("id") == "no-value-here-1":
        body.pop("value", None)
    with pytest.raises(Refused) as caught:
        service.record_mark(panel.user(panel.codes[0]), body)
    assert caught.value.code == code and caught.value.message
    assert counts() == (0, 0)


def test_not_a_judge_may_not_mark(panel, ctx):
    with write_transaction():
        organizer = add_user("org-judging", "organizer", "password-for-tests")
    data = {"id": key(), "skill": panel.skill, "aspect": panel.j_aspect,
            "competitor": panel.competitor, "value": 1}
    with pytest.raises(Refused) as caught:
        service.record_mark(organizer, data)
    assert caught.value.code == "forbidden" and caught.value.status == 403
    from flask_login import AnonymousUserMixin

    with pytest.raises(Refused) as caught:
        service.record_mark(AnonymousUserMixin(), data)
    assert caught.value.code == "unauthenticated" and caught.value.status == 401


def test_an_expert_of_another_skill_is_not_assigned(panel, ctx):
    with write_transaction() as session:
        other = session.execute(
            sa.select(Expert).join(ExpertRole).join(Skill).where(Skill.code == "04")
            .where(Expert.id.not_in(sa.select(ExpertRole.expert_id).join(Skill)
                                    .where(Skill.code == "10")))
        ).scalars().first()
        outsider = add_user("outsider", "expert", "password-for-tests", expert=other)
    with pytest.raises(Refused) as caught:
        service.record_mark(outsider, {"id": key(), "skill": "10", "aspect": panel.j_aspect,
                                       "competitor": panel.competitor, "value": 1})
    assert caught.value.code == "not_assigned"


def test_a_marking_team_marks_only_its_criteria(panel, ctx):
    judge = panel.codes[0]
    with write_transaction() as session:
        role = session.execute(
            sa.select(ExpertRole).join(Expert).where(Expert.code == judge)
            .join(Skill).where(Skill.code == "10")).scalar_one()
        role.marking_team = "ZZ"
    assert refusal(panel, judge, 1).code == "not_assigned"
    criterion = panel.j_aspect.split(".")[0].rstrip("0123456789") or panel.j_aspect[0]
    with write_transaction() as session:
        role = session.merge(role)
        role.marking_team = f"ZZ, {criterion}"
    assert submit(panel, judge, 1).created


def test_a_compatriot_is_refused(panel, ctx):
    judge, competitor = next(iter(panel.compatriots.items()))
    refused = refusal(panel, judge, 1, competitor=competitor)
    assert refused.code == "compatriot" and refused.status == 403
    assert competitor in refused.message


def test_more_judges_than_the_policy_allows_is_a_conflict(panel, ctx):
    with write_transaction() as session:
        session.execute(sa.update(Championship).values(judges_per_aspect=2))
    submit(panel, panel.codes[0], 1)
    submit(panel, panel.codes[1], 1)
    third = next(code for code in panel.codes[2:]
                 if panel.compatriots.get(code) != panel.competitor)
    assert refusal(panel, third, 1).code == "conflict"
    assert counts() == (2, 2)


def test_a_dispute_is_reported_when_it_opens_and_when_it_closes(panel, ctx):
    a, b, c = panel.codes[:3]
    assert submit(panel, a, 0).dispute is None
    assert submit(panel, b, 1).dispute is None
    opened = submit(panel, c, 3).dispute
    assert opened == {"skill": "10", "aspect": panel.j_aspect, "competitor": panel.competitor,
                      "scores": {a: 0, b: 1, c: 3}, "open": True,
                      "spread": 3, "remark": [c]}  # c is outside the band 0-1 of a and b
    assert submit(panel, c, 3, base=1, ident=key()).dispute is None  # unchanged: no event
    assert submit(panel, a, 1, base=1).dispute is None  # 1, 1, 3: still in dispute
    closed = submit(panel, c, 2, base=1).dispute
    assert closed["open"] is False and closed["scores"] == {a: 1, b: 1, c: 2}


def test_a_score_withdrawn_from_a_dispute_closes_it_without_naming_the_others(panel, ctx):
    """Blind judgement: the cell is incomplete again, so its scores are hidden again."""
    a, b, c = panel.codes[:3]
    submit(panel, a, 0)
    submit(panel, b, 1)
    assert submit(panel, c, 3).dispute["open"] is True
    closed = submit(panel, c, None, base=1).dispute
    assert closed["open"] is False and closed["scores"] == {}


def test_a_signed_off_sub_criterion_is_locked_and_corrections_after_unlock_need_a_reason(
        panel, ctx):
    judge = panel.codes[0]
    submit(panel, judge, 1)
    chief = db.session.execute(
        sa.select(User).join(Expert, Expert.id == User.expert_id).join(ExpertRole)
        .join(Skill).where(Skill.code == "10", ExpertRole.role == "chief")).scalars().first()
    skill = db.session.execute(sa.select(Skill).where(Skill.code == "10")).scalar_one()
    sub = next(s for c in skill.criteria for s in c.sub_criteria
               if any(a.code == panel.j_aspect for a in s.aspects))
    signoff.sign_off(chief, skill, sub.code, confirm=True)
    refused = refusal(panel, judge, 2, base=1)
    assert refused.code == "locked"
    signoff.unlock(chief, skill, sub.code, "the judges re-marked after a protest")
    refused = refusal(panel, judge, 2, base=1)
    assert refused.code == "reason_required" and refused.mark["value"] == 1
    corrected = submit(panel, judge, 2, base=1, reason="protest upheld")
    assert corrected.mark["revision"] == 2 and corrected.mark["reason"] == "protest upheld"


def test_the_skill_can_be_left_out_when_the_codes_name_one_of_the_judges_skills(panel, ctx):
    data = {"id": key(), "aspect": panel.j_aspect, "competitor": panel.competitor, "value": 2}
    recorded = service.record_mark(panel.user(panel.codes[0]), data)
    assert recorded.mark["skill"] == "10"


def _race(app, panel, judge_ids: list[int], value, base: int = 0) -> list:
    """The judges submit to one M cell at once, from threads, each with the same base."""
    barrier = threading.Barrier(len(judge_ids))
    answers: list = [None] * len(judge_ids)

    def run(i: int) -> None:
        with app.test_request_context():
            user = db.session.get(User, judge_ids[i])
            barrier.wait()
            try:
                answers[i] = service.record_mark(user, {
                    "id": key(), "skill": panel.skill, "aspect": panel.m_aspect,
                    "competitor": panel.competitor, "value": value, "base": base})
            except Refused as refused:
                answers[i] = refused
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(judge_ids))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return answers


@pytest.fixture
def race_app(request, demo_app):
    if request.param == "sqlite":
        return demo_app
    from competition.registry.demo import load_demo

    pg = request.getfixturevalue("pg_app")
    with pg.app_context():
        load_demo()
        db.session.remove()
    return pg


@pytest.mark.parametrize("race_app", ["sqlite", "postgres"], indirect=True)
def test_judges_marking_one_cell_at_once_one_wins_the_others_get_conflict(race_app):
    panel = make_panel(race_app)
    ids = [panel.judges[code] for code in panel.codes[:3]]
    # First entries from three tablets at once, then three corrections from revision 1.
    for base, value in ((0, panel.m_values[-1]), (1, panel.m_values[0])):
        answers = _race(race_app, panel, ids, value, base)
        won = [a for a in answers if not isinstance(a, Refused)]
        lost = [a for a in answers if isinstance(a, Refused)]
        assert len(won) == 1 and won[0].created and won[0].mark["revision"] == base + 1
        assert [r.code for r in lost] == ["conflict", "conflict"]
        assert all(r.mark["revision"] == base + 1 for r in lost)
    with race_app.app_context():
        assert counts() == (1, 2)
        versions = db.session.execute(
            sa.select(MarkRevision.skill_version).order_by(MarkRevision.id)).scalars().all()
        assert versions == [versions[0], versions[0] + 1] and versions[1] == skill_version()
