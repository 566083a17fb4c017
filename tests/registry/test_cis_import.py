"""The CIS marking scheme workbook (competition/registry/scheme/cis*.py): the en and ru samples
import with their kinds, every mistake is named by sheet, row and column with nothing written,
a saved total that is not the sum of its aspects is a warning, the export re-imports to the
same scheme, and the upload page and the command line take the workbook as they take the flat
sheet."""

from __future__ import annotations

import importlib.util
import io
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
from competition.registry.imports import service
from competition.registry.imports.tabular import DEFAULT_LIMITS, FileRefused
from competition.registry.scheme.cis import export_cis, read_scheme_file
from competition.registry.scheme.cis_read import CisTable
from competition.registry.scheme.importer import SCHEME
from competition.registry.scheme.parsing import parse_rows
from tests.helpers import csrf, follow_import

from ..marking import enter_marks

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "imports"
SHEET = "CIS Marking Scheme Import"
WS = "vko-ws-2026"
_spec = importlib.util.spec_from_file_location("make_cis", SAMPLES / "make_cis.py")
make_cis = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_cis)


@pytest.fixture
def ctx(demo_app):
    with demo_app.app_context(), force_locale("en"):
        yield demo_app


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def empty_skill(code: str = "CIS") -> Skill:
    with write_transaction() as session:
        championship_id = session.execute(
            sa.select(Skill.championship_id).where(Skill.code == "10")).scalar_one()
        new = Skill(code=code, championship_id=championship_id, position=99)
        new.set_names({"en": "CIS import"})
        session.add(new)
    return db.session.execute(sa.select(Skill).where(Skill.code == code)).scalar_one()


def scheme_of(skill_id: int) -> list:
    db.session.expire_all()
    skill = db.session.get(Skill, skill_id)
    return [(c.code, c.names(), [(s.code, s.names(), s.day, [
        (a.code, a.type, a.kind, a.kind_params, Decimal(a.max).quantize(Decimal("0.01")),
         a.allowed_values, a.descriptors, a.description_ru, a.description_en,
         a.standards_section) for a in s.aspects]) for s in c.sub_criteria])
        for c in skill.criteria]


def aspects_of(skill_id: int) -> list:
    return [a for c in scheme_of(skill_id) for s in c[2] for a in s[3]]


def target(skill: Skill) -> service.Target:
    return service.Target(skill.championship, skill)


def test_committed_samples_are_what_the_script_writes():
    for name, content in make_cis.samples().items():
        assert sample(name) == content, f"run fixtures/imports/make_cis.py ({name})"


@pytest.mark.parametrize(("name", "aspects", "language"),
                         [("cis-scheme-en.xlsx", 35, "en"), ("cis-scheme-ru.xlsx", 37, "ru")])
def test_the_samples_parse_with_their_kinds(ctx, name, aspects, language):
    table = read_scheme_file(name, sample(name), DEFAULT_LIMITS)
    assert isinstance(table, CisTable) and table.language == language
    assert not table.errors and not table.warnings
    criteria, errors = parse_rows(table)
    assert errors == []
    parsed = [a for c in criteria for s in c.subs.values() for _row, a in s.aspects]
    assert len(parsed) == aspects
    assert sum(a.max for a in parsed) == Decimal("100.00")
    assert {a.kind for a in parsed} == {"marks", "deduction", "discrete", "binary"}
    assert all(a.description.get(language) and not a.description.get(
        "en" if language == "ru" else "ru") for a in parsed)
    judgement = next(a for a in parsed if a.type == "J")
    assert all(d[language] for d in judgement.descriptors) and len(judgement.descriptors) == 4
    deduction = next(a for a in parsed if a.kind == "deduction")
    assert deduction.kind_params["step"] in (Decimal("0.25"), Decimal("0.50"))
    assert {s.day for c in criteria for s in c.subs.values()} == {"C1", "C2", "C3"}
    assert all(s.names.get(language) for c in criteria for s in c.subs.values())
    assert all(c.names.get(language) for c in criteria)
    assert parsed[0].code == "A1.1"  # numbered by position


def test_the_en_sample_imports_into_an_empty_skill_with_one_audit_entry(ctx):
    skill = empty_skill()
    report = service.run_import(SCHEME, target(skill), "cis-scheme-en.xlsx",
                                sample("cis-scheme-en.xlsx"))
    assert report.ok and report.counts()["create"] == 35
    stored = aspects_of(skill.id)
    assert len(stored) == 35
    kinds = {a[0]: (a[2], a[3], a[5]) for a in stored}
    assert kinds["A1.3"] == ("deduction", {"step": "0.50", "floor": "0.00"},
                             ["0.00", "0.50", "1.00", "1.50", "2.00"])
    assert kinds["A1.1"][0] == "binary"
    assert kinds["B1.5"][0] == "discrete" and len(kinds["B1.5"][1]["levels"]) == 4
    assert kinds["A2.2"] == ("marks", None, ["0", "1.50", "3.00"])
    assert next(a for a in stored if a[0] == "B1.1")[8] == "Overall length 1200 mm — ±2 mm"
    entry = db.session.get(AuditEntry, report.audit_id)
    assert entry.action == "import" and entry.changes["kind"] == "scheme"


BAD = [
    ("bad-cis-judgement-descriptors.xlsx", 17, "G", "3", "Four rows below the judgement"),
    ("bad-cis-day.xlsx", 15, "C", "C7", "One of the competition days"),
    ("bad-cis-max.xlsx", 16, "K", "0", "above 0"),
    ("bad-cis-type.xlsx", 16, "D", "Ж", "One of the aspect types"),
    ("bad-cis-aspect-before-sub.xlsx", 16, "D", "M", "A sub-criterion row"),
    ("bad-cis-judgement-max.xlsx", 19, "K", "2", "the judgement aspect's Max Mark 3"),
]


@pytest.mark.parametrize(("name", "row", "column", "value", "expected"), BAD,
                         ids=[b[0] for b in BAD])
def test_each_bad_workbook_is_refused_at_its_cell_and_nothing_is_written(
        ctx, name, row, column, value, expected):
    skill = empty_skill()
    report = service.preview(SCHEME, target(skill), name, sample(name))
    assert not report.ok
    first = report.errors[0]
    assert (first.sheet, first.row, first.column[0], first.value) == (SHEET, row, column, value)
    assert first.column.startswith(f"{column} (")  # the letter and the header
    assert expected in first.expected
    with pytest.raises(service.ImportFailed):
        service.run_import(SCHEME, target(skill), name, sample(name))
    assert scheme_of(skill.id) == []


def test_a_sheet_of_another_layout_says_which_layout_was_expected(ctx):
    skill = empty_skill()
    report = service.preview(SCHEME, target(skill), "x.xlsx", sample("bad-cis-layout.xlsx"))
    assert [(e.sheet, e.column) for e in report.errors] == [(SHEET, "A")]
    assert "Sub Criterion ID | Sub Criterion Name or Description" in report.errors[0].expected
    book = openpyxl.Workbook()
    book.active.append(["Something", "else"])
    book.active.append(["1", "2"])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(FileRefused) as refused:
        read_scheme_file("other.xlsx", buffer.getvalue(), DEFAULT_LIMITS)
    lines = [e.expected for e in refused.value.errors]
    assert any("One of the known columns" in line for line in lines)
    assert "CIS Marking Scheme Import" in lines[-1] and "Sub Criterion ID" in lines[-1]


def test_a_saved_total_that_is_not_the_sum_is_a_warning_naming_both(ctx):
    skill = empty_skill()
    report = service.preview(SCHEME, target(skill), "t.xlsx", sample("cis-total-mismatch.xlsx"))
    assert report.ok
    [warning] = report.plan.warnings
    assert (warning.sheet, warning.row, warning.column) == (SHEET, 14, "N (Total Mark)")
    assert "6" in warning.expected and "5" in warning.expected


def test_a_skill_with_marks_is_not_replaced_by_a_cis_workbook(ctx):
    enter_marks("10", seed=3, fill=0.2)
    skill = db.session.execute(sa.select(Skill).where(Skill.code == "10")).scalar_one()
    before = scheme_of(skill.id)
    report = service.preview(SCHEME, target(skill), "en.xlsx", sample("cis-scheme-en.xlsx"))
    assert not report.ok and "mark" in report.errors[0].expected
    with pytest.raises(service.ImportFailed):
        service.run_import(SCHEME, target(skill), "en.xlsx", sample("cis-scheme-en.xlsx"))
    assert scheme_of(skill.id) == before


@pytest.mark.parametrize("name", ["cis-scheme-en.xlsx", "cis-scheme-ru.xlsx"])
def test_the_export_imports_back_to_the_same_scheme(ctx, name):
    first = empty_skill("CIS1")
    service.run_import(SCHEME, target(first), name, sample(name))
    exported = export_cis(db.session.get(Skill, first.id))
    table = read_scheme_file("export.xlsx", exported, DEFAULT_LIMITS)
    assert not table.errors and not table.warnings  # the SUM values are saved
    second = empty_skill("CIS2")
    service.run_import(SCHEME, target(second), "export.xlsx", exported)
    assert scheme_of(second.id) == scheme_of(first.id)
    book = openpyxl.load_workbook(io.BytesIO(exported))
    formulas = [c.value for row in book[SHEET].iter_rows() for c in row
                if isinstance(c.value, str) and c.value.startswith("=SUM(")]
    assert formulas  # Excel shows the totals


def test_a_flat_scheme_skill_exports_as_cis_and_back(ctx):
    source = db.session.execute(sa.select(Skill).where(Skill.code == "10")).scalar_one()
    exported = export_cis(source, "ru")
    skill = empty_skill()
    report = service.run_import(SCHEME, target(skill), "10.xlsx", exported)
    assert report.ok

    def seen(aspect):  # type, kind, params, max, allowed; the ru texts (a CIS sheet has one)
        descriptors = [d["ru"] for d in aspect[6]] if aspect[6] else None
        return aspect[1:6], descriptors, aspect[7], aspect[9]

    assert [seen(a) for a in aspects_of(skill.id)] == [seen(a) for a in aspects_of(source.id)]


# --- the pages and the command line ------------------------------------------------------------

@pytest.fixture
def organizer_ctx(organizer, demo_app):
    with demo_app.app_context():
        yield organizer


def upload(client, name: str, data: bytes, skill: str):
    page = client.get("/manage/import")
    form = {"csrf_token": csrf(page.get_data(as_text=True)), "kind": "scheme",
            "championship": WS, "skill": f"{WS}/{skill}", "file": (io.BytesIO(data), name)}
    return client.post("/manage/import/preview", data=form, content_type="multipart/form-data")


def test_the_upload_page_previews_and_imports_a_cis_workbook(organizer_ctx):
    skill = empty_skill()
    preview = upload(organizer_ctx, "cis-scheme-ru.xlsx", sample("cis-scheme-ru.xlsx"), "CIS")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html
    assert "100.00" in html and "A1.1" in html
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    done = follow_import(organizer_ctx, organizer_ctx.post(
        "/manage/import/confirm", data={"csrf_token": csrf(html), "token": token}))
    assert done.status_code == 303
    assert len(aspects_of(skill.id)) == 37
    export = organizer_ctx.get(f"/manage/skills/{skill.id}/scheme/export-cis.xlsx")
    assert export.status_code == 200 and export.data.startswith(b"PK")
    editor = organizer_ctx.get(f"/manage/skills/{skill.id}/scheme").get_data(as_text=True)
    assert "export-cis.xlsx" in editor


def test_the_upload_page_lists_errors_and_warnings(organizer_ctx):
    empty_skill()
    refused = upload(organizer_ctx, "d.xlsx", sample("bad-cis-day.xlsx"), "CIS")
    assert refused.status_code == 422
    assert "C (Day of Marking)" in refused.get_data(as_text=True)
    warned = upload(organizer_ctx, "t.xlsx", sample("cis-total-mismatch.xlsx"), "CIS")
    assert warned.status_code == 200
    assert "the saved total is 6" in warned.get_data(as_text=True)


def test_the_command_line_imports_and_exports_a_cis_workbook(demo_app, tmp_path):
    from competition.cli import schemes  # noqa: F401  (attaches `export scheme`)
    from competition.cli.data import export
    from competition.cli.imports import import_group

    with demo_app.app_context():
        empty_skill()
        db.session.remove()
    runner = demo_app.test_cli_runner()
    dry = runner.invoke(import_group, ["scheme", str(SAMPLES / "cis-total-mismatch.xlsx"),
                                       "--skill", "CIS", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would create 2" in dry.stdout and "warning: CIS Marking Scheme Import, row 14" \
        in dry.stdout
    bad = runner.invoke(import_group, ["scheme", str(SAMPLES / "bad-cis-max.xlsx"),
                                       "--skill", "CIS"])
    assert bad.exit_code == 1
    assert "row 16, column K (Max Mark), value '0'" in bad.stdout
    done = runner.invoke(import_group, ["scheme", str(SAMPLES / "cis-scheme-en.xlsx"),
                                        "--skill", "CIS"])
    assert done.exit_code == 0, done.output
    assert "created 35" in done.stdout
    path = tmp_path / "out.xlsx"
    written = runner.invoke(export, ["scheme", "CIS", "-o", str(path)])
    assert written.exit_code == 0, written.output
    assert "35 aspects" in written.stderr
    again = runner.invoke(import_group, ["scheme", str(path), "--skill", "CIS", "--dry-run"])
    assert again.exit_code == 0 and "would create 0, update 0, leave 35 unchanged" \
        in again.stdout


@pytest.mark.parametrize(("text", "expected"), [
    ("-0.25 per error, floor 0", ("0.25", "0")),
    ("-0.25 per error, floor 0.00", ("0.25", "0.00")),
    ("Deduct 0.5 per mistake", ("0.5", "0")),
    ("вычет 0,25 за ошибку, не ниже 0", ("0.25", "0")),
    ("Минус 1 за каждую ошибку", ("1", "0")),
    ("±2 mm", None), ("0; 1.50; 3.00", None)])
def test_the_deduction_convention_in_english_and_russian(text, expected):
    from competition.registry.scheme.cis_layout import deduction_text, parse_deduction

    assert parse_deduction(text) == expected
    assert deduction_text("0.25", "0", "en") == "-0.25 per error, floor 0.00"
    assert deduction_text("0.25", "0", "ru") == "вычет 0,25 за ошибку, не ниже 0,00"
    assert parse_deduction(deduction_text("0.5", "1", "ru")) == ("0.50", "1.00")
