"""What changed in a skill's results between two broadcasts (docs/api.md, "Boards and their
snapshots": `results_changes`).

A mark moves one competitor's row, and the ranks of a few others; a board that holds the
previous results needs only those rows, and the order of the rows when it moved. A broadcast
to boards that asked for changes (`board:join {changes: true}`) carries them instead of the
whole `results`, which are most of a snapshot's bytes once the names are left out.
"""

from __future__ import annotations

RESULTS = "results"  # a group's rows


def results_changes(before: dict | None, after: dict | None) -> dict | None:
    """The changes that turn `before` into `after` (two `results` of one skill), or None when
    they cannot be said as changed rows (no results on either side, or the groups differ:
    a category added or removed): the whole results are sent then."""
    if not before or not after:
        return None
    old_groups, new_groups = before.get("groups") or [], after.get("groups") or []
    if [g.get("category") for g in old_groups] != [g.get("category") for g in new_groups]:
        return None
    groups = []
    for old, new in zip(old_groups, new_groups, strict=True):
        held = {row["competitor"]: row for row in old[RESULTS]}
        order = [row["competitor"] for row in new[RESULTS]]
        group = {key: value for key, value in new.items() if key != RESULTS}
        group["changed"] = [row for row in new[RESULTS] if held.get(row["competitor"]) != row]
        if order != [row["competitor"] for row in old[RESULTS]]:
            group["order"] = order
        groups.append(group)
    rest = {key: value for key, value in after.items() if key != "groups"}
    return rest | {"groups": groups}


def apply_changes(results: dict, changes: dict) -> dict:
    """`results` with `changes` applied (what a board does; static/js/standings-changes.js
    is the browser's copy of these rules)."""
    groups = []
    for old, change in zip(results["groups"], changes["groups"], strict=True):
        rows = {row["competitor"]: row for row in old[RESULTS]}
        rows.update({row["competitor"]: row for row in change["changed"]})
        order = change.get("order") or [row["competitor"] for row in old[RESULTS]]
        group = {key: value for key, value in change.items() if key not in ("changed", "order")}
        groups.append(group | {RESULTS: [rows[code] for code in order]})
    rest = {key: value for key, value in changes.items() if key not in ("groups", "base")}
    return rest | {"groups": groups}
