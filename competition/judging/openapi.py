"""The OpenAPI 3.1 document of the JSON API (GET /api/v1/openapi.json; docs/api.md in prose).

Built here rather than kept as a file so that the error codes and the idempotency key's pattern
are the ones the service checks. tests/judging/test_openapi.py holds the app to it: every
/api/v1 route is in the document and back, and schemathesis finds no answer outside it.
"""

from __future__ import annotations

from ..errors import STATUS
from . import openapi_appeals, openapi_visibility
from .context import KEY_PATTERN
from .openapi_parts import JSON
from .openapi_parts import answer as _answer
from .openapi_parts import errors as _errors
from .openapi_parts import nullable as _nullable
from .openapi_parts import ref as _ref

PREFIX = "/api/v1"


def _object(properties: dict, required: list[str] | None = None, **more) -> dict:
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required, **more}


def _codes(status: int) -> list[str]:
    return sorted(code for code, answer in STATUS.items() if answer == status)


UNAUTHENTICATED = _answer("Not logged in and no valid bearer token.",
                          _errors("unauthenticated"))
SKILL_REF = {
    "name": "ref", "in": "path", "required": True,
    "description": "The skill's code (`04`), or CHAMPIONSHIP/CODE when codes repeat.",
    # one line, not starting with "/": what the route's path converter takes
    "schema": {"type": "string", "pattern": "^[^/\n][^\n]*$"}, "example": "10",
}

SCHEMAS = {
    "Error": _object({
        "error": {"type": "string", "description": "A stable code (docs/api.md)."},
        "message": {"type": "string", "description": "Why, in the caller's language."},
        "mark": _ref("Mark"),
    }, ["error", "message"]),
    "Mark": _object({
        "skill": {"type": "string"},
        "aspect": {"type": "string"},
        "competitor": {"type": "string"},
        "judge": _nullable("string", description="The expert's code on a J mark."),
        "value": {"description": "J: 0-3; M: a decimal text; null: withdrawn.",
                  "oneOf": [{"type": "integer", "minimum": 0, "maximum": 3},
                            {"type": "string"}, {"type": "null"}]},
        "revision": {"type": "integer", "minimum": 1},
        "version": {"type": "integer", "minimum": 0},
        "by": _nullable("string"),
        "at": {"type": "string"},
        "device": {"type": "string"},
        "reason": {"type": "string"},
        # blind judgement (docs/api.md): J marks only
        "scored": {"type": "integer", "minimum": 0,
                   "description": "J: how many judges of the cell have scored."},
        "of": {"type": "integer", "minimum": 1, "description": "J: judges_per_aspect."},
        "hidden": {"type": "boolean", "description": "J: a score not shown to the caller "
                   "until every judge of the cell has scored (value null)."},
    }, ["skill", "aspect", "competitor", "judge", "value", "revision", "version", "by", "at",
        "device", "reason"]),
    "SkillSummary": _object({
        "code": {"type": "string"}, "ref": {"type": "string"},
        "championship": {"type": "string"}, "name": {"type": "string"},
        "kind": {"type": "string"}, "visibility": {"type": "string"},
        "version": {"type": "integer"},
        "role": _nullable("string", description="The caller's role in the skill."),
    }),
    "Aspect": _object({
        "code": {"type": "string"}, "type": {"enum": ["M", "J"]},
        "max": {"type": "string"},
        "values": {"type": "array", "items": {"type": ["integer", "string"]}},
        "description": {"type": "string"},
        "descriptors": _nullable("array", items={"type": "string"}),
        "standards_section": _nullable("string"),
        "kind": {"enum": ["marks", "deduction", "discrete", "binary"],
                 "description": "How the tablet asks for an M mark (docs/scheme.md); every J "
                 "aspect is marks. values stay the allowed marks."},
        "kind_params": _nullable("object", description="deduction {step, floor}; discrete "
                                 "{levels: [{value, label: {ru, kk, en}}]}; else null."),
    }),
    "SubCriterion": _object({
        "code": {"type": "string"}, "name": {"type": "string"}, "day": _nullable("string"),
        "locked": {"type": "boolean"},
        "aspects": {"type": "array", "items": _ref("Aspect")},
    }),
    "Criterion": _object({
        "code": {"type": "string"}, "name": {"type": "string"},
        "sub_criteria": {"type": "array", "items": _ref("SubCriterion")},
    }),
    "Skill": _object({
        "code": {"type": "string"}, "ref": {"type": "string"},
        "championship": {"type": "string"}, "name": {"type": "string"},
        "kind": {"type": "string"}, "version": {"type": "integer"},
        "judges_per_aspect": {"type": "integer"}, "visibility": {"type": "string"},
        "role": _nullable("string"), "expert": _nullable("string"),
        "criteria": {"type": "array", "items": _ref("Criterion")},
        "competitors": {"type": "array", "items": _object({
            "code": {"type": "string"}, "name": {"type": "string"},
            "organization": _nullable("string"), "category": _nullable("string"),
            "status": {"type": "string"}, "workstation": _nullable("string"),
        })},
        "experts": {"type": "array", "items": _object({
            "code": {"type": "string"}, "name": {"type": "string"},
            "organization": _nullable("string"), "role": {"type": "string"},
            "marking_team": _nullable("string"),
        })},
        "panels": {"type": "object", "description": "J aspect code → its fixed panel "
                   "(docs/api.md); empty without panels.",
                   "additionalProperties": _object({
                       "members": {"type": "array", "items": {"type": "string"}},
                       "exceptions": {"type": "object", "additionalProperties": {
                           "type": "array", "items": {"type": "string"}}},
                   })},
    }),
    "Marks": _object({
        "skill": {"type": "string"},
        "version": {"type": "integer", "description": "The `since` of the next call."},
        "marks": {"type": "array", "items": _ref("Mark")},
    }),
    "MarkSubmission": _object({
        "id": {"type": "string", "pattern": KEY_PATTERN.pattern,
               "description": "The idempotency key, unless sent as Idempotency-Key (then the "
                              "same or left out)."},
        "skill": _nullable("string", description="Left out: the judge's one skill with "
                                                 "these codes."),
        "competitor": {"type": ["string", "integer"]},
        "aspect": {"type": ["string", "integer"]},
        "value": {"type": ["integer", "number", "string", "null"]},
        "base": _nullable("integer", minimum=0,
                          description="The revision the judge saw; 0 for an empty cell."),
        "reason": _nullable("string", maxLength=2000),
        "device": _nullable("string", description="The tablet's label (else the "
                                                  "User-Agent)."),
    }, ["competitor", "aspect", "value"]),
    "MarkRecorded": _object({
        "mark": _ref("Mark"),
        "replay": {"type": "boolean", "description": "The key was seen before with this very "
                                                     "submission: its first answer, nothing "
                                                     "written."},
        "unchanged": {"type": "boolean", "description": "A new key, but the cell holds this "
                                                        "value already: nothing written."},
        "dispute": {"oneOf": [{"type": "null"}, _object({
            "skill": {"type": "string"}, "aspect": {"type": "string"},
            "competitor": {"type": "string"},
            "scores": {"type": "object", "additionalProperties": {"type": "integer"}},
            "open": {"type": "boolean"},
        })]},
    }),
}


def _skill_read(summary: str, answer: dict) -> dict:
    return {
        "summary": summary,
        "parameters": [SKILL_REF],
        "responses": {
            "200": answer, "401": UNAUTHENTICATED,
            "403": _answer("Not an expert of this skill, an organizer or an admin.",
                           _errors("forbidden")),
            "404": _answer("A reference the address cannot hold (a line break).",
                           _errors("not_found")),
            "422": _answer("No such skill, or a code several championships use.",
                           _errors("unknown_skill", "invalid_value")),
        },
    }


def document(cookie: str = "session") -> dict:
    """The OpenAPI document; `cookie` is the name of the session cookie."""
    marks_read = _skill_read("The skill's marks changed after version `since`.",
                             _answer("The marks, withdrawn ones included.", _ref("Marks")))
    marks_read["parameters"] = [SKILL_REF, {
        "name": "since", "in": "query", "required": False,
        "description": "The skill version a client last saw; all marks without it.",
        "schema": {"type": "integer", "minimum": 0},
    }]
    return {
        "openapi": "3.1.0",
        "info": {"title": "competition API", "version": "1",
                 "description": "The experts' JSON API; docs/api.md describes it in prose."},
        "components": {
            "schemas": SCHEMAS | openapi_appeals.SCHEMAS | openapi_visibility.SCHEMAS,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "An API token (`competition token create LOGIN`)."},
                "session": {"type": "apiKey", "in": "cookie", "name": cookie,
                            "description": "The session cookie of a logged-in user."},
            },
        },
        "security": [{"bearer": []}, {"session": []}],
        "paths": {
            **openapi_appeals.paths(PREFIX, SKILL_REF, UNAUTHENTICATED),
            **openapi_visibility.paths(PREFIX, SKILL_REF, UNAUTHENTICATED),
            f"{PREFIX}/openapi.json": {"get": {
                "summary": "This document.", "security": [],
                "responses": {"200": _answer("The OpenAPI document.", {"type": "object"})},
            }},
            f"{PREFIX}/skills": {"get": {
                "summary": "The skills the caller may see, with their role in each.",
                "responses": {
                    "200": _answer("The skills.", _object(
                        {"skills": {"type": "array", "items": _ref("SkillSummary")}})),
                    "401": UNAUTHENTICATED,
                },
            }},
            f"{PREFIX}/skills/{{ref}}": {"get": _skill_read(
                "The skill: its scheme, competitors and experts.",
                _answer("The skill.", _ref("Skill")))},
            f"{PREFIX}/skills/{{ref}}/marks": {"get": marks_read},
            f"{PREFIX}/marks": {"post": {
                "summary": "Record one mark (as the `mark:submit` event).",
                "parameters": [{
                    "name": "Idempotency-Key", "in": "header", "required": False,
                    "description": "The submission's key (else `id` in the body).",
                    "schema": {"type": "string", "pattern": KEY_PATTERN.pattern},
                }],
                "requestBody": {"required": True, "content": {JSON: {
                    "schema": _ref("MarkSubmission"),
                    "example": {  # a mark of the demo's skill 10
                        "id": "5a0f3c1e-8d2b-4c1a-9e77-0b6f2d4c1a10", "skill": "10",
                        "competitor": "101", "aspect": "A1.1", "value": "1.50"},
                }}},
                "responses": {
                    "200": _answer("Nothing written: a replay of an earlier key (`replay`), "
                                   "or a new key for the value the cell holds already "
                                   "(`unchanged`).", _ref("MarkRecorded")),
                    "201": _answer("Recorded.", _ref("MarkRecorded")),
                    "401": UNAUTHENTICATED,
                    "403": _answer("The account may not mark this cell.",
                                   _errors(*_codes(403))),
                    "409": _answer("A stale base (`mark`: the cell now), a full cell, or a "
                                   "key used before with another skill, aspect, competitor "
                                   "or value (`mark`: what that key recorded, which is kept; "
                                   "left out when it is not the caller's to see).",
                                   _errors(*_codes(409))),
                    "422": _answer("A malformed submission or a value the aspect does not "
                                   "allow.", _errors(*_codes(422))),
                },
            }},
        },
    }
