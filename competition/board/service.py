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
    ref: str = ""  # the skill's reference in addresses (/results/<ref>)


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
    from ..lookup import ambiguous_codes, skill_ref

    ambiguous = ambiguous_codes()
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
                             aspects.get(skill.id, 0), skill_ref(skill, ambiguous))
                for skill in championship.skills
            ],
        )
        for championship in championships
    ]


# --- what the public sees -------------------------------------------------------------------------

def set_visibility(user, skill_id: int, visibility: str) -> Skill:
    """Organizers set what the public sees of a skill; every board of it follows at once.

    Freezing keeps the skill's version of that moment: the public then sees the standings as of
    it until the skill is unfrozen or published. Publishing waits for the results to be final
    (judging/finality.py: every active competitor marked, no dispute, every sub-criterion signed
    off). Refused: Forbidden (not an organizer), Invalid (`unknown_visibility`), NotFound
    (`unknown_skill`), NotFinal (`not_final`, with what is missing; nothing changes)."""
    from flask_babel import gettext as _

    from .. import audit, signals
    from ..auth.access import STAFF, role_of
    from ..database import write_transaction
    from ..errors import Forbidden, Invalid, NotFound
    from ..judging.finality import NotFinal, finality
    from ..models.base import utcnow
    from ..models.event import VISIBILITIES

    if role_of(user) not in STAFF:
        raise Forbidden(_("Only organizers decide what the public sees."))
    if visibility not in VISIBILITIES:
        raise Invalid(_("Unknown visibility %(value)s.", value=visibility),
                      code="unknown_visibility", field="visibility")
    with write_transaction() as session:
        skill = session.get(Skill, skill_id)
        if skill is None:
            raise NotFound(_("There is no such skill."), code="unknown_skill")
        before = skill.visibility
        if before == visibility:
            return skill
        if visibility == "published":
            report = finality(skill)
            if not report.final:
                raise NotFinal(report)
        skill.visibility = visibility
        if visibility == "frozen":
            skill.frozen_at = utcnow()
            skill.frozen_version = skill.version
        if visibility == "published":
            skill.published_at = utcnow()  # the appeal window counts from here
        audit.record("visibility", "skill", skill.id, f"{skill.code}: {before} → {visibility}",
                     {"visibility": [before, visibility]}, skill.championship_id)
        # After the commit the boards follow (competition/standings) and a ceremony on a hall
        # screen shows what it now may (board/screens/).
        signals.queue(session, signals.visibility_changed, skill.id, before=before,
                      after=visibility)
    return skill

