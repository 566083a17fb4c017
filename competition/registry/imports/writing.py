"""Writing import tables: the templates (with an instructions sheet) and the exports, as .xlsx or
.csv. Every text cell a spreadsheet would run as a formula is escaped (tabular.escape_formula),
so an export re-imports to the same values."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from .tabular import Column, cell_text, escape_formula

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv"


def write_xlsx(columns: Sequence[Column], rows: Iterable[dict[str, Any]], *, locale: str = "en",
               sheet: str = "data", instructions: Sequence[Sequence[str]] | None = None) -> bytes:
    """A workbook: a header row in `locale`, the rows, and optionally an instructions sheet."""
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    bold = Font(bold=True)
    header = []
    for column in columns:
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(worksheet, value=escape_formula(
            column.header(locale) + ("*" if column.required else "")))
        cell.font = bold
        header.append(cell)
    worksheet.append(header)
    for row in rows:
        worksheet.append([_xlsx_value(row.get(column.key)) for column in columns])
    if instructions:
        notes = workbook.create_sheet(str(_("Instructions"))[:31])
        for line in instructions:
            notes.append([_xlsx_value(text) for text in line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, (int, float, Decimal, date)) and not isinstance(value, bool):
        return value
    return escape_formula(str(value))


def write_csv(columns: Sequence[Column], rows: Iterable[dict[str, Any]], *,
              locale: str = "en") -> bytes:
    """UTF-8 with a BOM (so that Excel reads the Cyrillic right), comma-separated."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([escape_formula(c.header(locale) + ("*" if c.required else ""))
                     for c in columns])
    for row in rows:
        writer.writerow([_csv_value(row.get(c.key)) for c in columns])
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return escape_formula(value)
    return cell_text(value)  # numbers and dates: never escaped, never formulas


def instructions_rows(columns: Sequence[Column], locale: str, intro: str = "") -> list[list[str]]:
    """The instructions sheet of a template: each column, whether required, its names, help."""
    rows: list[list[str]] = []
    if intro:
        rows.append([intro])
        rows.append([])
    rows.append([_("Column"), _("Required"), _("Also accepted as"), _("What to write")])
    for column in columns:
        others = [h for h in column.accepted() if h != column.header(locale)]
        rows.append([column.header(locale), _("yes") if column.required else _("no"),
                     ", ".join(others), str(column.help or "")])
    rows.append([])
    rows.append([_("Formulas are refused: type values. The header row must be the first row. "
                   "Rows with errors are listed all at once, and then nothing is imported.")])
    return rows
