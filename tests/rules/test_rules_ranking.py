"""Ranking and ties (docs/rules.md section 6), by worked examples."""

from __future__ import annotations

from rules_support import column, results, totals_skill


def ranks(doc: dict) -> dict:
    return column(results(doc), "rank")


def order(doc: dict) -> list[str]:
    document = results(doc)
    return [row["competitor"] for group in document["skills"][0]["groups"]
            for row in group["results"]]


def test_standard_competition_ranking_without_margin():
    doc = totals_skill({"a": "80", "b": "80", "c": "79", "d": "78"})
    assert ranks(doc) == {"a": 1, "b": 1, "c": 3, "d": 4}


def test_tie_groups_are_formed_from_the_top_with_a_margin():
    # margin 1: leader 80.00 takes ≥ 79.00 → a, b, c share rank 1; then leader 78.50 takes
    # ≥ 77.50 → only d (rank 4) although d is within 1 of c; then e (rank 5).
    doc = totals_skill({"a": "80", "b": "79.5", "c": "79", "d": "78.5", "e": "77"},
                       policy={"tie_margin": "1"})
    assert ranks(doc) == {"a": 1, "b": 1, "c": 1, "d": 4, "e": 5}


def test_ties_compare_the_rounded_score():
    # 80.004 and 79.996 both score 80.00 on the raw scale: a tie at margin 0
    doc = totals_skill({"a": "80.004", "b": "79.996", "c": "79.99"})
    assert ranks(doc) == {"a": 1, "b": 1, "c": 3}
    assert column(results(doc), "score") == {"a": "80.00", "b": "80.00", "c": "79.99"}


def test_results_ordered_by_rank_then_code_then_unranked_by_code():
    # "10" sorts before "9" (code points); guests and withdrawn come last, by code
    doc = totals_skill(
        {"9": "70", "10": "70", "2": "90", "g": "95", "1": "60", "w": "99"},
        statuses={"g": "guest", "w": "withdrawn"},
    )
    assert order(doc) == ["2", "10", "9", "1", "g", "w"]
    assert ranks(doc) == {"2": 1, "10": 2, "9": 2, "1": 4, "g": None, "w": None}


def test_within_a_margin_tie_the_order_is_by_code():
    doc = totals_skill({"b": "80", "a": "79.5"}, policy={"tie_margin": "1"})
    assert order(doc) == ["a", "b"]


def test_incomplete_competitors_get_provisional_ranks():
    doc = totals_skill({"a": "50", "b": "70", "c": "60"}, incomplete=("b",))
    assert ranks(doc) == {"a": 3, "b": 1, "c": 2}


def test_ws500_default_margin_is_2():
    # Basis (active, complete): a 40 and b 60 → mean 50, population sd 10, so a score is
    # 500 + 20 × (t − 50)/10 = 400 + 2t: a 480, b 520, c 59.5 → 519, d 59 → 518, e 58.5 → 517
    # (c, d, e are incomplete: ranked, not in the basis). Margin 2: leader b (520) takes
    # ≥ 518 → b, c, d rank 1; e rank 4; a rank 5.
    doc = totals_skill({"a": "40", "b": "60", "c": "59.5", "d": "59", "e": "58.5"},
                       policy={"scale": "ws500"}, incomplete=("c", "d", "e"))
    document = results(doc)
    assert column(document, "score") == {"a": "480", "b": "520", "c": "519", "d": "518",
                                         "e": "517"}
    assert column(document, "rank") == {"a": 5, "b": 1, "c": 1, "d": 1, "e": 4}


def test_ws500_margin_can_be_set_to_zero():
    doc = totals_skill({"a": "40", "b": "60", "c": "59.5"}, policy={"scale": "ws500",
                                                                   "tie_margin": 0},
                       incomplete=("c",))
    assert ranks(doc) == {"a": 3, "b": 1, "c": 2}


def test_explicit_null_margin_is_the_scale_default():
    doc = totals_skill({"a": "40", "b": "60", "c": "59.5"},
                       policy={"scale": "ws500", "tie_margin": None}, incomplete=("c",))
    assert ranks(doc) == {"a": 3, "b": 1, "c": 1}
