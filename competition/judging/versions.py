"""The skills' versions follow what marks are checked against and what boards show: a change of a
skill's scheme, competitors (their sanctions too), panel or sign-offs (or of its championship's
policy, or a rename of an organization its competitors come from: boards show its name) bumps
them, in
the same flush, and queues the `scheme_changed` signal (competition/signals.py)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_sqlalchemy.session import Session as FlaskSession

from .. import signals
from ..models import (
    Aspect,
    Championship,
    Competitor,
    Criterion,
    Expert,
    ExpertRole,
    Organization,
    Skill,
)
from ..models.marks import SignOff
from ..models.panels import PanelSeat, PanelSubstitute
from ..models.results import Sanction
from ..models.scheme import SubCriterion


@sa.event.listens_for(FlaskSession, "before_flush")
def _bump_versions(session, _context, _instances) -> None:
    """A change of a skill's scheme, competitors, panel or sign-offs (or of its championship's
    policy) bumps the skill's scheme version, which refreshes the judging service's cache,
    and its version, so that the live standings of every process see a gap and reload."""
    skills: set[int] = set()
    championships: set[int] = set()
    experts: set[int] = set()
    organizations: set[int] = set()
    for thing in (*session.new, *session.dirty, *session.deleted):
        if isinstance(thing, (Aspect, Criterion, Competitor, ExpertRole, PanelSeat,
                              PanelSubstitute)):
            if thing.skill_id is not None:
                skills.add(thing.skill_id)
        elif isinstance(thing, (SubCriterion, SignOff)):
            sub = thing if isinstance(thing, SubCriterion) else session.get(
                SubCriterion, thing.sub_criterion_id)
            criterion = sub.criterion if sub is not None else None
            if criterion is not None and criterion.skill_id is not None:
                skills.add(criterion.skill_id)
        elif isinstance(thing, Sanction):  # the competitor's penalty or status changes
            competitor = session.get(Competitor, thing.competitor_id)
            if competitor is not None:
                skills.add(competitor.skill_id)
        elif isinstance(thing, Expert) and thing.id is not None:
            experts.add(thing.id)
        elif isinstance(thing, Championship) and thing.id is not None \
                and session.is_modified(thing, include_collections=False):
            championships.add(thing.id)
        elif isinstance(thing, Organization) and thing.id is not None \
                and thing not in session.new \
                and session.is_modified(thing, include_collections=False):
            organizations.add(thing.id)
    bump(session, skills=skills, championships=championships, experts=experts,
         organizations=organizations)


def bump(session, skills=(), championships=(), experts=(), organizations=()) -> None:
    """Bump the versions of the skills these changes concern (the ids of changed skills,
    championships, experts, organizations) and queue `scheme_changed` for each; for a change
    the ORM does not see (a bulk insert or update: registry/imports), inside its transaction."""
    # only the conditions with ids: SQLite still scans the competitors for an empty list's
    conditions = [Skill.id.in_(skills)] if skills else []
    if championships:
        conditions.append(Skill.championship_id.in_(championships))
    if experts:
        conditions.append(Skill.id.in_(sa.select(ExpertRole.skill_id)
                                       .where(ExpertRole.expert_id.in_(experts))))
    if organizations:
        conditions += [Skill.id.in_(sa.select(Competitor.skill_id)
                                    .where(Competitor.organization_id.in_(organizations))),
                       Skill.id.in_(sa.select(ExpertRole.skill_id).join(Expert)
                                    .where(Expert.organization_id.in_(organizations)))]
    if not conditions:
        return
    bumped = session.execute(
        sa.update(Skill)
        .where(sa.or_(*conditions))
        .values(version=Skill.version + 1, scheme_version=Skill.scheme_version + 1)
        .returning(Skill.id)
        .execution_options(synchronize_session=False)
    ).scalars().all()
    if session.info.get(signals.OPEN):  # (a migration or a test may flush outside one)
        for skill_id in bumped:
            signals.queue(session, signals.scheme_changed, skill_id)

