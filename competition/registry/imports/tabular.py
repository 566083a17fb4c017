"""Reading and writing the tables organizers import: .xlsx (openpyxl) and .csv.

The generic half of every import (organizations, competitors, experts, a skill's marking scheme).
An importer declares its columns; this module turns an uploaded file into rows keyed by those
columns, or refuses it with errors that name the sheet, the row, the column, the value and what
was expected. It never writes to the database.

How an importer uses it (see people.py for three of them, docs/imports.md for users)::

    COLUMNS = (
        Column("code", required=True, ru="Код", kk="Коды", help=_l("A short unique code")),
        Column("name_ru", ru="ФИО (рус)", kk="Аты-жөні (орыс)"),
    )
    table = read_table("people.xlsx", data, COLUMNS)      # raises FileRefused
    for row in table.rows:                                # Row(sheet, number, values)
        row.values["code"]                                # always a str ("" when empty)
    errors = list(table.errors)                           # cell-level problems found so far
    errors.append(row.error("code", _("A code used once in the file")))

An importer object (the `Importer` protocol below) adds validation against the database and the
writes; service.py runs the preview → confirm → one-transaction import around it.

What is refused, and why:
- the type is decided by the content AND the name: an .xlsx must be a zip holding
  [Content_Types].xml and xl/workbook.xml; a .csv must be text. Old .xls is refused with advice.
- size over `Limits.max_bytes`; a zip whose entries would inflate beyond
  `Limits.max_unzipped_bytes` or compress suspiciously well (a zip bomb) — checked from the zip
  directory BEFORE openpyxl opens anything.
- formulas: read with data_only=False, so a formula cell is seen as a formula and refused with
  its cell address; it is never evaluated (its cached value could say anything).
- more than `Limits.max_rows` data rows, unknown, missing or duplicate columns, no data rows.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Protocol

from flask_babel import gettext as _

XLSX = "xlsx"
CSV = "csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv"

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls (and other MS Office binaries)
ZIP_MAGIC = b"PK\x03\x04"
# What a spreadsheet program would run as a formula when the text is opened (OWASP CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Limits:
    """What a file may be; the defaults suit a championship (thousands of rows, not millions)."""

    max_bytes: int = 5 * 1024 * 1024
    max_rows: int = 20_000
    max_unzipped_bytes: int = 100 * 1024 * 1024
    max_ratio: int = 100          # uncompressed / compressed size of any one zip entry
    max_zip_entries: int = 1_000
    max_cell_chars: int = 2_000


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Column:
    """One column of an import: its English key and the header names people may type.

    Header matching ignores case, repeated spaces, a trailing "*" (the templates mark required
    columns that way), and treats "ё" as "е" and "_" as a space.
    """

    key: str
    required: bool = False
    ru: str = ""
    kk: str = ""
    aliases: tuple[str, ...] = ()
    help: Any = ""  # a lazy string: what a value looks like (the templates' instructions sheet)

    def header(self, locale: str = "en") -> str:
        """The header a template in `locale` shows."""
        return {"ru": self.ru, "kk": self.kk}.get(locale) or self.key

    def accepted(self) -> tuple[str, ...]:
        """Every header name accepted, each once (the key first)."""
        names: dict[str, str] = {}
        for header in (self.key, self.ru, self.kk, *self.aliases):
            if header:
                names.setdefault(normalize_header(header), header)
        return tuple(names.values())


def normalize_header(text: str) -> str:
    text = str(text).replace("\u00a0", " ").replace("_", " ").strip().rstrip("*").strip()
    return " ".join(text.split()).casefold().replace("ё", "е")


@dataclass(frozen=True)
class RowError:
    """One problem of the file: where (sheet, row, column), the value, and what was expected."""

    sheet: str
    row: int | None
    column: str
    value: str
    expected: str

    def as_line(self) -> str:
        where = f"{self.sheet}" + (f", row {self.row}" if self.row else "")
        column = f", column {self.column}" if self.column else ""
        value = f", value {self.value!r}" if self.value else ""
        return f"{where}{column}{value}: {self.expected}"

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column,
                "value": self.value, "expected": self.expected}


class FileRefused(Exception):
    """The file as a whole cannot be imported; `errors` says why (at least one)."""

    def __init__(self, errors: Sequence[RowError]):
        self.errors = list(errors)
        super().__init__("; ".join(e.as_line() for e in self.errors))


class RowsInvalid(Exception):
    """Raised by an importer's apply() when a rule breaks while writing (the database changed
    since the check): the caller rolls the whole import back and reports these errors."""

    def __init__(self, errors: Sequence[RowError]):
        self.errors = list(errors)
        super().__init__("; ".join(e.as_line() for e in self.errors))


@dataclass
class Row:
    """One data row: where it was and its values by column key ("" for an empty cell)."""

    sheet: str
    number: int
    values: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict, repr=False)  # key -> header as typed

    def error(self, key: str, expected: str, value: str | None = None) -> RowError:
        """An error about this row's column `key` (value defaults to the cell's)."""
        shown = self.values.get(key, "") if value is None else value
        return RowError(self.sheet, self.number, self.headers.get(key, key), shown, str(expected))


@dataclass
class Table:
    kind: str                      # XLSX or CSV
    sheet: str                     # the sheet read (the file name for a CSV)
    rows: list[Row]
    columns: list[str]             # the keys present, in the file's order
    errors: list[RowError]         # cell-level problems (formulas, overlong values)


class Importer(Protocol):
    """What service.py needs from one kind of import (people.py has three)."""

    kind: str                       # "organizations", "competitors", "experts", "scheme"
    entity: str                     # the audit entity ("organization", …)
    columns: tuple[Column, ...]
    scope: str                      # "none", "championship" or "skill": what the page asks for

    def plan(self, table: Table, target: Any) -> Plan:
        """Validate every row against the database and say what would change (no writes)."""

    def apply(self, plan: Plan, target: Any) -> None:
        """Write the plan (inside the caller's write transaction; it adds the audit entry)."""

    def export_rows(self, target: Any) -> Iterable[dict[str, Any]]:
        """The current records as rows keyed like `columns` (export re-imports cleanly)."""


@dataclass
class PlannedRow:
    """What importing one record would do: create, update (with the fields that change), keep."""

    row: Row | None
    code: str
    label: str
    action: str                                    # "create", "update", "unchanged"
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    payload: Any = None                            # whatever the importer's apply() needs


@dataclass
class Plan:
    items: list[PlannedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    extra: dict = field(default_factory=dict)      # importer-specific (e.g. the scheme's total)

    def counts(self) -> dict[str, int]:
        """Planned items per action: create, update, unchanged (and any other, e.g. delete)."""
        counts = {"create": 0, "update": 0, "unchanged": 0}
        for item in self.items:
            counts[item.action] = counts.get(item.action, 0) + 1
        return counts


# --- reading -----------------------------------------------------------------------------------

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
               limits: Limits = DEFAULT_LIMITS, sheet: str | None = None) -> Table:
    """Read an uploaded .xlsx or .csv into rows keyed by `columns`; FileRefused if it cannot be.

    The header is the first non-empty row. For a workbook, `sheet` names the worksheet to read
    (case-insensitive); by default the first one.
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
    return _tabulate(kind, sheet_name, raw_rows, columns, limits)


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
                        values.append((f"{get_column_letter(index)}{number}", _Formula(value)))
                    else:
                        values.append(("", value))
                yield number, values
        finally:
            workbook.close()

    return worksheet.title, rows()


class _Formula:
    def __init__(self, value: Any):
        self.text = getattr(value, "text", None) or str(value)


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
                        values.append((f"{_column_letter(index)}{number}", _Formula(value)))
                    else:
                        values.append(("", value))
                yield number, values
        except csv.Error as error:
            raise FileRefused([RowError(name, reader.line_num, "", "", _(
                "A well-formed CSV file (%(problem)s) — check the quotes on this line",
                problem=str(error)))]) from None

    return rows()


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def cell_text(value: Any) -> str:
    """A cell's value as the text a person typed: 12.0 → "12", dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).replace("\u00a0", " ").strip()
    return unescape_formula(text)


def unescape_formula(text: str) -> str:
    """Undo escape_formula(): our exports prefix risky text with an apostrophe."""
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_STARTS:
        return text[1:]
    return text


def _tabulate(kind: str, sheet: str, raw_rows: Iterator[tuple[int, list]],
              columns: Sequence[Column], limits: Limits) -> Table:
    by_header: dict[str, Column] = {}
    for column in columns:
        for header in column.accepted():
            by_header[normalize_header(header)] = column
    errors: list[RowError] = []
    header_row: list | None = None
    header_number = 0
    for number, values in raw_rows:
        if any(cell_text(v) if not isinstance(v, _Formula) else True for _, v in values):
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
        if isinstance(value, _Formula):
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
            if isinstance(value, _Formula):
                anything = True
                shown = headers[column.key] if column else _column_letter(index + 1)
                errors.append(RowError(sheet, number, shown, value.text, _(
                    "A value, not a formula (cell %(cell)s): type the value itself, or copy "
                    "the cells and paste them as values", cell=where)))
                continue
            text = cell_text(value)
            if not text:
                continue
            anything = True
            if column is None:
                errors.append(RowError(sheet, number, _column_letter(index + 1), text, _(
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


# --- writing -----------------------------------------------------------------------------------

def escape_formula(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (CSV/XLSX injection).

    Numbers stay numbers; only text is escaped. cell_text() strips the apostrophe again on
    import, so an export re-imports to the same values.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


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


__all__ = [
    "CSV", "CSV_MIME", "DEFAULT_LIMITS", "XLSX", "XLSX_MIME", "Column", "FileRefused",
    "Importer", "Limits", "Plan", "PlannedRow", "Row", "RowError", "RowsInvalid", "Table",
    "cell_text", "check_zip", "escape_formula", "expected_columns", "file_kind",
    "instructions_rows", "normalize_header", "read_table", "sniff_delimiter",
    "unescape_formula", "write_csv", "write_xlsx",
]
