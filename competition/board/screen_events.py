"""Socket.IO handlers of the hall's screens (as thin as views).

`screen:join {screen: KEY}` joins the screen's room and answers `{ok, state}`: what the screen
shows now. Later changes arrive as `screen:show STATE` in that room. A screen that reconnects
(the server restarted, the Wi-Fi came back) joins again and shows the state of the answer.
Anyone may join: a screen shows only what the public may see.
"""

from __future__ import annotations

import logging

from flask_babel import gettext as _
from flask_socketio import join_room

from ..extensions import db
from ..security import holds_nul
from .screens.state import find_screen, screen_room, screen_state

log = logging.getLogger(__name__)


def on_join(data=None) -> dict:
    try:
        key = data.get("screen") if isinstance(data, dict) else None
        screen = None if holds_nul(key) else find_screen(key)
        if screen is None:
            return {"ok": False, "error": "unknown_screen",
                    "message": _("There is no such screen: ask the organizers for its address.")}
        # Join first: a change made meanwhile is then in the answer, in an event, or in both
        # (the state's version tells the screen which is newer).
        join_room(screen_room(screen.id))
        return {"ok": True, "state": screen_state(screen)}
    except Exception:
        log.exception("screen:join failed")
        db.session.rollback()
        return {"ok": False, "error": "server_error",
                "message": _("The server could not answer just now; the screen tries again.")}


def register(socketio) -> None:
    socketio.on_event("screen:join", on_join)
