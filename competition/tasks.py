"""Long tasks in a child process of their own (certificate batches, imports), so that the
process serving sockets never spends seconds of CPU on them, nor holds a write lock for long.

    python -m competition.workers batch BATCH_ID [--locale ru]   (documents/worker.py)
    python -m competition.workers import JOB_ID [--locale ru]    (registry/imports/jobs.py)

The server starts the child (`launch`) with its own database and instance folder (`child_env`),
forked by the fork server that has the workers' modules imported already
(competition/forks.py), or spawned when it cannot be used. The child prints one JSON line per
progress step on stdout (`print_step`). In the server, a relay (a greenlet under gevent, a
thread otherwise) reads those lines and pushes them to the page over Socket.IO (`progress
{task, done, total, label}` with the task's ids, e.g. `batch`), and when the child exits it
calls the task's `ended(exit code)` in an app context: that records a child that died without
saying how it ended, and returns the status the page is told last (`progress {…, finished:
status}`). With a message queue (several server processes) the child sends its steps through
the queue itself (`QueueProgress`), so that a page whose socket another process holds hears
them too; the relay then only reports a child that died.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

from flask import current_app

from .progress import room

# The task's own end, in an app context, given the child's exit code (None: not known): (the
# status the page is told, whether the child died without recording its end — then the page is
# told even with a message queue).
Ended = Callable[[int | None], tuple[str, bool]]


def child_env(app) -> dict:
    """The environment of a child: the server's database, instance folder and secret key."""
    env = dict(os.environ)
    env.update({
        "COMPETITION_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "COMPETITION_INSTANCE": app.config["INSTANCE_PATH"],
        "COMPETITION_SECRET_KEY": str(app.config["SECRET_KEY"]),
        "COMPETITION_ASYNC_MODE": "threading",
    })
    return env


def launch(command: list[str], log: Path, task: str, ids: dict, ended: Ended) -> int:
    """Start `python -m competition.workers COMMAND…` (its stderr appended to `log`) and relay
    its progress to the room of `task` (none if empty), each event carrying `ids`; its pid.

    Forked by the fork server (competition/forks.py), which has the workers' modules
    imported already; spawned when it cannot be used. posix_spawn, not subprocess: under
    gevent, subprocess forks in Python and the server's loop stalls for 8–20 ms (its memory
    copied on write until the child execs), which the judges' acknowledgements of that moment
    wait for; a spawn stalls it for about 2 ms."""
    from . import forks
    from .extensions import socketio

    app = current_app._get_current_object()
    log.parent.mkdir(parents=True, exist_ok=True)
    read, write = os.pipe()  # both close on exec; the child gets `write` as its stdout
    errors = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    status = None  # a forked child's exit code comes on this pipe
    try:
        env = child_env(app)
        forked = forks.start(command, env, write, errors)
        if forked is not None:
            pid, status = forked
        else:
            pid = os.posix_spawn(sys.executable, [sys.executable, "-m", "competition.workers",
                                                  *command], env,
                                 file_actions=[(os.POSIX_SPAWN_DUP2, write, 1),
                                               (os.POSIX_SPAWN_DUP2, errors, 2)])
    except OSError:
        os.close(read)
        raise
    finally:
        os.close(write)
        os.close(errors)
    ended_with = (partial(forks.exit_code, _reader(status)) if status is not None
                  else partial(_exit_code, pid, socketio.sleep))
    relay = socketio.start_background_task(_relay, app, socketio, pid, _reader(read),
                                           ended_with, task, ids, ended)
    app.extensions.setdefault(_RELAYS, {})[pid] = relay
    return pid


def warm_in_background(app) -> None:
    """The server, as it starts: the fork server started and its imports under way, so that
    the first task does not wait for them (unless WARM_AT_START is off: then the first task
    starts it)."""
    from . import forks

    if app.config.get("WARM_AT_START", True):
        forks.ready(child_env(app))


_RELAYS = "competition.tasks"  # app.extensions: pid -> the relay of a child still running


def settle(app, timeout: float = 60) -> bool:
    """Wait until the relays of this app's children have ended, their ends recorded (the
    tests' app fixture, before its database goes to the next test); whether they all did in
    time."""
    relays = app.extensions.get(_RELAYS, {})
    for pid, relay in list(relays.items()):
        relay.join(timeout)
        if not _alive(relay):
            relays.pop(pid, None)  # (one that ended before `launch` kept it)
    return not relays


def _alive(relay) -> bool:
    is_alive = getattr(relay, "is_alive", None)  # a thread; else a greenlet
    return is_alive() if is_alive is not None else not relay.dead


def _reader(fd: int):
    """The child's stdout, read line by line; under gevent, without blocking the loop."""
    try:
        from gevent import monkey
    except ImportError:
        monkey = None
    if monkey is not None and monkey.is_module_patched("socket"):
        from gevent.fileobject import FileObjectPosix

        return FileObjectPosix(fd, "rb")
    return os.fdopen(fd, "rb")


def _exit_code(pid: int, sleep) -> int | None:
    """A spawned child's exit code (negative: the signal that ended it); None if it was reaped
    elsewhere (gevent's child watcher reaps every child once one is watched)."""
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return None
        if done:
            return os.waitstatus_to_exitcode(status)
        sleep(0.05)


def _relay(app, socketio, pid: int, stdout, ended_with: Callable[[], int | None], task: str,
           ids: dict, ended: Ended) -> None:
    try:
        _relay_child(app, socketio, pid, stdout, ended_with, task, ids, ended)
    finally:
        app.extensions.get(_RELAYS, {}).pop(pid, None)


def _relay_child(app, socketio, pid: int, stdout, ended_with: Callable[[], int | None],
                 task: str, ids: dict, ended: Ended) -> None:
    relays = not app.config.get("MESSAGE_QUEUE")  # with a queue the child emits itself
    last = {"task": task, **ids, "done": 0, "total": 0, "label": ""}
    with stdout:
        for line in stdout:
            try:
                step = json.loads(line)
            except ValueError:
                continue
            last = {"task": task, **ids, "done": step["done"], "total": step["total"],
                    "label": step["label"]}
            if relays and task:
                socketio.emit("progress", last, to=room(task))
    code = ended_with()
    with app.app_context():
        from .extensions import db

        try:
            status, died = ended(code)
        except Exception:  # noqa: BLE001  (no database: the task is taken as stopped later)
            app.logger.exception("the end of the child %s (%s) could not be recorded", pid, ids)
            return
        finally:
            db.session.remove()
    if task and (relays or died):
        socketio.emit("progress", {**last, "finished": status}, to=room(task))


# --- the child's side -----------------------------------------------------------------------------

_STDOUT_GONE = False


def print_step(done: int, total: int, label: str) -> None:
    """One JSON line per step for the server's relay. If that server is gone (killed, or
    restarted), the task goes on: its page asks for the outcome, or hears the queue."""
    global _STDOUT_GONE
    if _STDOUT_GONE:
        return
    try:
        sys.stdout.write(json.dumps({"done": done, "total": total, "label": label}) + "\n")
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):
        _STDOUT_GONE = True


class QueueProgress:
    """With a message queue, the child is an external process of Flask-SocketIO: it sends the
    task's steps through the queue itself, to whichever process holds the watching page's
    socket, and prints them as well."""

    def __init__(self, queue: str, channel: str, task: str, ids: dict):
        from flask_socketio import SocketIO

        self.socketio = SocketIO(message_queue=queue, channel=channel)
        self.room = room(task)
        self.last = {"task": task, **ids, "done": 0, "total": 0, "label": ""}

    def __call__(self, done: int, total: int, label: str) -> None:
        print_step(done, total, label)
        self.last = {**self.last, "done": done, "total": total, "label": label}
        self.socketio.emit("progress", self.last, to=self.room)

    def finish(self, status: str) -> None:
        self.socketio.emit("progress", {**self.last, "finished": status}, to=self.room)


def step_sender(app, task: str | None, ids: dict) -> Callable[[int, int, str], None]:
    """How the child reports a step: printed for the relay, and through the queue if any."""
    queue = app.config.get("MESSAGE_QUEUE")
    if queue and task:
        return QueueProgress(queue, app.config["MESSAGE_QUEUE_CHANNEL"], task, ids)
    return print_step


def finish(sender, status: str) -> None:
    """The child's last word through the queue (the relay says it without one)."""
    if isinstance(sender, QueueProgress):
        sender.finish(status)
