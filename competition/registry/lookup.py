"""Finding experts and competitors by the codes people type at the command line (English
messages, like the rest of the command line). Skills are found by competition/lookup.py."""

from __future__ import annotations

import sqlalchemy as sa

from ..errors import NotFound
from ..extensions import db
from ..models import Championship, Competitor, Expert, Skill


def _in_championship(model, noun: str, code: str, championship_code: str | None):
    """The one `model` with `code`, in the championship when it is given; NotFound saying
    which and why when nothing, or more than one thing, answers to the code."""
    query = sa.select(model).join(Championship).where(model.code == code)
    if championship_code:
        query = query.where(Championship.code == championship_code)
    found = db.session.execute(query).scalars().all()
    if not found:
        where = f" in championship {championship_code}" if championship_code else ""
        raise NotFound(f"no {noun} with the code {code!r}{where}")
    if len(found) > 1:
        options = ", ".join(sorted(item.championship.code for item in found))
        raise NotFound(f"{noun} code {code!r} exists in several championships ({options}); "
                       "add --championship CODE")
    return found[0]


def find_expert(code: str, championship_code: str | None = None) -> Expert:
    return _in_championship(Expert, "expert", code, championship_code)


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
