"""Access control: each blueprint declares, in one place, which roles may use its pages.

`guard(bp, roles, endpoints=…)` installs one before_request check on the blueprint; views and
templates never check roles themselves. Finer rules (a chief expert only for their own skills)
live in the services, which get the user and raise Forbidden.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Blueprint, abort, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

ROLES = ("anonymous", "competitor", "expert", "chief", "organizer", "admin")
STAFF = frozenset({"organizer", "admin"})


def role_of(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return "anonymous"
    return user.role


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def deny():
    """401 for someone not logged in (HTML: to the login page), 403 for a logged-in user."""
    if role_of(current_user) == "anonymous":
        if _wants_json():
            response = jsonify(error="unauthenticated",
                               message=_("Log in or send a valid bearer token."))
            response.status_code = 401
            return response
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if _wants_json():
        response = jsonify(error="forbidden", message=_("Your account may not do this."))
        response.status_code = 403
        return response
    abort(403)


def guard(bp: Blueprint, roles: Iterable[str],
          endpoints: dict[str, Iterable[str]] | None = None) -> None:
    """Only `roles` may use bp's routes; `endpoints` widens or narrows single endpoints
    (keys are view names without the blueprint prefix)."""
    default = frozenset(roles)
    special = {f"{bp.name}.{name}": frozenset(allowed)
               for name, allowed in (endpoints or {}).items()}

    @bp.before_request
    def check_access():
        allowed = special.get(request.endpoint, default)
        if role_of(current_user) not in allowed:
            return deny()
        return None

    bp.allowed_roles = default
    bp.endpoint_roles = special
