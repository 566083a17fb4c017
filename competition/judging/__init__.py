"""Judging: mark entry on tablets, sign-off and locks, the history of marks.

Two blueprints: `judging` (the experts' pages) and `api` (the HTTP JSON API under /api/v1/,
docs/api.md). Socket.IO handlers are in events.py; the use cases in service.py.
"""

from flask import Blueprint

from ..auth.access import ROLES, guard
from ..extensions import csrf

bp = Blueprint("judging", __name__, url_prefix="/judging")
guard(bp, {"expert", "chief", "organizer", "admin"})

api = Blueprint("api", __name__, url_prefix="/api/v1")
# Every logged-in user (or bearer token); each endpoint narrows in the service. The OpenAPI
# document holds no data: anyone reads it.
guard(api, set(ROLES) - {"anonymous"}, endpoints={"openapi_document": ROLES})
# JSON only: a cross-site form cannot send application/json without a CORS preflight, which
# this app never grants, so the session cookie alone does not let another site write marks.
csrf.exempt(api)

from . import api_views, chief, views  # noqa: E402,F401
