"""PostgreSQL connections: one transaction for a request that reads and then writes, and a ping
only for a connection that sat idle (competition/database.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from competition import database
from competition.database import write_transaction
from competition.extensions import db
from competition.models import Championship


def _count(engine, name: str) -> list:
    seen: list = []
    event.listen(engine, name, lambda *args: seen.append(name))
    return seen


def _terminate_own_backend() -> None:
    """Kill this session's server process from another connection, as a restart would."""
    pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
    db.session.commit()
    other = sa.create_engine(db.engine.url, poolclass=sa.NullPool)
    with other.connect() as connection:
        connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    other.dispose()


def test_a_read_then_a_write_is_one_transaction_on_postgresql(pg_app):
    with pg_app.app_context():
        begins, commits = _count(db.engine, "begin"), _count(db.engine, "commit")
        assert db.session.execute(sa.select(sa.func.count(Championship.id))).scalar() == 0
        with write_transaction() as session:
            session.add(Championship(code="c1", name_en="Test"))
        assert (len(begins), len(commits)) == (1, 1)
        assert db.session.execute(sa.select(Championship.code)).scalars().all() == ["c1"]


def test_objects_read_before_are_read_again_inside(pg_app):
    with pg_app.app_context():
        with write_transaction() as session:
            session.add(Championship(code="c1", name_en="Before"))
        championship = db.session.execute(sa.select(Championship)).scalar_one()
        assert championship.name_en == "Before"
        other = sa.create_engine(db.engine.url, poolclass=sa.NullPool)
        with other.begin() as connection:  # another process renames it meanwhile
            connection.execute(sa.text("UPDATE championship SET name_en = 'After'"))
        other.dispose()
        with write_transaction():
            assert championship.name_en == "After"


def test_a_connection_used_moments_ago_is_not_pinged(pg_app, monkeypatch):
    with pg_app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        db.session.commit()
        pings = []
        dialect = db.engine.dialect
        real_ping = dialect.do_ping
        monkeypatch.setattr(dialect, "do_ping", lambda c: pings.append(1) or real_ping(c))
        for _ in range(5):
            db.session.execute(sa.text("SELECT 1"))
            db.session.commit()
        assert pings == []
        monkeypatch.setattr(database, "PING_AFTER_IDLE", 0.0)  # as if it sat idle
        db.session.execute(sa.text("SELECT 1"))
        db.session.commit()
        assert pings == [1]


def test_an_idle_connection_the_server_dropped_is_replaced(pg_app, monkeypatch):
    with pg_app.app_context():
        _terminate_own_backend()
        monkeypatch.setattr(database, "PING_AFTER_IDLE", 0.0)
        # the ping finds the pooled connection dead and the pool opens a new one
        assert db.session.execute(sa.text("SELECT 1")).scalar() == 1
        db.session.commit()


def test_a_busy_connection_the_server_dropped_fails_once_then_works(pg_app):
    with pg_app.app_context():
        _terminate_own_backend()
        with pytest.raises(sa.exc.OperationalError):
            db.session.execute(sa.text("SELECT 1"))
        db.session.rollback()
        # SQLAlchemy saw the disconnect and invalidated the pool: the next statement works
        assert db.session.execute(sa.text("SELECT 1")).scalar() == 1
        db.session.commit()
