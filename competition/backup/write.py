"""`competition backup FILE`: a SQLite copy (the online backup API), a pg_dump custom dump, or
the portable JSON dump (every table, parents first, with the schema revision)."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from ..extensions import db
from . import BackupError
from .archive import (
    BATCH,
    FORMAT,
    KIND_NAMES,
    VERSION,
    LazyBar,
    Notify,
    ProgressFactory,
    app_tables,
    database_revision,
    encode,
    libpq,
    run,
    same_file,
    sqlite_path,
    sqlite_revision,
    written_whole,
)


def backup(target: str, portable: bool = False, progress: ProgressFactory | None = None,
           notify: Notify | None = None) -> str:
    """Write the configured database into `target`; returns a one-line summary."""
    engine = db.engine
    notify = notify or (lambda _message: None)
    folder = Path(target).resolve().parent
    if not folder.is_dir():
        raise BackupError(f"{target}: the folder {folder} does not exist")
    if engine.dialect.name == "sqlite" and not portable:
        source = sqlite_path(engine)
        if same_file(source, target):
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


def _backup_sqlite(source_path: str, target: str) -> str:
    if not Path(source_path).is_file():
        raise BackupError(f"there is no database at {source_path} to back up")
    with written_whole(target) as temporary:
        source = sqlite3.connect(source_path, timeout=30)
        try:
            revision = sqlite_revision(source, source_path)
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


def _client_major(program: str) -> int | None:
    output = run([program, "--version"])
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
    args, env = libpq(engine)
    with engine.connect() as connection:
        revision = database_revision(connection)
    if revision is None:
        raise BackupError("the database has no schema yet (run `competition db upgrade`); "
                          "there is nothing to back up")
    with written_whole(target) as temporary:
        run([shutil.which("pg_dump"), "--format=custom", "--no-owner", "--file", temporary,
             *args], env, "pg_dump")
    return revision


def _backup_json(engine, target: str, progress: ProgressFactory | None) -> str:
    connection = engine.connect()
    if engine.dialect.name == "postgresql":
        # One snapshot for every table: the rows agree with each other.
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
    try:
        with connection.begin(), written_whole(target) as temporary:
            revision = database_revision(connection)
            if revision is None:
                raise BackupError("the database has no schema yet (run `competition db "
                                  "upgrade`); there is nothing to back up")
            tables = app_tables(connection)
            counts = {table.name: connection.execute(
                sa.select(sa.func.count()).select_from(table)).scalar_one() for table in tables}
            bar = LazyBar(progress, sum(counts.values()), "Backing up")
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
                    [encode(value) for value in row], ensure_ascii=False, allow_nan=False))
                first = False
            bar.update(len(rows))
        out.write("]}")
    out.write("\n}}\n")
