"""Groups, medals and the Medallion for Excellence (docs/rules.md sections 4 and 7)."""

from __future__ import annotations

import pytest
from rules_support import (
    column,
    competitor,
    criterion,
    j_aspect,
    judged,
    m_aspect,
    mark,
    results,
    skill,
    totals_skill,
)


def medals(doc: dict) -> dict:
    return column(results(doc), "medal")


@pytest.mark.parametrize(("totals", "expected"), [
    # two golds: no silver, the next is bronze
    ({"a": "90", "b": "90", "c": "80", "d": "70"},
     {"a": "gold", "b": "gold", "c": "bronze", "d": None}),
    # three golds: nothing else
    ({"a": "90", "b": "90", "c": "90", "d": "80"},
     {"a": "gold", "b": "gold", "c": "gold", "d": None}),
    # two silvers: no bronze
    ({"a": "90", "b": "80", "c": "80", "d": "70"},
     {"a": "gold", "b": "silver", "c": "silver", "d": None}),
    # two bronzes
    ({"a": "90", "b": "85", "c": "80", "d": "80", "e": "70"},
     {"a": "gold", "b": "silver", "c": "bronze", "d": "bronze", "e": None}),
])
def test_medals_follow_ranks(totals, expected):
    assert medals(totals_skill(totals)) == expected


def test_no_medal_until_the_group_is_final():
    doc = totals_skill({"a": "90", "b": "80", "c": "70"}, incomplete=("c",))
    document = results(doc)
    group = document["skills"][0]["groups"][0]
    assert group["final"] is False
    assert column(document, "medal") == {"a": None, "b": None, "c": None}
    assert column(document, "rank") == {"a": 1, "b": 2, "c": 3}


def test_a_dispute_keeps_the_group_from_being_final():
    doc = skill(
        criteria=[criterion("A", m_aspect("A1", "10"), j_aspect("A2", "3"))],
        competitors=[competitor("101"), competitor("102")],
        marks=[mark("A1", "101", "10"), mark("A1", "102", "0"),
               *judged("A2", "101", 3, 3, 3), *judged("A2", "102", 0, 2, 1)],
    )
    document = results(doc)
    assert document["skills"][0]["groups"][0]["final"] is False
    assert column(document, "medal") == {"101": None, "102": None}
    assert column(document, "complete") == {"101": True, "102": False}


def test_guests_and_withdrawn_do_not_hold_back_the_group_nor_get_medals():
    doc = totals_skill({"a": "80", "b": "70", "g": "99", "w": "98"},
                       statuses={"g": "guest", "w": "withdrawn"}, incomplete=("w",))
    document = results(doc)
    assert document["skills"][0]["groups"][0]["final"] is True
    assert column(document, "medal") == {"a": "gold", "b": "silver", "g": None, "w": None}


def test_categories_are_separate_groups_null_first_then_by_name():
    doc = totals_skill(
        {"a": "90", "b": "80", "c": "70", "d": "60", "e": "50", "f": "40"},
        categories={"a": "students", "b": None, "c": "Specialists", "d": "students",
                    "e": "schoolchildren", "f": None},
        incomplete=("e",),
    )
    document = results(doc)
    groups = document["skills"][0]["groups"]
    # code-point order: "Specialists" < "schoolchildren" < "students"
    assert [g["category"] for g in groups] == [None, "Specialists", "schoolchildren", "students"]
    assert [g["final"] for g in groups] == [True, True, False, True]
    assert [[r["competitor"] for r in g["results"]] for g in groups] == [
        ["b", "f"], ["c"], ["e"], ["a", "d"]]
    assert column(document, "rank") == {"a": 1, "b": 1, "c": 1, "d": 2, "e": 1, "f": 2}
    assert column(document, "medal") == {"a": "gold", "b": "gold", "c": "gold", "d": "silver",
                                         "e": None, "f": "silver"}


def test_absent_and_null_category_are_one_group():
    doc = totals_skill({"a": "90", "b": "80"})
    doc["competitors"][0]["category"] = None  # b has no "category" key at all
    groups = results(doc)["skills"][0]["groups"]
    assert len(groups) == 1
    assert groups[0]["category"] is None


@pytest.mark.parametrize(("n_active", "expected"), [
    # the Russian regional regulation: gold needs 4 competitors, silver 5, bronze 6
    (3, [None, None, None]),
    (4, ["gold", None, None, None]),
    (5, ["gold", "silver", None, None, None]),
    (6, ["gold", "silver", "bronze", None, None, None]),
])
def test_medal_min_field(n_active, expected):
    totals = {f"c{i}": str(90 - i) for i in range(n_active)}
    totals["g"] = "10"  # a guest does not count towards the field
    doc = totals_skill(totals, statuses={"g": "guest"},
                       policy={"medal_min_field": {"gold": 4, "silver": 5, "bronze": 6}})
    got = medals(doc)
    assert [got[f"c{i}"] for i in range(n_active)] == expected
    assert got["g"] is None


def test_partial_medal_min_field_keeps_1_for_the_others():
    doc = totals_skill({"a": "90", "b": "80", "c": "70"},
                       policy={"medal_min_field": {"bronze": 4}})
    assert medals(doc) == {"a": "gold", "b": "silver", "c": None}


def test_medallion_on_ws500_default_threshold_500():
    # basis 10, 70, 75, 80, 85, 90: n = 6, S = 410, Σt² = 32350, Q = 6·32350 − 410² = 26000,
    # score = 500 + 20 × (6t − 410)/√26000 (√26000 = 161.245):
    # 90 → 516.12 → 516; 85 → 512.40 → 512; 80 → 508.68 → 509; 75 → 504.96 → 505;
    # 70 → 501.24 → 501; 10 → 456.59 → 457. Margin 2 separates them all.
    doc = totals_skill({"a": "90", "b": "85", "c": "80", "d": "75", "e": "70", "f": "10"},
                       policy={"scale": "ws500"})
    document = results(doc)
    assert column(document, "score") == {"a": "516", "b": "512", "c": "509", "d": "505",
                                         "e": "501", "f": "457"}
    assert column(document, "medal") == {"a": "gold", "b": "silver", "c": "bronze",
                                         "d": "medallion", "e": "medallion", "f": None}


def test_medallion_threshold_from_policy_on_raw():
    doc = totals_skill({"a": "90", "b": "85", "c": "80", "d": "75", "e": "74.99"},
                       policy={"medallion_threshold": "75"})
    assert medals(doc) == {"a": "gold", "b": "silver", "c": "bronze", "d": "medallion",
                           "e": None}


def test_no_medallion_on_raw_by_default():
    doc = totals_skill({"a": "90", "b": "85", "c": "80", "d": "75"})
    assert medals(doc)["d"] is None


def test_medallion_goes_to_a_ranked_competitor_without_a_medal():
    # gold needs 4 competitors: the leader gets no gold, but reaches the threshold;
    # silver (min 1) is still given to rank 2.
    doc = totals_skill({"a": "90", "b": "80"},
                       policy={"medallion_threshold": "50", "medal_min_field": {"gold": 4}})
    assert medals(doc) == {"a": "medallion", "b": "silver"}


def test_no_medallion_before_the_group_is_final():
    doc = totals_skill({"a": "90", "b": "85", "c": "80", "d": "75", "e": "70"},
                       policy={"medallion_threshold": "70"}, incomplete=("e",))
    assert set(medals(doc).values()) == {None}
