"""The blueprint of competition/registry/ and who may open its pages (the views attach
to it; the package registers the views).
"""

from __future__ import annotations

from flask import Blueprint

from ..auth.access import guard

bp = Blueprint("registry", __name__, url_prefix="/manage")
guard(bp, {"organizer", "admin"}, endpoints={
    # a chief expert sees the compatriots of the skills they lead (checked in the service)
    "compatriots": {"organizer", "admin", "chief"},
})
