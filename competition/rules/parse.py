"""A skill file (docs/rules.md, "The exported file"), already decoded from JSON → SkillInput.

Checks shapes and types and names the entry at fault. The rules that relate entries to one
another (duplicate codes, marks against the scheme) are checked by `evaluate_skill`."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from .errors import RulesInputError, quote
from .exact import to_number, to_scheme_decimal, to_whole
from .model import (
    MEDALS,
    SKILL_FORMAT,
    Aspect,
    Competitor,
    Criterion,
    Mark,
    MedalMinField,
    Policy,
    SkillInput,
)

_POLICY_KEYS = ("scale", "judges_per_aspect", "tie_margin", "medallion_threshold",
                "medal_min_field")


def loads(text: str | bytes) -> Any:
    """Decode a skill file's JSON exactly: numbers as int or Decimal, never float; NaN and
    Infinity refused; a key given twice in one object refused."""
    return json.loads(
        text,
        parse_float=Decimal,
        parse_constant=_refuse_constant,
        object_pairs_hook=_unique_keys,
    )


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"key {quote(key)} appears twice in one object")
            seen.add(key)
    return result


def parse_skill(data: Any) -> SkillInput:
    """The decoded JSON of one skill file → SkillInput, or RulesInputError."""
    if not isinstance(data, dict):
        raise RulesInputError("a skill file holds one JSON object")
    if "format" not in data:
        raise RulesInputError(f'"format" is missing (expected {quote(SKILL_FORMAT)})')
    if data["format"] != SKILL_FORMAT:
        raise RulesInputError(
            f"format {quote(data['format'])} is not {quote(SKILL_FORMAT)}"
        )
    skill = _object(data.get("skill"), "skill")
    code = _code(skill, "skill")
    name = _name(skill)
    policy = parse_policy(data.get("policy"))
    criteria = tuple(
        _criterion(c, f"criteria[{i}]") for i, c in enumerate(_list(data, "criteria", ""))
    )
    competitors = tuple(
        _competitor(c, f"competitors[{i}]")
        for i, c in enumerate(_list(data, "competitors", ""))
    )
    marks = _marks(_list(data, "marks", ""))
    return SkillInput(code, name, policy, criteria, competitors, marks)


def parse_policy(data: Any) -> Policy:
    """The `policy` object; None or {} gives the defaults."""
    if data is None:
        return Policy()
    policy = _object(data, "policy")
    for key in policy:
        if key not in _POLICY_KEYS:
            raise RulesInputError(
                f"policy: unknown key {quote(key)} (known: {', '.join(_POLICY_KEYS)})"
            )
    kwargs: dict[str, Any] = {}
    try:
        if policy.get("scale") is not None:
            kwargs["scale"] = policy["scale"]
        for key, read in (("judges_per_aspect", to_whole), ("tie_margin", to_scheme_decimal),
                          ("medallion_threshold", to_scheme_decimal)):
            if policy.get(key) is not None:
                try:
                    kwargs[key] = read(policy[key])
                except RulesInputError as error:
                    raise error.within(key) from None
        if policy.get("medal_min_field") is not None:
            kwargs["medal_min_field"] = _medal_min_field(policy["medal_min_field"])
        return Policy(**kwargs)
    except RulesInputError as error:
        raise error.within("policy") from None


def _medal_min_field(data: Any) -> MedalMinField:
    field = _object(data, "medal_min_field")
    counts: dict[str, int] = {}
    for key, value in field.items():
        if key not in MEDALS:
            raise RulesInputError(
                f"medal_min_field: unknown medal {quote(key)} (gold, silver, bronze)"
            )
        try:
            counts[key] = to_whole(value)
        except RulesInputError as error:
            raise error.within(f"medal_min_field.{key}") from None
    try:
        return MedalMinField(**counts)
    except RulesInputError as error:
        raise error.within("medal_min_field") from None


def _criterion(data: Any, where: str) -> Criterion:
    criterion = _object(data, where)
    code = _code(criterion, where)
    aspects = tuple(
        _aspect(a, f"{where}.aspects[{i}]")
        for i, a in enumerate(_list(criterion, "aspects", where))
    )
    return Criterion(code, _name(criterion), aspects)


def _aspect(data: Any, where: str) -> Aspect:
    aspect = _object(data, where)
    code = _code(aspect, where)
    where = f"{where} {quote(code)}"
    if "type" not in aspect:
        raise RulesInputError(f'{where}: "type" is missing ("M" or "J")')
    if "max" not in aspect:
        raise RulesInputError(f'{where}: "max" is missing')
    try:
        maximum = _scheme_number(aspect["max"], "max")
        values = None
        if aspect.get("values") is not None:
            raw = aspect["values"]
            if not isinstance(raw, list):
                raise RulesInputError("values: must be a list of numbers")
            values = tuple(_scheme_number(v, f"values[{i}]") for i, v in enumerate(raw))
        return Aspect(code, aspect["type"], maximum, values)
    except RulesInputError as error:
        raise error.within(where) from None


def _competitor(data: Any, where: str) -> Competitor:
    competitor = _object(data, where)
    code = _code(competitor, where)
    where = f"{where} {quote(code)}"
    organization = competitor.get("organization")
    if organization is not None and not isinstance(organization, str):
        raise RulesInputError(f"{where}: organization: must be a code (a string) or null")
    category = competitor.get("category")
    if category is not None and not isinstance(category, str):
        raise RulesInputError(f"{where}: category: must be a string or null")
    status = competitor.get("status")
    try:
        penalty = competitor.get("penalty")
        return Competitor(
            code, _name(competitor), organization, category,
            "active" if status is None else status,
            Decimal(0) if penalty is None else _scheme_number(penalty, "penalty"),
        )
    except RulesInputError as error:
        raise error.within(where) from None


def _marks(raw: list[Any]) -> tuple[Mark, ...]:
    marks = []
    append = marks.append
    make = tuple.__new__  # Mark(...) runs Python code; a skill has tens of thousands of marks
    numbers: dict[str, int | Decimal] = {}  # the same few values recur: read each text once
    for i, mark in enumerate(raw):
        if type(mark) is not dict:
            raise RulesInputError(f"marks[{i}]: must be an object")
        try:
            aspect = mark["aspect"]
            competitor = mark["competitor"]
            value = mark["value"]
        except KeyError as missing:
            raise RulesInputError(f"marks[{i}]: {quote(missing.args[0])} is missing") from None
        judge = mark.get("judge")
        if type(aspect) is not str or type(competitor) is not str or (
            judge is not None and (type(judge) is not str or not judge)
        ):
            raise RulesInputError(f"marks[{i}]: {_bad_mark_codes(aspect, competitor, judge)}")
        if type(value) is not int:
            number = numbers.get(value) if type(value) is str else None
            if number is None:
                try:
                    number = to_number(value)
                except RulesInputError as error:
                    raise error.within(
                        f"marks[{i}]: aspect {quote(aspect)}, competitor {quote(competitor)}: "
                        "value"
                    ) from None
                if type(value) is str:
                    numbers[value] = number
            value = number
        append(make(Mark, (aspect, competitor, judge, value)))
    return tuple(marks)


def _bad_mark_codes(aspect: Any, competitor: Any, judge: Any) -> str:
    for key, value in (("aspect", aspect), ("competitor", competitor)):
        if type(value) is not str:
            return f"{key}: must be a code (a string), not {quote(value)}"
    return f"judge: must be an expert's code (a non-empty string), not {quote(judge)}"


# --- small readers ---------------------------------------------------------------------------


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        what = "is missing" if value is None else "must be an object"
        raise RulesInputError(f"{where}: {what}")
    return value


def _list(container: dict[str, Any], key: str, where: str) -> list[Any]:
    path = f"{where}.{key}" if where else key
    if key not in container:
        raise RulesInputError(f'{path}: is missing (a list, may be empty)')
    value = container[key]
    if not isinstance(value, list):
        raise RulesInputError(f"{path}: must be a list")
    return value


def _code(obj: dict[str, Any], where: str) -> str:
    code = obj.get("code")
    if not isinstance(code, str) or not code:
        what = "is missing" if code is None else f"must be a non-empty string, not {quote(code)}"
        raise RulesInputError(f"{where}: code {what}")
    return code


def _name(obj: dict[str, Any]) -> Any:
    # Names are shown, never computed with: a string, null, or the server's {"ru": …} object.
    return obj.get("name")


def _scheme_number(value: Any, where: str) -> Decimal:
    try:
        return to_scheme_decimal(value)
    except RulesInputError as error:
        raise error.within(where) from None
