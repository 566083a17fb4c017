"""`competition import …` as users run it, on a copy of the demo database (SQLite).

The commands run in the test process (click's runner, on an app of the copy): the same command,
options, output on stdout and stderr, and exit status as `python -m competition import …`. One
smoke test runs that real process too: the entry point and its one-line failure.
"""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from competition.cli.imports import import_group
from competition.extensions import db
from tests.fixtures.databases import app_on_copy

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "imports"


@pytest.fixture
def cli_app(demo_template_db, tmp_path):
    app = app_on_copy(demo_template_db, tmp_path)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def demo_cli(cli_app, tmp_path):
    """`competition import ARGS` on the copy; the result has exit_code, stdout and stderr."""
    runner = cli_app.test_cli_runner()

    def run(*args: str):
        result = runner.invoke(import_group, list(args))
        # What a user sees of a failure is one line (cli/errors.py), never an exception.
        assert result.exception is None or isinstance(result.exception, SystemExit), \
            result.exception
        return result

    run.database = tmp_path / "competition.db"
    run.app = cli_app
    return run


def count(database: Path, sql: str) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute(sql).fetchone()[0]


COMPETITORS = "SELECT count(*) FROM competitor"


def test_dry_run_prints_the_preview_and_writes_nothing(demo_cli):
    before = count(demo_cli.database, COMPETITORS)
    result = demo_cli("competitors", str(SAMPLES / "competitors-10.xlsx"), "--skill", "10",
                      "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "would create 3, update 1, leave 0 unchanged" in result.stdout
    assert "update 101" in result.stdout and "workstation: 1 → 5" in result.stdout
    assert count(demo_cli.database, COMPETITORS) == before
    assert count(demo_cli.database, "SELECT count(*) FROM audit_entry") == 0


def test_an_import_writes_everything_and_one_audit_entry(demo_cli):
    before = count(demo_cli.database, COMPETITORS)
    result = demo_cli("competitors", str(SAMPLES / "competitors-10.xlsx"), "--skill", "10",
                      "--championship", "vko-ws-2026")
    assert result.exit_code == 0, result.stderr
    assert "created 3, updated 1, 0 unchanged" in result.stdout
    assert count(demo_cli.database, COMPETITORS) == before + 3
    with sqlite3.connect(demo_cli.database) as connection:
        rows = connection.execute(
            "SELECT action, entity, user_id, changes FROM audit_entry").fetchall()
    assert len(rows) == 1
    action, entity, user_id, changes = rows[0]
    assert (action, entity, user_id) == ("import", "competitor", None)
    assert '"created": 3' in changes and '"updated": 1' in changes


def test_errors_are_listed_one_per_line_and_nothing_is_written(demo_cli):
    before = count(demo_cli.database, COMPETITORS)
    result = demo_cli("competitors", str(SAMPLES / "bad-duplicate-code.csv"), "--skill", "10")
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert lines == ["bad-duplicate-code.csv, row 4, column code, value '301': Each code once "
                     "in the file; “301” is also in row 2."]
    assert result.stderr.strip() == ("error: 1 error in bad-duplicate-code.csv; nothing was "
                                     "imported")
    assert count(demo_cli.database, COMPETITORS) == before


def test_the_command_as_a_process_fails_in_one_line(demo_cli, tmp_path):
    """Smoke test of the real entry point (`python -m competition import …`)."""
    database = demo_cli.database
    before = count(database, COMPETITORS)
    env = dict(os.environ, COMPETITION_INSTANCE=str(tmp_path),
               COMPETITION_DATABASE_URL=f"sqlite:///{database}")
    result = subprocess.run(
        [sys.executable, "-m", "competition", "import", "competitors",
         str(SAMPLES / "bad-duplicate-code.csv"), "--skill", "10"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1
    assert result.stdout.strip().splitlines() == [
        "bad-duplicate-code.csv, row 4, column code, value '301': Each code once in the file; "
        "“301” is also in row 2."]
    assert result.stderr.strip() == ("error: 1 error in bad-duplicate-code.csv; nothing was "
                                     "imported")
    assert count(database, COMPETITORS) == before


def test_every_row_error_of_a_file_is_reported(demo_cli, tmp_path):
    book = openpyxl.Workbook()
    for row in (["Код", "ФИО (рус)", "Организация (код)"], ["901", "Иван", "NOSUCH"],
                ["902", "", "VKPTK"], ["901", "Пётр", "VKPTK"]):
        book.active.append(row)
    path = tmp_path / "people.xlsx"
    book.save(path)
    result = demo_cli("competitors", str(path), "--skill", "10", "--dry-run")
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "Sheet, row 2, column Организация (код), value 'NOSUCH'",
        "Sheet, row 3, column ФИО (рус)", "Sheet, row 4, column Код, value '901'"]
    assert "3 errors in people.xlsx" in result.stderr


@pytest.mark.parametrize(("args", "says"), [
    (["competitors", "FILE"], "Missing option '--skill'"),
    (["competitors", "FILE", "--skill", "77"], "There is no skill 77."),
    (["experts", "FILE", "--championship", "nope"], "No championship has the code “nope”"),
    (["organizations", "missing.xlsx"], "does not exist"),
])
def test_a_wrong_target_is_one_line(demo_cli, args, says):
    args = [str(SAMPLES / "organizations.xlsx") if a == "FILE" else a for a in args]
    result = demo_cli(*args)
    assert result.exit_code != 0
    assert says in result.stderr


def test_experts_and_organizations_from_the_command_line(demo_cli):
    assert demo_cli("organizations", str(SAMPLES / "organizations.csv")).exit_code == 0
    result = demo_cli("experts", str(SAMPLES / "experts.xlsx"), "--championship", "vko-ws-2026")
    assert result.exit_code == 0, result.stderr
    assert "created 2" in result.stdout
    assert count(demo_cli.database, "SELECT count(*) FROM expert WHERE code = 'E40'") == 1
    assert count(demo_cli.database, "SELECT count(*) FROM expert_role r JOIN expert e ON "
                                    "e.id = r.expert_id WHERE e.code = 'E40'") == 2


def test_messages_in_russian_on_request(demo_cli):
    result = demo_cli("competitors", str(SAMPLES / "bad-duplicate-code.csv"), "--skill", "10",
                      "--lang", "ru")
    assert result.exit_code == 1
    assert "301" in result.stdout
    assert "Каждый код" in result.stdout and "Each code" not in result.stdout


def test_scheme_delegates_to_the_scheme_importer(demo_cli, tmp_path):
    from competition.lookup import find_skill
    from competition.registry.imports.writing import write_xlsx
    from competition.registry.scheme.importer import SCHEME

    with demo_cli.app.app_context():
        class Target:
            skill = find_skill("10")
        data = write_xlsx(SCHEME.columns, list(SCHEME.export_rows(Target)))
    path = tmp_path / "scheme-10.xlsx"
    path.write_bytes(data)
    result = demo_cli("scheme", str(path), "--skill", "10", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "would create 0, update 0" in result.stdout
    book = openpyxl.load_workbook(io.BytesIO(data))
    book.active["A2"] = "=1+1"
    book.save(path)
    refused = demo_cli("scheme", str(path), "--skill", "10")
    assert refused.exit_code == 1 and "not a formula" in refused.stdout


def test_a_big_file_shows_a_progress_bar_on_stderr(demo_cli, tmp_path):
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("competitors")
    sheet.append(["code", "name_ru", "organization"])
    for number in range(400):
        sheet.append([f"P{number:04d}", f"Участник {number}", "VKPTK"])
    path = tmp_path / "many.xlsx"
    book.save(path)
    result = demo_cli("competitors", str(path), "--skill", "18")
    assert result.exit_code == 0, result.stderr
    assert "created 400" in result.stdout
    assert "Checking competitors" in result.stderr and "Importing competitors" in result.stderr


def test_the_names_sample_prints_its_eligibility_warning_and_imports(demo_cli):
    result = demo_cli("competitors", str(SAMPLES / "competitors-names.xlsx"), "--skill", "10")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stdout.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "row 7" in warnings[0] and "Not eligible by age" in warnings[0]
    assert "created 4, updated 2" in result.stdout
