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

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

from . import signals
from .extensions import db

WRITE_OPTION = "competition_write"
BEFORE_LOCK = "competition_before_lock"  # write_transaction(before_lock=…), on SQLite

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
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


BUSY_TIMEOUT_MS = 5000  # how long a writer waits for another process's write lock


def _sqlite_on_begin(connection) -> None:
    options = connection.get_execution_options()
    if options.get(WRITE_OPTION):
        before = options.get(BEFORE_LOCK)
        if before is not None:
            before(connection.connection.driver_connection)
        _begin_immediate(connection)
    else:
        connection.connection.driver_connection.execute("BEGIN")


def _begin_immediate(connection) -> None:
    """BEGIN IMMEDIATE; while another process (an import or a certificate child) holds the
    write lock, wait in short sleeps of Python's, which let the other greenlets run under
    gevent, instead of SQLite's busy wait (a sleep in C that stalls the whole process), up to
    the same busy timeout. The connection's busy timeout is off for these tries only (a
    PRAGMA costs microseconds): the other statements keep it."""
    # straight to sqlite3 (these statements return nothing): SQLAlchemy's execution of one
    # costs ten times the statement (competition/statements.py)
    raw = connection.connection.driver_connection
    raw.execute("PRAGMA busy_timeout=0")  # each try answers at once
    try:
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        pause = 0.001
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                busy = getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY
                if not busy or time.monotonic() > deadline:
                    raise exc.OperationalError("BEGIN IMMEDIATE", (), error) from error
            time.sleep(pause)
            # at most 2 ms between tries: the judge's mark goes in at most that long after the
            # lock is let go (an import's write holds it some 35 ms); a try costs microseconds
            pause = min(pause * 2, 0.002)
    finally:
        raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


# A pooled PostgreSQL connection back in use within this many seconds is not pinged first.
PING_AFTER_IDLE = 5.0
_CHECKED_IN = "competition_checked_in"


def _record_checkin(_dbapi_connection, record) -> None:
    if record is not None:
        record.info[_CHECKED_IN] = time.monotonic()


def _pinging_idle(engine: Engine):
    """A checkout listener pinging the connection only if it sat idle.

    SQLAlchemy's pool_pre_ping pings at every checkout: a round trip of its own (a transaction
    in pg_stat_database) before each mark, broadcast and request. A connection checked in
    moments ago is alive unless the server died meanwhile, which the statement then run finds
    out (SQLAlchemy invalidates the pool on a disconnect error, and a tablet sends its mark
    again). One idle for longer (a database restarted overnight, a proxy's idle timeout) is
    pinged first, and replaced if it does not answer."""
    dialect = engine.dialect

    def ping_if_idle(dbapi_connection, record, _proxy) -> None:
        last = record.info.get(_CHECKED_IN)
        if last is not None and time.monotonic() - last < PING_AFTER_IDLE:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:  # noqa: BLE001  (whatever failed: take a new connection)
            raise exc.DisconnectionError(f"a pooled connection did not answer: {error}") \
                from error

    return ping_if_idle


def configure_engine(engine: Engine) -> None:
    """Install the SQLite recipe on an engine, or PostgreSQL's ping of idle connections
    (idempotent)."""
    if getattr(engine, "_competition_configured", False):
        return
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    else:
        event.listen(engine, "checkin", _record_checkin)
        event.listen(engine, "checkout", _pinging_idle(engine))
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
def write_transaction(before_lock=None) -> Iterator:
    """Run a unit of work in one write transaction (BEGIN IMMEDIATE on SQLite), then commit.

    `before_lock(driver_connection)`, on SQLite only, runs on the transaction's own sqlite3
    connection just before it takes the write lock (an import stages its rows there:
    statements.PreparedRows.stage).

    A read transaction already open in this session (a request that looked things up first) is
    ended before on SQLite: its snapshot may be stale, and SQLite cannot upgrade it to a writer
    safely. PostgreSQL goes on in it (READ COMMITTED: each statement sees what was committed
    before it, and writers lock what they change), its objects expired as a commit would, which
    saves a commit and a new transaction per mark. Either way, code inside must re-read what it
    modifies. The signals it queued (competition/signals.py)
    are sent after the commit.
    """
    session = db.session()  # this thread's (or request's) session
    sqlite = session.get_bind().dialect.name == "sqlite"
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise WriteOutsideTransaction("changes were made before write_transaction() began")
        if sqlite:
            session.commit()
        else:
            session.expire_all()  # read again inside, as after a commit
    with _sqlite_writer if sqlite else nullcontext():
        if sqlite:
            session.connection(execution_options={WRITE_OPTION: True} if before_lock is None
                               else {WRITE_OPTION: True, BEFORE_LOCK: before_lock})
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
    """Whether this thread's session is inside write_transaction() (no I/O may happen there),
    from its first line: on PostgreSQL the session begins only at the first statement."""
    return bool(db.session().info.get(signals.OPEN))
