"""The fork server (competition/forks.py): the workers' children forked from one process that
has their modules imported, each with the task's environment, stdout and stderr, its exit
code reported; spawned as before whenever the fork server cannot be used."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from competition import forks, tasks
from tests.helpers import wait_until

pytestmark = pytest.mark.skipif(not forks.available(), reason="the fork server needs Linux")


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")


def _fork(app, tmp_path: Path, argv: list[str], env: dict | None = None):
    """`argv` forked with the app's children's environment; (pid, its stdout, its stderr,
    its exit code)."""
    out_read, out_write = os.pipe()
    log = tmp_path / f"{len(list(tmp_path.iterdir()))}.log"
    errors = os.open(log, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        started = forks.start(argv, env or tasks.child_env(app), out_write, errors)
    finally:
        os.close(out_write)
        os.close(errors)
    assert started is not None, "the fork server could not be used"
    pid, status = started
    parent = _parent(pid)
    with os.fdopen(out_read, "rb") as stdout:
        printed = stdout.read()
    code = forks.exit_code(os.fdopen(status, "rb"))
    return pid, parent, printed, log.read_text(), code


@pytest.fixture
def fresh_forks():
    """No fork server left from an earlier test of this process, and none left after."""
    forks.retire()
    yield
    forks.retire()


def test_a_child_is_forked_with_its_task_its_streams_and_its_exit_code(app, tmp_path,
                                                                       fresh_forks):
    pid, parent, printed, log, code = _fork(app, tmp_path, ["import", "not-a-number"])
    assert code == 2 and printed == b""
    assert "usage: import JOB_ID" in log  # its stderr: the task's log
    assert _cmdline(parent)[1:4] == ["-m", "competition.workers", "forks"]
    assert _parent(parent) == os.getpid()  # the fork server is this process's child

    # the next task: the same fork server, another child
    again, same_parent, _printed, _log, code = _fork(app, tmp_path, ["import", "x"])
    assert (same_parent, code) == (parent, 2) and again != pid


def test_a_child_runs_in_its_own_environment_and_a_new_one_retires_the_fork_server(
        app, tmp_path, fresh_forks):
    env = tasks.child_env(app)
    _pid, first, *_ = _fork(app, tmp_path, ["import", "x"], env)
    # another app's database and instance: the same fork server
    _pid, same, *_ = _fork(app, tmp_path, ["import", "x"], {
        **env, "COMPETITION_INSTANCE": str(tmp_path / "other"),
        "COMPETITION_DATABASE_URL": "sqlite:///" + str(tmp_path / "other.db")})
    assert same == first
    # a setting read when modules are imported: a new fork server, the old one gone
    _pid, other, _printed, log, code = _fork(
        app, tmp_path, ["import", "x"], {**env, "COMPETITION_TEST_PASSWORD_METHOD": "scrypt"})
    assert other != first and code == 2
    wait_until(lambda: not Path(f"/proc/{first}").exists()
               or "zombie" in Path(f"/proc/{first}/status").read_text(), 10,
               "the retired fork server's exit")


def test_a_dead_fork_server_is_replaced_and_meanwhile_the_task_is_spawned(app, tmp_path,
                                                                          fresh_forks):
    _pid, server, *_ = _fork(app, tmp_path, ["import", "x"])
    os.kill(server, signal.SIGKILL)
    wait_until(lambda: "zombie" in Path(f"/proc/{server}/status").read_text()
               if Path(f"/proc/{server}").exists() else True, 10, "the fork server's death")
    read, write = os.pipe()
    try:
        assert forks.start(["import", "x"], tasks.child_env(app), write, write) is None
    finally:
        os.close(read)
        os.close(write)
    _pid, replaced, _printed, _log, code = _fork(app, tmp_path, ["import", "x"])
    assert replaced != server and code == 2


@pytest.mark.parametrize("forked", [True, False], ids=["forked", "spawned"])
def test_launch_relays_a_childs_end_either_way(app, tmp_path, fresh_forks, monkeypatch,
                                               forked):
    if not forked:
        monkeypatch.setattr(forks, "available", lambda: False)
    ended = []

    def end(code):
        ended.append(code)
        return "failed", False

    log = tmp_path / "task.log"
    with app.app_context():
        pid = tasks.launch(["import", "not-a-number"], log, "", {}, end)
    assert tasks.settle(app, 30)
    assert ended == [2]
    assert "usage: import JOB_ID" in log.read_text()
    assert pid > 0
    assert (forks._current is not None) is forked  # a fork server started only to fork


def test_a_server_starts_its_fork_server_as_it_starts_unless_told_not_to(app, tmp_path,
                                                                         fresh_forks):
    app.config["WARM_AT_START"] = False  # (as the suite's servers are told)
    tasks.warm_in_background(app)
    assert forks._current is None
    app.config["WARM_AT_START"] = True
    tasks.warm_in_background(app)
    server = forks._current.pid
    # (its command line reads empty for an instant, while the exec sets it up)
    wait_until(lambda: _cmdline(server)[1:4] == ["-m", "competition.workers", "forks"], 10,
               "the fork server's command line")
    _pid, parent, _printed, _log, code = _fork(app, tmp_path, ["import", "x"])
    assert (parent, code) == (server, 2)  # the first task forked by it


def test_ctrl_c_in_the_servers_terminal_leaves_the_fork_server_to_end_with_its_server(
        app, tmp_path, fresh_forks):
    """Ctrl+C reaches the server's whole process group: the fork server neither dies of it
    with a traceback nor stops forking before its server is gone."""
    _pid, server, *_ = _fork(app, tmp_path, ["import", "x"])
    os.kill(server, signal.SIGINT)
    _pid, same, _printed, log, code = _fork(app, tmp_path, ["import", "x"])
    assert (same, code) == (server, 2) and "KeyboardInterrupt" not in log
    forks.retire()  # its server gone: it ends
    wait_until(lambda: not Path(f"/proc/{server}").exists()
               or "zombie" in Path(f"/proc/{server}/status").read_text(), 10,
               "the fork server's end")


def test_the_next_test_of_the_suite_keeps_the_fork_server(app, tmp_path, fresh_forks,
                                                          monkeypatch):
    """pytest names the running test in the environment: no module reads it as it is
    imported, so a new name does not retire the fork server."""
    env = tasks.child_env(app)
    _pid, first, *_ = _fork(app, tmp_path, ["import", "x"], env)
    _pid, same, *_ = _fork(app, tmp_path, ["import", "x"],
                           {**env, "PYTEST_CURRENT_TEST": "tests/test_forks.py::test_next (call)"})
    assert same == first
