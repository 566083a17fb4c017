"""A parsed scheme (parsing.py) made into the skill's rows: the import's apply step and the
demo's CIS scheme (cis.py) share it."""

from __future__ import annotations

from ...models import Aspect, Criterion, Skill, SubCriterion
from . import rules
from .parsing import ParsedCriterion


def add_criteria(skill: Skill, criteria: list[ParsedCriterion]) -> None:
    """The parsed criteria → sub-criteria → aspects added to the skill, in file order (the
    import's apply step, and the demo's CIS scheme)."""
    for c_position, item in enumerate(criteria):
        criterion = Criterion(code=item.code, position=c_position)
        criterion.set_names(item.names)
        skill.criteria.append(criterion)
        for s_position, sub_item in enumerate(item.subs.values()):
            sub = SubCriterion(code=sub_item.code, day=sub_item.day, position=s_position)
            sub.set_names(sub_item.names)
            criterion.sub_criteria.append(sub)
            for a_position, (_row, data) in enumerate(sub_item.aspects):
                aspect = Aspect(position=a_position, **rules.aspect_fields(data))
                aspect.skill = skill
                sub.aspects.append(aspect)
