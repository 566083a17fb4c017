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
    # A final group: a 40, b 60, c 59.5, d 59, e 58.5 → mean 55.4, population sd √59.54 =
    # 7.7162; score 500 + 20 × (t − 55.4)/7.7162: a 460.08 → 460, b 511.92 → 512,
    # c 510.63 → 511, d 509.33 → 509, e 508.03 → 508. Margin 2: leader b (512) takes ≥ 510
    # → b, c rank 1; then d (509) takes ≥ 507 → d, e rank 3; a rank 5.
    doc = totals_skill({"a": "40", "b": "60", "c": "59.5", "d": "59", "e": "58.5"},
                       policy={"scale": "ws500"})
    document = results(doc)
    assert column(document, "score") == {"a": "460", "b": "512", "c": "511", "d": "509",
                                         "e": "508"}
    assert column(document, "rank") == {"a": 5, "b": 1, "c": 1, "d": 3, "e": 3}


def test_a_group_not_final_is_ranked_raw_with_no_margin():
    # Revision 2: c, d, e incomplete → the group is scored raw and ws500's margin of 2 does
    # not apply: 60 > 59.5 > 59 > 58.5 > 40, every competitor a rank of their own.
    doc = totals_skill({"a": "40", "b": "60", "c": "59.5", "d": "59", "e": "58.5"},
                       policy={"scale": "ws500"}, incomplete=("c", "d", "e"))
    document = results(doc)
    assert document["skills"][0]["groups"][0]["final"] is False
    assert column(document, "score") == {"a": "40.00", "b": "60.00", "c": "59.50",
                                         "d": "59.00", "e": "58.50"}
    assert column(document, "rank") == {"a": 5, "b": 1, "c": 2, "d": 3, "e": 4}


def test_a_raw_policy_keeps_its_own_margin_while_not_final():
    doc = totals_skill({"a": "40", "b": "60", "c": "59.5"},
                       policy={"scale": "raw", "tie_margin": 1}, incomplete=("c",))
    assert ranks(doc) == {"a": 3, "b": 1, "c": 1}


def test_ws500_margin_can_be_set_to_zero():
    doc = totals_skill({"a": "40", "b": "60", "c": "59.5"}, policy={"scale": "ws500",
                                                                   "tie_margin": 0},
                       incomplete=("c",))
    assert ranks(doc) == {"a": 3, "b": 1, "c": 2}


def test_explicit_null_margin_is_the_scale_default():
    # final: mean 53.17, sd 9.3126 → a 472, b 515, c 514; margin 2 → b and c tie
    doc = totals_skill({"a": "40", "b": "60", "c": "59.5"},
                       policy={"scale": "ws500", "tie_margin": None})
    assert ranks(doc) == {"a": 3, "b": 1, "c": 1}
