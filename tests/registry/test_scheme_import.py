"""Import and export of a marking scheme as a table: the demo schemes round-trip exactly
(through .xlsx and .csv, with Russian and Kazakh headers too), every mistake in a file is
reported by row and column with nothing imported, and a skill with marks is never replaced."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from competition.database import write_transaction
from competition.extensions import db
from competition.models import AuditEntry, Skill
from competition.registry.imports.reading import read_table
from competition.registry.imports.tabular import FileRefused
from competition.registry.imports.writing import write_csv, write_xlsx
from competition.registry.scheme.importer import (
    SchemeImportError,
    export_scheme,
    import_scheme,
    preview_scheme,
)
from competition.registry.scheme.parsing import COLUMNS
from tests.helpers import csrf, follow_import

from ..marking import enter_marks
from .test_scheme_editor import skill, text

DEMO_SKILLS = sorted(  # those whose scheme is in the JSON (not a CIS workbook: test_cis_import)
    path for path in (Path(__file__).resolve().parents[2] / "fixtures" / "demo" / "skills")
    .glob("*.json") if "criteria" in json.loads(path.read_text(encoding="utf-8")))


@pytest.fixture
def ctx(demo_app):
    """The application without a request (as the command line imports), messages in English."""
    with demo_app.app_context(), force_locale("en"):
        yield demo_app


def empty_skill(code: str = "RT") -> Skill:
    with write_transaction() as session:
        championship_id = skill("10").championship_id
        new = Skill(code=code, championship_id=championship_id, position=99)
        new.set_names({"en": "Round trip"})
        session.add(new)
    return skill(code)


def scheme_of(item: Skill) -> list[dict]:
    """The whole scheme as plain data, in order."""
    db.session.expire_all()
    item = db.session.get(Skill, item.id)
    return [{
        "code": c.code, "name": c.names(),
        "sub_criteria": [{
            "code": s.code, "name": s.names(), "day": s.day,
            "aspects": [{
                "code": a.code, "type": a.type, "max": Decimal(a.max).quantize(Decimal("0.01")),
                "values": a.allowed_values, "descriptors": a.descriptors,
                "description": {"ru": a.description_ru, "kk": a.description_kk,
                                "en": a.description_en},
                "standards_section": a.standards_section,
                "kind": a.kind, "kind_params": a.kind_params,
            } for a in s.aspects]} for s in c.sub_criteria]} for c in item.criteria]


def scheme_of_fixture(path: Path) -> list[dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [{
        "code": c["code"], "name": c["name"],
        "sub_criteria": [{
            "code": s["code"], "name": s["name"], "day": s.get("day", "C1"),
            "aspects": [{
                "code": a["code"], "type": a["type"], "max": Decimal(a["max"]),
                "values": a.get("values") if a["type"] == "M" else None,
                "descriptors": a.get("descriptors") if a["type"] == "J" else None,
                "description": a["description"],
                "standards_section": str(a.get("standards_section", "")),
                "kind": a.get("kind", "marks"), "kind_params": a.get("kind_params"),
            } for a in s["aspects"]]} for s in c["sub_criteria"]]} for c in data["criteria"]]


def skill_of_fixture(path: Path) -> Skill:
    code = json.loads(path.read_text(encoding="utf-8"))["code"]
    return skill(code)


# --- round trips ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path", DEMO_SKILLS, ids=lambda p: p.stem)
def test_every_demo_scheme_round_trips_into_an_empty_skill(ctx, path):
    source = skill_of_fixture(path)
    assert scheme_of(source) == scheme_of_fixture(path)  # the loader kept the file's scheme
    rows = export_scheme(source)
    target = empty_skill()
    assert scheme_of(target) == []
    plan = import_scheme(target, rows)
    assert plan.counts()["create"] == sum(len(s["aspects"]) for c in scheme_of(source)
                                          for s in c["sub_criteria"])
    assert scheme_of(target) == scheme_of(source)
    assert export_scheme(target) == rows  # and it exports identically


@pytest.mark.parametrize(("fmt", "locale"), [("xlsx", "ru"), ("csv", "kk"), ("xlsx", "en")])
def test_a_scheme_round_trips_through_real_files(ctx, fmt, locale):
    source = skill("10")
    rows = export_scheme(source)
    rows[0]["description_en"] = "=not a formula, a text"  # escaped on export, kept on import
    writer = write_xlsx if fmt == "xlsx" else write_csv
    data = writer(COLUMNS, rows, locale=locale)
    table = read_table(f"scheme.{fmt}", data, COLUMNS)
    assert not table.errors
    target = empty_skill()
    import_scheme(target, table, filename=f"scheme.{fmt}")
    expected = scheme_of(source)
    expected[0]["sub_criteria"][0]["aspects"][0]["description"]["en"] = (
        "=not a formula, a text")
    assert scheme_of(target) == expected


def test_empty_criteria_and_sub_criteria_round_trip(ctx):
    rows = [
        {"criterion": "A", "criterion_name_en": "Only a criterion"},
        {"criterion": "B", "criterion_name_ru": "Б", "sub_criterion": "B1",
         "sub_criterion_name_en": "Empty", "day": "C2"},
        {"criterion": "B", "sub_criterion": "B2", "sub_criterion_name_en": "Full",
         "aspect": "B2.1", "type": "M", "max": "5", "description_en": "x"},
    ]
    target = empty_skill()
    import_scheme(target, rows)
    scheme = scheme_of(target)
    assert [c["code"] for c in scheme] == ["A", "B"]
    assert scheme[0]["sub_criteria"] == []
    assert [(s["code"], s["day"], len(s["aspects"])) for s in scheme[1]["sub_criteria"]] == [
        ("B1", "C2", 0), ("B2", "C1", 1)]
    again = empty_skill("RT2")
    import_scheme(again, export_scheme(target))
    assert scheme_of(again) == scheme


# --- replacing, previews, refusals ---------------------------------------------------------------

def test_import_replaces_the_scheme_of_a_skill_without_marks_and_is_audited(ctx):
    mechatronics = skill("04")
    rows = export_scheme(skill("10"))
    plan = preview_scheme(mechatronics, rows)
    assert not plan.errors
    assert plan.extra["total"] == "100.00" and "warning" not in plan.extra
    assert plan.extra["replaces"]["aspects"] == 49
    deleted = {item.code for item in plan.items if item.action == "delete"}
    assert "G1.1" in deleted  # mechatronics has a criterion G; welding has not
    import_scheme(mechatronics, rows, filename="welding.xlsx")
    assert scheme_of(mechatronics) == scheme_of(skill("10"))
    entry = db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.action == "import", AuditEntry.entity == "scheme")).scalar_one()
    assert entry.entity_id == mechatronics.id
    assert entry.changes["aspects"] == 49 and entry.changes["file"] == "welding.xlsx"
    assert entry.changes["replaced"]["aspects"] == 49


def test_the_preview_says_what_changes_and_warns_about_the_total(ctx):
    welding = skill("10")
    rows = export_scheme(welding)
    assert {i.action for i in preview_scheme(welding, rows).items} == {"unchanged"}
    changed = next(r for r in rows if r["aspect"] == "A1.2")
    changed["max"] = "2.00"
    rows = [r for r in rows if r["aspect"] != "A1.3"]
    rows.append({**rows[-1], "aspect": "F2.9", "max": "0.50"})
    plan = preview_scheme(welding, rows)
    actions = {i.code: (i.action, i.changes) for i in plan.items if i.action != "unchanged"}
    assert actions == {"A1.2": ("update", {"max": ("1.00", "2.00")}),
                       "F2.9": ("create", {}), "A1.3": ("delete", {})}
    assert plan.extra["total"] == "100.50"
    assert "The scheme total is 100.50, not 100.00." in plan.extra["warning"]
    assert scheme_of(welding)[0]["sub_criteria"][0]["aspects"][1]["max"] == Decimal("1.00")


def test_a_skill_with_marks_is_never_replaced(ctx):
    enter_marks("10", seed=3, fill=0.2)
    welding = skill("10")
    before = scheme_of(welding)
    rows = export_scheme(welding)
    plan = preview_scheme(welding, rows)
    assert plan.errors[0].expected.startswith(
        "The marking scheme of 10 cannot be replaced:")
    assert "marks have been entered for it" in plan.errors[0].expected
    with pytest.raises(SchemeImportError) as refused:
        import_scheme(welding, rows)
    assert "Edit the scheme in the editor instead" in str(refused.value)
    assert scheme_of(welding) == before


# --- errors, each with its row and column; nothing imported ------------------------------------

def good_rows() -> list[dict]:
    descriptors = {f"descriptor_{s}_en": f"score {s}" for s in range(4)}
    return [
        {"criterion": "A", "criterion_name_en": "Work", "sub_criterion": "A1",
         "sub_criterion_name_en": "Safety", "day": "C1", "aspect": "A1.1", "type": "M",
         "description_en": "PPE", "max": "1.50", "values": "0; 0.75; 1.50"},
        {"criterion": "A", "sub_criterion": "A1", "aspect": "A1.2", "type": "J",
         "description_en": "Organisation", "max": "3", **descriptors},
    ]


def errors_of(rows) -> list[tuple]:
    target = empty_skill()
    with pytest.raises(SchemeImportError) as refused:
        import_scheme(target, rows)
    assert scheme_of(target) == []  # nothing half-imported
    return [(e.row, e.column, e.value, e.expected) for e in refused.value.errors]


def test_good_rows_import(ctx):
    target = empty_skill()
    import_scheme(target, good_rows())
    assert [a["code"] for a in scheme_of(target)[0]["sub_criteria"][0]["aspects"]] == [
        "A1.1", "A1.2"]


@pytest.mark.parametrize(("change", "row", "column", "expected"), [
    ({1: {"aspect": "A1.1"}}, 3, "aspect", "Each aspect code once in the skill; A1.1 is also "
                                           "in row 2"),
    ({0: {"values": "0; 2"}}, 2, "values", "The allowed mark 2 is above the maximum 1.50"),
    ({0: {"max": "1.555"}}, 2, "max", "1.555 has more than 2 decimal places"),
    ({0: {"max": ""}}, 2, "max", "Enter a number"),
    ({0: {"max": "0"}}, 2, "max", "The maximum must be above 0."),
    ({1: {"values": "0; 3"}}, 3, "values", "No allowed marks for a judgement (J) aspect"),
    ({0: {"descriptor_1_ru": "текст"}}, 2, "descriptor_1_ru",
     "No descriptors for a measurement (M) aspect"),
    ({1: {"descriptor_2_en": ""}}, 3, "descriptor_2_ru",
     "A judgement aspect needs all four descriptors: say what a score of 2 means"),
    ({0: {"type": "X"}}, 2, "type", "M (measurement) or J (judgement)."),
    ({0: {"day": "C9"}}, 2, "day", "One of the competition days"),
    ({1: {"day": "C2"}}, 3, "day", "The same day as in row 2 for sub-criterion A1 (C1)"),
    ({1: {"criterion_name_en": "Other"}}, 3, "criterion_name_en",
     "The same name as in row 2 for criterion A (“Work”), or an empty cell"),
    ({1: {"sub_criterion": ""}}, 3, "sub_criterion", "The code of the aspect's sub-criterion"),
    ({1: {"aspect": ""}}, 3, "aspect", "The aspect's code"),
    ({0: {"criterion": "A B"}}, 2, "criterion", "A code has no spaces"),
    ({0: {"criterion_name_en": ""}}, 2, "criterion_name_ru",
     "Enter the name in at least one language."),
    ({0: {"description_en": ""}}, 2, "description_ru",
     "Describe the aspect in at least one language."),
])
def test_each_mistake_is_reported_at_its_row_and_column(ctx, change, row, column, expected):
    rows = good_rows()
    for index, values in change.items():
        rows[index].update(values)
    errors = errors_of(rows)
    assert any(r == row and c == column and expected in e for r, c, _v, e in errors), errors


def test_all_errors_of_a_file_are_listed_at_once(ctx):
    rows = good_rows()
    rows[0]["max"] = "abc"
    rows[1]["type"] = "?"
    errors = errors_of(rows)
    assert [(r, c, v) for r, c, v, _e in errors] == [(2, "max", "abc"), (3, "type", "?")]


def test_an_empty_table_is_refused(ctx):
    assert errors_of([])[0][3] == "At least one criterion with its sub-criteria and aspects"


def test_a_file_without_a_required_column_is_refused_by_name(ctx):
    data = write_csv([c for c in COLUMNS if c.key != "max"], good_rows())
    with pytest.raises(FileRefused) as refused:
        read_table("scheme.csv", data, COLUMNS)
    assert any(e.column == "max" and "Макс. балл" in e.expected
               for e in refused.value.errors)


def test_a_formula_in_a_scheme_workbook_is_refused_with_its_cell(ctx):
    data = write_xlsx(COLUMNS, good_rows())
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    max_column = [c.key for c in COLUMNS].index("max") + 1
    sheet.cell(row=2, column=max_column, value="=1+0.5")
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table("scheme.xlsx", buffer.getvalue(), COLUMNS)
    assert [(e.row, e.value) for e in table.errors] == [(2, "=1+0.5")]


def test_russian_words_in_cells_are_understood(ctx):
    rows = good_rows()
    rows[0].update({"type": "М", "day": "С2", "max": "1,50", "values": "0; 0,75; 1,50"})
    rows[1].update({"type": "судейская", "day": ""})
    target = empty_skill()
    import_scheme(target, rows)
    sub = scheme_of(target)[0]["sub_criteria"][0]
    assert sub["day"] == "C2"
    assert [(a["type"], a["values"]) for a in sub["aspects"]] == [
        ("M", ["0", "0.75", "1.50"]), ("J", None)]


# --- through the organizer's import page (the imports feature's flow) --------------------------

def test_upload_preview_and_confirm_a_scheme_on_the_import_page(demo_app, organizer):
    client = organizer
    with demo_app.app_context():
        rows = export_scheme(skill("10"))
        data = write_xlsx(COLUMNS, rows, locale="ru")
        page = client.get("/manage/import").get_data(as_text=True)
        token = csrf(page)
        upload = re.search(r'<form[^>]*action="([^"]+)"[^>]*enctype="multipart/form-data"',
                           page) or re.search(
            r'<form[^>]*enctype="multipart/form-data"[^>]*action="([^"]+)"', page)
        response = client.post(upload.group(1), data={
            "csrf_token": token, "kind": "scheme", "championship": "vko-ws-2026",
            "skill": "vko-ws-2026/04", "file": (io.BytesIO(data), "welding.xlsx")},
            content_type="multipart/form-data")
        preview = text(response)
        assert response.status_code == 200, preview
        assert "100.00" in preview and "G1.1" in preview  # the total; G1.1 would go
        confirm = {name: value for name, value in re.findall(
            r'<input[^>]*name="(csrf_token|token)"[^>]*value="([^"]+)"', preview)}
        response = follow_import(client, client.post("/manage/import/confirm", data=confirm))
        assert response.status_code == 303, text(response)
        assert scheme_of(skill("04")) == scheme_of(skill("10"))


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_editor_exports_a_file_that_re_imports_as_it_is(demo_app, organizer, fmt):
    client = organizer
    with demo_app.app_context():
        welding = skill("10")
        page = client.get(f"/manage/skills/{welding.id}/scheme").get_data(as_text=True)
        link = f"/manage/skills/{welding.id}/scheme/export.{fmt}"
        assert f'href="{link}"' in page
        response = client.get(link)
        assert response.status_code == 200
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="scheme-vko-ws-2026-10.{fmt}"')
        with force_locale("en"):
            table = read_table(f"scheme.{fmt}", response.data, COLUMNS)
            assert table.columns == [c.key for c in COLUMNS]  # headers are the English keys
            target = empty_skill()
            import_scheme(target, table)
        assert scheme_of(target) == scheme_of(welding)
