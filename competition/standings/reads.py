"""What the live standings' broadcaster reads of a skill (competition/standings/live.py): its
row now, with the marks changed since a version when it catches up with other processes, in
one statement; a skill whole when its kept standings reload."""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..marks import MARK_COLUMNS, mark_json, marks_after_subquery
from ..models import Appeal, Championship, Skill
from ..statements import Prepared

# What a broadcast reads of its skill, in one statement: the skill as a whole (its scheme, its
# competitors and their marks) is read only when the kept standings are reloaded.
SKILL_NOW = sa.select(
    Skill.id, Skill.version, Skill.scheme_version, Skill.visibility, Skill.frozen_at,
    Skill.frozen_version,
    sa.exists().where(Appeal.skill_id == Skill.id, Appeal.state == "open").label("under_appeal"),
    sa.select(Championship.judges_per_aspect).where(Championship.id == Skill.championship_id)
    .scalar_subquery().label("judges_per_aspect"),
).where(Skill.id == sa.bindparam("skill"))


_PREPARED_SKILL_NOW = Prepared(SKILL_NOW)
SkillRow = tuple  # a row of SKILL_NOW: a named tuple of its columns (competition/statements.py)


def skill_now(skill_id: int) -> SkillRow | None:
    """The skill's row of SKILL_NOW (a named tuple), or None."""
    return _PREPARED_SKILL_NOW.first(db.session.connection(), {"skill": skill_id})


# The same with the marks changed since a version, in the same statement (a row per mark, the
# skill's columns on each; one row of NULL marks when none changed): a process catching up with
# the marks of the others (several server processes) reads both at once.
_MARKS_SINCE = marks_after_subquery()
_SKILL_AND_MARKS = Prepared(
    sa.select(*SKILL_NOW.selected_columns, *_MARKS_SINCE.c)
    .outerjoin_from(Skill, _MARKS_SINCE, sa.true())
    .where(Skill.id == sa.bindparam("skill"))
    .order_by(_MARKS_SINCE.c.version)
)
_SKILL_WIDTH = len(SKILL_NOW.selected_columns)
_MARK_VERSION = _SKILL_WIDTH + 6  # the mark's version (mark_json's seventh): NULL, no mark


def skill_and_marks(skill_id: int, since: int, ref: str) -> tuple[SkillRow | None, list[dict]]:
    """The skill's row of SKILL_NOW and its marks changed after version `since` (as
    marks_after gives them), read in one statement."""
    rows = _SKILL_AND_MARKS.all(db.session.connection(), {"skill": skill_id, "since": since})
    if not rows:
        return None, []
    marks = [mark_json(ref, *row[_SKILL_WIDTH:_SKILL_WIDTH + MARK_COLUMNS])
             for row in rows if row[_MARK_VERSION] is not None]
    return rows[0], marks


def reading_only() -> None:
    """A broadcaster's session reads without a transaction on PostgreSQL (autocommit: no BEGIN
    and ROLLBACK around its statements). Under READ COMMITTED each statement saw the newest
    committed rows anyway; SQLite keeps its snapshot."""
    if db.engine.dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def whole_skill(skill_id: int) -> Skill:
    """The skill's object, read now (a request may hold an older one)."""
    return db.session.get(Skill, skill_id, populate_existing=True)
