"""Reading an uploaded table: its type from content and name, its cells from .xlsx or .csv.

`read_table` is the entry point; rows.py turns the cells into rows keyed by the importer's
columns. What is refused here (FileRefused), and why:

- the type is decided by the content AND the name: an .xlsx must be a zip holding
  [Content_Types].xml and xl/workbook.xml; a .csv must be text. Old .xls is refused with advice.
- size over `Limits.max_bytes`; a zip whose entries would inflate beyond
  `Limits.max_unzipped_bytes` or compress suspiciously well (a zip bomb) — checked from the zip
  directory BEFORE openpyxl opens anything.
- formulas: read with data_only=False, so a formula cell is seen as a formula (rows.py refuses it
  with its cell address); it is never evaluated (its cached value could say anything).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from typing import Any

from flask_babel import gettext as _

from .rows import Formula, column_letter, tabulate
from .tabular import CSV, DEFAULT_LIMITS, XLSX, Column, FileRefused, Limits, RowError, Table

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls (and other MS Office binaries)
ZIP_MAGIC = b"PK\x03\x04"


def file_kind(filename: str, data: bytes) -> str:
    """XLSX or CSV, from the content checked against the name; FileRefused otherwise."""
    name = filename or "upload"
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""

    def refuse(expected: str) -> FileRefused:
        return FileRefused([RowError(name, None, "", "", expected)])

    if data.startswith(OLE_MAGIC):
        raise refuse(_("An .xlsx workbook or a .csv file; this is an old Excel (.xls) or other "
                       "Office binary file: open it and save it as .xlsx"))
    if data.startswith(ZIP_MAGIC):
        if extension != "xlsx":
            raise refuse(_("A file named .xlsx for an Excel workbook (this one holds a zip "
                           "archive but is named .%(extension)s)", extension=extension or "—"))
        return XLSX
    if extension == "xlsx":
        raise refuse(_("An Excel workbook (.xlsx); this file is named .xlsx but is not one — "
                       "save it again from Excel as \"Excel Workbook (.xlsx)\""))
    if extension in ("csv", "txt"):
        return CSV
    raise refuse(_("An .xlsx workbook or a .csv file (this one is .%(extension)s)",
                   extension=extension or "—"))


def read_table(filename: str, data: bytes, columns: Sequence[Column], *,
               limits: Limits = DEFAULT_LIMITS, sheet: str | None = None,
               paused=None) -> Table:
    """Read an uploaded .xlsx or .csv into rows keyed by `columns`; FileRefused if it cannot be.

    The header is the first non-empty row. For a workbook, `sheet` names the worksheet to read
    (case-insensitive); by default the first one. `paused(rows)` (a request's progress's: see
    competition/progress.py) lets the server's other work run while the rows are read.
    """
    name = filename or "upload"
    if not data:
        raise FileRefused([RowError(name, None, "", "", _("A file with a header row and at "
                                                          "least one data row; this one is "
                                                          "empty"))])
    if len(data) > limits.max_bytes:
        raise FileRefused([RowError(name, None, "", "", _(
            "A file of at most %(limit)s MB; this one has %(size)s MB — split it into "
            "several files", limit=_megabytes(limits.max_bytes), size=_megabytes(len(data))))])
    kind = file_kind(name, data)
    if kind == XLSX:
        sheet_name, raw_rows = _xlsx_rows(name, data, limits, sheet)
    else:
        sheet_name, raw_rows = name, _csv_rows(name, data, limits)
    return tabulate(kind, sheet_name, paused(raw_rows) if paused is not None else raw_rows,
                    columns, limits)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def check_zip(name: str, data: bytes, limits: Limits) -> None:
    """Refuse a workbook whose zip would inflate too far, before anything decompresses it."""
    def refuse(expected: str) -> FileRefused:
        return FileRefused([RowError(name, None, "", "", expected)])

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise refuse(_("An Excel workbook (.xlsx); this file is damaged or not a workbook — "
                       "save it again from Excel")) from None
    if len(entries) > limits.max_zip_entries:
        raise refuse(_("An Excel workbook of ordinary size; this one holds %(count)s parts",
                       count=len(entries)))
    total = 0
    for entry in entries:
        if entry.flag_bits & 0x1:
            raise refuse(_("A workbook without a password; remove the password and save again"))
        total += entry.file_size
        ratio = entry.file_size / max(entry.compress_size, 1)
        if ratio > limits.max_ratio and entry.file_size > 1024 * 1024:
            raise refuse(_("An ordinary Excel workbook; this one would inflate %(ratio)s times "
                           "(a zip bomb) and was not opened", ratio=int(ratio)))
    if total > limits.max_unzipped_bytes:
        raise refuse(_("An Excel workbook of at most %(limit)s MB uncompressed; this one would "
                       "inflate to %(size)s MB and was not opened",
                       limit=_megabytes(limits.max_unzipped_bytes), size=_megabytes(total)))
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise refuse(_("An Excel workbook (.xlsx); this zip archive is not one — save the table "
                       "from Excel as \"Excel Workbook (.xlsx)\""))


def _xlsx_rows(name: str, data: bytes, limits: Limits,
               wanted: str | None) -> tuple[str, Iterator[tuple[int, list[tuple[str, Any]]]]]:
    import openpyxl
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

    check_zip(name, data, limits)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a damaged workbook
        raise FileRefused([RowError(name, None, "", "", _(
            "An Excel workbook (.xlsx) that opens; this one is damaged — open it in Excel and "
            "save it again"))]) from None
    sheets = workbook.worksheets
    if wanted:
        chosen = [ws for ws in sheets if ws.title.casefold() == wanted.casefold()]
        if not chosen:
            workbook.close()
            raise FileRefused([RowError(name, None, "", "", _(
                "A sheet named %(sheet)s (the workbook has: %(sheets)s)", sheet=wanted,
                sheets=", ".join(ws.title for ws in sheets)))])
        worksheet = chosen[0]
    elif sheets:
        worksheet = sheets[0]
    else:
        workbook.close()
        raise FileRefused([RowError(name, None, "", "", _("A workbook with a worksheet"))])
    if not hasattr(worksheet, "reset_dimensions"):  # a chart sheet
        workbook.close()
        raise FileRefused([RowError(name, None, "", "", _("A worksheet with a table, not a "
                                                          "chart"))])
    # A workbook may claim any size in its <dimension>; read what is really there instead.
    worksheet.reset_dimensions()

    def rows() -> Iterator[tuple[int, list[tuple[str, Any]]]]:
        from openpyxl.utils import get_column_letter

        try:
            for number, cells in enumerate(worksheet.iter_rows(), start=1):
                values = []
                for index, cell in enumerate(cells, start=1):
                    value = getattr(cell, "value", None)
                    if getattr(cell, "data_type", None) == "f" or isinstance(
                            value, (ArrayFormula, DataTableFormula)):
                        values.append((f"{get_column_letter(index)}{number}", Formula(value)))
                    else:
                        values.append(("", value))
                yield number, values
        finally:
            workbook.close()

    return worksheet.title, rows()


def _decode(name: str, data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        encodings = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8", "cp1251"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # NUL and other control characters: binary data or UTF-16 without its mark, not text
        if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", text):
            break
        return text
    raise FileRefused([RowError(name, None, "", "", _(
        "A CSV file in UTF-8 (or Windows-1251) text; this one is in another encoding or is not "
        "text — in Excel choose \"Save as\" → \"CSV UTF-8\""))])


def sniff_delimiter(line: str) -> str:
    """The one of , ; tab that splits the header line most (Excel in Russian writes ';')."""
    counts = {delimiter: next(csv.reader([line], delimiter=delimiter)).__len__()
              for delimiter in (",", ";", "\t")}
    best = max(counts.values())
    for delimiter in (",", ";", "\t"):  # on a tie, the comma
        if counts[delimiter] == best:
            return delimiter
    return ","


def _csv_rows(name: str, data: bytes, limits: Limits) -> Iterator[tuple[int, list]]:
    text = _decode(name, data)
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = sniff_delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def rows() -> Iterator[tuple[int, list]]:
        try:
            for number, record in enumerate(reader, start=1):
                values = []
                for index, value in enumerate(record, start=1):
                    if value.startswith("="):
                        values.append((f"{column_letter(index)}{number}", Formula(value)))
                    else:
                        values.append(("", value))
                yield number, values
        except csv.Error as error:
            raise FileRefused([RowError(name, reader.line_num, "", "", _(
                "A well-formed CSV file (%(problem)s) — check the quotes on this line",
                problem=str(error)))]) from None

    return rows()
