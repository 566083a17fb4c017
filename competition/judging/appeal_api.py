"""The appeals of the HTTP JSON API (docs/api.md, "Appeals"): parse, call judging/appeals.py,
answer JSON. Refusals are errors.DomainError kinds, rendered as {"error", "message"} by the
app's one handler."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import Invalid
from ..lookup import find_skill, skill_ref
from . import appeals
from .blueprint import api


def _body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Invalid(_("Send the appeal as JSON (Content-Type: application/json)."),
                      code="invalid_value")
    return data


def _text(data: dict, name: str) -> str:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise Invalid(_("%(name)s is a text.", name=name), code="invalid_value", field=name)
    return value or ""


@api.route("/skills/<path:ref>/appeals", methods=["GET", "POST"])
def appeals_of_skill(ref: str):
    skill = find_skill(ref)
    if request.method == "GET":
        found = appeals.readable_appeals(current_user, skill)
        return jsonify(skill=skill_ref(skill), window=appeals.describe_window(skill),
                       appeals=[appeals.describe(a) for a in found])
    data = _body()
    competitor = data.get("competitor")
    if competitor is None and getattr(current_user, "competitor", None) is not None:
        competitor = current_user.competitor.code  # a competitor appeals for themself
    if not isinstance(competitor, str):
        raise Invalid(_("Say which competitor the appeal is for: their code."),
                      code="invalid_value", field="competitor")
    aspects = data.get("aspects")
    if aspects is not None and not (isinstance(aspects, list)
                                    and all(isinstance(a, str) for a in aspects)):
        raise Invalid(_("List the aspects as codes, e.g. A1.2."), code="invalid_value",
                      field="aspects")
    appeal = appeals.lodge(current_user, skill, competitor, aspects, _text(data, "text"))
    return jsonify(appeals.describe(appeal)), 201


@api.post("/appeals/<int:appeal_id>/decision")
def appeal_decision(appeal_id: int):
    data = _body()
    appeal = appeals.decide(current_user, appeal_id, _text(data, "outcome"),
                            _text(data, "reason"))
    return jsonify(appeals.describe(appeal))
