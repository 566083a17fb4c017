"""The blueprint of competition/registry/accounts/ and who may open its pages (the views attach
to it; the package registers the views).
"""

from __future__ import annotations

from flask import Blueprint

from ...auth.access import guard

bp = Blueprint("accounts", __name__, url_prefix="/manage")
guard(bp, {"organizer", "admin"})
