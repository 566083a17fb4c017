"""The audit log of organizer actions: who changed what, when. For administrators only."""

from flask import Blueprint

from ...auth.access import guard

bp = Blueprint("audit", __name__, url_prefix="/manage")
guard(bp, {"admin"})

from . import views  # noqa: E402,F401
