"""The backup file: its kinds, the JSON dump's typed values, and what writing and restoring
share (a file written whole, the SQLite file, pg_dump/pg_restore run with the application's
connection, the schema revision, the tables, a progress bar that appears only when needed)."""

from __future__ import annotations

import base64
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime
from datetime import time as clock_time
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, make_url

from . import BackupError

FORMAT = "competition-backup"
VERSION = 1
SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
KIND_NAMES = {"sqlite": "SQLite database", "pgdump": "PostgreSQL custom dump",
              "json": "JSON backup"}
VERSION_TABLE = "alembic_version"
BATCH = 500
PROGRESS_DELAY = 0.5  # seconds: quicker dumps show no bar

# A factory of progress bars: (length, label) -> a click-style bar (context manager, update(n)).
ProgressFactory = Callable[[int, str], object]
Notify = Callable[[str], None]


def same_file(first: str | Path, second: str | Path) -> bool:
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False


@contextmanager
def written_whole(target: str) -> Iterator[str]:
    """A temporary file beside `target` (owner-only: a backup holds password hashes), renamed
    onto it when the block succeeds and removed when it fails: never half a backup."""
    path = Path(target).resolve()
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                         dir=path.parent)
    os.close(handle)
    try:
        yield temporary
        os.replace(temporary, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise


def sqlite_path(engine) -> str:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"cannot back up the SQLite database {engine.url!s}; "
                          "use a database file (COMPETITION_DATABASE_URL=sqlite:///PATH)")
    return database


def sqlite_revision(connection: sqlite3.Connection, where: str) -> str:
    try:
        row = connection.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()  # noqa: S608
    except sqlite3.DatabaseError as error:
        if "no such table" in str(error):
            raise BackupError(f"{where} is a SQLite database but not one of competition "
                              "(it has no schema revision)") from None
        raise BackupError(f"{where} is not a usable SQLite database ({error})") from None
    if row is None:
        raise BackupError(f"{where} has no schema revision (an unfinished database)")
    return row[0]


# PostgreSQL: pg_dump / pg_restore, addressed like the application's URL.


def libpq(engine) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump/pg_restore from the SQLAlchemy URL (without the
    "+psycopg" driver part); the password travels in the environment, not the command line."""
    url = make_url(str(engine.url.render_as_string(hide_password=False)))
    env = dict(os.environ)
    args = ["--no-password"]
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    words = [f"dbname={_conninfo_value(url.database or '')}"]
    for key, value in url.query.items():
        for item in (value if isinstance(value, tuple) else (value,)):
            words.append(f"{key}={_conninfo_value(item)}")
    args += ["--dbname", " ".join(words)]
    return args, env


def _conninfo_value(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def run(args: list[str], env: dict[str, str] | None = None, what: str = "") -> str:
    try:
        result = subprocess.run(args, capture_output=True, env=env, check=False)
    except OSError as error:
        raise BackupError(f"{what or args[0]} could not be started ({error})") from None
    if result.returncode != 0:
        lines = [line.strip() for line in result.stderr.decode(errors="replace").splitlines()
                 if line.strip()]
        detail = lines[-1] if lines else f"exit status {result.returncode}"
        raise BackupError(f"{what or Path(args[0]).name} failed: {detail}")
    return result.stdout.decode(errors="replace")


def pg_program(name: str) -> str:
    program = shutil.which(name)
    if program is None:
        raise BackupError(f"{name} is not installed; install the PostgreSQL client programs "
                          "(e.g. `apt-get install postgresql-client`) to restore a "
                          "PostgreSQL dump")
    return program


# The schema's revision and tables, and the portable JSON dump's typed values.


def database_revision(connection: Connection) -> str | None:
    if not sa.inspect(connection).has_table(VERSION_TABLE):
        return None
    query = sa.select(sa.column("version_num")).select_from(sa.table(VERSION_TABLE))
    return connection.execute(query).scalar()


def app_tables(connection: Connection) -> list[sa.Table]:
    """The database's own tables (as they are, at whatever revision), parents first."""
    metadata = sa.MetaData()
    metadata.reflect(bind=connection)
    return [table for table in metadata.sorted_tables if table.name != VERSION_TABLE]


def encode(value):
    """A column value as JSON, its type kept (see `decode`)."""
    if value is None or isinstance(value, bool | int | str | float):
        return value
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, datetime):
        # The application stores UTC; SQLite hands timestamps back without their zone.
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, clock_time):
        return {"$time": value.isoformat()}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict | list):  # a JSON column's document
        return {"$json": value}
    raise TypeError(f"cannot store a {type(value).__name__} in a JSON backup")


def decode(value, sqlite: bool):
    if not isinstance(value, dict):
        return value
    if len(value) != 1:
        raise ValueError(f"unexpected value {value!r}")
    (tag, text), = value.items()
    if tag == "$json":
        return text
    if tag == "$decimal":
        return Decimal(text)
    if tag == "$date":
        return date.fromisoformat(text)
    if tag == "$time":
        return clock_time.fromisoformat(text)
    if tag == "$bytes":
        return base64.b64decode(text, validate=True)
    if tag == "$datetime":
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
        # SQLite keeps timestamps as text without a zone: UTC, as the application writes them.
        return moment.replace(tzinfo=None) if sqlite else moment
    raise ValueError(f"unknown value type {tag!r}")


class LazyBar:
    """A progress bar that appears only when the work takes more than a moment."""

    def __init__(self, factory: ProgressFactory | None, length: int, label: str):
        self.factory, self.length, self.label = factory, length, label
        self.started = time.monotonic()
        self.done = 0
        self.bar = None

    def update(self, count: int) -> None:
        self.done += count
        if self.bar is None:
            if self.factory is None or time.monotonic() - self.started < PROGRESS_DELAY:
                return
            self.bar = self.factory(self.length, self.label)
            self.bar.__enter__()
            self.bar.update(self.done)
        else:
            self.bar.update(count)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
