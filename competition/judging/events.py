"""Socket.IO handlers of judging (docs/api.md, "Judging"): as thin as views.

`mark:submit` answers in its acknowledgement; the mark's signal, sent after the commit, is queued
by the live standings, whose broadcaster yields before it fans out: the judge's ack never waits
for the boards.
"""

from __future__ import annotations

import logging

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import join_room

from ..acks import answering, skill_of
from ..auth.access import role_of
from ..auth.sockets import caller
from ..errors import Refused
from ..extensions import db
from ..marks import visible_since
from ..rooms import panel_blind_room, panel_full_room, panel_judge_room, panel_room
from . import queries, service

log = logging.getLogger(__name__)


def _device() -> str:
    return request.headers.get("User-Agent", "")[:200]


def on_submit(data) -> dict:
    # The connection's caller, checked inside the mark's own transaction, rather than
    # current_user: loading the account as an object took two queries and a transaction of
    # its own per mark (auth/sockets.py).
    try:
        recorded = service.record_mark(caller() or current_user, data, device=_device())
    except Refused as refusal:
        db.session.rollback()
        return refusal.answer()
    return recorded.answer()


def on_panel_join(data) -> dict:
    """Join a skill's panel room: its marks, progress, disputes and locks now."""
    from . import overview, signoff

    if role_of(current_user) == "anonymous":
        return Refused("unauthenticated", _("Log in to enter marks.")).answer()
    try:
        skill, role = queries.readable_skill(current_user, skill_of(data))
    except Refused as refusal:
        return refusal.answer()
    # Join first: a mark written meanwhile is then in the answer, in an event, or in both.
    # Blind judgement: J scores are sent to the room of what this viewer may see (rooms.py).
    viewer = queries.viewer_of(current_user, role)
    join_room(panel_room(skill.id))
    join_room(panel_full_room(skill.id) if viewer.full else panel_blind_room(skill.id))
    if viewer.expert is not None:
        join_room(panel_judge_room(skill.id, viewer.expert))
    marks = visible_since(skill, None, viewer)
    states = signoff.lock_states(skill)
    subs = {sub.id: sub.code for criterion in skill.criteria for sub in criterion.sub_criteria}
    return {
        "ok": True, "skill": marks["skill"], "version": marks["version"],
        "expert": role.expert.code if role else None, "role": role.role if role else None,
        "marks": marks["marks"],
        "progress": overview.progress(skill),
        "disputes": overview.disputes(skill),
        "locks": {subs[sub_id]: entry is not None and entry.action == "lock"
                  for sub_id, entry in states.items() if sub_id in subs},
    }


def register(socketio) -> None:
    socketio.on_event("mark:submit", answering(on_submit))
    socketio.on_event("panel:join", answering(on_panel_join))
