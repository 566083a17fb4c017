"""How soon a worker child reaches its task: forked by the fork server (competition/forks.py)
against spawned as a new interpreter (what competition/tasks.py did before, and still does
when the fork server cannot be used), same command, same run.

    .venv/bin/python bench/bench_worker_start.py [--runs 15]

Each child is `competition.workers import 999999` or `batch 999999` on a migrated, empty
SQLite database: it makes its app, looks its job (or batch) up, finds none and exits. The time
is from the server's side asking for the child to its exit (its stdout closed and its exit
code known): the start-up a real task pays before its first step. Printed: median, p90 and
the forked child's ratio to the spawned one. Not a timed test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PYTHON = sys.executable


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="children of each kind")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-workers-"))
    os.environ.update({"COMPETITION_INSTANCE": str(folder),
                       "COMPETITION_DATABASE_URL": f"sqlite:///{folder / 'competition.db'}",
                       "COMPETITION_SECRET_KEY": "bench-worker-start"})
    subprocess.run([PYTHON, "-m", "competition", "db", "upgrade"], check=True,
                   capture_output=True)

    from competition import create_app, forks, tasks

    if not forks.available():
        sys.exit("the fork server needs Linux")
    env = tasks.child_env(create_app())
    errors = os.open(folder / "children.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def spawned(argv: list[str]) -> None:
        read, write = os.pipe()
        pid = os.posix_spawn(PYTHON, [PYTHON, "-m", "competition.workers", *argv], env,
                             file_actions=[(os.POSIX_SPAWN_DUP2, write, 1),
                                           (os.POSIX_SPAWN_DUP2, errors, 2)])
        os.close(write)
        with os.fdopen(read, "rb") as stdout:
            stdout.read()
        os.waitpid(pid, 0)

    def forked(argv: list[str]) -> None:
        read, write = os.pipe()
        started = forks.start(argv, env, write, errors)
        os.close(write)
        if started is None:
            sys.exit("the fork server could not be used")
        with os.fdopen(read, "rb") as stdout:
            stdout.read()
        forks.exit_code(os.fdopen(started[1], "rb"))

    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.runs} children of "
          f"each kind; load average before: {' '.join(map(str, os.getloadavg()))}")
    print(f"{'child':<22} {'how':<8} {'median ms':>10} {'p90 ms':>8}")
    for command in ("import", "batch"):
        argv = [command, "999999"]
        forked(argv)  # the fork server started and its imports done, once (not measured)
        figures = {}
        for how, start in (("spawned", spawned), ("forked", forked)):
            times = []
            for _ in range(args.runs):
                began = time.perf_counter()
                start(argv)
                times.append((time.perf_counter() - began) * 1000)
            figures[how] = times
            print(f"{' '.join(argv):<22} {how:<8} {statistics.median(times):>10.1f} "
                  f"{percentile(times, 0.9):>8.1f}")
        ratio = statistics.median(figures["forked"]) / statistics.median(figures["spawned"])
        print(f"  forked / spawned, median: {ratio:.3f}×")
    os.close(errors)


if __name__ == "__main__":
    main()
