"""Benchmark of `competition simulate`: the rate it drives, as a ratio to the rate asked.

    .venv/bin/python bench/bench_simulate.py [--rates 50,100,200] [--seconds 12] [--runs 2]

The demo is loaded once (`competition demo`, SQLite); each run takes a fresh copy of its
database, starts `competition serve` on it and runs `competition simulate --rate R --seed 1`
(every skill, 37 judge connections) beside it on this machine, stopped with Ctrl+C (SIGINT)
--seconds after its marking began. The reference of each ratio is the rate asked. Figures:

- recorded/s: the marks the server recorded per second, from the first to the last revision's
  `created_at` in its database (the server's clock; independent of what simulate says);
- simulate/s: the rate simulate's summary line states (since issue 24: marks answered per
  second of the time it had marks to send; before: marks over the whole command's time, set-up
  and close included), with its acknowledgement p50/p99 when it states them;
- CPU ms/mark of simulate and of the server (utime + stime from /proc over the marking), and the
  other processes' CPU (cores busy with other work: the machine may be shared);
- baseline "bare python-socketio": simulate's own client code (its Server and Simulation: the
  same connections, schedule and acknowledgement handling) in this process, sending as many
  marks at the same rate to bench/bare_socketio.py (no Flask, no database): the rate the client
  side reaches on this machine in the same run when the server costs nothing (its recorded/s:
  acknowledgements per second, first to last).

Not a timed test: the figures are in bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

from processes import (
    cpu_seconds,
    free_port,
    machine_busy_seconds,
    percentile,
    print_columns,
    start,
    stop,
)

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SECRET_KEY = "bench-simulate-secret-key"  # noqa: S105 (a throwaway instance's)
JUDGES = 37  # the connections `competition simulate` opens on the demo (every skill)


def instance_variables(instance: Path) -> dict:
    return {"COMPETITION_INSTANCE": str(instance), "COMPETITION_SECRET_KEY": SECRET_KEY,
            "COMPETITION_DATABASE_URL": f"sqlite:///{instance / 'competition.db'}"}


def interruptible() -> None:
    """In the child: Ctrl+C's signal acted on, even when this benchmark was started in the
    background (a shell's `&` ignores SIGINT, and the child would inherit that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def load_demo(workdir: Path) -> Path:
    template = workdir / "template"
    template.mkdir()
    with (workdir / "demo.log").open("wb") as log:
        subprocess.run([PYTHON, "-m", "competition", "demo"], cwd=template, check=True,
                       env=dict(os.environ, **instance_variables(template)), stdout=log,
                       stderr=subprocess.STDOUT)
    return template / "competition.db"


def recorded_rate(database: Path) -> tuple[int, float | None]:
    """Marks recorded, and per second from the first to the last (the server's timestamps)."""
    with sqlite3.connect(database) as connection:
        stamps = [datetime.fromisoformat(value) for (value,) in connection.execute(
            "SELECT created_at FROM mark_revision ORDER BY created_at")]
    if len(stamps) < 2:
        return len(stamps), None
    return len(stamps), (len(stamps) - 1) / (stamps[-1] - stamps[0]).total_seconds()


def product_run(template: Path, workdir: Path, rate: float, seconds: float) -> dict:
    instance = workdir / f"run-{rate:g}-{time.monotonic_ns()}"
    instance.mkdir()
    shutil.copyfile(template, instance / "competition.db")
    variables = instance_variables(instance)
    port = free_port()
    server = start("competition serve", [PYTHON, "-m", "competition", "serve", "--port",
                                         str(port)], port, instance, variables)
    marking = threading.Event()
    errors: list[str] = []
    try:
        with (instance / "simulate.out").open("w") as out:
            simulate = subprocess.Popen(
                [PYTHON, "-m", "competition", "simulate", "--url", server.url, "--rate",
                 f"{rate:g}", "--seed", "1"], env=dict(os.environ, **variables), cwd=instance,
                stdout=out, stderr=subprocess.PIPE, text=True, preexec_fn=interruptible)

            def read_errors() -> None:
                for line in simulate.stderr:
                    errors.append(line)
                    if line.startswith("Marking"):  # the bar's label: the marks start now
                        marking.set()

            reader = threading.Thread(target=read_errors, daemon=True)
            reader.start()
            if not marking.wait(180):
                simulate.kill()
                raise SystemExit(f"simulate did not start marking: {''.join(errors)}")
            before = (cpu_seconds(simulate.pid), cpu_seconds(server.process.pid),
                      machine_busy_seconds(), time.monotonic())
            time.sleep(seconds)
            after = (cpu_seconds(simulate.pid), cpu_seconds(server.process.pid),
                     machine_busy_seconds(), time.monotonic())
            simulate.send_signal(signal.SIGINT)
            simulate.wait(timeout=120)
            if not any(text.startswith("Stopped") for text in
                       (instance / "simulate.out").read_text().splitlines()):
                raise SystemExit("simulate ran out of marks before Ctrl+C: ask fewer --seconds")
            reader.join(timeout=10)
    finally:
        stop(server.process)
    line = next((text for text in (instance / "simulate.out").read_text().splitlines()
                 if text.startswith(("Stopped", "Done"))), "")
    if not line:
        raise SystemExit(f"simulate printed no summary: {''.join(errors)}")
    said = re.search(r", at ([\d.]+)/s of the", line) or re.search(r"\(([\d.]+)/s\)", line)
    acks = re.search(r"acknowledged in (\d+) ms at p50, (\d+) ms at p99", line)
    marks, recorded = recorded_rate(instance / "competition.db")
    client, served, busy, wall = (b - a for a, b in zip(before, after, strict=True))
    return {"label": "competition serve", "rate": rate, "marks": marks, "recorded": recorded,
            "said": float(said.group(1)) if said else None,
            "ack_p50": float(acks.group(1)) if acks else None,
            "ack_p99": float(acks.group(2)) if acks else None,
            "client_ms": 1000 * client / marks if marks else None,
            "server_ms": 1000 * served / marks if marks else None,
            "others": max(0.0, busy - client - served) / wall}


def bare_run(workdir: Path, rate: float, seconds: float) -> dict:
    """simulate's client code (its Server and Simulation) against bench/bare_socketio.py."""
    from competition.simulate.driver import Simulation, Summary
    from competition.simulate.plan import Submission
    from competition.simulate.server import Server

    port = free_port()
    bare = start("bare python-socketio", [PYTHON, str(ROOT / "bench" / "bare_socketio.py"),
                                          "--port", str(port)], port, workdir)
    server = Server(bare.url)
    sent: dict[str, float] = {}
    answered: list[tuple[float, float]] = []
    try:
        for k in range(JUDGES):
            server.connect(f"judge-{k}", "no token")
        simulation = Simulation(server, rate, {}, lambda *_a, **_k: None, Summary())
        send, on_ack = server.send, simulation.on_ack

        def timed_send(submission, callback):
            sent[submission.key] = time.monotonic()
            return send(submission, callback)

        def timed_ack(submission, answer=None):
            answered.append((sent[submission.key], time.monotonic()))
            on_ack(submission, answer)

        server.send, simulation.on_ack = timed_send, timed_ack
        count = round(rate * seconds)
        simulation.add([Submission("bench", "A1.1", str(100 + k % 25), f"judge-{k % JUDGES}",
                                   None, "1.00") for k in range(count)])
        before = (cpu_seconds(os.getpid()), cpu_seconds(bare.process.pid),
                  machine_busy_seconds(), time.monotonic())
        simulation.run()
        after = (cpu_seconds(os.getpid()), cpu_seconds(bare.process.pid),
                 machine_busy_seconds(), time.monotonic())
    finally:
        server.close()
        stop(bare.process)
    times = sorted(arrived for _sent, arrived in answered)
    latencies = [1000 * (b - a) for a, b in answered]
    client, served, busy, wall = (b - a for a, b in zip(before, after, strict=True))
    return {"label": "bare python-socketio", "rate": rate, "marks": len(answered),
            "recorded": (len(times) - 1) / (times[-1] - times[0]), "said": None,
            "ack_p50": percentile(latencies, 0.5), "ack_p99": percentile(latencies, 0.99),
            "client_ms": 1000 * client / len(answered), "server_ms": 1000 * served / len(answered),
            "others": max(0.0, busy - client - served) / wall}


def fmt(value, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", default="50,100,200", help="marks/s asked, comma-separated")
    parser.add_argument("--seconds", type=float, default=12,
                        help="seconds of marking per run (the demo holds 4,369 marks: at "
                             "200/s, under 21 s)")
    parser.add_argument("--runs", type=int, default=2, help="runs of each rate")
    args = parser.parse_args()
    rates = [float(rate) for rate in args.rates.split(",") if rate.strip()]
    print(f"bench_simulate: {' '.join([Path(sys.argv[0]).name, *sys.argv[1:]])}")
    print(f"competition from {ROOT}; {os.cpu_count()} CPUs; load average before: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}\n", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-simulate-") as folder:
        workdir = Path(folder)
        template = load_demo(workdir)
        for rate in rates:
            for run in range(args.runs):
                for measure in (lambda r=rate: product_run(template, workdir, r, args.seconds),
                                lambda r=rate: bare_run(workdir, r, args.seconds)):
                    row = measure()
                    row["run"] = run + 1
                    rows.append(row)
                    print(f"  {row['label']} {rate:g}/s run {run + 1}: "
                          f"{fmt(row['recorded'])}/s", flush=True)
    table = [("row", "run", "asked/s", "marks", "recorded/s", "×asked", "simulate/s", "×asked",
              "ack p50", "ack p99", "client ms/mark", "server ms/mark", "others' cores")]
    for row in rows:
        table.append((row["label"], str(row["run"]), f"{row['rate']:g}", str(row["marks"]),
                      fmt(row["recorded"]),
                      fmt(row["recorded"] / row["rate"], 3) if row["recorded"] else "-",
                      fmt(row["said"]),
                      fmt(row["said"] / row["rate"], 3) if row["said"] else "-",
                      fmt(row["ack_p50"], 0), fmt(row["ack_p99"], 0), fmt(row["client_ms"], 2),
                      fmt(row["server_ms"], 2), fmt(row["others"], 2)))
    print()
    print_columns(table)
    print("recorded/s: the server's marks per second (bare: acknowledgements per second); ×asked: "
          "over the rate asked; ack in ms; CPU over the marking; others' cores: the CPU of "
          "other processes of the machine meanwhile, in cores")


if __name__ == "__main__":
    main()
