"""The chief expert's board: each sub-criterion's lock with marking progress and disputes, for
the skill's leaders (competition/judging/chief.py renders it; chief.js refreshes its numbers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..lookup import skill_ref
from ..models import Aspect, Competitor, Criterion, Expert, ExpertRole, Skill, SubCriterion, User
from ..models.base import iso
from .overview import disputes, progress
from .signoff import check_may_lead, lock_states

# --- the chief expert's board -------------------------------------------------------------------

@dataclass(frozen=True)
class LockState:
    """A sub-criterion's sign-off state as the board shows it."""

    locked: bool
    action: str | None = None  # the latest event: "lock", "unlock", None (never signed off)
    by: str | None = None
    at: datetime | None = None
    reason: str = ""

    def as_json(self) -> dict:
        return {"locked": self.locked, "by": self.by, "at": iso(self.at), "reason": self.reason}


@dataclass(frozen=True)
class Board:
    skill: Skill
    criteria: list[Criterion]
    locks: dict[int, LockState]  # sub_criterion_id → state
    panel: list[tuple[Expert, str]]  # (expert, role in the skill), by code
    competitors: list[Competitor]  # markable ones, by code
    progress: dict
    disputes: list[dict]
    judgement_subs: set[int]  # the sub-criteria with judgement aspects

    def sub_criteria(self) -> list[SubCriterion]:
        return [sub for criterion in self.criteria for sub in criterion.sub_criteria]


def lock_view(skill: Skill) -> dict[int, LockState]:
    """sub_criterion_id → LockState, with the login of whoever made the latest event."""
    states = lock_states(skill)
    user_ids = {event.user_id for event in states.values() if event and event.user_id}
    logins = dict(db.session.execute(
        sa.select(User.id, User.login).where(User.id.in_(user_ids))).all()) if user_ids else {}
    return {
        sub_id: LockState(False) if event is None else LockState(
            event.action == "lock", event.action, logins.get(event.user_id),
            (event.created_at), event.reason or "")
        for sub_id, event in states.items()
    }


def board(user, skill: Skill) -> Board:
    """Everything the chief expert's page shows; refused to anyone but the skill's leads."""
    check_may_lead(user, skill)
    criteria = db.session.execute(
        sa.select(Criterion).where(Criterion.skill_id == skill.id)
        .options(selectinload(Criterion.sub_criteria).selectinload(SubCriterion.aspects))
        .order_by(Criterion.position, Criterion.code)).scalars().all()
    panel = db.session.execute(
        sa.select(Expert, ExpertRole.role).join(ExpertRole, ExpertRole.expert_id == Expert.id)
        .where(ExpertRole.skill_id == skill.id).order_by(Expert.code)).all()
    competitors = db.session.execute(
        sa.select(Competitor).where(Competitor.skill_id == skill.id,
                                    Competitor.status != "withdrawn")
        .order_by(Competitor.code)).scalars().all()
    judgement_subs = set(db.session.execute(
        sa.select(Aspect.sub_criterion_id).distinct()
        .where(Aspect.skill_id == skill.id, Aspect.type == "J")).scalars())
    return Board(skill, list(criteria), lock_view(skill), [tuple(row) for row in panel],
                 list(competitors), progress(skill), disputes(skill), judgement_subs)


def board_numbers(user, skill: Skill) -> dict:
    """The board's changing part as JSON (chief.js fetches it after live events):
    {"skill", "version", "progress", "disputes", "locks": {sub: {locked, by, at, reason}}}."""
    check_may_lead(user, skill)
    codes = dict(db.session.execute(
        sa.select(SubCriterion.id, SubCriterion.code).join(Criterion)
        .where(Criterion.skill_id == skill.id)).all())
    return {
        "skill": skill_ref(skill),
        "version": skill.version,
        "progress": progress(skill),
        "disputes": disputes(skill),
        "locks": {codes[sub_id]: state.as_json() for sub_id, state in lock_view(skill).items()},
    }
