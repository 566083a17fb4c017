"""Fixed judging panels (WorldSkills practice): the same `judges_per_aspect` experts mark the
judgement aspects of a sub-criterion for every competitor.

The chief expert (or the deputy, or an organizer: signoff.check_may_lead) seats a panel on a
sub-criterion, and may seat another on one of its J aspects (seats on an aspect replace the
sub-criterion's panel for that aspect). Where a panel member is a compatriot of a competitor,
the chief names a substitute for that competitor only. While an aspect has a panel, only its
members (minus the absent ones, plus their substitutes, per competitor) enter its judgement
marks: service.record_mark refuses the others with `not_on_panel`, against the sets read here
once per scheme version (`marking_panels`, cached in context.py). Without seats, any expert of
the marking team marks and the first `judges_per_aspect` scores count, as before.

Every change is audited and bumps the skill's scheme version (versions.py), so the cached
contexts reload.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import audit
from ..database import write_transaction
from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..models import Aspect, Competitor, Expert, ExpertRole, Skill
from ..models.panels import PanelSeat, PanelSubstitute
from ..models.scheme import Criterion, SubCriterion
from .signoff import check_may_lead, find_sub_criterion

# --- what the live path checks (read once per scheme version) ---------------------------------


def marking_panels(session, skill_id: int) -> tuple[
        dict[int, frozenset[int]], dict[tuple[int, int], frozenset[int]]]:
    """(aspect id → the expert ids of its panel, (aspect id, competitor id) → the panel for that
    competitor where substitutes change it), for the skill's J aspects that have a panel."""
    seats = session.execute(
        sa.select(PanelSeat.sub_criterion_id, PanelSeat.aspect_id, PanelSeat.expert_id)
        .where(PanelSeat.skill_id == skill_id)).all()
    if not seats:
        return {}, {}
    by_sub: dict[int, set[int]] = defaultdict(set)
    by_aspect: dict[int, set[int]] = defaultdict(set)
    for sub_id, aspect_id, expert_id in seats:
        (by_aspect[aspect_id] if aspect_id is not None else by_sub[sub_id]).add(expert_id)
    swaps: dict[tuple[int | None, int], list[tuple[int, int, int]]] = defaultdict(list)
    for sub_id, aspect_id, competitor_id, absent, substitute in session.execute(
        sa.select(PanelSubstitute.sub_criterion_id, PanelSubstitute.aspect_id,
                  PanelSubstitute.competitor_id, PanelSubstitute.absent_expert_id,
                  PanelSubstitute.substitute_expert_id)
        .where(PanelSubstitute.skill_id == skill_id)):
        key = ("a", aspect_id) if aspect_id is not None else ("s", sub_id)
        swaps[key].append((competitor_id, absent, substitute))
    panels: dict[int, frozenset[int]] = {}
    exceptions: dict[tuple[int, int], frozenset[int]] = {}
    for aspect_id, sub_id in session.execute(
            sa.select(Aspect.id, Aspect.sub_criterion_id)
            .where(Aspect.skill_id == skill_id, Aspect.type == "J")):
        own = aspect_id in by_aspect
        members = by_aspect[aspect_id] if own else by_sub.get(sub_id)
        if not members:
            continue
        panels[aspect_id] = frozenset(members)
        changed: dict[int, set[int]] = {}
        for competitor_id, absent, substitute in swaps.get(
                ("a", aspect_id) if own else ("s", sub_id), ()):
            these = changed.setdefault(competitor_id, set(members))
            these.discard(absent)
            these.add(substitute)
        for competitor_id, these in changed.items():
            exceptions[(aspect_id, competitor_id)] = frozenset(these)
    return panels, exceptions


def panels_by_code(skill: Skill) -> dict[str, dict]:
    """The tablet's view of the panels (GET /api/v1/skills/<ref>): J aspect code → {"members":
    expert codes, "exceptions": {competitor code: expert codes}} for the aspects with a panel."""
    panels, exceptions = marking_panels(db.session, skill.id)
    if not panels:
        return {}
    experts = dict(db.session.execute(sa.select(Expert.id, Expert.code).where(
        Expert.id.in_({e for members in [*panels.values(), *exceptions.values()]
                       for e in members}))).all())
    aspects = dict(db.session.execute(sa.select(Aspect.id, Aspect.code).where(
        Aspect.id.in_(panels))).all())
    competitors = dict(db.session.execute(sa.select(Competitor.id, Competitor.code).where(
        Competitor.skill_id == skill.id)).all())
    result = {aspects[aspect_id]: {"members": sorted(experts[e] for e in members),
                                   "exceptions": {}}
              for aspect_id, members in panels.items()}
    for (aspect_id, competitor_id), members in exceptions.items():
        result[aspects[aspect_id]]["exceptions"][competitors[competitor_id]] = sorted(
            experts[e] for e in members)
    return result


# --- the chief's page -------------------------------------------------------------------------

@dataclass
class Clash:
    """A panel member who is a compatriot of a competitor, and their substitute if named."""

    member: Expert
    competitor: Competitor
    substitute: PanelSubstitute | None


@dataclass
class PanelView:
    aspect: Aspect | None  # None: the sub-criterion's panel
    members: list[Expert]
    clashes: list[Clash] = field(default_factory=list)


@dataclass
class SubPanels:
    sub: SubCriterion
    aspects: list[Aspect]  # its J aspects
    panel: PanelView
    overrides: list[PanelView]


@dataclass
class Overview:
    judges_per_aspect: int
    experts: list[Expert]  # every expert of the skill, by code
    subs: list[SubPanels]

    @property
    def any_panel(self) -> bool:
        return any(s.panel.members or s.overrides for s in self.subs)


def experts_of(skill: Skill) -> list[Expert]:
    return list(db.session.execute(
        sa.select(Expert).join(ExpertRole, ExpertRole.expert_id == Expert.id)
        .where(ExpertRole.skill_id == skill.id).order_by(Expert.code)).scalars())


def overview(user, skill: Skill) -> Overview:
    """Every sub-criterion with judgement aspects, its panel, its aspects' own panels and the
    compatriot clashes of each, for the chief's page."""
    check_may_lead(user, skill)
    subs = db.session.execute(
        sa.select(SubCriterion).join(Criterion).where(Criterion.skill_id == skill.id)
        .order_by(Criterion.position, Criterion.code, SubCriterion.position,
                  SubCriterion.code)).scalars().all()
    aspects: dict[int, list[Aspect]] = defaultdict(list)
    for aspect in db.session.execute(
            sa.select(Aspect).where(Aspect.skill_id == skill.id, Aspect.type == "J")
            .order_by(Aspect.position, Aspect.code)).scalars():
        aspects[aspect.sub_criterion_id].append(aspect)
    seats = db.session.execute(
        sa.select(PanelSeat).where(PanelSeat.skill_id == skill.id)
        .order_by(PanelSeat.position, PanelSeat.id)).scalars().all()
    substitutes = db.session.execute(
        sa.select(PanelSubstitute).where(PanelSubstitute.skill_id == skill.id)).scalars().all()
    competitors = db.session.execute(
        sa.select(Competitor).where(Competitor.skill_id == skill.id,
                                    Competitor.organization_id.is_not(None))
        .order_by(Competitor.code)).scalars().all()

    def view(sub_id: int, aspect: Aspect | None) -> PanelView:
        aspect_id = aspect.id if aspect is not None else None
        members = [s.expert for s in seats
                   if s.sub_criterion_id == sub_id and s.aspect_id == aspect_id]
        named = {(s.competitor_id, s.absent_expert_id): s for s in substitutes
                 if s.sub_criterion_id == sub_id and s.aspect_id == aspect_id}
        clashes = [Clash(member, competitor, named.get((competitor.id, member.id)))
                   for member in members for competitor in competitors
                   if member.organization_id == competitor.organization_id]
        return PanelView(aspect, members, clashes)

    result = []
    for sub in subs:
        if not aspects.get(sub.id):
            continue
        overridden = {s.aspect_id for s in seats
                      if s.sub_criterion_id == sub.id and s.aspect_id is not None}
        result.append(SubPanels(sub, aspects[sub.id], view(sub.id, None),
                                [view(sub.id, a) for a in aspects[sub.id] if a.id in overridden]))
    return Overview(skill.championship.judges_per_aspect, experts_of(skill), result)


# --- changing panels --------------------------------------------------------------------------

def _scope(skill: Skill, sub_code: str, aspect_code: str | None):
    sub = find_sub_criterion(skill, sub_code)
    aspect = None
    if aspect_code:
        aspect = db.session.execute(
            sa.select(Aspect).where(Aspect.sub_criterion_id == sub.id,
                                    Aspect.code == aspect_code)).scalar_one_or_none()
        if aspect is None or aspect.type != "J":
            raise NotFound(_("Sub-criterion %(sub)s has no judgement aspect %(aspect)s.",
                             sub=sub.code, aspect=aspect_code), code="unknown_aspect")
    return sub, aspect


def _in_scope(model, sub: SubCriterion, aspect: Aspect | None):
    return sa.and_(model.sub_criterion_id == sub.id,
                   model.aspect_id == aspect.id if aspect is not None
                   else model.aspect_id.is_(None))


def _expert(skill: Skill, code: str, field_name: str) -> Expert:
    found = db.session.execute(
        sa.select(Expert).join(ExpertRole, ExpertRole.expert_id == Expert.id)
        .where(ExpertRole.skill_id == skill.id, Expert.code == code)).scalar_one_or_none()
    if found is None:
        raise Invalid(_("%(code)s is not an expert of skill %(skill)s.", code=code,
                        skill=skill.code), code="not_an_expert", field=field_name)
    return found


def _what(sub: SubCriterion, aspect: Aspect | None) -> str:
    return f"aspect {aspect.code}" if aspect is not None else f"sub-criterion {sub.code}"


def _audit(user, action: str, entity: str, entity_id: int, summary: str, changes: dict,
           championship_id: int) -> None:
    entry = audit.record(action, entity, entity_id, summary, changes, championship_id)
    entry.user_id = getattr(user, "id", None)  # the acting user, also outside a request


def seat_panel(skill: Skill, sub: SubCriterion, aspect: Aspect | None,
               experts: list[Expert]) -> list[str]:
    """Replace the panel of `sub` (or of its `aspect`) by `experts`, in the caller's write
    transaction; substitutes of members who left it go too. The codes before, for the audit.
    The importer of the scheme (registry/scheme) calls it too."""
    old = db.session.execute(
        sa.select(PanelSeat).where(PanelSeat.skill_id == skill.id, _in_scope(PanelSeat, sub,
                                                                            aspect))
        .order_by(PanelSeat.position)).scalars().all()
    before = [seat.expert.code for seat in old]
    for seat in old:
        db.session.delete(seat)
    kept = {e.id for e in experts}
    for substitute in db.session.execute(
            sa.select(PanelSubstitute).where(PanelSubstitute.skill_id == skill.id,
                                             _in_scope(PanelSubstitute, sub, aspect))).scalars():
        if substitute.absent_expert_id not in kept or substitute.substitute_expert_id in kept:
            db.session.delete(substitute)
    for position, expert in enumerate(experts):
        db.session.add(PanelSeat(skill_id=skill.id, sub_criterion_id=sub.id,
                                 aspect_id=aspect.id if aspect is not None else None,
                                 expert_id=expert.id, position=position))
    db.session.flush()
    return before


def team_problem(skill: Skill, expert: Expert, criterion_code: str) -> str | None:
    """Why `expert` may not judge criterion `criterion_code` of the skill: their marking team
    (ExpertRole.marking_team, criterion codes) leaves it out. None when they may."""
    team = db.session.execute(
        sa.select(ExpertRole.marking_team).where(ExpertRole.skill_id == skill.id,
                                                 ExpertRole.expert_id == expert.id)).scalar()
    codes = {part.strip() for part in (team or "").split(",")} - {""}
    if not codes or criterion_code in codes:
        return None
    return _("%(code)s's marking team marks criteria %(team)s, not %(criterion)s: choose an "
             "expert of that criterion's team.", code=expert.code,
             team=", ".join(sorted(codes)), criterion=criterion_code)


def check_panel(skill: Skill, codes: list[str], sub: SubCriterion | None = None
                ) -> list[Expert]:
    """The experts of a panel named by their codes: exactly judges_per_aspect experts of the
    skill, none twice, each of the marking team of the sub-criterion's criterion. Raises
    Invalid."""
    codes = [c.strip() for c in codes if c and c.strip()]
    jpa = skill.championship.judges_per_aspect
    if len(codes) != jpa:
        raise Invalid(_("A judgement panel has exactly %(n)s experts (%(given)s chosen).",
                        n=jpa, given=len(codes)), code="panel_size", field="experts")
    if len(set(codes)) != len(codes):
        raise Invalid(_("An expert sits on a panel once: choose %(n)s different experts.",
                        n=jpa), code="panel_duplicate", field="experts")
    experts = [_expert(skill, code, "experts") for code in codes]
    for expert in experts if sub is not None else ():
        problem = team_problem(skill, expert, sub.criterion.code)
        if problem:
            raise Invalid(problem, code="not_team", field="experts")
    return experts


def assign(user, skill: Skill, sub_code: str, codes: list[str],
           aspect_code: str | None = None) -> None:
    """Seat the panel of a sub-criterion (or of one of its J aspects)."""
    check_may_lead(user, skill)
    with write_transaction():
        sub, aspect = _scope(skill, sub_code, aspect_code)
        experts = check_panel(skill, codes, sub)
        before = seat_panel(skill, sub, aspect, experts)
        after = [e.code for e in experts]
        _audit(user, "panel-assign", "sub_criterion", sub.id,
                     f"skill {skill.code}: panel of {_what(sub, aspect)}: {', '.join(after)}",
                     {"skill": skill.code, "sub_criterion": sub.code,
                      "aspect": aspect.code if aspect else None, "panel": [before, after]},
                     skill.championship_id)


def clear(user, skill: Skill, sub_code: str, aspect_code: str | None = None) -> None:
    """Remove the panel of a sub-criterion (or an aspect's own panel) and its substitutes."""
    check_may_lead(user, skill)
    with write_transaction():
        sub, aspect = _scope(skill, sub_code, aspect_code)
        before = seat_panel(skill, sub, aspect, [])
        if not before:
            raise Conflict(_("%(what)s has no panel.", what=aspect.code if aspect else sub.code),
                           code="no_panel")
        _audit(user, "panel-clear", "sub_criterion", sub.id,
                     f"skill {skill.code}: panel of {_what(sub, aspect)} removed",
                     {"skill": skill.code, "sub_criterion": sub.code,
                      "aspect": aspect.code if aspect else None, "panel": [before, []]},
                     skill.championship_id)


def name_substitute(user, skill: Skill, sub_code: str, competitor_code: str, absent_code: str,
                    substitute_code: str, aspect_code: str | None = None) -> PanelSubstitute:
    """For one competitor only, `substitute` marks instead of the panel member `absent`, who is
    their compatriot. A substitute named before for the same member and competitor is
    replaced."""
    check_may_lead(user, skill)
    with write_transaction():
        sub, aspect = _scope(skill, sub_code, aspect_code)
        competitor = db.session.execute(
            sa.select(Competitor).where(Competitor.skill_id == skill.id,
                                        Competitor.code == competitor_code)).scalar_one_or_none()
        if competitor is None:
            raise NotFound(_("Skill %(skill)s has no competitor %(code)s.", skill=skill.code,
                             code=competitor_code), code="unknown_competitor")
        absent = _expert(skill, absent_code, "absent")
        substitute = _expert(skill, substitute_code, "substitute")
        members = {seat.expert_id for seat in db.session.execute(
            sa.select(PanelSeat).where(PanelSeat.skill_id == skill.id,
                                       _in_scope(PanelSeat, sub, aspect))).scalars()}
        if absent.id not in members:
            raise Invalid(_("%(code)s is not on this panel.", code=absent.code),
                          code="not_on_panel", field="absent")
        if absent.organization_id is None \
                or absent.organization_id != competitor.organization_id:
            raise Invalid(_("%(expert)s is not a compatriot of competitor %(competitor)s: they "
                            "mark them.", expert=absent.code, competitor=competitor.code),
                          code="not_compatriot", field="absent")
        problem = team_problem(skill, substitute, sub.criterion.code)
        if problem:
            raise Invalid(problem, code="not_team", field="substitute")
        if substitute.id in members:
            raise Invalid(_("%(code)s is on this panel already.", code=substitute.code),
                          code="on_panel", field="substitute")
        if substitute.organization_id is not None \
                and substitute.organization_id == competitor.organization_id:
            raise Invalid(_("%(expert)s is a compatriot of competitor %(competitor)s too.",
                            expert=substitute.code, competitor=competitor.code),
                          code="compatriot", field="substitute")
        for old in db.session.execute(
                sa.select(PanelSubstitute).where(
                    PanelSubstitute.skill_id == skill.id, _in_scope(PanelSubstitute, sub, aspect),
                    PanelSubstitute.competitor_id == competitor.id,
                    PanelSubstitute.absent_expert_id == absent.id)).scalars():
            db.session.delete(old)
        named = PanelSubstitute(skill_id=skill.id, sub_criterion_id=sub.id,
                                aspect_id=aspect.id if aspect else None,
                                competitor_id=competitor.id, absent_expert_id=absent.id,
                                substitute_expert_id=substitute.id)
        db.session.add(named)
        db.session.flush()
        _audit(user, "panel-substitute", "sub_criterion", sub.id,
                     f"skill {skill.code}: {_what(sub, aspect)}, competitor {competitor.code}: "
                     f"{substitute.code} marks instead of {absent.code}",
                     {"skill": skill.code, "sub_criterion": sub.code,
                      "aspect": aspect.code if aspect else None,
                      "competitor": competitor.code, "absent": absent.code,
                      "substitute": substitute.code}, skill.championship_id)
    return named


def remove_substitute(user, skill: Skill, substitute_id: int) -> None:
    check_may_lead(user, skill)
    with write_transaction():
        found = db.session.get(PanelSubstitute, substitute_id)
        if found is None or found.skill_id != skill.id:
            raise NotFound(_("There is no such substitute."), code="unknown_substitute")
        sub = db.session.get(SubCriterion, found.sub_criterion_id)
        _audit(user, "panel-substitute-remove", "sub_criterion", sub.id,
                     f"skill {skill.code}: sub-criterion {sub.code}, competitor "
                     f"{found.competitor.code}: {found.substitute.code} no longer marks "
                     f"instead of {found.absent.code}",
                     {"skill": skill.code, "sub_criterion": sub.code,
                      "competitor": found.competitor.code, "absent": found.absent.code,
                      "substitute": found.substitute.code}, skill.championship_id)
        db.session.delete(found)
