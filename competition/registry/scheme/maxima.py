"""The editor's table of maxima: several aspects' maxima changed at once, all or nothing."""

from __future__ import annotations

from decimal import Decimal

from ... import audit
from ...database import write_transaction
from ...errors import Conflict, NotFound
from ...models import Aspect
from .protection import check_aspect_change
from .reading import aspect_input, get_skill
from .rules import allowed_for_kind, aspect_problems, max_text, same_number


class MaximaRefused(Conflict):
    """Some maxima of a bulk edit were refused: `errors` maps aspect id -> message. Nothing was
    saved."""

    default_code = "maxima_refused"

    def __init__(self, errors: dict[int, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def set_maxima(skill_id: int, maxima: dict[int, Decimal]) -> list[str]:
    """Change several maxima at once (the editor's table); all or nothing.

    Returns the codes of the aspects whose maximum changed; MaximaRefused lists every refusal.
    """
    with write_transaction() as session:
        skill = get_skill(skill_id)
        aspects = {a.id: a for c in skill.criteria for sub in c.sub_criteria for a in sub.aspects}
        errors: dict[int, str] = {}
        changed: list[tuple[Aspect, Decimal]] = []
        for aspect_id, new_max in maxima.items():
            aspect = aspects.get(aspect_id)
            if aspect is None:
                raise NotFound(code="unknown_scheme_part")
            if same_number(aspect.max, new_max):
                continue
            data = aspect_input(aspect)
            data.max = new_max
            problems = aspect_problems(data)
            # a kind's settings may not fit the new maximum (a level above it, a step…)
            found = [problems[key] for key in ("max", "values", "kind", "step", "floor",
                                               "levels_ru") if key in problems]
            if found:
                errors[aspect_id] = found[0]
                continue
            try:
                check_aspect_change(aspect, data)
            except Conflict as error:
                errors[aspect_id] = error.message
                continue
            changed.append((aspect, new_max))
        if errors:
            raise MaximaRefused(errors)
        for aspect, new_max in changed:
            old = aspect.max
            aspect.max = new_max
            changes = {"max": [max_text(old), max_text(new_max)]}
            if aspect.type == "M" and (aspect.kind or "marks") != "marks":
                # the allowed marks follow from the kind and its maximum (rules.allowed_for_kind)
                values = [str(v) for v in allowed_for_kind(aspect.kind, new_max,
                                                            aspect.kind_params)]
                changes["allowed_values"] = [aspect.allowed_values, values]
                aspect.allowed_values = values
            session.flush()
            audit.record("update", "aspect", aspect.id,
                         f"{skill.code}: maximum of aspect {aspect.code} changed",
                         changes, skill.championship_id)
        return [aspect.code for aspect, _ in changed]
