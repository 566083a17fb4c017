"""Organizers: championship, skills, schemes, organizations, competitors, experts, imports.

All pages live under /manage and are for organizers and admins; the few a chief expert may
open are listed here too. Access is decided here and nowhere else (see auth.access).
"""

from flask import Blueprint

from ..auth.access import guard

bp = Blueprint("registry", __name__, url_prefix="/manage")
guard(bp, {"organizer", "admin"}, endpoints={
    # a chief expert sees the compatriots of the skills they lead (checked in the service)
    "compatriots": {"organizer", "admin", "chief"},
})

from . import views  # noqa: E402,F401
from .imports import views as import_views  # noqa: E402,F401
from .people import views as people_views  # noqa: E402,F401
from .scheme import views as scheme_views  # noqa: E402,F401
