"""evaluate_skill: a skill's marks → its results; evaluate: several skills → the results
document of docs/rules.md, "The results document"."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .aspects import SchemeIndex, collect_marks
from .exact import fraction_text
from .medals import award
from .model import (
    RESULTS_FORMAT,
    CompetitorResult,
    Dispute,
    GroupResult,
    Results,
    SkillInput,
    SkillResult,
)
from .ranking import rank
from .scale import scorer
from .table import best_of, medal_table
from .totals import Tally, tally


def evaluate_skill(skill: SkillInput) -> SkillResult:
    """The results of one skill, live or final. Checks the marks against the scheme as it
    goes (RulesInputError names the first bad entry). Linear in the number of marks."""
    index = SchemeIndex(skill)
    m_grid, j_grid = collect_marks(skill, index)
    tallies, disputes = tally(skill, index, m_grid, j_grid)
    return skill_result(skill, index, tallies, disputes)


def skill_result(skill: SkillInput, index: SchemeIndex, tallies: Sequence[Tally],
                 disputes: list[Dispute]) -> SkillResult:
    """Groups, scale scores, ranks and medals (docs/rules.md sections 4–7) from each competitor's
    Tally: the part of `evaluate_skill` after the marks, shared with `SkillStandings`.
    Linear in the competitors (times the criteria); `skill.marks` is not read. Sorts
    `disputes` in place."""
    disputes.sort(key=lambda d: (d.aspect, d.competitor))
    members: dict[str | None, list[int]] = {}
    for i, competitor in enumerate(skill.competitors):
        members.setdefault(competitor.category, []).append(i)
    categories = sorted(members, key=lambda c: (c is not None, c or ""))
    groups = tuple(_group(skill, index, tallies, category, members[category])
                   for category in categories)
    return SkillResult(skill.code, skill.name, skill.policy.scale, groups, tuple(disputes))


def _group(skill: SkillInput, index: SchemeIndex, tallies: Sequence[Tally], category: str | None,
           members: list[int]) -> GroupResult:
    policy = skill.policy
    competitors = skill.competitors
    active = [i for i in members if competitors[i].status == "active"]
    final = all(tallies[i].complete for i in active)
    # Totals net of penalties, never below 0, over a unit that holds the penalties exactly.
    unit = math.lcm(index.unit, *(Fraction(competitors[i].penalty).denominator for i in members))
    up = unit // index.unit
    totals = {i: max(0, tallies[i].total * up - int(competitors[i].penalty * unit))
              for i in members}
    # A group that is not final is scored raw, tie margin 0 (docs/rules.md section 5).
    scale = policy.scale if final else "raw"
    tie_margin = policy.effective_tie_margin if final or policy.scale == "raw" else Decimal(0)
    score_of = scorer(scale, [totals[i] for i in active if tallies[i].complete], unit)
    scores = {i: score_of(totals[i]) for i in members}
    ranks = rank([(scores[i], competitors[i].code) for i in active], tie_margin)
    medals = award(ranks, [scores[i] for i in active], final, policy)
    placed = {i: (r, m) for i, r, m in zip(active, ranks, medals, strict=True)}

    max_unit = 10**index.places
    results = []
    for i in members:
        competitor = competitors[i]
        t = tallies[i]
        place, medal = placed.get(i, (None, None))
        results.append(CompetitorResult(
            competitor=competitor.code,
            name=competitor.name,
            organization=competitor.organization,
            category=competitor.category,
            status=competitor.status,
            complete=t.complete,
            pending=t.pending,
            disputed=t.disputed,
            total=Fraction(totals[i], unit),
            max_marked=Fraction(t.max_marked, max_unit),
            criteria={code: Fraction(n, index.unit)
                      for code, n in zip(index.criteria, t.criteria, strict=True)},
            score=scores[i],
            rank=place,
            medal=medal,
            penalty=competitor.penalty,
        ))
    results.sort(key=lambda r: (r.rank is None, r.rank or 0, r.competitor))
    return GroupResult(category, final, tuple(results), scale)


def evaluate(skills: Sequence[SkillInput]) -> Results:
    """Every skill, then the medal table and Best of Region across them."""
    return championship_results([evaluate_skill(skill) for skill in skills])


def championship_results(skills: Sequence[SkillResult]) -> Results:
    """Skills already evaluated (in the order given) with the medal table and Best of Region
    across them."""
    evaluated = tuple(skills)
    return Results(evaluated, medal_table(evaluated), best_of(evaluated))


# --- JSON ------------------------------------------------------------------------------------


def score_text(score: Any, scale: str) -> str:
    """"83.25" on the raw scale, "524" on the WorldSkills scales."""
    return fraction_text(Fraction(score), 2 if scale == "raw" else 0)


def skill_result_to_json(result: SkillResult) -> dict[str, Any]:
    return {
        "skill": result.skill,
        "groups": [
            {
                "category": group.category,
                "final": group.final,
                "results": [
                    {
                        "competitor": r.competitor,
                        "status": r.status,
                        "complete": r.complete,
                        "total": fraction_text(r.total),
                        "max_marked": fraction_text(r.max_marked),
                        "score": score_text(r.score, group.scale),
                        "rank": r.rank,
                        "medal": r.medal,
                        "criteria": {code: fraction_text(v) for code, v in r.criteria.items()},
                    }
                    for r in group.results
                ],
            }
            for group in result.groups
        ],
        "disputes": [
            {"aspect": d.aspect, "competitor": d.competitor, "scores": dict(d.scores)}
            for d in result.disputes
        ],
    }


def results_to_json(results: Results) -> dict[str, Any]:
    """The `competition.results/1` document (docs/rules.md, "The results document")."""
    return {
        "format": RESULTS_FORMAT,
        "skills": [skill_result_to_json(skill) for skill in results.skills],
        "medal_table": [
            {"organization": row.organization, "gold": row.gold, "silver": row.silver,
             "bronze": row.bronze, "medallion": row.medallion, "points": row.points}
            for row in results.medal_table
        ],
        "best_of": [
            {"organization": row.organization, "competitors": [
                {"skill": e.skill, "competitor": e.competitor,
                 "score": score_text(e.score, e.scale)}
                for e in row.competitors
            ]}
            for row in results.best_of
        ],
    }
