"""Medals and the Medallion for Excellence (docs/rules.md section 7)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from .model import MEDALLION, MEDALS, Policy


def award(ranks: Sequence[int], scores: Sequence[Decimal], final: bool,
          policy: Policy) -> list[str | None]:
    """The medal of each ranked competitor of one group (ranks and scores side by side).

    Nothing until the group is final. Rank 1, 2, 3 → gold, silver, bronze, each only if the
    group has at least medal_min_field[medal] ranked (active) competitors; then a medallion
    for a competitor without a medal whose score reaches the threshold."""
    if not final:
        return [None] * len(ranks)
    field = len(ranks)
    allowed = {
        place: medal for place, medal in enumerate(MEDALS, start=1)
        if field >= policy.medal_min_field.for_medal(medal)
    }
    threshold = policy.effective_medallion_threshold
    medals: list[str | None] = []
    for place, score in zip(ranks, scores, strict=True):
        medal = allowed.get(place)
        if medal is None and threshold is not None and score >= threshold:
            medal = MEDALLION
        medals.append(medal)
    return medals
