"""Benchmark of scale-out: 2 processes on PostgreSQL + Redis against 1 on SQLite, same load.

    .venv/bin/python bench/bench_scale_out.py [--seconds 20] [--judges 50] [--rate 200]
        [--viewers-per-skill 3] [--cases sqlite,pg2] (pg1 adds 1 process on PostgreSQL)

In one invocation, the same demo championship (every skill live, one API token per expert;
bench_live.prepare_instance) is served by:

- (a) `competition serve`: one gevent process on a fresh SQLite copy of the demo;
- (b) `competition serve --workers 2`: two processes sharing one port (SO_REUSEPORT) on a
  fresh PostgreSQL database holding the same demo (the SQLite one moved over by `competition
  backup --format json` / `restore`), Redis as the message queue on a channel of this run's own;
- (c) optional (`--cases …,pg1`): one process on PostgreSQL, no queue — what PostgreSQL alone
  costs, apart from the second process.

The load, identical for every case: `--judges` connections of the demo's experts over every
skill (bench_live.judge_specs: each cell to one judge, never a compatriot of its competitor)
send `mark:submit` at `--rate` marks/s in total, round robin, for `--warmup` + `--seconds`
seconds (only the last `--seconds` count); and `--viewers-per-skill` anonymous board viewers
per skill (`board:join`). The clients are python-socketio on gevent, in one process of their
own (this file with --load-generator) so that every time is read on one clock.

Figures: marks/s acknowledged; ack latency (mark:submit → ack, at the judge) p50/p95/p99/max;
viewer latency (the judge's ack of a mark → the moment a viewer of its skill holds a snapshot of
at least the mark's version), split by whether the viewer's connection is held by the same
server process as the judge's or by the other one — which process holds a connection is read
from /proc (the socket's inode in /proc/net/tcp and in the workers' /proc/PID/fd), so the
"other process" figure is the path through the message queue; server CPU (utime + stime from
/proc/PID/stat) per acknowledged mark, of the server processes alone and with the whole
PostgreSQL server (its children that exited included) and redis-server added (SQLite works
inside the server process); with PostgreSQL, its transactions and rows per mark
(pg_stat_database); with Redis, its messages per mark (PUBLISH calls). Ratios are to the
first case, (a). Nothing is timed against a target: this machine's 2 CPUs also run
PostgreSQL, Redis and the load generator, and the notes under the table say how busy each was.
Not a timed test.
"""

# The load generator (this file with --load-generator) patches the standard library for gevent
# before anything else is imported, hence imports below code:
# ruff: noqa: E402
from __future__ import annotations

import sys

if __name__ == "__main__" and sys.argv[1:2] == ["--load-generator"]:
    from gevent import monkey

    monkey.patch_all()

import argparse
import bisect
import json
import math
import os
import platform
import re
import shlex
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_live import SECRET_KEY, LoadGenerator, judge_specs, prepare_instance
from processes import (
    TICKS,
    Server,
    cpu_seconds,
    free_port,
    machine_busy_seconds,
    print_columns,
    start,
    stop,
)

PYTHON = sys.executable
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


# --- the load generator (its own process, gevent) ------------------------------------------

def load_generator(config_path: str) -> None:
    """Judges and viewers against config["url"]; talks to the driver one JSON line at a time:
    -> ready {judges: [port…], viewers: [port…]}; <- go; -> measuring (the warm-up is over);
    -> done (marks sent, acks in, viewers caught up); <- report; -> result {path}."""
    import gc

    import gevent
    import socketio
    from socketio.exceptions import SocketIOError

    config = json.loads(Path(config_path).read_text())
    url = config["url"]
    now = time.monotonic

    def say(event: str, **fields) -> None:
        sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
        sys.stdout.flush()

    def log(message: str) -> None:
        sys.stderr.write(f"load generator: {message}\n")
        sys.stderr.flush()

    def read_line() -> str:
        # sys.stdin is not patched: read it on gevent's thread pool, so that the clients'
        # greenlets keep answering the server (pings) meanwhile.
        return gevent.get_hub().threadpool.apply(sys.stdin.readline).strip()

    def local_port(client) -> int:
        return client.eio.ws.sock.getsockname()[1]

    class Viewer:
        def __init__(self, skill: str):
            self.skill = skill
            self.times: list[float] = []
            self.versions: list[int] = []
            self.lost = False
            self.client = socketio.Client(reconnection=False)
            self.client.on("board:snapshot", self.snapshot)
            self.client.on("disconnect", self.gone)
            self.client.connect(url, transports=["websocket"], wait_timeout=30)
            answer = self.client.call("board:join", {"skill": skill}, timeout=60)
            if not (isinstance(answer, dict) and answer.get("ok")):
                raise RuntimeError(f"board:join {skill}: {answer}")
            self.port = local_port(self.client)

        def snapshot(self, data) -> None:
            self.times.append(now())
            self.versions.append(int((data or {}).get("version") or 0))

        def gone(self, *_reason) -> None:
            self.lost = True

    errors: dict[str, int] = {}
    marks: list[list] = []  # [judge, skill, version, sent, acked]
    state = {"refusals_logged": 0, "measuring_from": math.inf}

    class Judge:
        def __init__(self, index: int, spec: dict):
            self.index = index
            self.cells = [dict(cell, next=0, revision=0) for cell in spec["cells"]]
            self.next = 0
            self.outstanding = 0
            self.client = socketio.Client(reconnection=False)
            self.client.connect(url, transports=["websocket"], wait_timeout=30,
                                auth={"token": spec["token"]})
            self.port = local_port(self.client)

        def send(self) -> None:
            cell = self.cells[self.next % len(self.cells)]
            self.next += 1
            value = cell["values"][cell["next"] % len(cell["values"])]
            cell["next"] += 1
            payload = {"id": str(uuid.uuid4()), "skill": cell["skill"],
                       "competitor": cell["competitor"], "aspect": cell["aspect"],
                       "value": value, "base": cell["revision"], "device": "bench"}
            sent = now()

            def acked(answer=None) -> None:
                at = now()
                self.outstanding -= 1
                mark = (answer or {}).get("mark") or {}
                if mark.get("revision") is not None:
                    cell["revision"] = mark["revision"]
                if isinstance(answer, dict) and answer.get("ok"):
                    if sent >= state["measuring_from"]:
                        marks.append([self.index, cell["skill"], int(mark.get("version") or 0),
                                      sent, at])
                else:
                    code = (answer or {}).get("error") or "no answer"
                    errors[code] = errors.get(code, 0) + 1
                    if state["refusals_logged"] < 5:
                        state["refusals_logged"] += 1
                        log(f"mark refused: {answer} for {payload}")

            self.outstanding += 1
            try:
                self.client.emit("mark:submit", payload, callback=acked)
            except SocketIOError as error:
                self.outstanding -= 1
                code = f"not sent: {type(error).__name__}"
                errors[code] = errors.get(code, 0) + 1

    def in_batches(make, items, size: int = 10) -> list:
        made = []
        for first in range(0, len(items), size):
            jobs = [gevent.spawn(make, *item) for item in items[first:first + size]]
            gevent.joinall(jobs, raise_error=True)
            made.extend(job.value for job in jobs)
        return made

    viewers = in_batches(Viewer, [(skill,) for skill in config["skills"]
                                  for _ in range(config["viewers_per_skill"])])
    judges = in_batches(Judge, list(enumerate(config["judges"])))
    gevent.sleep(0.5)  # the join snapshots settle
    gc.collect()
    gc.freeze()  # what was made so far stays: no full collection walks it during the run
    say("ready", judges=[j.port for j in judges], viewers=[v.port for v in viewers])
    if read_line() != "go":
        os._exit(2)

    rate, warmup, seconds = config["rate"], config["warmup"], config["seconds"]
    skipped = 0
    began = now()
    state["measuring_from"] = began + warmup
    announced = warmup <= 0
    if announced:
        say("measuring")
    k = 0
    while True:
        due = began + k / rate
        if due >= began + warmup + seconds:
            break
        if not announced and due >= state["measuring_from"]:
            say("measuring")
            announced = True
        delay = due - now()
        if delay > 0:
            gevent.sleep(delay)
        judge = judges[k % len(judges)]
        if judge.outstanding >= config["max_outstanding"]:
            if due >= state["measuring_from"]:
                skipped += 1
        else:
            judge.send()
        k += 1
    drain_until = now() + config["drain"]
    while now() < drain_until and any(j.outstanding for j in judges):
        gevent.sleep(0.01)
    top: dict[str, int] = {}
    for _judge, skill, version, _sent, _acked in marks:
        top[skill] = max(top.get(skill, 0), version)

    def behind() -> bool:
        return any(not v.lost and (max(v.versions, default=-1) < top.get(v.skill, 0))
                   for v in viewers)

    while now() < drain_until and behind():
        gevent.sleep(0.02)
    say("done")
    if read_line() != "report":
        os._exit(2)
    path = Path(config["output"])
    path.write_text(json.dumps({
        "marks": marks, "errors": errors, "skipped": skipped,
        "timeouts": sum(j.outstanding for j in judges), "seconds": seconds,
        "viewers": [{"skill": v.skill, "port": v.port, "lost": v.lost, "times": v.times,
                     "versions": v.versions} for v in viewers],
        "judges": [j.port for j in judges],
    }))
    say("result", path=str(path))
    # python-socketio waits up to 3 s for a close frame the gevent server does not send.
    gevent.joinall([gevent.spawn(c.client.disconnect) for c in viewers + judges], timeout=5)
    os._exit(0)


# --- the driver -------------------------------------------------------------------------------

class PythonLoadGenerator(LoadGenerator):
    """This file's --load-generator, spoken to like bench_live's Node one (expect/send)."""

    def __init__(self, config: dict, workdir: Path):  # not super().__init__: that starts Node
        path = workdir / f"load-{time.monotonic_ns()}.json"
        path.write_text(json.dumps(config))
        self.stderr = (workdir / "load-generator.log").open("ab")
        self.process = subprocess.Popen(
            [PYTHON, str(Path(__file__).resolve()), "--load-generator", str(path)],
            cwd=workdir, text=True, bufsize=1, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self.stderr)
        import queue

        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()


@dataclass
class Case:
    key: str
    label: str
    workers: int
    database: str  # "sqlite" | "postgresql"
    queue: bool


CASES = {
    "sqlite": Case("sqlite", "(a) 1 process, SQLite", 1, "sqlite", False),
    "pg2": Case("pg2", "(b) 2 processes, PostgreSQL + Redis", 2, "postgresql", True),
    "pg1": Case("pg1", "(c) 1 process, PostgreSQL", 1, "postgresql", False),
}


@dataclass
class Running:
    """A case's server: the supervisor (or the only process) and the processes serving."""
    server: Server
    serving: list[int]  # pids of the processes that hold connections
    database: str | None = None  # PostgreSQL: the database's name
    postmaster: int | None = None  # and the pid of its server


@dataclass
class Outcome:
    case: Case
    marks: int
    seconds: float
    wall_seconds: float
    ack_ms: list[float]
    viewer_same_ms: list[float]
    viewer_other_ms: list[float]
    cpu_server: float
    cpu_database: float | None
    cpu_queue: float | None
    cpu_client: float
    cpu_others: float
    judges_per_process: list[int]
    viewers_per_process: list[int]
    errors: dict
    skipped: int
    timeouts: int
    viewers_lost: int
    notes: list[str] = field(default_factory=list)
    transactions: float | None = None  # PostgreSQL transactions per mark

    @property
    def rate(self) -> float:
        return self.marks / self.seconds

    def per_mark_ms(self, *cpu: float | None) -> float | None:
        if not self.marks or any(c is None for c in cpu):
            return None
        return 1000 * sum(cpu) / self.marks


def competition(args: list[str], env: dict, cwd: Path) -> None:
    done = subprocess.run([PYTHON, "-m", "competition", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=600)
    if done.returncode:
        raise SystemExit(f"competition {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def base_env(instance: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPETITION_")}
    env.update(COMPETITION_INSTANCE=str(instance), COMPETITION_SECRET_KEY=SECRET_KEY)
    return env


@contextmanager
def serving(case: Case, workdir: Path, template: Path, dump: Path, postgres: str, redis: str):
    """Start `case`'s server on a fresh copy of the demo; stop it (and drop its database)."""
    import sqlalchemy as sa

    instance = workdir / f"instance-{case.key}"
    port = free_port()
    admin = database = None
    if case.database == "sqlite":
        shutil.copytree(template, instance)
        env = {"COMPETITION_DATABASE_URL": f"sqlite:///{instance / 'competition.db'}"}
    else:
        instance.mkdir()
        database = f"bench_scale_out_{case.key}_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(f"{postgres}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{database}"')
        env = {"COMPETITION_DATABASE_URL": f"{postgres}/{database}"}
    if case.queue:
        env.update(COMPETITION_MESSAGE_QUEUE=redis,
                   COMPETITION_MESSAGE_QUEUE_CHANNEL=f"bench-scale-out-{uuid.uuid4().hex}")
    full_env = dict(base_env(instance), **env)
    server = None
    try:
        if database:
            competition(["db", "upgrade"], full_env, instance)
            competition(["restore", str(dump), "--yes"], full_env, instance)
        command = [PYTHON, "-m", "competition", "serve", "--bind", f"127.0.0.1:{port}"]
        if case.workers > 1:
            command += ["--workers", str(case.workers)]
        # processes.start adds os.environ: the COMPETITION_* settings of this shell are
        # overridden here one by one (an empty value is unset).
        for key in os.environ:
            if key.startswith("COMPETITION_") and key not in full_env:
                full_env[key] = ""
        server = start(case.label, command, port, instance,
                       {k: v for k, v in full_env.items() if k.startswith("COMPETITION_")})
        pids = [server.process.pid]
        if case.workers > 1:
            deadline = time.monotonic() + 60
            while len(pids := [int(p) for p in re.findall(r"worker (\d+) serving on",
                                                             server.log.read_text())]) \
                    < case.workers:
                if server.process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"{case.label}: the workers did not start:\n"
                                     f"{server.log.read_text(errors='replace')}")
                time.sleep(0.2)
        yield Running(server, pids, database,
                      postmaster(postgres, database) if database else None)
    finally:
        if server is not None:
            stop(server.process)
            log = server.log.read_text(errors="replace")
            if "Traceback" in log or "error" in log.lower():
                print(f"  server log ({server.log}):\n"
                      + "\n".join("    " + x for x in log.splitlines()[-20:]), flush=True)
        if admin is not None:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            admin.dispose()


# --- who holds which connection, and what the database and the queue spent -------------------

def holders(server_port: int, pids: list[int]) -> dict[int, int]:
    """Client port → pid of the server process holding that connection's server side: the
    socket's inode from /proc/net/tcp, found among the processes' open files."""
    inodes: dict[str, int] = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16):
            inodes[inode] = int(remote.split(":")[1], 16)
    owner: dict[int, int] = {}
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                owner[inodes[target[8:-1]]] = pid
    return owner


def cpu_of(pids) -> dict[int, float]:
    seconds = {}
    for pid in pids:
        try:
            seconds[pid] = cpu_seconds(pid)
        except (OSError, ValueError):
            pass  # gone, or not ours to read
    return seconds


def postmaster(postgres: str, database: str) -> int | None:
    """The pid of the PostgreSQL server holding `database` (the parent of its backends)."""
    import sqlalchemy as sa

    engine = sa.create_engine(f"{postgres}/{database}")
    try:
        with engine.connect() as connection:
            backend = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        return int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return None  # not on this machine, or not ours to see
    finally:
        engine.dispose()


STATISTICS = ("xact_commit", "xact_rollback", "tup_fetched", "tup_inserted", "tup_updated")


def database_statistics(postgres: str, database: str) -> dict[str, int]:
    """pg_stat_database's counters of `database` (backends report them within a second or so,
    so a delta over a run is close, not exact)."""
    import sqlalchemy as sa

    engine = sa.create_engine(f"{postgres}/postgres")
    try:
        with engine.connect() as connection:
            row = connection.execute(
                sa.text(f"SELECT {', '.join(STATISTICS)} FROM pg_stat_database "  # noqa: S608
                        "WHERE datname = :name"), {"name": database}).one()
        return dict(zip(STATISTICS, row, strict=True))
    finally:
        engine.dispose()


def server_tree_seconds(parent: int) -> float:
    """CPU seconds of a server and its children: its own, its live children's, and those of
    the children it has reaped (cutime + cstime), so that a connection opened and closed
    meanwhile still counts."""
    fields = Path(f"/proc/{parent}/stat").read_text().rsplit(")", 1)[1].split()
    total = sum(int(x) for x in fields[11:15]) / TICKS
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            child = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(child[1]) == parent:
            total += (int(child[11]) + int(child[12])) / TICKS
    return total


def queue_publishes(url: str) -> int:
    """How many PUBLISH commands redis-server has run (INFO commandstats)."""
    import redis

    stats = redis.Redis.from_url(url).info("commandstats")
    return stats.get("cmdstat_publish", {}).get("calls", 0)


def redis_pids() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "redis-server":
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


# --- one case ---------------------------------------------------------------------------------

def measure(case: Case, running: Running, specs: list[dict], skills: list[str], args,
            workdir: Path, postgres: str) -> Outcome:
    server = running.server
    port = int(server.url.rsplit(":", 1)[1])
    output = workdir / f"result-{case.key}.json"
    config = {"url": server.url, "judges": specs, "skills": skills, "rate": args.rate,
              "seconds": args.seconds, "warmup": args.warmup, "drain": 15,
              "viewers_per_skill": args.viewers_per_skill, "max_outstanding": 20,
              "output": str(output)}
    generator = PythonLoadGenerator(config, workdir)
    try:
        ready = generator.expect("ready", 300)
        owner = holders(port, running.serving)
        app_pids = [server.process.pid, *([p for p in running.serving
                                           if p != server.process.pid])]
        generator.send("go")
        generator.expect("measuring", args.warmup + 60)
        database_before = server_tree_seconds(running.postmaster) if running.postmaster else 0
        statistics = database_statistics(postgres, running.database) if running.database else {}
        queue_pids = redis_pids() if case.queue else []
        published = queue_publishes(args.redis) if case.queue else None
        before = cpu_of(app_pids + queue_pids + [generator.process.pid])
        busy_before = machine_busy_seconds()
        began = time.monotonic()
        generator.expect("done", args.seconds + 60)
        wall = time.monotonic() - began
        busy = machine_busy_seconds() - busy_before
        after = cpu_of(app_pids + queue_pids + [generator.process.pid])
        if published is not None:
            published = queue_publishes(args.redis) - published
        database_after = server_tree_seconds(running.postmaster) if running.postmaster else 0
        if running.database:
            time.sleep(1.5)  # the backends report their counters when idle, about each second
            statistics = {name: value - statistics[name] for name, value in
                          database_statistics(postgres, running.database).items()}
        generator.send("report")
        generator.expect("result", 120)
    finally:
        generator.close()

    def spent(pids) -> float:
        return sum(after[p] - before.get(p, 0.0) for p in pids if p in after)

    result = json.loads(output.read_text())
    cpu_server = spent(app_pids)
    cpu_database = database_after - database_before if running.postmaster else None
    cpu_queue = spent(queue_pids) if case.queue else None
    cpu_client = spent([generator.process.pid])
    others = busy - cpu_server - (cpu_database or 0) - (cpu_queue or 0) - cpu_client

    judge_process = [owner.get(p) for p in ready["judges"]]
    viewer_process = [owner.get(p) for p in ready["viewers"]]
    notes = []
    unknown = judge_process.count(None) + viewer_process.count(None)
    if unknown:
        notes.append(f"{unknown} connections not found in /proc (not counted by process)")

    # Each viewer: its snapshots' running maximum of versions, in arrival order.
    by_skill: dict[str, list[tuple[int | None, list[int], list[float]]]] = {}
    for viewer, process in zip(result["viewers"], viewer_process, strict=True):
        running_max, top = [], -1
        for version in viewer["versions"]:
            top = max(top, version)
            running_max.append(top)
        by_skill.setdefault(viewer["skill"], []).append((process, running_max, viewer["times"]))
    same, other, undelivered = [], [], 0
    for judge, skill, version, _sent, acked in result["marks"]:
        for process, running_max, times in by_skill.get(skill, []):
            at = bisect.bisect_left(running_max, version)
            if at == len(running_max):
                undelivered += 1
                continue
            delay = 1000 * (times[at] - acked)
            if process is not None and process == judge_process[judge]:
                same.append(delay)
            elif process is not None and judge_process[judge] is not None:
                other.append(delay)
    if undelivered:
        notes.append(f"{undelivered} (mark, viewer) pairs never delivered")
    marks = len(result["marks"])
    transactions = None
    if statistics and marks:
        transactions = (statistics["xact_commit"] + statistics["xact_rollback"]) / marks
        notes.append(
            f"PostgreSQL per mark: {transactions:.1f} transactions, rows fetched "
            f"{statistics['tup_fetched'] / marks:.0f}, inserted "
            f"{statistics['tup_inserted'] / marks:.1f}, updated "
            f"{statistics['tup_updated'] / marks:.1f} (pg_stat_database over the measured "
            "seconds)")
    if published is not None and marks:
        notes.append(f"queue messages per mark: {published / marks:.2f} (Redis PUBLISH calls "
                     "over the measured seconds)")
    return Outcome(
        case=case, marks=len(result["marks"]), seconds=result["seconds"], wall_seconds=wall,
        ack_ms=[1000 * (acked - sent) for _j, _s, _v, sent, acked in result["marks"]],
        viewer_same_ms=same, viewer_other_ms=other, cpu_server=cpu_server,
        cpu_database=cpu_database, cpu_queue=cpu_queue, cpu_client=cpu_client,
        cpu_others=max(0.0, others),
        judges_per_process=[judge_process.count(p) for p in running.serving],
        viewers_per_process=[viewer_process.count(p) for p in running.serving],
        errors=result["errors"], skipped=result["skipped"], timeouts=result["timeouts"],
        viewers_lost=sum(v["lost"] for v in result["viewers"]), notes=notes,
        transactions=transactions)


# --- the baseline: bare PostgreSQL INSERTs ----------------------------------------------------

BARE_TABLES = """
CREATE TABLE mark (id bigserial PRIMARY KEY, cell integer NOT NULL, judge integer NOT NULL,
                   value numeric(6, 2) NOT NULL, at timestamptz NOT NULL DEFAULT now());
CREATE TABLE mark_revision (id bigserial PRIMARY KEY, mark bigint NOT NULL REFERENCES mark,
                            value numeric(6, 2) NOT NULL,
                            at timestamptz NOT NULL DEFAULT now())
"""


@dataclass
class Bare:
    """What PostgreSQL costs with nothing of the product around it: at the same rate, one
    transaction per mark that inserts a mark row and its revision row (psycopg, one
    connection, a scratch database)."""
    rate: float
    latency_ms: list[float]
    cpu_client: float
    cpu_database: float | None
    transactions: float | None

    def per_insert_ms(self) -> float | None:
        if not self.latency_ms or self.cpu_database is None:
            return None
        return 1000 * (self.cpu_client + self.cpu_database) / len(self.latency_ms)


def bare_postgres(postgres: str, rate: float, seconds: float, warmup: float) -> Bare:
    import psycopg

    name = f"bench_bare_{os.getpid()}"
    server_url = postgres.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(f"{server_url}/{name}") as connection:
            connection.execute(BARE_TABLES)
            connection.commit()
            server = postmaster(postgres, name)

            def insert(number: int) -> float:
                began = time.perf_counter()
                mark = connection.execute(
                    "INSERT INTO mark (cell, judge, value) VALUES (%s, %s, %s) RETURNING id",
                    (number % 500, number % 50, 2.5)).fetchone()[0]
                connection.execute("INSERT INTO mark_revision (mark, value) VALUES (%s, %s)",
                                   (mark, 2.5))
                connection.commit()
                return 1000 * (time.perf_counter() - began)

            def paced(count: int, first: int) -> list[float]:
                start, times = time.perf_counter(), []
                for number in range(count):
                    delay = start + number / rate - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                    times.append(insert(first + number))
                return times

            paced(int(warmup * rate), 0)
            statistics = database_statistics(postgres, name)
            database_before = server_tree_seconds(server) if server else 0.0
            client_before = time.process_time()
            latency = paced(int(seconds * rate), int(warmup * rate))
            cpu_client = time.process_time() - client_before
            cpu_database = server_tree_seconds(server) - database_before if server else None
            time.sleep(1.5)  # the backend reports its counters when idle
            after = database_statistics(postgres, name)
            transactions = (after["xact_commit"] + after["xact_rollback"]
                            - statistics["xact_commit"] - statistics["xact_rollback"])
    finally:
        with psycopg.connect(f"{server_url}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return Bare(rate=len(latency) / seconds, latency_ms=latency, cpu_client=cpu_client,
                cpu_database=cpu_database, transactions=transactions / len(latency))


def print_bare(bare: Bare, outcomes: list[Outcome]) -> None:
    p50, p99 = percentile(bare.latency_ms, 0.5), percentile(bare.latency_ms, 0.99)
    per_insert = bare.per_insert_ms()
    print(f"\nbaseline, bare PostgreSQL INSERT (a mark row and its revision row in one "
          f"transaction, psycopg, one connection, {bare.rate:.1f}/s): latency p50 {fmt(p50, 2)} "
          f"ms, p99 {fmt(p99, 2)} ms; CPU ms per insert, client + database "
          f"{fmt(per_insert, 2)}; transactions per insert {fmt(bare.transactions)}")
    for o in outcomes:
        if o.case.database != "postgresql":
            continue
        cpu = o.per_mark_ms(o.cpu_server, o.cpu_database or 0.0, o.cpu_queue or 0.0)
        ratios = [f"ack p99 {fmt(percentile(o.ack_ms, 0.99) / p99, 2)}x" if o.ack_ms and p99
                  else "ack p99 -"]
        if cpu is not None and per_insert:
            ratios.append(f"CPU per mark {cpu / per_insert:.2f}x")
        if o.transactions is not None and bare.transactions:
            ratios.append(f"transactions per mark {o.transactions / bare.transactions:.2f}x")
        print(f"  {o.case.label} over the bare INSERT: {', '.join(ratios)}")


# --- the table --------------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered), max(1, math.ceil(q * len(ordered)))) - 1]


def fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_table(outcomes: list[Outcome], asked_rate: float) -> None:
    def latency_rows(title: str, pick) -> list[tuple]:
        rows = []
        for name, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99), ("max", 1.0)):
            rows.append((f"{title} {name} (ms)", [percentile(pick(o), q) for o in outcomes], 1))
        rows.append((f"{title} samples", [float(len(pick(o))) for o in outcomes], -1))
        return rows

    rows: list[tuple] = [
        (f"marks/s acknowledged (sent {asked_rate:g}/s)", [o.rate for o in outcomes], 1),
        *latency_rows("ack", lambda o: o.ack_ms),
        *latency_rows("viewer, same process", lambda o: o.viewer_same_ms),
        *latency_rows("viewer, other process", lambda o: o.viewer_other_ms),
        ("CPU ms/mark, server processes", [o.per_mark_ms(o.cpu_server) for o in outcomes], 2),
        ("CPU ms/mark, + database + queue",
         [o.per_mark_ms(o.cpu_server, o.cpu_database or 0.0, o.cpu_queue or 0.0)
          for o in outcomes], 2),
    ]
    base = outcomes[0]
    header = ["", *[o.case.label for o in outcomes],
              *[f"{o.case.label[:3]}/{base.case.label[:3]}" for o in outcomes[1:]]]
    table = [header]
    for title, values, digits in rows:
        ratios = [fmt(v / values[0], 2) if v is not None and values[0] and digits >= 0
                  else "" for v in values[1:]]
        table.append([title, *[fmt(v, max(digits, 0)) for v in values], *ratios])
    print_columns(table)
    print("viewer = from the judge's ack to a viewer of the mark's skill holding a snapshot of "
          "at least its version, one sample per (mark, viewer); same/other process = the "
          "viewer's connection held by the judge's server process or by the other one (through "
          "the message queue). CPU = utime+stime (/proc) over the measured seconds ÷ marks "
          "acknowledged; database = the whole PostgreSQL server (postmaster and every child, "
          "those that exited too), queue = the whole redis-server; SQLite runs inside the "
          "server process.")
    for o in outcomes:
        extra = [f"judges per process {o.judges_per_process}",
                 f"viewers per process {o.viewers_per_process}"]
        if o.errors:
            extra.append(f"refused {o.errors}")
        for name in ("skipped", "timeouts", "viewers_lost"):
            if getattr(o, name):
                extra.append(f"{name} {getattr(o, name)}")
        parts = [f"server {o.cpu_server:.1f}"]
        if o.cpu_database is not None:
            parts.append(f"database {o.cpu_database:.1f}")
        if o.cpu_queue is not None:
            parts.append(f"redis {o.cpu_queue:.1f}")
        parts += [f"load generator {o.cpu_client:.1f}", f"other processes {o.cpu_others:.1f}"]
        extra.append(f"CPU s: {', '.join(parts)}, in {o.wall_seconds:.1f} s on "
                     f"{os.cpu_count()} CPUs")
        if o.cpu_others > 0.25 * o.wall_seconds:
            extra.append(f"BUSY MACHINE: other processes used {o.cpu_others / o.wall_seconds:.1f}"
                         " CPUs meanwhile, so times and CPU here are inflated")
        print(f"  {o.case.label}: " + "; ".join(extra + o.notes))


def versions(postgres: str) -> str:
    import sqlite3
    from importlib.metadata import version

    import sqlalchemy as sa

    engine = sa.create_engine(f"{postgres}/postgres")
    try:
        with engine.connect() as connection:
            pg = connection.exec_driver_sql("SHOW server_version").scalar()
    except sa.exc.SQLAlchemyError as error:
        raise SystemExit(f"needs PostgreSQL at {postgres}: {error}") from None
    finally:
        engine.dispose()
    return (f"Python {platform.python_version()}, gevent {version('gevent')}, python-socketio "
            f"{version('python-socketio')}, psycopg {version('psycopg')}, SQLite "
            f"{sqlite3.sqlite_version}, PostgreSQL {pg}; {os.cpu_count()} CPUs")


def check_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.RedisError as error:
        raise SystemExit(f"needs Redis at {url}: {error}") from None
    finally:
        client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20, help="measured seconds per case")
    parser.add_argument("--warmup", type=float, default=3,
                        help="seconds of the same load before the measured ones")
    parser.add_argument("--judges", type=int, default=50, help="judge connections")
    parser.add_argument("--rate", type=float, default=200, help="marks/s, all judges together")
    parser.add_argument("--viewers-per-skill", type=int, default=3,
                        help="board viewers of each skill")
    parser.add_argument("--cases", default="sqlite,pg2",
                        help="comma-separated, the first is the ratios' base: "
                             + ", ".join(f"{k} = {c.label}" for k, c in CASES.items()))
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES", DEFAULT_POSTGRES),
                        help="PostgreSQL server URL, without a database (a scratch database "
                             "is created and dropped there)")
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS", DEFAULT_REDIS),
                        help="the message queue of the multi-process case")
    args = parser.parse_args()
    try:
        cases = [CASES[key] for key in args.cases.split(",") if key]
    except KeyError as error:
        raise SystemExit(f"--cases: unknown case {error}; known: {', '.join(CASES)}") from None

    print(f"command: {shlex.join(['python', *sys.argv])}")
    print(versions(args.postgres))
    if any(case.queue for case in cases):
        check_redis(args.redis)
    print(f"load: {args.judges} judges, {args.rate:g} marks/s in total, {args.warmup:g} s "
          f"warm-up + {args.seconds:g} s measured; {args.viewers_per_skill} viewers per skill")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n", flush=True)

    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-out-") as folder:
        workdir = Path(folder)
        print("preparing the demo (SQLite) and its portable dump", flush=True)
        template = prepare_instance(workdir)
        judges_by_skill = json.loads((template / "tokens.json").read_text())
        dump = workdir / "demo.json"
        competition(["backup", str(dump), "--format", "json"],
                    dict(base_env(template),
                         COMPETITION_DATABASE_URL=f"sqlite:///{template / 'competition.db'}"),
                    template)
        skills = sorted(judges_by_skill)
        specs = None
        for case in cases:
            with serving(case, workdir, template, dump, args.postgres, args.redis) as running:
                if specs is None:  # the same cells for every case: the data are the same
                    specs = judge_specs(running.server.url, judges_by_skill, skills, args.judges)
                print(f"{case.label}: {len(specs)} judges over {len(skills)} skills, "
                      f"{args.rate:g} marks/s, {args.seconds:g} s", flush=True)
                outcomes.append(measure(case, running, specs, skills, args, workdir,
                                        args.postgres))
        bare = None
        if any(case.database == "postgresql" for case in cases):
            print(f"baseline: bare PostgreSQL INSERTs, {args.rate:g}/s, {args.seconds:g} s",
                  flush=True)
            bare = bare_postgres(args.postgres, args.rate, args.seconds, args.warmup)
    print()
    print_table(outcomes, args.rate)
    if bare is not None:
        print_bare(bare, outcomes)
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--load-generator"]:
        load_generator(sys.argv[2])
    else:
        main()
