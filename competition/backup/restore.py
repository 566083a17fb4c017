"""`competition restore FILE`: the configured database's data replaced by a backup's, all or
nothing, then migrated to the newest schema."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..database import WRITE_OPTION
from ..extensions import db
from ..paths import MIGRATIONS_DIR
from . import BackupError
from .archive import (
    BATCH,
    KIND_NAMES,
    VERSION_TABLE,
    LazyBar,
    ProgressFactory,
    app_tables,
    decode,
    libpq,
    pg_program,
    run,
    same_file,
    sqlite_path,
)
from .read import detect, pg_dump_revision, read_json, sqlite_file_revision


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
        if same_file(sqlite_path(engine), path):
            raise BackupError(f"{path} is the database itself; restore from another file")
        revision = sqlite_file_revision(path)
    elif kind == "pgdump":
        revision = pg_dump_revision(engine, path)
    else:
        document = read_json(path)
        revision = document["revision"]
    scripts = _Migrations()
    scripts.check_known(revision, f"{path} was written by a newer version of competition")
    if not replace and not database_is_empty(engine):
        raise BackupError("the database is not empty; add --yes to replace all of its data "
                          f"with {path}")
    engine.dispose()
    if kind == "sqlite":
        _restore_sqlite(path, sqlite_path(engine))
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


def _restore_pg_dump(engine, path: str) -> None:
    program = pg_program("pg_restore")
    listing = run([program, "--list", path], what="pg_restore (reading the dump)")
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
    args, env = libpq(engine)
    run([program, "--clean", "--if-exists", "--no-owner", "--single-transaction",
         "--exit-on-error", *args, path], env, "pg_restore")


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
    tables = {table.name: table for table in app_tables(connection)}
    revision = document["revision"]
    bar = LazyBar(progress, sum(document["tables"].values()), "Restoring")
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
                        batch.append({column.name: decode(value, sqlite)
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
    for table in app_tables(connection):
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
