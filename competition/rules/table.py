"""Across skills: the medal table and Best of Region (docs/rules.md section 8)."""

from __future__ import annotations

from collections.abc import Sequence

from .model import MEDALLION, MEDALS, BestOfEntry, BestOfRow, MedalRow, SkillResult


def medal_table(skills: Sequence[SkillResult]) -> tuple[MedalRow, ...]:
    """One row per organization with a competitor in any skill (a team is one competitor);
    by points, gold, silver, bronze, medallion (descending), then organization code."""
    counts: dict[str, dict[str, int]] = {}
    for skill in skills:
        for group in skill.groups:
            for result in group.results:
                if result.organization is None:
                    continue
                row = counts.setdefault(result.organization, dict.fromkeys((*MEDALS, MEDALLION), 0))
                if result.medal is not None:
                    row[result.medal] += 1
    rows = [MedalRow(organization, **row) for organization, row in counts.items()]
    rows.sort(key=lambda r: r.organization)
    rows.sort(key=lambda r: (r.points, r.gold, r.silver, r.bronze, r.medallion), reverse=True)
    return tuple(rows)


def best_of(skills: Sequence[SkillResult]) -> tuple[BestOfRow, ...]:
    """Per organization, its ranked competitor(s) of final groups with the highest score over
    all the skills (all of them on a tie), by organization code; inside a row by skill (in the order
    given), then competitor code. Scores compare as numbers."""
    best: dict[str, list[tuple[int, BestOfEntry]]] = {}
    for position, skill in enumerate(skills):
        for group in skill.groups:
            if not group.final:  # final groups only (revision 2)
                continue
            for result in group.results:
                if result.organization is None or result.rank is None:
                    continue
                entry = BestOfEntry(skill.skill, result.competitor, result.score, group.scale)
                held = best.setdefault(result.organization, [])
                if held and result.score < held[0][1].score:
                    continue
                if held and result.score > held[0][1].score:
                    held.clear()
                held.append((position, entry))
    return tuple(
        BestOfRow(organization, tuple(
            entry for _, entry in sorted(best[organization],
                                         key=lambda p: (p[0], p[1].competitor))
        ))
        for organization in sorted(best)
    )
