"""Snapshots served as bytes: computed once per (skill, what it shows, audience) and handed to
every HTTP request until the skill moves (docs/api.md, `GET /board/<ref>/snapshot.json`).

A hall of phones polling the standings asks for the same few snapshots thousands of times a
minute. Each request reads the skill's *stamp* in one query — its version, scheme version,
visibility, frozen version and whether an appeal is open, everything a snapshot depends on
(a change of its competitors, panel, championship or organizations bumps the version:
competition/judging/versions.py) — and gets the kept bytes when the stamp is the one they were
made for. Only then does the hub compute the snapshot and serialize it again. Several server
processes share the database, so the stamp sees the marks another process wrote.

One entry per (skill, audience): a new stamp replaces the old one, and `forget` drops a skill's.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

import sqlalchemy as sa

from ..extensions import db
from ..models import Championship, Skill
from ..models.results import Appeal

AUDIENCES = ("staff", "public")


def _stamp_query(where):
    """The stamp's columns (after the skill's id) with `where`: built once, as Core statements
    with bound parameters, since building a statement costs more than running it."""
    skill, appeal = Skill.__table__.c, Appeal.__table__.c
    appeal_open = sa.exists().where(appeal.skill_id == skill.id, appeal.state == "open")
    columns = (skill.id, skill.version, skill.scheme_version, skill.visibility,
               skill.frozen_version, appeal_open)
    return sa.select(*columns).where(*where)


_BY_ID = _stamp_query([Skill.__table__.c.id == sa.bindparam("skill_id")])
_BY_CODE = _stamp_query([Skill.__table__.c.code == sa.bindparam("code")])
_BY_REF = _stamp_query([
    Skill.__table__.c.code == sa.bindparam("code"),
    Skill.__table__.c.championship_id == sa.select(Championship.__table__.c.id).where(
        Championship.__table__.c.code == sa.bindparam("championship")).scalar_subquery()])


def skill_stamp(skill_id: int) -> tuple | None:
    """What a skill's snapshots depend on, read in one query; None when the skill is gone."""
    row = db.session.connection().execute(_BY_ID, {"skill_id": skill_id}).first()
    return None if row is None else tuple(row[1:])


def stamp_of_ref(ref: str, connection=None) -> tuple[int, tuple] | None:
    """(skill id, stamp) of the skill a page names (its code, or CHAMPIONSHIP/CODE) in the same
    one query; None when that is not exactly one skill (the caller's lookup then says why).
    On the request's session, or on `connection` (competition/board/polling.py)."""
    championship, _slash, code = ref.strip().rpartition("/")
    connection = connection if connection is not None else db.session.connection()
    if championship:
        rows = connection.execute(_BY_REF, {"code": code, "championship": championship}).all()
    else:
        rows = connection.execute(_BY_CODE, {"code": code}).all()
    if len(rows) != 1:
        return None
    return rows[0][0], tuple(rows[0][1:])


def encode(snapshot: dict) -> bytes:
    """A snapshot as the JSON the endpoint sends (compact, UTF-8)."""
    return json.dumps(snapshot, ensure_ascii=False, separators=(",", ":")).encode()


class ServedSnapshots:
    """The kept bytes of each (skill, audience), with the stamp they were made for."""

    def __init__(self):
        self._lock = threading.Lock()
        self._kept: dict[tuple[int, str], tuple[tuple, bytes]] = {}
        self._forgotten: dict[int, int] = {}  # skill id -> times forgotten
        self.computed = 0  # snapshots serialized (for tests and benchmarks)

    def generation(self, skill_id: int) -> int:
        """How many times the skill's snapshots were forgotten: what is kept elsewhere of them
        (competition/board/polling.py) holds only while this has not moved."""
        return self._forgotten.get(skill_id, 0)

    def get(self, skill_id: int, audience: str,
            compute: Callable[[], tuple[dict, dict] | None],
            stamp: tuple | None = None) -> bytes | None:
        """The snapshot of `skill_id` for `audience` ("staff" or "public") as bytes; `compute`
        gives the hub's (staff, public) pair when the kept bytes are stale. None when the
        skill is gone or its standings cannot be computed. `stamp`: when the caller read it."""
        stamp = stamp or skill_stamp(skill_id)
        if stamp is None:
            return None
        key = (skill_id, audience)
        kept = self._kept.get(key)
        if kept is not None and kept[0] == stamp:
            return kept[1]
        both = compute()
        if both is None:
            return None
        # The pair was computed after the stamp was read: it is at least as new. A mark that
        # came between is in it and moves the version, so the next request recomputes.
        data = encode(both[AUDIENCES.index(audience)])
        with self._lock:
            self._kept[key] = (stamp, data)
            self.computed += 1
        return data

    def forget(self, skill_id: int) -> None:
        with self._lock:
            self._forgotten[skill_id] = self._forgotten.get(skill_id, 0) + 1
            for audience in AUDIENCES:
                self._kept.pop((skill_id, audience), None)
