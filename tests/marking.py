"""Entering marks in tests, straight into the database (the judging service comes with the
tablet issue; until then tests seed marks through the models, in one write transaction)."""

from __future__ import annotations

import random
import uuid

import sqlalchemy as sa

from competition.database import write_transaction
from competition.models import Aspect, Competitor, Expert, ExpertRole, Mark, MarkRevision, Skill


def enter_marks(skill_code: str, seed: int = 1, fill: float = 1.0) -> int:
    """Mark a share `fill` of the skill's cells plausibly; returns how many marks were written.

    Judgement scores of one cell stay within 1 of each other, except for about one cell in
    fifty, which gets a dispute. Judges are never compatriots of the competitor."""
    rng = random.Random(seed)
    with write_transaction() as session:
        skill = session.execute(sa.select(Skill).where(Skill.code == skill_code)).scalar_one()
        aspects = session.execute(
            sa.select(Aspect).where(Aspect.skill_id == skill.id).order_by(Aspect.code)
        ).scalars().all()
        competitors = session.execute(
            sa.select(Competitor).where(Competitor.skill_id == skill.id)
        ).scalars().all()
        experts = session.execute(
            sa.select(Expert).join(ExpertRole).where(ExpertRole.skill_id == skill.id)
            .order_by(Expert.code)
        ).scalars().all()
        per_aspect = skill.championship.judges_per_aspect
        version = skill.version
        marks: list = []
        for competitor in competitors:
            judges = [e for e in experts if e.organization_id is None
                      or e.organization_id != competitor.organization_id][:per_aspect]
            for aspect in aspects:
                if rng.random() > fill:
                    continue
                if aspect.type == "M":
                    cells = [(None, rng.choice(aspect.allowed()))]
                else:
                    base = rng.randint(0, 2)
                    spread = 2 if rng.random() < 0.02 else 1
                    cells = [(judge, min(3, base + rng.randint(0, spread))) for judge in judges]
                for judge, value in cells:
                    version += 1
                    marks.append((aspect, competitor, judge, value, version))
        write_marks(session, skill, marks)
    return len(marks)


def write_marks(session, skill: Skill, marks: list) -> None:
    """Write `marks` (aspect, competitor, judge or None, value, version) with their first
    revisions in two statements, and set the skill's version to the last one's. (A flush per
    mark took most of the time of the tests that mark whole skills: on PostgreSQL a round trip
    per row.)"""
    if not marks:
        return
    rows = [{"skill_id": skill.id, "aspect_id": aspect.id, "aspect_type": aspect.type,
             "competitor_id": competitor.id, "judge_id": judge.id if judge else None,
             "value": value, "version": version}
            for aspect, competitor, judge, value, version in marks]
    ids = session.execute(sa.insert(Mark).returning(Mark.id, sort_by_parameter_order=True),
                          rows).scalars().all()
    session.execute(sa.insert(MarkRevision), [
        {"mark_id": mark_id, "revision": 1, "new_value": row["value"],
         "idempotency_key": str(uuid.uuid4()), "skill_version": row["version"]}
        for mark_id, row in zip(ids, rows, strict=True)])
    skill.version = marks[-1][4]


def sign_off_all(skill_code: str, action: str = "lock") -> None:
    """Every sub-criterion of the skill signed off (locked; `action` "unlock": unlocked again),
    straight into the database: for tests that publish a skill (publishing waits for final
    results, judging/finality.py) and are about something else. tests/board/test_finality.py
    signs off through the chief's page."""
    from competition.judging.signoff import lock_states
    from competition.models import SignOff

    with write_transaction() as session:
        skill = session.execute(sa.select(Skill).where(Skill.code == skill_code)).scalar_one()
        for sub_id, event in lock_states(skill).items():
            if (event.action if event else "unlock") != action:
                session.add(SignOff(sub_criterion_id=sub_id, action=action,
                                    reason="" if action == "lock" else "a test corrects marks"))
