"""Who is marking: the account behind a submission, checked before what it says.

A logged-in user (the HTTP API) is an account already. A Socket.IO event carries only its
connection's `Caller` (competition/auth/sockets.py): its account is read and checked inside the
mark's own write transaction. When the request names a skill this process knows, that read is,
on PostgreSQL, the same statement that moves the skill's version (record_mark's first write):
one round trip for both.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from ..auth.access import role_of
from ..auth.sockets import (
    ACCOUNT,
    Account,
    Caller,
    account_params,
    checked_account,
    marking_account,
)
from ..errors import Refused
from ..models import Skill
from ..statements import Prepared
from .context import MarkRequest, known_skill_id, parse_request

MARKING_ROLES = frozenset({"expert", "chief"})  # accounts that may hold an expert's pen

# The skill's version moves with every mark, and moving it first takes the skill's row lock (on
# PostgreSQL; SQLite's writer holds the database): one statement for the lock and both versions.
NEXT_VERSION = Prepared(
    sa.update(Skill).where(Skill.id == sa.bindparam("skill"))
    .values(version=Skill.version + 1).returning(Skill.version, Skill.scheme_version)
)
# The same, returning the caller's account as ACCOUNT reads it (no row: no such account). On
# PostgreSQL only: SQLite's RETURNING names only the table it updates (and its statements cost
# no round trip).
_ACCOUNT_NOW = ACCOUNT.add_columns(
    sa.bindparam("skill", type_=sa.Integer).label("skill_id")).subquery("account")
_NEXT_VERSION_AND_ACCOUNT = Prepared(
    sa.update(Skill).where(Skill.id == _ACCOUNT_NOW.c.skill_id)
    .values(version=Skill.version + 1)
    .returning(Skill.version, Skill.scheme_version, *_ACCOUNT_NOW.c)
)


def user_account(user) -> Account:
    if role_of(user) == "anonymous":
        raise Refused("unauthenticated", _("Log in to enter marks."))
    return _marking(Account(user.id, user.login, user.role, user.expert_id))


def caller_first(connection, caller: Caller, data, device: str
                 ) -> tuple[Account, MarkRequest, tuple[int, tuple] | None]:
    """(account, request, moved): the caller's account checked, then the request parsed (a
    refused caller hears "unauthenticated" whatever it sent). `moved`: (skill id, its new
    versions) when the account was read by the statement that moved the skill's version;
    None when the caller is still to move it."""
    try:
        request = parse_request(data, device)
    except Refused:
        request = None  # said after the account is checked
    skill_id = None if request is None else known_skill_id(request)
    if skill_id is not None and connection.dialect.name == "postgresql":
        row = _NEXT_VERSION_AND_ACCOUNT.first(
            connection, {"skill": skill_id, **account_params(caller)})
        if row is not None:
            return _checked(checked_account(caller, row)), request, (skill_id, row)
    account = _checked(marking_account(connection, caller))
    return account, request or parse_request(data, device), None


def _checked(account: Account | None) -> Account:
    if account is None:
        raise Refused("unauthenticated", _("Log in to enter marks."))
    return _marking(account)


def _marking(account: Account) -> Account:
    if account.role not in MARKING_ROLES or account.expert_id is None:
        raise Refused("forbidden", _("Only expert accounts enter marks."))
    return account
