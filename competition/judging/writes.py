"""A mark and its revision written: the live path's last statements (record_mark).

On PostgreSQL one statement writes both (a data-modifying WITH: the mark, inserted or changed,
returns its id to the revision's INSERT), one round trip fewer per mark; SQLite, whose
statements cost no round trip and which has no such WITH, runs the two.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..models import Mark, MarkRevision
from ..statements import Prepared

NEW = ("skill_id", "aspect_id", "aspect_type", "competitor_id", "judge_id")  # a new mark's own
FIELDS = ("value", "revision", "version", "updated_by_id", "updated_at", "device")
REVISION = ("revision", "old_value", "new_value", "reason", "idempotency_key", "user_id",
            "device", "skill_version", "created_at")

_marks = Mark.__table__
_revisions = MarkRevision.__table__


def _bound(table: sa.Table, names: tuple[str, ...], prefix: str, typed: bool = True) -> dict:
    bound = {name: sa.bindparam(prefix + name, type_=table.c[name].type) for name in names}
    return {name: _typed(param) for name, param in bound.items()} if typed else bound


def _typed(param: sa.BindParameter):
    """A mark's value (NUMERIC, which psycopg's dialect sends untyped) cast, so that a None in a
    SELECT list is read as a number; the other types carry their cast already."""
    return sa.cast(param, param.type) if isinstance(param.type, sa.Numeric) else param


def _with_revision(written) -> sa.Insert:
    written = written.returning(_marks.c.id).cte("written")
    return sa.insert(_revisions).from_select(
        ["mark_id", *REVISION],
        sa.select(written.c.id, *_bound(_revisions, REVISION, "r_").values()))


_NEW_AND_REVISION = Prepared(_with_revision(
    sa.insert(_marks).values(_bound(_marks, NEW + FIELDS, "m_"))))
_CHANGED_AND_REVISION = Prepared(_with_revision(
    sa.update(_marks).where(_marks.c.id == sa.bindparam("m_id"))
    .values(_bound(_marks, FIELDS, "m_"))))
# SQLite: every column named (a prepared statement's columns are fixed; these are all the
# table's but the id)
_NEW_MARK = Prepared(sa.insert(_marks).values(_bound(_marks, NEW + FIELDS, "", typed=False)))
_CHANGE_MARK = Prepared(sa.update(_marks).where(_marks.c.id == sa.bindparam("b_id"))
                        .values(_bound(_marks, FIELDS, "", typed=False)))
_NEW_REVISION = Prepared(sa.insert(_revisions).values(
    _bound(_revisions, ("mark_id", *REVISION), "", typed=False)))


def write_mark(connection, mark_id: int | None, mark: dict, revision: dict) -> None:
    """Write the mark (`mark`: its FIELDS, and NEW when `mark_id` is None: a new mark) and its
    `revision` (REVISION)."""
    if connection.dialect.name == "postgresql":
        params = {f"m_{name}": value for name, value in mark.items()} | {
            f"r_{name}": value for name, value in revision.items()}
        if mark_id is None:
            _NEW_AND_REVISION.execute(connection, params)
        else:
            _CHANGED_AND_REVISION.execute(connection, params | {"m_id": mark_id})
        return
    if mark_id is None:
        mark_id = _NEW_MARK.execute(connection, mark)
    else:
        _CHANGE_MARK.execute(connection, {"b_id": mark_id, **mark})
    _NEW_REVISION.execute(connection, {"mark_id": mark_id, **revision})
