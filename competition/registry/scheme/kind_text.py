"""Aspect kinds as people type them: the kind's name ("deduction", "вычет"…) and the levels of
a discrete aspect, one text per language, "0.50 = partly done; 1.00 = done" (a line or ";"
between levels). The editor (forms.py) and the Excel/CSV import (parsing.py) read them here;
the export (importer.py) writes them back with `levels_text`.
"""

from __future__ import annotations

from decimal import Decimal

from ...config import LOCALES
from ...models.base import pick_translation
from ...models.scheme import ASPECT_KINDS
from .rules import VALUE_SEPARATOR, _, max_text, parse_decimal

KIND_WORDS = {
    "marks": ("marks", "list", "values", "список", "оценки", "тізім"),
    "deduction": ("deduction", "deductions", "вычет", "вычеты", "вычитание", "шегерім"),
    "discrete": ("discrete", "levels", "дискретный", "дискретная", "уровни", "дискретті",
                 "деңгейлер"),
    "binary": ("binary", "yes/no", "бинарный", "бинарная", "да/нет", "бинарлы", "иә/жоқ"),
}
LEVEL_SEPARATOR = "="
# the fields of a kind's settings (and "values", which a kind other than marks derives)
SETTINGS = ("step", "floor", "values", *(f"levels_{locale}" for locale in LOCALES))


def normalize_kind(text) -> str:
    """The stored key for what people write ("вычет" → "deduction"); empty → "marks"; an
    unknown word stays as typed (the rules then say which kinds there are)."""
    raw = str(text or "").strip()
    if not raw:
        return "marks"
    folded = raw.casefold().replace(" ", "")
    if folded in ASPECT_KINDS:
        return folded
    for key, words in KIND_WORDS.items():
        if folded in words:
            return key
    return raw


def _one_language(text: str) -> list[tuple[Decimal, str]]:
    levels = []
    for part in VALUE_SEPARATOR.split(str(text or "")):
        if not part.strip():
            continue
        value, _sep, label = part.partition(LEVEL_SEPARATOR)
        try:
            number = parse_decimal(value)
        except ValueError as error:
            raise ValueError(_("In the levels: %(problem)s Write one level a line, its mark, "
                               "\"=\" and its label, for example 0.50 = partly done.",
                               problem=str(error))) from None
        if any(number == seen for seen, _label in levels):
            raise ValueError(_("The level %(value)s is given twice.", value=max_text(number)))
        levels.append((number, label.strip()))
    return levels


def parse_levels(texts: dict[str, str]) -> tuple[list[dict] | None, dict[str, str]]:
    """Levels from one text per language → ([{"value", "label": {ru, kk, en}}] ascending, or
    None when every text is empty; {field: message}, fields levels_ru/levels_kk/levels_en).
    Every language given must list the same marks."""
    parsed: dict[str, list[tuple[Decimal, str]]] = {}
    problems: dict[str, str] = {}
    for locale in LOCALES:
        try:
            levels = _one_language(texts.get(locale) or "")
        except ValueError as error:
            problems[f"levels_{locale}"] = str(error)
            continue
        if levels:
            parsed[locale] = levels
    if problems or not parsed:
        return None, problems
    first = next(iter(parsed))
    marks = sorted(value for value, _label in parsed[first])
    for locale, levels in parsed.items():
        if sorted(value for value, _label in levels) != marks:
            problems[f"levels_{locale}"] = _(
                "Give the same marks in every language: %(marks)s.",
                marks="; ".join(max_text(v) for v in marks))
    if problems:
        return None, problems
    labels = {value: {locale: "" for locale in LOCALES} for value in marks}
    for locale, levels in parsed.items():
        for value, label in levels:
            labels[value][locale] = label
    return [{"value": value, "label": labels[value]} for value in marks], {}


def levels_text(params: dict | None, locale: str, separator: str = "; ") -> str:
    """A discrete aspect's levels in one language, as parse_levels reads them ("" when no
    level has a label in that language)."""
    levels = (params or {}).get("levels") or []
    if not any(((level.get("label") or {}).get(locale) or "").strip() for level in levels):
        return ""
    return separator.join(
        f"{max_text(Decimal(str(level['value'])))} {LEVEL_SEPARATOR} "
        f"{((level.get('label') or {}).get(locale) or '').strip()}".rstrip()
        for level in levels)


def kind_summary(kind: str | None, max, params: dict | None, locale: str | None = None) -> str:
    """How an M aspect of `kind` is marked, in a line for the editor and the marking forms:
    "max 2.00, −0.25 per error, floor 0.00"; the levels "0.00 = … · 1.00 = …"; "yes (2.00) /
    no (0)". "" for a list of marks (shown as its values)."""
    params = params or {}
    if kind == "deduction":
        return _("max %(max)s, −%(step)s per error, floor %(floor)s", max=max_text(max),
                 step=max_text(params.get("step")),
                 floor=max_text(params.get("floor") or "0"))
    if kind == "discrete":
        return " · ".join(
            f"{max_text(level.get('value'))} = "
            f"{pick_translation(level.get('label') or {}, locale)}".rstrip(" =")
            for level in params.get("levels") or [])
    if kind == "binary":
        return _("yes (%(max)s) / no (0)", max=max_text(max))
    return ""


def parse_kind_params(kind: str, step, floor, levels: dict[str, str]
                      ) -> tuple[dict | None, dict[str, str]]:
    """A kind's settings as typed (the editor's fields, the sheet's cells) → (kind_params
    for rules.AspectInput, {field: message}); fields step, floor, levels_ru/_kk/_en."""
    if kind == "deduction":
        params, problems = {}, {}
        for name, text in (("step", step), ("floor", floor)):
            if not str(text or "").strip():
                continue  # floor: 0; step: the rules ask for it
            try:
                params[name] = parse_decimal(text)
            except ValueError as error:
                problems[name] = str(error)
        return params, problems
    if kind == "discrete":
        parsed, problems = parse_levels(levels)
        return {"levels": parsed or []}, problems
    return None, {}
