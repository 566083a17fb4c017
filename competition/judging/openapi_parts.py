"""The building blocks of the OpenAPI document's schemas and answers, shared by judging/openapi.py
and the parts it merges (openapi_appeals.py, openapi_visibility.py)."""

from __future__ import annotations

JSON = "application/json"


def nullable(kind: str | list[str], **more) -> dict:
    kinds = [kind] if isinstance(kind, str) else list(kind)
    return {"type": [*kinds, "null"], **more}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def errors(*codes: str) -> dict:
    """An error answer whose `error` is one of `codes` (docs/api.md, the stable codes)."""
    return {"allOf": [ref("Error"), {"properties": {"error": {"enum": list(codes)}}}]}


def answer(description: str, schema: dict) -> dict:
    return {"description": description, "content": {JSON: {"schema": schema}}}
