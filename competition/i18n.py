"""Languages: which one a request is served in, and the switch between Russian, Kazakh, English."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    has_request_context,
    redirect,
    request,
    session,
)
from flask_babel import get_locale
from flask_login import current_user

bp = Blueprint("i18n", __name__)

# The language's own name, shown in the switch.
LANGUAGE_NAMES = {"ru": "Русский", "kk": "Қазақша", "en": "English"}
LANGUAGE_SHORT = {"ru": "РУС", "kk": "ҚАЗ", "en": "ENG"}


def select_locale() -> str:
    locales = current_app.config["LOCALES"]
    if not has_request_context():  # the command line, a background job
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("locale")
    if chosen in locales:
        return chosen
    if current_user and getattr(current_user, "is_authenticated", False):
        if current_user.locale in locales:
            return current_user.locale
    return request.accept_languages.best_match(locales) or current_app.config[
        "BABEL_DEFAULT_LOCALE"
    ]


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@bp.get("/lang/<code>")
def switch(code: str):
    if code not in current_app.config["LOCALES"]:
        abort(404)
    session["locale"] = code
    return redirect(safe_next(request.args.get("next")))


@bp.app_context_processor
def language_context() -> dict:
    return {
        "current_locale": str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]),
        "language_names": LANGUAGE_NAMES,
        "language_short": LANGUAGE_SHORT,
        "locales": current_app.config["LOCALES"],
    }
