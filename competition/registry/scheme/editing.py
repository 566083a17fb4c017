"""Editing a marking scheme: criteria, sub-criteria and aspects created, edited, deleted, moved.

One write transaction per user action, each with its audit entry. A change is refused with the
reason, for the form field it is about (`error.field`): errors.Invalid when a rule of rules.py
breaks, errors.Conflict when a code is taken ("duplicate_code") or entered marks would be
invalidated ("marks_entered", protection.py); errors.NotFound when the part is gone.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from ... import audit
from ...config import LOCALES
from ...database import write_transaction
from ...errors import Conflict, Invalid
from ...extensions import db
from ...models import Aspect, Criterion, Skill, SubCriterion
from .protection import aspect_ids_of, check_aspect_change, refuse_delete_if_marked
from .reading import get_part, get_skill
from .rules import (
    AspectInput,
    CriterionInput,
    SubCriterionInput,
    _,
    aspect_fields,
    aspect_problems,
    criterion_problems,
    max_text,
    same_number,
    sub_criterion_problems,
)

# --- uniqueness --------------------------------------------------------------------------------

def _check_criterion_code(skill_id: int, code: str, own_id: int | None = None) -> None:
    other = db.session.execute(sa.select(Criterion.id).where(
        Criterion.skill_id == skill_id, Criterion.code == code, Criterion.id != (own_id or 0))
    ).first()
    if other:
        raise Conflict(_("This skill already has a criterion %(code)s; choose another code.",
                         code=code), code="duplicate_code", field="code")


def _check_sub_criterion_code(criterion_id: int, code: str, own_id: int | None = None) -> None:
    other = db.session.execute(sa.select(SubCriterion.id).where(
        SubCriterion.criterion_id == criterion_id, SubCriterion.code == code,
        SubCriterion.id != (own_id or 0))).first()
    if other:
        raise Conflict(_("This criterion already has a sub-criterion %(code)s; choose "
                         "another code.", code=code), code="duplicate_code", field="code")


def _check_aspect_code(skill_id: int, code: str, own_id: int | None = None) -> None:
    other = db.session.execute(sa.select(Aspect.id).where(
        Aspect.skill_id == skill_id, Aspect.code == code, Aspect.id != (own_id or 0))).first()
    if other:
        raise Conflict(_("This skill already has an aspect %(code)s; aspect codes are "
                         "unique in a skill.", code=code), code="duplicate_code", field="code")


def _raise_problems(problems: dict[str, str]) -> None:
    if problems:
        name, message = next(iter(problems.items()))
        raise Invalid(message, code="invalid_scheme_part", field=name)


# --- writes: one transaction and one audit entry per action ----------------------------------

def _record(action: str, entity: str, item, skill: Skill, summary: str, changes: dict) -> None:
    audit.record(action, entity, item.id, summary, changes, skill.championship_id)


def _next_position(items) -> int:
    return max((i.position for i in items), default=-1) + 1


def _names_fields(names: dict[str, str]) -> dict[str, str]:
    return {f"name_{locale}": (names.get(locale) or "").strip() for locale in LOCALES}


def _plain(value):
    """A value as JSON for the audit log (decimals as text, lists and dicts kept)."""
    if isinstance(value, Decimal):
        return max_text(value)
    return value


def _snapshot(item, fields: list[str]) -> dict:
    return {name: [_plain(getattr(item, name)), None] for name in fields}


CRITERION_FIELDS = ["code", "name_ru", "name_kk", "name_en"]
SUB_CRITERION_FIELDS = ["code", "name_ru", "name_kk", "name_en", "day"]
ASPECT_FIELDS = ["code", "type", "max", "allowed_values", "descriptors", "description_ru",
                 "description_kk", "description_en", "standards_section", "sub_criterion_id",
                 "kind", "kind_params"]


def create_criterion(skill_id: int, data: CriterionInput) -> Criterion:
    _raise_problems(criterion_problems(data))
    with write_transaction() as session:
        skill = get_skill(skill_id)
        _check_criterion_code(skill.id, data.code)
        criterion = Criterion(code=data.code, position=_next_position(skill.criteria))
        criterion.set_names(data.names)
        skill.criteria.append(criterion)
        session.flush()
        _record("create", "criterion", criterion, skill,
                f"{skill.code}: criterion {criterion.code} created",
                {name: [None, getattr(criterion, name)] for name in CRITERION_FIELDS})
    return criterion


def update_criterion(skill_id: int, criterion_id: int, data: CriterionInput) -> Criterion:
    _raise_problems(criterion_problems(data))
    with write_transaction():
        criterion = get_part("criterion", skill_id, criterion_id)
        _check_criterion_code(skill_id, data.code, criterion.id)
        changes = audit.diff(criterion, CRITERION_FIELDS,
                             {"code": data.code, **_names_fields(data.names)})
        if changes:
            _record("update", "criterion", criterion, criterion.skill,
                    f"{criterion.skill.code}: criterion {criterion.code} edited", changes)
    return criterion


def delete_criterion(skill_id: int, criterion_id: int) -> str:
    with write_transaction() as session:
        criterion = get_part("criterion", skill_id, criterion_id)
        aspect_ids = aspect_ids_of("criterion", criterion)
        refuse_delete_if_marked("criterion", criterion.code, aspect_ids)
        skill, code = criterion.skill, criterion.code
        changes = _snapshot(criterion, CRITERION_FIELDS)
        changes["sub_criteria"] = [len(criterion.sub_criteria), 0]
        changes["aspects"] = [len(aspect_ids), 0]
        _record("delete", "criterion", criterion, skill,
                f"{skill.code}: criterion {code} deleted", changes)
        skill.criteria.remove(criterion)
        session.flush()
    return code


def create_sub_criterion(skill_id: int, criterion_id: int,
                         data: SubCriterionInput) -> SubCriterion:
    _raise_problems(sub_criterion_problems(data))
    with write_transaction() as session:
        criterion = get_part("criterion", skill_id, criterion_id)
        _check_sub_criterion_code(criterion.id, data.code)
        sub = SubCriterion(code=data.code, day=data.day,
                           position=_next_position(criterion.sub_criteria))
        sub.set_names(data.names)
        criterion.sub_criteria.append(sub)
        session.flush()
        _record("create", "sub_criterion", sub, criterion.skill,
                f"{criterion.skill.code}: sub-criterion {sub.code} created in {criterion.code}",
                {name: [None, getattr(sub, name)] for name in SUB_CRITERION_FIELDS})
    return sub


def update_sub_criterion(skill_id: int, sub_id: int, data: SubCriterionInput) -> SubCriterion:
    _raise_problems(sub_criterion_problems(data))
    with write_transaction():
        sub = get_part("sub_criterion", skill_id, sub_id)
        _check_sub_criterion_code(sub.criterion_id, data.code, sub.id)
        changes = audit.diff(sub, SUB_CRITERION_FIELDS,
                             {"code": data.code, "day": data.day, **_names_fields(data.names)})
        if changes:
            skill = sub.criterion.skill
            _record("update", "sub_criterion", sub, skill,
                    f"{skill.code}: sub-criterion {sub.code} edited", changes)
    return sub


def delete_sub_criterion(skill_id: int, sub_id: int) -> str:
    with write_transaction() as session:
        sub = get_part("sub_criterion", skill_id, sub_id)
        refuse_delete_if_marked("sub_criterion", sub.code, aspect_ids_of("sub_criterion", sub))
        criterion = sub.criterion
        skill, code = criterion.skill, sub.code
        changes = _snapshot(sub, SUB_CRITERION_FIELDS)
        changes["aspects"] = [len(sub.aspects), 0]
        _record("delete", "sub_criterion", sub, skill,
                f"{skill.code}: sub-criterion {code} deleted from {criterion.code}", changes)
        criterion.sub_criteria.remove(sub)
        session.flush()
    return code


def create_aspect(skill_id: int, sub_id: int, data: AspectInput) -> Aspect:
    _raise_problems(aspect_problems(data))
    with write_transaction() as session:
        sub = get_part("sub_criterion", skill_id, data.sub_criterion_id or sub_id)
        skill = sub.criterion.skill
        _check_aspect_code(skill.id, data.code)
        aspect = Aspect(skill_id=skill.id, position=_next_position(sub.aspects),
                        **aspect_fields(data))
        sub.aspects.append(aspect)
        session.flush()
        changes = {name: [None, _plain(getattr(aspect, name))] for name in ASPECT_FIELDS}
        _record("create", "aspect", aspect, skill,
                f"{skill.code}: aspect {aspect.code} created in {sub.code}", changes)
    return aspect


def update_aspect(skill_id: int, aspect_id: int, data: AspectInput) -> Aspect:
    _raise_problems(aspect_problems(data))
    with write_transaction() as session:
        aspect = get_part("aspect", skill_id, aspect_id)
        _check_aspect_code(skill_id, data.code, aspect.id)
        check_aspect_change(aspect, data)
        new_values = aspect_fields(data)
        if aspect.max is not None and same_number(aspect.max, data.max):
            new_values["max"] = aspect.max  # 1.5 and 1.5000 are one maximum
        old_sub = target_sub = aspect.sub_criterion
        if data.sub_criterion_id and data.sub_criterion_id != aspect.sub_criterion_id:
            target_sub = get_part("sub_criterion", skill_id, data.sub_criterion_id)
        changes = audit.diff(aspect, [f for f in ASPECT_FIELDS if f != "sub_criterion_id"],
                             new_values)
        if target_sub is not old_sub:
            # to the end of the other sub-criterion; the relationship updates both lists
            aspect.position = _next_position(target_sub.aspects)
            aspect.sub_criterion = target_sub
            changes["sub_criterion_id"] = [old_sub.code, target_sub.code]
        if changes:
            session.flush()
            skill = target_sub.criterion.skill
            _record("update", "aspect", aspect, skill,
                    f"{skill.code}: aspect {aspect.code} edited", changes)
    return aspect


def delete_aspect(skill_id: int, aspect_id: int) -> str:
    with write_transaction() as session:
        aspect = get_part("aspect", skill_id, aspect_id)
        refuse_delete_if_marked("aspect", aspect.code, [aspect.id])
        sub = aspect.sub_criterion
        skill, code = aspect.skill, aspect.code
        _record("delete", "aspect", aspect, skill,
                f"{skill.code}: aspect {code} deleted from {sub.code}",
                _snapshot(aspect, ASPECT_FIELDS))
        sub.aspects.remove(aspect)
        session.flush()
    return code


def delete(kind: str, skill_id: int, item_id: int) -> str:
    """Delete a criterion, sub-criterion or aspect (refused if it has marks); returns its code."""
    return {"criterion": delete_criterion, "sub_criterion": delete_sub_criterion,
            "aspect": delete_aspect}[kind](skill_id, item_id)


def move(kind: str, skill_id: int, item_id: int, direction: str) -> tuple[str, bool]:
    """Move a part one place up or down among its siblings; returns (code, moved?)."""
    if direction not in ("up", "down"):
        raise Invalid(_("Move up or down."), code="invalid_direction")
    with write_transaction():
        item = get_part(kind, skill_id, item_id)
        parent = {"criterion": lambda: item.skill.criteria,
                  "sub_criterion": lambda: item.criterion.sub_criteria,
                  "aspect": lambda: item.sub_criterion.aspects}[kind]()
        siblings = sorted(parent, key=lambda s: (s.position, s.id))
        index = siblings.index(item)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(siblings):
            return item.code, False
        old_position = item.position
        siblings[index], siblings[other] = siblings[other], siblings[index]
        for position, sibling in enumerate(siblings):
            sibling.position = position
        skill = item.skill if kind != "sub_criterion" else item.criterion.skill
        _record("move", kind, item, skill,
                f"{skill.code}: {kind.replace('_', '-')} {item.code} moved {direction}",
                {"position": [old_position, item.position]})
        return item.code, True
