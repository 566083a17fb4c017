"""`competition serve`, the production server: gevent, websockets, no per-message compression.

Started for real (`python -m competition serve` in a subprocess, the demo loaded), driven by
HTTP, python-socketio clients, a raw websocket handshake and Chromium.
"""

from __future__ import annotations

import base64
import os
import queue
import shutil
import socket
import sqlite3
import threading
import time
import uuid

import pytest
import requests
import sqlalchemy as sa

from competition.extensions import db

from .fixtures.databases import make_app
from .fixtures.servers import start_server, stop_server

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def served(demo_template_db, tmp_path):
    """`python -m competition serve` on a copy of the demo database."""
    database = tmp_path / "competition.db"
    shutil.copyfile(demo_template_db, database)
    server = start_server(tmp_path, f"sqlite:///{database}", command="serve")
    yield server
    stop_server(server)


def _client(server, **kwargs):
    import socketio

    client = socketio.Client(reconnection=False)
    client.connect(server.url, transports=["websocket"], wait_timeout=10, **kwargs)
    return client


def test_serve_runs_the_app_on_gevent_with_websockets(served):
    home = requests.get(served.url + "/", timeout=10)
    assert home.status_code == 200 and "<html" in home.text.lower()
    login = requests.get(served.url + "/login", timeout=10)
    assert login.status_code == 200
    assert "competition is serving" in served.output() and "gevent" in served.output()
    assert f"{served.url.rsplit(':', 1)[1]}/login" in served.output()

    client = _client(served)
    try:
        assert client.transport() == "websocket"
        answer = client.call("progress:watch", {"task": "nothing"}, timeout=10)
        assert answer == {"ok": False, "error": "forbidden"}
    finally:
        client.disconnect()


def _handshake(url: str, offer: str | None) -> str:
    """A raw websocket upgrade of /socket.io/; returns the response head."""
    host, port = url.removeprefix("http://").split(":")
    key = base64.b64encode(os.urandom(16)).decode()
    lines = ["GET /socket.io/?EIO=4&transport=websocket HTTP/1.1", f"Host: {host}:{port}",
             "Upgrade: websocket", "Connection: Upgrade", f"Sec-WebSocket-Key: {key}",
             "Sec-WebSocket-Version: 13"]
    if offer:
        lines.append(f"Sec-WebSocket-Extensions: {offer}")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = connection.recv(4096)
            if not chunk:
                break
            head += chunk
    return head.split(b"\r\n\r\n", 1)[0].decode("latin-1")


def test_serve_declines_per_message_compression_that_browsers_offer(served):
    # Chromium's offer, word for word: accepted, every broadcast would be compressed again for
    # each viewer (docs/deployment.md has the measured cost).
    head = _handshake(served.url, "permessage-deflate; client_max_window_bits")
    assert head.startswith("HTTP/1.1 101")
    assert "sec-websocket-extensions" not in head.lower()


def test_concurrent_judges_on_sqlite_all_get_their_marks_written(demo_template_db, tmp_path):
    """Three judges marking at once: under gevent the writers queue on a cooperative lock
    instead of stalling the process in SQLite's busy wait; every mark is acknowledged, each
    with its own skill version, and a board viewer ends at the last one."""
    from competition.auth.service import create_token
    from competition.database import _sqlite_writer, write_transaction
    from competition.models import Skill

    from .judging.panel import make_panel

    assert _sqlite_writer is not None  # the process-wide writer lock serve relies on
    database = tmp_path / "competition.db"
    shutil.copyfile(demo_template_db, database)
    app = make_app(f"sqlite:///{database}", tmp_path)
    panel = make_panel(app, "10")
    judges = panel.codes[:3]
    with app.app_context():
        with write_transaction() as session:
            session.execute(sa.update(Skill).where(Skill.code == "10").values(visibility="live"))
        tokens = {code: create_token(f"judge-{code.lower()}") for code in judges}
        db.session.remove()
        db.engine.dispose()

    server = start_server(tmp_path, f"sqlite:///{database}", command="serve")
    clients = []
    try:
        viewer = _client(server)
        clients.append(viewer)
        snapshots: list[dict] = []
        arrived = threading.Event()
        top = {"version": None}

        def on_snapshot(snapshot):
            snapshots.append(snapshot)
            if top["version"] is not None and snapshot["version"] >= top["version"]:
                arrived.set()

        viewer.on("board:snapshot", on_snapshot)
        assert viewer.call("board:join", {"skill": "10"}, timeout=10) == {"ok": True}

        answers: dict[str, list[dict]] = {code: [] for code in judges}

        def mark(code: str) -> None:
            tablet = _client(server, auth={"token": tokens[code]})
            clients.append(tablet)
            revision = 0
            for value in (1, 2, 3, 0, 1, 2, 3, 0):
                answer = tablet.call("mark:submit", {
                    "id": str(uuid.uuid4()), "skill": "10", "aspect": panel.j_aspect,
                    "competitor": panel.competitor, "value": value, "base": revision,
                }, timeout=20)
                answers[code].append(answer)
                if answer.get("mark"):
                    revision = answer["mark"]["revision"]

        threads = [threading.Thread(target=mark, args=(code,)) for code in judges]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        every = [answer for code in judges for answer in answers[code]]
        assert len(every) == 8 * len(judges)
        assert all(answer["ok"] for answer in every), [a for a in every if not a["ok"]]
        versions = [answer["mark"]["version"] for answer in every]
        assert len(set(versions)) == len(versions)  # one write transaction each, none lost
        top["version"] = max(versions)
        if not any(s["version"] >= top["version"] for s in snapshots):
            assert arrived.wait(10), "the board never got the last version"
        assert "database is locked" not in server.output()
    finally:
        for client in clients:
            client.disconnect()
        stop_server(server)


def test_a_mark_waiting_for_another_process_s_write_lock_stalls_nothing_else(
        demo_template_db, tmp_path):
    """An import or a certificate child holds SQLite's write lock: a mark waits for it, and
    meanwhile the server answers everything else (the wait sleeps in Python, which gevent
    switches out of, not in SQLite's busy wait); the mark is written once the lock is free."""
    from competition.auth.service import create_token

    from .judging.panel import make_panel

    database = tmp_path / "competition.db"
    shutil.copyfile(demo_template_db, database)
    app = make_app(f"sqlite:///{database}", tmp_path)
    panel = make_panel(app, "10")
    judge = panel.codes[0]
    with app.app_context():
        token = create_token(f"judge-{judge.lower()}")
        db.session.remove()
        db.engine.dispose()

    server = start_server(tmp_path, f"sqlite:///{database}", command="serve")
    other_process = sqlite3.connect(database, isolation_level=None)
    tablet = None
    try:
        tablet = _client(server, auth={"token": token})
        answers: queue.Queue = queue.Queue()
        other_process.execute("BEGIN IMMEDIATE")
        tablet.emit("mark:submit", {
            "id": str(uuid.uuid4()), "skill": "10", "aspect": panel.m_aspect,
            "competitor": panel.competitor, "value": panel.m_values[0], "base": 0,
        }, callback=answers.put)
        time.sleep(0.5)  # the mark is at its BEGIN IMMEDIATE by now, waiting
        page = requests.get(server.url + "/login", timeout=3)
        assert page.status_code == 200
        assert answers.empty(), "the mark was written while another process held the lock"
        other_process.execute("ROLLBACK")
        answer = answers.get(timeout=10)
        assert answer["ok"] and answer["mark"]["value"] is not None, answer
    finally:
        if other_process.in_transaction:
            other_process.execute("ROLLBACK")
        other_process.close()
        if tablet is not None:
            tablet.disconnect()
        stop_server(server)


@pytest.mark.browser
def test_the_browser_loads_the_home_page_and_opens_a_socket_to_serve(served, page):
    page.goto(served.url + "/")
    assert page.locator("main").count() == 1
    answer = page.evaluate("""async () => {
        const { io } = await import("/static/vendor/socket.io/socket.io.esm.min.js");
        const socket = io({ transports: ["websocket"], reconnection: false, timeout: 10000 });
        try {
            await new Promise((resolve, reject) => {
                socket.on("connect", resolve);
                socket.on("connect_error", reject);
            });
            const ack = await socket.timeout(10000).emitWithAck("progress:watch", {task: "x"});
            return { transport: socket.io.engine.transport.name, ack };
        } finally {
            socket.disconnect();
        }
    }""")
    assert answer == {"transport": "websocket", "ack": {"ok": False, "error": "forbidden"}}


def test_serve_refuses_to_start_without_gevent_patching(capsys):
    # Inside another program (here pytest) the standard library is not patched for gevent:
    # serve says how to start it instead of running a server that would block.
    from competition.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--port", "1"])
    assert exit_.value.code == 1
    assert "competition serve" in capsys.readouterr().err
