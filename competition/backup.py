"""`competition backup FILE` and `competition restore FILE`: the whole database in one file.

Three kinds of file, told apart by their first bytes:

- a SQLite database (SQLite's online backup API: a consistent copy while the server writes);
- a PostgreSQL custom-format dump (`pg_dump --format=custom`, magic "PGDMP");
- a portable JSON dump (`{"format": "competition-backup", …}`): every table in dependency
  order with typed values, and the Alembic revision of the schema the rows belong to. It moves
  a championship between SQLite and PostgreSQL.

Restoring replaces everything or nothing: the SQLite copy and pg_restore run in one transaction;
a JSON restore empties the tables, brings the (empty) schema to the backup's revision, inserts
the rows, migrates to the newest schema and resets PostgreSQL's sequences — all on one
connection, in one transaction. Everything here runs inside an application context; errors are
`BackupError` with a message for people.
"""

from __future__ import annotations

import base64
import json
import os
import re
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

from .database import WRITE_OPTION
from .extensions import db
from .paths import MIGRATIONS_DIR

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


class BackupError(Exception):
    """What is wrong, in one sentence for the person at the terminal."""


# --- backup --------------------------------------------------------------------------------


def backup(target: str, portable: bool = False, progress: ProgressFactory | None = None,
           notify: Notify | None = None) -> str:
    """Write the configured database into `target`; returns a one-line summary."""
    engine = db.engine
    notify = notify or (lambda _message: None)
    folder = Path(target).resolve().parent
    if not folder.is_dir():
        raise BackupError(f"{target}: the folder {folder} does not exist")
    if engine.dialect.name == "sqlite" and not portable:
        source = _sqlite_path(engine)
        if _same_file(source, target):
            raise BackupError(f"{target} is the database itself; choose another file")
        revision = _backup_sqlite(source, target)
        kind = "sqlite"
    elif engine.dialect.name == "postgresql" and not portable:
        reason = _pg_dump_problem(engine)
        if reason is None:
            revision = _backup_pg_dump(engine, target)
            kind = "pgdump"
        else:
            notify(f"{reason}; writing a portable JSON backup instead")
            revision = _backup_json(engine, target, progress)
            kind = "json"
    else:
        revision = _backup_json(engine, target, progress)
        kind = "json"
    size = Path(target).stat().st_size
    return (f"Backup written to {target} ({KIND_NAMES[kind]}, schema revision {revision}, "
            f"{_size_text(size)}).")


def _size_text(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def _same_file(first: str | Path, second: str | Path) -> bool:
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False


@contextmanager
def _written_whole(target: str) -> Iterator[str]:
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


def _sqlite_path(engine) -> str:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"cannot back up the SQLite database {engine.url!s}; "
                          "use a database file (COMPETITION_DATABASE_URL=sqlite:///PATH)")
    return database


def _backup_sqlite(source_path: str, target: str) -> str:
    if not Path(source_path).is_file():
        raise BackupError(f"there is no database at {source_path} to back up")
    with _written_whole(target) as temporary:
        source = sqlite3.connect(source_path, timeout=30)
        try:
            revision = _sqlite_revision(source, source_path)
            destination = sqlite3.connect(temporary)
            try:
                # One step (pages=-1): the copy is read in one read transaction, so it is one
                # consistent snapshot however much the server writes meanwhile (WAL).
                source.backup(destination)
                # A single self-contained file: no -wal beside it.
                destination.execute("PRAGMA journal_mode=DELETE")
                if destination.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                    raise BackupError("the copy of the database failed its integrity check")
            finally:
                destination.close()
        finally:
            source.close()
    return revision


def _sqlite_revision(connection: sqlite3.Connection, where: str) -> str:
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


def _libpq(engine) -> tuple[list[str], dict[str, str]]:
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


def _run(args: list[str], env: dict[str, str] | None = None, what: str = "") -> str:
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


def _client_major(program: str) -> int | None:
    output = _run([program, "--version"])
    found = re.search(r"\)\s*(\d+)", output) or re.search(r"(\d+)", output)
    return int(found.group(1)) if found else None


def _server_major(engine) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql("SHOW server_version_num").scalar()) // 10000


def _pg_dump_problem(engine) -> str | None:
    """Why pg_dump cannot be used here, or None when it can."""
    program = shutil.which("pg_dump")
    if program is None:
        return "pg_dump is not installed"
    client, server = _client_major(program), _server_major(engine)
    if client is None or client < server:
        return f"pg_dump {client} cannot dump a PostgreSQL {server} server"
    return None


def _backup_pg_dump(engine, target: str) -> str:
    args, env = _libpq(engine)
    with engine.connect() as connection:
        revision = _database_revision(connection)
    if revision is None:
        raise BackupError("the database has no schema yet (run `competition db upgrade`); "
                          "there is nothing to back up")
    with _written_whole(target) as temporary:
        _run([shutil.which("pg_dump"), "--format=custom", "--no-owner", "--file", temporary,
              *args], env, "pg_dump")
    return revision


# The portable JSON dump.


def _database_revision(connection: Connection) -> str | None:
    if not sa.inspect(connection).has_table(VERSION_TABLE):
        return None
    query = sa.select(sa.column("version_num")).select_from(sa.table(VERSION_TABLE))
    return connection.execute(query).scalar()


def _app_tables(connection: Connection) -> list[sa.Table]:
    """The database's own tables (as they are, at whatever revision), parents first."""
    metadata = sa.MetaData()
    metadata.reflect(bind=connection)
    return [table for table in metadata.sorted_tables if table.name != VERSION_TABLE]


def _encode(value):
    """A column value as JSON, its type kept (see `_decode`)."""
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


def _decode(value, sqlite: bool):
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


class _LazyBar:
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


def _backup_json(engine, target: str, progress: ProgressFactory | None) -> str:
    connection = engine.connect()
    if engine.dialect.name == "postgresql":
        # One snapshot for every table: the rows agree with each other.
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
    try:
        with connection.begin(), _written_whole(target) as temporary:
            revision = _database_revision(connection)
            if revision is None:
                raise BackupError("the database has no schema yet (run `competition db "
                                  "upgrade`); there is nothing to back up")
            tables = _app_tables(connection)
            counts = {table.name: connection.execute(
                sa.select(sa.func.count()).select_from(table)).scalar_one() for table in tables}
            bar = _LazyBar(progress, sum(counts.values()), "Backing up")
            try:
                with open(temporary, "w", encoding="utf-8") as out:
                    _write_json(out, connection, tables, counts, revision, engine, bar)
            finally:
                bar.close()
    finally:
        connection.close()
    return revision


def _write_json(out, connection, tables, counts, revision, engine, bar) -> None:
    header = {"format": FORMAT, "version": VERSION, "revision": revision,
              "database": engine.dialect.name,
              "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
              "tables": counts}
    out.write(json.dumps(header, ensure_ascii=False)[:-1] + ',\n"data": {')
    for number, table in enumerate(tables):
        columns = [column.name for column in table.columns]
        out.write(("," if number else "") + f"\n{json.dumps(table.name)}: "
                  f'{{"columns": {json.dumps(columns)}, "rows": [')
        result = connection.execution_options(stream_results=True, yield_per=BATCH).execute(
            sa.select(table).order_by(*table.primary_key.columns))
        first = True
        for rows in result.partitions():
            for row in rows:
                out.write(("" if first else ",") + "\n" + json.dumps(
                    [_encode(value) for value in row], ensure_ascii=False, allow_nan=False))
                first = False
            bar.update(len(rows))
        out.write("]}")
    out.write("\n}}\n")


# --- restore -------------------------------------------------------------------------------


def detect(path: str) -> str:
    """"sqlite", "pgdump" or "json"; anything else is refused."""
    try:
        with open(path, "rb") as handle:
            start = handle.read(64)
    except FileNotFoundError:
        raise BackupError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise BackupError(f"{path} is a folder, not a backup file") from None
    if start.startswith(SQLITE_MAGIC):
        return "sqlite"
    if start.startswith(PGDUMP_MAGIC):
        return "pgdump"
    if start.lstrip().startswith(b"{") and FORMAT.encode() in start:
        return "json"
    raise BackupError(f"{path} is not a competition backup (neither a SQLite database, a "
                      "PostgreSQL custom dump nor a competition JSON backup)")


def restore(path: str, replace: bool = False, progress: ProgressFactory | None = None) -> str:
    """Replace the configured database's data with the backup in `path`; a one-line summary."""
    engine = db.engine
    dialect = engine.dialect.name
    kind = detect(path)
    if kind == "sqlite" and dialect != "sqlite":
        raise BackupError(f"{path} is a SQLite database and cannot be restored into "
                          f"{dialect}; on the SQLite installation take a portable backup with "
                          "`competition backup --format json FILE` and restore that")
    if kind == "pgdump" and dialect != "postgresql":
        raise BackupError(f"{path} is a PostgreSQL dump and cannot be restored into {dialect}; "
                          "take a portable backup with `competition backup --format json FILE` "
                          "and restore that")
    document = None
    if kind == "sqlite":
        if _same_file(_sqlite_path(engine), path):
            raise BackupError(f"{path} is the database itself; restore from another file")
        revision = _sqlite_file_revision(path)
    elif kind == "pgdump":
        revision = _pg_dump_revision(engine, path)
    else:
        document = _read_json(path)
        revision = document["revision"]
    scripts = _Migrations()
    scripts.check_known(revision, f"{path} was written by a newer version of competition")
    if not replace and not database_is_empty(engine):
        raise BackupError("the database is not empty; add --yes to replace all of its data "
                          f"with {path}")
    engine.dispose()
    if kind == "sqlite":
        _restore_sqlite(path, _sqlite_path(engine))
    elif kind == "pgdump":
        _restore_pg_dump(engine, path)
    else:
        rows = _restore_json(engine, document, scripts, progress)
    engine.dispose()
    upgraded = ""
    if revision != scripts.head:
        if kind != "json":  # (a JSON restore migrates inside its transaction)
            from flask_migrate import upgrade

            upgrade()
        upgraded = f", migrated from schema revision {revision} to {scripts.head}"
    count = f"{rows} rows, " if kind == "json" else ""
    return f"Restored {path} ({KIND_NAMES[kind]}, {count}schema revision {revision}{upgraded})."


def database_is_empty(engine) -> bool:
    """No row in any table (the schema and its revision do not count)."""
    with engine.connect() as connection:
        names = [name for name in sa.inspect(connection).get_table_names()
                 if name != VERSION_TABLE]
        for name in names:
            if connection.execute(sa.select(sa.literal(1)).select_from(sa.table(name))
                                  .limit(1)).first():
                return False
    return True


class _Migrations:
    """This program's Alembic revisions."""

    def __init__(self):
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        self.config = Config()
        self.config.set_main_option("script_location", str(MIGRATIONS_DIR))
        self.scripts = ScriptDirectory.from_config(self.config)
        self.head = self.scripts.get_current_head()
        self.order = [script.revision for script in self.scripts.walk_revisions()][::-1]

    def check_known(self, revision: str | None, newer: str) -> None:
        if revision not in self.order:
            raise BackupError(f"{newer} (schema revision {revision!r} is unknown here, the "
                              f"newest known is {self.head}); install that version first")

    def migrate(self, connection: Connection, target: str) -> None:
        """Upgrade or downgrade the schema on `connection`, inside its open transaction."""
        from alembic.runtime.environment import EnvironmentContext
        from alembic.runtime.migration import MigrationContext

        current = MigrationContext.configure(connection).get_current_revision()
        if current == target:
            return
        if current is not None:
            self.check_known(current, "the database was migrated by a newer version of "
                                      "competition")
        upward = current is None or self.order.index(target) > self.order.index(current)

        def steps(revision, _context):
            if upward:
                return self.scripts._upgrade_revs(target, revision)
            return self.scripts._downgrade_revs(target, revision)

        with EnvironmentContext(self.config, self.scripts, fn=steps,
                                destination_rev=target) as environment:
            environment.configure(connection=connection, target_metadata=db.metadata,
                                  render_as_batch=True)
            with environment.begin_transaction():  # the caller's transaction: joins it
                environment.run_migrations()


def _sqlite_file_revision(path: str) -> str:
    try:
        connection = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise BackupError(f"{path} cannot be opened ({error})") from None
    try:
        try:
            healthy = connection.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path} is not a usable SQLite database ({error})") from None
        if not healthy:
            raise BackupError(f"{path} is a damaged SQLite database (integrity check failed)")
        return _sqlite_revision(connection, path)
    finally:
        connection.close()


def _restore_sqlite(source_path: str, database_path: str) -> None:
    Path(database_path).parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{Path(source_path).resolve()}?mode=ro", uri=True)
    try:
        destination = sqlite3.connect(database_path, timeout=30)
        try:
            # The backup API writes the destination in one transaction: all pages or none.
            source.backup(destination)
        except sqlite3.Error as error:
            raise BackupError(f"restoring into {database_path} failed ({error}); is the "
                              "server still running? Stop it first") from None
        finally:
            destination.close()
    finally:
        source.close()


def _pg_program(name: str) -> str:
    program = shutil.which(name)
    if program is None:
        raise BackupError(f"{name} is not installed; install the PostgreSQL client programs "
                          "(e.g. `apt-get install postgresql-client`) to restore a "
                          "PostgreSQL dump")
    return program


def _pg_dump_revision(engine, path: str) -> str:
    program = _pg_program("pg_restore")
    script = _run([program, "--data-only", "--table", VERSION_TABLE, "--file", "-", path],
                  what="pg_restore (reading the dump)")
    lines = iter(script.splitlines())
    for line in lines:
        if line.startswith("COPY ") and f"{VERSION_TABLE} " in line:
            value = next(lines, "\\.")
            if value != "\\.":
                return value.strip()
    raise BackupError(f"{path} is a PostgreSQL dump but not one of competition (it has no "
                      "schema revision)")


def _restore_pg_dump(engine, path: str) -> None:
    program = _pg_program("pg_restore")
    listing = _run([program, "--list", path], what="pg_restore (reading the dump)")
    in_dump = set(re.findall(r"^\d+; \d+ \d+ TABLE \S+ (\S+) ", listing, re.MULTILINE))
    with engine.connect() as connection:
        existing = set(sa.inspect(connection).get_table_names())
    extra = sorted(existing - in_dump)
    if extra:
        # Tables of a newer schema than the dump's would keep --clean from dropping their
        # parents; they are replaced (by the migrations after the restore) like everything.
        with engine.begin() as connection:
            quoted = ", ".join(connection.dialect.identifier_preparer.quote(name)
                               for name in extra)
            connection.exec_driver_sql(f"DROP TABLE IF EXISTS {quoted} CASCADE")
    args, env = _libpq(engine)
    _run([program, "--clean", "--if-exists", "--no-owner", "--single-transaction",
          "--exit-on-error", *args, path], env, "pg_restore")


def _read_json(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BackupError(f"{path} is not a complete JSON backup ({error})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BackupError(f"{path} is not a competition backup")
    if document.get("version") != VERSION:
        raise BackupError(f"{path} is a backup of format version {document.get('version')}; "
                          f"this program reads version {VERSION}: install a newer competition")
    data, counts = document.get("data"), document.get("tables")
    if not isinstance(data, dict) or not isinstance(counts, dict) or not isinstance(
            document.get("revision"), str):
        raise BackupError(f"{path} is an incomplete competition backup")
    for name, count in counts.items():
        rows = data.get(name, {}).get("rows")
        if not isinstance(rows, list) or len(rows) != count:
            raise BackupError(f"{path} is incomplete: table {name} should have {count} rows")
    return document


def _restore_json(engine, document: dict, scripts: _Migrations,
                  progress: ProgressFactory | None) -> int:
    sqlite = engine.dialect.name == "sqlite"
    connection = engine.connect()
    try:
        if sqlite:
            # Migrations copy and drop tables (batch mode); the rows go in parents first but
            # the deletes do not care. Only outside a transaction does the pragma take effect.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        connection = connection.execution_options(**{WRITE_OPTION: True})
        with connection.begin():
            _empty_tables(connection, sqlite)
            scripts.migrate(connection, document["revision"])
            rows = _insert_rows(connection, document, sqlite, progress)
            scripts.migrate(connection, scripts.head)
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise BackupError(f"the backup's rows break a reference: table "
                                      f"{broken[0][0]} row {broken[0][1]} refers to a missing "
                                      f"{broken[0][2]}; nothing was restored")
            else:
                _reset_sequences(connection)
    except sa.exc.SQLAlchemyError as error:
        raise BackupError(f"the database refused the backup ({_reason(error)}); nothing was "
                          "restored") from None
    finally:
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
        connection.close()
    return rows


def _reason(error: sa.exc.SQLAlchemyError) -> str:
    text = str(getattr(error, "orig", None) or error)
    return " ".join(text.split("\n")[0].split())


def _empty_tables(connection: Connection, sqlite: bool) -> None:
    names = [name for name in sa.inspect(connection).get_table_names() if name != VERSION_TABLE]
    if not names:
        return
    quote = connection.dialect.identifier_preparer.quote
    if not sqlite:
        # TRUNCATE fires no row triggers (mark_revision refuses deletes) and restarts ids.
        connection.exec_driver_sql(
            f"TRUNCATE {', '.join(quote(name) for name in names)} RESTART IDENTITY CASCADE")
        return
    # SQLite: the append-only triggers would refuse the deletes; lift them inside the
    # transaction and put them back before it ends.
    triggers = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    for name, _sql in triggers:
        connection.exec_driver_sql(f"DROP TRIGGER {quote(name)}")
    for name in names:
        connection.exec_driver_sql(f"DELETE FROM {quote(name)}")  # noqa: S608 (catalog names)
    for _name, sql in triggers:
        connection.exec_driver_sql(sql)
    if sa.inspect(connection).has_table("sqlite_sequence"):
        connection.exec_driver_sql("DELETE FROM sqlite_sequence")


def _insert_rows(connection: Connection, document: dict, sqlite: bool,
                 progress: ProgressFactory | None) -> int:
    tables = {table.name: table for table in _app_tables(connection)}
    revision = document["revision"]
    bar = _LazyBar(progress, sum(document["tables"].values()), "Restoring")
    total = 0
    try:
        for name in document["tables"]:
            table = tables.get(name)
            if table is None:
                raise BackupError(f"the backup's table {name} does not exist at schema revision "
                                  f"{revision}; nothing was restored")
            part = document["data"][name]
            columns = [table.columns.get(column) for column in part["columns"]]
            missing = [c for c, found in zip(part["columns"], columns, strict=True)
                       if found is None]
            if missing:
                raise BackupError(f"table {name}: the backup's column {missing[0]} does not "
                                  f"exist at schema revision {revision}; nothing was restored")
            rows = part["rows"]
            for start in range(0, len(rows), BATCH):
                batch = []
                for number, row in enumerate(rows[start:start + BATCH], start + 1):
                    try:
                        batch.append({column.name: _decode(value, sqlite)
                                      for column, value in zip(columns, row, strict=True)})
                    except (ValueError, TypeError) as error:
                        raise BackupError(f"table {name}, row {number}: {error}; nothing was "
                                          "restored") from None
                try:
                    connection.execute(table.insert(), batch)
                except sa.exc.SQLAlchemyError as error:
                    raise BackupError(f"table {name}: the database refused rows {start + 1}–"
                                      f"{start + len(batch)} ({_reason(error)}); nothing was "
                                      "restored") from None
                bar.update(len(batch))
                total += len(batch)
    finally:
        bar.close()
    return total


def _reset_sequences(connection: Connection) -> None:
    """Make the next id of every table max(id) + 1, as if the rows had been added one by one."""
    for table in _app_tables(connection):
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, sa.Integer):
            continue
        sequence = connection.execute(sa.text("SELECT pg_get_serial_sequence(:t, :c)"), {
            "t": connection.dialect.identifier_preparer.format_table(table),
            "c": keys[0].name}).scalar()
        if sequence is None:
            continue
        top = connection.execute(sa.select(sa.func.max(keys[0]))).scalar()
        connection.execute(sa.text("SELECT setval(CAST(:s AS regclass), :v, false)"),
                           {"s": sequence, "v": (top or 0) + 1})
