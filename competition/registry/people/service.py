"""Use cases of the people pages: championships, skills, organizations, competitors, experts,
compatriots and the workstation draw.

Two layers, so that the Excel/CSV import can reuse the rules of a single row:

* `apply_organization(data, existing)`, `apply_competitor(skill, data, existing)` and
  `apply_expert_role(championship, data, existing_expert)` create or update ONE thing from the
  `form.data` of the matching form in `.forms` (OrganizationForm, CompetitorForm,
  ExpertRoleRowForm). They expect to run INSIDE the caller's `write_transaction()`; they open
  no transaction, write no audit entry and never commit. `existing` is the object the caller
  found by code (None to create). They check what a form cannot: that a code is not taken by
  another organization / competitor of the skill / expert of the championship, that an
  organization code exists, that a skill has one chief expert. A broken rule raises `Invalid`
  (`.field` is the form field / import column, `.message` the text for people); the caller
  decides what to do (the import reports the row and rolls everything back). They return the
  object, added to the session (flushed, so it has an id).

  `apply_expert_role` handles one (expert, skill, role) row: it creates the expert when
  `existing_expert` is None, otherwise updates the names given (an empty name cell keeps the
  name) and the organization (an empty cell means none), then sets the expert's role in that
  skill.

* `save_*`, `delete_*`, `draw_workstations` … are the organizer pages' use cases: each runs in
  its own write transaction and records an audit entry (competition.audit.record).

Finer access rules (a chief expert sees the compatriots of their own skills only) are checked
here and raise `competition.auth.access.Forbidden`.
"""

from __future__ import annotations

import random
import re
import secrets
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from ... import audit
from ...auth.access import STAFF, Forbidden, role_of
from ...database import write_transaction
from ...extensions import db
from ...models import (
    Award,
    Championship,
    Competitor,
    CompetitorMember,
    Expert,
    ExpertRole,
    Mark,
    Organization,
    Skill,
    WorkstationDraw,
)
from ...models.people import new_results_code
from .forms import category_keys, members_from

NAME_FIELDS = ("name_ru", "name_kk", "name_en")


class Invalid(ValueError):
    """A rule over the stored data is broken: `field` names the form field, `message` says
    what is wrong and what to do."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class Refused(ValueError):
    """An action that cannot be done now (a delete once marks exist …); the message says why."""


def _text(value) -> str:
    return (value or "").strip() if isinstance(value, str) or value is None else str(value)


def _or_none(value) -> str | None:
    return _text(value) or None


# --- organizations ------------------------------------------------------------------------------

ORGANIZATION_FIELDS = ("code", *NAME_FIELDS, "kind", "region")


def _organization_values(data: dict) -> dict:
    return {"code": _text(data.get("code")), "name_ru": _text(data.get("name_ru")),
            "name_kk": _text(data.get("name_kk")), "name_en": _text(data.get("name_en")),
            "kind": data.get("kind") or "college", "region": _text(data.get("region"))}


def _apply_organization(data: dict, existing: Organization | None) -> tuple[Organization, dict]:
    values = _organization_values(data)
    session = db.session
    taken = session.execute(
        sa.select(Organization).where(Organization.code == values["code"])
    ).scalar_one_or_none()
    if taken is not None and taken is not existing:
        raise Invalid("code", _("The organization code “%(code)s” is already used by "
                                "“%(name)s”; choose another code.",
                                code=values["code"], name=taken.name()))
    organization = existing or Organization()
    changes = audit.diff(organization, list(ORGANIZATION_FIELDS), values)
    if existing is None:
        session.add(organization)
    session.flush()
    return organization, changes


def apply_organization(data: dict, existing: Organization | None) -> Organization:
    """Create (existing None) or update an organization from OrganizationForm.data."""
    return _apply_organization(data, existing)[0]


def save_organization(data: dict, organization_id: int | None = None) -> Organization:
    with write_transaction() as session:
        existing = session.get(Organization, organization_id) if organization_id else None
        organization, changes = _apply_organization(data, existing)
        audit.record("update" if existing else "create", "organization", organization.id,
                     summary=f"{organization.code} {organization.name()}", changes=changes)
    return organization


def organization_uses(organization: Organization) -> dict[str, int]:
    """How many competitors, experts and awards reference the organization."""
    def count(model) -> int:
        return db.session.execute(
            sa.select(sa.func.count()).select_from(model)
            .where(model.organization_id == organization.id)).scalar_one()
    return {"competitors": count(Competitor), "experts": count(Expert), "awards": count(Award)}


def organization_delete_refusal(organization: Organization) -> str | None:
    uses = organization_uses(organization)
    if not any(uses.values()):
        return None
    return _("This organization cannot be deleted: it is referred to by competitors "
             "(%(competitors)d), experts (%(experts)d) and awards (%(awards)d). Move them to "
             "another organization first.", **uses)


def delete_organization(organization_id: int) -> None:
    with write_transaction() as session:
        organization = session.get(Organization, organization_id)
        if organization is None:
            raise LookupError(organization_id)
        reason = organization_delete_refusal(organization)
        if reason:
            raise Refused(reason)
        audit.record("delete", "organization", organization.id,
                     summary=f"{organization.code} {organization.name()}",
                     changes={f: [getattr(organization, f), None] for f in ORGANIZATION_FIELDS})
        session.delete(organization)


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _search(query, q: str | None, *columns):
    q = unicodedata.normalize("NFC", (q or "").strip())  # as names are stored (people/forms.py)
    if not q:
        return query
    # SQLite folds only ASCII letters: try the usual spellings of Cyrillic words too
    variants = {q, q.lower(), q.capitalize(), q.title(), q.upper()}
    escaped = [v.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
               for v in variants]
    return query.where(sa.or_(*(c.ilike(f"%{v}%", escape="\\")
                                for c in columns for v in escaped)))


def _paginate(query, page: int, per_page: int) -> Page:
    total = db.session.execute(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    page = max(1, min(page, max(1, -(-total // per_page))))
    items = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).scalars()
    return Page(list(items), total, page, per_page)


def list_organizations(q: str | None = None, kind: str | None = None, page: int = 1,
                       per_page: int = 100) -> Page:
    query = sa.select(Organization).order_by(Organization.code)
    query = _search(query, q, Organization.code, *(getattr(Organization, f) for f in NAME_FIELDS))
    if kind:
        query = query.where(Organization.kind == kind)
    return _paginate(query, page, per_page)


def all_organizations() -> list[Organization]:
    return list(db.session.execute(sa.select(Organization).order_by(Organization.code)).scalars())


# --- competitors --------------------------------------------------------------------------------

COMPETITOR_FIELDS = ("code", *NAME_FIELDS, "organization_id", "category", "status",
                     "workstation")


def _organization_id(code: str | None, field: str = "organization") -> int | None:
    code = _text(code)
    if not code:
        return None
    organization = db.session.execute(
        sa.select(Organization).where(Organization.code == code)).scalar_one_or_none()
    if organization is None:
        raise Invalid(field, _("No organization has the code “%(code)s”; register it first or "
                               "correct the code.", code=code))
    return organization.id


def _apply_competitor(skill: Skill, data: dict, existing: Competitor | None
                      ) -> tuple[Competitor, dict]:
    session = db.session
    values = {
        "code": _text(data.get("code")),
        **{f: _text(data.get(f)) for f in NAME_FIELDS},
        "organization_id": _organization_id(data.get("organization")),
        "category": _or_none(data.get("category")),
        "status": data.get("status") or "active",
        "workstation": _or_none(data.get("workstation")),
    }
    taken = session.execute(
        sa.select(Competitor).where(Competitor.skill_id == skill.id,
                                    Competitor.code == values["code"])
    ).scalar_one_or_none()
    if taken is not None and taken is not existing:
        raise Invalid("code", _("The code “%(code)s” is already used by %(name)s in skill "
                                "%(skill)s; choose another code.", code=values["code"],
                                name=taken.name(), skill=skill.code))
    competitor = existing or Competitor(skill_id=skill.id, results_code=unique_results_code())
    changes = audit.diff(competitor, list(COMPETITOR_FIELDS), values)
    if existing is None:
        session.add(competitor)
    members_changes = _set_members(competitor, members_from(data) if skill.is_team else [])
    if members_changes:
        changes["members"] = members_changes
    session.flush()
    return competitor, changes


def _set_members(competitor: Competitor, members: list[dict[str, str]]) -> list | None:
    """Update the team's members in place (their ids stay: certificates refer to them)."""
    old = [m.names() for m in competitor.members]
    if old == members:
        return None
    current = list(competitor.members)
    for position, names in enumerate(members):
        if position < len(current):
            member = current[position]
        else:
            member = CompetitorMember(position=position)
            competitor.members.append(member)
        member.position = position
        member.set_names(names)
    for member in current[len(members):]:
        competitor.members.remove(member)
    return [old, members]


def apply_competitor(skill: Skill, data: dict, existing: Competitor | None) -> Competitor:
    """Create (existing None) or update a competitor of `skill` from CompetitorForm.data."""
    return _apply_competitor(skill, data, existing)[0]


def unique_results_code() -> str:
    """A personal results code no competitor has (checked; a clash is astronomically rare)."""
    while True:
        code = new_results_code()
        if db.session.execute(sa.select(Competitor.id).where(Competitor.results_code == code)
                              ).first() is None:
            return code


def save_competitor(skill_id: int, data: dict, competitor_id: int | None = None) -> Competitor:
    with write_transaction() as session:
        skill = session.get(Skill, skill_id)
        existing = session.get(Competitor, competitor_id) if competitor_id else None
        competitor, changes = _apply_competitor(skill, data, existing)
        audit.record("update" if existing else "create", "competitor", competitor.id,
                     summary=f"{skill.code}/{competitor.code} {competitor.name()}",
                     changes=changes, championship_id=skill.championship_id)
    return competitor


def regenerate_results_code(competitor_id: int) -> Competitor:
    with write_transaction() as session:
        competitor = session.get(Competitor, competitor_id)
        old = competitor.results_code
        competitor.results_code = unique_results_code()
        # the codes themselves are personal: the audit log says that it changed, not to what
        audit.record("update", "competitor", competitor.id,
                     summary=f"{competitor.skill.code}/{competitor.code}: new results code",
                     changes={"results_code": ["…" + old[-2:], "…"]},
                     championship_id=competitor.skill.championship_id)
    return competitor


def marks_of_competitor(competitor: Competitor) -> int:
    return db.session.execute(
        sa.select(sa.func.count()).select_from(Mark).where(Mark.competitor_id == competitor.id)
    ).scalar_one()


def competitor_delete_refusal(competitor: Competitor) -> str | None:
    count = marks_of_competitor(competitor)
    if not count:
        return None
    return _("This competitor cannot be deleted: marks have been entered for them (%(num)d). "
             "Set the status to “withdrawn” instead; they will be shown but not ranked.",
             num=count)


def delete_competitor(competitor_id: int) -> None:
    with write_transaction() as session:
        competitor = session.get(Competitor, competitor_id)
        if competitor is None:
            raise LookupError(competitor_id)
        reason = competitor_delete_refusal(competitor)
        if reason:
            raise Refused(reason)
        skill = competitor.skill
        audit.record("delete", "competitor", competitor.id,
                     summary=f"{skill.code}/{competitor.code} {competitor.name()}",
                     changes={f: [audit._plain(getattr(competitor, f)), None]
                              for f in COMPETITOR_FIELDS},
                     championship_id=skill.championship_id)
        session.delete(competitor)


def list_competitors(championship: Championship, q: str | None = None,
                     skill_id: int | None = None, organization_id: int | None = None,
                     category: str | None = None, status: str | None = None,
                     page: int = 1, per_page: int = 100) -> Page:
    query = (sa.select(Competitor).join(Skill)
             .where(Skill.championship_id == championship.id)
             .order_by(Skill.position, Skill.code, Competitor.code))
    query = _search(query, q, Competitor.code, *(getattr(Competitor, f) for f in NAME_FIELDS))
    if skill_id:
        query = query.where(Competitor.skill_id == skill_id)
    if organization_id:
        query = query.where(Competitor.organization_id == organization_id)
    if category:
        query = query.where(Competitor.category == category)
    if status:
        query = query.where(Competitor.status == status)
    return _paginate(query, page, per_page)


def competitor_form_data(competitor: Competitor) -> dict:
    """What CompetitorForm shows for a stored competitor."""
    members = [m.names() for m in competitor.members]
    return {
        "code": competitor.code, **{f: getattr(competitor, f) for f in NAME_FIELDS},
        "organization": competitor.organization.code if competitor.organization else "",
        "category": competitor.category or "", "status": competitor.status,
        "workstation": competitor.workstation or "",
        **{f"members_{lang}": "\n".join(m[lang] for m in members if m[lang])
           for lang in ("ru", "kk", "en")},
    }


# --- experts ------------------------------------------------------------------------------------

EXPERT_FIELDS = ("code", *NAME_FIELDS, "organization_id")


def _find_expert(championship: Championship, code: str) -> Expert | None:
    return db.session.execute(
        sa.select(Expert).where(Expert.championship_id == championship.id, Expert.code == code)
    ).scalar_one_or_none()


def _check_expert_code(championship: Championship, code: str, expert: Expert | None) -> None:
    taken = _find_expert(championship, code)
    if taken is not None and taken is not expert:
        raise Invalid("code", _("The expert code “%(code)s” is already used by %(name)s; "
                                "choose another code.", code=code, name=taken.name()))


def _set_role(expert: Expert, skill: Skill, role: str) -> list | None:
    """Give the expert `role` in `skill` (one chief expert per skill). Returns [old, new]."""
    if role == "chief":
        chief = db.session.execute(
            sa.select(ExpertRole).where(ExpertRole.skill_id == skill.id,
                                        ExpertRole.role == "chief")
        ).scalars().all()
        others = [r for r in chief if r.expert is not expert]
        if others:
            raise Invalid("role", _("Skill %(skill)s already has a chief expert (%(code)s "
                                    "%(name)s); change their role first.", skill=skill.code,
                                    code=others[0].expert.code, name=others[0].expert.name()))
    current = next((r for r in expert.roles if r.skill_id == skill.id), None)
    if current is None:
        expert.roles.append(ExpertRole(skill_id=skill.id, skill=skill, role=role))
        return [None, role]
    if current.role != role:
        old, current.role = current.role, role
        return [old, role]
    return None


def _expert_values(data: dict) -> dict:
    return {"code": _text(data.get("code")), **{f: _text(data.get(f)) for f in NAME_FIELDS},
            "organization_id": _organization_id(data.get("organization"))}


def apply_expert_role(championship: Championship, data: dict,
                      existing_expert: Expert | None) -> Expert:
    """One import row (ExpertRoleRowForm.data): create or update the expert, set one role."""
    session = db.session
    values = _expert_values(data)
    _check_expert_code(championship, values["code"], existing_expert)
    expert = existing_expert or Expert(championship_id=championship.id)
    if existing_expert is not None:  # an empty name cell keeps the name already known
        values = {k: v for k, v in values.items() if k not in NAME_FIELDS or v}
    audit.diff(expert, list(EXPERT_FIELDS), values)
    if existing_expert is None:
        session.add(expert)
    skill = session.execute(
        sa.select(Skill).where(Skill.championship_id == championship.id,
                               Skill.code == _text(data.get("skill")))).scalar_one_or_none()
    if skill is None:
        raise Invalid("skill", _("No skill has the code “%(code)s” in this championship.",
                                 code=_text(data.get("skill"))))
    _set_role(expert, skill, data.get("role") or "expert")
    session.flush()
    return expert


def marks_of_judge(expert: Expert, skill_id: int | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(Mark).where(Mark.judge_id == expert.id)
    if skill_id is not None:
        query = query.where(Mark.skill_id == skill_id)
    return db.session.execute(query).scalar_one()


def save_expert(championship_id: int, data: dict, roles: dict[str, str],
                expert_id: int | None = None) -> Expert:
    """The expert form: details and the complete map skill code → role (absent: no role)."""
    with write_transaction() as session:
        championship = session.get(Championship, championship_id)
        existing = session.get(Expert, expert_id) if expert_id else None
        values = _expert_values(data)
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


def _drop_role(expert: Expert, skill: Skill) -> list | None:
    current = next((r for r in expert.roles if r.skill_id == skill.id), None)
    if current is None:
        return None
    if expert.id is not None and marks_of_judge(expert, skill.id):
        raise Invalid("roles", _("%(name)s has entered marks in skill %(skill)s; their role "
                                 "there cannot be removed (change it instead).",
                                 name=expert.name(), skill=skill.code))
    expert.roles.remove(current)
    return [current.role, None]


def expert_delete_refusal(expert: Expert) -> str | None:
    count = marks_of_judge(expert)
    if not count:
        return None
    return _("This expert cannot be deleted: they have entered marks (%(num)d), and every mark "
             "keeps the expert who gave it.", num=count)


def delete_expert(expert_id: int) -> None:
    with write_transaction() as session:
        expert = session.get(Expert, expert_id)
        if expert is None:
            raise LookupError(expert_id)
        reason = expert_delete_refusal(expert)
        if reason:
            raise Refused(reason)
        audit.record("delete", "expert", expert.id, summary=f"{expert.code} {expert.name()}",
                     changes={"roles": {r.skill.code: [r.role, None] for r in expert.roles},
                              **{f: [audit._plain(getattr(expert, f)), None]
                                 for f in EXPERT_FIELDS}},
                     championship_id=expert.championship_id)
        session.delete(expert)


def list_experts(championship: Championship, q: str | None = None, skill_id: int | None = None,
                 organization_id: int | None = None, role: str | None = None,
                 page: int = 1, per_page: int = 100) -> Page:
    query = (sa.select(Expert).where(Expert.championship_id == championship.id)
             .order_by(Expert.code))
    query = _search(query, q, Expert.code, *(getattr(Expert, f) for f in NAME_FIELDS))
    if organization_id:
        query = query.where(Expert.organization_id == organization_id)
    if skill_id or role:
        roles = sa.select(ExpertRole.expert_id)
        if skill_id:
            roles = roles.where(ExpertRole.skill_id == skill_id)
        if role:
            roles = roles.where(ExpertRole.role == role)
        query = query.where(Expert.id.in_(roles))
    return _paginate(query, page, per_page)


def expert_form_data(expert: Expert | None, championship: Championship) -> dict:
    roles = {r.skill_id: r.role for r in expert.roles} if expert else {}
    data = {"roles": [{"skill": s.code, "role": roles.get(s.id, "")}
                      for s in championship.skills]}
    if expert is not None:
        data.update(code=expert.code, **{f: getattr(expert, f) for f in NAME_FIELDS},
                    organization=expert.organization.code if expert.organization else "")
    return data


# --- championship and skills --------------------------------------------------------------------

CHAMPIONSHIP_FIELDS = (
    "code", *NAME_FIELDS, "kind", "starts_on", "ends_on", "venue_ru", "venue_kk", "venue_en",
    "categories", "scale", "judges_per_aspect", "tie_margin", "medallion_threshold",
    "medal_min_gold", "medal_min_silver", "medal_min_bronze",
)

# The WorldSkills policy (docs/rules.md section 5: a null margin / threshold is the scale's).
WORLDSKILLS_DEFAULTS = {
    "kind": "worldskills", "categories": "", "scale": "raw", "judges_per_aspect": 3,
    "tie_margin": None, "medallion_threshold": None,
    "medal_min_gold": 1, "medal_min_silver": 1, "medal_min_bronze": 1,
}
ABILYMPICS_CATEGORIES_PRESET = "schoolchildren,students,specialists"


def championship_values(data: dict) -> dict:
    values = {f: data.get(f) for f in CHAMPIONSHIP_FIELDS if f in data}
    for f in ("code", *NAME_FIELDS, "venue_ru", "venue_kk", "venue_en"):
        if f in values:
            values[f] = _text(values[f])
    if "categories" in values:
        values["categories"] = ",".join(category_keys(values["categories"]))
    for f in ("tie_margin", "medallion_threshold"):
        if values.get(f) is not None:
            values[f] = Decimal(values[f])
    return values


def _check_championship(championship: Championship | None, values: dict) -> None:
    taken = db.session.execute(
        sa.select(Championship).where(Championship.code == values["code"])
    ).scalar_one_or_none()
    if taken is not None and taken is not championship:
        raise Invalid("code", _("Another championship already has the code “%(code)s”.",
                                code=values["code"]))
    if championship is None:
        return
    used = db.session.execute(
        sa.select(Competitor.category).join(Skill)
        .where(Skill.championship_id == championship.id, Competitor.category.is_not(None))
        .distinct()).scalars().all()
    missing = sorted(set(used) - set(category_keys(values.get("categories"))))
    if missing:
        raise Invalid("categories", _("Competitors are registered in the categories %(keys)s; "
                                      "keep them or move those competitors first.",
                                      keys=", ".join(missing)))
    if values.get("judges_per_aspect") != championship.judges_per_aspect:
        judgements = db.session.execute(
            sa.select(sa.func.count()).select_from(Mark).join(Skill)
            .where(Skill.championship_id == championship.id, Mark.aspect_type == "J")
        ).scalar_one()
        if judgements:
            raise Invalid("judges_per_aspect", _(
                "Judgement marks have already been entered with %(n)d judges per aspect; the "
                "number cannot change now.", n=championship.judges_per_aspect))


def save_championship(data: dict, championship_id: int | None = None) -> Championship:
    with write_transaction() as session:
        existing = session.get(Championship, championship_id) if championship_id else None
        values = championship_values(data)
        if existing is None and values.get("kind") == "abilympics" \
                and not values.get("categories"):
            values["categories"] = ABILYMPICS_CATEGORIES_PRESET
        _check_championship(existing, values)
        championship = existing or Championship()
        changes = audit.diff(championship, list(CHAMPIONSHIP_FIELDS), values)
        if existing is None:
            session.add(championship)
        session.flush()
        audit.record("update" if existing else "create", "championship", championship.id,
                     summary=f"{championship.code} {championship.name()}", changes=changes,
                     championship_id=championship.id)
    return championship


SKILL_FIELDS = ("code", *NAME_FIELDS, "team_size", "position")


def save_skill(championship_id: int, data: dict, skill_id: int | None = None) -> Skill:
    with write_transaction() as session:
        championship = session.get(Championship, championship_id)
        existing = session.get(Skill, skill_id) if skill_id else None
        values = {"code": _text(data.get("code")), **{f: _text(data.get(f)) for f in NAME_FIELDS},
                  "team_size": data.get("team_size") or 1, "position": data.get("position") or 0}
        taken = session.execute(
            sa.select(Skill).where(Skill.championship_id == championship.id,
                                   Skill.code == values["code"])).scalar_one_or_none()
        if taken is not None and taken is not existing:
            raise Invalid("code", _("Skill %(code)s already exists in this championship.",
                                    code=values["code"]))
        if existing is not None and values["team_size"] != existing.team_size \
                and existing.competitors:
            raise Invalid("team_size", _(
                "Competitors are registered in this skill (%(n)d) with teams of %(size)d; the "
                "team size cannot change while they are.", n=len(existing.competitors),
                size=existing.team_size))
        skill = existing or Skill(championship_id=championship.id)
        changes = audit.diff(skill, list(SKILL_FIELDS), values)
        if existing is None:
            session.add(skill)
        session.flush()
        audit.record("update" if existing else "create", "skill", skill.id,
                     summary=f"{skill.code} {skill.name()}", changes=changes,
                     championship_id=championship.id)
    return skill


def skill_delete_refusal(skill: Skill) -> str | None:
    marks = db.session.execute(
        sa.select(sa.func.count()).select_from(Mark).where(Mark.skill_id == skill.id)
    ).scalar_one()
    if marks:
        return _("This skill cannot be deleted: marks have been entered in it (%(num)d).",
                 num=marks)
    if skill.competitors:
        return _("This skill cannot be deleted: competitors are registered in it (%(num)d). "
                 "Delete them first.", num=len(skill.competitors))
    return None


def delete_skill(skill_id: int) -> None:
    with write_transaction() as session:
        skill = session.get(Skill, skill_id)
        if skill is None:
            raise LookupError(skill_id)
        reason = skill_delete_refusal(skill)
        if reason:
            raise Refused(reason)
        audit.record("delete", "skill", skill.id, summary=f"{skill.code} {skill.name()}",
                     changes={f: [getattr(skill, f), None] for f in SKILL_FIELDS},
                     championship_id=skill.championship_id)
        session.delete(skill)


# --- compatriots --------------------------------------------------------------------------------

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


# --- workstation draw ---------------------------------------------------------------------------

def parse_workstations(text: str | None) -> list[str]:
    """Workstations typed as "1-12", "1, 2, 5", "A1-A4" or one per line, in natural order."""
    result: list[str] = []
    for part in re.split(r"[,;\n]", text or ""):
        part = part.strip()
        if not part:
            continue
        match = re.fullmatch(r"([^\d\s]*)(\d+)\s*[-–—]\s*\1?(\d+)", part)
        if match:
            prefix, first, last = match.group(1), int(match.group(2)), int(match.group(3))
            if last < first or last - first > 999:
                raise Invalid("workstations", _("“%(part)s” is not a range of at most 1000 "
                                                "workstations (write it as 1-12).", part=part))
            result.extend(f"{prefix}{n}" for n in range(first, last + 1))
        elif re.search(r"\s", part) or len(part) > 32:
            raise Invalid("workstations", _("“%(part)s” is not a workstation: a workstation is "
                                            "one word of at most 32 characters.", part=part))
        else:
            result.append(part)
    if len(set(result)) != len(result):
        raise Invalid("workstations", _("A workstation is listed twice."))
    return sorted(result, key=natural_key)


def natural_key(text: str) -> tuple:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p)
                 for p in re.split(r"(\d+)", text) if p)


def draw_competitors(skill: Skill) -> list[Competitor]:
    """Who takes part in a draw: every competitor of the skill not withdrawn, by code."""
    return sorted((c for c in skill.competitors if c.status != "withdrawn"),
                  key=lambda c: natural_key(c.code))


def draw_outcome(seed: str, competitor_codes: list[str], workstations: list[str]
                 ) -> dict[str, str]:
    """THE draw algorithm (pure, reproducible by anyone with Python 3):

        stations = sorted(workstations, key=natural order)   # "2" before "10"
        random.Random(seed).shuffle(stations)                # seed: the text shown
        competitors sorted by code (natural order); the i-th gets stations[i]

    random.Random seeded with a str is the same on every platform and Python 3 version
    (version-2 seeding hashes the text with SHA-512). Surplus workstations stay free.
    """
    if len(workstations) < len(competitor_codes):
        raise Invalid("workstations", _(
            "There are more competitors (%(competitors)d) than workstations (%(workstations)d); "
            "list at least as many workstations as competitors.",
            competitors=len(competitor_codes), workstations=len(workstations)))
    stations = sorted(workstations, key=natural_key)
    random.Random(seed).shuffle(stations)  # noqa: S311 (reproducible by design)
    codes = sorted(competitor_codes, key=natural_key)
    return dict(zip(codes, stations, strict=False))


def new_seed() -> str:
    return secrets.token_hex(6)


def default_workstations(skill: Skill) -> str:
    count = len(draw_competitors(skill))
    return f"1-{count}" if count else ""


def draw_refusal(skill: Skill) -> str | None:
    if not draw_competitors(skill):
        return _("There are no competitors to draw in this skill yet.")
    marks = db.session.execute(
        sa.select(sa.func.count()).select_from(Mark).where(Mark.skill_id == skill.id)
    ).scalar_one()
    if marks:
        return _("Marking has started in this skill, so the workstations are no longer drawn; "
                 "edit a competitor to change their workstation.")
    return None


def preview_draw(skill: Skill, workstations_text: str, seed: str) -> dict[str, str]:
    codes = [c.code for c in draw_competitors(skill)]
    return draw_outcome(seed, codes, parse_workstations(workstations_text))


def draw_workstations(skill_id: int, workstations_text: str, seed: str | None = None,
                      user_id: int | None = None) -> WorkstationDraw:
    """Draw, record the draw and give every competitor drawn their workstation, at once."""
    seed = (seed or "").strip() or new_seed()
    with write_transaction() as session:
        skill = session.get(Skill, skill_id)
        reason = draw_refusal(skill)
        if reason:
            raise Refused(reason)
        workstations = parse_workstations(workstations_text)
        competitors = draw_competitors(skill)
        outcome = draw_outcome(seed, [c.code for c in competitors], workstations)
        for competitor in competitors:
            competitor.workstation = outcome[competitor.code]
        draw = WorkstationDraw(skill_id=skill.id, seed=seed, outcome=outcome, user_id=user_id)
        session.add(draw)
        session.flush()
        # the workstation list is part of what makes the draw reproducible: it is kept here
        audit.record("draw", "skill", skill.id,
                     summary=f"{skill.code}: workstation draw, seed {seed}",
                     changes={"draw_id": draw.id, "seed": seed, "workstations": workstations,
                              "outcome": outcome},
                     championship_id=skill.championship_id)
    return draw


@dataclass(frozen=True)
class DrawRecord:
    draw: WorkstationDraw
    workstations: list[str] | None  # the list the draw shuffled (from its audit entry)
    by: str  # the login of who drew

    @property
    def outcome(self) -> list[tuple[str, str]]:
        return sorted(self.draw.outcome.items(), key=lambda item: natural_key(item[0]))


def draw_history(skill: Skill) -> list[DrawRecord]:
    """The skill's draws, newest first, with the workstation list and who drew."""
    from ...models import AuditEntry, User

    draws = list(db.session.execute(
        sa.select(WorkstationDraw).where(WorkstationDraw.skill_id == skill.id)
        .order_by(WorkstationDraw.created_at.desc(), WorkstationDraw.id.desc())).scalars())
    entries = db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.action == "draw", AuditEntry.entity == "skill",
                                    AuditEntry.entity_id == skill.id)).scalars()
    lists = {(e.changes or {}).get("draw_id"): (e.changes or {}).get("workstations")
             for e in entries}
    user_ids = {d.user_id for d in draws if d.user_id}
    logins = dict(db.session.execute(
        sa.select(User.id, User.login).where(User.id.in_(user_ids))).all()) if user_ids else {}
    return [DrawRecord(d, lists.get(d.id), logins.get(d.user_id, "")) for d in draws]


@dataclass(frozen=True)
class SkillLine:
    skill: Skill
    competitors: int
    experts: int
    aspects: int
    marks: int
    chief: Expert | None


def skill_overview(championship: Championship) -> list[SkillLine]:
    """Each skill of the championship with what is registered in it (one query per count)."""
    from ...models import Aspect

    def counts(column, model, *where) -> dict[int, int]:
        query = sa.select(column, sa.func.count()).select_from(model).group_by(column)
        return dict(db.session.execute(query.where(*where)).all())

    skill_ids = [s.id for s in championship.skills]
    competitors = counts(Competitor.skill_id, Competitor, Competitor.skill_id.in_(skill_ids))
    experts = counts(ExpertRole.skill_id, ExpertRole, ExpertRole.skill_id.in_(skill_ids))
    aspects = counts(Aspect.skill_id, Aspect, Aspect.skill_id.in_(skill_ids))
    marks = counts(Mark.skill_id, Mark, Mark.skill_id.in_(skill_ids))
    chiefs = {r.skill_id: r.expert for r in db.session.execute(
        sa.select(ExpertRole).where(ExpertRole.skill_id.in_(skill_ids),
                                    ExpertRole.role == "chief")).scalars()}
    return [SkillLine(s, competitors.get(s.id, 0), experts.get(s.id, 0), aspects.get(s.id, 0),
                      marks.get(s.id, 0), chiefs.get(s.id)) for s in championship.skills]
