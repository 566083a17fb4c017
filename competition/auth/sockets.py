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
account, an old session version and a revoked or expired token. The live path's `mark:submit`
does the same check without loading the account as an object: `caller()` takes the ids the
connection's session holds, and the mark's own write transaction reads the account with them
in one statement (`marking_account`, or with the skill's version: judging/callers.py), and
`checked_account` decides.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import session
from flask.sessions import SecureCookieSessionInterface

from ..fanout import ENDS  # closing such a room disconnects its members
from ..models import ApiToken, User
from ..models.base import utcnow
from ..statements import Prepared

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


class EventSessions(SecureCookieSessionInterface):
    """The cookie session, but not opened again for each Socket.IO event.

    Flask-SocketIO pushes a request context per event, then replaces its session with the
    connection's own (kept in the connection's environ as "saved_session", made from the cookie's
    at connect). Opening the cookie's at each push (its signature checked) was thrown away."""

    def open_session(self, app, request):
        if "saved_session" in request.environ:
            return self.session_class()
        return super().open_session(app, request)


def remembered(_app, user=None, **_extra) -> None:
    """A session restored from the remember-me cookie is a login of its own."""
    session.setdefault(LOGIN_KEY, new_login_id())


def _listen() -> None:
    from flask_login import user_loaded_from_cookie

    user_loaded_from_cookie.connect(remembered)


_listen()


# --- who sent an event, checked inside the transaction that acts on it ----------------------------

USER_KEY = "_user_id"  # Flask-Login's session key: "<account id>.<session version>"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sent a Socket.IO event, as its connection's session says (not yet checked)."""

    user_id: int
    version: int
    token_id: int | None


@dataclass(frozen=True, slots=True)
class Account:
    """The caller's account as it stands, read and checked by `marking_account`."""

    id: int
    login: str
    role: str
    expert_id: int | None


def session_user(user_id) -> tuple[int, int] | None:
    """(account id, session version) of Flask-Login's "<id>.<version>"; None if malformed."""
    number, _, version = str(user_id or "").partition(".")
    if not number.isdigit() or not version.isdigit():
        return None
    return int(number), int(version)


def caller() -> Caller | None:
    """The connection's caller from its session (in a Socket.IO handler); None if anonymous."""
    ids = session_user(session.get(USER_KEY))
    if ids is None:
        return None
    token_id = session.get(TOKEN_KEY)
    return Caller(*ids, token_id if isinstance(token_id, int) else None)


_users = User.__table__
_tokens = ApiToken.__table__
# The account and its token as `checked_account` reads them; the bound values: user, token.
ACCOUNT = (
    sa.select(_users.c.login, _users.c.role, _users.c.expert_id, _users.c.is_enabled,
              _users.c.session_version, _tokens.c.id.label("token_id"), _tokens.c.revoked_at,
              _tokens.c.expires_at)
    .select_from(_users.outerjoin(_tokens, sa.and_(_tokens.c.id == sa.bindparam("token"),
                                                   _tokens.c.user_id == _users.c.id)))
    .where(_users.c.id == sa.bindparam("user"))
)


def token_live(revoked_at: datetime | None, expires_at: datetime | None) -> bool:
    return revoked_at is None and (expires_at is None or expires_at > utcnow())


_READ_ACCOUNT = Prepared(ACCOUNT)


def marking_account(connection, who: Caller) -> Account | None:
    """The caller's account if it may still act, as load_user decides (enabled, the session's
    version, its token neither revoked nor expired), read in one statement on `connection`."""
    return checked_account(who, _READ_ACCOUNT.first(connection, account_params(who)))


def account_params(who: Caller) -> dict:
    return {"user": who.user_id, "token": who.token_id}


def checked_account(who: Caller, row) -> Account | None:
    """`who`'s account from its row of ACCOUNT (None: no such account) if it may still act."""
    if row is None:
        return None
    if not row.is_enabled or row.session_version != who.version:
        return None
    if who.token_id is not None and (row.token_id is None
                                     or not token_live(row.revoked_at, row.expires_at)):
        return None
    return Account(who.user_id, row.login, row.role, row.expert_id)
