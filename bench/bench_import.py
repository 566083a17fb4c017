"""Benchmark of the competitor import: 2,000 competitors from an .xlsx, preview and import.

    .venv/bin/python bench/bench_import.py [--runs 5] [--competitors 2000] [--experts 100]

A workbook of N competitors (names in three languages, organizations, workstations) is generated
in the run and imported into a skill of the demo championship, on a fresh copy of a demo SQLite
database for every run. In the same run:
- baseline: merely reading the workbook with openpyxl (read-only, every cell);
- read_table: the import's reader (content checks, zip-bomb check, headers, formulas);
- preview: read + every row validated by the competitor form, plan computed, nothing written;
- import: every row checked again and the rows built (no lock), then one short write
  transaction: the re-check of what changed meanwhile, every competitor written in bulk, the
  audit entry;
- of which the write transaction: how long the import holds the database's write lock (what
  judges' marks wait behind; issue 24's target: tens of milliseconds), from just before its
  BEGIN to its commit;
- rows staged before it: on SQLite the new rows go into a TEMP table of the transaction's
  connection before it takes the lock (competition/statements.py, PreparedRows.stage).
With `--experts N` (N > 0), after that: N experts of the demo championship, each on two rows
(two skills), imported the same way, and how long that import's write transaction held the lock
(written in bulk, as the competitors are: the same target of tens of milliseconds), then how
long the badges of the championship take to store their accounts and login codes (a badges
print's write transaction, registry/accounts/badges.py; the PDF is not rendered).
Target (issue 4): preview + import of 2,000 competitors under 10 s. Not a timed test.
The same import confirmed on a running server while a judge marks: bench_import_live.py.
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import openpyxl

from competition import create_app
from competition.extensions import db
from competition.registry.imports import service
from competition.registry.imports.reading import read_table

ORGANIZATIONS = ["VKPTK", "UKSTK", "UKKSP", "RATK", "ZCPO", "ZMK", "SPK", "VKTU"]


def _xlsx(sheet_name: str, header: list[str], rows) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name)
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def workbook(n: int) -> bytes:
    return _xlsx("competitors", ["Код", "ФИО (рус)", "Аты-жөні (қаз)", "ФИО (англ)",
                                 "Организация (код)", "Статус", "Рабочее место"], (
        [f"B{i:05d}", f"Участник Номер {i}", f"Қатысушы Нөмір {i}", f"Competitor Number {i}",
         ORGANIZATIONS[i % len(ORGANIZATIONS)], "гость" if i % 10 == 0 else "активный",
         str(i + 1)] for i in range(n)))


def experts_workbook(n: int) -> bytes:
    skills = ["04", "10", "18", "29", "34"]  # the demo championship's
    return _xlsx("experts", ["Коды", "Аты-жөні (орыс)", "Аты-жөні (қаз)", "Ұйым (коды)",
                             "Құзырет (коды)", "Рөлі"], (
        row for i in range(n) for row in (
            [f"X{i:04d}", f"Эксперт {i}", f"Сарапшы {i}", "KAZZINC", skills[i % 5], "эксперт"],
            [f"X{i:04d}", "", "", "", skills[(i + 1) % 5], "эксперт"])))


@contextmanager
def importing(template: Path, folder: Path, name: str, kind: str, skill: str | None):
    """(importer, target) of a fresh copy of the demo database `template`, inside a request of
    its app; the engine let go after."""
    database = folder / f"{name}.db"
    shutil.copyfile(template, database)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
                      "INSTANCE_PATH": str(folder), "SECRET_KEY": "bench"})
    with app.test_request_context():
        importer = service.importer_for(kind)
        yield importer, service.resolve_target(importer, "vko-ws-2026", skill)
        db.session.remove()
        db.engine.dispose()


def experts_written(template: Path, folder: Path, n: int, runs: int
                    ) -> tuple[list[float], list[float], int]:
    """The seconds each run's experts import held the write lock (after one warm-up run), the
    seconds the badges of the championship then took to store their accounts and codes (the
    badges print's write transaction; the PDF is not rendered here), and how many badges."""
    from competition.registry.accounts import badges

    data = experts_workbook(n)
    held, stored, printed = [], [], 0
    for run in range(runs + 1):
        with importing(template, folder, f"experts{run}", "experts", None) as (kind, target):
            result = service.run_import(kind, target, "experts.xlsx", data)
            assert result.counts()["create"] == n, result.errors[:3]
            plan = badges.plan_badges(target.championship.id)
            for number, badge in enumerate(plan.badges):
                badge.code = None if badge.note else f"bench-{run}-{number}"
            printed = len(plan.badges)
            db.session.rollback()
            took, _created = timed(lambda p=plan: badges._store_codes(p, 3, badges.utcnow()))
        if run:
            held.append(result.timings["written"])
            stored.append(took)
    return held, stored, printed


def read_with_openpyxl(data: bytes) -> int:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    cells = sum(1 for row in book.worksheets[0].iter_rows() for _ in row)
    book.close()
    return cells


def demo_database(folder: Path) -> Path:
    from flask_migrate import upgrade

    from competition.registry.demo import load_demo

    path = folder / "demo.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "INSTANCE_PATH":
                      str(folder), "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        load_demo()
        db.session.remove()
        db.engine.dispose()
    return path


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--competitors", type=int, default=2000)
    parser.add_argument("--experts", type=int, default=0,
                        help="also import this many experts (two rows each)")
    args = parser.parse_args(argv)
    data = workbook(args.competitors)
    print(f"python {sys.version.split()[0]}, SQLite, {args.runs} runs each, "
          f"{args.competitors} competitors in a {len(data) / 1024:.0f} KB workbook, times in s")
    rows: dict[str, list[float]] = {"baseline: openpyxl reads the workbook": [],
                                    "read_table (the import's reader)": [],
                                    "preview (read + check every row)": [],
                                    "import (check again, build, write)": [],
                                    "  of which the write transaction": [],
                                    "  rows staged before it (SQLite)": [],
                                    "preview + import": []}
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        template = demo_database(folder)
        for run in range(args.runs + 1):  # the first run warms up and is not counted
            with importing(template, folder, f"run{run}", "competitors", "18") as (kind,
                                                                                 target):
                baseline, cells = timed(lambda: read_with_openpyxl(data))
                reader, table = timed(lambda k=kind: read_table("bench.xlsx", data, k.columns))
                preview, report = timed(
                    lambda k=kind, t=target: service.preview(k, t, "bench.xlsx", data))
                assert report.ok and report.counts()["create"] == args.competitors, \
                    report.errors[:3]
                imported, result = timed(
                    lambda k=kind, t=target: service.run_import(k, t, "bench.xlsx", data))
                assert result.counts()["create"] == args.competitors
            if run == 0:
                continue
            timings = result.timings  # the write: from before its BEGIN to its commit
            for label, value in zip(rows, (baseline, reader, preview, imported,
                                           timings["written"], timings.get("staged", 0.0),
                                           preview + imported), strict=True):
                rows[label].append(value)
        experts, badges, printed = experts_written(template, folder, args.experts, args.runs) \
            if args.experts > 0 else ([], [], 0)
    base = statistics.median(rows["baseline: openpyxl reads the workbook"])
    print(f"  {'':46} {'p50':>7} {'max':>7} {'p50/baseline':>13}")
    for label, times in rows.items():
        p50 = statistics.median(times)
        digits = 3 if p50 < 0.1 else 2
        print(f"  {label:46} {p50:7.{digits}f} {max(times):7.{digits}f} {p50 / base:12.1f}×")
    total = statistics.median(rows["preview + import"])
    written = statistics.median(rows["  of which the write transaction"])
    verdict = "within" if total < 10 else "OVER"
    print(f"\npreview + import of {args.competitors} competitors: p50 {total:.2f} s "
          f"({verdict} the 10 s target); {cells:,} cells read")
    if experts:
        print(f"{args.experts} experts (two rows each): the write transaction held the lock "
              f"p50 {1000 * statistics.median(experts):.1f} ms, max "
              f"{1000 * max(experts):.1f} ms, {statistics.median(experts) / written:.1f}× "
              f"the {args.competitors} competitors' write transaction")
        print(f"then the {printed} badges of the championship: their accounts and codes stored "
              f"in p50 {1000 * statistics.median(badges):.1f} ms, max {1000 * max(badges):.1f} ms "
              f"(the write transaction of a badges print)")


if __name__ == "__main__":
    main()
