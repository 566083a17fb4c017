"""The rules a marking scheme's parts obey, and the values as people type them.

Criteria -> sub-criteria (a day) -> aspects. The rules (codes, names, days, M/J, maxima,
allowed values, the four judgement descriptors) live here and nowhere else: `*_problems()`
return {field: message} and are used by the forms of the editor (forms.py), by its use cases
(editing.py) and by the Excel/CSV import (importer.py) alike. Nothing here reads or writes the
database.

Messages are for the organizer, in their language: what is wrong and what to do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_babel import force_locale, gettext

from ...config import LOCALES
from ...models.scheme import ASPECT_KINDS, ASPECT_TYPES, DAYS
from .kinds import MAX_DERIVED, allowed_for_kind, kind_params_stored

HUNDRED = Decimal("100.00")
CENT = Decimal("0.01")
MAX_LIMIT = Decimal("1000")
CODE_LENGTH = {"criterion": 16, "sub_criterion": 16, "aspect": 32}
NAME_LENGTH = 500
SECTION_LENGTH = 32
SCORES = (0, 1, 2, 3)
VALUE_SEPARATOR = re.compile(r"[;\n]")
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
# Spreadsheets and people write the day and the type in Cyrillic too ("С1", "М").
_LOOKALIKES = str.maketrans({"С": "C", "с": "C", "М": "M", "м": "M"})
TYPE_WORDS = {
    "M": ("m", "measurement", "измеримая", "измерение", "и", "өлшенетін", "objective", "o"),
    "J": ("j", "judgement", "judgment", "судейская", "с", "төрешілік", "subjective", "s"),
}


def _(text: str, **variables) -> str:
    """gettext that also works outside a request (an import from the command line): there the
    messages come in the locale forced by the caller, else in the default one."""
    try:
        return gettext(text, **variables)
    except RuntimeError:  # no request to choose the language from
        with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "ru")):
            return gettext(text, **variables)


# --- values as people type them -------------------------------------------------------------

def parse_decimal(text) -> Decimal:
    """An exact decimal with at most 2 places ("1.50", "1,5", "2"); ValueError says what's wrong.
    """
    raw = str(text if text is not None else "").strip().replace("\u00a0", "").replace(" ", "")
    if not raw:
        raise ValueError(_("Enter a number, for example 1.50."))
    if not NUMBER.match(raw.replace(",", ".")):
        raise ValueError(_("%(value)s is not a number; write it like 1.50.", value=raw))
    try:
        number = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        raise ValueError(_("%(value)s is not a number; write it like 1.50.", value=raw)) from None
    if number != number.quantize(CENT):
        raise ValueError(_("%(value)s has more than 2 decimal places; round it to "
                           "hundredths.", value=raw))
    if number.as_tuple().exponent < -2:  # "1.500": keep two places
        number = number.quantize(CENT)
    return abs(number) if number == 0 else number


def parse_values(text) -> list[Decimal] | None:
    """The allowed marks of a measurement aspect, "0; 0.75; 1.50" (None when empty)."""
    parts = [p.strip() for p in VALUE_SEPARATOR.split(str(text or ""))]
    parts = [p for p in parts if p]
    if not parts:
        return None
    values = []
    for part in parts:
        try:
            values.append(parse_decimal(part))
        except ValueError as error:
            raise ValueError(_("In the list of allowed marks: %(problem)s Separate the marks "
                               "with \";\", for example 0; 0.75; 1.50.",
                               problem=str(error))) from None
    return values


def max_text(value: Decimal | None) -> str:
    """A maximum or a sum as shown and exported: 2 decimal places ("1.50", "100.00")."""
    if value is None:
        return ""
    return str(Decimal(value).quantize(CENT))


def values_text(values: Iterable | None) -> str:
    return "; ".join(str(v) for v in values or [])


def normalize_day(text) -> str:
    return str(text or "").strip().translate(_LOOKALIKES).upper().replace(" ", "")


def normalize_type(text) -> str:
    """"M" or "J" for what people write ("М", "measurement", "судейская"…); else as typed."""
    raw = str(text or "").strip()
    upper = raw.translate(_LOOKALIKES).upper()
    if upper in ASPECT_TYPES:
        return upper
    folded = raw.casefold()
    for key, words in TYPE_WORDS.items():
        if folded in words:
            return key
    return raw


def same_number(a, b) -> bool:
    return Decimal(a) == Decimal(b)


# --- the rules a scheme's parts obey ---------------------------------------------------------

@dataclass
class CriterionInput:
    code: str
    names: dict[str, str]


@dataclass
class SubCriterionInput:
    code: str
    names: dict[str, str]
    day: str = "C1"


@dataclass
class AspectInput:
    code: str
    type: str
    max: Decimal | None
    values: list[Decimal] | None = None
    description: dict[str, str] = field(default_factory=dict)
    # J: four {"ru", "kk", "en"} for scores 0..3
    descriptors: list[dict[str, str]] | None = None
    standards_section: str = ""
    sub_criterion_id: int | None = None
    # How the expert enters an M mark (docs/scheme.md): "marks", "deduction", "discrete",
    # "binary"; the allowed marks of the last three are derived (allowed_for_kind).
    kind: str = "marks"
    # deduction {"step", "floor"}; discrete {"levels": [{"value", "label": {ru, kk, en}}]};
    # numbers as Decimal or decimal strings
    kind_params: dict | None = None


def _code_problem(code: str, kind: str) -> str | None:
    if not code:
        return _("Enter a code.")
    if any(ch.isspace() for ch in code):
        return _("A code has no spaces (for example A1.2).")
    if len(code) > CODE_LENGTH[kind]:
        return _("At most %(n)s characters.", n=CODE_LENGTH[kind])
    return None


def _names_problems(names: dict[str, str], prefix: str = "name") -> dict[str, str]:
    problems = {}
    if not any((names.get(locale) or "").strip() for locale in LOCALES):
        problems[f"{prefix}_ru"] = _("Enter the name in at least one language.")
    for locale in LOCALES:
        if len(names.get(locale) or "") > NAME_LENGTH:
            problems[f"{prefix}_{locale}"] = _("At most %(n)s characters.", n=NAME_LENGTH)
    return problems


def criterion_problems(data: CriterionInput) -> dict[str, str]:
    problems = _names_problems(data.names)
    if (problem := _code_problem(data.code, "criterion")):
        problems["code"] = problem
    return problems


def sub_criterion_problems(data: SubCriterionInput) -> dict[str, str]:
    problems = _names_problems(data.names)
    if (problem := _code_problem(data.code, "sub_criterion")):
        problems["code"] = problem
    if data.day not in DAYS:
        problems["day"] = _("One of the competition days: %(days)s.", days=", ".join(DAYS))
    return problems


def aspect_problems(data: AspectInput) -> dict[str, str]:
    """Everything wrong with an aspect on its own (uniqueness and marks are checked on save)."""
    problems: dict[str, str] = {}
    if (problem := _code_problem(data.code, "aspect")):
        problems["code"] = problem
    if data.type not in ASPECT_TYPES:
        problems["type"] = _("M (measurement) or J (judgement).")
    if data.max is None:
        problems.setdefault("max", _("Enter the maximum mark, for example 1.50."))
    elif data.max <= 0:
        problems["max"] = _("The maximum must be above 0.")
    elif data.max > MAX_LIMIT:
        problems["max"] = _("The maximum can be at most %(limit)s.", limit=MAX_LIMIT)
    if not any((data.description.get(locale) or "").strip() for locale in LOCALES):
        problems["description_ru"] = _("Describe the aspect in at least one language.")
    if len(data.standards_section or "") > SECTION_LENGTH:
        problems["standards_section"] = _("At most %(n)s characters.", n=SECTION_LENGTH)
    problems.update(kind_problems(data))
    if data.type == "M" and data.values and (data.kind or "marks") == "marks":
        seen: set[Decimal] = set()
        for value in data.values:
            if value < 0:
                problems["values"] = _("Allowed marks cannot be negative (%(value)s).",
                                       value=value)
                break
            if data.max is not None and data.max > 0 and value > data.max:
                problems["values"] = _(
                    "The allowed mark %(value)s is above the maximum %(max)s: lower the mark "
                    "or raise the maximum.", value=value, max=max_text(data.max))
                break
            if value in seen:
                problems["values"] = _("The allowed mark %(value)s is listed twice.",
                                       value=value)
                break
            seen.add(value)
    if data.type == "J":
        descriptors = data.descriptors or []
        for score in SCORES:
            texts = descriptors[score] if score < len(descriptors) else {}
            if not any((texts.get(locale) or "").strip() for locale in LOCALES):
                problems[f"descriptor_{score}_ru"] = _(
                    "A judgement aspect needs all four descriptors: say what a score of "
                    "%(score)s means, in at least one language.", score=score)
    return problems


def _aspect_values(data: AspectInput) -> list[str] | None:
    if data.type == "M" and (data.kind or "marks") != "marks":
        return [str(v) for v in allowed_for_kind(data.kind, data.max, data.kind_params)]
    return [str(v) for v in data.values] if data.type == "M" and data.values else None


def _aspect_descriptors(data: AspectInput) -> list[dict[str, str]] | None:
    if data.type != "J":
        return None
    return [{locale: (texts.get(locale) or "").strip() for locale in LOCALES}
            for texts in (data.descriptors or [])[:4]]


def aspect_fields(data: AspectInput) -> dict:
    """An aspect's stored columns from its input (the editor's writes and the import)."""
    return {
        "code": data.code, "type": data.type, "max": data.max,
        "allowed_values": _aspect_values(data), "descriptors": _aspect_descriptors(data),
        "kind": (data.kind or "marks") if data.type == "M" else "marks",
        "kind_params": kind_params_stored(data),
        "description_ru": (data.description.get("ru") or "").strip(),
        "description_kk": (data.description.get("kk") or "").strip(),
        "description_en": (data.description.get("en") or "").strip(),
        "standards_section": (data.standards_section or "").strip(),
    }


# --- aspect kinds: how an expert enters a measurement mark ----------------------------------

def _decimal_problem(value, required: str) -> tuple[Decimal | None, str | None]:
    if value is None or str(value).strip() == "":
        return None, required
    try:
        return parse_decimal(value), None
    except ValueError as error:
        return None, str(error)


def _deduction_problems(top: Decimal | None, params: dict) -> dict[str, str]:
    problems: dict[str, str] = {}
    step, problem = _decimal_problem(params.get("step"),
                                     _("Enter the deduction per error, for example 0.25."))
    if problem:
        problems["step"] = problem
    elif step <= 0:
        problems["step"] = _("The deduction per error must be above 0.")
    elif top is not None and step > top:
        problems["step"] = _("The deduction per error can be at most the maximum %(max)s.",
                             max=max_text(top))
    floor, problem = _decimal_problem(params.get("floor"), "")
    if problem:
        problems["floor"] = problem
    floor = floor or Decimal(0)
    if floor < 0:
        problems["floor"] = _("The floor cannot be negative.")
    elif top is not None and floor >= top:
        problems["floor"] = _("The floor must be below the maximum %(max)s.", max=max_text(top))
    if not problems and top is not None and (top - floor) / step > MAX_DERIVED:
        problems["step"] = _("This deduction gives more than %(n)s possible marks: make the "
                             "deduction per error larger.", n=MAX_DERIVED)
    return problems


def _level_problem(top: Decimal | None, levels: list) -> str | None:
    if len(levels) < 2:
        return _("Give at least two levels, each with its mark and a label.")
    seen: set[Decimal] = set()
    for level in levels:
        value, problem = _decimal_problem(level.get("value"), _("Every level needs its mark."))
        if problem:
            return problem
        if value < 0:
            return _("Allowed marks cannot be negative (%(value)s).", value=value)
        if top is not None and value > top:
            return _("The level %(value)s is above the maximum %(max)s: lower it or raise the "
                     "maximum.", value=max_text(value), max=max_text(top))
        if value in seen:
            return _("The level %(value)s is given twice.", value=max_text(value))
        seen.add(value)
        labels = level.get("label") or {}
        if not any((labels.get(locale) or "").strip() for locale in LOCALES):
            return _("The level %(value)s needs a label in at least one language.",
                     value=max_text(value))
    if top is not None and top not in seen:
        return _("One level must be the maximum %(max)s (full marks).", max=max_text(top))
    return None


def kind_problems(data: AspectInput) -> dict[str, str]:
    """What is wrong with an aspect's kind and its parameters (keys: kind, step, floor,
    levels_ru, values)."""
    kind = data.kind or "marks"
    if kind not in ASPECT_KINDS:
        return {"kind": _("The kind is one of: %(kinds)s.", kinds=", ".join(ASPECT_KINDS))}
    if kind == "marks":
        return {}
    if data.type == "J":
        return {"kind": _("A judgement aspect is scored 0–3 by its experts: its kind is a "
                          "list of marks.")}
    top = data.max if data.max is not None and 0 < data.max <= MAX_LIMIT else None
    params = data.kind_params or {}
    problems: dict[str, str] = {}
    if kind == "deduction":
        problems = _deduction_problems(top, params)
    elif kind == "discrete":
        if (problem := _level_problem(top, list(params.get("levels") or []))):
            problems["levels_ru"] = problem
    if not problems and top is not None and data.values:
        if set(data.values) != set(allowed_for_kind(kind, top, params)):
            problems["values"] = _("For this kind the allowed marks follow from its settings: "
                                   "leave the list of allowed marks empty.")
    return problems
