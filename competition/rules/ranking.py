"""Ranking with tie groups formed from the top (docs/rules.md section 6)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal


def rank(entries: Sequence[tuple[Decimal, str]], tie_margin: Decimal) -> list[int]:
    """Ranks of (score, code) entries, in the entries' order.

    A tie group starts at the best remaining entry (its leader) and takes every entry whose
    score is ≥ the leader's − tie_margin; rank = 1 + the entries in better groups (1, 1, 3 …).
    Equal scores always share a group, since the margin is never negative."""
    order = sorted(range(len(entries)), key=lambda i: (-entries[i][0], entries[i][1]))
    ranks = [0] * len(entries)
    start = 0
    while start < len(order):
        floor = entries[order[start]][0] - tie_margin
        end = start
        while end < len(order) and entries[order[end]][0] >= floor:
            ranks[order[end]] = start + 1
            end += 1
        start = end
    return ranks
