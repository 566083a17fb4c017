"""From a file's cells to an import's rows: the header matched to the importer's columns, every
cell checked.

Refused as a whole (FileRefused): no header row, unknown, missing or duplicate columns, more than
`Limits.max_rows` data rows, no data rows. A formula, an overlong value or a value outside the
named columns is an error of its cell (Table.errors), reported with every other.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from flask_babel import gettext as _

from .tabular import Column, FileRefused, Limits, Row, RowError, Table, cell_text, normalize_header


class Formula:
    """A cell that holds a formula (never evaluated): its text, to say which."""

    def __init__(self, value: Any):
        self.text = getattr(value, "text", None) or str(value)


def column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def tabulate(kind: str, sheet: str, raw_rows: Iterator[tuple[int, list]],
             columns: Sequence[Column], limits: Limits) -> Table:
    """A file's cells (`raw_rows`: number, [(cell address of a formula, value)]) as a Table of
    rows keyed by `columns`; FileRefused when the header or the file as a whole is wrong."""
    by_header: dict[str, Column] = {}
    for column in columns:
        for header in column.accepted():
            by_header[normalize_header(header)] = column
    errors: list[RowError] = []
    header_row: list | None = None
    header_number = 0
    for number, values in raw_rows:
        if any(cell_text(v) if not isinstance(v, Formula) else True for _, v in values):
            header_row, header_number = values, number
            break
    if header_row is None:
        raise FileRefused([RowError(sheet, None, "", "", _(
            "A header row and at least one data row; the file is empty"))])

    positions: dict[int, Column] = {}
    headers: dict[str, str] = {}
    seen: dict[str, int] = {}
    file_errors: list[RowError] = []
    for index, (where, value) in enumerate(header_row):
        if isinstance(value, Formula):
            file_errors.append(RowError(sheet, header_number, where, value.text, _(
                "A column name, not a formula")))
            continue
        text = cell_text(value)
        if not text:
            continue
        column = by_header.get(normalize_header(text))
        if column is None:
            file_errors.append(RowError(sheet, header_number, text, text, _(
                "One of the known columns: %(columns)s", columns=expected_columns(columns))))
            continue
        if column.key in seen:
            file_errors.append(RowError(sheet, header_number, text, text, _(
                "Each column once; %(column)s appears twice (as \"%(first)s\" and "
                "\"%(second)s\")", column=column.key, first=headers[column.key], second=text)))
            continue
        seen[column.key] = index
        positions[index] = column
        headers[column.key] = text
    for column in columns:
        if column.required and column.key not in seen:
            file_errors.append(RowError(sheet, header_number, column.key, "", _(
                "A column %(column)s (required; also accepted as: %(names)s)",
                column=column.key, names=", ".join(f"\"{h}\"" for h in column.accepted()[1:])
                or "—")))
    if file_errors:
        raise FileRefused(file_errors)

    rows: list[Row] = []
    for number, values in raw_rows:
        row_values = {column.key: "" for column in columns if column.key in seen}
        anything = False
        for index, (where, value) in enumerate(values):
            column = positions.get(index)
            if isinstance(value, Formula):
                anything = True
                shown = headers[column.key] if column else column_letter(index + 1)
                errors.append(RowError(sheet, number, shown, value.text, _(
                    "A value, not a formula (cell %(cell)s): type the value itself, or copy "
                    "the cells and paste them as values", cell=where)))
                continue
            text = cell_text(value)
            if not text:
                continue
            anything = True
            if column is None:
                errors.append(RowError(sheet, number, column_letter(index + 1), text, _(
                    "Nothing outside the named columns: give this column a header or clear it")))
                continue
            if len(text) > limits.max_cell_chars:
                errors.append(RowError(sheet, number, headers[column.key], text[:40] + "…", _(
                    "At most %(limit)s characters", limit=limits.max_cell_chars)))
                continue
            row_values[column.key] = text
        if not anything:
            continue
        rows.append(Row(sheet, number, row_values, headers))
        if len(rows) > limits.max_rows:
            raise FileRefused([RowError(sheet, number, "", "", _(
                "At most %(limit)s data rows in one file; split it into several files",
                limit=limits.max_rows))])
    if not rows and not errors:
        raise FileRefused([RowError(sheet, None, "", "", _(
            "At least one data row below the header row; the file has none"))])
    return Table(kind, sheet, rows, [c.key for c in columns if c.key in seen], errors)


def expected_columns(columns: Sequence[Column]) -> str:
    return ", ".join(f"{c.key}{'*' if c.required else ''}" for c in columns)
