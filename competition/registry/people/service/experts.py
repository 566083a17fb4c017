"""Experts of a championship and their roles in its skills (one chief expert per skill): the
columns stored of an expert (`expert_values`, also the import's), the organizer's page (save
with every role, delete, list)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from .... import audit
from ....database import write_transaction
from ....errors import Invalid
from ....extensions import db
from ....models import Championship, Expert, ExpertRole, Mark, Skill
from .common import NAME_FIELDS, Page, delete_audited, paginate, search, text_of
from .organizations import organization_id_by_code

EXPERT_FIELDS = ("code", *NAME_FIELDS, "organization_id")


def _find_expert(championship: Championship, code: str) -> Expert | None:
    return db.session.execute(
        sa.select(Expert).where(Expert.championship_id == championship.id, Expert.code == code)
    ).scalar_one_or_none()


def _check_expert_code(championship: Championship, code: str, expert: Expert | None) -> None:
    taken = _find_expert(championship, code)
    if taken is not None and taken is not expert:
        raise Invalid(_("The expert code “%(code)s” is already used by %(name)s; "
                        "choose another code.", code=code, name=taken.name()),
                      field="code", code="code_taken")


def _set_role(expert: Expert, skill: Skill, role: str) -> list | None:
    """Give the expert `role` in `skill` (one chief expert per skill). Returns [old, new]."""
    if role == "chief":
        chief = db.session.execute(
            sa.select(ExpertRole).where(ExpertRole.skill_id == skill.id,
                                        ExpertRole.role == "chief")
        ).scalars().all()
        others = [r for r in chief if r.expert is not expert]
        if others:
            raise Invalid(_("Skill %(skill)s already has a chief expert (%(code)s "
                            "%(name)s); change their role first.", skill=skill.code,
                            code=others[0].expert.code, name=others[0].expert.name()),
                          field="role", code="chief_taken")
    current = next((r for r in expert.roles if r.skill_id == skill.id), None)
    if current is None:
        expert.roles.append(ExpertRole(skill_id=skill.id, skill=skill, role=role))
        return [None, role]
    if current.role != role:
        old, current.role = current.role, role
        return [old, role]
    return None


def expert_values(data: dict, organization_id=organization_id_by_code) -> dict:
    """The columns stored of an expert from the expert form's (or an import row's) data;
    `organization_id(code)` finds the organization (Invalid when none has the code)."""
    return {"code": text_of(data.get("code")), **{f: text_of(data.get(f)) for f in NAME_FIELDS},
            "organization_id": organization_id(text_of(data.get("organization")))}


def marks_of_judge(expert: Expert, skill_id: int | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(Mark).where(Mark.judge_id == expert.id)
    if skill_id is not None:
        query = query.where(Mark.skill_id == skill_id)
    return db.session.execute(query).scalar_one()


def save_expert(championship_id: int, data: dict, roles: dict[str, str],
                expert_id: int | None = None, teams: dict[str, str] | None = None) -> Expert:
    """The expert form: details and the complete map skill code → role (absent: no role),
    and, with `teams`, each role's marking team (skill code → criteria, "" for all)."""
    with write_transaction() as session:
        championship = session.get(Championship, championship_id)
        existing = session.get(Expert, expert_id) if expert_id else None
        values = expert_values(data)
        _check_expert_code(championship, values["code"], existing)
        expert = existing or Expert(championship_id=championship.id)
        changes = audit.diff(expert, list(EXPERT_FIELDS), values)
        if existing is None:
            session.add(expert)
        role_changes = {}
        for skill in championship.skills:
            role = roles.get(skill.code)
            if role:
                change = _set_role(expert, skill, role)
                if teams is not None:
                    team = _set_team(expert, skill, teams.get(skill.code, ""))
                    if team:
                        changes.setdefault("marking_team", {})[skill.code] = team
            else:
                change = _drop_role(expert, skill)
            if change:
                role_changes[skill.code] = change
        if role_changes:
            changes["roles"] = role_changes
        session.flush()
        audit.record("update" if existing else "create", "expert", expert.id,
                     summary=f"{expert.code} {expert.name()}", changes=changes,
                     championship_id=championship.id)
    return expert


def _set_team(expert: Expert, skill: Skill, team: str) -> list | None:
    """The marking team (criteria) of the expert's role in `skill`. Returns [old, new]."""
    current = next((r for r in expert.roles if r.skill_id == skill.id), None)
    if current is None or (current.marking_team or "") == team:
        return None
    old, current.marking_team = current.marking_team or "", team
    return [old, team]


def _drop_role(expert: Expert, skill: Skill) -> list | None:
    current = next((r for r in expert.roles if r.skill_id == skill.id), None)
    if current is None:
        return None
    if expert.id is not None and marks_of_judge(expert, skill.id):
        raise Invalid(_("%(name)s has entered marks in skill %(skill)s; their role "
                        "there cannot be removed (change it instead).",
                        name=expert.name(), skill=skill.code),
                      field="roles", code="has_marks")
    expert.roles.remove(current)
    return [current.role, None]


def expert_delete_refusal(expert: Expert) -> str | None:
    count = marks_of_judge(expert)
    if not count:
        return None
    return _("This expert cannot be deleted: they have entered marks (%(num)d), and every mark "
             "keeps the expert who gave it.", num=count)


def delete_expert(expert_id: int) -> None:
    delete_audited(Expert, expert_id, expert_delete_refusal, lambda expert: (
        "expert", f"{expert.code} {expert.name()}",
        {"roles": {r.skill.code: [r.role, None] for r in expert.roles},
         **audit.removal(expert, EXPERT_FIELDS)},
        expert.championship_id))


def list_experts(championship: Championship, q: str | None = None, skill_id: int | None = None,
                 organization_id: int | None = None, role: str | None = None,
                 page: int = 1, per_page: int = 100) -> Page:
    query = (sa.select(Expert).where(Expert.championship_id == championship.id)
             .order_by(Expert.code))
    query = search(query, q, Expert.code, *(getattr(Expert, f) for f in NAME_FIELDS))
    if organization_id:
        query = query.where(Expert.organization_id == organization_id)
    if skill_id or role:
        roles = sa.select(ExpertRole.expert_id)
        if skill_id:
            roles = roles.where(ExpertRole.skill_id == skill_id)
        if role:
            roles = roles.where(ExpertRole.role == role)
        query = query.where(Expert.id.in_(roles))
    return paginate(query, page, per_page)


def expert_form_data(expert: Expert | None, championship: Championship) -> dict:
    roles = {r.skill_id: r for r in expert.roles} if expert else {}
    data = {"roles": [{"skill": s.code, "role": roles[s.id].role if s.id in roles else "",
                       "team": roles[s.id].marking_team or "" if s.id in roles else ""}
                      for s in championship.skills]}
    if expert is not None:
        data.update(code=expert.code, **{f: getattr(expert, f) for f in NAME_FIELDS},
                    organization=expert.organization.code if expert.organization else "")
    return data
