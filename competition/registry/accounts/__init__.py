"""Accounts of the people who use the system, and their badges (organizers and admins).

Who may open these pages is decided here; which accounts an organizer may change (not admin or
organizer accounts) is decided in the service.
"""

from flask import Blueprint

from ...auth.access import guard

bp = Blueprint("accounts", __name__, url_prefix="/manage")
guard(bp, {"organizer", "admin"})

from . import views  # noqa: E402,F401
