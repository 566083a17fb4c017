"""Read models of the public pages."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from ..models import Aspect, Championship, Competitor, ExpertRole, Skill


@dataclass(frozen=True)
class SkillSummary:
    skill: Skill
    competitors: int
    experts: int
    aspects: int


@dataclass(frozen=True)
class ChampionshipSummary:
    championship: Championship
    skills: list[SkillSummary]


def _counts(column, model) -> dict[int, int]:
    query = sa.select(column, sa.func.count()).select_from(model).group_by(column)
    rows = db.session.execute(query)
    return dict(rows.all())


def championships_overview() -> list[ChampionshipSummary]:
    """Every championship with its skills and how many competitors, experts, aspects each has."""
    competitors = _counts(Competitor.skill_id, Competitor)
    experts = _counts(ExpertRole.skill_id, ExpertRole)
    aspects = _counts(Aspect.skill_id, Aspect)
    championships = db.session.execute(
        sa.select(Championship).order_by(Championship.starts_on, Championship.code)
    ).scalars()
    return [
        ChampionshipSummary(
            championship,
            [
                SkillSummary(skill, competitors.get(skill.id, 0), experts.get(skill.id, 0),
                             aspects.get(skill.id, 0))
                for skill in championship.skills
            ],
        )
        for championship in championships
    ]
