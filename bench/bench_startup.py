"""Benchmark of the command line's start-up: how long `competition --help` and
`competition evaluate small.json` take, beside `python -c pass` and `python -c "import flask"`
measured in the same run.

    PYTHONPATH=. .venv/bin/python bench/bench_startup.py [--runs 15]

Each command runs --runs times as a new process, in turn (pass, flask, help, evaluate, pass…),
so a machine getting busier slows all four alike. Printed: p50 and p90 wall seconds, and the
ratio of each p50 to `import flask`'s and to `pass`'s. The goal (issue 24): both commands at
most 3× `import flask`. The skill file is bench_rules.make_skill with 12 aspects (60
competitors), written to a temporary folder. Not a timed test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_rules import make_skill  # noqa: E402
from processes import percentile  # noqa: E402


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    python = sys.executable
    competition = [python, "-m", "competition"]
    with tempfile.TemporaryDirectory() as folder:
        skill_file = Path(folder) / "small.json"
        skill_file.write_text(json.dumps(make_skill(12)), encoding="utf-8")
        rows = {
            "python -c pass": [python, "-c", "pass"],
            "python -c 'import flask'": [python, "-c", "import flask"],
            "competition --help": [*competition, "--help"],
            "competition evaluate small.json": [*competition, "evaluate", str(skill_file)],
        }
        times: dict[str, list[float]] = {label: [] for label in rows}
        for command in rows.values():  # warm the file cache once, untimed
            timed(command)
        for _ in range(args.runs):
            for label, command in rows.items():
                times[label].append(timed(command))
    flask = statistics.median(times["python -c 'import flask'"])
    bare = statistics.median(times["python -c pass"])
    print(f"{'command':36} {'p50 s':>7} {'p90 s':>7} {'× flask':>8} {'× pass':>8}")
    for label, values in times.items():
        p50 = statistics.median(values)
        print(f"{label:36} {p50:7.3f} {percentile(values, 0.9):7.3f} "
              f"{p50 / flask:8.2f} {p50 / bare:8.1f}")
    print(f"({args.runs} runs each, interleaved)")


if __name__ == "__main__":
    main()
