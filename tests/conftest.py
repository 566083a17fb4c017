"""Test infrastructure every feature's tests use.

- `app` / `client`: an application on a fresh, migrated SQLite database.
- `demo_app` / `demo_client`: the same with the demo championship loaded.
- `pg_app`: the application on PostgreSQL (127.0.0.1:5432, database `test`).
- `db_app`: parametrized over both databases.
- `live_server`: `python -m competition run` as a subprocess on a free port, demo loaded.
- `sio_client`: python-socketio clients connected to the live server.
- `page`: a Playwright page in Debian's Chromium (tests/e2e).

With CI=true, tests that need PostgreSQL, Redis or Chromium fail instead of skipping. Under
pytest-xdist each test process has a PostgreSQL database of its own (`test_gw0`, `test_gw1`…,
created beside `test` on first use).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from competition import create_app
from competition.extensions import db
from competition.models import people

# Accounts made by the tests (thousands) hash their passwords with PBKDF2 of 1,000 rounds, not
# scrypt's fifth of a second. The stored hash names its method, so the servers the tests start
# check them as made; what the product itself uses is pinned by tests/test_cli.py.
people.PASSWORD_METHOD = "pbkdf2:sha256:1000"

IN_CI = os.environ.get("CI", "").lower() in ("true", "1", "yes")
PG_URL = os.environ.get(
    "COMPETITION_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("COMPETITION_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ON_POSTGRES = os.environ.get("COMPETITION_TEST_DATABASE", "sqlite").startswith("postgres")
ROOT = Path(__file__).resolve().parent.parent


def need(service: str, available: bool, what: str) -> None:
    """Skip on a laptop without the service; fail in CI, where it must be there."""
    if available:
        return
    message = f"needs {service}: {what}"
    if IN_CI:
        pytest.fail(f"CI=true but {message}", pytrace=False)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def make_app(database_url: str, instance: Path, **overrides):
    config = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test-secret-key",
        "TESTING": True,
    }
    config.update(overrides)
    return create_app(config)


def _migrated_sqlite(path: Path, demo: bool) -> Path:
    from flask_migrate import upgrade

    from competition.registry.demo import load_demo

    app = make_app(f"sqlite:///{path}", path.parent)
    with app.app_context():
        upgrade()
        if demo:
            load_demo()
        db.session.remove()
        db.engine.dispose()
    return path


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> Path:
    return _migrated_sqlite(tmp_path_factory.mktemp("template") / "empty.db", demo=False)


@pytest.fixture(scope="session")
def demo_template_db(tmp_path_factory) -> Path:
    return _migrated_sqlite(tmp_path_factory.mktemp("template") / "demo.db", demo=True)


def _app_on_copy(template: Path, tmp_path: Path):
    target = tmp_path / "competition.db"
    shutil.copyfile(template, target)
    app = make_app(f"sqlite:///{target}", tmp_path)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(template_db, tmp_path):
    yield from _app_on_copy(template_db, tmp_path)


@pytest.fixture
def demo_app(demo_template_db, tmp_path):
    yield from _app_on_copy(demo_template_db, tmp_path)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def demo_client(demo_app):
    return demo_app.test_client()


def postgres_available() -> bool:
    return _port_open("127.0.0.1", 5432)


def own_pg_database() -> str:
    """PG_URL, or under pytest-xdist a database of this test process beside it (created if
    missing): tests empty their database, so two processes must not share one."""
    import sqlalchemy as sa

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return PG_URL
    server, name = PG_URL.rsplit("/", 1)
    own = f"{name}_{worker}"
    engine = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.exec_driver_sql(
                "SELECT 1 FROM pg_database WHERE datname = %s", (own,)).first()
            if not exists:
                connection.exec_driver_sql(f'CREATE DATABASE "{own}"')
    finally:
        engine.dispose()
    return f"{server}/{own}"


@pytest.fixture
def pg_app(tmp_path):
    """The application on a PostgreSQL database emptied and migrated for this test."""
    need("PostgreSQL", postgres_available(), "a server on 127.0.0.1:5432 with database `test`")
    import sqlalchemy as sa
    from flask_migrate import upgrade

    url = own_pg_database()
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    app = make_app(url, tmp_path)
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_app(request):
    """The same test on SQLite and on PostgreSQL."""
    return request.getfixturevalue("app" if request.param == "sqlite" else "pg_app")


def redis_available() -> bool:
    return _port_open("127.0.0.1", 6379)


@pytest.fixture
def redis_url() -> str:
    need("Redis", redis_available(), "a server on 127.0.0.1:6379")
    return REDIS_URL


class LiveServer:
    def __init__(self, url: str, process: subprocess.Popen, instance: Path, log: Path):
        self.url = url
        self.process = process
        self.instance = instance
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_server(instance: Path, database_url: str, env: dict | None = None,
                 command: str = "run", port: int | None = None) -> LiveServer:
    """`python -m competition COMMAND --port P` (`run`, or `serve` for the gevent server), on
    a free port unless `port` is given (a restart on the same address)."""
    port = port or free_port()
    log = instance / "server.log"
    environment = dict(os.environ)
    environment.update({
        "COMPETITION_INSTANCE": str(instance),
        "COMPETITION_DATABASE_URL": database_url,
        "COMPETITION_SECRET_KEY": "test-secret-key",
        "PYTHONUNBUFFERED": "1",
    })
    environment.update(env or {})
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "competition", command, "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env=environment, cwd=instance,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited early:\n{log.read_text()}")
        if _port_open("127.0.0.1", port):
            return LiveServer(f"http://127.0.0.1:{port}", process, instance, log)
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the server did not start in 30 s:\n{log.read_text()}")


def stop_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture
def live_server(demo_template_db, tmp_path):
    """The real server (`python -m competition run`) on a free port, demo loaded."""
    database = tmp_path / "competition.db"
    shutil.copyfile(demo_template_db, database)
    server = start_server(tmp_path, f"sqlite:///{database}")
    yield server
    stop_server(server)


@pytest.fixture
def sio_client(live_server):
    """Factory of python-socketio clients connected to the live server (websocket only)."""
    import socketio

    clients = []

    def connect(**kwargs):
        client = socketio.Client(reconnection=False)
        client.connect(live_server.url, transports=["websocket"], wait_timeout=10, **kwargs)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        client.disconnect()


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    need("Chromium", Path(CHROMIUM).exists(), f"{CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need("Playwright", False, "pip install playwright (the dev extras)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    # Tests poll with string predicates (wait_for_function) and inject axe-core, which the
    # app's CSP forbids; tests/e2e/test_csp.py opens the pages under the real policy.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


E2E_PASSWORD = "e2e-password-for-tests"


def add_organizer(live_server: LiveServer, login: str = "organizer-e2e") -> str:
    """An organizer account written straight into the live server's database."""
    from competition.auth.service import add_user
    from competition.database import write_transaction

    app = make_app(f"sqlite:///{live_server.instance / 'competition.db'}", live_server.instance)
    with app.app_context():
        with write_transaction():
            add_user(login, "organizer", E2E_PASSWORD)
        db.session.remove()
        db.engine.dispose()
    return login


def log_in(page, live_server: LiveServer, login: str, password: str = E2E_PASSWORD) -> None:
    """Log in through the login page, in English."""
    page.goto(live_server.url + "/lang/en")
    page.goto(live_server.url + "/login")
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
