"""The generic reader and writer of import tables: every way a file is refused, and the header
names, values and escaping that a good file gets right."""

from __future__ import annotations

import codecs
import csv
import importlib.util
import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from competition.registry.imports.reading import read_table, sniff_delimiter
from competition.registry.imports.tabular import (
    Column,
    FileRefused,
    Limits,
    cell_text,
    escape_formula,
)
from competition.registry.imports.writing import instructions_rows, write_csv, write_xlsx

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "imports"
_spec = importlib.util.spec_from_file_location("make_samples", SAMPLES / "make_samples.py")
make_samples = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_samples)
zip_bomb = make_samples.zip_bomb

COLUMNS = (
    Column("code", required=True, ru="Код", kk="Коды"),
    Column("name_ru", ru="ФИО (рус)", kk="Аты-жөні (орыс)"),
    Column("organization", ru="Организация (код)", kk="Ұйым (коды)"),
)


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def xlsx(rows, title="data") -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_data(rows, delimiter=",", encoding="utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


def refused(filename, data, columns=COLUMNS, **kwargs) -> list:
    with pytest.raises(FileRefused) as caught:
        read_table(filename, data, columns, **kwargs)
    return caught.value.errors


def test_a_workbook_is_read_with_row_numbers_and_header_names_in_any_language():
    data = xlsx([[], ["  КОД *", "аты-жөні   (ОРЫС)", "organization"],
                 ["101", "Иван", "VKPTK"], [], [102.0, None, None]])
    table = read_table("people.xlsx", data, COLUMNS)
    assert table.sheet == "data"
    assert [(r.number, r.values) for r in table.rows] == [
        (3, {"code": "101", "name_ru": "Иван", "organization": "VKPTK"}),
        (5, {"code": "102", "name_ru": "", "organization": ""}),
    ]
    assert table.rows[0].headers["code"] == "КОД *"
    assert table.errors == []


def test_a_named_sheet_is_read_and_a_missing_one_is_named():
    book = openpyxl.Workbook()
    book.active.title = "notes"
    book.create_sheet("People").append(["code"])
    book["People"].append(["7"])
    buffer = io.BytesIO()
    book.save(buffer)
    assert read_table("a.xlsx", buffer.getvalue(), COLUMNS, sheet="people").rows[0].values == {
        "code": "7"}
    errors = refused("a.xlsx", buffer.getvalue(), sheet="Aspects")
    assert "Aspects" in errors[0].expected and "notes, People" in errors[0].expected


def test_errors_speak_the_language_of_the_request(app):
    with app.test_request_context(headers={"Accept-Language": "kk"}):
        errors = refused("a.xlsx", xlsx([["ФИО (рус)"], ["Иван"]]))
    assert errors[0].expected.startswith("code бағаны (міндетті")


def test_a_missing_required_column_is_named_with_its_accepted_names():
    errors = refused("a.xlsx", xlsx([["ФИО (рус)"], ["Иван"]]))
    assert len(errors) == 1
    assert errors[0].column == "code"
    assert "Код" in errors[0].expected and "Коды" in errors[0].expected


def test_an_unknown_column_is_named_and_the_known_ones_listed():
    errors = refused("a.csv", csv_data([["code", "Телефон"], ["1", "+7 701"]]))
    assert errors[0].column == "Телефон"
    assert "code*" in errors[0].expected and "organization" in errors[0].expected


def test_a_column_given_twice_is_refused_even_in_two_languages():
    errors = refused("a.csv", csv_data([["code", "Код"], ["1", "2"]]))
    assert errors[0].column == "Код" and "twice" in errors[0].expected


def test_all_header_errors_come_at_once():
    errors = refused("a.csv", csv_data([["Имя", "Телефон"], ["1", "2"]]))
    assert {e.column for e in errors} == {"Имя", "Телефон", "code"}


@pytest.mark.parametrize("data", [b"", b"\r\n\r\n", b",,,\r\n"])
def test_an_empty_file_is_refused(data):
    errors = refused("a.csv", data)
    assert "empty" in errors[0].expected


def test_a_header_without_data_rows_is_refused():
    errors = refused("a.xlsx", xlsx([["code", "name_ru"], [None, None]]))
    assert "data row" in errors[0].expected


@pytest.mark.parametrize(("filename", "data", "says"), [
    ("list.pdf", b"%PDF-1.4 ...", ".pdf"),
    ("list", b"code\n1\n", "—"),
    ("list.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
    ("list.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
    ("list.xlsx", b"code,name\n1,Ivan\n", "not one"),
    ("list.csv", xlsx([["code"], ["1"]]), "named .csv"),
])
def test_the_wrong_kind_of_file_is_refused_by_its_content(filename, data, says):
    errors = refused(filename, data)
    assert says in errors[0].expected


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    errors = refused("list.xlsx", buffer.getvalue())
    assert "not one" in errors[0].expected


def test_a_damaged_workbook_is_refused_without_a_traceback():
    data = xlsx([["code"], ["1"]])
    errors = refused("list.xlsx", data[: len(data) // 2])
    assert "damaged" in errors[0].expected


def test_a_file_over_the_size_limit_is_refused_before_it_is_read():
    big = b"code\r\n" + b"1234567890\r\n" * (5 * 1024 * 1024 // 12 + 10)
    assert len(big) > 5 * 1024 * 1024
    errors = refused("big.csv", big)
    assert "5 MB" in errors[0].expected and "split" in errors[0].expected
    # the limit is configurable
    assert read_table("big.csv", big, COLUMNS, limits=Limits(max_bytes=6 * 1024 * 1024,
                                                             max_rows=10**6)).rows


def test_a_zip_bomb_is_refused_before_openpyxl_opens_it(monkeypatch):
    import openpyxl as library

    def must_not_open(*args, **kwargs):
        raise AssertionError("openpyxl was asked to open a zip bomb")

    monkeypatch.setattr(library, "load_workbook", must_not_open)
    errors = refused("bomb.xlsx", zip_bomb())
    assert "zip bomb" in errors[0].expected


def test_a_workbook_inflating_beyond_the_total_limit_is_refused():
    data = xlsx([["code"]] + [[f"{i:06d}-{i * 7919 % 104729}"] for i in range(3000)])
    errors = refused("big.xlsx", data, limits=Limits(max_unzipped_bytes=50_000))
    assert "uncompressed" in errors[0].expected


def test_formula_cells_are_refused_with_their_address_and_never_evaluated():
    data = xlsx([["code", "name_ru"], ["1", "=HYPERLINK(\"http://x\",\"y\")"], ["=1+1", "Иван"]])
    table = read_table("f.xlsx", data, COLUMNS)
    formulas = [(e.row, e.column, e.value) for e in table.errors]
    assert formulas == [(2, "name_ru", '=HYPERLINK("http://x","y")'), (3, "code", "=1+1")]
    assert "B2" in table.errors[0].expected and "A3" in table.errors[1].expected


def test_a_formula_in_a_csv_is_refused_too_but_an_escaped_one_is_text():
    table = read_table("f.csv", csv_data([["code", "name_ru"], ["1", "=cmd|' /C calc'!A0"],
                                          ["2", "'=SUM(1)"]]), COLUMNS)
    assert [(e.row, e.column) for e in table.errors] == [(2, "name_ru")]
    assert table.rows[1].values["name_ru"] == "=SUM(1)"


def test_values_outside_the_named_columns_are_errors():
    table = read_table("a.xlsx", xlsx([["code", None], ["1", "stray"]]), COLUMNS)
    assert [(e.row, e.column, e.value) for e in table.errors] == [(2, "B", "stray")]


def test_csv_in_utf8_with_a_bom_cp1251_and_utf16_with_a_bom():
    rows = [["Код", "ФИО (рус)"], ["1", "Ерлан Садыков"]]
    for data in (codecs.BOM_UTF8 + csv_data(rows), csv_data(rows, encoding="cp1251"),
                 csv_data(rows, "\t", "utf-16")):
        table = read_table("a.csv", data, COLUMNS)
        assert table.rows[0].values == {"code": "1", "name_ru": "Ерлан Садыков"}


@pytest.mark.parametrize("data", [
    "code,name_ru\r\n1,Иван\r\n".encode("utf-16-le"),  # UTF-16 without its mark
    b"code,name_ru\r\n1,\x98\xff\x00\r\n",
])
def test_a_csv_in_an_unknown_encoding_is_refused(data):
    errors = refused("a.csv", data)
    assert "UTF-8" in errors[0].expected


@pytest.mark.parametrize(("line", "delimiter"), [
    ("code,name_ru,organization", ","), ("Код;ФИО (рус);Организация", ";"),
    ("code\tname_ru", "\t"), ('"a;b",c', ","), ("code", ","),
])
def test_the_delimiter_is_sniffed(line, delimiter):
    assert sniff_delimiter(line) == delimiter


def test_too_many_rows_are_refused_with_the_limit():
    data = csv_data([["code"]] + [[str(i)] for i in range(20_001)])
    errors = refused("many.csv", data)
    assert "20000" in errors[0].expected and errors[0].row == 20_002
    assert len(read_table("ok.csv", csv_data([["code"]] + [[str(i)] for i in range(20_000)]),
                          COLUMNS).rows) == 20_000


def test_an_overlong_value_is_an_error_of_its_row():
    table = read_table("a.csv", csv_data([["code", "name_ru"], ["1", "я" * 3000]]), COLUMNS)
    assert table.errors[0].row == 2 and "2000" in table.errors[0].expected


def test_cell_values_read_as_people_typed_them():
    assert cell_text(12.0) == "12"
    assert cell_text(1.5) == "1.5"
    assert cell_text(datetime(2026, 11, 24)) == "2026-11-24"
    assert cell_text(date(2026, 11, 24)) == "2026-11-24"
    assert cell_text("  Иван\u00a0 ") == "Иван"
    assert cell_text(None) == ""


@pytest.mark.parametrize("text", ["=1+1", "+7 701", "-5 C", "@SUM(A1)", "\tx", "\rx"])
def test_risky_text_is_escaped_and_reads_back_unchanged(text):
    assert escape_formula(text) == "'" + text
    assert cell_text(escape_formula(text)) == text.strip() or text.startswith(("\t", "\r"))
    assert escape_formula("Иван") == "Иван" and escape_formula(-5) == -5


def test_exports_escape_formula_injection_in_csv_and_xlsx():
    rows = [{"code": "=1+1", "name_ru": "@cmd", "organization": "-2+3"}]
    text = write_csv(COLUMNS, rows).decode("utf-8-sig")
    assert "'=1+1,'@cmd,'-2+3" in text
    book = openpyxl.load_workbook(io.BytesIO(write_xlsx(COLUMNS, rows)))
    cells = list(book.active.iter_rows(min_row=2))[0]
    assert [c.value for c in cells] == ["'=1+1", "'@cmd", "'-2+3"]
    assert all(c.data_type == "s" for c in cells)
    # and both read back to the original values
    for name, data in (("e.csv", write_csv(COLUMNS, rows)), ("e.xlsx", write_xlsx(COLUMNS, rows))):
        assert read_table(name, data, COLUMNS).rows[0].values == rows[0]


@pytest.mark.parametrize(("locale", "header"), [("ru", "Код*"), ("kk", "Коды*"), ("en", "code*")])
def test_a_template_has_the_headers_in_the_language_and_an_instructions_sheet(locale, header):
    data = write_xlsx(COLUMNS, [], locale=locale,
                      instructions=instructions_rows(COLUMNS, locale, "intro"))
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert len(book.worksheets) == 2
    assert book.worksheets[0]["A1"].value == header
    notes = [c.value for row in book.worksheets[1].iter_rows() for c in row if c.value]
    assert "intro" in notes and any("formula" in str(v).lower() for v in notes)
