"""Checking a password or a PIN against its hash: scrypt, about a tenth of a second of CPU
(models/people.py, PASSWORD_METHOD).

Under `competition serve` every socket of the process waits while its one thread computes, so a
login there would hold every judge's acknowledgement for that long (and a morning of tablets
logging in, many times over). hashlib's scrypt lets go of the GIL while it works, so here it
runs in gevent's pool of native threads, and the loop goes on meanwhile. Elsewhere (threads,
the command line, a worker process) it runs where it is called. Never from inside a write
transaction: there nothing may switch out (docs/design.md, "gevent and SQLite"), and the write
lock that judges' marks wait for would be held for the hash: a new password or PIN is hashed
(`hashed`) before the transaction that stores it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

from werkzeug.security import check_password_hash

from ..database import in_write_transaction
from ..models.people import password_hash

T = TypeVar("T")


def matches(pwhash: str | None, secret: str) -> bool:
    """Whether `secret` is the password (or PIN) of `pwhash`; False for no hash."""
    return bool(pwhash) and off_the_loop(check_password_hash, pwhash, secret)


def hashed(secret: str) -> str:
    """The hash to store for a new password or PIN (call it before the write transaction)."""
    return off_the_loop(password_hash, secret)


def off_the_loop(work: Callable[..., T], *args) -> T:
    """`work(*args)` in gevent's native thread pool when the process runs under gevent's
    monkey-patching (the loop goes on), else here."""
    monkey = sys.modules.get("gevent.monkey")
    if monkey is None or not monkey.is_module_patched("threading") or in_write_transaction():
        return work(*args)
    from gevent import get_hub

    return get_hub().threadpool.apply(work, args)
