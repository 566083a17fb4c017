"""The blueprint of competition/registry/audit/ and who may open its pages (the views attach
to it; the package registers the views).
"""

from __future__ import annotations

from flask import Blueprint

from ...auth.access import guard

bp = Blueprint("audit", __name__, url_prefix="/manage")
guard(bp, {"admin"})
