"""Settings from the environment (COMPETITION_*), with safe defaults.

Nothing here touches the disk at import time; `load_config` is called by create_app.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

LOCALES = ("ru", "kk", "en")
DEFAULT_LOCALE = "ru"


def instance_dir() -> Path:
    """Where the SQLite database, the generated secret key and demo accounts live."""
    return Path(os.environ.get("COMPETITION_INSTANCE", "instance")).resolve()


def _secret_key(instance: Path) -> str:
    key = os.environ.get("COMPETITION_SECRET_KEY")
    if key:
        return key
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # Created with owner-only permissions before anything is written into it.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


class SettingError(ValueError):
    """A setting of the environment that cannot be used; its message says which and why.

    Not one of competition/errors.py's DomainErrors: it fails the start of a process, never a
    request, and the models import this module (LOCALES) while errors.py sits above them in
    the layers (pyproject.toml). The command line prints its message as it is (cli/errors.py)."""


def _whole_number(name: str, least: int) -> int | None:
    text = os.environ.get(name, "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or int(text) < least:
        raise SettingError(f"{name}={text!r}: give a whole number, at least {least}")
    return int(text)


def _pool(database_url: str) -> dict:
    """The PostgreSQL connection pool of each process (docs/deployment.md, "Connections to
    PostgreSQL"): COMPETITION_DB_POOL_SIZE connections kept open (SQLAlchemy's default 5) and
    COMPETITION_DB_MAX_OVERFLOW more under load (default 10)."""
    if not database_url.startswith("postgresql"):
        # SQLite: one writer at a time whatever the pool, and no ping at each checkout (a file
        # does not drop the connection; a ping was a statement more per mark and request)
        return {}
    sizes = {"pool_size": _whole_number("COMPETITION_DB_POOL_SIZE", 1),
             "max_overflow": _whole_number("COMPETITION_DB_MAX_OVERFLOW", 0)}
    # No pool_pre_ping: competition/database.py pings a connection only after it sat idle.
    return {option: size for option, size in sizes.items() if size is not None}


def load_config(overrides: dict | None = None) -> dict:
    overrides = dict(overrides or {})
    instance = Path(overrides.pop("INSTANCE_PATH", None) or instance_dir())
    database_url = overrides.get("SQLALCHEMY_DATABASE_URI") or os.environ.get(
        "COMPETITION_DATABASE_URL"
    )
    if not database_url:
        instance.mkdir(parents=True, exist_ok=True)
        database_url = f"sqlite:///{instance / 'competition.db'}"
    config = {
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": overrides.get("SECRET_KEY") or _secret_key(instance),
        "MESSAGE_QUEUE": os.environ.get("COMPETITION_MESSAGE_QUEUE") or None,
        # Redis channels are not per database: two installations on one Redis need their own.
        "MESSAGE_QUEUE_CHANNEL": os.environ.get("COMPETITION_MESSAGE_QUEUE_CHANNEL")
        or "flask-socketio",
        # threading suits the dev server and tests; `serve` switches to gevent.
        "ASYNC_MODE": os.environ.get("COMPETITION_ASYNC_MODE", "threading"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("COMPETITION_HTTPS", "") == "1",
        "REMEMBER_COOKIE_SECURE": os.environ.get("COMPETITION_HTTPS", "") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Tablets logged in with a PIN or a badge stay logged in through the event days.
        "REMEMBER_COOKIE_DURATION": timedelta(days=7),
        # The address printed in badge QR codes (e.g. http://192.168.1.10:5000); by default
        # the address the organizer's browser used.
        "PUBLIC_URL": os.environ.get("COMPETITION_PUBLIC_URL") or None,
        # Behind a reverse proxy (nginx): how many proxies to trust for X-Forwarded-*; without
        # it every request seems to come from the proxy and shares one login rate limit.
        "PROXY_COUNT": int(os.environ.get("COMPETITION_PROXY_COUNT", "0") or 0),
        "BABEL_DEFAULT_LOCALE": DEFAULT_LOCALE,
        "LOCALES": LOCALES,
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        # A sign-off's marking forms: printed in the background at once ("background"), or only
        # when first downloaded ("on_download"; the test suite's default, which signs off
        # hundreds of times). The form's content and hash are kept at the sign-off either way.
        "SIGNED_FORMS_PRINT": os.environ.get("COMPETITION_SIGNED_FORMS_PRINT") or "background",
        # Warm render children per process for the PDF sheets and signed paper
        # (competition/documents/render_pool.py); 0: a new child per document.
        "WARM_RENDERERS": _whole_number("COMPETITION_WARM_RENDERERS", 0) or 0
        if os.environ.get("COMPETITION_WARM_RENDERERS") else 2,
        # Whether `run`/`serve` start them as the server starts ("1") or when first needed
        # ("0": the test suite, which starts hundreds of servers that never print a sheet).
        "WARM_AT_START": os.environ.get("COMPETITION_WARM_AT_START", "1") != "0",
        "SQLALCHEMY_ENGINE_OPTIONS": _pool(database_url),
        # Where the pages' compiled templates are kept between processes (Jinja's bytecode
        # cache): a worker printing a batch, a restarted server, does not parse them again.
        "TEMPLATE_CACHE": os.environ.get("COMPETITION_TEMPLATE_CACHE")
        or str(instance / "cache" / "templates"),
    }
    config.update(overrides)
    return config
