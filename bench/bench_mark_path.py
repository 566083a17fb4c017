"""Benchmark of the mark path in one process: CPU per recorded mark against the bare driver.

    .venv/bin/python bench/bench_mark_path.py [--marks 3000] [--runs 3]

The demo championship (bench_live.prepare_instance: every skill live, an account per expert)
on two fresh SQLite copies. The same marks (measurement cells, each to a judge of its skill who
is no compatriot of its competitor, each mark changing its cell's value) are written, run after
run, by:

- baseline: sqlite3 alone running the statements a mark needs, their SQL written out here: BEGIN
  IMMEDIATE, the caller's account, the skill's version moved, the cell read, the mark changed
  (or inserted) and its revision inserted, COMMIT; no check, no conversion beyond the driver's;
- record_mark: the product's live path as a Socket.IO `mark:submit` runs it, without the socket
  (competition/judging/service.py: the caller checked inside the write transaction, the
  request parsed, the cached context, the cell, the write, the signal sent after the commit).
  The live standings' listener is disconnected: what a mark costs the boards is bench_live's.

Figures: CPU ms per mark (time.process_time over the run ÷ marks), wall ms per mark p50/p99,
and the product's ratio to the baseline of the same run. This process does nothing else
meanwhile; no server, no socket. Not a timed test.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_live import SECRET_KEY, prepare_instance  # noqa: E402


@dataclass
class Cell:
    user_id: int
    session_version: int
    skill_id: int
    skill: str  # its reference
    aspect_id: int
    aspect: str
    competitor_id: int
    competitor: str
    allowed: tuple[Decimal, ...]
    mark_id: int | None
    revision: int
    value: Decimal | None


def cells_of(database: Path) -> list[Cell]:
    """Every measurement cell with two allowed values or more, each to one judge of its skill
    who may mark it (the skill's experts with accounts, not compatriots, their marking team's
    criteria), with its mark as it stands."""
    import sqlalchemy as sa

    from competition import create_app
    from competition.extensions import db
    from competition.judging.context import context_of
    from competition.models import Mark, Skill, User

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
                      "SECRET_KEY": SECRET_KEY})
    cells = []
    with app.app_context():
        accounts = {user.expert_id: user for user in db.session.execute(
            sa.select(User).where(User.expert_id.is_not(None))).scalars()}
        marks = {(mark.aspect_id, mark.competitor_id): mark for mark in db.session.execute(
            sa.select(Mark).where(Mark.judge_id.is_(None))).scalars()}
        taken = set()
        for skill in db.session.execute(sa.select(Skill).order_by(Skill.id)).scalars():
            context = context_of(db.session, skill.id, skill.scheme_version)
            for expert_id, judge in sorted(context.judges.items()):
                user = accounts.get(expert_id)
                if user is None:
                    continue
                for aspect in context.aspects.values():
                    if aspect.type != "M" or len(aspect.allowed) < 2 \
                            or (judge.team and aspect.criterion not in judge.team):
                        continue
                    for code, (competitor_id, organization) in context.competitors.items():
                        if (aspect.id, competitor_id) in taken or (
                                judge.organization_id is not None
                                and judge.organization_id == organization):
                            continue
                        taken.add((aspect.id, competitor_id))
                        mark = marks.get((aspect.id, competitor_id))
                        cells.append(Cell(
                            user.id, user.session_version, skill.id, context.ref, aspect.id,
                            aspect.code, competitor_id, code, aspect.allowed,
                            mark.id if mark else None, mark.revision if mark else 0,
                            mark.value if mark else None))
        db.session.remove()
        db.engine.dispose()
    return cells


def next_value(cell: Cell) -> Decimal:
    return next(value for value in cell.allowed if value != cell.value)


# --- the baseline: sqlite3 alone -----------------------------------------------------------

ACCOUNT = ("SELECT user_account.login, user_account.role, user_account.expert_id, "
           "user_account.is_enabled, user_account.session_version FROM user_account "
           "WHERE user_account.id = ?")
VERSION = "UPDATE skill SET version = version + 1 WHERE id = ? RETURNING version, scheme_version"
CELL = ("SELECT mark.id, mark.value, mark.revision, mark.version, mark.updated_at, "
        "mark.device, user_account.login FROM mark LEFT OUTER JOIN user_account "
        "ON user_account.id = mark.updated_by_id WHERE mark.aspect_id = ? "
        "AND mark.competitor_id = ? AND mark.judge_id IS NULL")
CHANGE = ("UPDATE mark SET value = ?, revision = ?, version = ?, updated_by_id = ?, "
          "updated_at = ?, device = ? WHERE id = ?")
INSERT = ("INSERT INTO mark (skill_id, aspect_id, aspect_type, competitor_id, judge_id, value, "
          "revision, version, updated_by_id, updated_at, device) "
          "VALUES (?, ?, 'M', ?, NULL, ?, ?, ?, ?, ?, ?)")
REVISION = ("INSERT INTO mark_revision (mark_id, revision, old_value, new_value, reason, "
            "idempotency_key, user_id, device, skill_version, created_at) "
            "VALUES (?, ?, ?, ?, '', ?, ?, ?, ?, ?)")


def bare(database: Path, cells: list[Cell], marks: int) -> list[float]:
    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA foreign_keys=ON")
    times = []
    clock = time.perf_counter
    for number in range(marks):
        cell = cells[number % len(cells)]
        value = next_value(cell)
        start = clock()
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(ACCOUNT, (cell.user_id,)).fetchone()
        version, _scheme = connection.execute(VERSION, (cell.skill_id,)).fetchone()
        row = connection.execute(CELL, (cell.aspect_id, cell.competitor_id)).fetchone()
        revision = (row[2] if row else 0) + 1
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        if row is None:
            mark_id = connection.execute(INSERT, (
                cell.skill_id, cell.aspect_id, cell.competitor_id, float(value), revision,
                version, cell.user_id, now, "bench")).lastrowid
        else:
            mark_id = row[0]
            connection.execute(CHANGE, (float(value), revision, version, cell.user_id, now,
                                        "bench", mark_id))
        connection.execute(REVISION, (mark_id, revision, None if row is None else row[1],
                                      float(value), uuid.uuid4().hex, cell.user_id, "bench",
                                      version, now))
        connection.execute("COMMIT")
        times.append(clock() - start)
        cell.value, cell.revision = value, revision
    connection.close()
    return times


# --- the product -----------------------------------------------------------------------------

def product(database: Path, cells: list[Cell], marks: int) -> list[float]:
    from competition import create_app, signals
    from competition.auth.sockets import Caller
    from competition.extensions import db
    from competition.judging.service import record_mark
    from competition.standings import live

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
                      "SECRET_KEY": SECRET_KEY})
    signals.mark_recorded.disconnect(live._on_mark_recorded)  # no broadcaster thread here
    times = []
    clock = time.perf_counter
    with app.app_context():
        for number in range(marks):
            cell = cells[number % len(cells)]
            value = next_value(cell)
            data = {"id": uuid.uuid4().hex, "skill": cell.skill, "aspect": cell.aspect,
                    "competitor": cell.competitor, "value": str(value), "base": cell.revision,
                    "device": "bench"}
            caller = Caller(cell.user_id, cell.session_version, None)
            start = clock()
            recorded = record_mark(caller, data)
            times.append(clock() - start)
            if not recorded.created:
                raise SystemExit(f"mark {number} was not written: {recorded.answer()}")
            cell.value, cell.revision = value, recorded.mark["revision"]
        db.session.remove()
        db.engine.dispose()
    return times


def measured(run, database: Path, cells: list[Cell], marks: int) -> tuple[float, list[float]]:
    """`run`'s CPU ms per mark and the time of each; `cells`: the database's cells as they
    stand, moved on by the run."""
    run(database, cells, min(200, marks))  # warm up
    began = time.process_time()
    times = run(database, cells, marks)
    return 1000 * (time.process_time() - began) / marks, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--marks", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"command: python bench/bench_mark_path.py {' '.join(sys.argv[1:])}".rstrip())
    print(f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; "
          f"{args.marks} marks a run, {args.runs} runs of each, alternately")
    with tempfile.TemporaryDirectory(prefix="bench-mark-path-") as folder:
        work = Path(folder)
        demo = prepare_instance(work) / "competition.db"
        for name in ("bare.db", "product.db"):
            shutil.copyfile(demo, work / name)
        cells = cells_of(demo)
        print(f"{len(cells)} measurement cells over the demo's skills\n")
        results: dict[str, list[tuple[float, list[float]]]] = {"bare": [], "product": []}
        # each database's cells as they stand: every mark changes its cell's value
        standing = {name: [Cell(**vars(cell)) for cell in cells] for name in results}
        for _ in range(args.runs):
            results["bare"].append(measured(bare, work / "bare.db", standing["bare"],
                                            args.marks))
            results["product"].append(measured(product, work / "product.db",
                                               standing["product"], args.marks))
    rows = []
    for name, title in (("bare", "baseline: sqlite3, the same statements"),
                        ("product", "record_mark")):
        cpu = statistics.median(c for c, _t in results[name])
        times = sorted(t for _c, run in results[name] for t in run)
        cuts = statistics.quantiles(times, n=100, method="inclusive")
        rows.append((title, cpu, 1000 * statistics.median(times), 1000 * cuts[98],
                     [round(c, 3) for c, _t in results[name]]))
    print(f"{'':40} {'CPU ms/mark':>12} {'wall p50':>9} {'wall p99':>9}  CPU ms of each run")
    for title, cpu, p50, p99, each in rows:
        print(f"{title:40} {cpu:12.3f} {p50:9.3f} {p99:9.3f}  {each}")
    print(f"\nrecord_mark over the baseline: CPU {rows[1][1] / rows[0][1]:.2f}x, "
          f"wall p50 {rows[1][2] / rows[0][2]:.2f}x, p99 {rows[1][3] / rows[0][3]:.2f}x "
          "(CPU: the median run's)")


if __name__ == "__main__":
    main()
