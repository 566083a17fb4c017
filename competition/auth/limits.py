"""Login rate limits: failed attempts are counted per login name and per address.

A password, a PIN or a QR login code that fails leaves a LoginAttempt row. Before checking the
next secret we count the rows of the window: past the limit the attempt is refused without
looking at the secret at all, so guessing during a lock-out learns nothing. A successful login
clears the failures of its login name (the address history stays: one address guessing many
accounts is still stopped).

PINs are short (4–6 digits), so they have a second, daily limit as well.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from ..database import write_transaction
from ..extensions import db
from ..models import LoginAttempt
from ..models.base import utcnow


@dataclass(frozen=True)
class Limit:
    kind: str  # 'login' | 'address' (the LoginAttempt kind)
    attempts: int  # failures allowed within the window
    window: timedelta


PASSWORD_LIMITS = (Limit("login", 5, timedelta(minutes=15)),)
PIN_LIMITS = (Limit("login", 5, timedelta(minutes=15)), Limit("login", 10, timedelta(hours=24)))
ADDRESS_LIMIT = Limit("address", 30, timedelta(minutes=15))
# Rows older than this are of no use to any limit and are deleted as new failures come in.
KEEP = timedelta(hours=24)


@dataclass(frozen=True)
class Refusal:
    """Attempts are refused until `until`."""

    until: datetime

    @property
    def minutes(self) -> int:
        return max(1, math.ceil((self.until - utcnow()).total_seconds() / 60))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def login_key(login: str) -> str:
    return login.strip().lower()[:100]


def pin_key(login: str) -> str:
    return ("pin:" + login_key(login))[:100]


def _refused_until(limit: Limit, key: str, now: datetime) -> datetime | None:
    times = db.session.execute(
        sa.select(LoginAttempt.at)
        .where(LoginAttempt.kind == limit.kind, LoginAttempt.key == key,
               LoginAttempt.at > now - limit.window)
        .order_by(LoginAttempt.at.desc())
        .limit(limit.attempts)
    ).scalars().all()
    if len(times) < limit.attempts:
        return None
    # The oldest of the last `attempts` failures must leave the window before the next try.
    return _aware(times[-1]) + limit.window


def check(checks: list[tuple[Limit, str]]) -> Refusal | None:
    """None if an attempt may be made now; otherwise until when attempts are refused."""
    now = utcnow()
    moments = [m for limit, key in checks if (m := _refused_until(limit, key, now))]
    return Refusal(max(moments)) if moments else None


def record_failure(login_keys: list[str], address: str | None) -> None:
    """Count a failed attempt against its login keys and its address (own write transaction)."""
    now = utcnow()
    with write_transaction() as session:
        for key in login_keys:
            session.add(LoginAttempt(kind="login", key=key[:100], at=now))
        if address:
            session.add(LoginAttempt(kind="address", key=address[:100], at=now))
        session.execute(sa.delete(LoginAttempt).where(LoginAttempt.at < now - KEEP))


def clear_failures(session, login_keys: list[str]) -> None:
    """Forget a login's failures (after a success, or when an organizer sets a new secret);
    runs inside the caller's write transaction."""
    if login_keys:
        session.execute(sa.delete(LoginAttempt).where(
            LoginAttempt.kind == "login", LoginAttempt.key.in_([k[:100] for k in login_keys])))
