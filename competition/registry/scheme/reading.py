"""Reading a marking scheme: a skill and the parts of its scheme, their sums, the marks entered.

`get_skill` and `get_part` raise errors.NotFound (a part deleted meanwhile, another skill's
part): no view catches it, the app answers with its 404 page.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from ...errors import NotFound
from ...extensions import db
from ...models import Aspect, Championship, Criterion, Mark, Skill, SubCriterion
from .rules import CENT, HUNDRED, AspectInput


def get_skill(skill_id: int) -> Skill:
    skill = db.session.get(Skill, skill_id)
    if skill is None:
        raise NotFound(code="unknown_skill")
    return skill


def get_part(kind: str, skill_id: int, item_id: int):
    """A criterion, sub-criterion or aspect of the skill (NotFound if it belongs elsewhere)."""
    model = {"criterion": Criterion, "sub_criterion": SubCriterion, "aspect": Aspect}[kind]
    item = db.session.get(model, item_id)
    if item is None or _skill_id_of(item) != skill_id:
        raise NotFound(code="unknown_scheme_part")
    return item


def _skill_id_of(item) -> int:
    if isinstance(item, SubCriterion):
        return item.criterion.skill_id
    return item.skill_id


@dataclass
class SchemeSums:
    criteria: dict[int, Decimal]
    sub_criteria: dict[int, Decimal]
    total: Decimal

    @property
    def is_hundred(self) -> bool:
        return self.total == HUNDRED


def sums(skill: Skill) -> SchemeSums:
    criteria: dict[int, Decimal] = {}
    subs: dict[int, Decimal] = {}
    for criterion in skill.criteria:
        criteria[criterion.id] = Decimal(0)
        for sub in criterion.sub_criteria:
            subs[sub.id] = sum((Decimal(a.max) for a in sub.aspects), Decimal(0))
            criteria[criterion.id] += subs[sub.id]
    return SchemeSums(criteria, subs, sum(criteria.values(), Decimal(0)))


def mark_counts(skill_id: int) -> dict[int, int]:
    """Aspect id -> how many marks have been entered for it."""
    return dict(db.session.execute(
        sa.select(Mark.aspect_id, sa.func.count()).where(Mark.skill_id == skill_id)
        .group_by(Mark.aspect_id)).all())


def marks_exist(skill_id: int) -> bool:
    return db.session.execute(
        sa.select(Mark.id).where(Mark.skill_id == skill_id).limit(1)).first() is not None


def skills_overview() -> list[tuple[Skill, SchemeSums, int]]:
    """Every skill with its sums and aspect count, by championship then position."""
    skills = db.session.execute(
        sa.select(Skill).join(Championship).order_by(Championship.code, Skill.position,
                                                     Skill.code)).scalars().all()
    result = []
    for skill in skills:
        count = sum(len(sub.aspects) for c in skill.criteria for sub in c.sub_criteria)
        result.append((skill, sums(skill), count))
    return result


def aspect_input(aspect: Aspect) -> AspectInput:
    """An aspect as the editor's input (the form's initial values, a base for partial edits)."""
    return AspectInput(
        code=aspect.code, type=aspect.type, max=Decimal(aspect.max).quantize(CENT),
        # a kind other than "marks" derives its values from kind_params (rules.allowed_for_kind)
        values=([Decimal(v) for v in aspect.allowed_values]
                if aspect.allowed_values and (aspect.kind or "marks") == "marks" else None),
        description={"ru": aspect.description_ru, "kk": aspect.description_kk,
                     "en": aspect.description_en},
        descriptors=[dict(d) for d in aspect.descriptors] if aspect.descriptors else None,
        standards_section=aspect.standards_section or "",
        sub_criterion_id=aspect.sub_criterion_id,
        kind=aspect.kind or "marks",
        kind_params=copy.deepcopy(aspect.kind_params) if aspect.kind_params else None,
    )
