"""The live side of judging: after a mark is acknowledged, every screen that may see it updates.

DESIGN.md, "The live path", steps 3 and 4. The Socket.IO handler (or the HTTP view) records the
mark, answers, and calls `mark_recorded`, which only queues the change. One background task
per skill drains the queue: it yields first (so the acknowledgement leaves before any fan-out),
then sends the experts' panel the changed marks, moves the skill's standings — one
`rules.SkillStandings` per skill kept in memory, updated mark by mark — and sends every board
room a versioned snapshot. While it sends, new marks gather; the next round takes them all,
so a burst of marks gives a few broadcasts, not one per mark.

Rooms of a skill (its database id):
  panel:<id>        the skill's experts, organizers, admins: marks, disputes, locks
  board:<id>:staff  who may always see the standings: organizers, admins, the skill's experts
  board:<id>:public everyone else; what it is sent depends on the skill's visibility, read
                    at each broadcast: hidden or frozen standings never leave the server.

Each process keeps its own standings and checks them against the skill's version in the
database before each broadcast; a gap (marks written by another process, or missed) reloads
them from the database.
"""

from __future__ import annotations

import logging
import threading
from decimal import Decimal

import sqlalchemy as sa
from flask import Flask, current_app

from .. import rules
from ..extensions import db, socketio
from ..models import Skill
from ..rules.model import MEASUREMENT
from .service import skill_ref

log = logging.getLogger(__name__)

COALESCE = 0.05  # seconds a skill's broadcaster waits after a round for more marks to gather
PUBLIC_RESULTS = frozenset({"live", "published"})  # visibilities whose standings are public


def panel_room(skill_id: int) -> str:
    return f"panel:{skill_id}"


def board_room(skill_id: int, staff: bool) -> str:
    return f"board:{skill_id}:{'staff' if staff else 'public'}"


class _Standings:
    """One skill's standings at a version, and the count of its marked cells."""

    def __init__(self, skill: Skill):
        from ..board.standings import skill_document

        document = skill_document(skill)
        parsed = rules.parse_skill(document)
        self.version = skill.version
        self.code = skill_ref(skill)  # as the API names it
        self.standings = rules.SkillStandings(parsed)
        self.jpa = parsed.policy.judges_per_aspect
        self.withdrawn = {c.code for c in parsed.competitors if c.status == "withdrawn"}
        self.filled = {(m["aspect"], m["competitor"], m.get("judge"))
                       for m in document["marks"]}
        n_m = n_j = 0
        for criterion in parsed.criteria:
            for aspect in criterion.aspects:
                if aspect.kind == MEASUREMENT:
                    n_m += 1
                else:
                    n_j += 1
        markable = sum(1 for c in parsed.competitors if c.status != "withdrawn")
        self.expected = markable * (n_m + self.jpa * n_j)
        self._snapshot: dict | None = None

    def apply(self, mark: dict) -> None:
        """One change of a mark (a mark of the API, value None = withdrawn)."""
        judge = mark["judge"]
        cell = (mark["aspect"], mark["competitor"], judge)
        if mark["value"] is None:
            self.standings.remove(mark["aspect"], mark["competitor"], judge)
            self.filled.discard(cell)
        else:
            value = mark["value"] if judge is not None else Decimal(mark["value"])
            self.standings.apply(rules.Mark(mark["aspect"], mark["competitor"], judge, value))
            self.filled.add(cell)
        self.version = mark["version"]
        self._snapshot = None

    def marked(self) -> int:
        return sum(1 for cell in self.filled if cell[1] not in self.withdrawn)

    def results(self) -> dict:
        if self._snapshot is None:
            self._snapshot = rules.skill_result_to_json(self.standings.result())
        return self._snapshot


class Hub:
    """The live state of one app: queued changes per skill and the skills' standings."""

    def __init__(self, app: Flask):
        self.app = app
        self._lock = threading.Lock()  # guards the queues
        self._standings_lock = threading.Lock()  # one reader/updater of the standings
        self._pending: dict[int, list[dict]] = {}
        self._disputes: dict[int, list[dict]] = {}
        self._running: set[int] = set()
        self._standings: dict[int, _Standings] = {}
        self.broadcasts = 0  # rounds sent (for benchmarks and tests)

    # --- called by the live path, after the commit ---------------------------------------

    def mark_recorded(self, skill_id: int, mark: dict, dispute: dict | None = None) -> None:
        with self._lock:
            self._pending.setdefault(skill_id, []).append(mark)
            if dispute is not None:
                self._disputes.setdefault(skill_id, []).append(dispute)
            if skill_id in self._running:
                return
            self._running.add(skill_id)
        socketio.start_background_task(self._drain, skill_id)

    def lock_changed(self, skill_id: int, payload: dict) -> None:
        socketio.emit("lock", payload, to=panel_room(skill_id))

    # --- the broadcaster ---------------------------------------------------------------------

    def _drain(self, skill_id: int) -> None:
        socketio.sleep(0)  # the acknowledgement goes out before the fan-out
        while True:
            with self._lock:
                marks = self._pending.pop(skill_id, [])
                disputes = self._disputes.pop(skill_id, [])
                if not marks and not disputes:
                    self._running.discard(skill_id)
                    return
            try:
                with self.app.app_context():
                    self._publish(skill_id, marks, disputes)
            except Exception:
                log.exception("live update of skill %s failed", skill_id)
            socketio.sleep(COALESCE)

    def _publish(self, skill_id: int, marks: list[dict], disputes: list[dict]) -> None:
        marks.sort(key=lambda mark: mark["version"])
        if marks:
            socketio.emit("marks", {"skill": marks[0]["skill"], "version": marks[-1]["version"],
                                    "marks": marks}, to=panel_room(skill_id))
        for dispute in disputes:
            socketio.emit("dispute", dispute, to=panel_room(skill_id))
        snapshot = self.snapshot(skill_id, marks)
        if snapshot is None:
            return
        staff, public = snapshot
        self.broadcasts += 1
        socketio.emit("board:snapshot", staff, to=board_room(skill_id, staff=True))
        if public is not None:
            socketio.emit("board:snapshot", public, to=board_room(skill_id, staff=False))

    # --- standings ---------------------------------------------------------------------------

    def snapshot(self, skill_id: int, marks: list[dict] = ()) -> tuple[dict, dict | None] | None:
        """(for staff, for the public) snapshots of the skill now; None for the public while
        it is hidden. Applies `marks` (sorted by version) to the kept standings first."""
        row = db.session.execute(
            sa.select(Skill.version, Skill.visibility).where(Skill.id == skill_id)
        ).first()
        if row is None:
            return None
        version, visibility = row
        with self._standings_lock:
            state = self._standings.get(skill_id)
            if state is not None:
                for mark in marks:
                    if mark["version"] <= state.version:
                        continue  # already in (a reload read it)
                    if mark["version"] != state.version + 1:
                        break  # a gap: reload below
                    try:
                        state.apply(mark)
                    except rules.RulesInputError:
                        log.exception("mark refused by the standings of skill %s", skill_id)
                        state = None
                        break
            if state is None or state.version != version:
                try:
                    state = _Standings(db.session.get(Skill, skill_id))
                except rules.RulesInputError as error:
                    log.warning("standings of skill %s cannot be computed: %s", skill_id, error)
                    self._standings.pop(skill_id, None)
                    return None
                self._standings[skill_id] = state
            staff = {
                "skill": state.code, "version": state.version, "visibility": visibility,
                "progress": {"marked": state.marked(), "expected": state.expected},
                "results": state.results(),
            }
        if visibility == "hidden":
            return staff, None
        public = dict(staff)
        if visibility not in PUBLIC_RESULTS:
            public["results"] = None
        return staff, public

    def forget(self, skill_id: int) -> None:
        """Drop a skill's kept standings (its scheme or competitors changed)."""
        with self._standings_lock:
            self._standings.pop(skill_id, None)


def hub(app: Flask | None = None) -> Hub:
    app = app or current_app._get_current_object()
    found = app.extensions.get("competition.live")
    if found is None:
        found = app.extensions["competition.live"] = Hub(app)
    return found


def mark_recorded(skill_id: int, mark: dict, dispute: dict | None = None) -> None:
    hub().mark_recorded(skill_id, mark, dispute)


def lock_changed(skill, payload: dict) -> None:
    """A sub-criterion was signed off or unlocked (called after the commit)."""
    hub().lock_changed(skill.id if isinstance(skill, Skill) else skill, payload)
