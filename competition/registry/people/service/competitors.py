"""Competitors of a skill (a person or a team with its members): a competitor's columns from
the form (`competitor_values`, also for an import row), the organizer's page (save, delete,
list), and the personal results code."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from .... import audit
from ....database import write_transaction
from ....errors import Invalid
from ....extensions import db
from ....models import Championship, Competitor, CompetitorMember, Mark, Skill
from ....models.people import new_results_code
from ..fields import disqualification_refusal
from ..member_fields import members_from
from .common import NAME_FIELDS, Page, delete_audited, paginate, search, text_of, text_or_none
from .organizations import organization_id_by_code
from .personal import PERSONAL_FIELDS, masked, personal_values

COMPETITOR_FIELDS = ("code", *NAME_FIELDS, "organization_id", "category", "status",
                     "workstation", *PERSONAL_FIELDS)


def competitor_values(data: dict, current_status: str | None = None,
                      organization_id=organization_id_by_code) -> dict:
    """A competitor's columns from CompetitorForm.data: what the form's save and an import row
    (registry/imports/people.py, in bulk) store. Invalid when the status may not be set so;
    `organization_id(code)` finds the organization (Invalid when none has the code)."""
    values = {
        "code": text_of(data.get("code")),
        **{f: text_of(data.get(f)) for f in NAME_FIELDS},
        "organization_id": organization_id(data.get("organization")),
        "category": text_or_none(data.get("category")),
        "status": data.get("status") or "active",
        "workstation": text_or_none(data.get("workstation")),
        **personal_values(data),  # birth date, IIN, consent, disability, health note
    }
    refusal = disqualification_refusal(current_status, values["status"])
    if refusal:  # disqualified only through a sanction (judging/sanctions.py)
        raise Invalid(refusal, field="status", code="status_disqualified")
    return values


def member_rows(members: list[dict]) -> list[dict]:
    """A team's members (members_from()) as the columns of their rows, in order."""
    return [{"position": position, **{f"name_{lang}": (member.get(lang) or "").strip()
                                      for lang in ("ru", "kk", "en")},
             "birth_date": member["birth_date"], "name_consent": member["name_consent"]}
            for position, member in enumerate(members)]


def _apply_competitor(skill: Skill, data: dict, existing: Competitor | None
                      ) -> tuple[Competitor, dict]:
    session = db.session
    values = competitor_values(data, existing.status if existing else None)
    taken = session.execute(
        sa.select(Competitor).where(Competitor.skill_id == skill.id,
                                    Competitor.code == values["code"])
    ).scalar_one_or_none()
    if taken is not None and taken is not existing:
        raise Invalid(_("The code “%(code)s” is already used by %(name)s in skill "
                        "%(skill)s; choose another code.", code=values["code"],
                        name=taken.name(), skill=skill.code),
                      field="code", code="code_taken")
    competitor = existing or Competitor(skill_id=skill.id, results_code=unique_results_code())
    changes = masked(audit.diff(competitor, list(COMPETITOR_FIELDS), values))
    if existing is None:
        session.add(competitor)
    members_changes = _set_members(competitor, members_from(data) if skill.is_team else [])
    if members_changes:
        changes["members"] = members_changes
    session.flush()
    return competitor, changes


MEMBER_FIELDS = ("birth_date", "name_consent")  # besides the names (member_fields.py)


def member_values(member: CompetitorMember) -> dict:
    """A member as members_from() gives one: the names, the birth date and the consent."""
    return {**member.names(), **{f: getattr(member, f) for f in MEMBER_FIELDS}}


def _audited(members: list[dict]) -> list[dict]:
    return [{key: value.isoformat() if isinstance(value, date) else value
             for key, value in member.items()} for member in members]


def _set_members(competitor: Competitor, members: list[dict]) -> list | None:
    """Update the team's members in place (their ids stay: certificates refer to them)."""
    old = [member_values(m) for m in competitor.members]
    if old == members:
        return None
    current = list(competitor.members)
    for values in member_rows(members):
        position = values["position"]
        if position < len(current):
            member = current[position]
        else:
            member = CompetitorMember(position=position)
            competitor.members.append(member)
        for key, value in values.items():
            setattr(member, key, value)
    for member in current[len(members):]:
        competitor.members.remove(member)
    return [_audited(old), _audited(members)]


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
    delete_audited(Competitor, competitor_id, competitor_delete_refusal, lambda competitor: (
        "competitor", f"{competitor.skill.code}/{competitor.code} {competitor.name()}",
        masked(audit.removal(competitor, COMPETITOR_FIELDS)),
        competitor.skill.championship_id))


def list_competitors(championship: Championship, q: str | None = None,
                     skill_id: int | None = None, organization_id: int | None = None,
                     category: str | None = None, status: str | None = None,
                     page: int = 1, per_page: int = 100) -> Page:
    query = (sa.select(Competitor).join(Skill)
             .where(Skill.championship_id == championship.id)
             .order_by(Skill.position, Skill.code, Competitor.code))
    query = search(query, q, Competitor.code, *(getattr(Competitor, f) for f in NAME_FIELDS))
    if skill_id:
        query = query.where(Competitor.skill_id == skill_id)
    if organization_id:
        query = query.where(Competitor.organization_id == organization_id)
    if category:
        query = query.where(Competitor.category == category)
    if status:
        query = query.where(Competitor.status == status)
    return paginate(query, page, per_page)


def competitor_form_data(competitor: Competitor) -> dict:
    """What CompetitorForm shows for a stored competitor."""
    members = [m.names() for m in competitor.members]
    return {
        "code": competitor.code, **{f: getattr(competitor, f) for f in NAME_FIELDS},
        "organization": competitor.organization.code if competitor.organization else "",
        "category": competitor.category or "", "status": competitor.status,
        "workstation": competitor.workstation or "",
        "birth_date": competitor.birth_date, "iin": competitor.iin or "",
        "name_consent": competitor.name_consent, "disability": competitor.disability or "",
        "health_note": competitor.health_note or "",
        **{f"members_{lang}": "\n".join(m[lang] for m in members if m[lang])
           for lang in ("ru", "kk", "en")},
        "members_birth_dates": [m.birth_date for m in competitor.members],
        "members_consent": [m.name_consent for m in competitor.members],
    }
