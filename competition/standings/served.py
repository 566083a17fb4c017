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
from ..models import Skill
from ..models.results import Appeal

AUDIENCES = ("staff", "public")


def skill_stamp(skill_id: int) -> tuple | None:
    """What a skill's snapshots depend on, read in one query; None when the skill is gone."""
    appeal_open = sa.exists().where(Appeal.skill_id == Skill.id, Appeal.state == "open")
    row = db.session.execute(
        sa.select(Skill.version, Skill.scheme_version, Skill.visibility, Skill.frozen_version,
                  appeal_open).where(Skill.id == skill_id)).first()
    return None if row is None else tuple(row)


def encode(snapshot: dict) -> bytes:
    """A snapshot as the JSON the endpoint sends (compact, UTF-8)."""
    return json.dumps(snapshot, ensure_ascii=False, separators=(",", ":")).encode()


class ServedSnapshots:
    """The kept bytes of each (skill, audience), with the stamp they were made for."""

    def __init__(self):
        self._lock = threading.Lock()
        self._kept: dict[tuple[int, str], tuple[tuple, bytes]] = {}
        self.computed = 0  # snapshots serialized (for tests and benchmarks)

    def get(self, skill_id: int, audience: str,
            compute: Callable[[], tuple[dict, dict] | None]) -> bytes | None:
        """The snapshot of `skill_id` for `audience` ("staff" or "public") as bytes; `compute`
        gives the hub's (staff, public) pair when the kept bytes are stale. None when the
        skill is gone or its standings cannot be computed."""
        stamp = skill_stamp(skill_id)
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
            for audience in AUDIENCES:
                self._kept.pop((skill_id, audience), None)
