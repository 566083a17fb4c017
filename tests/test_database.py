"""The storage rules: SQLite done right, and constraints enforced by the database itself."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from competition.database import WriteOutsideTransaction, in_write_transaction, write_transaction
from competition.extensions import db
from competition.models import (
    Aspect,
    Championship,
    Competitor,
    Criterion,
    Expert,
    Mark,
    MarkRevision,
    Skill,
    SubCriterion,
)

THREADS = 6
INCREMENTS = 15


def _make_skill() -> int:
    with write_transaction() as session:
        championship = Championship(code="c1", name_en="Test")
        skill = Skill(code="10", name_en="Welding", championship=championship)
        session.add(skill)
        session.flush()
        return skill.id


def _hammer(app, skill_id: int, errors: list, increment) -> None:
    def worker():
        try:
            with app.app_context():
                for _ in range(INCREMENTS):
                    increment(skill_id)
                db.session.remove()
        except Exception as error:  # collected and asserted on below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _read_modify_write(skill_id: int) -> None:
    with write_transaction() as session:
        skill = session.execute(
            sa.select(Skill).where(Skill.id == skill_id).with_for_update()
        ).scalar_one()
        seen = skill.version
        time.sleep(0.001)  # widen the window in which a lost update could happen
        skill.version = seen + 1


def test_concurrent_read_modify_write_loses_nothing(db_app):
    with db_app.app_context():
        skill_id = _make_skill()
    errors: list = []
    _hammer(db_app, skill_id, errors, _read_modify_write)
    assert errors == []
    with db_app.app_context():
        assert db.session.get(Skill, skill_id).version == THREADS * INCREMENTS


@pytest.mark.sqlite
def test_without_begin_immediate_the_same_load_fails(app):
    """Control: the test above can fail. With plain deferred transactions the same load
    loses updates or hits "database is locked" on SQLite."""
    with app.app_context():
        skill_id = _make_skill()
        engine = db.engine

    def deferred_increment(skill_id: int) -> None:
        with engine.connect() as connection:  # BEGIN (deferred), no write option
            version = connection.execute(
                sa.text("SELECT version FROM skill WHERE id = :id"), {"id": skill_id}
            ).scalar_one()
            time.sleep(0.001)
            connection.execute(sa.text("UPDATE skill SET version = :v WHERE id = :id"),
                               {"v": version + 1, "id": skill_id})
            connection.commit()

    errors: list = []
    _hammer(app, skill_id, errors, deferred_increment)
    with app.app_context():
        final = db.session.get(Skill, skill_id).version
    locked = [e for e in errors if "database is locked" in str(e)]
    assert locked or final < THREADS * INCREMENTS


def test_a_write_transaction_is_known_from_its_first_line_to_its_commit(db_app):
    with db_app.app_context():
        assert not in_write_transaction()
        with write_transaction() as session:
            assert in_write_transaction()  # before any statement: PostgreSQL has not begun
            session.execute(sa.text("SELECT 1"))
            assert in_write_transaction()
        assert not in_write_transaction()
        db.session.execute(sa.text("SELECT 1"))  # a read transaction is not a write one
        assert not in_write_transaction()
        with pytest.raises(RuntimeError), write_transaction():
            raise RuntimeError("rolled back")
        assert not in_write_transaction()


@pytest.mark.sqlite
def test_sqlite_pragmas(app):
    with app.app_context():
        with db.engine.connect() as connection:
            pragma = {name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                      for name in ("journal_mode", "busy_timeout", "foreign_keys",
                                   "synchronous")}
    assert pragma == {"journal_mode": "wal", "busy_timeout": 5000, "foreign_keys": 1,
                      "synchronous": 1}


@pytest.mark.sqlite
def test_a_writer_waits_for_another_process_s_lock_up_to_the_busy_timeout(app, monkeypatch):
    """Another process holding the write lock: the writer retries (in Python's sleeps, see
    test_serve.py), is written once the lock is free, fails with "database is locked" past
    the busy timeout, and its connection keeps its busy timeout either way."""
    import sqlite3

    from competition import database

    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 300)
    with app.app_context():
        path = db.engine.url.database
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        freed = threading.Timer(0.1, lambda: other.execute("ROLLBACK"))
        freed.start()
        with write_transaction() as session:  # waits ~0.1 s, then writes
            session.add(Championship(code="waited", name_en="Waited"))
        freed.join()
        other.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        with pytest.raises(sa.exc.OperationalError, match="database is locked"):
            with write_transaction() as session:
                session.add(Championship(code="never", name_en="Never"))
        assert 0.3 <= time.monotonic() - started < 3
        other.execute("ROLLBACK")
        other.close()
        codes = set(db.session.execute(sa.select(Championship.code)).scalars())
        assert "waited" in codes and "never" not in codes
        assert db.session.connection().exec_driver_sql("PRAGMA busy_timeout").scalar() == 300
        db.session.rollback()


@pytest.mark.sqlite
def test_a_write_outside_write_transaction_is_refused_on_sqlite(app):
    with app.app_context():
        db.session.add(Championship(code="x", name_en="X"))
        with pytest.raises(WriteOutsideTransaction):
            db.session.commit()
        db.session.rollback()


def _scheme(session):
    championship = Championship(code="c1", name_en="Test")
    skill = Skill(code="10", name_en="Welding", championship=championship)
    criterion = Criterion(code="A", name_en="A", skill=skill)
    sub = SubCriterion(code="A1", name_en="A1", criterion=criterion)
    measured = Aspect(code="A1.1", type="M", max=Decimal("1.50"), skill=skill, sub_criterion=sub)
    judged = Aspect(code="A1.2", type="J", max=Decimal("2.00"), skill=skill, sub_criterion=sub)
    competitor = Competitor(code="101", name_en="Aigerim", skill=skill)
    judges = [Expert(code=f"E0{i}", name_en=f"Judge {i}", championship=championship)
              for i in range(1, 3)]
    session.add_all([skill, measured, judged, competitor, *judges])
    session.flush()
    return skill, measured, judged, competitor, judges


def _mark(skill, aspect, competitor, judge=None, value="1"):
    return Mark(skill_id=skill.id, aspect_id=aspect.id, aspect_type=aspect.type,
                competitor_id=competitor.id, judge_id=judge.id if judge else None,
                value=Decimal(value))


def _refused(app, build) -> bool:
    """True when the database refuses what `build(session, *scheme)` adds."""
    with app.app_context():
        with write_transaction() as session:
            scheme = _scheme(session)
        try:
            with write_transaction() as session:
                scheme = [session.merge(x) if not isinstance(x, list)
                          else [session.merge(y) for y in x] for x in scheme]
                session.add_all(build(*scheme))
        except IntegrityError:
            return True
        return False


@pytest.mark.parametrize(
    ("case", "build", "refused"),
    [
        ("one M mark", lambda s, m, j, c, js: [_mark(s, m, c, value="1.5")], False),
        ("two marks on one M cell", lambda s, m, j, c, js: [_mark(s, m, c), _mark(s, m, c)],
         True),
        ("two judges on one J cell",
         lambda s, m, j, c, js: [_mark(s, j, c, js[0]), _mark(s, j, c, js[1])], False),
        ("one judge twice on one J cell",
         lambda s, m, j, c, js: [_mark(s, j, c, js[0]), _mark(s, j, c, js[0])], True),
        ("a J mark without a judge", lambda s, m, j, c, js: [_mark(s, j, c)], True),
        ("an M mark with a judge", lambda s, m, j, c, js: [_mark(s, m, c, js[0])], True),
        ("a J value of 4", lambda s, m, j, c, js: [_mark(s, j, c, js[0], "4")], True),
        ("a J value of 1.5", lambda s, m, j, c, js: [_mark(s, j, c, js[0], "1.5")], True),
        ("a negative M value", lambda s, m, j, c, js: [_mark(s, m, c, value="-1")], True),
        ("a type that is not the aspect's",
         lambda s, m, j, c, js: [Mark(skill_id=s.id, aspect_id=m.id, aspect_type="J",
                                      competitor_id=c.id, judge_id=js[0].id, value=1)], True),
    ],
)
def test_mark_constraints_live_in_the_database(db_app, case, build, refused):
    assert _refused(db_app, build) is refused, case


def test_aspect_max_must_be_positive(db_app):
    with db_app.app_context():
        with write_transaction() as session:
            skill, _, _, _, _ = _scheme(session)
        with pytest.raises(IntegrityError):
            with write_transaction() as session:
                sub = session.execute(sa.select(SubCriterion)).scalar_one()
                session.add(Aspect(code="Z", type="M", max=Decimal(0), skill_id=skill.id,
                                   sub_criterion=sub))


def test_mark_history_is_append_only(db_app):
    with db_app.app_context():
        with write_transaction() as session:
            skill, measured, _, competitor, _ = _scheme(session)
            mark = _mark(skill, measured, competitor)
            session.add(mark)
            session.flush()
            session.add(MarkRevision(mark_id=mark.id, revision=1, new_value=Decimal(1),
                                     idempotency_key="k1", skill_version=1))
        with pytest.raises(IntegrityError):
            with write_transaction() as session:
                session.add(MarkRevision(mark_id=mark.id, revision=2, new_value=Decimal(1),
                                         idempotency_key="k1", skill_version=2))
        for statement in ("UPDATE mark_revision SET reason = 'x'", "DELETE FROM mark_revision"):
            with pytest.raises(sa.exc.DatabaseError, match="append-only"):
                with write_transaction() as session:
                    session.execute(sa.text(statement))
        assert db.session.execute(sa.select(sa.func.count(MarkRevision.id))).scalar() == 1
