"""Writing a marking scheme as a CIS workbook (cis_layout.py): the summary tables, one block
per criterion, SUM formulas with their values saved (Excel shows the totals at once, and
cis_read.py checks them). Pure: plain data in, .xlsx bytes out — the export (cis.py) and the
fixtures' generator (fixtures/imports/make_cis.py) both use it.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

from .cis_layout import CRITERION_WORD, HEADERS, LETTERS, SHEET, TOTAL_MARK

CENT = Decimal("0.01")
SUMMARY = {
    "en": {"standards": "Standards Specification", "criteria": "Criteria",
           "section": ("Section", "Area", "WSOS marks", "Aspect marks", "Variation"),
           "criterion": ("ID", "Name", "Mark"), "total": "Total"},
    "ru": {"standards": "Спецификация стандарта", "criteria": "Критерии",
           "section": ("Раздел", "Область", "Баллы WSOS", "Баллы аспектов", "Отклонение"),
           "criterion": ("ID", "Наименование", "Балл"), "total": "Итого"},
}
WIDTHS = {"A": 14, "B": 36, "C": 10, "D": 10, "E": 48, "F": 8, "G": 48, "H": 30, "I": 10,
          "J": 8, "K": 10, "L": 13, "M": 12, "N": 10}


@dataclass
class CisAspect:
    letter: str                    # M, J, B, D (or И …: written as given)
    description: str
    max: Decimal
    extra: str = ""                # G on the aspect's row
    requirement: str = ""          # H
    section: str = ""              # I
    details: list[tuple[Decimal | int, str]] = field(default_factory=list)  # F, G rows below


@dataclass
class CisSub:
    code: str
    name: str
    day: str
    aspects: list[CisAspect] = field(default_factory=list)


@dataclass
class CisCriterion:
    code: str
    name: str
    subs: list[CisSub] = field(default_factory=list)


def _number(value) -> float | int:
    number = Decimal(str(value)).quantize(CENT)
    return int(number) if number == number.to_integral_value() else float(number)


def _safe(text: str) -> str:
    """Text that openpyxl would take for a formula gets the apostrophe cell_text() strips."""
    return "'" + text if isinstance(text, str) and text.startswith("=") else text


def _section_value(text: str):
    return int(text) if text.isdigit() else text


def _sorted_sections(sections: set[str]) -> list[str]:
    return sorted(sections, key=lambda s: (0, int(s), "") if s.isdigit() else (1, 0, s))


def write_cis(criteria: list[CisCriterion], lang: str = "en", title: str = "",
              creator: str = "competition") -> bytes:
    """The workbook's bytes: sheet SHEET, the formulas' values saved beside them."""
    import openpyxl
    from openpyxl.styles import Font

    words = SUMMARY["ru" if lang == "ru" else "en"]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = SHEET
    bold = Font(bold=True)
    saved: dict[str, Decimal] = {}   # formula cell → its value
    sections = {a.section for c in criteria for s in c.subs for a in s.aspects if a.section}
    ordered = _sorted_sections(sections)
    # Rows are laid out first, so that formulas may name any row.
    row = 1
    sheet.cell(row, 1, title or "Marking Scheme").font = Font(bold=True, size=14)
    row = 3
    sheet.cell(row, 1, words["standards"]).font = bold
    row += 1
    for col, text in enumerate(words["section"], start=1):
        sheet.cell(row, col, text).font = bold
    standards_rows = {}
    for section in ordered:
        row += 1
        standards_rows[section] = row
        sheet.cell(row, 1, _section_value(section))
    row += 2
    sheet.cell(row, 1, words["criteria"]).font = bold
    row += 1
    for col, text in enumerate(words["criterion"], start=1):
        sheet.cell(row, col, text).font = bold
    criteria_rows = {}
    for criterion in criteria:
        row += 1
        criteria_rows[criterion.code] = row
        sheet.cell(row, 1, criterion.code)
        sheet.cell(row, 2, _safe(criterion.name))
    row += 1
    criteria_total_row = row
    sheet.cell(row, 2, words["total"]).font = bold

    first_data, sums_by_section = None, {s: Decimal(0) for s in ordered}
    header_rows: dict[str, tuple[int, Decimal]] = {}
    for criterion in criteria:
        row += 2
        sheet.cell(row, 1, f"{CRITERION_WORD['ru' if lang == 'ru' else 'en']} {criterion.code}"
                   ).font = bold
        sheet.cell(row, 2, _safe(criterion.name)).font = bold
        row += 1
        header_row = row
        for col, letter in enumerate(LETTERS, start=1):
            sheet.cell(row, col, HEADERS[letter][lang == "ru"]).font = bold
        sheet.cell(row, 12, f"{CRITERION_WORD['ru' if lang == 'ru' else 'en']} "
                            f"{criterion.code}")
        sheet.cell(row, 13, TOTAL_MARK["ru" if lang == "ru" else "en"])
        start, total = row + 1, Decimal(0)
        for sub in criterion.subs:
            row += 1
            sheet.cell(row, 1, sub.code)
            sheet.cell(row, 2, _safe(sub.name))
            sheet.cell(row, 3, sub.day)
            for aspect in sub.aspects:
                row += 1
                first_data = first_data or row
                sheet.cell(row, 4, aspect.letter)
                sheet.cell(row, 5, _safe(aspect.description))
                if aspect.extra:
                    sheet.cell(row, 7, _safe(aspect.extra))
                if aspect.requirement:
                    sheet.cell(row, 8, _safe(aspect.requirement))
                if aspect.section:
                    sheet.cell(row, 9, _section_value(aspect.section))
                    sums_by_section[aspect.section] += Decimal(str(aspect.max))
                sheet.cell(row, 11, _number(aspect.max))
                total += Decimal(str(aspect.max))
                for value, text in aspect.details:
                    row += 1
                    sheet.cell(row, 6, _number(value) if not isinstance(value, int) else value)
                    sheet.cell(row, 7, _safe(text))
        end = max(row, start)
        sheet.cell(header_row, 14, f"=SUM(K{start}:K{end})")
        saved[f"N{header_row}"] = total
        header_rows[criterion.code] = (header_row, total)
    last = max(row, first_data or row)
    first = first_data or last
    for section, number in standards_rows.items():
        cell = f"D{number}"
        sheet[cell] = f'=SUMIF(I{first}:I{last},{_criteria_text(section)},K{first}:K{last})'
        saved[cell] = sums_by_section[section]
    for code, number in criteria_rows.items():
        header_row, total = header_rows[code]
        sheet[f"C{number}"] = f"=N{header_row}"
        saved[f"C{number}"] = total
    if criteria_rows:
        rows = list(criteria_rows.values())
        sheet[f"C{criteria_total_row}"] = f"=SUM(C{rows[0]}:C{rows[-1]})"
        saved[f"C{criteria_total_row}"] = sum((t for _r, t in header_rows.values()), Decimal(0))
    for letter, width in WIDTHS.items():
        sheet.column_dimensions[letter].width = width
    book.properties.creator = creator
    buffer = io.BytesIO()
    book.save(buffer)
    return with_saved_values(buffer.getvalue(), saved)


def _criteria_text(section: str):
    return section if section.isdigit() else '"' + section.replace('"', '""') + '"'


def with_saved_values(data: bytes, saved: dict[str, Decimal]) -> bytes:
    """The workbook with the formulas' values saved beside them (openpyxl writes none)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    pattern = re.compile(rb'(<c r="([A-Z]+\d+)"[^>]*>)(<f>[^<]*</f>)<v\s*/>')

    def value(match: re.Match) -> bytes:
        cell = match.group(2).decode()
        if cell not in saved:
            return match.group(0)
        text = str(Decimal(saved[cell]).quantize(CENT)).encode()
        return match.group(1) + match.group(3) + b"<v>" + text + b"</v>"

    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = pattern.sub(value, content)
            target.writestr(info, content)
    return out.getvalue()
