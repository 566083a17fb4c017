"""Progress of long tasks (an import's preview in the request; an import's confirmation and a
certificate batch in a child process, competition/tasks.py), pushed to the page over Socket.IO.

The page that starts a task gets a task id with its form (`new_task`): random, and signed for
the user who rendered the page, so only that user can watch it. Its script connects, sends
`progress:watch {task}` (ack `{ok: true}` or `{ok: false, error}`) and joins the room
"task:<id>"; the task then receives `progress {task, done, total, label}` events.

The code doing the work never emits: it iterates through a `Reporter`, which only counts. A
watcher started beside it (`socketio.start_background_task`) sends the latest count at most
ten times a second, and once more at the end. So a write transaction does no network I/O
(docs/design.md, "gevent and SQLite"): under threading the watcher is a thread of its own
and the bar moves during the transaction too; under gevent it is a greenlet that runs only
when the worker yields, which the reporter does (`socketio.sleep(PAUSE)`) only outside write
transactions — there the bar moves while checking and jumps to the end after the commit.
A task in a child process counts through `Steps`, which hands each step to the child's
relay (printed, or sent through the message queue) in the same rhythm, never inside a write
transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections import deque
from collections.abc import Iterable, Iterator

from flask import current_app
from flask_login import current_user

from .auth.access import STAFF, role_of
from .database import in_write_transaction

INTERVAL = 0.1  # seconds between two progress events of one task (at most ~10 a second)
PAUSE_EVERY, PAUSE = 0.015, 0.001  # a request's long work pauses this often, this long
TASK_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{16,64}$")
WATCH_ROLES = STAFF  # who may watch a task (their own tasks only)


def room(task: str) -> str:
    return f"task:{task}"


def _signature(nonce: str, user_id) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, f"progress:{user_id}:{nonce}".encode(), hashlib.sha256).hexdigest()
    return digest[:32]


def new_task(user_id=None) -> str:
    """A fresh task id for the user (default: the current user), to put in a page's form."""
    if user_id is None:
        user_id = current_user.get_id()
    nonce = secrets.token_urlsafe(16)
    return f"{nonce}.{_signature(nonce, user_id)}"


def owns(task: str | None, user_id) -> bool:
    """Whether `task` is a well-formed task id issued to this user."""
    if not isinstance(task, str) or not TASK_PATTERN.fullmatch(task) or user_id is None:
        return False
    nonce, _dot, signature = task.partition(".")
    return hmac.compare_digest(signature, _signature(nonce, user_id))


class _Pausing:
    """What every `progress` callable of a request does: lets the process's other greenlets
    (the judges' acknowledgements, the watcher) run every PAUSE_EVERY, outside write
    transactions: under gevent a request's CPU work holds the whole process otherwise. The
    pause is a sleep of PAUSE, not of 0: gevent resumes a sleep(0) before its loop polls the
    sockets, so a judge's mark that arrived meanwhile would wait for the end of the work."""

    socketio = None
    _yielded = 0.0

    def paused(self, items: Iterable) -> Iterator:
        """`items` as they come, pausing as the counted work does (work that is not counted:
        an import's file being read)."""
        for item in items:
            yield item
            self._pause()

    def _pause(self) -> None:
        now = time.monotonic()
        if now - self._yielded >= PAUSE_EVERY:
            self._yielded = now
            if not in_write_transaction():
                self.socketio.sleep(PAUSE)  # (no I/O of ours is under way here)


class Reporter(_Pausing):
    """The `progress` callable of a long task: `for item in reporter(items, label): …`.

    Counts only; `watch()` starts the task's watcher and `close()` sends the final count."""

    def __init__(self, socketio, task: str):
        self.socketio = socketio
        self.task = task
        self.state: dict | None = None  # the latest {task, done, total, label}
        self.sent: dict | None = None
        self.ends: deque[dict] = deque()  # the last counts of finished phases, to be sent
        self.closed = False
        self.watcher = None

    def __call__(self, items: Iterable, label: str) -> Iterator:
        items = list(items)
        total = len(items)
        self._update(0, total, str(label))
        for done, item in enumerate(items, start=1):
            yield item
            self._update(done, total, str(label))
        self.ends.append(self.state)  # each phase is seen to its end, even a short one

    def _update(self, done: int, total: int, label: str) -> None:
        self.state = {"task": self.task, "done": done, "total": total, "label": label}
        self._pause()

    def watch(self) -> Reporter:
        self.watcher = self.socketio.start_background_task(self._run)
        return self

    def _run(self) -> None:
        while not self.closed:
            self._send()
            self.socketio.sleep(INTERVAL)

    def _send(self) -> None:
        while self.ends:
            self._emit(self.ends.popleft())
        self._emit(self.state)

    def _emit(self, state: dict | None) -> None:
        if state is not None and state != self.sent:
            self.sent = state
            self.socketio.emit("progress", state, to=room(self.task))

    def close(self) -> None:
        """Stop the watcher and send the last count (call after the task's commit)."""
        self.closed = True
        if self.watcher is not None:
            self.watcher.join()
        self._send()

    def __enter__(self) -> Reporter:
        return self.watch()

    def __exit__(self, *_exc) -> None:
        self.close()


class Steps:
    """The `progress` callable of a task in a child process (competition/tasks.py):
    `for item in steps(items, label): …` counts as a Reporter does and hands the count to
    `send(done, total, label)` itself, at most ten times a second and at every phase's end —
    never inside a write transaction: the child's write lock is held for the writes alone, and
    a step that falls there is sent after the commit (`close`)."""

    def __init__(self, send):
        self.send = send
        self.state: tuple[int, int, str] | None = None
        self.sent: tuple[int, int, str] | None = None
        self._at = 0.0

    def __call__(self, items: Iterable, label: str) -> Iterator:
        items = list(items)
        total, label = len(items), str(label)
        self._update(0, total, label)
        for done, item in enumerate(items, start=1):
            yield item
            self._update(done, total, label, end=done == total)

    def _update(self, done: int, total: int, label: str, end: bool = False) -> None:
        self.state = (done, total, label)
        now = time.monotonic()
        if (end or now - self._at >= INTERVAL) and not in_write_transaction():
            self._at = now
            self._send()

    def _send(self) -> None:
        if self.state is not None and self.state != self.sent:
            self.sent = self.state
            self.send(*self.state)

    def close(self) -> None:
        """Send the last count, if it is not sent yet (after the commit)."""
        self._send()


class _Silent(_Pausing):
    """The `progress` of a request no page watches: it sends nothing, and still pauses."""

    def __init__(self, socketio):
        self.socketio = socketio

    def __call__(self, items: Iterable, label: str) -> Iterator:
        return self.paused(items)

    def __enter__(self) -> _Silent:
        return self

    def __exit__(self, *_exc) -> None:
        return None


def paused(items: Iterable) -> Iterator:
    """`items` as they come, with the pauses of a request's long work (the rows of an export):
    under gevent the process's other work runs meanwhile."""
    from .extensions import socketio

    return _Silent(socketio).paused(items)


def reporter(task: str | None, user_id=None):
    """`with reporter(form.task.data) as progress: service.run(…, progress=progress)`.

    A missing task id, or one not issued to the user, gives a progress that sends no events
    (and pauses all the same)."""
    from .extensions import socketio

    if user_id is None:
        user_id = current_user.get_id()
    if not owns(task, user_id):
        return _Silent(socketio)
    return Reporter(socketio, task)


# --- Socket.IO ----------------------------------------------------------------------------------

def on_watch(data) -> dict:
    """`progress:watch {task}`: join the task's room; only staff, only their own task."""
    from flask_socketio import join_room

    task = data.get("task") if isinstance(data, dict) else None
    if role_of(current_user) not in WATCH_ROLES:
        return {"ok": False, "error": "forbidden"}
    if not owns(task, current_user.get_id()):
        return {"ok": False, "error": "unknown-task"}
    join_room(room(task))
    return {"ok": True}


def register(socketio) -> None:
    socketio.on_event("progress:watch", on_watch)
