"""Aspect kinds: how an expert enters a measurement (M) aspect's mark (docs/scheme.md).

"marks" (a list of allowed marks; every judgement aspect), "deduction" (the count of errors:
max − count × step, never below the floor), "discrete" (labelled levels), "binary" (yes/no).
Each stays an M mark with a set of allowed values (docs/rules.md is unchanged): the values are
derived here and stored in Aspect.allowed_values. The rules they obey are in rules.py
(kind_problems); this module is pure and imports nothing of the scheme's other modules.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ...config import LOCALES

CENT = Decimal("0.01")
MAX_DERIVED = 1000  # a deduction giving more possible marks than this is refused


def max_text(value) -> str:
    return "" if value is None else str(Decimal(value).quantize(CENT))


def _number(value) -> Decimal | None:
    """A kind parameter as a Decimal (None when missing or not a number)."""
    if value is None or str(value).strip() == "":
        return None
    try:
        return Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        return None


def allowed_for_kind(kind: str, max, params: dict | None) -> list[Decimal]:
    """The marks an M aspect of `kind` allows, ascending (2 decimal places): deduction
    {max − k·step for k = 0, 1, … while ≥ floor} ∪ {floor}; discrete the levels' values;
    binary and marks (without a list) 0 and max. Assumes valid parameters (kind_problems)."""
    params = params or {}
    top = Decimal(str(max)).quantize(CENT)
    if kind == "deduction":
        step = _number(params.get("step"))
        floor = _number(params.get("floor")) or Decimal(0)
        if step is None or step <= 0:
            raise ValueError("a deduction needs a step above 0")
        values = {floor.quantize(CENT)}
        mark, count = top, 0
        while mark >= floor and count <= MAX_DERIVED:
            values.add(mark.quantize(CENT))
            mark -= step
            count += 1
        return sorted(values)
    if kind == "discrete":
        return sorted({_number(level.get("value")).quantize(CENT)
                       for level in params.get("levels") or []})
    return [Decimal("0.00"), top]


def kind_params_stored(data) -> dict | None:
    """The kind's parameters as stored: decimal strings with 2 places, levels ascending."""
    kind = data.kind or "marks"
    params = data.kind_params or {}
    if data.type != "M" or kind == "deduction" and not params:
        return None
    if kind == "deduction":
        return {"step": max_text(_number(params.get("step"))),
                "floor": max_text(_number(params.get("floor")) or Decimal(0))}
    if kind == "discrete":
        levels = [{"value": max_text(_number(level.get("value"))),
                   "label": {locale: ((level.get("label") or {}).get(locale) or "").strip()
                             for locale in LOCALES}}
                  for level in params.get("levels") or []]
        return {"levels": sorted(levels, key=lambda level: Decimal(level["value"]))}
    return None
