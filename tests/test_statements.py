"""Prepared statements (competition/statements.py): the live path's statements run on the
driver's cursor read and write exactly what SQLAlchemy's Core would, on SQLite and PostgreSQL,
and fail as Core would."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from competition.database import write_transaction
from competition.extensions import db
from competition.models import Championship, Competitor, Mark, MarkRevision, Skill, User
from competition.statements import Prepared, PreparedRows
from tests.helpers import statements_during
from tests.test_database import _mark, _scheme

_marks = Mark.__table__
_revisions = MarkRevision.__table__

CELL = sa.select(Mark.id, Mark.value, Mark.revision, Mark.updated_at, Mark.device,
                 User.login, User.is_enabled) \
    .outerjoin(User, User.id == Mark.updated_by_id) \
    .where(Mark.aspect_id == sa.bindparam("aspect"),
           Mark.competitor_id == sa.bindparam("competitor"), Mark.judge_id.is_(None))
NEXT = sa.update(Skill).where(Skill.id == sa.bindparam("skill")) \
    .values(version=Skill.version + 2).returning(Skill.version, Skill.scheme_version)
REVISION = sa.insert(_revisions).values(
    {name: sa.bindparam(name, type_=_revisions.c[name].type)
     for name in ("mark_id", "revision", "old_value", "new_value", "reason", "idempotency_key",
                  "device", "skill_version", "created_at")})


def _a_marked_cell(session):
    skill, measured, _judged, competitor, _judges = _scheme(session)
    user = User(login="judge1", role="expert", password_hash="x")
    session.add(user)
    session.flush()
    mark = _mark(skill, measured, competitor, value="1.25")
    mark.updated_by_id = user.id
    mark.updated_at = datetime(2026, 12, 7, 9, 15, 2, 120000, tzinfo=UTC)
    mark.device = "tablet 4"
    session.add(mark)
    session.flush()
    return skill, mark, {"aspect": measured.id, "competitor": competitor.id}


def test_a_prepared_select_reads_the_values_and_types_core_reads(db_app):
    with db_app.app_context():
        with write_transaction() as session:
            _skill, mark, cell = _a_marked_cell(session)
            connection = session.connection()
            core = connection.execute(CELL, cell).one()
            prepared = Prepared(CELL).one(connection, cell)
            assert tuple(prepared) == tuple(core)
            assert prepared.value == Decimal("1.25") and isinstance(prepared.value, Decimal)
            assert prepared.updated_at == datetime(2026, 12, 7, 9, 15, 2, 120000, tzinfo=UTC)
            assert prepared.updated_at.utcoffset() == timedelta(0)
            assert prepared.is_enabled is True and prepared.login == "judge1"
            assert prepared.id == mark.id
            assert Prepared(CELL).first(connection, cell | {"competitor": -1}) is None
            assert Prepared(CELL).all(connection, cell | {"competitor": -1}) == []


def test_a_prepared_update_takes_the_values_written_into_it_and_returns_its_row(db_app):
    with db_app.app_context():
        with write_transaction() as session:
            skill, _mark_row, _cell = _a_marked_cell(session)
            skill_id, version = skill.id, skill.version
            moved = Prepared(NEXT).one(session.connection(), {"skill": skill_id})
            assert moved.version == version + 2  # the `+ 2` written into the statement
            assert moved == (version + 2, skill.scheme_version)
            with pytest.raises(sa.exc.NoResultFound):
                Prepared(NEXT).one(session.connection(), {"skill": -1})
        assert db.session.get(Skill, skill_id).version == version + 2  # committed with it


def test_a_prepared_insert_writes_what_core_writes_and_fails_as_core_fails(db_app):
    created = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    with db_app.app_context():
        with write_transaction() as session:
            _skill, mark, _cell = _a_marked_cell(session)
            mark_id = mark.id
            revision = {"mark_id": mark_id, "revision": 1, "old_value": None,
                        "new_value": Decimal("1.25"), "reason": "", "idempotency_key": "key-1",
                        "device": "tablet 4", "skill_version": 3, "created_at": created}
            new_id = Prepared(REVISION).execute(session.connection(), revision)
            if db.engine.dialect.name == "sqlite":
                assert new_id == session.execute(sa.select(MarkRevision.id)).scalar_one()
            else:
                assert new_id is None
        row = db.session.execute(sa.select(MarkRevision.new_value, MarkRevision.created_at,
                                           MarkRevision.old_value)).one()
        assert row == (Decimal("1.25"), created, None)
        db.session.rollback()
        # the unique key refused: SQLAlchemy's IntegrityError, and nothing of it kept
        with pytest.raises(IntegrityError, match="idempotency_key"):
            with write_transaction() as session:
                Prepared(REVISION).execute(session.connection(),
                                           revision | {"revision": 2, "skill_version": 4})
        assert db.session.execute(sa.select(sa.func.count(MarkRevision.id))).scalar() == 1
        db.session.rollback()


def test_the_engines_statement_listeners_see_a_prepared_statement(db_app):
    with db_app.app_context():
        with write_transaction() as session:
            _skill, _mark_row, cell = _a_marked_cell(session)
            connection = session.connection()
            seen = statements_during(db.engine, lambda: Prepared(CELL).one(connection, cell))
            assert [statement for statement in seen if statement.startswith("SELECT")] == [
                str(CELL.compile(dialect=db.engine.dialect))]


def _skill_and_rows(numbers) -> tuple[int, list[dict]]:
    """A skill, and competitors' rows 10-0N for its import (not written)."""
    with write_transaction() as session:
        skill_id = _scheme(session)[0].id
    return skill_id, [{"skill_id": skill_id, "code": f"10-0{n}", "name_ru": f"Участник {n}",
                       "birth_date": date(2008, 3, n)} for n in numbers]


def test_rows_made_ready_insert_what_core_inserts_defaults_included(db_app):
    """PreparedRows (an import's new competitors): made ready outside the transaction, run
    inside it; the columns left out get their Python defaults, each row its own."""
    with db_app.app_context():
        skill_id, rows = _skill_and_rows((1, 2, 3))
        ready = PreparedRows(Competitor.__table__, rows, db.engine.dialect)
        with write_transaction() as session:
            seen = statements_during(db.engine, lambda: ready.run(session.connection()))
        assert [s for s in seen if s.startswith("INSERT")] == [ready.sql]
        stored = db.session.execute(
            sa.select(Competitor.code, Competitor.name_ru, Competitor.birth_date,
                      Competitor.status, Competitor.health_note, Competitor.name_consent,
                      Competitor.results_code)
            .where(Competitor.code.like("10-0%")).order_by(Competitor.code)).all()
        assert [row[:6] for row in stored] == [
            (f"10-0{n}", f"Участник {n}", date(2008, 3, n), "active", "", False)
            for n in (1, 2, 3)]
        assert len({row.results_code for row in stored}) == 3  # a code of its own each
        db.session.rollback()

        # a code already taken: SQLAlchemy's IntegrityError, and none of the rows kept
        again = PreparedRows(Competitor.__table__, [
            {"skill_id": skill_id, "code": "10-09", "name_ru": "Новый", "birth_date": None},
            {"skill_id": skill_id, "code": "10-01", "name_ru": "Дубль", "birth_date": None}],
            db.engine.dialect)
        with pytest.raises(IntegrityError), write_transaction() as session:
            again.run(session.connection())
        assert db.session.execute(sa.select(sa.func.count(Competitor.id))).scalar() == 4
        db.session.rollback()


@pytest.mark.sqlite
def test_rows_staged_before_the_lock_are_copied_in_with_one_statement(app):
    """SQLite: PreparedRows.stage, run by write_transaction(before_lock=…) on the
    transaction's own connection, fills a TEMP table without the database's write lock; inside
    the transaction one INSERT … SELECT copies the rows, in their order, as the executemany
    would have written them, and the TEMP table goes."""
    import sqlite3

    with app.app_context():
        skill_id, rows = _skill_and_rows((3, 1, 2))
        ready = PreparedRows(Competitor.__table__, rows, db.engine.dialect)
        others_wrote = []

        def stage(driver_connection):
            ready.stage(driver_connection)
            # the write lock is still free: another connection takes it at once
            other = sqlite3.connect(db.engine.url.database, isolation_level=None, timeout=0)
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            other.close()
            others_wrote.append(True)

        with write_transaction(before_lock=stage) as session:
            connection = session.connection()
            seen = statements_during(db.engine, lambda: ready.run(connection))
            left = connection.exec_driver_sql(
                "SELECT count(*) FROM sqlite_temp_master WHERE name = 'staged_competitor'")
            assert left.scalar() == 0
        assert others_wrote == [True]
        assert ready.sql not in seen
        assert [s.split("(")[0].strip() for s in seen] == ["INSERT INTO competitor"]
        assert "SELECT" in seen[0] and "staged_competitor" in seen[0]
        stored = db.session.execute(
            sa.select(Competitor.code, Competitor.name_ru, Competitor.birth_date,
                      Competitor.status, Competitor.name_consent)
            .where(Competitor.skill_id == skill_id, Competitor.code.like("10-0%"))
            .order_by(Competitor.id)).all()
        assert stored == [(f"10-0{n}", f"Участник {n}", date(2008, 3, n), "active", False)
                          for n in (3, 1, 2)]  # in the rows' order, defaults filled
        db.session.rollback()

        # staged on another connection than the write's: written by the executemany
        elsewhere = PreparedRows(Competitor.__table__, [
            {"skill_id": skill_id, "code": "10-07", "name_ru": "Другой", "birth_date": None}],
            db.engine.dialect)
        other = sqlite3.connect(db.engine.url.database, isolation_level=None)
        elsewhere.stage(other)
        with write_transaction() as session:
            seen = statements_during(
                db.engine, lambda: elsewhere.run(session.connection()))
        other.close()
        assert seen == [elsewhere.sql]

        # a code already taken, staged: SQLAlchemy's IntegrityError, none of the rows kept
        again = PreparedRows(Competitor.__table__, [
            {"skill_id": skill_id, "code": "10-09", "name_ru": "Новый", "birth_date": None},
            {"skill_id": skill_id, "code": "10-01", "name_ru": "Дубль", "birth_date": None}],
            db.engine.dialect)
        with pytest.raises(IntegrityError), \
                write_transaction(before_lock=again.stage) as session:
            again.run(session.connection())
        codes = set(db.session.execute(sa.select(Competitor.code)).scalars())
        assert "10-09" not in codes and "10-07" in codes
        db.session.rollback()


def test_rows_that_name_different_columns_are_refused_when_made_ready(app):
    with app.app_context(), pytest.raises(ValueError, match="names the columns"):
        PreparedRows(Competitor.__table__, [{"skill_id": 1, "code": "a"},
                                            {"skill_id": 1, "name_ru": "b"}], db.engine.dialect)


@pytest.mark.parametrize(("statement", "problem"), [
    (sa.select(Mark.id).where(Mark.id.in_(sa.bindparam("ids", expanding=True))), "list"),
    (sa.select(Mark.id.label("the mark")), "identifiers"),
])
def test_what_a_prepared_statement_cannot_run_is_refused_when_it_is_made(app, statement,
                                                                        problem):
    with app.app_context():
        with pytest.raises(ValueError, match=problem):
            Prepared(statement)._compiled_for(db.engine.dialect)


@pytest.mark.postgres
def test_a_lost_postgresql_connection_is_invalidated_as_core_would(pg_app):
    """The server ends the connection under a transaction: SQLAlchemy's error says it was
    invalidated, and the pool's next connection works."""
    with pg_app.app_context():
        with pytest.raises(sa.exc.OperationalError) as failed:
            with write_transaction() as session:
                session.add(Championship(code="c1", name_en="Test"))
                session.flush()
                pid = session.execute(sa.text("SELECT pg_backend_pid()")).scalar()
                killer = sa.create_engine(db.engine.url)
                with killer.connect() as other:
                    other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                killer.dispose()
                Prepared(NEXT).first(session.connection(), {"skill": 1})
        assert failed.value.connection_invalidated
        db.session.remove()
        assert db.session.execute(sa.select(sa.func.count(Championship.id))).scalar() == 0
