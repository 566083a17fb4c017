"""Account management: list, create, change, passwords, PINs, login codes, tokens.

Every change is one write transaction with its audit entry. Secrets (passwords, PINs, codes,
tokens) never reach the audit log. Rules of who may change what live here:
- only an administrator creates or changes administrator and organizer accounts (Forbidden);
- nobody disables their own account or changes their own role (no locking oneself out).

A change that cannot be made raises a `competition.errors` error whose message (translated)
says why and what to do, and whose `field` names the form field when one is at fault: Invalid
for what was typed or chosen, Conflict for what the state of things forbids (a login taken, a
disabled account), NotFound for an account, expert, competitor or token that is not there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from ...audit import diff, record
from ...auth import limits, sockets
from ...auth import service as auth
from ...auth.hashing import hashed
from ...database import write_transaction
from ...errors import Conflict, Forbidden, Invalid, NotFound
from ...extensions import db
from ...models import (
    ApiToken,
    Championship,
    Competitor,
    Expert,
    ExpertRole,
    LoginCode,
    Skill,
    User,
)
from ...models.base import utcnow
from ...models.people import USER_ROLES

ADMIN_ONLY_ROLES = frozenset({"admin", "organizer"})
PASSWORD_MIN = 8


def _require_may_manage(actor, *roles: str | None) -> None:
    if actor.role != "admin" and any(role in ADMIN_ONLY_ROLES for role in roles):
        raise Forbidden(_("Only an administrator can create or change administrator and "
                          "organizer accounts."))


def may_manage(actor, role: str) -> bool:
    return actor.role == "admin" or role not in ADMIN_ONLY_ROLES


def manageable_roles(actor) -> list[str]:
    return [role for role in USER_ROLES if may_manage(actor, role)]


def championship_of(user: User) -> int | None:
    if user.expert is not None:
        return user.expert.championship_id
    if user.competitor is not None:
        return user.competitor.skill.championship_id
    return None


# Reading ----------------------------------------------------------------------------------

@dataclass
class AccountFilter:
    role: str = ""
    championship_id: int = 0
    skill_id: int = 0
    status: str = ""  # "", "enabled", "disabled"
    search: str = ""


def _filtered(query, flt: AccountFilter):
    query = (query.outerjoin(Expert, User.expert_id == Expert.id)
             .outerjoin(Competitor, User.competitor_id == Competitor.id)
             .outerjoin(Skill, Competitor.skill_id == Skill.id))
    if flt.role in USER_ROLES:
        query = query.where(User.role == flt.role)
    if flt.championship_id:
        query = query.where(sa.or_(Expert.championship_id == flt.championship_id,
                                   Skill.championship_id == flt.championship_id))
    if flt.skill_id:
        experts_of_skill = sa.select(ExpertRole.expert_id).where(
            ExpertRole.skill_id == flt.skill_id)
        query = query.where(sa.or_(Competitor.skill_id == flt.skill_id,
                                   Expert.id.in_(experts_of_skill)))
    if flt.status == "enabled":
        query = query.where(User.is_enabled.is_(True))
    elif flt.status == "disabled":
        query = query.where(User.is_enabled.is_(False))
    if flt.search.strip():
        like = f"%{flt.search.strip().lower()}%"
        columns = (User.login, Expert.code, Expert.name_ru, Expert.name_kk, Expert.name_en,
                   Competitor.code, Competitor.name_ru, Competitor.name_kk, Competitor.name_en)
        query = query.where(sa.or_(*(sa.func.lower(c).like(like) for c in columns)))
    return query


def list_accounts(flt: AccountFilter, page: int = 1, per_page: int = 50):
    """A page of accounts (db.paginate) and, per account on it, its valid login code's expiry."""
    query = _filtered(sa.select(User), flt).order_by(User.role, User.login)
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    ids = [user.id for user in pagination.items]
    return pagination, valid_codes(ids)


def valid_codes(user_ids: list[int]) -> dict[int, datetime]:
    """user id -> expiry of the user's usable login code (there is at most one)."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        sa.select(LoginCode.user_id, sa.func.max(LoginCode.expires_at))
        .where(LoginCode.user_id.in_(user_ids), LoginCode.used_at.is_(None),
               LoginCode.revoked_at.is_(None), LoginCode.expires_at > utcnow())
        .group_by(LoginCode.user_id)
    ).all()
    return dict(rows)


def get_account(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def tokens_of(user_id: int) -> list[ApiToken]:
    return db.session.execute(
        sa.select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.created_at.desc())
    ).scalars().all()


def expert_choices() -> dict[str, list[tuple[int, str]]]:
    """Experts grouped by championship, for a select."""
    rows = db.session.execute(
        sa.select(Expert, Championship).join(Championship)
        .order_by(Championship.code, Expert.code)
    ).all()
    groups: dict[str, list[tuple[int, str]]] = {}
    for expert, championship in rows:
        groups.setdefault(championship.name(), []).append(
            (expert.id, f"{expert.code} · {expert.name()}"))
    return groups


def competitor_choices() -> dict[str, list[tuple[int, str]]]:
    rows = db.session.execute(
        sa.select(Competitor, Skill, Championship).join(Skill, Competitor.skill_id == Skill.id)
        .join(Championship).order_by(Championship.code, Skill.position, Competitor.code)
    ).all()
    groups: dict[str, list[tuple[int, str]]] = {}
    for competitor, skill, championship in rows:
        groups.setdefault(f"{championship.code} · {skill.code} {skill.name()}", []).append(
            (competitor.id, f"{competitor.code} · {competitor.name()}"))
    return groups


# Changing ---------------------------------------------------------------------------------

@dataclass
class AccountInput:
    role: str
    expert_id: int | None = None
    competitor_id: int | None = None
    locale: str | None = None
    login: str = ""
    password: str | None = None


def _links(session, data: AccountInput) -> tuple[Expert | None, Competitor | None]:
    """The expert or competitor the account belongs to, checked against its role."""
    if data.role not in USER_ROLES:
        raise Invalid(_("Choose a role."), field="role")
    expert = competitor = None
    if data.role in auth.PIN_ROLES:
        if not data.expert_id:
            raise Invalid(_("An expert or chief expert account belongs to an expert: "
                            "choose the expert."), field="expert_id")
        expert = session.get(Expert, data.expert_id)
        if expert is None:
            raise NotFound(_("This expert no longer exists; reload the page."),
                           field="expert_id")
    elif data.role == "competitor":
        if not data.competitor_id:
            raise Invalid(_("A competitor account belongs to a competitor: choose the "
                            "competitor."), field="competitor_id")
        competitor = session.get(Competitor, data.competitor_id)
        if competitor is None:
            raise NotFound(_("This competitor no longer exists; reload the page."),
                           field="competitor_id")
    return expert, competitor


def _check_expert_free(session, expert: Expert | None, user_id: int | None) -> None:
    if expert is None:
        return
    owner = session.execute(
        sa.select(User.login).where(User.expert_id == expert.id, User.id != (user_id or 0))
    ).scalar_one_or_none()
    if owner is not None:
        raise Conflict(_("Expert %(code)s already has the account %(login)s.",
                         code=expert.code, login=owner),
                       field="expert_id", code="expert_has_account")


def _check_password(password: str | None, role: str) -> None:
    if password:
        if len(password) < PASSWORD_MIN:
            raise Invalid(_("A password needs at least %(n)s characters.", n=PASSWORD_MIN),
                          field="password")
    elif role not in auth.PIN_ROLES:
        raise Invalid(_("Set a password: only expert accounts can do without one "
                        "(they log in with the badge or a PIN)."), field="password")


def create_account(actor, data: AccountInput) -> int:
    _require_may_manage(actor, data.role)
    login = data.login.strip()
    if not auth.valid_login(login):
        raise Invalid(_("A login has 1 to 64 characters and no spaces."), field="login")
    # hashed before the write lock is taken, and off the loop (auth/hashing.py)
    password_hash = hashed(data.password) if data.password and \
        len(data.password) >= PASSWORD_MIN else None
    with write_transaction() as session:
        if session.execute(
            sa.select(User.id).where(sa.func.lower(User.login) == login.lower())
        ).first():
            raise Conflict(_("The login %(login)s is taken; choose another.", login=login),
                           field="login", code="login_taken")
        _check_password(data.password, data.role)
        expert, competitor = _links(session, data)
        _check_expert_free(session, expert, None)
        try:
            user = auth.add_user(login, data.role, data.password or None, expert=expert,
                                 competitor=competitor, locale=data.locale or None,
                                 password_hash=password_hash)
        except auth.AccountError as error:  # a rule the checks above should have caught
            raise Invalid(str(error)) from None
        session.flush()
        record("create", "user", user.id, f"account {login} ({data.role})",
               {"login": [None, login], "role": [None, data.role]}, championship_of(user))
        return user.id


def _target(session, actor, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    _require_may_manage(actor, user.role)
    return user


def update_account(actor, user_id: int, data: AccountInput) -> None:
    _require_may_manage(actor, data.role)
    with write_transaction() as session:
        user = _target(session, actor, user_id)
        if user.id == actor.id and data.role != user.role:
            raise Invalid(_("You cannot change the role of your own account; ask another "
                            "administrator."), field="role", code="own_account")
        expert, competitor = _links(session, data)
        _check_expert_free(session, expert, user.id)
        if data.role not in auth.PIN_ROLES:
            if not user.password_hash:
                raise Conflict(_("This account has no password yet: set one first, then "
                                 "change the role."), field="role", code="no_password")
            user.pin_hash = None  # a PIN is only for experts
        changes = diff(user, ["role", "expert_id", "competitor_id", "locale"], {
            "role": data.role,
            "expert_id": expert.id if expert else None,
            "competitor_id": competitor.id if competitor else None,
            "locale": data.locale or None,
        })
        if changes:
            record("update", "user", user.id, f"account {user.login}", changes,
                   championship_of(user))


def reset_password(actor, user_id: int, password: str) -> None:
    if len(password) < PASSWORD_MIN:
        raise Invalid(_("A password needs at least %(n)s characters.", n=PASSWORD_MIN),
                      field="password")
    password_hash = hashed(password)  # before the write lock, off the loop (auth/hashing.py)
    with write_transaction() as session:
        user = _target(session, actor, user_id)
        user.password_hash = password_hash
        user.session_version += 1  # whoever knew the old password is logged out
        limits.clear_failures(session, [limits.login_key(user.login)])
        record("password", "user", user.id, f"new password for {user.login}", {},
               championship_of(user))
    sockets.end(sockets.user_room(user_id))  # and their open connections end


def change_pin(actor, user_id: int, pin: str | None) -> None:
    if pin is not None and not auth.valid_pin(pin):
        raise Invalid(_("A PIN has 4 to 6 digits."), field="pin")
    pin_hash = hashed(pin) if pin is not None else None  # before the write lock
    with write_transaction() as session:
        user = _target(session, actor, user_id)
        if user.role not in auth.PIN_ROLES:
            raise Conflict(_("Only expert and chief expert accounts can have a PIN."))
        auth.set_pin(user, pin, pin_hash)
        # A new PIN is what an organizer gives for a lost tablet: the sessions of the old one
        # (its 7-day remember cookie too) end, as with a new password.
        user.session_version += 1
        limits.clear_failures(session, [limits.pin_key(user.login)])
        record("pin", "user", user.id,
               f"{'new PIN' if pin else 'PIN removed'} for {user.login}", {},
               championship_of(user))
    sockets.end(sockets.user_room(user_id))  # and their open connections end


def set_enabled(actor, user_id: int, enabled: bool) -> None:
    with write_transaction() as session:
        user = _target(session, actor, user_id)
        if user.id == actor.id and not enabled:
            raise Invalid(_("You cannot disable your own account."), code="own_account")
        changes = diff(user, ["is_enabled"], {"is_enabled": enabled})
        if not enabled:
            auth.revoke_login_codes(session, user.id)
        if changes:
            record("enable" if enabled else "disable", "user", user.id,
                   f"account {user.login} {'enabled' if enabled else 'disabled'}", changes,
                   championship_of(user))
    if not enabled:  # its open connections end, in every server process
        sockets.end(sockets.user_room(user_id))


def issue_code(actor, user_id: int, days: int) -> tuple[str, datetime]:
    with write_transaction() as session:
        user = _target(session, actor, user_id)
        if not user.is_enabled:
            raise Conflict(_("The account is disabled: enable it before issuing a login "
                             "code."), code="account_disabled")
        try:
            code, expires_at = auth.issue_login_code(session, user, days)
        except auth.AccountError:
            raise Invalid(_("A login code is valid for 1 to %(n)s days.",
                            n=auth.LOGIN_CODE_MAX_DAYS), field="days") from None
        record("login-code", "user", user.id, f"login code for {user.login}",
               {"expires_at": [None, expires_at.isoformat()]}, championship_of(user))
    return code, expires_at


def revoke_codes(actor, user_id: int) -> int:
    with write_transaction() as session:
        user = _target(session, actor, user_id)
        count = auth.revoke_login_codes(session, user.id)
        if count:
            record("revoke-codes", "user", user.id, f"login codes of {user.login} revoked",
                   {"revoked": count}, championship_of(user))
    return count


def revoke_token(actor, user_id: int, token_id: int) -> None:
    with write_transaction() as session:
        user = _target(session, actor, user_id)
        token = session.get(ApiToken, token_id)
        if token is None or token.user_id != user.id:
            raise NotFound()
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            record("revoke-token", "user", user.id,
                   f"API token {token.label or token.id} of {user.login} revoked",
                   {"token": token.id}, championship_of(user))
    sockets.end(sockets.token_room(token_id))  # the connections it opened end
