"""Aspect marks and totals (docs/rules.md sections 1–3), by worked examples."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from rules_support import (
    competitor,
    criterion,
    j_aspect,
    judged,
    m_aspect,
    mark,
    results,
    rows,
    skill,
)

from competition.rules import AspectState, judgement_mark, judgement_state


def one(doc: dict, who: str = "101") -> dict:
    return rows(results(doc))[who]


def test_judgement_mark_is_exact():
    # 2.00 × (1 + 2 + 2) / (3 × 3) = 10/9, not a finite decimal
    assert judgement_mark(Decimal("2.00"), [1, 2, 2], 3) == Fraction(10, 9)
    # two judges: 3.00 × (2 + 3) / 6 = 5/2
    assert judgement_mark(Decimal("3.00"), [2, 3], 2) == Fraction(5, 2)


@pytest.mark.parametrize(("scores", "state"), [
    ([1, 2, 2], AspectState.COUNTED),   # spread 1 is fine
    ([3, 3, 3], AspectState.COUNTED),
    ([0, 1, 0], AspectState.COUNTED),
    ([0, 2, 2], AspectState.DISPUTE),   # spread 2
    ([3, 1, 3], AspectState.DISPUTE),
    ([0, 3, 3], AspectState.DISPUTE),
    ([0, 3], AspectState.PENDING),      # not all scores in: no dispute yet
    ([], AspectState.PENDING),
])
def test_judgement_state(scores, state):
    assert judgement_state(scores, 3) is state


def test_j_mark_and_m_mark_add_up_exactly():
    doc = skill(
        criteria=[criterion("A", m_aspect("A1.1", "1.50", ["0", "0.75", "1.50"]),
                            j_aspect("A1.2", "2.00"))],
        competitors=[competitor("101")],
        marks=[mark("A1.1", "101", "1.50"), *judged("A1.2", "101", 2, 2, 1)],
    )
    row = one(doc)
    # 1.50 + 2.00 × 5/9 = 1.50 + 1.1111… = 2.6111… → "2.61"
    assert row["total"] == "2.61"
    assert row["criteria"] == {"A": "2.61"}
    assert row["max_marked"] == "3.50"
    assert row["complete"] is True


def test_exact_j_marks_are_not_rounded_one_by_one():
    # Nine J aspects of max 2.00 each scored 1, 2, 2: each is 10/9, so the total is exactly
    # 10. Rounding each aspect first would give 9 × 1.11 = 9.99.
    aspects = [j_aspect(f"A{i}", "2.00") for i in range(9)]
    marks = [m for i in range(9) for m in judged(f"A{i}", "101", 1, 2, 2)]
    row = one(skill(criteria=[criterion("A", *aspects)], competitors=[competitor("101")],
                    marks=marks))
    assert row["total"] == "10.00"
    assert row["max_marked"] == "18.00"


def test_rounding_is_half_up_at_output_only():
    # 0.125 → 0.13 (half-even would say 0.12); 2.665 → 2.67 (a float holds 2.66499…)
    doc = skill(
        criteria=[criterion("A", m_aspect("A1", "0.125")), criterion("B", m_aspect("B1", "2.665"))],
        competitors=[competitor("101"), competitor("102")],
        marks=[mark("A1", "101", "0.125"), mark("B1", "102", "2.665")],
    )
    got = rows(results(doc))
    assert got["101"]["total"] == "0.13"
    assert got["101"]["criteria"] == {"A": "0.13", "B": "0.00"}
    assert got["102"]["total"] == "2.67"
    assert got["102"]["max_marked"] == "2.67"


def test_rounded_criteria_need_not_add_up_to_the_rounded_total():
    # A: 0.005 → "0.01"; B: 0.005 → "0.01"; total 0.010 → "0.01"
    doc = skill(
        criteria=[criterion("A", m_aspect("A1", "0.005")), criterion("B", m_aspect("B1", "0.005"))],
        competitors=[competitor("101")],
        marks=[mark("A1", "101", "0.005"), mark("B1", "101", "0.005")],
    )
    row = one(doc)
    assert row["criteria"] == {"A": "0.01", "B": "0.01"}
    assert row["total"] == "0.01"


def test_every_criterion_is_listed_in_scheme_order_even_unmarked():
    doc = skill(
        criteria=[criterion("C", m_aspect("C1", "5")), criterion("A", m_aspect("A1", "5")),
                  criterion("B", j_aspect("B1", "3"))],
        competitors=[competitor("101")],
        marks=[mark("A1", "101", "5")],
    )
    row = one(doc)
    assert list(row["criteria"]) == ["C", "A", "B"]
    assert row["criteria"] == {"C": "0.00", "A": "5.00", "B": "0.00"}
    assert row["total"] == "5.00"
    assert row["max_marked"] == "5.00"  # only the counted aspect's max
    assert row["complete"] is False


def test_pending_judgement_is_not_counted():
    doc = skill(
        criteria=[criterion("A", m_aspect("A1", "1"), j_aspect("A2", "3.00"))],
        competitors=[competitor("101")],
        # two of three scores, even 0 and 3: pending, not a dispute
        marks=[mark("A1", "101", "1"), *judged("A2", "101", 0, 3)],
    )
    document = results(doc)
    row = rows(document)["101"]
    assert (row["total"], row["max_marked"], row["complete"]) == ("1.00", "1.00", False)
    assert document["skills"][0]["disputes"] == []


def test_dispute_is_listed_and_not_counted():
    doc = skill(
        criteria=[criterion("A", j_aspect("A1", "3.00"), j_aspect("A2", "3.00"))],
        competitors=[competitor("101")],
        marks=[*judged("A1", "101", 0, 2, 2, judges=("E09", "E07", "E08")),
               *judged("A2", "101", 2, 3, 3)],
    )
    document = results(doc)
    row = rows(document)["101"]
    # only A2 counts: 3.00 × 8/9 = 2.666… → "2.67"
    assert (row["total"], row["max_marked"], row["complete"]) == ("2.67", "3.00", False)
    assert document["skills"][0]["disputes"] == [
        {"aspect": "A1", "competitor": "101", "scores": {"E07": 2, "E08": 2, "E09": 0}},
    ]
    assert list(document["skills"][0]["disputes"][0]["scores"]) == ["E07", "E08", "E09"]


def test_resolved_dispute_counts():
    # after re-marking the 0 becomes 1: spread 1, counted: 3.00 × 5/9 = 1.666… → "1.67"
    doc = skill(
        criteria=[criterion("A", j_aspect("A1", "3.00"))],
        competitors=[competitor("101")],
        marks=judged("A1", "101", 1, 2, 2),
    )
    assert one(doc)["total"] == "1.67"


def test_unmarked_measurement_is_pending():
    doc = skill(
        criteria=[criterion("A", m_aspect("A1", "1"), m_aspect("A2", "2"))],
        competitors=[competitor("101")],
        marks=[mark("A2", "101", "0")],  # a mark of 0 counts
    )
    row = one(doc)
    assert (row["total"], row["max_marked"], row["complete"]) == ("0.00", "2.00", False)


def test_judges_per_aspect_from_policy():
    doc = skill(
        policy={"judges_per_aspect": 2},
        criteria=[criterion("A", j_aspect("A1", "3.00"))],
        competitors=[competitor("101")],
        marks=judged("A1", "101", 2, 3),
    )
    row = one(doc)
    # 3.00 × 5 / (3 × 2) = 2.50
    assert (row["total"], row["complete"]) == ("2.50", True)


@pytest.mark.parametrize("value", [2, "2", 2.0, "2.0", "2.00"])
def test_judgement_value_forms(value):
    # every form of 2: 3.00 × (2 + 2 + 2)/9 = 2.00
    doc = skill(
        criteria=[criterion("A", j_aspect("A1", "3.00"))],
        competitors=[competitor("101")],
        marks=judged("A1", "101", value, 2, 2),
    )
    assert one(doc)["total"] == "2.00"


@pytest.mark.parametrize("value", ["1.5", "1.50", "1.500", 1.5, "1.50000"])
def test_measurement_values_compare_as_numbers(value):
    doc = skill(
        criteria=[criterion("A", m_aspect("A1", "1.50", ["0", "0.75", "1.50"]),
                            m_aspect("A2", 1.5))],  # allowed: 0 and max
        competitors=[competitor("101")],
        marks=[mark("A1", "101", value), mark("A2", "101", value)],
    )
    assert one(doc)["total"] == "3.00"


def test_measurement_of_more_decimals_than_two():
    # values with three decimals keep their exactness: 0.333 + 0.333 + 0.334 = 1.000
    doc = skill(
        criteria=[criterion("A", m_aspect("A1", "0.333"), m_aspect("A2", "0.333"),
                            m_aspect("A3", "0.334"))],
        competitors=[competitor("101")],
        marks=[mark("A1", "101", "0.333"), mark("A2", "101", "0.333"),
               mark("A3", "101", "0.334")],
    )
    assert one(doc)["total"] == "1.00"
