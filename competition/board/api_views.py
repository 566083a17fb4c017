"""What the public sees of a skill, over the HTTP JSON API (docs/api.md):
POST /api/v1/skills/<ref>/visibility sets it, GET says whether the results are final (what
publishing waits for); for organizers and admins.

It attaches to the judging package's `api` blueprint (the one /api/v1, its guard and its CSRF
exemption: JSON only) because board/service.py's set_visibility lives on this side of the
layers. Every answer carries `ok`; a refusal is the DomainError's answer
(`{"ok": false, "error", "message"}`), publishing too early adds what is missing.
"""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import STAFF, role_of
from ..errors import DomainError, Forbidden, Invalid
from ..judging.blueprint import api
from ..judging.finality import finality
from ..lookup import skill_or_404, skill_ref
from .service import set_visibility


@api.route("/skills/<path:ref>/visibility", methods=["GET", "POST"])
def skill_visibility(ref: str):
    try:
        skill = skill_or_404(ref)
        if request.method == "GET":  # what publishing would wait for now
            if role_of(current_user) not in STAFF:
                raise Forbidden(_("Only organizers decide what the public sees."))
            report = finality(skill)
            return jsonify(ok=True, skill=report.ref, visibility=skill.visibility,
                           final=report.final,
                           missing=[sub.as_json() for sub in report.missing()],
                           incomplete_competitors=report.incomplete)
        data = request.get_json(silent=True)
        visibility = data.get("visibility") if isinstance(data, dict) else None
        if not isinstance(visibility, str):
            raise Invalid(_('Send the visibility as JSON: {"visibility": "live"}.'),
                          code="invalid_value", field="visibility")
        skill = set_visibility(current_user, skill.id, visibility)
    except DomainError as error:
        if error.code == "unknown_visibility":  # the API's word for a value it does not take
            error.code = "invalid_value"
        return jsonify(error.answer()), error.status
    return jsonify(ok=True, skill=skill_ref(skill), visibility=skill.visibility)
