"""Several server processes on one championship: PostgreSQL + Redis (issue 8).

Real servers (`python -m competition serve` in subprocesses) on a PostgreSQL database of this
module's own (not `test`, which other tests empty), with the demo loaded through the command
line, and Redis as the message queue. A judge on one process, a board on another: the mark
reaches the board; the board's process killed, the board comes back through the other one and
its snapshot holds every mark. `serve --workers 2`: both workers take connections, a killed
worker is replaced, SIGTERM stops them all. And what `--workers` refuses.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from .fixtures.databases import make_app
from .fixtures.servers import free_port, start_server, stop_server, wait_until_serving
from .fixtures.services import PG_URL, need, postgres_available, redis_available
from .helpers import wait_until

pytestmark = pytest.mark.timeout(240)

# The server of conftest's PG_URL, without its database `test`.
PG_SERVER = PG_URL.rsplit("/", 1)[0]
# Redis database 3; Socket.IO's pub/sub channel is server-wide whatever the database.
QUEUE = os.environ.get("COMPETITION_TEST_SCALE_OUT_REDIS_URL", "redis://127.0.0.1:6379/3")
# this module's own channel: other tests (other xdist processes) share the Redis server
CHANNEL = f"scale-out-{uuid.uuid4().hex}"
SKILL = "10"


@dataclass
class Championship:
    url: str  # COMPETITION_DATABASE_URL of this module's database
    j_aspect: str
    competitor: str
    tokens: list[str]  # API tokens of three judges, none a compatriot of `competitor`

    def env(self) -> dict:
        return {"COMPETITION_MESSAGE_QUEUE": QUEUE, "COMPETITION_MESSAGE_QUEUE_CHANNEL": CHANNEL}


def _cli(args: list[str], env: dict, cwd: Path,
         timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "competition", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def championship(tmp_path_factory):
    """A database `scale_out_<random>` migrated and loaded with the demo by the `competition`
    command, skill 10 shown live, three judges with tokens; dropped at the end."""
    need("PostgreSQL", postgres_available(), "a server on 127.0.0.1:5432 (user postgres)")
    need("Redis", redis_available(), "a server on 127.0.0.1:6379")
    from competition.auth.service import create_token
    from competition.database import write_transaction
    from competition.extensions import db
    from competition.models import Skill

    from .judging.panel import make_panel

    name = f"scale_out_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = f"{PG_SERVER}/{name}"
    instance = tmp_path_factory.mktemp("scale-out")
    env = dict(os.environ, COMPETITION_INSTANCE=str(instance), COMPETITION_DATABASE_URL=url,
               COMPETITION_SECRET_KEY="test-secret-key")
    try:
        for args in (["db", "upgrade"], ["demo"]):
            done = _cli(args, env, instance)
            assert done.returncode == 0, f"competition {' '.join(args)}:\n{done.stderr}"
        app = make_app(url, instance)
        _drop_demo_accounts_of_skill(app)
        panel = make_panel(app, SKILL)
        with app.app_context():
            with write_transaction() as session:
                session.execute(sa.update(Skill).where(Skill.code == SKILL)
                                .values(visibility="live"))
            tokens = [create_token(f"judge-{code.lower()}") for code in panel.codes[:3]]
            db.session.remove()
            db.engine.dispose()
        yield Championship(url, panel.j_aspect, panel.competitor, tokens)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _drop_demo_accounts_of_skill(app) -> None:
    """`competition demo` made accounts for two of the skill's experts; make_panel makes one
    for each of them (login judge-<code>)."""
    from competition.database import write_transaction
    from competition.models import ExpertRole, Skill, User

    with app.app_context():
        with write_transaction() as session:
            experts = (sa.select(ExpertRole.expert_id).join(Skill)
                       .where(Skill.code == SKILL).scalar_subquery())
            session.execute(sa.delete(User).where(User.expert_id.in_(experts)))


def _client(url: str, **kwargs):
    import socketio

    client = socketio.Client(reconnection=False)
    client.connect(url, transports=["websocket"], wait_timeout=10, **kwargs)
    return client


class Board:
    """An anonymous board viewer (the hall's projector) joined to skill 10 on `url`."""

    def __init__(self, url: str):
        self.snapshots: queue.Queue = queue.Queue()
        self.gone = queue.Queue()
        self.client = _client(url)
        self.client.on("board:snapshot", self.snapshots.put)
        self.client.on("disconnect", lambda *reason: self.gone.put(True))
        assert self.client.call("board:join", {"skill": SKILL}, timeout=10) == {"ok": True}
        self.first = self.snapshots.get(timeout=10)

    def wait_for(self, version: int, timeout: float = 15) -> dict:
        """The first snapshot at `version` or later."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                snapshot = self.snapshots.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no board:snapshot at version {version} in {timeout} s") \
                    from None
            if snapshot["version"] >= version:
                return snapshot

    def disconnected(self) -> bool:
        return not self.gone.empty()


def _disconnect(clients) -> None:
    """Disconnect at once: each python-socketio client waits up to 3 s for the server's close
    frame, which the gevent server does not send."""
    import threading

    threads = [threading.Thread(target=client.disconnect) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)


def _mark(tablet, championship: Championship, value: int, base: int | None = None) -> dict:
    data = {"id": str(uuid.uuid4()), "skill": SKILL, "aspect": championship.j_aspect,
            "competitor": championship.competitor, "value": value}
    if base is not None:
        data["base"] = base
    answer = tablet.call("mark:submit", data, timeout=15)
    assert answer["ok"], answer
    return answer["mark"]


def _answers(client, event: str) -> bool:
    """Whether a live worker holds the client's connection: it answers `event` {skill}."""
    import socketio

    if not client.connected:
        return False
    try:
        return client.call(event, {"skill": SKILL}, timeout=10)["ok"]
    except socketio.exceptions.SocketIOError:  # cut off, seen now
        return False


def test_a_mark_entered_on_one_process_reaches_a_board_on_another_and_survives_its_death(
        championship, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = start_server(tmp_path / "a", championship.url, env=championship.env(), command="serve")
    b = start_server(tmp_path / "b", championship.url, env=championship.env(), command="serve")
    clients = []
    try:
        board = Board(b.url)
        clients.append(board.client)
        tablet = _client(a.url, auth={"token": championship.tokens[0]})
        clients.append(tablet)

        mark = _mark(tablet, championship, 3)
        snapshot = board.wait_for(mark["version"])
        assert snapshot["progress"]["marked"] == board.first["progress"]["marked"] + 1
        assert snapshot["results"] is not None  # skill 10 is live: the public sees scores

        # Server B dies under its board; a colleague marks on A meanwhile.
        b.process.send_signal(signal.SIGKILL)
        b.process.wait(timeout=10)
        assert board.gone.get(timeout=15)
        colleague = _client(a.url, auth={"token": championship.tokens[1]})
        clients.append(colleague)
        later = _mark(colleague, championship, 1)
        assert later["version"] > mark["version"]

        # The board reconnects where the load balancer sends it now (A) and joins again:
        # its snapshot holds both marks.
        back = Board(a.url)
        clients.append(back.client)
        assert back.first["version"] == later["version"]
        assert back.first["progress"]["marked"] == board.first["progress"]["marked"] + 2
        over_http = requests.get(f"{a.url}/board/{SKILL}/snapshot.json", timeout=10).json()
        assert over_http["version"] == later["version"]
        assert over_http["results"] == back.first["results"]
    finally:
        _disconnect(clients)
        stop_server(a)
        if b.process.poll() is None:
            stop_server(b)


def _start_workers(instance: Path, championship: Championship, workers: int):
    port = free_port()
    log = instance / "server.log"
    env = dict(os.environ, COMPETITION_INSTANCE=str(instance),
               COMPETITION_DATABASE_URL=championship.url,
               COMPETITION_SECRET_KEY="test-secret-key", PYTHONUNBUFFERED="1",
               **championship.env())
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "competition", "serve", "--workers", str(workers),
             "--bind", f"127.0.0.1:{port}"],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=instance)

    def serving() -> list[int]:
        return [int(pid) for pid in re.findall(r"worker (\d+) serving on", log.read_text())]

    deadline = time.monotonic() + 60
    while len(serving()) < workers:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"serve --workers {workers} did not start:\n{log.read_text()}")
        time.sleep(0.2)
    return process, f"http://127.0.0.1:{port}", log, serving


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/status").exists() and "zombie" not in \
        Path(f"/proc/{pid}/status").read_text()


def test_serve_workers_share_one_port_replace_a_dead_worker_and_stop_together(
        championship, tmp_path):
    process, url, log, serving = _start_workers(tmp_path, championship, 2)
    boards: list[Board] = []
    clients = []
    try:
        first_pids = serving()
        assert len(set(first_pids)) == 2 and process.pid not in first_pids
        output = log.read_text()
        assert "competition is serving on 127.0.0.1" in output and "2 worker processes" in output
        boards = [Board(url) for _ in range(20)]
        tablet = _client(url, auth={"token": championship.tokens[2]})
        clients.append(tablet)
        mark = _mark(tablet, championship, 2)
        for board in boards:  # whichever worker holds the board, the mark reaches it
            assert board.wait_for(mark["version"])["version"] >= mark["version"]

        # One worker killed: the boards it held are cut off, the others stay (so both workers
        # held some of the 20), and the supervisor starts another worker.
        victim = first_pids[0]
        os.kill(victim, signal.SIGKILL)
        wait_until(lambda: len(serving()) == 3, 30, "a new worker")
        assert f"worker {victim} stopped (killed by SIGKILL); starting another" in log.read_text()
        # a board the live worker holds answers a join; the others were cut off with the victim
        cut = [board for board in boards
               if board.disconnected() or not _answers(board.client, "board:join")]
        assert 0 < len(cut) < len(boards), f"{len(cut)} of {len(boards)} boards were cut off"

        # The cut-off boards come back (to any worker); the judge's tablet too if it was cut.
        if not _answers(tablet, "panel:join"):
            tablet = _client(url, auth={"token": championship.tokens[2]})
            clients.append(tablet)
        boards = [board for board in boards if board not in cut] + [Board(url) for _ in cut]
        again = _mark(tablet, championship, 3, base=mark["revision"])
        for board in boards:
            assert board.wait_for(again["version"])["version"] >= again["version"]
    finally:
        _disconnect([board.client for board in boards] + clients)
        pids = serving()
        process.terminate()
        status = process.wait(timeout=20)
    assert status == 0, log.read_text()
    assert "stopped 2 workers" in log.read_text()
    wait_until(lambda: not any(_alive(pid) for pid in pids), 5, "every worker to exit")


def _bare_env(instance: Path, **settings: str) -> dict:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("COMPETITION_")}
    env.update(COMPETITION_INSTANCE=str(instance), **settings)
    return env


@pytest.mark.parametrize(("settings", "named"), [
    ({}, "COMPETITION_MESSAGE_QUEUE"),
    ({"COMPETITION_MESSAGE_QUEUE": QUEUE}, "COMPETITION_SECRET_KEY"),
    ({"COMPETITION_MESSAGE_QUEUE": QUEUE, "COMPETITION_SECRET_KEY": "k"}, "PostgreSQL"),
])
def test_serve_workers_refuses_what_would_split_the_championship(tmp_path, settings, named):
    instance = tmp_path / "instance"
    done = _cli(["serve", "--workers", "2", "--port", str(free_port())],
                _bare_env(instance, **settings), tmp_path, timeout=60)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --workers 2 needs"), done.stderr
    assert named in lines[0]
    assert not instance.exists()  # refused before anything was written


def test_serve_bind_takes_host_and_port_and_refuses_nonsense(demo_template_db, tmp_path):
    import shutil

    done = _cli(["serve", "--bind", "127.0.0.1"], _bare_env(tmp_path / "x"), tmp_path, 60)
    assert done.returncode == 1 and "expected HOST:PORT" in done.stderr
    # --bind wins over --port (here an address no one may listen on).
    database = tmp_path / "competition.db"
    shutil.copyfile(demo_template_db, database)
    port = free_port()
    with (tmp_path / "bind.log").open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "competition", "serve", "--port", "1",
             "--bind", f"127.0.0.1:{port}"], stdout=out, stderr=subprocess.STDOUT,
            env=dict(_bare_env(tmp_path), COMPETITION_DATABASE_URL=f"sqlite:///{database}"),
            cwd=tmp_path)
    try:
        wait_until_serving(process, f"http://127.0.0.1:{port}", tmp_path / "bind.log")
        response = requests.get(f"http://127.0.0.1:{port}/login", timeout=10)
        assert response.status_code == 200
        assert f"serving on 127.0.0.1:{port}" in (tmp_path / "bind.log").read_text()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_revoke_or_logout_on_one_process_ends_the_connections_held_by_another(
        championship, tmp_path):
    """The room of a token or a login is closed through the message queue: process A drops
    the sockets a page posted on process B ended (competition/auth/sockets.py)."""
    from competition.auth.service import add_user, create_token
    from competition.database import write_transaction
    from competition.extensions import db
    from competition.models import ApiToken, User
    from competition.models.people import hash_token

    from .security.test_socket_endings import PASSWORD, Tablet, log_in, post

    app = make_app(championship.url, tmp_path)
    with app.app_context():
        with write_transaction():
            add_user("organizer-scale-out", "organizer", PASSWORD)
        judge = db.session.execute(sa.select(User).where(User.login.like("judge-%"))
                                   .order_by(User.id.desc()).limit(1)).scalar_one()
        with write_transaction() as session:
            session.get(User, judge.id).set_password(PASSWORD)
        token = create_token(judge.login, "scale-out")
        token_id = db.session.execute(sa.select(ApiToken.id).where(
            ApiToken.token_hash == hash_token(token))).scalar_one()
        judge_id, judge_login = judge.id, judge.login
        db.session.remove()
        db.engine.dispose()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = start_server(tmp_path / "a", championship.url, env=championship.env(), command="serve")
    b = start_server(tmp_path / "b", championship.url, env=championship.env(), command="serve")
    tablets: list[Tablet] = []
    try:
        by_token = Tablet(a.url, auth={"token": token})
        browser = log_in(a.url, judge_login)
        by_cookie = Tablet.with_cookie(a.url, browser)
        tablets += [by_token, by_cookie]
        assert by_token.join(SKILL)["ok"] and by_cookie.join(SKILL)["ok"]

        organizer = log_in(b.url, "organizer-scale-out")
        account = f"/manage/accounts/{judge_id}"
        assert post(organizer, b.url, f"{account}/tokens/{token_id}/revoke",
                    page=account).status_code == 302
        assert by_token.ended()
        assert by_cookie.client.connected and by_cookie.join(SKILL)["ok"]

        assert post(browser, b.url, "/logout").status_code == 302  # the same browser, on B
        assert by_cookie.ended()
    finally:
        _disconnect([tablet.client for tablet in tablets if tablet.client.connected])
        stop_server(a)
        stop_server(b)
