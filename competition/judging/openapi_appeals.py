"""The appeals' part of the OpenAPI document (judging/openapi.py merges it; docs/api.md,
"Appeals", in prose; the endpoints are judging/appeal_api.py)."""

from __future__ import annotations

from .openapi_parts import JSON
from .openapi_parts import answer as _answer
from .openapi_parts import errors as _errors
from .openapi_parts import nullable as _nullable
from .openapi_parts import ref as _schema

SCHEMAS = {
    "Appeal": {"type": "object", "required": [
        "id", "skill", "competitor", "aspects", "text", "on_paper", "lodged_by", "lodged_at",
        "state", "decision_reason", "decided_by", "decided_at"], "properties": {
        "id": {"type": "integer"}, "skill": {"type": "string"},
        "competitor": {"type": "string"},
        "aspects": {"type": "array", "items": {"type": "string"},
                    "description": "The aspects appealed; empty: the result as a whole."},
        "text": {"type": "string"},
        "on_paper": {"type": "boolean",
                     "description": "Lodged by an organizer on the competitor's behalf."},
        "lodged_by": _nullable("string"), "lodged_at": {"type": "string"},
        "state": {"enum": ["open", "rejected", "upheld"]},
        "decision_reason": _nullable("string"), "decided_by": _nullable("string"),
        "decided_at": _nullable("string"),
    }},
    "Appeals": {"type": "object", "required": ["skill", "window", "appeals"], "properties": {
        "skill": {"type": "string"},
        "window": {"type": "object", "required": ["minutes", "closes_at", "open"],
                   "properties": {"minutes": {"type": "integer", "minimum": 0},
                                  "closes_at": _nullable("string"),
                                  "open": {"type": "boolean"}}},
        "appeals": {"type": "array", "items": _schema("Appeal")},
    }},
    "AppealSubmission": {"type": "object", "required": ["text"], "properties": {
        "competitor": {"type": "string", "description": "The competitor's code; a "
                                                        "competitor's account may leave it "
                                                        "out (their own)."},
        "aspects": {"type": "array", "items": {"type": "string"}},
        "text": {"type": "string"},
    }},
    "AppealDecision": {"type": "object", "required": ["outcome", "reason"], "properties": {
        "outcome": {"enum": ["rejected", "upheld"]}, "reason": {"type": "string"},
    }},
}


def paths(prefix: str, skill_ref: dict, unauthenticated: dict) -> dict:
    refused = _answer("Not the appeal commission (organizers, admins), nor a competitor "
                      "appealing for themself.", _errors("forbidden"))
    not_found = _answer("No such appeal, or an address the API does not have.",
                        _errors("not_found"))
    return {
        f"{prefix}/skills/{{ref}}/appeals": {
            "get": {
                "summary": "The skill's appeals (a competitor: their own) and its window.",
                "parameters": [skill_ref],
                "responses": {
                    "200": _answer("The appeals, newest first.", _schema("Appeals")),
                    "401": unauthenticated, "403": refused, "404": not_found,
                    "422": _answer("No such skill.", _errors("unknown_skill")),
                },
            },
            "post": {
                "summary": "Lodge an appeal: a competitor for themself, an organizer on "
                           "paper for any competitor of the skill.",
                "parameters": [skill_ref],
                "requestBody": {"required": True, "content": {JSON: {
                    "schema": _schema("AppealSubmission"),
                    "example": {"competitor": "101", "aspects": ["A1.1"],
                                "text": "A1.1 was measured before the piece cooled."}}}},
                "responses": {
                    "201": _answer("Lodged.", _schema("Appeal")),
                    "401": unauthenticated, "403": refused, "404": not_found,
                    "409": _answer("The results are not published, the window has closed, or "
                                   "this competitor's appeal is still open.",
                                   _errors("not_published", "window_closed", "appeal_open")),
                    "422": _answer("An unknown competitor or aspect, an empty text, a "
                                   "malformed body, or no such skill.",
                                   _errors("invalid_value", "unknown_skill")),
                },
            },
        },
        f"{prefix}/appeals/{{appeal_id}}/decision": {"post": {
            "summary": "The appeal commission decides an open appeal, with a reason.",
            "parameters": [{"name": "appeal_id", "in": "path", "required": True,
                            "schema": {"type": "integer", "minimum": 0}}],
            "requestBody": {"required": True, "content": {JSON: {
                "schema": _schema("AppealDecision"),
                "example": {"outcome": "rejected", "reason": "Measured again: as marked."}}}},
            "responses": {
                "200": _answer("Decided.", _schema("Appeal")),
                "401": unauthenticated, "403": refused, "404": not_found,
                "409": _answer("Decided already.", _errors("already_decided")),
                "422": _answer("An outcome other than rejected or upheld, an empty reason, "
                               "or a malformed body.", _errors("invalid_value")),
            },
        }},
    }
