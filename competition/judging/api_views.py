"""The HTTP JSON API (docs/api.md): parse, call the service, answer JSON."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import Refused
from ..extensions import db
from ..marks import visible_since
from . import openapi, queries, service
from .blueprint import api


@api.errorhandler(Refused)
def refused(refusal: Refused):
    db.session.rollback()
    body = {"error": refusal.code, "message": refusal.message}
    if refusal.mark is not None:
        body["mark"] = refusal.mark
    return jsonify(body), refusal.status


@api.get("/openapi.json")
def openapi_document():
    return jsonify(openapi.document(current_app.config["SESSION_COOKIE_NAME"]))


@api.get("/skills")
def skills():
    return jsonify(skills=queries.visible_skills(current_user))


@api.get("/skills/<path:ref>")
def skill(ref: str):
    found, role = queries.readable_skill(current_user, ref)
    return jsonify(queries.describe_skill(current_user, found, role))


@api.get("/skills/<path:ref>/marks")
def marks(ref: str):
    found, role = queries.readable_skill(current_user, ref)
    since = request.args.get("since")
    # ASCII digits only: "²".isdigit() holds, and int() refuses it
    if since is not None and not (since.isascii() and since.isdigit()):
        raise Refused("invalid_value", _("since is the skill version a client last saw "
                                         "(a whole number ≥ 0)."))
    # A number past any version asks for nothing newer; the database takes 64 bits.
    since_version = min(int(since), 2**63 - 1) if since is not None else None
    return jsonify(visible_since(found, since_version, queries.viewer_of(current_user, role)))


@api.post("/marks")
def submit_mark():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Refused("invalid_value", _("Send the mark as JSON (Content-Type: "
                                         "application/json)."))
    key = request.headers.get("Idempotency-Key")
    if key is not None:
        if "id" in data and data["id"] != key:
            raise Refused("invalid_value", _("Send the mark's key once: in the Idempotency-Key "
                                             "header or as id, not two different ones."))
        data = {**data, "id": key}
    recorded = service.record_mark(current_user, data,
                                   device=request.headers.get("User-Agent", "")[:200])
    body = recorded.answer()
    del body["ok"]
    return jsonify(body), recorded.status
