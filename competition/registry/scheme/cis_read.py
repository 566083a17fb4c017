"""Reading a CIS marking scheme sheet (cis_layout.py) into the flat scheme's rows.

`read_cis(sheet, rows)` walks the sheet's cells and writes, for every criterion, sub-criterion
and aspect of it, one row keyed like the flat format's COLUMNS (parsing.py), each at its sheet
row and with its columns named by letter and header ("K (Max Mark)"). parse_rows, the plan and
the import then check and write them exactly as they do a flat sheet. What only the CIS layout
can get wrong (a J aspect without its four score rows, an aspect before any sub-criterion, an
unknown type letter …) is an error here; a saved total that is not the sum of its aspects is a
warning (`CisTable.warnings`). Nothing here reads the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from ..imports.tabular import FileRefused, Row, RowError, Table, cell_text
from ..people.fields import report_locale
from .cis_layout import (
    CRITERION,
    HEADERS,
    LETTERS,
    TOTAL_WORDS,
    TYPE_NAMES,
    VALUE_LIST,
    header_is,
    language_of,
    normalize,
    parse_deduction,
    type_letter,
)

WIDTH = 14  # A…N
KINDS = {"M": "marks", "J": "marks", "B": "binary", "D": "discrete"}


@dataclass
class CisTable(Table):
    """A CIS sheet read as flat rows; `warnings` do not stop the import."""

    warnings: list[RowError] = field(default_factory=list)
    language: str = "en"


@dataclass
class _Aspect:
    row: int
    letter: str
    cells: list[str]
    details: list[tuple[int, list[str]]] = field(default_factory=list)


def text_of(value: Any) -> str:
    if isinstance(value, float):
        value = round(value, 9)
    return cell_text(value)


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ".").replace(" ", ""))
    except (InvalidOperation, ValueError):
        return None


class _Reader:
    def __init__(self, sheet: str, rows: list[tuple[int, list[Any]]], blank: set[str]):
        self.sheet = sheet
        self.rows = rows
        self.blank = blank          # formula cells without a saved value ("K12")
        self.out: list[Row] = []
        self.errors: list[RowError] = []
        self.warnings: list[RowError] = []
        self.lang = "en"
        self.headers: dict[str, str] = {}
        self.summary: dict[str, tuple[str, str, int]] = {}  # criteria table: code → name, mark
        self.criterion: str | None = None
        self.criteria: dict[str, int] = {}
        self.subs: dict[str, int] = {}
        self.sub: str | None = None
        self.aspect: _Aspect | None = None
        self.orphan = False         # detail rows of a refused aspect are skipped
        self.count = 0
        self.block_sum = Decimal(0)
        self.total: tuple[int, str, str] | None = None  # row, column, saved value
        self.title: tuple[int, list[str]] | None = None

    # --- helpers ------------------------------------------------------------------------------
    def label(self, letter: str) -> str:
        header = self.headers.get(letter) or HEADERS[letter][self.lang == "ru"]
        return f"{letter} ({header})"

    def error(self, number: int, letter: str, value: str, expected: str) -> None:
        column = self.label(letter) if letter in LETTERS else letter
        self.errors.append(RowError(self.sheet, number, column, value, expected))

    def row(self, number: int, values: dict[str, str], headers: dict[str, str]) -> None:
        self.out.append(Row(self.sheet, number, values, headers))

    # --- the walk -----------------------------------------------------------------------------
    def read(self) -> None:
        started = False
        for number, raw in self.rows:
            cells = [text_of(v) for v in raw[:WIDTH]] + [""] * (WIDTH - len(raw[:WIDTH]))
            in_block = started and self.criterion is not None
            for index, letter in enumerate(LETTERS):
                cell = f"{letter}{number}"
                if cell in self.blank and in_block:
                    self.error(number, letter, "=…", _(
                        "A value: the formula in %(cell)s has no saved value — open the "
                        "workbook in Excel and save it again", cell=cell))
                    cells[index] = ""
            if header_is("A", cells[0]) and header_is("D", cells[3]):
                started = True
                self.start_block(number, cells)
                continue
            if not any(cells):
                continue
            if CRITERION.match(cells[0]):
                self.finish_aspect()
                self.title = (number, cells)
                continue
            if not started:
                self.read_summary(number, cells)
            elif self.criterion is not None:
                self.data_row(number, cells)
        self.finish_block()

    def read_summary(self, number: int, cells: list[str]) -> None:
        """The criteria table above the blocks (ID | Name | Mark): names and marks, if any."""
        first, second, third = (normalize(c) for c in cells[:3])
        if first in ("id", "код") and second.startswith(("name", "наимен", "назв")):
            self.summary["__table__"] = ("", "", number)
        elif "__table__" in self.summary and cells[0] and " " not in cells[0] \
                and len(cells[0]) <= 16 and not third.startswith(("mark", "балл")):
            self.summary[cells[0]] = (cells[1], cells[2], number)

    def start_block(self, number: int, cells: list[str]) -> None:
        self.finish_block()
        self.lang = language_of(cells[0])
        self.headers = {letter: cells[i] for i, letter in enumerate(LETTERS) if cells[i]}
        code = name = ""
        where = ("A", "B")
        title_number = number
        title_cells = self.title[1] if self.title and self.title[0] < number else None
        for source, row_number in ((title_cells, self.title[0] if self.title else 0),
                                   (cells, number)):
            if not source:
                continue
            for i, cell in enumerate(source):
                match = CRITERION.match(cell)
                if match and not code:
                    code, title_number = match.group(2), row_number
                    where = (chr(ord("A") + i), "")
                    follow = next(((j, c) for j, c in enumerate(source[i + 1:], i + 1) if c),
                                  None)
                    if follow and normalize(follow[1]) not in TOTAL_WORDS and not name:
                        name = follow[1]
                        where = (where[0], chr(ord("A") + follow[0]))
                if normalize(cell) in TOTAL_WORDS and self.total is None:
                    saved = next((c for c in source[i + 1:] if c), "")
                    self.total = (row_number, f"{chr(ord('A') + i + 1)} ({cell})", saved)
        self.title = None
        if not code:
            self.criterion = None
            self.error(number, "A", cells[0], _(
                "“Criterion X” (X the criterion's letter) in A of the row above this header "
                "row, or in L of it, followed by the criterion's name"))
            return
        if not name and code in self.summary:
            name = self.summary[code][0]
        if code in self.criteria:
            self.criterion = None
            self.error(title_number, where[0], code, _(
                "Each criterion once in the workbook; %(code)s also starts in row %(row)s",
                code=code, row=self.criteria[code]))
            return
        self.criteria[code] = title_number
        self.criterion, self.sub, self.subs, self.block_sum = code, None, {}, Decimal(0)
        self.row(title_number, {"criterion": code, f"criterion_name_{self.lang}": name},
                 {"criterion": where[0], **{f"criterion_name_{locale}": where[1] or "B"
                                             for locale in ("ru", "kk", "en")}})

    def data_row(self, number: int, cells: list[str]) -> None:
        a, d, f, g = cells[0], cells[3], cells[5], cells[6]
        if a:
            self.finish_aspect()
            self.orphan = False
            if a in self.subs:
                self.error(number, "A", a, _(
                    "Each sub-criterion ID once in its criterion; %(code)s is also in row "
                    "%(row)s", code=a, row=self.subs[a]))
                self.sub, self.orphan = None, True
                return
            self.subs[a] = number
            self.sub, self.count = a, 0
            day = cells[2]
            if day.isdigit():
                day = f"C{day}"
            self.row(number, {"criterion": self.criterion, "sub_criterion": a,
                              f"sub_criterion_name_{self.lang}": cells[1], "day": day},
                     {"sub_criterion": self.label("A"), "day": self.label("C"),
                      **{f"sub_criterion_name_{locale}": self.label("B")
                         for locale in ("ru", "kk", "en")}})
            if d:
                self.start_aspect(number, cells)
            return
        if d:
            self.finish_aspect()
            self.start_aspect(number, cells)
        elif f or g:
            if self.aspect is not None and self.aspect.letter in ("J", "D"):
                self.aspect.details.append((number, cells))
            elif not self.orphan:
                self.error(number, "G" if g else "F", g or f, _(
                    "Score rows (a score in F, its description in G) only below a judgement "
                    "(J) aspect, level rows only below a discrete (D) aspect"))
        elif any(cells[1:11]) and not self.orphan:
            letter = next(LETTERS[i] for i in range(1, 11) if cells[i])
            self.error(number, letter, cells[LETTERS.index(letter)], _(
                "A sub-criterion ID in A, or an aspect type in D, on a row with other cells"))

    def start_aspect(self, number: int, cells: list[str]) -> None:
        letter = type_letter(cells[3])
        if self.sub is None:
            self.orphan = True
            self.aspect = None
            self.error(number, "D", cells[3], _(
                "A sub-criterion row (its ID in A, its name in B) above the aspect"))
            return
        if letter not in KINDS:
            self.orphan = True
            self.aspect = None
            self.error(number, "D", cells[3], _("One of the aspect types: %(types)s",
                                                types=TYPE_NAMES[self.lang]))
            return
        self.orphan = False
        self.aspect = _Aspect(number, letter, cells)

    def finish_aspect(self) -> None:
        aspect, self.aspect = self.aspect, None
        if aspect is None:
            return
        cells, lang = aspect.cells, self.lang
        self.count += 1
        top = _number(cells[10])
        if top is not None:
            self.block_sum += top
        values = {"criterion": self.criterion, "sub_criterion": self.sub,
                  "aspect": f"{self.sub}.{self.count}",
                  "type": "J" if aspect.letter == "J" else "M",
                  "kind": KINDS[aspect.letter], "max": cells[10],
                  "standards_section": cells[8]}
        headers = {"aspect": self.label("A"), "type": self.label("D"),
                   "kind": self.label("D"), "max": self.label("K"),
                   "standards_section": self.label("I"), "values": self.label("H"),
                   "step": self.label("H"), "floor": self.label("H")}
        for locale in ("ru", "kk", "en"):
            headers[f"description_{locale}"] = self.label("E")
            headers[f"levels_{locale}"] = self.label("F")
            for score in range(4):
                headers[f"descriptor_{score}_{locale}"] = self.label("G")
        extra = [cells[6]]
        requirement = cells[7]
        if aspect.letter == "M" and requirement:
            deduction = parse_deduction(requirement)
            if deduction:
                values.update(kind="deduction", step=deduction[0], floor=deduction[1])
                requirement = ""
            elif VALUE_LIST.match(requirement):
                values["values"], requirement = requirement, ""
        extra.append(requirement)
        values[f"description_{lang}"] = " — ".join(p for p in (cells[4], *extra) if p)
        if aspect.letter == "J":
            self.judgement(aspect, values)
        elif aspect.letter == "D":
            self.levels(aspect, values)
        self.row(aspect.row, values, headers)

    def judgement(self, aspect: _Aspect, values: dict[str, str]) -> None:
        top = _number(aspect.cells[10])
        for score, (number, cells) in enumerate(aspect.details):
            if score < 4 and _number(cells[5]) != score:
                self.error(number, "F", cells[5], _(
                    "The score %(score)s (the four rows below a judgement aspect score 0, 1, "
                    "2, 3 in order)", score=score))
            if cells[10] and _number(cells[10]) != top:
                self.error(number, "K", cells[10], _(
                    "Empty, or the judgement aspect's Max Mark %(max)s (row %(row)s)",
                    max=aspect.cells[10], row=aspect.row))
            if score < 4 and not cells[6]:
                self.error(number, "G", "", _("What a score of %(score)s means", score=score))
            if score < 4:
                values[f"descriptor_{score}_{self.lang}"] = cells[6] or "-"
        for score in range(len(aspect.details), 4):  # said once below, not by the rules too
            values[f"descriptor_{score}_{self.lang}"] = "-"
        if len(aspect.details) != 4:
            self.error(aspect.row, "G", str(len(aspect.details)), _(
                "Four rows below the judgement aspect, with the scores 0–3 in F and what each "
                "means in G; found %(n)s", n=len(aspect.details)))

    def levels(self, aspect: _Aspect, values: dict[str, str]) -> None:
        parts = []
        for number, cells in aspect.details:
            if not cells[5]:
                self.error(number, "F", "", _("The level's mark, e.g. 0.50"))
                continue
            label = " ".join(cells[6].replace(";", ",").split())
            parts.append(f"{cells[5]} = {label}".rstrip(" ="))
        values[f"levels_{self.lang}"] = "; ".join(parts)

    def finish_block(self) -> None:
        self.finish_aspect()
        if self.criterion is None:
            return
        if self.total is not None:
            number, letter, saved = self.total
            number_saved = _number(saved) if saved else None
            if saved and number_saved != self.block_sum:
                self.warnings.append(RowError(self.sheet, number, letter, saved, _(
                    "Criterion %(code)s: the saved total is %(saved)s, but its aspects add up "
                    "to %(sum)s — the aspects' Max Marks are imported; check the workbook",
                    code=self.criterion, saved=saved, sum=self.block_sum)))
        summary = self.summary.get(self.criterion)
        if summary and summary[1] and _number(summary[1]) != self.block_sum:
            self.warnings.append(RowError(self.sheet, summary[2], "C", summary[1], _(
                "Criterion %(code)s: the criteria table gives %(saved)s, but its aspects add "
                "up to %(sum)s — the aspects' Max Marks are imported; check the workbook",
                code=self.criterion, saved=summary[1], sum=self.block_sum)))
        self.criterion, self.total = None, None


def read_cis(sheet: str, rows: list[tuple[int, list[Any]]], blank: set[str] | None = None,
             kind: str = "xlsx") -> CisTable:
    """A CIS sheet's rows (number, cell values A…N as saved) as a CisTable of flat rows;
    FileRefused when the sheet has no criterion block at all."""
    with report_locale():
        reader = _Reader(sheet, rows, blank or set())
        reader.read()
        if not reader.criteria and not reader.errors:
            headers = " | ".join(HEADERS[letter][0] for letter in LETTERS)
            raise FileRefused([RowError(sheet, None, "A", "", _(
                "The CIS marking scheme layout: criterion blocks whose header row reads, "
                "across A–K: %(headers)s (or the Russian headers); this sheet has none",
                headers=headers))])
    return CisTable(kind, sheet, reader.out, [], reader.errors, warnings=reader.warnings,
                    language=reader.lang)
