"""A competitor's personal data as the competitor service stores it (docs/people.md): which
fields, their values from CompetitorForm.data, and the audit entry that does not repeat the
confidential ones."""

from __future__ import annotations

from .common import text_of, text_or_none

PERSONAL_FIELDS = ("birth_date", "iin", "name_consent", "disability", "health_note")
# Recorded in the audit log as changed, without the values.
CONFIDENTIAL_FIELDS = ("iin", "disability", "health_note")
HIDDEN = "…"


def personal_values(data: dict) -> dict:
    """The personal fields `data` has (a caller without them leaves them alone)."""
    values = {}
    if "birth_date" in data:
        values["birth_date"] = data.get("birth_date") or None
    if "iin" in data:
        values["iin"] = text_or_none(data.get("iin"))
    if "name_consent" in data:
        values["name_consent"] = bool(data.get("name_consent"))
    if "disability" in data:
        values["disability"] = text_or_none(data.get("disability"))
    if "health_note" in data:
        values["health_note"] = text_of(data.get("health_note"))
    return values


def masked(changes: dict) -> dict:
    """An audit diff with the confidential values replaced by "…"."""
    for field in CONFIDENTIAL_FIELDS:
        if field in changes:
            old, new = changes[field]
            changes[field] = [HIDDEN if old else old, HIDDEN if new else new]
    return changes
