"""Test infrastructure every feature's tests use: the fixture plugins of tests/fixtures/, and
which tests the PostgreSQL pass runs.

- `app` / `client`: an application on a fresh, migrated SQLite database.
- `demo_app` / `demo_client`: the same with the demo championship loaded.
- `pg_app`: the application on PostgreSQL (127.0.0.1:5432, database `test`).
- `db_app`: parametrized over both databases.
- `live_server`: `python -m competition run` as a subprocess on a free port, demo loaded.
- `sio_client`: python-socketio clients connected to the live server.
- `page`: a Playwright page in Debian's Chromium (tests/e2e).
- `organizer`: a client logged in as an organizer of the demo championship.

Helpers the tests share (a form's CSRF token, waiting on a condition) are in tests/helpers.py.

With CI=true, tests that need PostgreSQL, Redis or Chromium fail instead of skipping. Under
pytest-xdist each test process has a PostgreSQL database of its own (`test_gw0`, `test_gw1`…,
created beside `test` on first use).

`make test` runs every test once: those that run the app in the test process on a database of
their own (`app`, `demo_app`: `on_postgres` below) on PostgreSQL when it is there (always with
CI=true), the rest on SQLite. COMPETITION_TEST_DATABASE=sqlite runs them all on SQLite;
=postgres only those tests, on PostgreSQL; =postgres-full (`make test-postgres`) adds the tests
of `live_server` and the slow ones (tests/fixtures/databases.py).
"""

from __future__ import annotations

import importlib
import os
import tempfile
from pathlib import Path

import pytest

from competition.models import people

# A sign-off prints its marking forms when they are first downloaded, not in the background:
# the suite signs off hundreds of times (tests/documents/test_signed.py tests the background
# printing on its own app).
os.environ.setdefault("COMPETITION_SIGNED_FORMS_PRINT", "on_download")
# The servers the tests start (hundreds) start their render children when a test first prints,
# not each two WeasyPrint processes at start (tests/documents/test_render_pool.py warms its own).
os.environ.setdefault("COMPETITION_WARM_AT_START", "0")
# Every app the tests make (thousands, each test its own, and the servers and workers they
# start) keeps its compiled templates in one folder, not in the instance folder of its test:
# compiling them again for each test took a third of the time of the tests that show pages.
os.environ.setdefault("COMPETITION_TEMPLATE_CACHE", str(
    Path(tempfile.gettempdir()) / f"competition-tests-templates-{os.getuid()}"))

pytest.register_assert_rewrite("tests.helpers")

pytest_plugins = [
    "tests.fixtures.services",
    "tests.fixtures.databases",
    "tests.fixtures.servers",
    "tests.fixtures.browser",
    "tests.fixtures.accounts",
]

# The helpers test modules imported from here before the fixtures moved to tests/fixtures/ (new
# code imports them from there, or from tests/helpers.py).
MOVED = {
    "tests.fixtures.services": ("IN_CI", "PG_URL", "REDIS_URL", "need", "postgres_available",
                                "redis_available"),
    "tests.fixtures.databases": ("ON_POSTGRES", "make_app", "app_on_copy"),
    "tests.fixtures.servers": ("LiveServer", "free_port", "start_server", "stop_server"),
    "tests.fixtures.browser": ("E2E_PASSWORD", "add_organizer", "log_in"),
    "tests.helpers": ("ROOT",),
}
_MOVED_TO = {name: module for module, names in MOVED.items() for name in names}


def __getattr__(name: str):
    # (looked up when imported, not at once: the plugins are imported by pytest, which rewrites
    # their asserts, after this module)
    if name in _MOVED_TO:
        return getattr(importlib.import_module(_MOVED_TO[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Accounts made by the tests (thousands) hash their passwords with PBKDF2 of 1,000 rounds, not
# scrypt's fifth of a second. The stored hash names its method, so the servers the tests start
# check them as made; what the product itself uses is pinned by tests/test_cli.py.
people.PASSWORD_METHOD = "pbkdf2:sha256:1000"

# The fixtures whose database PostgreSQL takes; tests that build their own (from `template_db`,
# or on `pg_app`, PostgreSQL already) are left on theirs, and the tests about SQLite itself and
# the browser tests on SQLite (the pages they drive are the same whatever the database; the
# database the demo runs on, `make run`'s, keeps the live servers and the browsers).
SWITCHED = {"app", "demo_app", "live_server"}
OWN_DATABASE = {"template_db", "demo_template_db", "pg_app", "db_app"}
NOT_ON_POSTGRES = ("sqlite", "browser")
# PostgreSQL takes the tests that run the app in the test process; COMPETITION_TEST_DATABASE=
# postgres-full (`make test-postgres`) adds the live servers'.
FULL = os.environ.get("COMPETITION_TEST_DATABASE") == "postgres-full"


def _on_postgres(item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    if not FULL and ("live_server" in names or item.get_closest_marker("slow")):
        return False
    return bool(names & SWITCHED) and not names & OWN_DATABASE \
        and not any(item.get_closest_marker(name) for name in NOT_ON_POSTGRES)


def pytest_report_header(config):
    from tests.fixtures.databases import MIXED, MODE

    if MIXED:
        return ("databases: the tests of the app in the test process on PostgreSQL, the others "
                "on SQLite")
    if not MODE:
        return ("databases: SQLite alone (no PostgreSQL on 127.0.0.1:5432: the tests of the app "
                "in the test process run on SQLite too)")
    return f"databases: COMPETITION_TEST_DATABASE={MODE}"


def pytest_collection_modifyitems(config, items):
    from tests.fixtures.databases import MIXED, ON_POSTGRES

    if MIXED:
        for item in items:
            if _on_postgres(item):
                item.add_marker("on_postgres")
        return
    if not ON_POSTGRES:
        return
    kept, left = [], []
    for item in items:
        (kept if _on_postgres(item) else left).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept
