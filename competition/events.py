"""Socket.IO event handlers of every feature, registered on the app's server in create_app.

Handlers are as thin as views. A connection is authenticated by the session cookie of a
logged-in user or by an API token (`io({auth: {token}})`); connections without either are
accepted as anonymous (public boards). Each event checks who may use it.
"""

from __future__ import annotations

from flask_socketio import ConnectionRefusedError


def on_connect(auth=None) -> None:
    from flask import session
    from flask_login import current_user, login_user

    from .auth import sockets
    from .auth.service import token_for

    token = auth.get("token") if isinstance(auth, dict) else None
    if not token:
        if current_user.is_authenticated:  # the session cookie's user (else anonymous)
            sockets.join(current_user)
        return
    row = token_for(str(token))
    if row is None:
        raise ConnectionRefusedError("unauthenticated")
    # Kept in this connection's own copy of the session: later events see the token's user,
    # and load_user checks the token again on each of them.
    session.clear()
    session[sockets.TOKEN_KEY] = row.id
    login_user(row.user)
    sockets.join(row.user, token_id=row.id)


def register(socketio) -> None:
    from . import progress
    from .board import events as board
    from .board import screen_events
    from .judging import events as judging

    socketio.on_event("connect", on_connect)
    progress.register(socketio)
    judging.register(socketio)
    board.register(socketio)
    screen_events.register(socketio)
