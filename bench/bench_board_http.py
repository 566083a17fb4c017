"""Benchmark of the public standings endpoint under 50 concurrent HTTP clients, beside baselines.

    make bench-board                  # installs wrk when run as root, then the run below
    .venv/bin/python bench/bench_board_http.py [--connections 50] [--duration 10] [--skill 10]
                                               [--variants shipped,nodelay]

Every server runs as a subprocess on this machine; wrk (Debian package `wrk`) is the load
generator, one thread by default so that on two cores the server and wrk get one each. In the
same invocation, each for --duration seconds after a 2-second warm-up:

- `competition serve` (gevent), GET /board/<skill>/snapshot.json, anonymous: the standings as
  the public may see them (the skill set live, and every mark of it entered first by
  `competition simulate`, so the snapshot is a full board);
- the same server, GET /static/css/app.css: a static file served by the app;
- a bare Flask app with one route answering "hello", on gevent's WSGIServer (the server
  `competition serve` runs on), started by this script (`--hello-server PORT`).

Variants: `shipped` runs the servers as they are; `nodelay` runs the same with TCP_NODELAY set
on each of gevent's connections by this script (`set_nodelay`; the product's code is not
changed). gevent.pywsgi writes headers and body in two sends with Nagle's algorithm on, so on
a keep-alive connection each response but the first waits ~40 ms for the client's delayed ACK:
the shipped figures measure that wait, the nodelay ones the servers' work.

Figures: requests/s, latency p50/p99 (wrk's), the server process's CPU time per request
(utime + stime from /proc/PID/stat), the CPU wrk and the rest of the machine used meanwhile,
and the snapshot's ratios to both baselines. Not a timed test.
"""

from __future__ import annotations

import sys

# The servers this script starts run on gevent, which patches the standard library first.
if "--hello-server" in sys.argv or "--serve-product" in sys.argv:
    from gevent import monkey

    monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

from processes import (  # noqa: E402
    Server,
    cpu_seconds,
    free_port,
    machine_busy_seconds,
    print_columns,
    start,
    stop,
)

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SECRET_KEY = secrets.token_urlsafe(32)  # of the product's throwaway instance


# --- the bare baseline ----------------------------------------------------------------------

def set_nodelay() -> None:
    """Make gevent's WSGI server send small writes at once (TCP_NODELAY on each connection).

    gevent.pywsgi writes a response's headers and its body in two send calls and leaves
    Nagle's algorithm on, so on a keep-alive connection the body waits for the client's delayed
    ACK of the headers: about 40 ms on Linux for every response but a connection's first."""
    from gevent import pywsgi

    handle = pywsgi.WSGIHandler.handle

    def handle_without_nagle(self):
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return handle(self)

    pywsgi.WSGIHandler.handle = handle_without_nagle


def hello_server(port: int, nodelay: bool) -> None:
    """A minimal Flask app with one route, on gevent's WSGIServer (no request log)."""
    from flask import Flask
    from gevent.pywsgi import WSGIServer

    if nodelay:
        set_nodelay()
    app = Flask("hello")

    @app.get("/")
    def hello():
        return "hello"

    WSGIServer(("127.0.0.1", port), app, log=None).serve_forever()


def product_server(port: int, nodelay: bool) -> None:
    """`competition serve --port PORT`, as the command line starts it (gevent patched first),
    with --nodelay: and gevent's WSGI connections without Nagle's algorithm (the product as
    shipped is not changed by the bench)."""
    sys.argv = ["competition", "serve", "--port", str(port)]
    from competition.cli import main as competition

    if nodelay:
        set_nodelay()
    competition()


# --- the product's instance -----------------------------------------------------------------

def instance_env(instance: Path) -> dict:
    return {"COMPETITION_INSTANCE": str(instance), "COMPETITION_SECRET_KEY": SECRET_KEY,
            "COMPETITION_DATABASE_URL": f"sqlite:///{instance / 'competition.db'}"}


def prepare_instance(workdir: Path) -> Path:
    """The demo in a fresh instance (SQLite)."""
    instance = workdir / "instance"
    instance.mkdir()
    subprocess.run([PYTHON, "-m", "competition", "demo"], env=dict(os.environ,
                   **instance_env(instance)), cwd=instance, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return instance


def fill_skill(server: Server, instance: Path, skill: str) -> str:
    """Every mark of the skill entered over Socket.IO by `competition simulate`, shown live."""
    result = subprocess.run(
        [PYTHON, "-m", "competition", "simulate", "--url", server.url, "--skills", skill,
         "--rate", "1000", "--until-complete", "--show", "--seed", "1"],
        env=dict(os.environ, **instance_env(instance)), cwd=instance, capture_output=True,
        text=True, timeout=600)
    if result.returncode != 0:
        raise SystemExit(f"competition simulate failed:\n{result.stderr}")
    return result.stdout.strip().splitlines()[-1]


def fetch(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310 (our own server)
        return answer.status, answer.read()


# --- wrk ------------------------------------------------------------------------------------

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


@dataclass
class Row:
    label: str
    path: str
    bytes: int
    requests: int
    seconds: float  # wall time of the measured wrk run (the CPU figures' span)
    rps: float
    p50_ms: float
    p99_ms: float
    errors: str
    server_cpu_s: float
    wrk_cpu_s: float
    others_cpu_s: float

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.server_cpu_s / self.requests if self.requests else float("nan")


def run_wrk(url: str, connections: int, threads: int, seconds: float,
            workdir: Path) -> tuple[str, float]:
    """wrk's report and the CPU seconds wrk itself used."""
    out = workdir / "wrk.txt"
    with out.open("w") as handle:
        process = subprocess.Popen(
            ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--latency",
             "--timeout", "10s", url], stdout=handle, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    text = out.read_text()
    if process.returncode != 0:
        raise SystemExit(f"wrk failed on {url}:\n{text}")
    return text, usage.ru_utime + usage.ru_stime


def measure(label: str, server: Server, path: str, args, workdir: Path) -> Row:
    url = server.url + path
    status, body = fetch(url)
    if status != 200:
        raise SystemExit(f"{url}: HTTP {status}")
    run_wrk(url, args.connections, args.threads, 2, workdir)  # warm-up
    cpu_before = cpu_seconds(server.process.pid)
    busy_before = machine_busy_seconds()
    began = time.monotonic()
    text, wrk_cpu = run_wrk(url, args.connections, args.threads, args.duration, workdir)
    seconds = time.monotonic() - began
    cpu = cpu_seconds(server.process.pid) - cpu_before
    others = machine_busy_seconds() - busy_before - cpu - wrk_cpu
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", text, re.MULTILINE))
    total = re.search(r"^\s+(\d+) requests in ", text, re.MULTILINE)
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.MULTILINE)
    if not (latency.get("50") and latency.get("99") and total and rps):
        raise SystemExit(f"cannot read wrk's report:\n{text}")
    errors = [line.strip() for line in text.splitlines()
              if line.strip().startswith(("Socket errors", "Non-2xx"))]
    return Row(label, path, len(body), int(total.group(1)), seconds,
               float(rps.group(1)), _ms(latency["50"]), _ms(latency["99"]), "; ".join(errors),
               cpu, wrk_cpu, max(0.0, others))


# --- the table ------------------------------------------------------------------------------

def print_table(rows: list[Row], args) -> None:
    header = ("server, request", "bytes", "requests/s", "p50 ms", "p99 ms", "CPU ms/req",
              "server CPU", "wrk CPU", "others CPU")
    table = [header]
    for row in rows:
        table.append((f"{row.label}: GET {row.path}", str(row.bytes), f"{row.rps:,.0f}",
                      f"{row.p50_ms:.2f}", f"{row.p99_ms:.2f}", f"{row.cpu_ms_per_request:.3f}",
                      f"{row.server_cpu_s / row.seconds:.2f}",
                      f"{row.wrk_cpu_s / row.seconds:.2f}",
                      f"{row.others_cpu_s / row.seconds:.2f}"))
    print_columns(table)
    print(f"{args.connections} connections, wrk -t{args.threads}, {args.duration:g} s each after "
          "a 2 s warm-up; CPU columns: CPUs used on average during the run (server process, "
          f"wrk, everything else on the machine), of {os.cpu_count()}")
    for row in rows:
        if row.errors:
            print(f"  {row.label} {row.path}: {row.errors}")
        if row.others_cpu_s > 0.25 * row.seconds:
            print(f"  BUSY MACHINE during {row.label} {row.path}: other processes used "
                  f"{row.others_cpu_s / row.seconds:.2f} CPUs, so these figures are low")


def print_ratios(snapshot: Row, static: Row, hello: Row) -> None:
    print(f"\n{snapshot.label}, the snapshot against the baselines:")
    for base in (hello, static):
        print(f"  vs {base.label} GET {base.path}: requests/s {snapshot.rps / base.rps:.2f}×, "
              f"p50 {snapshot.p50_ms / base.p50_ms:.2f}×, p99 {snapshot.p99_ms / base.p99_ms:.2f}×"
              f", CPU per request {snapshot.cpu_ms_per_request / base.cpu_ms_per_request:.2f}×")


def versions() -> str:
    from importlib.metadata import version

    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
    return (f"Python {platform.python_version()}, Flask {version('flask')}, gevent "
            f"{version('gevent')}; {wrk.split(' Copyright')[0].strip()}; {os.cpu_count()} CPUs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--connections", type=int, default=50, help="concurrent HTTP clients")
    parser.add_argument("--threads", type=int, default=1, help="wrk's threads")
    parser.add_argument("--duration", type=float, default=10, help="seconds per measurement")
    parser.add_argument("--skill", default="10", help="the skill whose snapshot is fetched")
    parser.add_argument("--variants", default="shipped,nodelay",
                        help="shipped: the servers as they are; nodelay: the same with "
                             "TCP_NODELAY on gevent's connections (patched by this script)")
    parser.add_argument("--hello-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--serve-product", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--nodelay", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.hello_server:
        hello_server(args.hello_server, args.nodelay)
        return
    if args.serve_product:
        product_server(args.serve_product, args.nodelay)
        return
    variants = [v for v in args.variants.split(",") if v]
    if not variants or set(variants) - {"shipped", "nodelay"}:
        raise SystemExit("--variants: shipped, nodelay or both (comma-separated)")
    if shutil.which("wrk") is None:
        raise SystemExit("bench_board_http needs wrk, the HTTP load generator: "
                         "sudo apt-get install wrk (or `make bench-board` as root)")

    print(f"bench_board_http: {' '.join([Path(sys.argv[0]).name, *sys.argv[1:]])}")
    print(versions())
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n", flush=True)
    rows: list[Row] = []
    groups: list[tuple[Row, Row, Row]] = []
    with tempfile.TemporaryDirectory(prefix="bench-board-") as folder:
        workdir = Path(folder)
        print("competition serve: loading the demo", flush=True)
        instance = prepare_instance(workdir)
        for variant in variants:
            extra = ["--nodelay"] if variant == "nodelay" else []
            suffix = " +NODELAY" if variant == "nodelay" else ""
            port = free_port()
            hello = start(f"bare Flask + gevent{suffix}", [
                PYTHON, str(Path(__file__).resolve()), "--hello-server", str(port), *extra],
                port, workdir)
            try:
                print(f"{hello.label}: GET /", flush=True)
                hello_row = measure(hello.label, hello, "/", args, workdir)
            finally:
                stop(hello.process)

            port = free_port()
            command = [PYTHON, str(Path(__file__).resolve()), "--serve-product", str(port),
                       *extra] if extra else [PYTHON, "-m", "competition", "serve", "--port",
                                              str(port)]
            server = start(f"competition serve{suffix}", command, port, instance,
                           instance_env(instance))
            try:
                if not groups:
                    print(f"{server.label}: every mark of skill {args.skill} "
                          f"({fill_skill(server, instance, args.skill)})", flush=True)
                snapshot = json.loads(fetch(
                    f"{server.url}/board/{args.skill}/snapshot.json")[1])
                progress = snapshot.get("progress") or {}
                if snapshot.get("visibility") != "live" or not snapshot.get("results"):
                    raise SystemExit(f"the public snapshot of {args.skill} has no standings: "
                                     f"{json.dumps(snapshot)[:300]}")
                print(f"{server.label}: GET the snapshot of {args.skill} (version "
                      f"{snapshot.get('version')}, {progress.get('marked')} of "
                      f"{progress.get('expected')} marks)", flush=True)
                snapshot_row = measure(server.label, server,
                                       f"/board/{args.skill}/snapshot.json", args, workdir)
                print(f"{server.label}: GET /static/css/app.css", flush=True)
                static_row = measure(server.label, server, "/static/css/app.css", args,
                                     workdir)
            finally:
                stop(server.process)
                log = server.log.read_text(errors="replace")
                if "Traceback" in log:
                    print(f"  server log ({server.log.name}):\n{log[-3000:]}")
            rows += [snapshot_row, static_row, hello_row]
            groups.append((snapshot_row, static_row, hello_row))
    print()
    print_table(rows, args)
    for snapshot_row, static_row, hello_row in groups:
        print_ratios(snapshot_row, static_row, hello_row)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
