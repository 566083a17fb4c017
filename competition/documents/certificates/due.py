"""What is due: one certificate per slot (a competitor's or team member's result or
participation in a skill, an expert's work in a skill, an award's recipient), with the details
it shows. Only skills whose results are published give skill certificates.

`make_scope` checks what an organizer asked for (errors.Invalid, errors.Conflict when the
skill's results are not published); `Scope.due()` lists what is due in it, in print order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ...errors import Conflict, Invalid
from ...extensions import db
from ...models import Award, Championship, Competitor, Document, Expert, ExpertRole, Skill
from .kinds import GROUPS, MEDAL_KINDS


@dataclass
class Due:
    """One certificate that is due: its slot, kind and the details it shows."""

    kind: str
    slot: tuple
    details: dict
    skill_id: int | None = None
    competitor_id: int | None = None
    member_id: int | None = None
    expert_id: int | None = None
    award_id: int | None = None
    sort: tuple = ()


def make_slot(kind: str, skill_id, competitor_id, member_id, expert_id, award_id) -> tuple:
    """The slot a certificate fills: a re-issue replaces the one in the same slot."""
    group = "medals" if kind in MEDAL_KINDS else kind
    return (group, skill_id, competitor_id, member_id, expert_id, award_id)


def _names(thing) -> dict[str, str]:
    return thing.names() if thing is not None else {"ru": "", "kk": "", "en": ""}


def _published_results(skill: Skill) -> dict[str, tuple]:
    """competitor code -> (rank, medal, category) of a published skill."""
    from ...standings import skill_standings

    found = {}
    for group in skill_standings(skill).groups:
        for result in group.results:
            found[result.competitor] = (result.rank, result.medal, result.category)
    return found


def _skill_details(skill: Skill) -> dict:
    return {"code": skill.code, "name": skill.names()}


def _people(competitor: Competitor) -> list[tuple[int | None, dict[str, str]]]:
    """(member id, names) of everyone a team's certificate goes to (each member their own);
    a competitor without members is one person (or a team known by its name only)."""
    if competitor.members:
        return [(m.id, m.names()) for m in competitor.members]
    return [(None, competitor.names())]


def due_for_skill(skill: Skill, groups: Iterable[str]) -> list[Due]:
    groups = set(groups)
    due: list[Due] = []
    if skill.visibility != "published":
        return due
    championship = {"code": skill.championship.code, "name": skill.championship.names()}
    base = {"championship": championship, "skill": _skill_details(skill)}
    if skill.under_appeal:  # not final for medals: none printed (docs/appeals.md)
        groups.discard("medals")
    if groups & {"medals", "participation"}:
        results = _published_results(skill) if "medals" in groups else {}
        for competitor in skill.competitors:
            if competitor.status != "active" or competitor.erased_at is not None:
                continue  # an erased person's certificates are withdrawn (docs/people.md)
            rank, medal, category = results.get(competitor.code, (None, None, None))
            for member_id, names in _people(competitor):
                person = {**base, "recipient": names,
                          "organization": _names(competitor.organization),
                          "competitor": competitor.code, "category": competitor.category}
                kinds = []
                if "medals" in groups and medal:
                    kinds.append((medal, {"rank": rank, "medal": medal}))
                if "participation" in groups:
                    kinds.append(("participation", {}))
                for kind, extra in kinds:
                    due.append(Due(kind, make_slot(kind, skill.id, competitor.id, member_id,
                                                   None, None),
                                   {**person, **extra, "kind": kind}, skill.id, competitor.id,
                                   member_id,
                                   sort=(skill.position, skill.code, MEDAL_KINDS.index(kind)
                                         if kind in MEDAL_KINDS else 9, competitor.code,
                                         member_id or 0)))
    if "expert" in groups:
        roles = db.session.execute(
            sa.select(ExpertRole).where(ExpertRole.skill_id == skill.id)
            .options(selectinload(ExpertRole.expert).selectinload(Expert.organization))
        ).scalars().all()
        for role in sorted(roles, key=lambda r: r.expert.code):
            expert = role.expert
            if expert.erased_at is not None:
                continue
            details = {**base, "kind": "expert", "recipient": expert.names(),
                       "organization": _names(expert.organization), "role": role.role,
                       "expert": expert.code}
            due.append(Due("expert", make_slot("expert", skill.id, None, None, expert.id, None),
                           details, skill.id, expert_id=expert.id,
                           sort=(skill.position, skill.code, 10, expert.code, 0)))
    return due


def due_for_awards(championship: Championship) -> list[Due]:
    awards = db.session.execute(
        sa.select(Award).where(Award.championship_id == championship.id)
        .options(selectinload(Award.organization)).order_by(Award.position, Award.id)
    ).scalars().all()
    due = []
    for number, award in enumerate(awards):
        if award.recipient_kind == "organization" and award.organization is not None:
            recipient = award.organization.names()
            organization = {"ru": "", "kk": "", "en": ""}
        else:
            recipient = {"ru": award.recipient_ru, "kk": award.recipient_kk,
                         "en": award.recipient_en}
            organization = _names(award.organization)
        details = {"kind": "award",
                   "championship": {"code": championship.code, "name": championship.names()},
                   "nomination": award.names(), "recipient": recipient,
                   "organization": organization}
        due.append(Due("award", make_slot("award", None, None, None, None, award.id), details,
                       award_id=award.id, sort=(10**6, "", 0, f"{number:06d}", 0)))
    return due


@dataclass
class Scope:
    championship: Championship
    skill: Skill | None
    groups: tuple[str, ...]

    @property
    def skills(self) -> list[Skill]:
        return [self.skill] if self.skill is not None else list(self.championship.skills)

    def due(self) -> list[Due]:
        due: list[Due] = []
        for skill in self.skills:
            due += due_for_skill(skill, self.groups)
        if "award" in self.groups and self.skill is None:
            due += due_for_awards(self.championship)
        due.sort(key=lambda d: d.sort)
        return due

    def covers(self, document: Document) -> bool:
        """Whether the document's slot is one this scope decides about."""
        group = "medals" if document.kind in MEDAL_KINDS else document.kind
        if group not in self.groups:
            return False
        if group == "award":
            return self.skill is None
        if self.skill is not None:
            skill = self.skill if document.skill_id == self.skill.id else None
        else:
            skill = next((s for s in self.skills if s.id == document.skill_id
                          and s.visibility == "published"), None)
        # The medal certificates of a skill under appeal wait for the decision: untouched.
        return skill is not None and not (group == "medals" and skill.under_appeal)


def make_scope(championship: Championship, skill: Skill | None,
               groups: Iterable[str]) -> Scope:
    groups = tuple(g for g in GROUPS if g in set(groups))
    if not groups:
        raise Invalid(str(_l("Choose at least one kind of certificate.")), code="no_kinds",
                      field="groups")
    if skill is not None and skill.championship_id != championship.id:
        raise Invalid(str(_l("The skill is not one of this championship's.")),
                      code="unknown_skill", field="skill")
    scope = Scope(championship, skill, groups)
    if skill is not None and skill.visibility != "published" and set(groups) - {"award"}:
        raise Conflict(str(_l(
            "The results of %(skill)s are not published yet: certificates are printed only "
            "for published results. Publish them on the skill's board first.",
            skill=skill.code + " " + skill.name())), code="not_published", field="skill")
    if skill is not None and "medals" in groups and skill.under_appeal:
        raise Conflict(str(_l(
            "An appeal against the results of %(skill)s is open: medal certificates are "
            "printed once the appeal commission has decided it. Choose the other kinds, or "
            "print later.", skill=skill.code + " " + skill.name())), code="under_appeal",
            field="skill")
    return scope
