"""The visibility's part of the OpenAPI document (judging/openapi.py merges it; docs/api.md,
"HTTP JSON API", in prose; the endpoint is board/api_views.py)."""

from __future__ import annotations

from ..vocabulary import Visibility
from .openapi_parts import JSON
from .openapi_parts import answer as _answer
from .openapi_parts import errors as _errors
from .openapi_parts import ref as _schema

SCHEMAS = {
    "VisibilityChange": {"type": "object", "required": ["visibility"], "properties": {
        "visibility": {"type": "string", "description": "One of: "
                       + ", ".join(Visibility.keys()) + "."},
    }},
    "VisibilitySet": {"type": "object", "required": ["ok", "skill", "visibility"],
                      "properties": {"ok": {"const": True}, "skill": {"type": "string"},
                                     "visibility": {"enum": list(Visibility.keys())}}},
    "NotFinalSubCriterion": {"type": "object", "required": [
        "sub_criterion", "marks_missing", "marks_expected", "disputes", "signed_off"],
        "properties": {
            "sub_criterion": {"type": "string"},
            "marks_missing": {"type": "integer", "minimum": 0,
                              "description": "Marks missing for the active competitors."},
            "marks_expected": {"type": "integer", "minimum": 0},
            "disputes": {"type": "integer", "minimum": 0,
                         "description": "Judgement cells in dispute."},
            "signed_off": {"type": "boolean"},
        }},
    "Finality": {"type": "object", "required": [
        "ok", "skill", "visibility", "final", "missing", "incomplete_competitors"],
        "properties": {
            "ok": {"const": True}, "skill": {"type": "string"},
            "visibility": {"enum": list(Visibility.keys())},
            "final": {"type": "boolean", "description": "Whether it may be published."},
            "missing": {"type": "array", "items": _schema("NotFinalSubCriterion")},
            "incomplete_competitors": {"type": "array", "items": {"type": "string"}},
        }},
    "NotFinal": {"allOf": [_errors("not_final"), {
        "type": "object", "required": ["missing", "incomplete_competitors"], "properties": {
            "missing": {"type": "array", "items": _schema("NotFinalSubCriterion"),
                        "description": "The sub-criteria not final yet, in scheme order."},
            "incomplete_competitors": {"type": "array", "items": {"type": "string"},
                                       "description": "Active competitors with marks "
                                                      "missing."},
        }}]},
}


def paths(prefix: str, skill_ref: dict, unauthenticated: dict) -> dict:
    refused = _answer("Not an organizer or an admin.", _errors("forbidden"))
    unknown = _answer("No such skill, or an address the API does not have.",
                      _errors("unknown_skill", "not_found"))
    return {f"{prefix}/skills/{{ref}}/visibility": {"get": {
        "summary": "The skill's visibility and whether its results are final (what "
                   "publishing waits for), for organizers and admins.",
        "parameters": [skill_ref],
        "responses": {"200": _answer("The finality report.", _schema("Finality")),
                      "401": unauthenticated, "403": refused, "404": unknown},
    }, "post": {
        "summary": "Set what the public sees of the skill (organizers, admins). Publishing "
                   "waits for final results.",
        "parameters": [skill_ref],
        "requestBody": {"required": True, "content": {JSON: {
            "schema": _schema("VisibilityChange"), "example": {"visibility": "live"}}}},
        "responses": {
            "200": _answer("Set (or already so).", _schema("VisibilitySet")),
            "401": unauthenticated, "403": refused, "404": unknown,
            "409": _answer("Published asked while the results are not final: marks missing, "
                           "disputes open or sub-criteria not signed off; nothing changed.",
                           _schema("NotFinal")),
            "422": _answer("No visibility, or one the skill cannot have.",
                           _errors("invalid_value")),
        },
    }}}
