"""Socket.IO handlers of the boards (docs/api.md, "Boards and their snapshots"): as thin as
views over the live standings."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import emit, join_room

from .. import standings
from ..acks import answering, skill_of
from ..errors import Refused
from ..lookup import find_skill
from ..rooms import board_room


def on_board_join(data) -> dict:
    """Watch a skill's standings: `board:snapshot` now and after every change, as this viewer
    may see them (with `changes: true`, later ones may carry `results_changes`)."""
    try:
        skill = find_skill(skill_of(data))
    except Refused as refusal:
        return refusal.answer()
    # A projector in the hall asks for the public view even with an organizer logged in.
    public_view = isinstance(data, dict) and data.get("view") == "public"
    staff = not public_view and standings.is_staff(current_user, skill.id)
    snapshot = standings.hub().snapshot(skill.id)
    if snapshot is None:
        return {"ok": False, "error": "unavailable",
                "message": _("The standings of this skill cannot be computed yet.")}
    # A board that can apply `results_changes` (docs/api.md) asks for them: fewer bytes.
    changes = isinstance(data, dict) and data.get("changes") is True
    join_room(board_room(skill.id, staff=staff, changes=changes))
    emit("board:snapshot", snapshot[0] if staff else snapshot[1])
    return {"ok": True}


def register(socketio) -> None:
    socketio.on_event("board:join", answering(on_board_join))
