"""The crash run: judges send marks while `competition serve` is killed (SIGKILL) and restarted,
then the database is checked against every acknowledgement, and the standings against
`competition evaluate` on the export. Shared by tests/reliability/test_crash.py (bounded) and
bench/bench_crash.py (the full run and more).

- `prepare`: the demo in a migrated database (SQLite or PostgreSQL), accounts and API tokens
  for the panel experts of the chosen skills (competition.simulate.issue_credentials).
- `Server`: one `competition serve --bind 127.0.0.1:PORT` process, killed and started again on
  the same port.
- `crash_run`: the judges (judges.Tablet) send; the server is killed when 1/(kills+1), 2/…
  of the marks are acknowledged, and restarted at once; returns when every mark is
  acknowledged.
- `check_database`, `check_standings`: what must hold afterwards; each returns the problems
  found (empty: all is well) so the test asserts and the bench prints.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

from .judges import Tablet, Write, describe, plan_writes, tablets_for

SECRET_KEY = "crash-test-secret-key"  # noqa: S105 (a test instance's)
JUDGES = 20


def server_env(instance: Path, database_url: str) -> dict:
    """The environment of the server and the CLI: this instance and database only (no message
    queue or other setting inherited from the caller's shell)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPETITION_")}
    env.update(COMPETITION_INSTANCE=str(instance), COMPETITION_DATABASE_URL=database_url,
               COMPETITION_SECRET_KEY=SECRET_KEY, PYTHONUNBUFFERED="1")
    return env


@contextmanager
def postgres_database(server: str, prefix: str):
    """A PostgreSQL database of its own on `server` (postgresql+psycopg://user@host:port),
    named `<prefix>_<random>`; yields its URL and drops it at the end, connections and all."""
    import sqlalchemy as sa

    name = f"{prefix}_{uuid4().hex[:12]}"
    admin = sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT",
                             poolclass=sa.NullPool)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def make_app(database_url: str, instance: Path):
    from competition import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(instance),
                       "SECRET_KEY": SECRET_KEY})


def _dispose(app) -> None:
    from competition.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@dataclass
class Championship:
    database_url: str
    instance: Path
    refs: list[str]  # the skills marked
    judges: dict[str, dict[str, str]]  # skill ref -> expert code -> login (the senders)
    tokens: dict[str, str]  # login -> API token


def prepare(database_url: str, instance: Path, skills: list[str], judges: int = JUDGES,
            load: bool = True) -> Championship:
    """Migrate the database and load the demo (unless `load` is False: already there), then
    accounts and tokens for the skills' panel experts; `judges` of them send."""
    from flask_migrate import upgrade

    from competition.extensions import db
    from competition.registry.demo import load_demo
    from competition.simulate.credentials import chosen_skills, issue_credentials

    app = make_app(database_url, instance)
    try:
        with app.app_context():
            if load:
                upgrade()
                load_demo()
                db.session.remove()
            credentials = issue_credentials(chosen_skills(skills))
    finally:
        _dispose(app)
    # `judges` accounts send (an expert on two panels marks in both, from one tablet).
    chosen: dict[str, dict[str, str]] = {}
    logins: set[str] = set()
    for ref in credentials.refs:
        for code, login in credentials.judges[ref].items():
            if login in logins or len(logins) < judges:
                logins.add(login)
                chosen.setdefault(ref, {})[code] = login
    return Championship(database_url, instance, [r for r in credentials.refs if r in chosen],
                        chosen, credentials.tokens)


# --- the server ---------------------------------------------------------------------------------

def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


class Server:
    """`competition serve --bind 127.0.0.1:PORT` on the championship's database."""

    def __init__(self, championship: Championship, port: int):
        self.championship = championship
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self.log = championship.instance / "serve.log"

    def start(self, seconds: float = 60) -> float:
        """Start it and wait until it listens; returns the seconds that took."""
        began = time.monotonic()
        self.starts += 1
        with self.log.open("ab") as out:
            out.write(f"--- start {self.starts}\n".encode())
            out.flush()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "competition", "serve", "--bind",
                 f"127.0.0.1:{self.port}"], stdout=out, stderr=subprocess.STDOUT,
                env=server_env(self.championship.instance, self.championship.database_url),
                cwd=self.championship.instance)
        while not _listening(self.port):
            if self.process.poll() is not None or time.monotonic() - began > seconds:
                self.stop()
                raise RuntimeError(f"competition serve did not start:\n{self.output()}")
            time.sleep(0.05)
        return time.monotonic() - began

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-5000:]


# --- the run ------------------------------------------------------------------------------------

@dataclass
class Kill:
    at_acked: int  # marks acknowledged when it was killed
    killed: float  # time.monotonic()
    listening: float = 0.0  # the restarted server accepts connections
    first_ack: float | None = None  # the first acknowledgement after the restart
    all_back: float | None = None  # every tablet connected again

    def recovery(self) -> float | None:
        return None if self.first_ack is None else self.first_ack - self.killed


@dataclass
class Outcome:
    writes: list[Write]
    tablets: list[Tablet]
    kills: list[Kill]
    seconds: float
    unfinished: int = 0
    errors: list[str] = field(default_factory=list)

    def figures(self) -> dict:
        results = Counter(w.result for w in self.writes if w.result)
        return {
            "sent": len(self.writes),
            "acknowledged": sum(1 for w in self.writes if w.result),
            "sends": sum(w.sends for w in self.writes),
            "resent": sum(1 for w in self.writes if w.sends > 1),
            "results": dict(results),
            "corrections": sum(1 for w in self.writes if w.previous is not None),
            "withdrawals": sum(1 for w in self.writes if w.value is None),
            "reconnects": sum(t.reconnects for t in self.tablets),
            "kills": len(self.kills),
            "recovery": [k.recovery() for k in self.kills],
            "seconds": self.seconds,
        }


def crash_run(server: Server, championship: Championship, marks: int, kills: int = 3,
              seed: int = 1, window: int = 4, ack_timeout: float = 10.0,
              deadline: float = 300.0, say=lambda text: None) -> Outcome:
    """The server must be running. Plans `marks` writes for the championship's judges, sends
    them, kills the server `kills` times at evenly spread shares of the acknowledged marks
    (restarting it at once on the same port), and waits for every acknowledgement."""
    rng = random.Random(seed)  # noqa: S311 (plausible marks, not secrets)
    reader = {ref: championship.tokens[next(iter(judges.values()))]
              for ref, judges in championship.judges.items()}
    descriptions = [describe(server.url, ref, reader[ref]) for ref in championship.refs]
    writes = plan_writes(descriptions, championship.judges, marks, rng)
    acked = Counter()
    lock = threading.Lock()
    done: list[Kill] = []
    stop = threading.Event()

    def on_ack(write: Write) -> None:
        with lock:
            acked["n"] += 1
            for kill in done:
                if kill.first_ack is None and write.acked_at > kill.listening > 0:
                    kill.first_ack = write.acked_at

    tablets = tablets_for(server.url, writes, championship.tokens, window=window,
                          ack_timeout=ack_timeout, on_ack=on_ack, stop=stop)
    thresholds = [len(writes) * (k + 1) // (kills + 1) for k in range(kills)]
    began = time.monotonic()
    for tablet in tablets:
        tablet.start()
    try:
        for threshold in thresholds:
            while acked["n"] < threshold and any(t.is_alive() for t in tablets):
                if time.monotonic() - began > deadline:
                    raise RuntimeError(f"{acked['n']} of {len(writes)} marks acknowledged in "
                                       f"{deadline:.0f} s; server log:\n{server.output()}")
                time.sleep(0.01)
            kill = Kill(acked["n"], time.monotonic())
            server.kill()
            with lock:
                done.append(kill)
            say(f"killed the server (SIGKILL) at {kill.at_acked} acknowledged marks")
            server.start()
            kill.listening = time.monotonic()
            connections = [t.connections for t in tablets]
            threading.Thread(target=_watch_reconnects, args=(kill, tablets, connections),
                             daemon=True).start()
        for tablet in tablets:
            tablet.join(max(1.0, deadline - (time.monotonic() - began)))
    finally:
        stop.set()
        for tablet in tablets:
            tablet.join(10)
    seconds = time.monotonic() - began
    outcome = Outcome(writes, tablets, done, seconds,
                      unfinished=sum(1 for w in writes if w.result is None))
    outcome.errors = [f"{type(t.error).__name__}: {t.error}" for t in tablets if t.error]
    return outcome


def _watch_reconnects(kill: Kill, tablets: list[Tablet], before: list[int]) -> None:
    """When every tablet that still had marks to send has connected again after the kill."""
    limit = time.monotonic() + 120
    while time.monotonic() < limit:
        if all(t.connections > n or not t.is_alive() for t, n in zip(tablets, before,
                                                                     strict=True)):
            kill.all_back = time.monotonic()
            return
        time.sleep(0.02)


# --- the checks ---------------------------------------------------------------------------------

def _same(stored, sent) -> bool:
    if stored is None or sent is None:
        return stored is None and sent is None
    return Decimal(stored) == Decimal(str(sent))


def check_database(championship: Championship, writes: list[Write]) -> tuple[dict, list[str]]:
    """Every acknowledged write is stored (key, value, revision); no key twice, no cell with
    two current marks; every cell's revision history is complete and ends at the last write.
    Returns (figures, problems)."""
    import sqlalchemy as sa

    from competition.extensions import db
    from competition.lookup import skill_ref
    from competition.models import Aspect, Competitor, Expert, Mark, MarkRevision, Skill

    problems: list[str] = []
    app = make_app(championship.database_url, championship.instance)
    try:
        with app.app_context():
            session = db.session
            twice = session.execute(
                sa.select(MarkRevision.idempotency_key, sa.func.count())
                .group_by(MarkRevision.idempotency_key).having(sa.func.count() > 1)).all()
            problems += [f"key {key} stored {n} times" for key, n in twice]
            doubled = session.execute(
                sa.select(Mark.aspect_id, Mark.competitor_id, Mark.judge_id, sa.func.count())
                .group_by(Mark.aspect_id, Mark.competitor_id, Mark.judge_id)
                .having(sa.func.count() > 1)).all()
            problems += [f"cell {row[:3]} has {row[3]} current marks" for row in doubled]

            refs = {skill.id: skill_ref(skill) for skill in session.execute(
                sa.select(Skill)).scalars()}
            marks = {}
            for mark, aspect, competitor, judge in session.execute(
                    sa.select(Mark, Aspect.code, Competitor.code, Expert.code)
                    .join(Aspect, Aspect.id == Mark.aspect_id)
                    .join(Competitor, Competitor.id == Mark.competitor_id)
                    .outerjoin(Expert, Expert.id == Mark.judge_id)):
                marks[(refs[mark.skill_id], aspect, competitor, judge)] = mark
            revisions = defaultdict(list)
            for revision in session.execute(
                    sa.select(MarkRevision).order_by(MarkRevision.revision)).scalars():
                revisions[revision.mark_id].append(revision)
            by_key = {r.idempotency_key: r for rows in revisions.values() for r in rows}

            ours = sum(1 for w in writes if w.key in by_key)
            by_cell: dict[tuple, list[Write]] = defaultdict(list)
            for write in writes:
                by_cell[write.cell].append(write)
            for cell, cell_writes in by_cell.items():
                problems += _check_cell(cell, cell_writes, marks.get(cell), revisions, by_key)
            figures = {"stored": ours, "revisions": len(by_key),
                       "duplicated_keys": len(twice), "doubled_cells": len(doubled),
                       "cells": len(by_cell)}
    finally:
        _dispose(app)
    return figures, problems


def _check_cell(cell, writes: list[Write], mark, revisions, by_key) -> list[str]:
    problems = []
    acked = [w for w in writes if w.result in ("saved", "duplicate")]
    if len(acked) != len(writes):
        problems.append(f"cell {cell}: {len(writes) - len(acked)} writes not saved "
                        f"({[w.result for w in writes]})")
    for write in acked:
        stored = by_key.get(write.key)
        if stored is None:
            problems.append(f"cell {cell}: acknowledged write {write.key} is not stored")
        elif stored.revision != write.base + 1 or not _same(stored.new_value, write.value):
            problems.append(f"cell {cell}: write {write.key} stored as revision "
                            f"{stored.revision} = {stored.new_value}, acknowledged as "
                            f"{write.base + 1} = {write.value}")
    if mark is None:
        return problems + [f"cell {cell}: no mark stored"]
    history = revisions[mark.id]
    numbers = [r.revision for r in history]
    if numbers != list(range(1, len(history) + 1)):
        problems.append(f"cell {cell}: revisions {numbers} are not consecutive")
    for before, after in zip(history, history[1:], strict=False):
        if not _same(after.old_value, before.new_value):
            problems.append(f"cell {cell}: revision {after.revision} starts from "
                            f"{after.old_value}, revision {before.revision} left "
                            f"{before.new_value}")
    last = writes[-1]
    if mark.revision != len(history) or mark.revision != last.base + 1:
        problems.append(f"cell {cell}: mark at revision {mark.revision}, history "
                        f"{len(history)}, last write {last.base + 1}")
    if not _same(mark.value, last.value):
        problems.append(f"cell {cell}: current value {mark.value}, last write {last.value}")
    return problems


def check_standings(server: Server, championship: Championship, workdir: Path) -> list[str]:
    """The standings the running server computes (each skill's staff snapshot, over HTTP) equal
    `competition evaluate` on `competition export skill` of every marked skill."""
    import requests

    env = server_env(championship.instance, championship.database_url)
    files = []
    for ref in championship.refs:
        target = workdir / f"export-{ref.replace('/', '-')}.json"
        championship_code, _slash, code = ref.rpartition("/")
        args = ["export", "skill", code, "-o", str(target)]
        if championship_code:
            args += ["--championship", championship_code]
        done = subprocess.run([sys.executable, "-m", "competition", *args], env=env,
                              cwd=championship.instance, capture_output=True, text=True,
                              timeout=120)
        if done.returncode != 0:
            return [f"competition export skill {ref}: {done.stderr.strip()}"]
        files.append(str(target))
    done = subprocess.run([sys.executable, "-m", "competition", "evaluate", *files], env=env,
                          cwd=championship.instance, capture_output=True, text=True,
                          timeout=120)
    if done.returncode != 0:
        return [f"competition evaluate: {done.stderr.strip()}"]
    evaluated = json.loads(done.stdout)["skills"]
    problems = []
    for ref, result in zip(championship.refs, evaluated, strict=True):
        token = championship.tokens[next(iter(championship.judges[ref].values()))]
        snapshot = requests.get(f"{server.url}/board/{ref}/snapshot.json", timeout=30,
                                headers={"Authorization": f"Bearer {token}"}).json()
        if snapshot.get("results") != result:
            problems.append(f"skill {ref}: the server's standings differ from `competition "
                            f"evaluate` on the export")
    return problems


def print_figures(label: str, outcome: Outcome, stored: dict, command: str = "") -> None:
    """The figures the test prints (pytest -s) and the bench repeats."""
    figures = outcome.figures()
    recovery = ", ".join(f"{r:.2f} s" if r is not None else "—" for r in figures["recovery"])
    print(f"\n{label}: {figures['sent']} marks sent ({figures['corrections']} corrections, "
          f"{figures['withdrawals']} withdrawals) by {len(outcome.tablets)} judges, "
          f"{figures['acknowledged']} acknowledged {figures['results']}, "
          f"{stored['stored']} stored, {stored['duplicated_keys']} duplicated keys, "
          f"{stored['doubled_cells']} cells with two marks; {figures['kills']} SIGKILLs "
          f"and restarts, {figures['reconnects']} reconnects, {figures['resent']} marks resent "
          f"({figures['sends']} sends); recovery after each kill: {recovery}; "
          f"{figures['seconds']:.1f} s" + (f"\n  command: {command}" if command else ""))
