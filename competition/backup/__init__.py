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

  archive.py   the kinds of file, the JSON dump's typed values, and what every step shares
               (files written whole, pg_dump/pg_restore's options, the schema revision)
  write.py     `backup`: a SQLite copy, a pg_dump, or the JSON dump
  read.py      telling a backup's kind and checking it before anything is replaced
  restore.py   `restore`: the database's data replaced by a backup's, then migrated
"""

from __future__ import annotations

from ..errors import Invalid


class BackupError(Invalid):
    """What is wrong, in one sentence for the person at the terminal (English, untranslated:
    a failure of the `backup` and `restore` commands only, which the command line shows)."""

    default_code = "backup_failed"
