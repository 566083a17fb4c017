"""The CIS marking scheme layout (the sheet "CIS Marking Scheme Import" WorldSkills issues):
its sheet name, column headers in English and Russian, aspect type letters and the one
convention for deductions. Pure: no Flask, no database; cis_read.py reads the layout,
cis_write.py writes it, fixtures/imports/make_cis.py builds the sample workbooks with it.

A criterion block (docs/scheme.md, "The CIS workbook"):

    row r    A "Criterion A"  B the criterion's name
    row r+1  A–K the header row below;  L "Criterion A"  M "Total Mark"  N =SUM(K…:K…)
    rows     a sub-criterion: its ID in A, name in B, day in C; below it its aspects: the type
             in D, description in E, extra description in G, requirement in H, WSOS section
             in I, Max Mark in K; under a J aspect four rows with the scores 0–3 in F and what
             each means in G; under a D aspect one row per level, its mark in F and label in G.
"""

from __future__ import annotations

import re
from decimal import Decimal

SHEET = "CIS Marking Scheme Import"
LETTERS = "ABCDEFGHIJK"
# What each column of a block's header row is, by letter: (English, Russian) as written.
HEADERS = {
    "A": ("Sub Criterion ID", "Подкритерий ID"),
    "B": ("Sub Criterion Name or Description", "Наименование подкритерия"),
    "C": ("Day of Marking", "День оценки"),
    "D": ("Aspect Type M = Meas J = Judg", "Тип аспекта И = Изм. B = Бинарный D = Дискретный "
                                           "J = Судейский"),
    "E": ("Aspect - Description", "Описание аспекта"),
    "F": ("Judg Score", "Судейская оценка"),
    "G": ("Extra Aspect Description (Meas or Judg) OR Judgement Score Description (Judg only)",
          "Дополнительное описание аспекта (изм. или суд.) ИЛИ описание судейской оценки "
          "(только суд.)"),
    "H": ("Requirement (Measurement Only)", "Требование (только для измеримых)"),
    "I": ("WSOS Section", "Раздел WSOS"),
    "J": ("Calculation Row (Export only)", "Строка расчёта (только экспорт)"),
    "K": ("Max Mark", "Макс. балл"),
}
# A header cell is recognized by its start, lower-case with single spaces ("ё" as "е").
_STARTS = {
    "A": ("sub criterion id", "sub-criterion id", "subcriterion id", "подкритерий id",
          "id подкритерия", "код подкритерия", "подкритерий"),
    "D": ("aspect type", "тип аспекта", "тип"),
    "K": ("max mark", "max. mark", "maximum mark", "макс. балл", "макс балл",
          "максимальный балл", "макс. оценка", "максимальная оценка"),
}
CRITERION = re.compile(r"^\s*(criterion|критерий)\s+(\S+)\s*$", re.IGNORECASE)
TOTAL_WORDS = ("total mark", "total", "итого", "итоговый балл", "всего", "сумма")
CRITERION_WORD = {"en": "Criterion", "ru": "Критерий"}
TOTAL_MARK = {"en": "Total Mark", "ru": "Итого"}

# Aspect type letters: the stored type and kind. "И" (измеримый) is M; Cyrillic look-alikes
# of B, D and J's Russian letter are accepted.
TYPES = {
    "M": ("M", "marks"), "И": ("M", "marks"), "М": ("M", "marks"),
    "J": ("J", "marks"), "С": ("J", "marks"),
    "B": ("M", "binary"), "В": ("M", "binary"), "Б": ("M", "binary"),
    "D": ("M", "discrete"), "Д": ("M", "discrete"),
}
TYPE_WORDS = {
    "measurement": "M", "измеримый": "M", "измеримая": "M", "измерение": "M",
    "judgement": "J", "judgment": "J", "судейский": "J", "судейская": "J",
    "binary": "B", "бинарный": "B", "бинарная": "B",
    "discrete": "D", "дискретный": "D", "дискретная": "D",
}
TYPE_NAMES = {"en": "M (measurement), J (judgement), B (binary), D (discrete)",
              "ru": "M или И (измеримый), J (судейский), B (бинарный), D (дискретный)"}

# --- deductions: ONE convention, written this way on export --------------------------------
#   en: "-0.25 per error, floor 0.00"          ru: "вычет 0,25 за ошибку, не ниже 0,00"
_NUM = r"(\d+(?:[.,]\d+)?)"
DEDUCTION_EN = re.compile(
    rf"^[-−–]?\s*(?:deduct\s+)?{_NUM}\s*(?:points?\s+|marks?\s+)?per\s+(?:each\s+)?"
    rf"(?:error|mistake|fault)\s*(?:[,;]?\s*(?:floor|not\s+below|minimum|min\.?)\s*{_NUM})?"
    r"\s*\.?$", re.IGNORECASE)
DEDUCTION_RU = re.compile(
    rf"^(?:вычет|минус|[-−–])\s*{_NUM}\s*(?:балл\w*\s+)?за\s+(?:каждую\s+)?"
    rf"(?:ошибку|ошибки)\s*(?:[,;]?\s*не\s+ниже\s+{_NUM})?\s*\.?$", re.IGNORECASE)
VALUE_LIST = re.compile(r"^\s*\d+(?:[.,]\d+)?(?:\s*;\s*\d+(?:[.,]\d+)?)+\s*$")


def normalize(text) -> str:
    text = str(text or "").replace("\u00a0", " ").replace("_", " ").replace("ё", "е")
    return " ".join(text.split()).casefold()


def header_is(letter: str, text) -> bool:
    """Whether `text` is the header of column `letter` (A, D or K), in English or Russian."""
    value = normalize(text)
    return bool(value) and any(value.startswith(start) for start in _STARTS[letter])


def language_of(text) -> str:
    """"ru" when a header is in Cyrillic, else "en"."""
    return "ru" if re.search("[а-яА-ЯёЁ]", str(text or "")) else "en"


def parse_deduction(text) -> tuple[str, str] | None:
    """(step, floor) as typed by the convention above, in either language; None if not one."""
    raw = " ".join(str(text or "").split())
    match = DEDUCTION_EN.match(raw) or DEDUCTION_RU.match(raw)
    if not match:
        return None
    return match.group(1).replace(",", "."), (match.group(2) or "0").replace(",", ".")


def deduction_text(step, floor, lang: str) -> str:
    step_text = str(Decimal(str(step)).quantize(Decimal("0.01")))
    floor_text = str(Decimal(str(floor or 0)).quantize(Decimal("0.01")))
    if lang == "ru":
        return (f"вычет {step_text.replace('.', ',')} за ошибку, "
                f"не ниже {floor_text.replace('.', ',')}")
    return f"-{step_text} per error, floor {floor_text}"


def type_letter(text) -> str:
    """The letter a type cell means (M, J, B, D), or the text as typed if unknown."""
    raw = str(text or "").strip()
    upper = raw.upper()
    if upper in TYPES:
        return {"M": "M", "И": "M", "М": "M", "J": "J", "С": "J", "B": "B", "В": "B",
                "Б": "B", "D": "D", "Д": "D"}[upper]
    return TYPE_WORDS.get(raw.casefold(), raw)
