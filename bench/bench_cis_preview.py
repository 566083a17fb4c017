"""Benchmark of the CIS marking scheme preview: a 200-aspect CIS workbook, read and previewed.

    .venv/bin/python bench/bench_cis_preview.py [--runs 10] [--aspects 200]

A CIS workbook (competition/registry/scheme/cis_write.py) of N aspects — 10 criteria, 4
sub-criteria each, measurement, judgement (4 score rows each), binary, discrete (3 levels) and
deduction aspects — is generated in the run and previewed for an empty skill of a demo SQLite
database in a temporary folder. In the same run:
- baseline: merely reading the workbook with openpyxl (read-only, every cell, values);
- read (CIS): the scheme import's reader (layout found, values and formulas read, flat rows);
- preview (CIS): what the upload page and `import scheme --dry-run` do: read + every rule
  checked + the plan against the skill, nothing written;
- preview (flat): the same scheme as the flat .xlsx sheet, previewed the same way.
Target (issue 21): a 200-aspect CIS workbook previews in under 2 s. Not a timed test.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import openpyxl
from processes import percentile

from competition import create_app
from competition.database import write_transaction
from competition.extensions import db
from competition.models import Skill
from competition.registry.imports import service
from competition.registry.imports.writing import write_xlsx
from competition.registry.scheme.cis import read_scheme_file
from competition.registry.scheme.cis_write import CisAspect, CisCriterion, CisSub, write_cis
from competition.registry.scheme.parsing import COLUMNS


def scheme(n: int) -> list[CisCriterion]:
    criteria = [CisCriterion(chr(ord("A") + c), f"Criterion number {c + 1}", [
        CisSub(f"{chr(ord('A') + c)}{s + 1}", f"Sub-criterion {s + 1}", f"C{s % 3 + 1}")
        for s in range(4)]) for c in range(10)]
    subs = [sub for criterion in criteria for sub in criterion.subs]
    for i in range(n):
        kind = i % 5
        aspect = CisAspect("MJBDM"[kind], f"Aspect {i + 1}: what is assessed here",
                           Decimal("0.50"), section=str(i % 6 + 1))
        if kind == 1:
            aspect.details = [(score, f"Score {score} means this") for score in range(4)]
        elif kind == 3:
            aspect.details = [(Decimal(v), f"Level {v}") for v in ("0", "0.25", "0.50")]
        elif kind == 4:
            aspect.requirement = "-0.25 per error, floor 0.00"
        subs[i % len(subs)].aspects.append(aspect)
    return criteria


def read_with_openpyxl(data: bytes) -> int:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    cells = sum(1 for row in book.worksheets[0].iter_rows() for _ in row)
    book.close()
    return cells


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def setup(folder: Path):
    from flask_migrate import upgrade

    from competition.registry.demo import load_demo

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'demo.db'}",
                      "INSTANCE_PATH": str(folder), "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        load_demo()
        with write_transaction() as session:
            championship_id = session.execute(
                db.select(Skill.championship_id).where(Skill.code == "10")).scalar_one()
            skill = Skill(code="BENCH", championship_id=championship_id, position=99)
            skill.set_names({"en": "Bench"})
            session.add(skill)
    return app



def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--aspects", type=int, default=200)
    args = parser.parse_args(argv)
    data = write_cis(scheme(args.aspects), lang="en", title="Bench")
    rows: dict[str, list[float]] = {"baseline: openpyxl reads the workbook": [],
                                    "read (CIS: layout, values, formulas)": [],
                                    "preview (CIS: read + rules + plan)": [],
                                    "preview (flat .xlsx of the same scheme)": []}
    with tempfile.TemporaryDirectory() as folder:
        app = setup(Path(folder))
        with app.test_request_context():
            importer = service.importer_for("scheme")
            target = service.resolve_target(importer, "vko-ws-2026", "BENCH")
            limits = service.limits()
            report = service.preview(importer, target, "bench.xlsx", data)
            assert report.ok and report.counts()["create"] == args.aspects, report.errors[:3]
            # the same scheme as the flat sheet: the CIS reader's rows, as they are
            flat_rows = [row.values for row in read_scheme_file("bench.xlsx", data, limits).rows]
            flat = write_xlsx(COLUMNS, flat_rows, locale="en", sheet="scheme")
            flat_report = service.preview(importer, target, "flat.xlsx", flat)
            assert flat_report.ok, flat_report.errors[:3]
            print(f"python {sys.version.split()[0]}, SQLite, {args.runs} runs each (after one "
                  f"warm-up), {args.aspects} aspects in a {len(data) / 1024:.0f} KB CIS "
                  f"workbook, times in s")
            for run in range(args.runs + 1):
                timings = (
                    timed(lambda: read_with_openpyxl(data))[0],
                    timed(lambda: read_scheme_file("bench.xlsx", data, limits))[0],
                    timed(lambda: service.preview(importer, target, "bench.xlsx", data))[0],
                    timed(lambda: service.preview(importer, target, "flat.xlsx", flat))[0],
                )
                if run == 0:
                    continue
                for label, value in zip(rows, timings, strict=True):
                    rows[label].append(value)
            db.session.remove()
            db.engine.dispose()
    base = statistics.median(rows["baseline: openpyxl reads the workbook"])
    print(f"  {'':44} {'p50':>7} {'p90':>7} {'max':>7} {'p50/baseline':>13}")
    for label, times in rows.items():
        p50 = statistics.median(times)
        print(f"  {label:44} {p50:7.3f} {percentile(times, 0.9):7.3f} {max(times):7.3f} "
              f"{p50 / base:12.1f}×")
    preview = rows["preview (CIS: read + rules + plan)"]
    flat_p50 = statistics.median(rows["preview (flat .xlsx of the same scheme)"])
    verdict = "within" if max(preview) < 2 else "OVER"
    print(f"\npreview of a {args.aspects}-aspect CIS workbook: p50 {statistics.median(preview):.3f}"
          f" s, max {max(preview):.3f} s ({verdict} the 2 s target); "
          f"{statistics.median(preview) / flat_p50:.2f}× the flat sheet's preview")


if __name__ == "__main__":
    main()
