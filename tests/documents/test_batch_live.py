"""The production server (`competition serve`, gevent) starts a certificate batch in a worker
process and relays its progress over Socket.IO; the server answers pages meanwhile."""

from __future__ import annotations

import io
import queue
import re
import shutil
import time

import pypdf
import requests
import sqlalchemy as sa

from competition.database import write_transaction
from competition.extensions import db
from competition.models import Skill

from ..fixtures.browser import E2E_PASSWORD, add_organizer
from ..fixtures.databases import make_app
from ..fixtures.servers import start_server, stop_server
from ..helpers import csrf

EN = {"Accept-Language": "en"}


def published_copy(demo_template_db, tmp_path) -> tuple[str, str]:
    """A copy of the demo with every skill published (no marks: no medals); its URL and the
    championship's code."""
    database = tmp_path / "competition.db"
    shutil.copyfile(demo_template_db, database)
    app = make_app(f"sqlite:///{database}", tmp_path)
    with app.app_context():
        with write_transaction() as session:
            session.execute(sa.update(Skill).values(visibility="published"))
        championship = db.session.execute(sa.select(Skill)).scalars().first().championship.code
        db.session.remove()
        db.engine.dispose()
    return f"sqlite:///{database}", championship


def start_batch(server, championship: str) -> tuple[requests.Session, str, str]:
    """An organizer starts a whole-championship batch on `server`: (their HTTP session, the
    batch's task id, its state URL)."""
    login = add_organizer(server, "organizer-certificates")
    http = requests.Session()
    http.headers.update(EN)
    page = http.get(server.url + "/login", timeout=10).text
    answer = http.post(server.url + "/login", timeout=10, allow_redirects=False, data={
        "csrf_token": csrf(page), "login": login, "password": E2E_PASSWORD})
    assert answer.status_code in (302, 303)
    url = f"{server.url}/manage/certificates?championship={championship}"
    page = http.get(url, timeout=10).text
    answer = http.post(url, timeout=10, allow_redirects=False, data={
        "csrf_token": csrf(page), "championship": championship, "skill": "0",
        "groups": ["participation", "expert"], "output": "pdf"})
    assert answer.status_code == 302, answer.text[:2000]
    batch_page = http.get(server.url + answer.headers["Location"], timeout=10).text
    task = re.search(r'data-task="([^"]+)"', batch_page).group(1)
    state_url = re.search(r'data-state-url="([^"]+)"', batch_page).group(1)
    return http, task, state_url


def follow(client, url: str, http: requests.Session, task: str) -> tuple[list[dict], dict]:
    """Watch the task from a socket on `url` (the organizer's cookie) until it ends, asking
    `url` for a page now and then: (every progress event, the final one)."""
    events: queue.Queue = queue.Queue()
    client.on("progress", events.put)
    client.connect(url, transports=["websocket"], wait_timeout=10,
                   headers={"Cookie": "; ".join(f"{k}={v}" for k, v in http.cookies.items())})
    assert client.call("progress:watch", {"task": task}, timeout=10) == {"ok": True}
    seen, final = [], None
    deadline = time.monotonic() + 120
    while final is None and time.monotonic() < deadline:
        # the server answers pages while the worker prints
        assert http.get(url + "/", timeout=10).status_code == 200
        try:
            while True:
                event = events.get(timeout=0.2)
                assert event["task"] == task
                seen.append(event)
                if event.get("finished"):
                    final = event
        except queue.Empty:
            pass
    assert final is not None and final["finished"] == "done", seen[-3:]
    printing = [e for e in seen if e["total"] > 1]
    assert printing and any(0 < e["done"] < e["total"] for e in printing), seen
    return seen, final


def test_serve_relays_the_workers_progress_and_stays_responsive(demo_template_db, tmp_path):
    import socketio

    database, championship = published_copy(demo_template_db, tmp_path)
    server = start_server(tmp_path, database, command="serve")
    client = socketio.Client(reconnection=False)
    try:
        http, task, state_url = start_batch(server, championship)
        _seen, final = follow(client, server.url, http, task)
        state = http.get(server.url + state_url, timeout=10).json()
        assert state["status"] == "done" and state["total"] == final["total"]
        pdf = http.get(server.url + state["download"], timeout=30)
        assert pdf.headers["Content-Type"] == "application/pdf"
        assert len(pypdf.PdfReader(io.BytesIO(pdf.content)).pages) == state["total"]
    finally:
        if client.connected:
            client.disconnect()
        stop_server(server)


def test_with_a_message_queue_the_worker_reaches_a_page_on_another_process(
        demo_template_db, tmp_path, redis_url):
    """Two server processes share the database and Redis: the batch starts on A, which is
    then killed; the page that watches it holds its socket on B. The worker goes on and its
    progress reaches B through the queue."""
    import socketio

    database, championship = published_copy(demo_template_db, tmp_path)
    env = {"COMPETITION_MESSAGE_QUEUE": redis_url,
           "COMPETITION_MESSAGE_QUEUE_CHANNEL": f"certificates-{tmp_path.name}"}
    (tmp_path / "b").mkdir()
    first = start_server(tmp_path, database, env=env, command="serve")
    second = start_server(tmp_path / "b", database, env=env, command="serve")
    client = socketio.Client(reconnection=False)
    try:
        http, task, state_url = start_batch(first, championship)
        first.process.kill()  # SIGKILL: no relay left for the worker's lines
        first.process.wait()
        seen, final = follow(client, second.url, http, task)
        assert all(event.get("batch") for event in seen)
        state = http.get(second.url + state_url, timeout=10).json()
        assert state["status"] == "done" and state["total"] == final["total"]
    finally:
        if client.connected:
            client.disconnect()
        stop_server(first)
        stop_server(second)
