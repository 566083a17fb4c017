"""Benchmark of the live path: marks in, standings out to 1,000 board viewers, beside baselines.

    make bench-live                  # npm ci in bench/live, then the full run below
    .venv/bin/python bench/bench_live.py [--quick] [--viewers 1000] [--rate 50] [--duration 30]

Every server runs as a subprocess on this machine; one Node process (bench/live/loadgen.js,
npm socket.io-client) holds all the viewer and judge connections (the judges on a thread of
their own, so that acks are not timed late while 1,000 snapshots are parsed) and reads every
time on one clock. In the same invocation:

- node socket.io: bench/live/server.js, a bare npm `socket.io` server that acknowledges a mark
  and broadcasts a 2 KB document to the board room (one broadcast per mark);
- python-socketio gevent: bench/bare_socketio.py, the same on the stack `competition serve` runs
  on (gevent, simple-websocket, per-message deflate declined); the full run adds the same with
  deflate accepted and on the threading server, the other choices the figures decide between;
- competition serve: the product on SQLite with the demo loaded, one skill set to "live", its
  experts' API tokens; judges send `mark:submit` to cells of that skill (no compatriots), viewers
  `board:join` it; the server may coalesce marks into fewer `board:snapshot` broadcasts;
- competition serve, whole results: the same, the viewers joining without `changes: true`, so
  every broadcast carries the whole results (the bytes a broadcast saves are the difference);
- competition serve, no viewers: 50 judges over every skill send 200 marks/s.

Figures: ack p50/p99 (mark:submit → ack, at the judge), last viewer p50/p99 (the ack of a mark →
the moment the last viewer holds a snapshot of at least the mark's version), server CPU time
(utime + stime from /proc/PID/stat) from the first mark to the last broadcast ÷ broadcasts
(÷ marks with no viewers), and the product's ratios to both baselines. Not a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from processes import (
    Server,
    cpu_seconds,
    free_port,
    machine_busy_seconds,
    print_columns,
    start,
    stop,
)

ROOT = Path(__file__).resolve().parent.parent
LIVE = ROOT / "bench" / "live"
PYTHON = sys.executable
PY_SPY: Path | None = None  # --py-spy
SECRET_KEY = secrets.token_urlsafe(32)  # of the product's throwaway instance

# The targets (1,000 viewers of one skill, 50 marks/s; 200 marks/s without viewers).
ACK_P50_MS = 3.0
ACK_P99_MS = 20.0
LAST_VIEWER_P99_MS = 150.0
CPU_VS_PYTHON = 1.5
CPU_VS_NODE = 3.0


# --- the load generator -------------------------------------------------------------------

class LoadGenerator:
    """bench/live/loadgen.js, spoken to one JSON line at a time."""

    def __init__(self, config: dict, workdir: Path):
        path = workdir / f"loadgen-{time.monotonic_ns()}.json"
        path.write_text(json.dumps(config))
        self.stderr = (workdir / "loadgen.log").open("ab")
        self.process = subprocess.Popen(
            ["node", str(LIVE / "loadgen.js"), str(path)], cwd=LIVE, text=True, bufsize=1,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr)
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def expect(self, event: str, seconds: float) -> dict:
        deadline = time.monotonic() + seconds
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise SystemExit(f"the load generator sent no {event!r} in {seconds:.0f} s; "
                                 f"see {self.stderr.name}") from None
            if line is None:
                raise SystemExit(f"the load generator stopped before {event!r}; "
                                 f"see {self.stderr.name}")
            message = json.loads(line)
            if message.get("event") == event:
                return message

    def send(self, line: str) -> None:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def close(self) -> None:
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.stderr.close()


@dataclass
class Row:
    label: str
    viewers: int
    rate: float
    result: dict
    cpu_s: float
    client_cpu_s: float
    others_cpu_s: float
    seconds: float
    notes: list[str] = field(default_factory=list)
    judges: int = 0

    @property
    def broadcasts(self) -> int:
        return self.result["broadcasts_max"]

    @property
    def cpu_ms_per_broadcast(self) -> float | None:
        return 1000 * self.cpu_s / self.broadcasts if self.broadcasts else None

    @property
    def cpu_ms_per_mark(self) -> float | None:
        marks = self.result["marks"]
        return 1000 * self.cpu_s / marks if marks else None


def measure(server: Server, config: dict, workdir: Path, profile: Path | None = None) -> Row:
    """Run the load generator against a started server; `profile`: record the server with
    py-spy (`--py-spy`) from the first mark to the last broadcast, as collapsed stacks."""
    generator = LoadGenerator(dict(config, url=server.url), workdir)
    spy = None
    try:
        ready = generator.expect("ready", 120 + config["viewers"] * 0.2)
        if ready["viewers"] < config["viewers"]:
            print(f"  warning: {ready['viewers']} of {config['viewers']} viewers joined",
                  flush=True)
        cpu_before = cpu_seconds(server.process.pid)
        client_before = cpu_seconds(generator.process.pid)
        busy_before = machine_busy_seconds()
        if profile is not None:
            spy = subprocess.Popen([str(PY_SPY), "record", "--pid", str(server.process.pid),
                                    "--format", "raw", "--rate", "250", "--nonblocking",
                                    "--output", str(profile)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        began = time.monotonic()
        generator.send("go")
        generator.expect("done", config["duration"] + config["drain"] + 60)
        seconds = time.monotonic() - began
        cpu = cpu_seconds(server.process.pid) - cpu_before
        client_cpu = cpu_seconds(generator.process.pid) - client_before
        others = machine_busy_seconds() - busy_before - cpu - client_cpu
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=30)
            print(f"  profile: {profile}", flush=True)
        generator.send("report")
        result = generator.expect("result", 120)
    finally:
        generator.close()
    return Row(server.label, result["viewers"], config["rate"], result, cpu, client_cpu,
               max(0.0, others), seconds)


# --- the product's instance -----------------------------------------------------------------

def prepare_instance(workdir: Path) -> Path:
    """The demo in a fresh instance, every skill live, an API token per expert.

    Returns the instance's folder; tokens.json there maps each skill's reference to its
    judges: [{login, token, expert, organization}].
    """
    import sqlalchemy as sa

    instance = workdir / "instance"
    instance.mkdir()
    environment = dict(os.environ, COMPETITION_INSTANCE=str(instance),
                       COMPETITION_SECRET_KEY=SECRET_KEY)
    environment.pop("COMPETITION_DATABASE_URL", None)
    subprocess.run([PYTHON, "-m", "competition", "demo"], env=environment, cwd=instance,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    from competition import create_app
    from competition.auth.service import add_user, create_token
    from competition.database import write_transaction
    from competition.extensions import db
    from competition.models import Expert, ExpertRole, Skill, User

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'competition.db'}",
                      "INSTANCE_PATH": str(instance), "SECRET_KEY": SECRET_KEY})
    judges: dict[str, list[dict]] = {}
    with app.app_context():
        with write_transaction() as session:
            for skill in session.execute(sa.select(Skill)).scalars():
                skill.visibility = "live"
            accounts = {user.expert_id: user.login for user in session.execute(
                sa.select(User).where(User.expert_id.is_not(None))).scalars()}
            for expert in session.execute(sa.select(Expert)).scalars():
                if expert.id not in accounts:
                    login = f"bench-{expert.championship.code}-{expert.code}".lower()
                    add_user(login, "expert", None, expert=expert)
                    accounts[expert.id] = login
        roles = db.session.execute(sa.select(ExpertRole)).scalars().all()
        rows = [(role.skill, role.expert, role.role) for role in roles]
        tokens = {login: create_token(login, "bench") for login in sorted(accounts.values())}
        for skill, expert, role in rows:
            if role == "independent":
                continue  # not on the marking panel
            ref = f"{skill.championship.code}/{skill.code}"
            login = accounts[expert.id]
            judges.setdefault(ref, []).append({
                "login": login, "token": tokens[login], "expert": expert.code, "role": role,
                "organization": expert.organization.code if expert.organization else None})
        db.session.remove()
        db.engine.dispose()
    (instance / "tokens.json").write_text(json.dumps(judges, indent=1))
    return instance


def fetch_json(url: str, token: str) -> dict:
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (our own server)
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        return json.loads(answer.read())


def cells_for(server_url: str, ref: str, judges: list[dict]) -> list[list[dict]]:
    """Each cell of the skill (aspect × competitor) given to exactly one of its judges who is
    not a compatriot of the competitor; returns the cells of each judge, in judges' order."""
    scheme = fetch_json(f"{server_url}/api/v1/skills/{ref}", judges[0]["token"])
    experts = {e["code"]: e for e in scheme.get("experts", [])}
    competitors = [c for c in scheme["competitors"] if c.get("status", "active") == "active"]
    aspects = [aspect for criterion in scheme["criteria"]
               for sub in criterion["sub_criteria"] if not sub.get("locked")
               for aspect in sub["aspects"]]
    shares: list[list[dict]] = [[] for _ in judges]
    turn = 0
    for aspect in aspects:
        values = aspect["values"]
        if len(values) < 2:
            continue
        for competitor in competitors:
            for step in range(len(judges)):
                k = (turn + step) % len(judges)
                judge = judges[k]
                organization = (experts.get(judge["expert"]) or {}).get(
                    "organization", judge["organization"])
                if organization and organization == competitor.get("organization"):
                    continue
                team = (experts.get(judge["expert"]) or {}).get("marking_team") or ""
                if team and aspect["code"].split(".")[0][:1] not in team:
                    continue
                shares[k].append({"skill": ref, "competitor": competitor["code"],
                                  "aspect": aspect["code"], "values": values})
                turn = k + 1
                break
    return shares


def judge_specs(server_url: str, judges_by_skill: dict, skills: list[str], connections: int,
                ) -> list[dict]:
    """`connections` judge connections over the skills' experts; a judge account with several
    connections splits its cells between them (no two connections share a cell)."""
    accounts = []
    for ref in skills:
        judges = judges_by_skill[ref]
        for judge, cells in zip(judges, cells_for(server_url, ref, judges), strict=True):
            if cells:
                accounts.append((judge, cells))
    if not accounts:
        raise SystemExit("no judge has a cell to mark; see the instance's tokens.json")
    specs = []
    per_account = [connections // len(accounts) + (1 if k < connections % len(accounts) else 0)
                   for k in range(len(accounts))] if connections >= len(accounts) else \
        [1] * connections + [0] * (len(accounts) - connections)
    for (judge, cells), count in zip(accounts, per_account, strict=True):
        for part in range(count):
            specs.append({"token": judge["token"], "login": judge["login"],
                          "cells": cells[part::count]})
    return specs


# --- the table ------------------------------------------------------------------------------

def fmt(value, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_table(rows: list[Row], python_base: Row | None, node_base: Row | None) -> None:
    header = ("server", "viewers", "marks/s", "marks", "bcasts", "ack p50", "ack p99",
              "last p50", "last p99", "CPU ms/bc", "÷python", "÷node", "CPU ms/mark")
    table = [header]
    for row in rows:
        r = row.result
        per_bc = row.cpu_ms_per_broadcast if row.viewers else None
        ratio_py = ratio_node = None
        if per_bc is not None and python_base and python_base.cpu_ms_per_broadcast:
            ratio_py = per_bc / python_base.cpu_ms_per_broadcast
        if per_bc is not None and node_base and node_base.cpu_ms_per_broadcast:
            ratio_node = per_bc / node_base.cpu_ms_per_broadcast
        table.append((
            row.label, str(row.viewers), fmt(r["marks"] / row.result["seconds"], 0),
            str(r["marks"]), str(row.broadcasts) if row.viewers else "-",
            fmt(r["ack_ms"]["p50"]), fmt(r["ack_ms"]["p99"]),
            fmt(r["last_viewer_ms"]["p50"]) if row.viewers else "-",
            fmt(r["last_viewer_ms"]["p99"]) if row.viewers else "-",
            fmt(per_bc), fmt(ratio_py, 2) if ratio_py else "-",
            fmt(ratio_node, 2) if ratio_node else "-", fmt(row.cpu_ms_per_mark, 2)))
    print_columns(table)
    print("times in ms; CPU = server process utime+stime from the first mark to the last "
          "broadcast; bcasts = board:snapshot events each viewer got; ÷python / ÷node: CPU per "
          "broadcast over the bare python-socketio gevent / Node socket.io baseline")
    for row in rows:
        r = row.result
        extra = []
        if r["errors"]:
            extra.append(f"refused {r['errors']}")
        for key in ("skipped", "timeouts", "undelivered", "viewers_lost"):
            if r[key]:
                extra.append(f"{key} {r[key]}")
        if r.get("first_error"):
            extra.append(f"first error: {r['first_error']}")
        if r.get("join_bytes"):
            extra.append(f"snapshot at join {r['join_bytes']} B")
        sizes = r.get("broadcast_bytes")
        if sizes:
            extra.append(f"broadcasts (first viewer, {sizes['n']}): p50 {sizes['p50']:.0f} B, "
                         f"max {sizes['max']:.0f} B")
        if r.get("viewer_loop_busy") is not None and row.viewers:
            extra.append(f"the viewers' thread was busy {100 * r['viewer_loop_busy']:.0f}% "
                         "of the time")
        extra.append(f"CPU s: server {row.cpu_s:.1f}, load generator {row.client_cpu_s:.1f}, "
                     f"other processes {row.others_cpu_s:.1f}, in {row.seconds:.1f} s on "
                     f"{os.cpu_count()} CPUs")
        if row.others_cpu_s > 0.25 * row.seconds:
            extra.append(f"BUSY MACHINE: other processes used {row.others_cpu_s / row.seconds:.1f}"
                         " CPUs meanwhile, so times and CPU here are inflated")
        print(f"  {row.label}: " + "; ".join(e for e in extra + row.notes if e))


def check_targets(ours: Row | None, quiet: Row | None, python_base: Row | None,
                  node_base: Row | None) -> None:
    print("\ntargets (issue 5):")

    def line(ok: bool, text: str) -> None:
        print(f"  [{'ok' if ok else 'MISSED'}] {text}")

    if ours:
        r = ours.result
        line((r["ack_ms"]["p50"] or 1e9) <= ACK_P50_MS,
             f"ack p50 {fmt(r['ack_ms']['p50'])} ms ≤ {ACK_P50_MS} ms "
             f"({ours.viewers} viewers, {ours.rate:g} marks/s)")
        line((r["ack_ms"]["p99"] or 1e9) <= ACK_P99_MS,
             f"ack p99 {fmt(r['ack_ms']['p99'])} ms ≤ {ACK_P99_MS} ms")
        line((r["last_viewer_ms"]["p99"] or 1e9) <= LAST_VIEWER_P99_MS,
             f"last viewer p99 {fmt(r['last_viewer_ms']['p99'])} ms ≤ {LAST_VIEWER_P99_MS} ms")
        mine = ours.cpu_ms_per_broadcast
        if mine and python_base and python_base.cpu_ms_per_broadcast:
            ratio = mine / python_base.cpu_ms_per_broadcast
            line(ratio <= CPU_VS_PYTHON, f"CPU per broadcast {ratio:.2f}× python-socketio "
                 f"≤ {CPU_VS_PYTHON}×")
        if mine and node_base and node_base.cpu_ms_per_broadcast:
            ratio = mine / node_base.cpu_ms_per_broadcast
            line(ratio <= CPU_VS_NODE, f"CPU per broadcast {ratio:.2f}× Node ≤ {CPU_VS_NODE}×")
        print(f"  coalescing: {r['marks']} marks acknowledged, {ours.broadcasts} broadcasts "
              f"({r['mark_versions']} skill versions)")
        if quiet and quiet.cpu_ms_per_mark and ours.broadcasts:
            fan_out = (1000 * ours.cpu_s - r["marks"] * quiet.cpu_ms_per_mark) / ours.broadcasts
            versus = (f", {fan_out / python_base.cpu_ms_per_broadcast:.2f}× python-socketio"
                      if python_base and python_base.cpu_ms_per_broadcast else "")
            print(f"  fan-out alone ≈ {fan_out:.1f} ms CPU per broadcast{versus} (the CPU of "
                  f"this row less its marks at the no-viewer row's {quiet.cpu_ms_per_mark:.2f} "
                  "ms each)")
    if quiet:
        r = quiet.result
        line((r["ack_ms"]["p99"] or 1e9) <= ACK_P99_MS,
             f"no viewers, {quiet.judges} judges, "
             f"{quiet.rate:g} marks/s: ack p99 {fmt(r['ack_ms']['p99'])} ms ≤ {ACK_P99_MS} ms")


# --- main -----------------------------------------------------------------------------------

def versions() -> str:
    from importlib.metadata import version

    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    packages = json.loads((LIVE / "node_modules" / "socket.io" / "package.json").read_text())
    return (f"Python {platform.python_version()}, python-socketio {version('python-socketio')}, "
            f"python-engineio {version('python-engineio')}, gevent {version('gevent')}, "
            f"simple-websocket {version('simple-websocket')}; Node {node}, socket.io "
            f"{packages['version']}; {os.cpu_count()} CPUs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 200 viewers, 10 s, fewer rows")
    parser.add_argument("--viewers", type=int, help="board viewers (default 1000; quick 200)")
    parser.add_argument("--rate", type=float, default=50, help="marks/s to the watched skill")
    parser.add_argument("--duration", type=float, help="seconds of marks per row (30; quick 10)")
    parser.add_argument("--baseline-rate", type=float, default=5,
                        help="marks/s to the baselines, one broadcast each (they do not "
                             "coalesce, so 50/s would only measure their queues)")
    parser.add_argument("--quiet-rate", type=float, default=200,
                        help="marks/s of the run without viewers")
    parser.add_argument("--quiet-judges", type=int, default=50,
                        help="judge connections of the run without viewers")
    parser.add_argument("--rows", default="",
                        help="comma-separated subset: "
                        "node,gevent,deflate,threading,serve,whole,quiet")
    parser.add_argument("--py-spy", metavar="PATH",
                        help="record the product's rows with this py-spy (collapsed stacks "
                             "written beside the table's output, in --profile-dir)")
    parser.add_argument("--profile-dir", default=".", help="where --py-spy writes")
    args = parser.parse_args()
    global PY_SPY
    PY_SPY = Path(args.py_spy) if args.py_spy else None
    viewers = args.viewers or (200 if args.quick else 1000)
    duration = args.duration or (10 if args.quick else 30)
    wanted = set(filter(None, args.rows.split(","))) or (
        {"node", "gevent", "serve", "whole", "quiet"} if args.quick
        else {"node", "gevent", "deflate", "threading", "serve", "whole", "quiet"})

    if shutil.which("node") is None:
        raise SystemExit("needs Node.js (`node`): apt-get install nodejs npm")
    if not (LIVE / "node_modules" / "socket.io-client").exists():
        raise SystemExit("needs the npm packages: run `make bench-live`, or `npm ci` in bench/live")
    print(f"bench_live: {' '.join([Path(sys.argv[0]).name, *sys.argv[1:]])}")
    print(versions())
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n", flush=True)

    base = {"viewers": viewers, "skill": "bench", "connectBatch": 50, "duration": duration,
            "drain": 15, "maxOutstanding": 20}
    dummy = [{"token": None, "cells": [{"skill": "bench", "competitor": "101", "aspect": "A1.1",
                                        "values": [0, 1, 2, 3]}]}]
    def profiled(name: str) -> Path | None:
        return Path(args.profile_dir).resolve() / f"bench-live-{name}.txt" if PY_SPY else None

    rows: list[Row] = []
    python_base = node_base = ours = quiet = None
    with tempfile.TemporaryDirectory(prefix="bench-live-") as folder:
        workdir = Path(folder)
        baselines = [
            ("node", "node socket.io", lambda port: ["node", str(LIVE / "server.js"), str(port)]),
            ("gevent", "python-socketio gevent",
             lambda port: [PYTHON, str(ROOT / "bench" / "bare_socketio.py"), "--port", str(port)]),
            ("deflate", "python-socketio gevent+deflate",
             lambda port: [PYTHON, str(ROOT / "bench" / "bare_socketio.py"), "--port", str(port),
                           "--deflate"]),
            ("threading", "python-socketio threading",
             lambda port: [PYTHON, str(ROOT / "bench" / "bare_socketio.py"), "--port", str(port),
                           "--async-mode", "threading"]),
        ]
        for key, label, command in baselines:
            if key not in wanted:
                continue
            print(f"{label}: {viewers} viewers, {args.baseline_rate:g} marks/s, {duration:g} s",
                  flush=True)
            port = free_port()
            server = start(label, command(port), port, workdir)
            try:
                row = measure(server, dict(base, rate=args.baseline_rate, judges=dummy), workdir)
            finally:
                stop(server.process)
            rows.append(row)
            if key == "gevent":
                python_base = row
            if key == "node":
                node_base = row

        if wanted & {"serve", "whole", "quiet"}:
            print("competition serve: preparing the demo instance", flush=True)
            template = prepare_instance(workdir)
            judges_by_skill = json.loads((template / "tokens.json").read_text())
            for key in ("serve", "whole", "quiet"):
                if key not in wanted:
                    continue
                instance = workdir / f"instance-{key}"
                shutil.copytree(template, instance)
                port = free_port()
                env = {"COMPETITION_INSTANCE": str(instance),
                       "COMPETITION_SECRET_KEY": SECRET_KEY, "COMPETITION_DATABASE_URL": ""}
                server = start("competition serve", [
                    PYTHON, "-m", "competition", "serve", "--port", str(port)],
                    port, instance, env)
                try:
                    if key in ("serve", "whole"):
                        # serve: the viewers take `results_changes`, as the projector does;
                        # whole: they ask for whole results (a board that does not apply them)
                        skill = pick_skill(judges_by_skill)
                        specs = judge_specs(server.url, judges_by_skill, [skill],
                                            len(judges_by_skill[skill]))
                        label = "competition serve" + (", whole results" if key == "whole"
                                                       else "")
                        print(f"{label}: {viewers} viewers of {skill}, {len(specs)} judges, "
                              f"{args.rate:g} marks/s, {duration:g} s", flush=True)
                        row = measure(server, dict(base, skill=skill, rate=args.rate,
                                                   judges=specs, changes=key == "serve"),
                                      workdir, profiled(key))
                        row.label = label
                        rows.append(row)
                        if key == "serve":
                            ours = row
                    else:
                        skills = sorted(judges_by_skill)
                        specs = judge_specs(server.url, judges_by_skill, skills,
                                            args.quiet_judges)
                        print(f"competition serve, no viewers: {len(specs)} judges over "
                              f"{len(skills)} skills, {args.quiet_rate:g} marks/s, "
                              f"{duration:g} s", flush=True)
                        quiet = measure(server, dict(base, viewers=0, skill=skills[0],
                                                     rate=args.quiet_rate, judges=specs),
                                        workdir, profiled("quiet"))
                        quiet.label = "competition serve, no viewers"
                        quiet.judges = len(specs)
                        rows.append(quiet)
                finally:
                    stop(server.process)
                    log = server.log.read_text(errors="replace")
                    if "Traceback" in log or "error" in log.lower():
                        print(f"  server log ({server.log.name}):\n"
                              + "\n".join("    " + x for x in log.splitlines()[-20:]))
    print()
    print_table(rows, python_base, node_base)
    if ours or quiet:
        check_targets(ours, quiet, python_base, node_base)
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def pick_skill(judges_by_skill: dict) -> str:
    """The watched skill: the one with the most judges (ties: the first by reference)."""
    return max(sorted(judges_by_skill), key=lambda ref: len(judges_by_skill[ref]))


if __name__ == "__main__":
    main()
