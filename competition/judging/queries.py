"""What a tablet or an outside tool reads of judging: the skills an account may see, with its
role in each, and a skill's scheme and competitors as the tablet needs them (docs/api.md,
`GET /api/v1/skills` and `GET /api/v1/skills/<ref>`)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from ..auth.access import STAFF, role_of
from ..errors import Refused
from ..extensions import db
from ..lookup import ambiguous_codes, expert_role, find_skill, skill_ref
from ..marks import Viewer
from ..models import (
    Aspect,
    Championship,
    Competitor,
    Expert,
    ExpertRole,
    Organization,
    Skill,
)
from ..models.base import decimal_text, pick_translation
from ..rules.aspects import JUDGEMENT_SCORES


def visible_skills(user) -> list[dict]:
    """GET /api/v1/skills: the skills this user may see, with their role in each."""
    role = role_of(user)
    query = sa.select(Skill).join(Championship).order_by(Championship.code, Skill.position,
                                                         Skill.code)
    roles: dict[int, str] = {}
    if role in STAFF:
        skills = db.session.execute(query).scalars().all()
    elif user.expert_id is not None:
        rows = db.session.execute(
            sa.select(ExpertRole.skill_id, ExpertRole.role)
            .where(ExpertRole.expert_id == user.expert_id)
        ).all()
        roles = dict(rows)
        skills = db.session.execute(query.where(Skill.id.in_(roles))).scalars().all()
    elif user.competitor_id is not None:
        skills = db.session.execute(
            query.join(Competitor, Competitor.skill_id == Skill.id)
            .where(Competitor.id == user.competitor_id)
        ).scalars().all()
    else:
        skills = []
    ambiguous = ambiguous_codes()
    return [{
        "code": skill.code, "ref": skill_ref(skill, ambiguous),
        "championship": skill.championship.code, "name": skill.name(),
        "kind": skill.championship.kind, "visibility": skill.visibility,
        "version": skill.version, "role": roles.get(skill.id),
    } for skill in skills]


def readable_skill(user, ref) -> tuple[Skill, ExpertRole | None]:
    """The skill for the experts' API: its experts, organizers and admins only."""
    skill = find_skill(ref)
    role = expert_role(user, skill.id)
    if role is None and role_of(user) not in STAFF:
        raise Refused("forbidden", _("Only the experts of this skill and organizers see it."))
    return skill, role


LEADERS = frozenset({"chief", "deputy"})  # of a skill: see every score (blind judgement)


def viewer_of(user, role: ExpertRole | None) -> Viewer:
    """What of a skill's J scores `user` (with `role` in the skill) sees (marks.blind_cell):
    all of them for the skill's chief and deputy, organizers and admins; else their own."""
    full = role_of(user) in STAFF or (role is not None and role.role in LEADERS)
    return Viewer(full, role.expert.code if role is not None else None)


def _pick(name_ru: str, name_kk: str, name_en: str) -> str:
    return pick_translation({"ru": name_ru, "kk": name_kk, "en": name_en})


def _descriptors(aspect: Aspect) -> list[str] | None:
    """A J aspect's four descriptors (scores 0-3) in the user's language."""
    if aspect.type != "J" or not aspect.descriptors:
        return None
    return [pick_translation(text) if isinstance(text, dict) else str(text or "")
            for text in aspect.descriptors]


def _aspect_values(aspect: Aspect) -> list:
    if aspect.type == "J":
        return list(JUDGEMENT_SCORES)
    return [decimal_text(value) for value in aspect.allowed()]


def describe_skill(user, skill: Skill, role: ExpertRole | None) -> dict:
    """GET /api/v1/skills/<ref>: the scheme, competitors and experts (docs/api.md)."""
    from .panels import panels_by_code
    from .signoff import is_locked

    criteria = []
    for criterion in skill.criteria:
        subs = []
        for sub in criterion.sub_criteria:
            subs.append({
                "code": sub.code, "name": sub.name(), "day": sub.day,
                "locked": is_locked(sub.id),
                "aspects": [{
                    "code": aspect.code, "type": aspect.type, "max": decimal_text(aspect.max),
                    "values": _aspect_values(aspect),
                    "description": aspect.description(),
                    "descriptors": _descriptors(aspect),
                    "standards_section": aspect.standards_section,
                    # how the tablet asks for an M mark (docs/scheme.md); "values" stay the rule
                    "kind": aspect.kind or "marks",
                    "kind_params": aspect.kind_params,
                } for aspect in sub.aspects],
            })
        criteria.append({"code": criterion.code, "name": criterion.name(),
                         "sub_criteria": subs})
    competitors = [{
        "code": code, "name": _pick(name_ru, name_kk, name_en),
        "organization": organization, "category": category, "status": status,
        "workstation": workstation,
    } for code, name_ru, name_kk, name_en, organization, category, status, workstation
        in db.session.execute(
            sa.select(Competitor.code, Competitor.name_ru, Competitor.name_kk,
                      Competitor.name_en, Organization.code, Competitor.category,
                      Competitor.status, Competitor.workstation)
            .outerjoin(Organization, Organization.id == Competitor.organization_id)
            .where(Competitor.skill_id == skill.id).order_by(Competitor.code)
        )]
    experts = [{
        "code": code, "name": _pick(name_ru, name_kk, name_en),
        "organization": organization, "role": expert_role_name, "marking_team": team,
    } for code, name_ru, name_kk, name_en, organization, expert_role_name, team
        in db.session.execute(
            sa.select(Expert.code, Expert.name_ru, Expert.name_kk, Expert.name_en,
                      Organization.code, ExpertRole.role, ExpertRole.marking_team)
            .join(ExpertRole, ExpertRole.expert_id == Expert.id)
            .outerjoin(Organization, Organization.id == Expert.organization_id)
            .where(ExpertRole.skill_id == skill.id).order_by(Expert.code)
        )]
    championship = skill.championship
    return {
        "code": skill.code, "ref": skill_ref(skill),
        "championship": championship.code, "name": skill.name(), "kind": championship.kind,
        "version": skill.version, "judges_per_aspect": championship.judges_per_aspect,
        "visibility": skill.visibility,
        "role": role.role if role else None,
        "expert": role.expert.code if role else None,
        "criteria": criteria, "competitors": competitors, "experts": experts,
        "panels": panels_by_code(skill),
    }


