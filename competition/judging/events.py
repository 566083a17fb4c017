"""Socket.IO handlers of judging (docs/api.md, "Judging"): as thin as views.

`mark:submit` answers in its acknowledgement, then hands the change to `live`, whose broadcaster
yields before it fans out: the judge's ack never waits for the boards.
"""

from __future__ import annotations

import functools
import logging

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import join_room

from ..auth.access import role_of
from ..extensions import db
from ..security import holds_nul, nul_message
from . import live, service
from .service import Refused

log = logging.getLogger(__name__)


def _answering(handler):
    """An unexpected failure still gets an acknowledgement (and the log its traceback): a
    tablet waiting for an ack that never comes would resend for ever."""

    @functools.wraps(handler)
    def answered(data=None):
        try:
            return handler(data)
        except Exception:
            log.exception("Socket.IO handler %s failed", handler.__name__)
            db.session.rollback()
            return {"ok": False, "error": "server_error",
                    "message": _("The server could not take this just now; it is kept on "
                                 "the tablet and sent again.")}

    return answered


def _device() -> str:
    return request.headers.get("User-Agent", "")[:200]


def on_submit(data) -> dict:
    try:
        recorded = service.record_mark(current_user, data, device=_device())
    except Refused as refusal:
        db.session.rollback()
        return refusal.answer()
    if recorded.created:
        live.mark_recorded(recorded.skill_id, recorded.mark, recorded.dispute)
    return recorded.answer()


def on_panel_join(data) -> dict:
    """Join a skill's panel room: its marks, progress, disputes and locks now."""
    from . import signoff

    if role_of(current_user) == "anonymous":
        return Refused("unauthenticated", _("Log in to enter marks.")).answer()
    try:
        skill, role = service.readable_skill(current_user, _skill_of(data))
    except Refused as refusal:
        return refusal.answer()
    # Join first: a mark written meanwhile is then in the answer, in an event, or in both.
    join_room(live.panel_room(skill.id))
    marks = service.marks_since(skill)
    states = signoff.lock_states(skill)
    subs = {sub.id: sub.code for criterion in skill.criteria for sub in criterion.sub_criteria}
    return {
        "ok": True, "skill": marks["skill"], "version": marks["version"],
        "expert": role.expert.code if role else None, "role": role.role if role else None,
        "marks": marks["marks"],
        "progress": signoff.progress(skill),
        "disputes": signoff.disputes(skill),
        "locks": {subs[sub_id]: entry is not None and entry.action == "lock"
                  for sub_id, entry in states.items() if sub_id in subs},
    }


def on_board_join(data) -> dict:
    """Watch a skill's standings: `board:snapshot` now and after every change, as this viewer
    may see them (docs/api.md, "Boards and their snapshots")."""
    from flask_socketio import emit

    try:
        skill = service.find_skill(_skill_of(data))
    except Refused as refusal:
        return refusal.answer()
    # A projector in the hall asks for the public view even with an organizer logged in.
    public_view = isinstance(data, dict) and data.get("view") == "public"
    staff = not public_view and live.is_staff(current_user, skill.id)
    snapshot = live.hub().snapshot(skill.id)
    if snapshot is None:
        return {"ok": False, "error": "unavailable",
                "message": _("The standings of this skill cannot be computed yet.")}
    join_room(live.board_room(skill.id, staff=staff))
    emit("board:snapshot", snapshot[0] if staff else snapshot[1])
    return {"ok": True}


def _skill_of(data) -> str | None:
    ref = data.get("skill") if isinstance(data, dict) else None
    if holds_nul(ref):  # before it reaches a query (PostgreSQL refuses NUL in text)
        raise Refused("invalid_value", nul_message())
    return ref


def register(socketio) -> None:
    socketio.on_event("mark:submit", _answering(on_submit))
    socketio.on_event("panel:join", _answering(on_panel_join))
    socketio.on_event("board:join", _answering(on_board_join))
