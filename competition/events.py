"""Socket.IO event handlers of every feature, registered on the app's server in create_app.

Handlers are as thin as views. A connection is authenticated by the session cookie of a
logged-in user or by an API token (`io({auth: {token}})`); connections without either are
accepted as anonymous (public boards). Each event checks who may use it.
"""

from __future__ import annotations

from flask_socketio import ConnectionRefusedError


def on_connect(auth=None) -> None:
    from flask_login import login_user

    from .auth.service import user_for_token

    token = auth.get("token") if isinstance(auth, dict) else None
    if not token:
        return  # the session cookie's user, or anonymous
    user = user_for_token(str(token))
    if user is None:
        raise ConnectionRefusedError("unauthenticated")
    # Kept in this connection's own copy of the session: later events see the token's user.
    login_user(user)


def register(socketio) -> None:
    from . import progress
    from .board import screen_events
    from .judging import events as judging

    socketio.on_event("connect", on_connect)
    progress.register(socketio)
    judging.register(socketio)
    screen_events.register(socketio)
