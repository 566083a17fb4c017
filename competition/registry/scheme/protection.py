"""Marks entered: what may no longer change in a scheme (the one place these checks live).

Once marks exist, a change that would invalidate them is refused with the reason
(errors.Conflict, code "marks_entered"): deleting a part that has marks, changing an aspect's
type, a maximum or list of allowed values that leaves an entered measurement mark outside the
allowed set, moving a marked aspect to another sub-criterion, replacing the whole scheme by an
import. Descriptions, descriptors, the standards section, order and other maxima stay editable.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from ...errors import Conflict
from ...extensions import db
from ...models import Aspect, Mark, Skill
from .reading import get_part
from .rules import AspectInput, _, allowed_for_kind, max_text

MARKS_ENTERED = "marks_entered"


def _count_marks(aspect_ids: list[int]) -> int:
    if not aspect_ids:
        return 0
    return db.session.execute(
        sa.select(sa.func.count()).select_from(Mark).where(Mark.aspect_id.in_(aspect_ids))
    ).scalar_one()


def _used_values(aspect_id: int) -> list[Decimal]:
    """The distinct measurement marks entered for an aspect (withdrawn marks excluded)."""
    values = db.session.execute(
        sa.select(Mark.value).where(Mark.aspect_id == aspect_id, Mark.value.is_not(None))
        .distinct()).scalars().all()
    return sorted({Decimal(v) for v in values})


def refuse_delete_if_marked(kind: str, code: str, aspect_ids: list[int]) -> None:
    count = _count_marks(aspect_ids)
    if not count:
        return
    what = {"criterion": _("Criterion %(code)s", code=code),
            "sub_criterion": _("Sub-criterion %(code)s", code=code),
            "aspect": _("Aspect %(code)s", code=code)}[kind]
    raise Conflict(_(
        "%(what)s cannot be deleted: %(count)s marks have been entered for it, and deleting it "
        "would delete them. Marks are never deleted; you can still edit its texts.",
        what=what, count=count), code=MARKS_ENTERED)


def check_aspect_change(aspect: Aspect, data: AspectInput) -> None:
    """Refuse an edit of `aspect` that would invalidate its entered marks (errors.Conflict)."""
    if not _count_marks([aspect.id]):
        return
    if data.type != aspect.type:
        raise Conflict(_(
            "The type cannot change: marks have been entered for %(code)s as %(type)s. "
            "Keep the type, or add a new aspect of the other type.",
            code=aspect.code, type=aspect.type), code=MARKS_ENTERED, field="type")
    if data.sub_criterion_id is not None and data.sub_criterion_id != aspect.sub_criterion_id:
        raise Conflict(_(
            "%(code)s cannot move to another sub-criterion: its marks were entered (and may be "
            "signed off) under its current sub-criterion.", code=aspect.code),
            code=MARKS_ENTERED, field="sub_criterion_id")
    if aspect.type != "M":
        return  # judgement marks are scores 0-3 whatever the maximum
    used = _used_values(aspect.id)
    if not used or data.max is None:
        return
    highest = max(used)
    if data.max < highest:
        raise Conflict(_(
            "The maximum cannot be below %(mark)s: a mark of %(mark)s has been entered for "
            "%(code)s.", mark=max_text(highest), code=aspect.code), code=MARKS_ENTERED,
            field="max")
    kind = data.kind or "marks"
    if kind != "marks":
        allowed = set(allowed_for_kind(kind, data.max, data.kind_params))
    else:
        allowed = set(data.values) if data.values else {Decimal(0), data.max}
    outside = [v for v in used if not any(v == a for a in allowed)]
    if outside and kind != "marks":
        field = {"deduction": "step", "discrete": "levels_ru"}.get(kind, "kind")
        raise Conflict(_(
            "Marks of %(marks)s have been entered for %(code)s: its kind and its settings "
            "must keep them allowed.", marks="; ".join(max_text(v) for v in outside),
            code=aspect.code), code=MARKS_ENTERED, field=field)
    if outside:
        marks = "; ".join(max_text(v) for v in outside)
        if data.values:
            raise Conflict(_(
                "The allowed marks must keep %(marks)s: marks of that value have been entered "
                "for %(code)s.", marks=marks, code=aspect.code), code=MARKS_ENTERED,
                field="values")
        raise Conflict(_(
            "Without a list of allowed marks only 0 and the maximum (%(max)s) are allowed, but "
            "marks of %(marks)s have been entered for %(code)s. List the allowed marks "
            "including %(marks)s.", max=max_text(data.max), marks=marks, code=aspect.code),
            code=MARKS_ENTERED, field="values")


def refuse_replace_if_marked(skill: Skill) -> None:
    """A whole scheme is replaced (import) only while no mark has been entered for the skill."""
    count = db.session.execute(
        sa.select(sa.func.count()).select_from(Mark).where(Mark.skill_id == skill.id)
    ).scalar_one()
    if count:
        raise Conflict(_(
            "The marking scheme of %(skill)s cannot be replaced: %(count)s marks have been "
            "entered for it. Edit the scheme in the editor instead; changes that keep the "
            "entered marks valid are allowed there.", skill=skill.code, count=count),
            code=MARKS_ENTERED)


def aspect_ids_of(kind: str, item) -> list[int]:
    if kind == "criterion":
        return [a.id for sub in item.sub_criteria for a in sub.aspects]
    if kind == "sub_criterion":
        return [a.id for a in item.aspects]
    return [item.id]


def delete_refusal(kind: str, skill_id: int, item_id: int) -> str | None:
    """Why the part cannot be deleted, or None (shown before the organizer confirms)."""
    item = get_part(kind, skill_id, item_id)
    try:
        refuse_delete_if_marked(kind, item.code, aspect_ids_of(kind, item))
    except Conflict as error:
        return error.message
    return None
