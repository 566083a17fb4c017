"""Login rate limits that hold under bursts: an attempt is counted before its secret is checked.

Every password, PIN or badge-code attempt first takes a *slot*: in one write transaction the
attempts of the window are counted and, below the limit, a LoginAttempt row is written for the
attempt. Only then is the secret checked (the slow hash runs outside the transaction). A failed
attempt keeps its row; a successful one gives its own row back. So however many requests arrive
at once, at most `attempts` wrong secrets are ever checked per window: the others find the slots
taken and are refused (429) without their secret being looked at, even when it is right.

The counting is atomic: on SQLite the write transaction is `BEGIN IMMEDIATE` (one writer at a
time), on PostgreSQL it takes a transaction-scoped advisory lock per counted key first.

What is counted (the kinds of LoginAttempt):
- 'login': the attempts on an account (its password, or its PIN under a 'pin:' key) from
  browsers it does not know;
- 'device': the attempts from a browser that has logged in to that account before (a signed
  device cookie, competition/auth/devices.py), counted per browser and account, so a stranger
  who locks the account out does not lock its owner out;
- 'address': the attempts from one network address, of every browser it does not know; a known
  browser is exempt from it for its own account (behind a venue's NAT, one guesser must not
  lock every organizer out).

A success does not wipe the count: failures age out of their window. An organizer who sets a
new password or PIN clears the account's count (clear_failures).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..database import write_transaction
from ..errors import DomainError
from ..models import LoginAttempt
from ..models.base import utcnow


@dataclass(frozen=True)
class Limit:
    kind: str  # 'login' | 'device' | 'address' (the LoginAttempt kind)
    attempts: int  # attempts allowed within the window
    window: timedelta


PASSWORD_LIMITS = (Limit("login", 5, timedelta(minutes=15)),)
PIN_LIMITS = (Limit("login", 5, timedelta(minutes=15)), Limit("login", 10, timedelta(hours=24)))
ADDRESS_LIMIT = Limit("address", 30, timedelta(minutes=15))
# Rows older than this are of no use to any limit and are deleted as new attempts come in.
KEEP = timedelta(hours=24)
KEY_LENGTH = 100


@dataclass(frozen=True)
class Refusal:
    """Attempts are refused until `until`; `reason` is the kind of the limit that was reached:
    'login' (the account, for browsers it does not know), 'device' (this browser) or 'address'."""

    until: datetime
    reason: str

    @property
    def minutes(self) -> int:
        return max(1, math.ceil((self.until - utcnow()).total_seconds() / 60))


class LoginRefused(DomainError):
    """An attempt that found no free slot (too many failed attempts): its secret must not be
    checked, and nothing is until `refusal.until` (the login page says which lock and when)."""

    status = 429
    default_code = "too_many_attempts"

    def __init__(self, refusal: Refusal):
        super().__init__(f"{refusal.reason} refused until {refusal.until.isoformat()}")
        self.refusal = refusal


@dataclass(frozen=True)
class Slot:
    """The rows an attempt wrote when it was let through (kept as its failure, or given back)."""

    ids: tuple[int, ...]


def login_key(login: str) -> str:
    return login.strip().lower()[:KEY_LENGTH]


def pin_key(login: str) -> str:
    return ("pin:" + login_key(login))[:KEY_LENGTH]


def device_key(nonce: str, account_key: str) -> str:
    """One browser's key for one account (or for its PIN): the device cookie's nonce and the
    account's login key, hashed to fit."""
    return hashlib.sha256(f"{nonce}\0{account_key}".encode()).hexdigest()


def for_limits(limits: tuple[Limit, ...], key: str, kind: str | None = None
               ) -> list[tuple[Limit, str]]:
    """The checks of `limits` on `key`, re-labelled as `kind` (the PIN limits applied to one
    browser are 'device' limits)."""
    return [(Limit(kind or limit.kind, limit.attempts, limit.window), key) for limit in limits]


def _lock_keys(session, checks: list[tuple[Limit, str]]) -> None:
    """On PostgreSQL, serialize the attempts on the same keys (SQLite's BEGIN IMMEDIATE already
    lets one writer in at a time). Sorted, so two attempts never wait for each other in a
    circle."""
    if session.get_bind().dialect.name != "postgresql":
        return
    names = sorted({f"{limit.kind}:{key}" for limit, key in checks})
    for name in names:
        number = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(number)))


def _refused_until(session, limit: Limit, key: str, now: datetime) -> datetime | None:
    times = session.execute(
        sa.select(LoginAttempt.at)
        .where(LoginAttempt.kind == limit.kind, LoginAttempt.key == key,
               LoginAttempt.at > now - limit.window)
        .order_by(LoginAttempt.at.desc())
        .limit(limit.attempts)
    ).scalars().all()
    if len(times) < limit.attempts:
        return None
    # The oldest of the last `attempts` must leave the window before the next try.
    return times[-1] + limit.window  # aware: a UTCDateTime column


def take_slot(checks: list[tuple[Limit, str]]) -> Slot:
    """Count the attempt against every (limit, key) of `checks`, atomically; raises LoginRefused
    when a limit is reached (nothing written), else writes one row per (kind, key) and returns
    them."""
    checks = [(limit, key[:KEY_LENGTH]) for limit, key in checks]
    if not checks:
        return Slot(())
    now = utcnow()
    with write_transaction() as session:
        _lock_keys(session, checks)
        refusals = [Refusal(until, limit.kind) for limit, key in checks
                    if (until := _refused_until(session, limit, key, now))]
        if refusals:
            raise LoginRefused(max(refusals, key=lambda refusal: refusal.until))
        rows = [LoginAttempt(kind=kind, key=key, at=now)
                for kind, key in dict.fromkeys((limit.kind, key) for limit, key in checks)]
        session.add_all(rows)
        session.execute(sa.delete(LoginAttempt).where(LoginAttempt.at < now - KEEP))
        session.flush()
        return Slot(tuple(row.id for row in rows))


def give_back(slot: Slot, session=None) -> None:
    """The attempt succeeded (or was not a guess): its rows no longer count. Runs in `session`'s
    write transaction if given, else in its own."""
    if not slot.ids:
        return
    statement = sa.delete(LoginAttempt).where(LoginAttempt.id.in_(slot.ids))
    if session is not None:
        session.execute(statement)
        return
    with write_transaction() as own:
        own.execute(statement)


def clear_failures(session, login_keys: list[str]) -> None:
    """Forget an account's failures from browsers it does not know (when an organizer sets a new
    password or PIN); runs inside the caller's write transaction."""
    if login_keys:
        session.execute(sa.delete(LoginAttempt).where(
            LoginAttempt.kind == "login",
            LoginAttempt.key.in_([k[:KEY_LENGTH] for k in login_keys])))
