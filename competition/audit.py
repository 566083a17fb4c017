"""The audit log: one call records an organizer action, inside the caller's write transaction."""

from __future__ import annotations

from flask_login import current_user

from .extensions import db
from .models import AuditEntry


def record(action: str, entity: str, entity_id: int | None = None, summary: str = "",
           changes: dict | None = None, championship_id: int | None = None) -> AuditEntry:
    """Add an audit entry for the current user (None from the command line)."""
    user_id = None
    if current_user and getattr(current_user, "is_authenticated", False):
        user_id = current_user.id
    entry = AuditEntry(user_id=user_id, action=action, entity=entity, entity_id=entity_id,
                       summary=summary, changes=changes or {}, championship_id=championship_id)
    db.session.add(entry)
    return entry


def diff(obj, fields: list[str], new_values: dict) -> dict:
    """{field: [old, new]} for the fields whose value changes; applies the new values."""
    changes = {}
    for field in fields:
        if field not in new_values:
            continue
        old, new = getattr(obj, field), new_values[field]
        if old != new:
            changes[field] = [_plain(old), _plain(new)]
            setattr(obj, field, new)
    return changes


def removal(obj, fields) -> dict:
    """{field: [old, None]} for a row about to be deleted."""
    return {field: [_plain(getattr(obj, field)), None] for field in fields}


def _plain(value):
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
