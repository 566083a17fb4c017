"""A skill's standings, computed by the rules engine from the database.

One implementation: the server builds the same `competition.skill/1` document that
`competition export skill` writes, and evaluates it with `competition.rules`, exactly as
`competition evaluate` does on the exported file. So an auditor's recomputation and the
server's standings cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from .. import rules
from ..extensions import db
from ..models import (
    Aspect,
    Competitor,
    Criterion,
    Expert,
    Mark,
    MarkRevision,
    Organization,
    Sanction,
    Skill,
)
from ..models.base import decimal_text  # noqa: F401  (the export's number format)
from ..models.scheme import SubCriterion
from ..vocabulary import SanctionKind


def penalties(skill: Skill, at: datetime | None = None) -> dict[str, Decimal]:
    """competitor code → the sum of its penalties in force (now, or at the moment `at`: decided
    by then and not withdrawn by then); competitors without one are left out."""
    query = (sa.select(Competitor.code, Sanction.points)
             .join(Competitor, Competitor.id == Sanction.competitor_id)
             .where(Competitor.skill_id == skill.id, Sanction.kind == "penalty"))
    if at is None:
        query = query.where(Sanction.withdrawn_at.is_(None))
    else:
        query = query.where(Sanction.at <= at, sa.or_(Sanction.withdrawn_at.is_(None),
                                                       Sanction.withdrawn_at > at))
    sums: dict[str, Decimal] = {}
    for code, points in db.session.execute(query):
        sums[code] = sums.get(code, Decimal(0)) + Decimal(points)
    return {code: total for code, total in sums.items() if total > 0}


@dataclass(frozen=True)
class SanctionNote:
    """A penalty or disqualification as the competitor reads it (no names of staff)."""

    kind: str
    points: str | None  # "1.50"
    reason: str
    at: datetime
    in_force: bool
    withdrawn_at: datetime | None
    withdrawn_reason: str | None

    @property
    def label(self) -> str:
        return SanctionKind.label_of(self.kind)


def sanctions_in_force(skill: Skill) -> list[tuple[str, str, SanctionNote]]:
    """(competitor code, name, sanction) of every sanction in force in the skill, by competitor
    code and time (the staff results sheet)."""
    rows = db.session.execute(
        sa.select(Competitor, Sanction).join(Competitor, Competitor.id == Sanction.competitor_id)
        .where(Competitor.skill_id == skill.id, Sanction.withdrawn_at.is_(None))
        .order_by(Competitor.code, Sanction.at, Sanction.id)).all()
    return [(c.code, c.name(), _note(s)) for c, s in rows]


def _note(s: Sanction) -> SanctionNote:
    return SanctionNote(s.kind, decimal_text(s.points) if s.points is not None else None,
                        s.reason, s.at, s.in_force, s.withdrawn_at, s.withdrawn_reason)


def competitor_sanctions(competitor_id: int) -> list[SanctionNote]:
    """A competitor's penalties and disqualifications, withdrawn ones too, oldest first (the
    participant's own page)."""
    return [_note(s) for s in db.session.execute(
                sa.select(Sanction).where(Sanction.competitor_id == competitor_id)
                .order_by(Sanction.at, Sanction.id)).scalars()]


def _marks_as_of(skill: Skill, version: int):
    """(aspect, type, competitor, judge, value) of every mark as it stood at skill `version`:
    the value of each mark's latest revision at or before it (withdrawn ones left out)."""
    latest = (
        sa.select(MarkRevision.mark_id, sa.func.max(MarkRevision.skill_version).label("at"))
        .join(Mark, Mark.id == MarkRevision.mark_id)
        .where(Mark.skill_id == skill.id, MarkRevision.skill_version <= version)
        .group_by(MarkRevision.mark_id)
        .subquery()
    )
    return (
        sa.select(Aspect.code, Mark.aspect_type, Competitor.code, Expert.code,
                  MarkRevision.new_value)
        .select_from(MarkRevision)
        .join(latest, sa.and_(latest.c.mark_id == MarkRevision.mark_id,
                              latest.c.at == MarkRevision.skill_version))
        .join(Mark, Mark.id == MarkRevision.mark_id)
        .join(Aspect, Aspect.id == Mark.aspect_id)
        .join(Competitor, Competitor.id == Mark.competitor_id)
        .outerjoin(Expert, Expert.id == Mark.judge_id)
        .where(MarkRevision.new_value.is_not(None))
        .order_by(Aspect.code, Competitor.code, Expert.code)
    )


def skill_document(skill: Skill, as_of: int | None = None,
                   sanctions_at: datetime | None = None) -> dict:
    """The skill's scheme, competitors, policy and marks (a skill file, docs/rules.md): the current
    marks, or those as they stood at skill version `as_of` (a frozen board). Each competitor
    carries its `penalty` (the penalties in force now, or at `sanctions_at`) when it has one;
    a disqualified competitor's status is `disqualified`."""
    championship = skill.championship
    criteria = []
    aspect_rows = db.session.execute(
        sa.select(Criterion.code, Criterion.name_en, Criterion.name_ru, Aspect)
        .join(SubCriterion, SubCriterion.criterion_id == Criterion.id)
        .join(Aspect, Aspect.sub_criterion_id == SubCriterion.id)
        .where(Criterion.skill_id == skill.id)
        .order_by(Criterion.position, SubCriterion.position, Aspect.position)
    ).all()
    by_criterion: dict[str, dict] = {}
    for code, name_en, name_ru, aspect in aspect_rows:
        entry = by_criterion.get(code)
        if entry is None:
            entry = {"code": code, "name": name_en or name_ru, "aspects": []}
            by_criterion[code] = entry
            criteria.append(entry)
        item = {"code": aspect.code, "type": aspect.type, "max": decimal_text(aspect.max)}
        if aspect.type == "M" and aspect.allowed_values:
            item["values"] = [decimal_text(Decimal(v)) for v in aspect.allowed_values]
        entry["aspects"].append(item)
    # Criteria without aspects still belong to the scheme.
    for criterion in skill.criteria:
        if criterion.code not in by_criterion:
            criteria.append({"code": criterion.code, "name": criterion.name("en"),
                             "aspects": []})

    penalty = penalties(skill, sanctions_at)
    competitors = [
        {"code": code, "name": name_en or name_ru or name_kk, "organization": organization,
         "category": category, "status": status}
        | ({"penalty": decimal_text(penalty[code])} if code in penalty else {})
        for code, name_en, name_ru, name_kk, organization, category, status in db.session.execute(
            sa.select(Competitor.code, Competitor.name_en, Competitor.name_ru,
                      Competitor.name_kk, Organization.code, Competitor.category,
                      Competitor.status)
            .outerjoin(Organization, Organization.id == Competitor.organization_id)
            .where(Competitor.skill_id == skill.id)
            .order_by(Competitor.code)
        )
    ]

    marks = []
    current = (
        sa.select(Aspect.code, Mark.aspect_type, Competitor.code, Expert.code, Mark.value)
        .join(Aspect, Aspect.id == Mark.aspect_id)
        .join(Competitor, Competitor.id == Mark.competitor_id)
        .outerjoin(Expert, Expert.id == Mark.judge_id)
        .where(Mark.skill_id == skill.id, Mark.value.is_not(None))
        .order_by(Aspect.code, Competitor.code, Expert.code)
    )
    query = current if as_of is None else _marks_as_of(skill, as_of)
    for aspect_code, aspect_type, competitor_code, judge_code, value in db.session.execute(query):
        if aspect_type == "J":
            marks.append({"aspect": aspect_code, "competitor": competitor_code,
                          "judge": judge_code, "value": int(value)})
        else:
            marks.append({"aspect": aspect_code, "competitor": competitor_code,
                          "value": decimal_text(value)})

    return {
        "format": rules.SKILL_FORMAT,
        "skill": {"code": skill.code, "name": skill.name("en")},
        "policy": championship.policy(),
        "criteria": criteria,
        "competitors": competitors,
        "marks": marks,
    }


def skill_standings(skill: Skill) -> rules.SkillResult:
    """The skill's results by the rules engine, from the same document the export writes."""
    return rules.evaluate_skill(rules.parse_skill(skill_document(skill)))


def progress_counts(marked: int, expected: int) -> dict:
    """A snapshot's `progress` (docs/api.md): marks with a value of those expected, and the
    whole percent marked (rounded down: 100 only once nothing is missing; 0 with nothing to
    mark)."""
    percent = min(100, marked * 100 // expected) if expected else 0
    return {"marked": marked, "expected": expected, "percent": percent}
