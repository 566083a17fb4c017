"""Crash benchmark (issue 9): judges keep marking while `competition serve` is killed with SIGKILL.

    .venv/bin/python bench/bench_crash.py [--marks 5000] [--judges 20] [--kills 3,6]
        [--databases sqlite,postgres] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432]

The driver of tests/reliability/test_crash.py (tests/reliability/judges.py and crash.py) at
full size: `--judges` python-socketio tablets of real demo experts (skills 04, 10, 18, 29),
`--marks` marks with corrections and withdrawals, each with its own idempotency key, resent
with the same key after every cut. For each database, in one invocation: a baseline with no
kill, then each count of `--kills` (the server killed when 1/(k+1), 2/(k+1)… of the marks are
acknowledged, restarted at once on the same port), each on a fresh copy of the demo.
PostgreSQL runs on a database of its own (`bench_crash_<random>`, dropped afterwards) when the
server answers.

Figures: marks sent / acknowledged (saved, duplicate = a resend the server had already stored)
/ stored / duplicated keys / cells with two marks; marks resent and sends in all; reconnects;
per kill: restart (kill → listening), recovery (kill → the first ack after the restart) and
kill → every tablet connected again, as p50 / max; the run's time and its ratio to the
baseline; problems found by the checks (acknowledged marks missing, broken histories, standings
unequal to `competition evaluate` on the export). Not a timed test.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from processes import free_port, print_columns  # noqa: E402

from tests.reliability.crash import (  # noqa: E402
    Server,
    check_database,
    check_standings,
    crash_run,
    postgres_database,
    prepare,
    print_figures,
)

SKILLS = ["04", "10", "18", "29"]
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"


def percentile(values: list[float], q: float) -> float | None:
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def one_case(database: str, kills: int, args, workdir: Path) -> dict:
    """A fresh demo on `database`, the run, the checks; the table's row."""
    instance = workdir / f"{database}-{kills}"
    instance.mkdir()
    if database == "sqlite":
        return _case(f"sqlite:///{instance / 'competition.db'}", database, kills, args, instance)
    with postgres_database(args.postgres, "bench_crash") as url:
        return _case(url, database, kills, args, instance)


def _case(url: str, database: str, kills: int, args, instance: Path) -> dict:
    server = None
    try:
        championship = prepare(url, instance, SKILLS, judges=args.judges)
        server = Server(championship, free_port())
        server.start()
        outcome = crash_run(server, championship, args.marks, kills=kills, seed=args.seed,
                            deadline=args.deadline, say=lambda text: print(f"  {text}",
                                                                           flush=True))
        stored, problems = check_database(championship, outcome.writes)
        problems += check_standings(server, championship, instance)
        label = f"{database}, {kills} kills"
        print_figures(label, outcome, stored)
        for problem in problems[:20]:
            print(f"  problem: {problem}")
        figures = outcome.figures()
        kills_seen = outcome.kills
        return {
            "label": label, "figures": figures, "stored": stored, "problems": len(problems),
            "unfinished": outcome.unfinished, "errors": outcome.errors,
            "restart": [k.listening - k.killed for k in kills_seen],
            "recovery": [k.recovery() for k in kills_seen],
            "back": [None if k.all_back is None else k.all_back - k.killed for k in kills_seen],
        }
    finally:
        if server is not None:
            server.stop()


def postgres_answers(url: str) -> bool:
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(f"{url}/postgres", poolclass=sa.NullPool)
        with engine.connect():
            pass
        engine.dispose()
    except Exception:  # noqa: BLE001 (any failure: not reachable)
        return False
    return True


def print_table(rows: list[dict]) -> None:
    header = ["case", "sent", "acked", "saved", "dup", "stored", "dup keys", "2 marks",
              "resent", "sends", "reconn", "restart p50/max s", "recovery p50/max s",
              "all back p50/max s", "time s", "× base", "problems"]
    table = [header]
    base: dict[str, float] = {}
    for row in rows:
        f, s = row["figures"], row["stored"]
        database = row["label"].split(",")[0]
        base.setdefault(database, f["seconds"])
        pair = [f"{seconds(percentile(row[k], 0.5))}/{seconds(percentile(row[k], 1.0))}"
                for k in ("restart", "recovery", "back")]
        table.append([
            row["label"], str(f["sent"]), str(f["acknowledged"]),
            str(f["results"].get("saved", 0)), str(f["results"].get("duplicate", 0)),
            str(s["stored"]), str(s["duplicated_keys"]), str(s["doubled_cells"]),
            str(f["resent"]), str(f["sends"]), str(f["reconnects"]), *pair,
            f"{f['seconds']:.1f}", f"{f['seconds'] / base[database]:.2f}",
            str(row["problems"] + row["unfinished"] + len(row["errors"])),
        ])
    print_columns(table)
    print("saved: acknowledged as written; dup: a resend the server had already stored, "
          "answered with its first answer (replay); stored: marks whose key is in the "
          "database; dup keys: keys stored twice; 2 marks: cells with two current marks; "
          "restart: kill → the new process listens; recovery: kill → the first ack after the "
          "restart; all back: kill → every tablet connected again; × base: time over the run "
          "with no kill on the same database.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--marks", type=int, default=5000)
    parser.add_argument("--judges", type=int, default=20)
    parser.add_argument("--kills", default="3,6", help="kill counts after the baseline (0)")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES",
                                                             DEFAULT_POSTGRES))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--deadline", type=float, default=600.0)
    args = parser.parse_args()
    print(f"command: {shlex.join(['python', *sys.argv])}")
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    counts = [0] + [int(k) for k in args.kills.split(",") if k.strip()]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-crash-") as folder:
        for database in [d.strip() for d in args.databases.split(",") if d.strip()]:
            if database == "postgres" and not postgres_answers(args.postgres):
                print(f"PostgreSQL at {args.postgres} does not answer: left out")
                continue
            for kills in counts:
                began = time.monotonic()
                print(f"{database}, {kills} kills:", flush=True)
                rows.append(one_case(database, kills, args, Path(folder)))
                print(f"  ({time.monotonic() - began:.0f} s with preparation)", flush=True)
    print()
    print_table(rows)
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if any(row["problems"] or row["unfinished"] or row["errors"] for row in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
