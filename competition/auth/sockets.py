"""Open Socket.IO connections end with what let them in (docs/security.md, "Sessions").

A connection of a logged-in user joins rooms named after what authenticated it
(competition/events.py): its account, and either the login (browser session) or the API token
it came with. Logging out closes the login's room; disabling the account or setting a new
password or PIN closes the account's room; revoking a token closes the token's room. The client
managers of competition/fanout.py disconnect the members of an "ends:" room when it is closed,
and Socket.IO sends a room's closing through the message queue: every server process
disconnects its own members.

A closing that never arrives (a process restarting meanwhile) still cannot keep a connection
working: every event loads its user again (auth.service.load_user), which refuses a disabled
account, an old session version and a revoked or expired token.
"""

from __future__ import annotations

import secrets

from flask import session

from ..fanout import ENDS  # closing such a room disconnects its members

LOGIN_KEY = "login_id"  # session: a random id of this login, made when it starts
TOKEN_KEY = "api_token_id"  # noqa: S105  (a session key: the token row a connection came with)


def user_room(user_id: int) -> str:
    return f"{ENDS}user:{user_id}"


def login_room(login_id: str) -> str:
    return f"{ENDS}login:{login_id}"


def token_room(token_id: int) -> str:
    return f"{ENDS}token:{token_id}"


def new_login_id() -> str:
    return secrets.token_urlsafe(16)


def join(user, token_id: int | None = None) -> None:
    """Join the rooms of what authenticated this connection (in its connect handler)."""
    from flask_socketio import join_room

    join_room(user_room(user.id))
    if token_id is not None:
        join_room(token_room(token_id))
    elif session.get(LOGIN_KEY):
        join_room(login_room(session[LOGIN_KEY]))


def end(room: str) -> None:
    """Disconnect every connection in `room`, in every server process."""
    from ..extensions import socketio

    if socketio.server is not None:
        socketio.close_room(room, namespace="/")


def remembered(_app, user=None, **_extra) -> None:
    """A session restored from the remember-me cookie is a login of its own."""
    session.setdefault(LOGIN_KEY, new_login_id())


def _listen() -> None:
    from flask_login import user_loaded_from_cookie

    user_loaded_from_cookie.connect(remembered)


_listen()
