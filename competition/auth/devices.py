"""Device cookies: a browser that has logged in to an account before is known to that account.

OWASP's "device cookies" scheme against lock-out attacks: after a successful password or PIN
login the browser gets a signed cookie naming the account, a random nonce and the account's
session version. On the next login to that account the browser is *known*: it is exempt from the
per-address limit and from the account's lock-out for unknown browsers, and has a limit of its
own instead (competition/auth/limits.py, kind 'device'). A stranger who guesses from the same
venue network, or who locks the account by guessing, therefore does not lock its owner out.

One cookie holds the accounts of a shared tablet (at most MAX_ACCOUNTS, the newest kept). It is
sent only to /login… (its path), signed with the app's secret key, and stops working when the
account's password or PIN changes (the session version moves on).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "competition_device"
PATH = "/login"
MAX_AGE = 60 * 60 * 24 * 365  # a year: the browser stays known across championships
MAX_ACCOUNTS = 12
SALT = "competition.device-cookie"


@dataclass(frozen=True)
class Known:
    """What a browser's device cookie says: account key -> (nonce, session version)."""

    accounts: dict[str, tuple[str, int]]

    def nonce_for(self, account_key: str, session_version: int) -> str | None:
        """This browser's nonce for the account, if it logged in with its current secret."""
        entry = self.accounts.get(account_key)
        if entry is None or entry[1] != session_version:
            return None
        return entry[0]


NOBODY = Known({})


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def read(request) -> Known:
    """The accounts this browser is known to (none if the cookie is absent, forged or old)."""
    raw = request.cookies.get(COOKIE)
    if not raw or len(raw) > 4000:
        return NOBODY
    try:
        data = _serializer().loads(raw, max_age=MAX_AGE)
    except BadSignature:
        return NOBODY
    if not isinstance(data, dict):
        return NOBODY
    accounts = {}
    for key, entry in data.items():
        if (isinstance(key, str) and isinstance(entry, list) and len(entry) == 2
                and isinstance(entry[0], str) and isinstance(entry[1], int)):
            accounts[key] = (entry[0], entry[1])
    return Known(accounts)


def remember(response, known: Known, account_key: str, session_version: int) -> None:
    """Set the cookie on `response`: this browser is now known to the account (a nonce kept if
    it had one for the same secret, a new one otherwise)."""
    accounts = {key: entry for key, entry in known.accounts.items() if key != account_key}
    nonce = known.nonce_for(account_key, session_version) or secrets.token_urlsafe(16)
    accounts[account_key] = (nonce, session_version)  # the newest last
    kept = dict(list(accounts.items())[-MAX_ACCOUNTS:])
    value = _serializer().dumps({key: list(entry) for key, entry in kept.items()})
    response.set_cookie(COOKIE, value, max_age=MAX_AGE, path=PATH, httponly=True,
                        samesite="Lax",
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
