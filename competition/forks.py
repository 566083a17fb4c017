"""A fork server for the worker children (competition/tasks.py): an import or a certificate
batch starts in a few milliseconds, not after a second or more of imports of its own.

    python -m competition.workers forks        (started by the server, never by hand)

A worker child used to be a new interpreter that imported Flask, SQLAlchemy, the models and
openpyxl or WeasyPrint before its first step: one to three seconds of CPU on the two cores the
server shares with it, while the judges' marks wait. The server now starts, as it starts (or on
its first task), one *fork server*: a plain process (no gevent, no threads, no database
connection, no app) that imports what the workers need, once, then forks a child for each task.
The child makes its app and runs the task exactly as a spawned one would, with the task's
environment, its stdout (the progress lines) and its stderr (the task's log) handed over by the
server.

The server's side (`start`) sends each task over a Unix socket, with those two file descriptors
and a third, the write end of a pipe on which the fork server writes the child's exit code when
it ends; it answers with the child's pid. The fork server serves one server process: when that
process goes, so does it (its children finish their tasks). It is made with the environment the
server's tasks get (`tasks.child_env`) and serves tasks whose environment is the same but for
the app's database, instance folder and secret key; another environment retires it and starts a
new one. Whenever the fork server cannot be used (not Linux, or it died), `start` says so and
the task is spawned as before.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import sys
import threading
import traceback
from collections.abc import Callable

# The settings a child reads when it makes its app, not when its modules are imported: they
# may differ from one task to the next (each test's app, in the suite).
PER_APP = ("COMPETITION_DATABASE_URL", "COMPETITION_INSTANCE", "COMPETITION_SECRET_KEY")
# Nor does any module read this one when it is imported: pytest names the running test in it,
# so it changes with every test of the suite (which would retire the fork server each time).
NOT_READ_AT_IMPORT = (*PER_APP, "PYTEST_CURRENT_TEST")
COMMAND = "forks"
MESSAGE = 65536  # a task's message at most (its command line and environment, as JSON)


def _base(env: dict) -> dict:
    return {name: value for name, value in env.items() if name not in NOT_READ_AT_IMPORT}


# --- the server's side ---------------------------------------------------------------------------

class _Server:
    """A running fork server, as the process that started it sees it."""

    def __init__(self, env: dict):
        self.base = _base(env)
        self.socket, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.pid = os.posix_spawn(
                sys.executable, [sys.executable, "-m", "competition.workers", COMMAND], env,
                file_actions=[(os.POSIX_SPAWN_DUP2, theirs.fileno(), 0),
                              (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)])
        except OSError:
            self.socket.close()
            raise
        finally:
            theirs.close()
        self.lock = threading.Lock()  # one task at a time on the socket (gevent's, patched)

    def fork(self, argv: list[str], env: dict, stdout: int, stderr: int,
             status: int) -> int:
        with self.lock:
            socket.send_fds(self.socket, [json.dumps({"argv": argv, "env": env}).encode()],
                            [stdout, stderr, status])
            answer = self.socket.recv(MESSAGE)
        if not answer:
            raise OSError("the fork server is gone")
        return int(json.loads(answer)["pid"])

    def close(self) -> None:
        self.socket.close()  # the fork server sees the end of its socket and exits
        try:
            os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:  # (reaped already, by gevent's child watcher)
            pass


_current: _Server | None = None  # this process's fork server
_current_lock = threading.Lock()


def available() -> bool:
    return sys.platform.startswith("linux") and hasattr(socket, "send_fds")


def _server_for(env: dict) -> _Server:
    """The fork server for tasks of `env`, started now if there is none (under the lock)."""
    global _current
    if _current is not None and _current.base != _base(env):
        retire()  # another environment: its modules may have read it
    if _current is None:
        _current = _Server(env)
    return _current


def retire(server: _Server | None = None) -> None:
    """Let this process's fork server go (only if it is `server`, when given): it exits."""
    global _current
    if _current is not None and server in (None, _current):
        _current, gone = None, _current
        gone.close()


def ready(env: dict) -> None:
    """Start the fork server for tasks of `env` now, without waiting for its imports (the
    server, as it starts: its first task need not wait for them)."""
    if available():
        try:
            with _current_lock:
                _server_for(env)
        except OSError:
            pass  # the first task tries again, or is spawned


def start(argv: list[str], env: dict, stdout: int, stderr: int) -> tuple[int, int] | None:
    """Fork `python -m competition.workers ARGV…` from the fork server, with `env` as its
    environment and `stdout`, `stderr` as its own; (its pid, the read end of the pipe its exit
    code comes on), or None when the fork server cannot be used (the caller spawns it)."""
    if not available():
        return None
    read, write = os.pipe()
    server = None
    try:
        with _current_lock:
            server = _server_for(env)
        pid = server.fork(argv, env, stdout, stderr, write)
    except (OSError, ValueError, KeyError):  # it could not start, or died: spawn this one
        os.close(read)
        if server is not None:
            with _current_lock:
                retire(server)
        return None
    finally:
        os.close(write)
    return pid, read


def exit_code(status) -> int | None:
    """The child's exit code from its status pipe (a file object; negative: the signal that
    ended it); None if the fork server went before it could say."""
    with status:
        line = status.readline()
    try:
        return int(line)
    except ValueError:
        return None


# --- the fork server's side ----------------------------------------------------------------------

def serve(prepare: Callable[[], None], run: Callable[[list[str]], int]) -> int:
    """The fork server's loop, on the socket at fd 0: `prepare()` (the imports, once), then
    for each task fork, and in the child `run(argv)`; each child's exit code to its pipe."""
    control = socket.socket(fileno=0)
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # (the wakeup fd does the work)
    # Ctrl+C in the server's terminal reaches its whole process group: the server stops, and
    # this process with it when its socket ends (not with a KeyboardInterrupt's traceback).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    statuses: dict[int, int] = {}  # child pid -> the write end of its status pipe
    prepare()
    while True:
        ready, _, _ = select.select([control, wake_read], [], [])
        if wake_read in ready:
            os.read(wake_read, 512)
        _report_ended(statuses)
        if control not in ready:
            continue
        message, fds, _flags, _address = socket.recv_fds(control, MESSAGE, 3)
        if not message:
            return 0  # the server is gone; the children finish their tasks
        if len(fds) != 3:
            for fd in fds:
                os.close(fd)
            continue
        task = json.loads(message)
        pid = os.fork()
        if pid == 0:
            _child(control, wake_read, wake_write, statuses, fds, task, run)
        os.close(fds[0])
        os.close(fds[1])
        statuses[pid] = fds[2]
        control.sendall(json.dumps({"pid": pid}).encode())


def _report_ended(statuses: dict[int, int]) -> None:
    for pid in list(statuses):
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done, status = pid, None
        if not done:
            continue
        fd = statuses.pop(pid)
        try:
            code = "" if status is None else str(os.waitstatus_to_exitcode(status))
            os.write(fd, (code + "\n").encode())
        except OSError:  # nobody reads it any more (the server went)
            pass
        finally:
            os.close(fd)


def _name(argv: list[str]) -> None:
    """The child's name in ps and top (`ps -o pid,comm`): its task ("import 12"), not the
    fork server's command line, which it keeps."""
    try:
        with open("/proc/self/comm", "w") as comm:
            comm.write(" ".join(argv[:2])[:15])
    except OSError:
        pass


def _child(control, wake_read: int, wake_write: int, statuses: dict[int, int], fds: list[int],
           task: dict, run: Callable[[list[str]], int]) -> None:
    """In the forked child: become the task's process, run it, exit; never returns."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)  # as a spawned child's
        control.close()  # (it was fd 0: the child's stdin is nothing, as a worker's was)
        for fd in (wake_read, wake_write, fds[2], *statuses.values()):
            os.close(fd)
        nothing = os.open(os.devnull, os.O_RDONLY)
        if nothing != 0:
            os.dup2(nothing, 0)
            os.close(nothing)
        os.dup2(fds[0], 1)
        os.dup2(fds[1], 2)
        os.close(fds[0])
        os.close(fds[1])
        os.environ.clear()
        os.environ.update(task["env"])
        sys.argv = [sys.argv[0], *task["argv"]]
        _name(task["argv"])
        code = run(task["argv"])
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:  # noqa: BLE001  (said on the task's log, as a spawned child would)
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code if isinstance(code, int) else 1)
