"""Who the caller is: session users, bearer tokens, and the accounts behind them.

Logging in (password, expert PIN, one-time QR login code) happens here, behind the rate limits
of `limits`; the views only parse the forms and start the session.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import has_request_context, session
from werkzeug.security import generate_password_hash

from ..database import write_transaction
from ..errors import DomainError, Invalid
from ..extensions import db, login_manager
from ..models import ApiToken, Competitor, Expert, LoginCode, User, people
from ..models.base import utcnow
from ..models.people import USER_ROLES, hash_token
from . import devices, limits
from .hashing import matches, off_the_loop
from .sockets import TOKEN_KEY, session_user, token_live

PIN_ROLES = frozenset({"expert", "chief"})
PIN_LENGTHS = (4, 6)
LOGIN_CODE_DAYS = 3  # how long a printed QR login code works unless the organizer says otherwise
LOGIN_CODE_MAX_DAYS = 60


class AccountError(Invalid):
    """A request about accounts that cannot be carried out (the command line's `user add`,
    `token create`); the message says why."""

    default_code = "account_refused"


class LoginFailed(DomainError):
    """Wrong login, password, PIN or code (deliberately not saying which)."""

    status = 401
    default_code = "login_failed"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    ids = session_user(user_id)
    if ids is None:
        return None
    user = db.session.get(User, ids[0])
    # A disabled account loses its open sessions too, not only the next login; so do sessions
    # opened before a password reset (the version in the cookie no longer matches).
    if user is None or not user.is_active or user.session_version != ids[1]:
        return None
    # A Socket.IO connection that came with an API token: each of its events checks the token
    # again (revoked or expired since the connection opened: auth/sockets.py).
    token_id = session.get(TOKEN_KEY) if has_request_context() else None
    if token_id is not None:
        row = db.session.get(ApiToken, token_id)
        if not _token_works(row) or row.user_id != user.id:
            return None
    return user


@login_manager.request_loader
def load_user_from_bearer(request) -> User | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    return user_for_token(header.removeprefix("Bearer ").strip())


def user_for_token(token: str) -> User | None:
    row = token_for(token)
    return row.user if row is not None else None


def token_for(token: str) -> ApiToken | None:
    """The API token row if the token works: not revoked, not expired, its account enabled."""
    if not token:
        return None
    row = db.session.execute(
        sa.select(ApiToken).where(ApiToken.token_hash == hash_token(token))
    ).scalar_one_or_none()
    return row if _token_works(row) else None


def _token_works(row: ApiToken | None) -> bool:
    return row is not None and token_live(row.revoked_at, row.expires_at) and row.user.is_active


_DUMMY_HASH: list[str] = []


def _spend_hash_time(secret: str) -> None:
    """Check against a throw-away hash so an unknown login takes as long as a wrong password."""
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(off_the_loop(generate_password_hash, secrets.token_urlsafe(16),
                                        "scrypt"))
    matches(_DUMMY_HASH[0], secret)


def _account(login: str) -> User | None:
    return db.session.execute(
        sa.select(User).where(User.login == login.strip())
    ).scalar_one_or_none()


def _checks(limits_: tuple[limits.Limit, ...], account_key: str, user: User | None,
            known: devices.Known, address: str | None) -> list[tuple[limits.Limit, str]]:
    """What an attempt on `account_key` counts against: this browser's own limits if it is
    known to the account, else the account's limits for unknown browsers and the address's."""
    nonce = known.nonce_for(limits.login_key(user.login), user.session_version) if user else None
    if nonce is not None:
        return limits.for_limits(limits_, limits.device_key(nonce, account_key), "device")
    checks = limits.for_limits(limits_, account_key)
    if address:
        checks.append((limits.ADDRESS_LIMIT, address))
    return checks


def _logged_in(user_id: int, slot: limits.Slot) -> User:
    """Record the login and give its slot back (a success is no guess); returns the account."""
    with write_transaction() as session:
        user = session.get(User, user_id)
        user.last_login_at = utcnow()
        limits.give_back(slot, session)
    return user


def login_with_password(login: str, password: str, address: str | None,
                        known: devices.Known = devices.NOBODY) -> User:
    """The account if login and password match and it is enabled; raises LoginFailed, or
    LoginRefused (without checking the password) when its limits are reached."""
    user = _account(login)
    slot = limits.take_slot(_checks(limits.PASSWORD_LIMITS, limits.login_key(login), user, known,
                              address))
    if user is None or not user.password_hash:
        _spend_hash_time(password)
        raise LoginFailed
    if not matches(user.password_hash, password) or not user.is_active:
        raise LoginFailed
    return _logged_in(user.id, slot)


# Expert PINs -----------------------------------------------------------------------------

def valid_pin(pin: str) -> bool:
    return pin.isascii() and pin.isdigit() and PIN_LENGTHS[0] <= len(pin) <= PIN_LENGTHS[1]


def set_pin(user: User, pin: str | None, pin_hash: str | None = None) -> None:
    """Set (or with None remove) an expert's PIN; the caller owns the write transaction.
    `pin_hash`: the PIN's hash made before it (`hashing.hashed`), else it is made here."""
    if pin is None:
        user.pin_hash = None
        return
    if not valid_pin(pin):
        raise AccountError("a PIN has 4 to 6 digits")
    if user.role not in PIN_ROLES:
        raise AccountError("only expert and chief expert accounts can have a PIN")
    user.pin_hash = pin_hash or people.password_hash(pin)


def find_pin_user(identifier: str, championship_id: int | None) -> User | None:
    """The expert account behind an expert code in a championship, or behind a login name."""
    identifier = identifier.strip()
    if not identifier:
        return None
    user = db.session.execute(
        sa.select(User).where(sa.func.lower(User.login) == identifier.lower())
    ).scalars().first()
    if user is not None and user.role in PIN_ROLES:
        return user
    if championship_id is None:
        return None
    return db.session.execute(
        sa.select(User).join(Expert, User.expert_id == Expert.id)
        .where(Expert.championship_id == championship_id,
               sa.func.lower(Expert.code) == identifier.lower(),
               User.role.in_(PIN_ROLES))
    ).scalars().first()


def login_with_pin(identifier: str, championship_id: int | None, pin: str,
                   address: str | None, known: devices.Known = devices.NOBODY) -> User:
    user = find_pin_user(identifier, championship_id)
    if user is not None:
        key = limits.pin_key(user.login)
    else:
        key = limits.pin_key(f"{championship_id or ''}/{identifier}")
    slot = limits.take_slot(_checks(limits.PIN_LIMITS, key, user, known, address))
    if user is None or not user.pin_hash:
        _spend_hash_time(pin)
        raise LoginFailed
    if not matches(user.pin_hash, pin) or not user.is_active:
        raise LoginFailed
    return _logged_in(user.id, slot)


# One-time QR login codes ------------------------------------------------------------------

def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def issue_login_code(session, user: User, days: int = LOGIN_CODE_DAYS,
                     code: str | None = None) -> tuple[str, datetime]:
    """A new one-time login code for `user`, valid `days`; the user's earlier unused codes are
    revoked (only the newest badge works). Runs in the caller's write transaction; returns the
    code (shown once, only its hash is kept) and when it expires."""
    code = code or secrets.token_urlsafe(24)
    return code, issue_login_codes(session, {user.id: code}, days)


def issue_login_codes(session, codes: dict[int, str], days: int = LOGIN_CODE_DAYS) -> datetime:
    """`issue_login_code` for many accounts (user id → its new code) in three statements, in
    the caller's write transaction; when the codes expire."""
    if not 1 <= days <= LOGIN_CODE_MAX_DAYS:
        raise AccountError(f"a login code is valid for 1 to {LOGIN_CODE_MAX_DAYS} days")
    now = utcnow()
    revoke_login_codes(session, list(codes), now)
    expires_at = now + timedelta(days=days)
    session.execute(sa.insert(LoginCode), [
        {"user_id": user_id, "code_hash": hash_code(code), "created_at": now,
         "expires_at": expires_at} for user_id, code in codes.items()])
    return expires_at


def revoke_login_codes(session, user: int | list[int], now: datetime | None = None) -> int:
    """Revoke the unused codes of the user (or users, by id) in the caller's write
    transaction; returns how many."""
    users = user if isinstance(user, list) else [user]
    result = session.execute(
        sa.update(LoginCode)
        .where(LoginCode.user_id.in_(users), LoginCode.used_at.is_(None),
               LoginCode.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
    )
    return result.rowcount or 0


@dataclass(frozen=True)
class CodeState:
    """What a login code is: 'valid', 'used', 'expired', 'revoked', 'disabled' or 'unknown'."""

    status: str
    user: User | None = None
    expires_at: datetime | None = None


def _code_state(row: LoginCode | None) -> CodeState:
    if row is None:
        return CodeState("unknown")
    if row.used_at is not None:
        return CodeState("used", row.user)
    if row.revoked_at is not None:
        return CodeState("revoked", row.user)
    expires_at = row.expires_at
    if expires_at <= utcnow():
        return CodeState("expired", row.user, expires_at)
    if not row.user.is_active:
        return CodeState("disabled", row.user, expires_at)
    return CodeState("valid", row.user, expires_at)


def _find_code(code: str) -> LoginCode | None:
    if not code or len(code) > 200:
        return None
    return db.session.execute(
        sa.select(LoginCode).where(LoginCode.code_hash == hash_code(code))
    ).scalar_one_or_none()


def _code_checks(address: str | None) -> list[tuple[limits.Limit, str]]:
    return [(limits.ADDRESS_LIMIT, address)] if address else []


def inspect_login_code(code: str, address: str | None) -> CodeState:
    """What a code is, without using it up. Unknown codes count as failed attempts."""
    slot = limits.take_slot(_code_checks(address))
    state = _code_state(_find_code(code))
    if state.status != "unknown":
        limits.give_back(slot)
    return state


def login_with_code(code: str, address: str | None) -> CodeState:
    """Use the code up and return its state: 'valid' (with the user, now logged in) or why not.

    The check and the use happen in one write transaction: a code works once even if two
    tablets scan it at the same moment."""
    slot = limits.take_slot(_code_checks(address))
    code_hash = hash_code(code) if code and len(code) <= 200 else None
    with write_transaction() as session:
        row = None
        if code_hash:
            row = session.execute(
                sa.select(LoginCode).where(LoginCode.code_hash == code_hash)
            ).scalar_one_or_none()
        state = _code_state(row)
        if state.status == "valid":
            now = utcnow()
            row.used_at = now
            row.user.last_login_at = now
        if state.status != "unknown":
            limits.give_back(slot, session)
    return state


# Accounts ---------------------------------------------------------------------------------

def valid_login(login: str) -> bool:
    """A login has 1 to 64 characters and no spaces."""
    return 0 < len(login) <= 64 and not any(ch.isspace() for ch in login)


def add_user(login: str, role: str, password: str | None, *, expert: Expert | None = None,
             competitor: Competitor | None = None, locale: str | None = None,
             password_hash: str | None = None) -> User:
    """Create an account; the caller owns the write transaction.

    `password=None` makes an account that cannot log in with a password (an expert who uses
    the QR code on the badge or a PIN). `password_hash`: the password's hash made before the
    transaction (`hashing.hashed`), else it is made here."""
    login = login.strip()
    if not valid_login(login):
        raise AccountError("the login must be 1-64 characters without spaces")
    if role not in USER_ROLES:
        raise AccountError(f"unknown role {role!r}; choose one of: {', '.join(USER_ROLES)}")
    if password is not None and len(password) < 8:
        raise AccountError("the password must have at least 8 characters")
    if role in ("chief", "expert") and expert is None:
        raise AccountError(f"a {role} account needs --expert CODE (the expert it belongs to)")
    if role == "competitor" and competitor is None:
        raise AccountError("a competitor account needs --competitor CODE")
    session = db.session
    if session.execute(
        sa.select(User.id).where(sa.func.lower(User.login) == login.lower())
    ).first():
        raise AccountError(f"the login {login!r} is taken")
    if expert is not None and session.execute(
        sa.select(User.login).where(User.expert_id == expert.id)
    ).first():
        raise AccountError(f"expert {expert.code} already has an account")
    user = User(login=login, role=role, expert=expert, competitor=competitor, locale=locale)
    if password is not None:
        user.password_hash = password_hash or people.password_hash(password)
    session.add(user)
    return user


def add_expert_accounts(session, accounts: list[tuple[str, str, int]]) -> dict[int, int]:
    """Accounts without a password for experts (login, role "expert" or "chief", expert id),
    as `add_user` would make them, in a few statements; expert id → the new account's id.
    AccountError when a login is taken or an expert has an account already."""
    for login, role, _expert_id in accounts:
        if role not in PIN_ROLES or not valid_login(login):
            raise AccountError(f"no expert account can have the login {login!r} and role "
                               f"{role!r}")
    experts = [expert_id for _login, _role, expert_id in accounts]
    taken = session.execute(sa.select(User.login).where(sa.or_(
        sa.func.lower(User.login).in_([login.lower() for login, _r, _e in accounts]),
        User.expert_id.in_(experts)))).scalars().first()
    if taken is not None:
        raise AccountError(f"the login {taken!r} is taken, or its expert has an account")
    session.execute(sa.insert(User), [{"login": login, "role": role, "expert_id": expert_id}
                                      for login, role, expert_id in accounts])
    return dict(session.execute(sa.select(User.expert_id, User.id).where(
        User.expert_id.in_(experts))).all())


def create_token(login: str, label: str = "") -> str:
    """Issue a bearer token for an account; returns the token (only its hash is kept)."""
    with write_transaction() as session:
        user = session.execute(sa.select(User).where(User.login == login)).scalar_one_or_none()
        if user is None:
            raise AccountError(f"no account with the login {login!r}")
        if not user.is_active:
            raise AccountError(f"the account {login!r} is disabled")
        token = ApiToken.generate()
        session.add(ApiToken(user=user, token_hash=hash_token(token), label=label))
    return token
