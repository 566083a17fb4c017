"""Who the caller is: session users, bearer tokens, and the accounts behind them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..database import write_transaction
from ..extensions import db, login_manager
from ..models import ApiToken, Competitor, Expert, User
from ..models.base import utcnow
from ..models.people import USER_ROLES, hash_token


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message says why."""


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    return db.session.get(User, int(user_id))


@login_manager.request_loader
def load_user_from_bearer(request) -> User | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    return user_for_token(header.removeprefix("Bearer ").strip())


def user_for_token(token: str) -> User | None:
    if not token:
        return None
    row = db.session.execute(
        sa.select(ApiToken).where(ApiToken.token_hash == hash_token(token))
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and _aware(row.expires_at) <= utcnow():
        return None
    return row.user if row.user.is_active else None


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes for timezone-aware columns; they are stored in UTC.
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def authenticate(login: str, password: str) -> User | None:
    user = db.session.execute(
        sa.select(User).where(User.login == login.strip())
    ).scalar_one_or_none()
    if user is None or not user.is_active or not user.check_password(password):
        return None
    return user


def add_user(login: str, role: str, password: str, *, expert: Expert | None = None,
             competitor: Competitor | None = None, locale: str | None = None) -> User:
    """Create an account; the caller owns the write transaction."""
    login = login.strip()
    if not login or len(login) > 64 or any(ch.isspace() for ch in login):
        raise AccountError("the login must be 1-64 characters without spaces")
    if role not in USER_ROLES:
        raise AccountError(f"unknown role {role!r}; choose one of: {', '.join(USER_ROLES)}")
    if len(password) < 8:
        raise AccountError("the password must have at least 8 characters")
    if role in ("chief", "expert") and expert is None:
        raise AccountError(f"a {role} account needs --expert CODE (the expert it belongs to)")
    if role == "competitor" and competitor is None:
        raise AccountError("a competitor account needs --competitor CODE")
    session = db.session
    if session.execute(sa.select(User.id).where(User.login == login)).first():
        raise AccountError(f"the login {login!r} is taken")
    if expert is not None and session.execute(
        sa.select(User.login).where(User.expert_id == expert.id)
    ).first():
        raise AccountError(f"expert {expert.code} already has an account")
    user = User(login=login, role=role, expert=expert, competitor=competitor, locale=locale)
    user.set_password(password)
    session.add(user)
    return user


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
