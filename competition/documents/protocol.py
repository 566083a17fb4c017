"""The skill's final protocol (competition/documents/signed.py keeps it, versioned like the
marking forms): ranks, totals per criterion, penalties, medals, as the staff's results sheet
has them (`sheets.results_sheet`, the live hub's staff snapshot), the experts of the skill and a
signature line for each and for the chief expert.

Its content (what the hash covers) is the same in every language: codes, names in every
language, the figures and the experts' roles.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..errors import Conflict
from ..extensions import db
from ..models import Expert, ExpertRole, Skill
from ..standings import sanctions_in_force, staff_standings
from . import signed


def experts_of(skill: Skill) -> list[tuple[Expert, str]]:
    """The skill's experts with their role, the chief and the deputy first."""
    order = {"chief": 0, "deputy": 1}
    found = db.session.execute(
        sa.select(Expert, ExpertRole.role).join(ExpertRole, ExpertRole.expert_id == Expert.id)
        .where(ExpertRole.skill_id == skill.id)).all()
    return sorted(((e, r) for e, r in found), key=lambda pair: (order.get(pair[1], 2),
                                                                pair[0].code))


def protocol_content(skill: Skill) -> dict:
    """The figures the protocol prints, the experts and who signs."""
    from flask_babel import force_locale

    with force_locale("en"):
        standings = staff_standings(skill)
    if standings is None or standings.groups is None:
        raise Conflict(str(_unavailable()), code="standings_unavailable")
    rows = [{"category": group.category, "final": group.final, "code": row.code,
             "rank": row.rank, "medal": row.medal, "score": row.score, "total": row.total,
             "penalty": row.penalty, "criteria": row.criteria, "status": row.status,
             "complete": row.complete}
            for group in standings.groups for row in group.rows]
    sanctions = [{"code": code, "what": note.kind, "points": str(note.points or ""),
                  "reason": note.reason} for code, _name, note in sanctions_in_force(skill)]
    return {
        "kind": signed.PROTOCOL, "championship": skill.championship.code,
        "skill": skill.code, "skill_name": skill.names(), "version": standings.version,
        "criteria": [[c.code, c.max] for c in standings.criteria], "rows": rows,
        "sanctions": sanctions,
        "experts": [{"code": e.code, "name": e.names(), "role": role}
                    for e, role in experts_of(skill)],
    }


def _unavailable():
    from flask_babel import lazy_gettext as _l

    return _l("The standings of this skill cannot be computed now, so no protocol can be made.")
