"""Compatriots: the experts of a skill from the organization of one of its competitors. Only
the skill's chief expert and the organizers may see them (`competition.errors.Forbidden`)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from ....auth.access import STAFF, role_of
from ....errors import Forbidden
from ....extensions import db
from ....models import Competitor, Expert, ExpertRole, Organization, Skill


@dataclass(frozen=True)
class Compatriots:
    expert: Expert
    role: str
    competitor: Competitor
    organization: Organization


def chief_may_see(user, skill: Skill) -> None:
    """Organizers and admins see every skill; a chief expert only the skills they lead."""
    role = role_of(user)
    if role in STAFF:
        return
    if role == "chief" and user.expert_id is not None:
        leads = db.session.execute(
            sa.select(ExpertRole.id).where(ExpertRole.expert_id == user.expert_id,
                                           ExpertRole.skill_id == skill.id,
                                           ExpertRole.role == "chief")).first()
        if leads is not None:
            return
    raise Forbidden(_("Only the chief expert of skill %(skill)s and the organizers may see its "
                      "compatriots.", skill=skill.code))


def compatriots(user, skill: Skill) -> list[Compatriots]:
    """The (expert, competitor) pairs of `skill` from the same organization.

    A compatriot may not mark their competitor (judging enforces it); the chief expert uses this
    list to plan the marking teams."""
    chief_may_see(user, skill)
    rows = db.session.execute(
        sa.select(Expert, ExpertRole.role, Competitor, Organization)
        .join(ExpertRole, ExpertRole.expert_id == Expert.id)
        .join(Competitor, sa.and_(Competitor.skill_id == ExpertRole.skill_id,
                                  Competitor.organization_id == Expert.organization_id))
        .join(Organization, Organization.id == Expert.organization_id)
        .where(ExpertRole.skill_id == skill.id)
        .order_by(Expert.code, Competitor.code)
    ).all()
    return [Compatriots(*row) for row in rows]
