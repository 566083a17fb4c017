"""The HTTP JSON API (docs/api.md): parse, call the service, answer JSON."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from . import api, live, service
from .service import Refused


@api.errorhandler(Refused)
def refused(refusal: Refused):
    db.session.rollback()
    body = {"error": refusal.code, "message": refusal.message}
    if refusal.mark is not None:
        body["mark"] = refusal.mark
    return jsonify(body), refusal.status


@api.get("/skills")
def skills():
    return jsonify(skills=service.visible_skills(current_user))


@api.get("/skills/<path:ref>")
def skill(ref: str):
    found, role = service.readable_skill(current_user, ref)
    return jsonify(service.describe_skill(current_user, found, role))


@api.get("/skills/<path:ref>/marks")
def marks(ref: str):
    found, _role = service.readable_skill(current_user, ref)
    since = request.args.get("since")
    if since is not None and not since.isdigit():
        raise Refused("invalid_value", _("since is the skill version a client last saw "
                                         "(a whole number ≥ 0)."))
    return jsonify(service.marks_since(found, int(since) if since is not None else None))


@api.post("/marks")
def submit_mark():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Refused("invalid_value", _("Send the mark as JSON (Content-Type: "
                                         "application/json)."))
    key = request.headers.get("Idempotency-Key")
    if key is not None:
        data = {**data, "id": key}
    recorded = service.record_mark(current_user, data,
                                   device=request.headers.get("User-Agent", "")[:200])
    if recorded.created:
        live.mark_recorded(recorded.skill_id, recorded.mark, recorded.dispute)
    body = recorded.answer()
    del body["ok"]
    return jsonify(body), recorded.status
