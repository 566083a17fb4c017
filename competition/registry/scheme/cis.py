"""The CIS marking scheme workbook: which layout an uploaded scheme file has, and the export.

`read_scheme_file(filename, data, limits)` is what the scheme import reads a file with (the
upload page and `competition import scheme` alike, through SchemeImporter.read): a workbook
with a sheet named "CIS Marking Scheme Import", or else the first sheet whose rows hold a CIS
block's header row, is read as CIS (cis_read.py); anything else as the flat scheme sheet
(parsing.py). Either way the rows are flat rows, planned and imported by importer.py.

`export_cis(skill, lang)` writes the skill's scheme as a CIS workbook (cis_write.py) that
imports back to the same scheme: descriptions whole in E, kinds as type letters (B, D) and the
deduction convention in H, allowed marks of an M aspect as "0; 0.75; 1.50" in H.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from ...models import Skill
from ..imports.reading import check_zip, file_kind, read_table
from ..imports.tabular import XLSX, FileRefused, Limits, RowError, Table
from ..people.fields import report_locale
from .cis_layout import HEADERS, LETTERS, SHEET, deduction_text, header_is
from .cis_read import WIDTH, read_cis
from .cis_write import CisAspect, CisCriterion, CisSub, write_cis

SCAN_ROWS = 300  # rows of a sheet looked at for a CIS header row


def _open(name: str, data: bytes, data_only: bool):
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    except Exception:  # openpyxl raises many kinds for a damaged workbook
        raise FileRefused([RowError(name, None, "", "", _(
            "An Excel workbook (.xlsx) that opens; this one is damaged — open it in Excel and "
            "save it again"))]) from None


def _rows(worksheet, limit: int | None = None):
    worksheet.reset_dimensions()
    for number, values in enumerate(worksheet.iter_rows(max_col=WIDTH, values_only=True),
                                    start=1):
        if limit is not None and number > limit:
            return
        yield number, list(values)


def _cis_sheet(workbook) -> str | None:
    """The sheet to read as CIS: the one named so, else the first with a CIS header row."""
    sheets = [ws for ws in workbook.worksheets if hasattr(ws, "reset_dimensions")]
    for worksheet in sheets:
        if worksheet.title.strip().casefold() == SHEET.casefold():
            return worksheet.title
    for worksheet in sheets:
        for _number, values in _rows(worksheet, SCAN_ROWS):
            if len(values) > 3 and header_is("A", values[0]) and header_is("D", values[3]):
                return worksheet.title
    return None


def read_scheme_file(filename: str, data: bytes, limits: Limits) -> Table:
    """The file's rows, read as CIS or as the flat scheme sheet; FileRefused if unreadable."""
    from .parsing import COLUMNS

    name = filename or "upload"
    if not data or len(data) > limits.max_bytes or file_kind(name, data) != XLSX:
        return read_table(name, data, COLUMNS, limits=limits)
    check_zip(name, data, limits)
    values_book = _open(name, data, data_only=True)
    try:
        sheet = _cis_sheet(values_book)
        if sheet is None:
            return _flat(name, data, limits)
        rows = list(_rows(values_book[sheet]))
    finally:
        values_book.close()
    if len(rows) > limits.max_rows + 1000:
        raise FileRefused([RowError(sheet, None, "", "", _(
            "At most %(limit)s data rows in one file; split it into several files",
            limit=limits.max_rows))])
    formulas_book = _open(name, data, data_only=False)
    try:
        blank = set()
        for (number, saved), (_n, raw) in zip(rows, _rows(formulas_book[sheet]), strict=False):
            for index, value in enumerate(raw):
                is_formula = isinstance(value, str) and value.startswith("=") or \
                    type(value).__name__ in ("ArrayFormula", "DataTableFormula")
                if is_formula and (index >= len(saved) or saved[index] is None):
                    blank.add(f"{LETTERS[index] if index < 11 else chr(65 + index)}{number}")
    finally:
        formulas_book.close()
    return read_cis(sheet, rows, blank)


def _flat(name: str, data: bytes, limits: Limits) -> Table:
    """The flat sheet; refused with a word on the CIS layout too, which was not found."""
    from .parsing import COLUMNS

    try:
        return read_table(name, data, COLUMNS, limits=limits)
    except FileRefused as refused:
        with report_locale():
            hint = RowError(name, None, "", "", _(
                "Or a CIS marking scheme: a sheet named “%(sheet)s” with criterion blocks "
                "whose header row reads %(headers)s … %(last)s", sheet=SHEET,
                headers=" | ".join(HEADERS[letter][0] for letter in "ABCD"),
                last=HEADERS["K"][0]))
        raise FileRefused([*refused.errors, hint]) from None


# --- export ------------------------------------------------------------------------------------

def _text(texts: dict[str, str], lang: str) -> str:
    """The text in `lang`, else in another language (a CIS sheet holds one language)."""
    for locale in (lang, "ru", "en", "kk"):
        if (texts.get(locale) or "").strip():
            return texts[locale].strip()
    return ""


def scheme_language(skill: Skill) -> str:
    """"ru" when the scheme's descriptions are mostly in Russian, else "en"."""
    aspects = [a for c in skill.criteria for s in c.sub_criteria for a in s.aspects]
    russian = sum(1 for a in aspects if (a.description_ru or "").strip())
    english = sum(1 for a in aspects if (a.description_en or "").strip())
    return "en" if english > russian else "ru"


def _aspect(aspect, lang: str) -> CisAspect:
    description = _text({"ru": aspect.description_ru, "kk": aspect.description_kk,
                         "en": aspect.description_en}, lang)
    kind = getattr(aspect, "kind", None) or "marks"
    params: dict[str, Any] = getattr(aspect, "kind_params", None) or {}
    item = CisAspect(letter=aspect.type, description=description.strip(),
                     max=Decimal(aspect.max), section=aspect.standards_section or "")
    if aspect.type == "J":
        item.details = [(score, _text(texts or {}, lang))
                        for score, texts in enumerate(aspect.descriptors or [])]
    elif kind == "binary":
        item.letter = "B"
    elif kind == "discrete":
        item.letter = "D"
        item.details = [(Decimal(str(level["value"])), _text(level.get("label") or {}, lang))
                        for level in params.get("levels") or []]
    elif kind == "deduction":
        item.requirement = deduction_text(params.get("step"), params.get("floor"), lang)
    elif aspect.allowed_values:
        item.requirement = "; ".join(str(v) for v in aspect.allowed_values)  # as stored
    return item


def cis_scheme(skill: Skill, lang: str) -> list[CisCriterion]:
    return [CisCriterion(c.code, _text(c.names(), lang), [
        CisSub(s.code, _text(s.names(), lang), s.day, [_aspect(a, lang) for a in s.aspects])
        for s in c.sub_criteria]) for c in skill.criteria]


def export_cis(skill: Skill, lang: str | None = None) -> bytes:
    """The skill's scheme as a CIS workbook in `lang` ("en" or "ru"; default: the scheme's)."""
    lang = lang or scheme_language(skill)
    title = f"{skill.championship.code} / {skill.code} — {_text(skill.names(), lang)}"
    return write_cis(cis_scheme(skill, lang), lang=lang, title=title.strip(" —"))


# --- the demo: a skill's scheme straight from a CIS workbook ---------------------------------

def build_cis_scheme(skill: Skill, path) -> list[str]:
    """Add the workbook at `path` to a new `skill` (not yet flushed; the demo's loader) through
    the same reading and rules as the import; the errors as lines (then nothing was added)."""
    from ..imports.tabular import DEFAULT_LIMITS
    from .parsing import parse_rows
    from .tree import add_criteria

    if not path.is_file():
        return [f"{path}: the file is missing"]
    try:
        table = read_scheme_file(path.name, path.read_bytes(), DEFAULT_LIMITS)
    except FileRefused as refused:
        return [error.as_line() for error in refused.errors]
    criteria, errors = parse_rows(table)
    if table.errors or errors:
        return [error.as_line() for error in [*table.errors, *errors]]
    add_criteria(skill, criteria)
    return []


__all__ = ["HEADERS", "SHEET", "build_cis_scheme", "export_cis", "read_scheme_file",
           "scheme_language"]
