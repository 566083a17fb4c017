"""Helpers the tests share: a form's CSRF token, an organizer's client, waiting on a condition,
following an import to its end.

(The fixtures are in tests/fixtures/; tests/access.py logs a client in as any persona.)
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
EN = {"Accept-Language": "en"}

T = TypeVar("T")

# A form's hidden CSRF field, whatever the order of its attributes; the forms of a page with
# several (`s3-rotation-csrf_token`, `new-csrf_token`) prefix its name.
_CSRF_INPUT = re.compile(r'<input\b[^>]*\bname="(?:[\w-]+-)?csrf_token"[^>]*>')
_VALUE = re.compile(r'\bvalue="([^"]+)"')


def csrf(html: str) -> str:
    """The CSRF token of the first form of the page `html` that carries one (a session's forms
    all carry the same token)."""
    field = _CSRF_INPUT.search(html)
    assert field, "the page has no CSRF token"
    value = _VALUE.search(field.group(0))
    assert value, f"the CSRF field has no value: {field.group(0)}"
    return value.group(1)


def submit(client, url: str, data: dict, form_url: str | None = None):
    """Fetch the form page (`form_url`, default `url`) in English, then post `data` back to
    `url` with its CSRF token, as the page's form would."""
    page = client.get(form_url or url, headers=EN)
    assert page.status_code == 200, (form_url or url, page.status_code)
    return client.post(url, data={"csrf_token": csrf(page.get_data(as_text=True)), **data},
                       headers=EN)


def organizer_client(app, ids: dict[str, int] | None = None, lang: str | None = "en"):
    """A test client logged in as the organizer of tests/access.py's personas (`ids` as
    make_role_users returned them, made here if not given, and kept as `client.ids`), reading
    the pages in `lang` (None: as the browser's Accept-Language says)."""
    from tests.access import client_as, make_role_users

    ids = make_role_users(app) if ids is None else ids
    client = client_as(app, "organizer", ids)
    if lang:
        client.get(f"/lang/{lang}")
    client.ids = ids
    return client


def wait_until(condition: Callable[[], T], timeout: float = 10, what: str = "the condition",
               interval: float = 0.02) -> T:
    """Poll `condition` until it returns something true, and return that; fail after `timeout`
    seconds, saying `what` was awaited."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def follow_import(client, confirmed, timeout: float = 60):
    """The answer to an import's confirmation (303 to the import's page, which the import
    worker's progress fills) followed until the worker has ended: the import page's last
    answer, a 303 to the result or the errors (422). Any other answer is returned as it is."""
    from flask import has_app_context

    from competition.extensions import db

    location = confirmed.headers.get("Location", "") if confirmed.status_code == 303 else ""
    if "/import/jobs/" not in location:
        return confirmed

    def ended() -> bool:
        # A test inside an app context of its own shares that context's session with the
        # requests it makes: end its read transaction, or it sees the job as it was at first.
        if has_app_context():
            db.session.rollback()
        return client.get(location + ".json").get_json()["status"] != "running"

    wait_until(ended, timeout, "the import worker to end", interval=0.1)
    if has_app_context():
        db.session.rollback()
    return client.get(location)


def command_line(args: list[str], env: dict[str, str], cwd: Path | None = None,
                 stdin: str = "", unset: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """`competition ARGS` in this process, through the command line's own entry
    (competition.cli.main: its parsing, its one-line errors, its exit status) with `env` added
    to the environment (`unset` taken out), `stdin` as its standard input and in `cwd`: what
    `python -m competition` does, without a second of start-up per command (the tests that run
    it as a child process say so)."""
    from competition.cli import main

    out, err = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ, env), contextlib.chdir(cwd or os.getcwd()), \
            mock.patch("sys.stdin", io.StringIO(stdin)), \
            contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        for name in unset:
            os.environ.pop(name, None)
        try:
            main(args)
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else int(done.code is not None)
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def statements_during(engine, run: Callable[[], object]) -> list[str]:
    """The SQL statements `engine` executed while `run()` ran (every thread's)."""
    import sqlalchemy as sa

    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        run()
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    return seen
