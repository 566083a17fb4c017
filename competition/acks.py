"""What every Socket.IO handler shares: an acknowledgement whatever happens, and the skill an
event names, read safely."""

from __future__ import annotations

import functools
import logging

from flask_babel import gettext as _

from .errors import Refused
from .extensions import db
from .security import holds_nul, nul_message

log = logging.getLogger(__name__)


def answering(handler):
    """An unexpected failure still gets an acknowledgement (and the log its traceback): a
    tablet waiting for an ack that never comes would resend for ever."""

    @functools.wraps(handler)
    def answered(data=None):
        try:
            return handler(data)
        except Exception:
            db.session.rollback()
            if not _still_connected():
                # The tab closed while its handler ran (joining a room then fails): nobody is
                # left to answer, and nothing went wrong on the server.
                log.info("Socket.IO handler %s: the client left before it finished",
                         handler.__name__)
                return {"ok": False, "error": "disconnected"}
            log.exception("Socket.IO handler %s failed", handler.__name__)
            return {"ok": False, "error": "server_error",
                    "message": _("The server could not take this just now; it is kept on "
                                 "the tablet and sent again.")}

    return answered


def _still_connected() -> bool:
    from flask import request

    from .extensions import socketio

    sid = getattr(request, "sid", None)
    namespace = getattr(request, "namespace", "/") or "/"
    try:
        return sid is None or socketio.server.manager.is_connected(sid, namespace)
    except Exception:  # noqa: BLE001  (a manager that cannot tell: report the failure)
        return True


def skill_of(data) -> str | None:
    """The `skill` an event names; Refused before a NUL reaches a query (PostgreSQL refuses
    NUL in text)."""
    ref = data.get("skill") if isinstance(data, dict) else None
    if holds_nul(ref):
        raise Refused("invalid_value", nul_message())
    return ref
