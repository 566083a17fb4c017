"""The import's progress bar: `progress:watch {task}` and `progress {task, done, total, label}`
events over Socket.IO, through Flask-SocketIO's test client and against the real server (the
preview's; the confirmation's come from the import worker: test_import_worker.py)."""

from __future__ import annotations

import io
import re
import threading
import time

import openpyxl
import pytest
import requests
import sqlalchemy as sa

from competition import progress
from competition.database import in_write_transaction
from competition.extensions import socketio
from tests.access import client_as
from tests.helpers import csrf

from ..fixtures.browser import E2E_PASSWORD, add_organizer

WS = "vko-ws-2026"
ORGANIZATIONS = ["VKPTK", "UKSTK", "UKKSP", "RATK", "ZCPO", "ZMK", "SPK", "VKTU"]


def competitors_xlsx(n: int) -> bytes:
    """n new competitors of the demo's skill 10 (organizations of the demo)."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("competitors")
    sheet.append(["code", "name_ru", "name_en", "organization", "workstation"])
    for i in range(n):
        sheet.append([f"P{i:05d}", f"Участник {i}", f"Competitor {i}",
                      ORGANIZATIONS[i % len(ORGANIZATIONS)], str(i + 1)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def task_of(html: str, form_id: str) -> str:
    form = re.search(rf'<form[^>]*id="{form_id}".*?</form>', html, re.S).group(0)
    return re.search(r'name="task" type="hidden" value="([^"]+)"', form).group(1)


def token_of(html: str) -> str:
    return re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)


@pytest.fixture
def fast_progress(monkeypatch):
    """Events every 10 ms, and each row taking at least 0.2 ms (a busy machine may check 300
    rows faster than one interval, or starve the watcher), so that a few hundred rows give
    several; and check that the request's thread never emits inside a write transaction."""
    monkeypatch.setattr(progress, "INTERVAL", 0.01)
    update = progress.Reporter._update

    def slower_update(self, done, total, label):
        update(self, done, total, label)
        time.sleep(0.0002)

    monkeypatch.setattr(progress.Reporter, "_update", slower_update)
    main, emit = threading.current_thread(), socketio.emit
    inside: list[str] = []

    def checked_emit(event, *args, **kwargs):
        if threading.current_thread() is main and in_write_transaction():
            inside.append(event)
        return emit(event, *args, **kwargs)

    monkeypatch.setattr(socketio, "emit", checked_emit)
    yield
    assert inside == [], "emitted inside a write transaction"


def events(sio, task: str) -> list[dict]:
    received = [message["args"][0] for message in sio.get_received()
                if message["name"] == "progress"]
    assert all(event["task"] == task for event in received)
    return received


def assert_counts_up(received: list[dict], label: str, total: int) -> None:
    phase = [event for event in received if event["label"] == label]
    assert phase, (label, received)
    assert {event["total"] for event in phase} == {total}
    done = [event["done"] for event in phase]
    assert done == sorted(set(done)), done  # strictly increasing
    assert done[-1] == total
    assert any(0 < value < total for value in done), done  # seen on its way, not only the end


def test_an_organizer_watches_the_preview_count_up(demo_app, organizer, fast_progress):
    client = organizer
    sio = socketio.test_client(demo_app, flask_test_client=client)
    assert sio.is_connected()

    page = client.get("/manage/import").get_data(as_text=True)
    task = task_of(page, "import-form")
    assert sio.emit("progress:watch", {"task": task}, callback=True) == {"ok": True}
    response = client.post("/manage/import/preview", content_type="multipart/form-data", data={
        "csrf_token": csrf(page), "task": task, "kind": "competitors", "championship": WS,
        "skill": f"{WS}/10", "file": (io.BytesIO(competitors_xlsx(300)), "big.xlsx")})
    assert response.status_code == 200
    assert_counts_up(events(sio, task), "Checking competitors", 300)

    # the confirmation's own task (its import runs in the worker: test_import_worker.py)
    assert task_of(response.get_data(as_text=True), "confirm-form") != task
    sio.disconnect()


def test_without_a_task_the_import_works_and_sends_nothing(demo_app, role_users):
    client = client_as(demo_app, "organizer", role_users)
    sio = socketio.test_client(demo_app, flask_test_client=client)
    page = client.get("/manage/import").get_data(as_text=True)
    response = client.post("/manage/import/preview", content_type="multipart/form-data", data={
        "csrf_token": csrf(page), "kind": "competitors", "championship": WS,
        "skill": f"{WS}/10", "file": (io.BytesIO(competitors_xlsx(20)), "small.xlsx")})
    assert response.status_code == 200
    assert [m for m in sio.get_received() if m["name"] == "progress"] == []


@pytest.mark.parametrize("role", ["anonymous", "competitor", "expert", "chief"])
def test_only_staff_may_watch(demo_app, role_users, role):
    organizer = client_as(demo_app, "organizer", role_users)
    task = task_of(organizer.get("/manage/import").get_data(as_text=True), "import-form")
    other = client_as(demo_app, role, role_users)
    sio = socketio.test_client(demo_app, flask_test_client=other)
    assert sio.emit("progress:watch", {"task": task}, callback=True) == {
        "ok": False, "error": "forbidden"}


def test_staff_may_watch_only_their_own_tasks(demo_app, role_users):
    organizer = client_as(demo_app, "organizer", role_users)
    task = task_of(organizer.get("/manage/import").get_data(as_text=True), "import-form")
    admin = socketio.test_client(demo_app,
                                 flask_test_client=client_as(demo_app, "admin", role_users))
    nonce, _dot, signature = task.partition(".")
    for wrong in (task, f"{nonce}.{signature[::-1]}", "", "task:x", None, 42):
        assert admin.emit("progress:watch", {"task": wrong}, callback=True) == {
            "ok": False, "error": "unknown-task"}
    assert admin.emit("progress:watch", "not a dict", callback=True)["ok"] is False


# --- the real server ------------------------------------------------------------------------------

def log_in(session: requests.Session, url: str, login: str) -> None:
    page = session.get(url + "/login", timeout=10).text
    answer = session.post(url + "/login", timeout=10, allow_redirects=False, data={
        "csrf_token": csrf(page), "login": login, "password": E2E_PASSWORD})
    assert answer.status_code in (302, 303), answer.text[:500]


def test_the_real_server_pushes_progress_over_a_websocket(live_server, sio_client):
    session = requests.Session()
    log_in(session, live_server.url, add_organizer(live_server))
    session.get(live_server.url + "/lang/en", timeout=10)
    page = session.get(live_server.url + "/manage/import", timeout=10).text
    task = task_of(page, "import-form")

    cookie = "; ".join(f"{name}={value}" for name, value in session.cookies.items())
    received: list[dict] = []
    sio = sio_client(headers={"Cookie": cookie})
    sio.on("progress", received.append)
    assert sio.call("progress:watch", {"task": task}, timeout=10) == {"ok": True}
    anonymous = sio_client()
    assert anonymous.call("progress:watch", {"task": task}, timeout=10)["ok"] is False

    began = time.monotonic()
    answer = session.post(live_server.url + "/manage/import/preview", timeout=60, data={
        "csrf_token": csrf(page), "task": task, "kind": "competitors", "championship": WS,
        "skill": f"{WS}/10"}, files={"file": ("big.xlsx", competitors_xlsx(1500))})
    assert answer.status_code == 200, answer.text[:500]
    deadline = time.monotonic() + 5
    while not (received and received[-1]["done"] == 1500) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert_counts_up(received, "Checking competitors", 1500)
    # Throttled to ten a second (and each phase's end), not one event per row: however long
    # the busy machine took.
    seconds = time.monotonic() - began
    assert len(received) <= 10 * seconds + 10, (len(received), seconds)
    assert len(received) < 1500 / 4


def test_paused_work_sleeps_long_enough_for_the_loop_but_never_in_a_write(app, monkeypatch):
    """`progress.paused` (an export's rows) and every progress of a request pause with a
    positive sleep: gevent resumes a sleep(0) before its loop polls the sockets. Never inside
    a write transaction, which must not switch out (docs/design.md, "gevent and SQLite")."""
    from competition.database import write_transaction

    slept: list[float] = []
    monkeypatch.setattr(socketio, "sleep", slept.append)
    monkeypatch.setattr(progress, "PAUSE_EVERY", 0)
    with app.test_request_context():
        assert list(progress.paused(iter(range(5)))) == [0, 1, 2, 3, 4]
        assert progress.PAUSE > 0 and slept == [progress.PAUSE] * 5
        with write_transaction() as session:
            session.execute(sa.text("SELECT 1"))  # (PostgreSQL begins at the first statement)
            assert list(progress.paused(range(3))) == [0, 1, 2]
        assert len(slept) == 5
        with progress.reporter(None, user_id=1) as silent:  # no page watches: still pauses
            assert list(silent(range(2), "rows")) == [0, 1]
        assert len(slept) == 7
