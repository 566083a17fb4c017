"""Reading a backup before anything is replaced: its kind (by its first bytes), and whether it
is whole and one of competition's, with the schema revision its data belongs to."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from . import BackupError
from .archive import (
    FORMAT,
    PGDUMP_MAGIC,
    SQLITE_MAGIC,
    VERSION,
    VERSION_TABLE,
    pg_program,
    run,
    sqlite_revision,
)


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


def sqlite_file_revision(path: str) -> str:
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
        return sqlite_revision(connection, path)
    finally:
        connection.close()


def pg_dump_revision(engine, path: str) -> str:
    program = pg_program("pg_restore")
    script = run([program, "--data-only", "--table", VERSION_TABLE, "--file", "-", path],
                 what="pg_restore (reading the dump)")
    lines = iter(script.splitlines())
    for line in lines:
        if line.startswith("COPY ") and f"{VERSION_TABLE} " in line:
            value = next(lines, "\\.")
            if value != "\\.":
                return value.strip()
    raise BackupError(f"{path} is a PostgreSQL dump but not one of competition (it has no "
                      "schema revision)")


def read_json(path: str) -> dict:
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
