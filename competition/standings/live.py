"""The live standings: after a mark is committed, every screen that may see it updates.

The read side of the live path (docs/design.md). Judging records a mark and queues the
`mark_recorded` signal; its write transaction sends it after the commit, and the hub's listener
only queues the change (the judge's acknowledgement leaves first). One background task per skill
drains the queue: it yields first (so the acknowledgement leaves before any fan-out),
then sends the experts' panel the changed marks, moves the skill's standings — one
`rules.SkillStandings` per skill kept in memory, updated mark by mark — and sends every board
room a versioned snapshot. While it sends, new marks gather; the next round takes them all,
so a burst of marks gives a few broadcasts, not one per mark.

The rooms it sends to are named in competition/rooms.py. What a public board is sent depends
on the skill's visibility, read at each broadcast: hidden or frozen standings never leave the
server.

Each process keeps its own standings and checks them against the skill's version in the
database before each broadcast; a gap (marks written by another process, or missed) reloads
them from the database.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask, current_app

from .. import rules, signals
from ..auth.access import STAFF, role_of
from ..extensions import socketio
from ..fanout import gathered
from ..lookup import expert_role
from ..marks import marks_after, panel_events
from ..models.base import iso, utcnow
from ..rooms import board_room, panel_room
from .changes import results_changes
from .document import progress_counts
from .reads import SkillRow, reading_only, skill_and_marks, skill_now, whole_skill
from .served import ServedSnapshots
from .state import KeptStandings, frozen_standings, public_results

log = logging.getLogger(__name__)

COALESCE = 0.05  # seconds from one round of a skill's broadcaster to the next, for marks to gather

def is_staff(user, skill_id: int) -> bool:
    """Who sees a skill's standings whatever its visibility: organizers, admins, its experts."""
    if role_of(user) in STAFF:
        return True
    return user is not None and expert_role(user, skill_id) is not None


class Hub:
    """The live state of one app: queued changes per skill and the skills' standings."""

    def __init__(self, app: Flask):
        self.app = app
        self._lock = threading.Lock()  # guards the queues
        self._standings_lock = threading.Lock()  # one reader/updater of the standings
        self._pending: dict[int, list[dict]] = {}
        self._disputes: dict[int, list[dict]] = {}
        self._running: set[int] = set()
        self._standings: dict[int, KeptStandings] = {}
        self._frozen: dict[tuple[int, int], tuple[dict, dict]] = {}
        self._refresh: set[int] = set()
        self._sent_public: dict[int, tuple] = {}
        self._sent_meta: dict[tuple[int, str], int] = {}
        self._sent_results: dict[tuple[int, str], tuple] = {}  # (version, state, results)
        self.served = ServedSnapshots()  # snapshot.json's bytes per (skill, audience)
        self.broadcasts = 0  # rounds sent (for benchmarks and tests)

    # --- the listeners' work, after the commit (competition/signals.py) ------------------

    def mark_recorded(self, skill_id: int, mark: dict, dispute: dict | None = None) -> None:
        with self._lock:
            self._pending.setdefault(skill_id, []).append(mark)
            if dispute is not None:
                self._disputes.setdefault(skill_id, []).append(dispute)
            start = self._claim(skill_id)
        if start:
            socketio.start_background_task(self._drain, skill_id)

    def _claim(self, skill_id: int) -> bool:
        """Whether the caller starts the skill's broadcaster (none runs yet); under _lock."""
        if skill_id in self._running:
            return False
        self._running.add(skill_id)
        return True

    def lock_changed(self, skill_id: int, payload: dict) -> None:
        socketio.emit("lock", payload, to=panel_room(skill_id))

    # --- the broadcaster ---------------------------------------------------------------------

    def _drain(self, skill_id: int) -> None:
        socketio.sleep(0)  # the acknowledgement goes out before the fan-out
        while True:
            started = time.monotonic()
            with self._lock:
                marks = self._pending.pop(skill_id, [])
                disputes = self._disputes.pop(skill_id, [])
                refresh = skill_id in self._refresh
                self._refresh.discard(skill_id)
                if not marks and not disputes and not refresh:
                    self._running.discard(skill_id)
                    return
            try:
                with self.app.app_context(), gathered(socketio.server):
                    reading_only()
                    self._publish(skill_id, marks, disputes, refresh)
            except Exception:
                log.exception("live update of skill %s failed", skill_id)
            # a round at most every COALESCE seconds: the time the round took counts
            socketio.sleep(max(0.0, COALESCE - (time.monotonic() - started)))

    def _publish(self, skill_id: int, marks: list[dict], disputes: list[dict],
                 refresh: bool = False) -> None:
        # With several processes the kept standings miss the others' marks: read them with
        # the skill's row. One process alone has them all in `marks`.
        now, fetched = self._skill_now(skill_id, self.app.config.get("MESSAGE_QUEUE"))
        if now is None:
            return  # the skill is gone
        marks.sort(key=lambda mark: mark["version"])
        for room, event in panel_events(skill_id, marks, now.judges_per_aspect) if marks else ():
            socketio.emit("marks", event, to=room)  # blind judgement: marks.panel_events
        for dispute in disputes:
            socketio.emit("dispute", dispute, to=panel_room(skill_id))
        snapshot = self.snapshot(skill_id, marks, now, fetched)
        if snapshot is None:
            return
        staff, public = snapshot
        self.broadcasts += 1
        self._send(skill_id, "staff", staff)
        # A hidden or frozen skill's public snapshot does not move with marks: sent on change.
        seen = (public["visibility"], public.get("version"))
        if refresh or self._sent_public.get(skill_id) != seen \
                or public["visibility"] not in ("hidden", "frozen"):
            self._sent_public[skill_id] = seen
            self._send(skill_id, "public", public)

    def _send(self, skill_id: int, audience: str, snapshot: dict) -> None:
        """One audience's broadcast: to the boards that take changes (`board:join {changes:
        true}`) the results as changed rows, to the others whole."""
        staff = audience == "staff"
        slim = self._slim(skill_id, audience, snapshot)
        rooms = [board_room(skill_id, staff), board_room(skill_id, staff, changes=True)]
        changed = self._changes(skill_id, audience, slim)
        if changed is slim:
            socketio.emit("board:snapshot", slim, to=rooms)
            return
        socketio.emit("board:snapshot", slim, to=rooms[0])
        socketio.emit("board:snapshot", changed, to=rooms[1])

    def _changes(self, skill_id: int, audience: str, slim: dict) -> dict:
        """`slim` with `results_changes` against the results this audience was sent last (its
        `base` version), or `slim` itself when they cannot be said so: the first broadcast,
        a change of visibility or appeal, or several server processes, whose broadcasts of
        one skill interleave (each knows only its own)."""
        key = (skill_id, audience)
        held = self._sent_results.get(key)
        state = (slim.get("visibility"), slim.get("under_appeal"))
        self._sent_results[key] = (slim.get("version"), state, slim.get("results"))
        if held is None or held[1] != state or self.app.config.get("MESSAGE_QUEUE"):
            return slim
        changes = results_changes(held[2], slim.get("results"))
        if changes is None:
            return slim
        return {name: value for name, value in slim.items() if name != "results"} | {
            "results_changes": changes | {"base": held[0]}}

    def _slim(self, skill_id: int, audience: str, snapshot: dict) -> dict:
        """A broadcast leaves out the competitors' and criteria's names once a room was sent
        them for this `meta` version: boards keep them (docs/api.md). They are most of a
        snapshot's bytes, and a broadcast goes to every viewer of the hall."""
        if "competitors" not in snapshot:
            return snapshot
        key = (skill_id, audience)
        if self._sent_meta.get(key) != snapshot["meta"]:
            self._sent_meta[key] = snapshot["meta"]
            return snapshot
        return {name: value for name, value in snapshot.items()
                if name not in ("competitors", "criteria")}

    # --- standings -----------------------------------------------------------------------

    def _skill_now(self, skill_id: int,
                   with_marks: bool = True) -> tuple[SkillRow | None, list[dict] | None]:
        """The skill's row of reads.SKILL_NOW and, `with_marks` and standings kept, the marks
        changed since their version, read in the same statement (None: not read)."""
        with self._standings_lock:
            state = self._standings.get(skill_id)
            kept = (state.version, state.code) if state is not None else None
        if with_marks and kept is not None:
            return skill_and_marks(skill_id, *kept)
        return skill_now(skill_id), None

    @staticmethod
    def _catch_up(state: KeptStandings, skill: SkillRow,
                  fetched: list[dict] | None = None) -> KeptStandings | None:
        """Apply the marks another process wrote since the kept version (several server
        processes share the database): only those rows are read, in one statement, unless
        `fetched` has them (read with `skill`, since an older version). With the scheme
        unchanged, every version since is a mark's; None when that cannot be done (the caller
        reloads). `skill`: its row of reads.SKILL_NOW, read before the marks or with them."""
        if fetched is None:
            changed = marks_after(skill.id, state.code, state.version)
        else:
            changed = [mark for mark in fetched if mark["version"] > state.version]
        try:
            for mark in changed:
                state.apply(mark)
        except rules.RulesInputError:
            log.exception("marks of skill %s refused by the kept standings", skill.id)
            return None
        last = max((mark["version"] for mark in changed), default=state.version)
        state.version = max(last, skill.version)
        state._snapshot = None
        return state

    def snapshot(self, skill_id: int, marks: list[dict] = (), now: SkillRow | None = None,
                 fetched: list[dict] | None = None) -> tuple[dict, dict | None] | None:
        """(for staff, for the public) snapshots of the skill now (docs/api.md, "Boards and
        their snapshots"); None when the skill is gone or its standings cannot be computed.
        Applies `marks` (sorted by version) to the kept standings first. `now`: the skill's
        row of reads.SKILL_NOW, if the caller read it already; `fetched`: the marks changed since
        the kept version, if read with it (reads.skill_and_marks)."""
        # its version and visibility now, not as first read, with the marks changed since the
        # kept version (one SELECT)
        if now is None:
            now, fetched = self._skill_now(skill_id)
        skill = now
        if skill is None:
            return None
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
            if (state is not None and state.version < skill.version
                    and state.meta_version == skill.scheme_version):
                state = self._catch_up(state, skill, fetched)
            # Behind (or a scheme change, which bumps both versions): read the skill again.
            if state is None or state.version < skill.version:
                try:
                    state = KeptStandings(whole_skill(skill_id))
                except rules.RulesInputError as error:
                    log.warning("standings of skill %s cannot be computed: %s", skill_id, error)
                    self._standings.pop(skill_id, None)
                    return None
                self._standings[skill_id] = state
            meta = state.meta
            base = {"skill": meta["skill"], "championship": meta["championship"],
                    "name": meta["name"], "visibility": skill.visibility}
            staff = base | {
                "under_appeal": skill.under_appeal,
                "version": state.version, "meta": state.meta_version,
                "frozen_at": iso(skill.frozen_at), "updated_at": iso(utcnow()),
                "progress": progress_counts(state.marked(), state.expected),
                "criteria": meta["criteria"], "competitors": meta["competitors"],
                "results": state.results(),
            }
            people = state.public_people
        public = self._public(skill, base, staff | {"competitors": people})
        # What boards that joined were sent (a hidden or frozen one is not sent again).
        self._sent_public.setdefault(skill_id, (public["visibility"], public.get("version")))
        return staff, public

    def _forget_frozen(self, skill_id: int, keep: int | None = None) -> None:
        """Drop the skill's kept frozen standings but the version `keep`: a skill unfrozen or
        frozen again never needs the old ones (the cache stays one entry per frozen skill)."""
        for key in [k for k in self._frozen if k[0] == skill_id and k[1] != keep]:
            del self._frozen[key]

    def _public(self, skill: SkillRow, base: dict, staff: dict) -> dict:
        visibility = skill.visibility
        frozen_now = visibility == "frozen" and skill.frozen_version is not None
        self._forget_frozen(skill.id, skill.frozen_version if frozen_now else None)
        if visibility == "hidden":
            return base
        if frozen_now:
            key = (skill.id, skill.frozen_version)
            frozen = self._frozen.get(key)
            if frozen is None:
                frozen = self._frozen[key] = frozen_standings(whole_skill(skill.id),
                                                              skill.frozen_version)
            results, progress = frozen
            return staff | {"version": skill.frozen_version, "updated_at": staff["frozen_at"],
                            "progress": progress,
                            "results": public_results(results, medals=False)}
        if visibility in ("live", "published", "frozen"):
            appeal = staff["under_appeal"]
            return staff | {"results": public_results(
                staff["results"], medals=visibility == "published" and not appeal,
                under_appeal=appeal)}
        return staff | {"results": None}  # progress

    def snapshot_for(self, skill_id: int, user) -> dict | None:
        """The snapshot `user` may see (None: anonymous or public): what boards, results pages
        and the participant's page show. None when the skill has no standings."""
        both = self.snapshot(skill_id)
        if both is None:
            return None
        staff, public = both
        return staff if is_staff(user, skill_id) else public

    def snapshot_json(self, skill_id: int, user, stamp: tuple | None = None) -> bytes | None:
        """snapshot_for as the JSON bytes GET /board/<ref>/snapshot.json sends: kept per
        (skill, audience) until the skill moves (served.py; `stamp` if already read)."""
        audience = "staff" if is_staff(user, skill_id) else "public"
        return self.served.get(skill_id, audience, lambda: self.snapshot(skill_id), stamp)

    def refresh(self, skill_id: int) -> None:
        """Send every board of the skill a new snapshot (its visibility changed)."""
        with self._lock:
            self._refresh.add(skill_id)
            start = self._claim(skill_id)
        if start:
            socketio.start_background_task(self._drain, skill_id)

    def forget(self, skill_id: int) -> None:
        """Drop a skill's kept standings (its scheme or competitors changed)."""
        with self._standings_lock:
            self._standings.pop(skill_id, None)
        self.served.forget(skill_id)


def hub(app: Flask | None = None) -> Hub:
    app = app or current_app._get_current_object()
    found = app.extensions.get("competition.live")
    if found is None:
        found = app.extensions["competition.live"] = Hub(app)
    return found


# --- listening to the write side ---------------------------------------------------------------

def _on_mark_recorded(skill_id: int, mark: dict, dispute: dict | None = None) -> None:
    hub().mark_recorded(skill_id, mark, dispute)


def _on_lock_changed(skill_id: int, payload: dict) -> None:
    hub().lock_changed(skill_id, payload)


def _on_visibility_changed(skill_id: int, **_change) -> None:
    hub().refresh(skill_id)


def _on_scheme_changed(skill_id: int) -> None:
    hub().forget(skill_id)


def subscribe() -> None:
    """Listen to the write side's signals (idempotent: a receiver is connected once)."""
    signals.mark_recorded.connect(_on_mark_recorded)
    signals.lock_changed.connect(_on_lock_changed)
    signals.visibility_changed.connect(_on_visibility_changed)
    signals.scheme_changed.connect(_on_scheme_changed)
