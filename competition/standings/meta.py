"""What a board shows beside the scores: the names of a skill, its criteria and competitors,
and the competitors' names as the public sees them (competition/names.py). Read once per load
of a skill's standings (competition/standings/live.py), never per viewer.

Nothing confidential (a competitor's disability, health note, birth date, IIN) is ever put
here: every board, page and sheet is built from these snapshots (docs/people.md, "Privacy").
"""

from __future__ import annotations

from decimal import Decimal

from ..lookup import skill_ref
from ..models import Skill
from ..models.base import decimal_text
from ..names import first_day, public_names
from .document import penalties


def names_of(thing) -> dict[str, str]:
    return thing.names() if thing is not None else {"ru": "", "kk": "", "en": ""}


def skill_meta(skill: Skill) -> dict:
    """The skill's, criteria's and competitors' names, as staff see them."""
    criteria = []
    for criterion in skill.criteria:
        total = sum((a.max for sub in criterion.sub_criteria for a in sub.aspects), Decimal(0))
        criteria.append({"code": criterion.code, "name": names_of(criterion),
                         "max": decimal_text(total)})
    competitors = {}
    penalty = {code: decimal_text(points) for code, points in penalties(skill).items()}
    for competitor in skill.competitors:
        organization = competitor.organization
        competitors[competitor.code] = {
            "name": names_of(competitor),
            "organization": organization.code if organization else None,
            "organization_name": names_of(organization),
            "region": organization.region if organization else "",
            "category": competitor.category, "status": competitor.status,
            "workstation": competitor.workstation,
            "penalty": penalty.get(competitor.code),  # points off (docs/rules.md), or None
        }
    return {"skill": skill_ref(skill), "championship": skill.championship.code,
            "name": names_of(skill), "criteria": criteria, "competitors": competitors}


def public_competitors(skill: Skill, competitors: dict[str, dict]) -> dict[str, dict]:
    """`competitors` (skill_meta's) with each name as the public sees it; the same dict
    objects where nothing changes."""
    championship = skill.championship
    day = first_day(championship)
    public = {}
    for competitor in skill.competitors:
        entry = competitors.get(competitor.code)
        if entry is None:
            continue
        names = public_names(competitor, championship, day)
        public[competitor.code] = entry if names == entry["name"] else entry | {"name": names}
    return public
