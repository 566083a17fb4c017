"""The API the server calls: SkillInput built directly (no file), exact results out."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from competition.rules import (
    Aspect,
    Competitor,
    Criterion,
    Dispute,
    Mark,
    MedalMinField,
    Policy,
    RulesInputError,
    SkillInput,
    evaluate_skill,
    skill_result_to_json,
)


def scheme() -> tuple[Criterion, ...]:
    return (
        Criterion("A", "Work organisation", (
            Aspect("A1", "M", Decimal("1.50"), (Decimal(0), Decimal("0.75"), Decimal("1.50"))),
            Aspect("A2", "J", Decimal("2.00")),
        )),
    )


def build(marks: list[Mark], policy: Policy | None = None) -> SkillInput:
    return SkillInput("10", "Welding", policy or Policy(), scheme(),
                      (Competitor("101", "Aigerim", "VKO-PTK", "students"),
                       Competitor("102", "Dana", "PTK-2", "students"),
                       Competitor("103", "Guest", "KZ-1", None, "guest")),
                      tuple(marks))


def test_exact_figures_and_counts():
    result = evaluate_skill(build([
        Mark("A1", "101", None, Decimal("1.5")),
        Mark("A2", "101", "E1", 2), Mark("A2", "101", "E2", 2), Mark("A2", "101", "E3", 1),
        Mark("A1", "102", None, Decimal("0.75")),
        Mark("A2", "102", "E1", Decimal("3")), Mark("A2", "102", "E2", 1),
        Mark("A2", "103", "E1", 0), Mark("A2", "103", "E2", 2), Mark("A2", "103", "E3", 2),
    ]))
    assert [g.category for g in result.groups] == [None, "students"]
    first, second = result.groups[1].results
    assert first.competitor == "101"
    assert first.total == Fraction(3, 2) + Fraction(10, 9)  # exact, 47/18
    assert first.criteria == {"A": Fraction(47, 18)}
    assert first.max_marked == Fraction(7, 2)
    assert (first.complete, first.pending, first.disputed) == (True, 0, 0)
    assert (first.score, first.rank, first.medal) == (Decimal("2.61"), 1, None)
    assert first.name == "Aigerim"
    assert (second.competitor, second.pending, second.disputed) == ("102", 1, 0)
    assert second.total == Fraction(3, 4)
    guest = result.groups[0].results[0]
    assert (guest.pending, guest.disputed, guest.rank) == (1, 1, None)
    assert result.groups[1].final is False  # 102 is incomplete
    assert result.disputes == (Dispute("A2", "103", (("E1", 0), ("E2", 2), ("E3", 2))),)
    assert skill_result_to_json(result)["groups"][1]["results"][0]["total"] == "2.61"


def test_direct_input_is_checked_like_a_file():
    with pytest.raises(RulesInputError, match=r'^marks\[1\]: aspect "A2" \(judgement\), '
                                              r'competitor "101": needs a "judge"'):
        evaluate_skill(build([Mark("A2", "101", "E1", 2), Mark("A2", "101", None, 2)]))
    with pytest.raises(RulesInputError, match=r"^marks\[0\]: .* value 1 is not an allowed mark"):
        evaluate_skill(build([Mark("A1", "101", None, 1)]))
    with pytest.raises(RulesInputError, match=r"max: must be > 0"):
        Aspect("A3", "M", Decimal(0))
    with pytest.raises(RulesInputError, match=r"unknown scale"):
        Policy(scale="ws1000")
    with pytest.raises(RulesInputError, match=r"status: must be active, guest, withdrawn or "
                                              r"disqualified"):
        Competitor("104", status="retired")
    with pytest.raises(RulesInputError, match=r"penalty: must be ≥ 0, not -1"):
        Competitor("105", penalty=Decimal(-1))


def test_policy_defaults_by_scale():
    assert (Policy().effective_tie_margin, Policy().effective_medallion_threshold) == (0, None)
    ws500 = Policy(scale="ws500")
    assert (ws500.effective_tie_margin, ws500.effective_medallion_threshold) == (2, 500)
    ws700 = Policy(scale="ws700", tie_margin=Decimal(1))
    assert (ws700.effective_tie_margin, ws700.effective_medallion_threshold) == (1, 700)
    assert Policy().medal_min_field == MedalMinField(1, 1, 1)


def test_many_disputes_and_judges_in_one_skill():
    # 40 judges on 20 aspects (a panel per aspect), every other aspect in dispute
    aspects = tuple(Aspect(f"J{i:02d}", "J", Decimal(3)) for i in range(20))
    marks = []
    for i in range(20):
        scores = (0, 2, 2) if i % 2 else (3, 3, 2)
        judges = (f"E{2 * i}", f"E{2 * i + 1}", "CHIEF")
        marks += [Mark(f"J{i:02d}", "101", j, s) for j, s in zip(judges, scores, strict=True)]
    skill = SkillInput("1", None, Policy(), (Criterion("A", None, aspects),),
                       (Competitor("101"),), tuple(marks))
    result = evaluate_skill(skill)
    row = result.groups[0].results[0]
    assert (row.pending, row.disputed) == (0, 10)
    assert row.total == 10 * Fraction(3 * 8, 9)  # ten counted aspects of 3 × 8/9
    assert [d.aspect for d in result.disputes] == [f"J{i:02d}" for i in range(1, 20, 2)]
    assert result.disputes[0].scores == (("CHIEF", 2), ("E2", 0), ("E3", 2))
