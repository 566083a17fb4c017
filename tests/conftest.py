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

COMPETITION_TEST_DATABASE=postgres runs the same tests on PostgreSQL: `app` and `demo_app` then
get a PostgreSQL database put back to a migrated (and demo-loaded) state for each test, and only
the tests that use one of them are collected (`make test` runs this pass after the SQLite one).
COMPETITION_TEST_DATABASE=postgres-full (`make test-postgres`) adds the tests of `live_server`
and the slow ones.
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


def app_on_copy(template: Path, folder: Path, **overrides):
    """An app on a copy of the SQLite database `template` in `folder` (for a module's tests
    that share one database; a test of its own takes `app` or `demo_app`)."""
    shutil.copyfile(template, folder / "competition.db")
    return make_app(f"sqlite:///{folder / 'competition.db'}", folder, **overrides)


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


def _app_on(database_url: str, tmp_path: Path):
    app = make_app(database_url, tmp_path)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def fresh_database(request, tmp_path):
    """fresh_database(demo) -> the URL of a database of this test: a copy of the migrated
    template (with the demo loaded if `demo`), SQLite or PostgreSQL as the run says."""
    taken = []

    def make(demo: bool) -> str:
        if ON_POSTGRES:
            taken.append(request.getfixturevalue("pg_databases"))
            return taken[-1].take(demo)
        template = request.getfixturevalue("demo_template_db" if demo else "template_db")
        target = tmp_path / "competition.db"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"

    yield make
    for databases in taken:
        databases.give_back()


@pytest.fixture
def app(fresh_database, tmp_path):
    yield from _app_on(fresh_database(demo=False), tmp_path)


@pytest.fixture
def demo_app(fresh_database, tmp_path):
    yield from _app_on(fresh_database(demo=True), tmp_path)


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


class PostgresDatabases:
    """The PostgreSQL databases of this test process for the PostgreSQL pass.

    One working database, migrated, with a snapshot of its rows taken empty and another with
    the demo loaded (schemas `pytest_empty` and `pytest_demo`). A test takes it, and it is put
    back to the snapshot it asks for by rewriting the rows, a fraction of the time a new
    database takes (CREATE DATABASE … TEMPLATE: half a second and more on 2 busy cores).
    """

    KINDS = {False: "empty", True: "demo"}

    def __init__(self):
        import sqlalchemy as sa

        self.server, name = PG_URL.rsplit("/", 1)
        self.worker = f"{name}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_"
        self.admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
        self.work = f"{self.worker}{os.getpid()}_work"
        self.work_url = f"{self.server}/{self.work}"
        self.lent = False
        self.sequences: dict[str, list] = {}  # snapshot -> (sequence, last value) of public
        self._drop_stale()
        self._build()

    def _execute(self, sql: str) -> None:
        with self.admin.connect() as connection:
            connection.exec_driver_sql(sql)

    def _drop_stale(self) -> None:
        """The databases an interrupted run of this worker left behind (its process is gone)."""
        with self.admin.connect() as connection:
            names = connection.exec_driver_sql(
                "SELECT datname FROM pg_database WHERE starts_with(datname, %s)",
                (self.worker,)).scalars().all()
        for name in names:
            pid = name[len(self.worker):].split("_", 1)[0]
            if pid.isdigit() and not _process_alive(int(pid)):
                self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _build(self) -> None:
        """The working database, migrated, and its two snapshots."""
        import sqlalchemy as sa
        from flask_migrate import upgrade

        from competition.registry.demo import load_demo

        self._execute(f'DROP DATABASE IF EXISTS "{self.work}" WITH (FORCE)')
        self._execute(f'CREATE DATABASE "{self.work}"')
        app = make_app(self.work_url, ROOT)
        with app.app_context():
            upgrade()
            db.session.remove()
            self.tables = sorted(sa.inspect(db.engine).get_table_names())
            self._snapshot("empty")
            load_demo()
            db.session.remove()
            self._snapshot("demo")
            db.engine.dispose()

    def _snapshot(self, kind: str) -> None:
        with db.engine.begin() as connection:
            connection.exec_driver_sql(f"CREATE SCHEMA pytest_{kind}")
            for table in self.tables:
                connection.exec_driver_sql(
                    f'CREATE TABLE pytest_{kind}."{table}" AS TABLE public."{table}"')
            rows = connection.exec_driver_sql(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
            ).all()
        self.sequences[kind] = rows

    def _reset(self, demo: bool) -> None:
        import sqlalchemy as sa

        kind = self.KINDS[demo]
        engine = sa.create_engine(self.work_url, poolclass=sa.NullPool)
        try:
            with engine.begin() as connection:
                # what a test left open (a server it started, an engine it did not dispose)
                connection.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()")
                connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
                connection.exec_driver_sql("SET LOCAL synchronous_commit = off")
                for table in self.tables:
                    connection.exec_driver_sql(f'DELETE FROM public."{table}"')
                    connection.exec_driver_sql(
                        f'INSERT INTO public."{table}" SELECT * FROM pytest_{kind}."{table}"')
                for sequence, last in self.sequences[kind]:
                    connection.exec_driver_sql(
                        f"SELECT setval('public.\"{sequence}\"', {last or 1}, "
                        f"{'true' if last else 'false'})")
        finally:
            engine.dispose()

    def take(self, demo: bool) -> str:
        """The URL of the database of this test, as migrated (with the demo if `demo`)."""
        if self.lent:
            raise RuntimeError("a test has one PostgreSQL database: app, demo_app and "
                               "live_server cannot be used together in the PostgreSQL pass")
        try:
            self._reset(demo)
        except Exception:  # a test changed the schema itself: build it again
            self._build()
            self._reset(demo)
        self.lent = True
        return self.work_url

    def give_back(self) -> None:
        self.lent = False

    def close(self) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{self.work}" WITH (FORCE)')
        self.admin.dispose()


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@pytest.fixture(scope="session")
def pg_databases():
    need("PostgreSQL", postgres_available(), "a server on 127.0.0.1:5432 with database `test`")
    databases = PostgresDatabases()
    yield databases
    databases.close()


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
    def __init__(self, url: str, process: subprocess.Popen, instance: Path, log: Path,
                 database_url: str):
        self.url = url
        self.database_url = database_url
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
            return LiveServer(f"http://127.0.0.1:{port}", process, instance, log, database_url)
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the server did not start in 30 s:\n{log.read_text()}")


def stop_server(server: LiveServer) -> None:
    # The development server lingers 3 s for each websocket still open after SIGTERM; nothing
    # of a test depends on how it ends (`competition serve`'s own stop is tested in
    # tests/test_scale_out.py), so after a second it is killed.
    server.process.terminate()
    try:
        server.process.wait(timeout=1)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture
def live_server(fresh_database, tmp_path):
    """The real server (`python -m competition run`) on a free port, demo loaded."""
    server = start_server(tmp_path, fresh_database(demo=True))
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

    app = make_app(live_server.database_url, live_server.instance)
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


# The fixtures whose database the PostgreSQL pass switches; tests that build their own (from
# `template_db`, or on `pg_app`, which the SQLite pass already runs) are left out of it, and so
# are the tests about SQLite itself and the browser tests (the pages they drive are the same
# whatever the database, and they would double the time of `make test`).
SWITCHED = {"app", "demo_app", "live_server"}
OWN_DATABASE = {"template_db", "demo_template_db", "pg_app", "db_app"}
NOT_ON_POSTGRES = ("sqlite", "browser")
# `make test` keeps its PostgreSQL pass to the tests that run the app in the test process;
# COMPETITION_TEST_DATABASE=postgres-full (`make test-postgres`) adds the live servers'.
FULL = os.environ.get("COMPETITION_TEST_DATABASE") == "postgres-full"


def _on_postgres_too(item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    if not FULL and ("live_server" in names or item.get_closest_marker("slow")):
        return False
    return bool(names & SWITCHED) and not names & OWN_DATABASE \
        and not any(item.get_closest_marker(name) for name in NOT_ON_POSTGRES)


def pytest_collection_modifyitems(config, items):
    if not ON_POSTGRES:
        return
    kept, left = [], []
    for item in items:
        (kept if _on_postgres_too(item) else left).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept
