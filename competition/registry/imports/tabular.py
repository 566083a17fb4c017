"""The tables organizers import (.xlsx and .csv): what a column, a row, an error and a plan are.

The generic half of every import (organizations, competitors, experts, a skill's marking scheme),
in four modules:

- tabular.py (this one): the shapes every importer works with (Column, Row, RowError, Table,
  Plan, the `Importer` protocol), the file limits, the two refusals (FileRefused, RowsInvalid)
  and a cell's text both ways (cell_text on reading, escape_formula on writing);
- reading.py: an uploaded file's type and bytes checked, its cells read (`read_table`);
- rows.py: the header matched to the importer's columns, every cell checked (`tabulate`);
- writing.py: templates and exports written as .xlsx or .csv.

An importer declares its columns; `read_table` turns an uploaded file into rows keyed by those
columns, or refuses it with errors that name the sheet, the row, the column, the value and what
was expected. None of it writes to the database.

How an importer uses it (see people.py and experts.py, docs/imports.md for users)::

    COLUMNS = (
        Column("code", required=True, ru="Код", kk="Коды", help=_l("A short unique code")),
        Column("name_ru", ru="ФИО (рус)", kk="Аты-жөні (орыс)"),
    )
    table = read_table("people.xlsx", data, COLUMNS)      # reading.py; raises FileRefused
    for row in table.rows:                                # Row(sheet, number, values)
        row.values["code"]                                # always a str ("" when empty)
    errors = list(table.errors)                           # cell-level problems found so far
    errors.append(row.error("code", _("A code used once in the file")))

An importer object (the `Importer` protocol below) adds validation against the database and the
writes; service.py runs the preview → confirm → one-transaction import around it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Protocol

from ...errors import Invalid

XLSX = "xlsx"
CSV = "csv"

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


class FileRefused(Invalid):
    """The file as a whole cannot be imported; `errors` says why (at least one)."""

    default_code = "file_refused"

    def __init__(self, errors: Sequence[RowError]):
        self.errors = list(errors)
        super().__init__("; ".join(e.as_line() for e in self.errors))


class RowsInvalid(Invalid):
    """Raised by an importer's apply() when a rule breaks while writing (the database changed
    since the check): the caller rolls the whole import back and reports these errors."""

    default_code = "rows_invalid"

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

    def refused(self, invalid: Invalid) -> RowsInvalid:
        """The import's refusal of this row for `invalid`, a rule the service's check broke."""
        return RowsInvalid([self.error(invalid.field or "", invalid.message)])


@dataclass
class Table:
    kind: str                      # XLSX or CSV
    sheet: str                     # the sheet read (the file name for a CSV)
    rows: list[Row]
    columns: list[str]             # the keys present, in the file's order
    errors: list[RowError]         # cell-level problems (formulas, overlong values)


class Importer(Protocol):
    """What service.py needs from one kind of import (people.py has two, experts.py one)."""

    kind: str                       # "organizations", "competitors", "experts", "scheme"
    entity: str                     # the audit entity ("organization", …)
    columns: tuple[Column, ...]
    scope: str                      # "none", "championship" or "skill": what the page asks for

    def plan(self, table: Table, target: Any) -> Plan:
        """Validate every row against the database and say what would change (no writes)."""

    def stamps(self, target: Any, codes: list[str]) -> dict:
        """The records of `codes` (the file's), by code, each with a value that changes whenever
        the record does (its row); under the key None what the whole plan rests on. Taken
        before the plan and again inside the write transaction (stale.py): a difference is
        what changed meanwhile."""

    def apply(self, plan: Plan, target: Any) -> None:
        """Write the plan (inside the caller's write transaction; it adds the audit entry).
        An importer may build what it writes beforehand, outside the transaction, with an
        optional `prepare(plan, target, progress)` that fills `plan.writes`."""

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
    # what the file may have wrong without stopping the import (shown by preview and CLI)
    warnings: list[RowError] = field(default_factory=list)
    # the rows apply() writes, built by the importer's prepare() before the write transaction
    writes: Any = None

    def counts(self) -> dict[str, int]:
        """Planned items per action: create, update, unchanged (and any other, e.g. delete)."""
        counts = {"create": 0, "update": 0, "unchanged": 0}
        for item in self.items:
            counts[item.action] = counts.get(item.action, 0) + 1
        return counts


# --- a cell's text, both ways ------------------------------------------------------------------

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


def escape_formula(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (CSV/XLSX injection).

    Numbers stay numbers; only text is escaped. cell_text() strips the apostrophe again on
    import, so an export re-imports to the same values.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


__all__ = [
    "CSV", "DEFAULT_LIMITS", "FORMULA_STARTS", "XLSX", "Column", "FileRefused", "Importer",
    "Limits", "Plan", "PlannedRow", "Row", "RowError", "RowsInvalid", "Table", "cell_text",
    "escape_formula", "normalize_header", "unescape_formula",
]
