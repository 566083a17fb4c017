"""Finding registered things by the codes people type."""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..models import Championship, Competitor, Expert, Skill


class NotFound(LookupError):
    """Nothing (or more than one thing) answers to a code; the message says which and why."""


def find_expert(code: str, championship_code: str | None = None) -> Expert:
    query = sa.select(Expert).join(Championship).where(Expert.code == code)
    if championship_code:
        query = query.where(Championship.code == championship_code)
    experts = db.session.execute(query).scalars().all()
    if not experts:
        where = f" in championship {championship_code}" if championship_code else ""
        raise NotFound(f"no expert with the code {code!r}{where}")
    if len(experts) > 1:
        options = ", ".join(sorted(e.championship.code for e in experts))
        raise NotFound(f"expert code {code!r} exists in several championships ({options}); "
                       "add --championship CODE")
    return experts[0]


def find_competitor(reference: str) -> Competitor:
    """A competitor by code, or by SKILL/CODE when codes repeat across skills."""
    skill_code, _, code = reference.rpartition("/")
    query = sa.select(Competitor).join(Skill).where(Competitor.code == code)
    if skill_code:
        query = query.where(Skill.code == skill_code)
    competitors = db.session.execute(query).scalars().all()
    if not competitors:
        raise NotFound(f"no competitor with the code {reference!r}")
    if len(competitors) > 1:
        options = ", ".join(sorted(f"{c.skill.code}/{c.code}" for c in competitors))
        raise NotFound(f"competitor code {reference!r} is ambiguous; use one of: {options}")
    return competitors[0]


def find_skill(code: str, championship_code: str | None = None) -> Skill:
    query = sa.select(Skill).join(Championship).where(Skill.code == code)
    if championship_code:
        query = query.where(Championship.code == championship_code)
    skills = db.session.execute(query).scalars().all()
    if not skills:
        where = f" in championship {championship_code}" if championship_code else ""
        raise NotFound(f"no skill with the code {code!r}{where}")
    if len(skills) > 1:
        options = ", ".join(sorted(s.championship.code for s in skills))
        raise NotFound(f"skill code {code!r} exists in several championships ({options}); "
                       "add --championship CODE")
    return skills[0]
