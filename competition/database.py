"""Database engine set-up: SQLite done right, and the one way to open a write transaction.

SQLite (the default store) needs three things SQLAlchemy's pysqlite driver does not do alone:
WAL with a busy timeout, foreign keys, and write transactions that take the write lock at BEGIN.
Without `BEGIN IMMEDIATE` two read-modify-write transactions both read, then one fails on its
write with "database is locked" (busy_timeout cannot help a transaction that holds a stale
snapshot), or pysqlite's own implicit transactions lose the update. SQLAlchemy documents the
recipe: switch the driver's transaction handling off and emit BEGIN ourselves.

Every service that writes does so inside `write_transaction()`. On SQLite a flush outside one is
refused, so a forgotten write path fails loudly in tests instead of under load at the venue.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event
from sqlalchemy.engine import Engine

from . import signals
from .extensions import db

WRITE_OPTION = "competition_write"

# One writer at a time per process on SQLite. Under gevent (monkey-patched threading) this lock
# is cooperative: a greenlet waiting for it lets the others run, whereas SQLite's busy wait is a
# C sleep that would stall the whole process (docs/design.md, "gevent and SQLite").
_sqlite_writer = threading.RLock()


class WriteOutsideTransaction(RuntimeError):
    """A flush on SQLite outside write_transaction(): a programming error."""


def _sqlite_on_connect(dbapi_connection, _record) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN instead of the driver's implicit transactions.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_on_begin(connection) -> None:
    if connection.get_execution_options().get(WRITE_OPTION):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


def configure_engine(engine: Engine) -> None:
    """Install the SQLite recipe on an engine (idempotent; other databases are left alone)."""
    if engine.dialect.name != "sqlite" or getattr(engine, "_competition_configured", False):
        return
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    engine._competition_configured = True


@event.listens_for(FlaskSession, "before_flush")
def _refuse_flush_outside_write_transaction(session, _context, _instances) -> None:
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    if not connection.get_execution_options().get(WRITE_OPTION):
        raise WriteOutsideTransaction(
            "a write on SQLite must run inside competition.database.write_transaction()"
        )


@contextmanager
def write_transaction() -> Iterator:
    """Run a unit of work in one write transaction (BEGIN IMMEDIATE on SQLite), then commit.

    A read transaction already open in this session (a request that looked things up first) is
    ended before: its snapshot may be stale, and SQLite cannot upgrade it to a writer safely.
    Code inside must re-read what it modifies. The signals it queued (competition/signals.py)
    are sent after the commit.
    """
    session = db.session()  # this thread's (or request's) session
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise WriteOutsideTransaction("changes were made before write_transaction() began")
        session.commit()
    sqlite = session.get_bind().dialect.name == "sqlite"
    with _sqlite_writer if sqlite else nullcontext():
        session.connection(execution_options={WRITE_OPTION: True})
        session.info[signals.OPEN] = True
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            signals.drop_queued(session)
            raise
        finally:
            session.info.pop(signals.OPEN, None)
    # Outside the writer's lock: listeners may read, broadcast or start a task.
    signals.send_queued(session)


def in_write_transaction() -> bool:
    """Whether this thread's session is inside write_transaction() (no I/O may happen there)."""
    session = db.session()
    if not session.in_transaction():
        return False
    return bool(session.connection().get_execution_options().get(WRITE_OPTION))
