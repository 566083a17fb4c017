"""Judging: mark entry on tablets, sign-off and locks, the history of marks.

Two blueprints: `judging` (the experts' pages) and `api` (the HTTP JSON API under /api/v1/,
docs/api.md). Socket.IO handlers are in events.py; recording a mark in service.py, what a tablet
reads in queries.py, sign-off and history in signoff.py, and the skills' versions (a flush hook)
in versions.py.
"""

from flask import Blueprint

from ..auth.access import ROLES, guard
from ..extensions import csrf

bp = Blueprint("judging", __name__, url_prefix="/judging")
guard(bp, {"expert", "chief", "organizer", "admin"})

api = Blueprint("api", __name__, url_prefix="/api/v1")
# Every logged-in user (or bearer token); each endpoint narrows in the service. The OpenAPI
# document holds no data: anyone reads it. Marks are written by expert and chief expert
# accounts (competition/auth/policy.py; the service checks the skill's panel and compatriots).
guard(api, set(ROLES) - {"anonymous"}, endpoints={"openapi_document": ROLES,
                                                  "submit_mark": {"expert", "chief"}})
# JSON only: a cross-site form cannot send application/json without a CORS preflight, which
# this app never grants, so the session cookie alone does not let another site write marks.
csrf.exempt(api)

from . import api_views, chief, versions, views  # noqa: E402,F401
