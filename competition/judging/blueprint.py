"""The blueprints of competition/judging/ and who may open their pages (the views attach
to them; the package registers the views).
"""

from __future__ import annotations

from flask import Blueprint

from ..auth.access import ROLES, STAFF, guard
from ..extensions import csrf

bp = Blueprint("judging", __name__, url_prefix="/judging")
guard(bp, {"expert", "chief", "organizer", "admin"})

api = Blueprint("api", __name__, url_prefix="/api/v1")
# Every logged-in user (or bearer token); each endpoint narrows in the service. The OpenAPI
# document holds no data: anyone reads it. Marks are written by expert and chief expert
# accounts (competition/auth/policy.py; the service checks the skill's panel and compatriots).
# Appeals (judging/appeal_api.py): a competitor lodges their own, the appeal commission
# (organizers, admins) lodges on paper, lists and decides (judging/appeals.py).
guard(api, set(ROLES) - {"anonymous"}, endpoints={"openapi_document": ROLES,
                                                  "submit_mark": {"expert", "chief"},
                                                  "appeals_of_skill": {"competitor", *STAFF},
                                                  "appeal_decision": STAFF,
                                                  # board/api_views.py: what the public sees
                                                  "skill_visibility": STAFF})
# JSON only: a cross-site form cannot send application/json without a CORS preflight, which
# this app never grants, so the session cookie alone does not let another site write marks.
csrf.exempt(api)
