"""Scale scores (docs/rules.md section 5), by worked examples computed by hand."""

from __future__ import annotations

from rules_support import column, results, totals_skill


def scores(doc: dict) -> dict:
    return column(results(doc), "score")


def test_raw_score_is_the_rounded_total():
    doc = totals_skill({"a": "83.245", "b": "83.2449", "c": "0"})
    assert scores(doc) == {"a": "83.25", "b": "83.24", "c": "0.00"}


def test_ws500():
    # basis 60, 70, 80: mean 70, population sd √(200/3) = 8.16497
    # 60 → 500 − 20 × 10/8.16497 = 475.505 → 476; 70 → 500; 80 → 524.495 → 524
    doc = totals_skill({"a": "60", "b": "70", "c": "80"}, policy={"scale": "ws500"})
    assert scores(doc) == {"a": "476", "b": "500", "c": "524"}


def test_ws700_odd_basis():
    # basis 60, 70, 90: median 70, mean 73.333, sd √(1400/9) = 12.4722
    # 60 → 700 − 200/12.4722 = 683.964 → 684; 70 → 700; 90 → 700 + 400/12.4722 = 732.07 → 732
    doc = totals_skill({"a": "60", "b": "70", "c": "90"}, policy={"scale": "ws700"})
    assert scores(doc) == {"a": "684", "b": "700", "c": "732"}


def test_ws700_even_basis_median_is_the_mean_of_the_middle_two():
    # basis 60, 70, 80, 100: median 75, mean 77.5, sd √218.75 = 14.7902
    # 60 → 700 − 300/14.7902 = 679.72 → 680; 70 → 693.24 → 693; 80 → 706.76 → 707;
    # 100 → 700 + 500/14.7902 = 733.81 → 734
    doc = totals_skill({"a": "60", "b": "70", "c": "80", "d": "100"}, policy={"scale": "ws700"})
    assert scores(doc) == {"a": "680", "b": "693", "c": "707", "d": "734"}


def test_zero_sd_gives_the_centre():
    doc = totals_skill({"a": "70", "b": "70", "g": "90"}, policy={"scale": "ws500"},
                       statuses={"g": "guest"})
    assert scores(doc) == {"a": "500", "b": "500", "g": "500"}
    doc = totals_skill({"a": "70", "b": "70"}, policy={"scale": "ws700"})
    assert scores(doc) == {"a": "700", "b": "700"}


def test_basis_of_fewer_than_two_gives_the_centre_to_everyone():
    # only a is active and complete; b is incomplete, g a guest
    doc = totals_skill({"a": "40", "b": "90", "g": "10"}, policy={"scale": "ws500"},
                       incomplete=("b",), statuses={"g": "guest"})
    assert scores(doc) == {"a": "500", "b": "500", "g": "500"}
    doc = totals_skill({"b": "90"}, policy={"scale": "ws700"}, incomplete=("b",))
    assert scores(doc) == {"b": "700"}


def test_guests_withdrawn_and_incomplete_get_provisional_scores_from_the_same_basis():
    # basis a 60, b 70, c 80 (as in test_ws500); g (guest) 90 → 500 + 20 × 20/8.16497
    # = 548.99 → 549; w (withdrawn) 65 → 487.75 → 488; i (incomplete) 75 → 512.25 → 512
    doc = totals_skill({"a": "60", "b": "70", "c": "80", "g": "90", "w": "65", "i": "75"},
                       policy={"scale": "ws500"}, statuses={"g": "guest", "w": "withdrawn"},
                       incomplete=("i",))
    got = results(doc)
    assert column(got, "score") == {"a": "476", "b": "500", "c": "524", "g": "549", "w": "488",
                                    "i": "512"}
    assert column(got, "rank") == {"a": 4, "b": 3, "c": 1, "g": None, "w": None, "i": 2}


def test_ws_scores_round_an_exact_half_up():
    # basis 40, 60: mean 50, median 50, sd 10. ws500: 400 + 2t; ws700: 600 + 2t.
    # A guest with 50.25 scores exactly 500.5 → 501 and 700.5 → 701 (half-even: 500, 700);
    # 49.75 → 499.5 → 500.
    for scale, expected in (("ws500", {"h": "501", "l": "500"}),
                            ("ws700", {"h": "701", "l": "700"})):
        doc = totals_skill({"a": "40", "b": "60", "h": "50.25", "l": "49.75"},
                           policy={"scale": scale}, statuses={"h": "guest", "l": "guest"})
        got = scores(doc)
        assert {k: got[k] for k in "hl"} == expected, scale


def test_ws_scores_use_exact_totals_not_rounded_ones():
    # basis 40 and 60.004 (rounds to 60.00): mean 50.002, sd 10.002.
    # a guest with 60.00 scores 500 + 20 × 9.998/10.002 = 519.992 → 520, and one with
    # 59.75: 500 + 20 × 9.748/10.002 = 519.49 → 519; with rounded totals (sd 10) 59.75 would
    # score 519.5 → 520.
    doc = totals_skill({"a": "40", "b": "60.004", "g": "60", "h": "59.75"},
                       policy={"scale": "ws500"}, statuses={"g": "guest", "h": "guest"})
    got = scores(doc)
    assert (got["g"], got["h"]) == ("520", "519")


def test_scales_are_computed_per_group():
    # two categories, each its own basis: x: 60, 80 → 480, 520; y: 10, 20, 30 → 476, 500, 524
    doc = totals_skill({"a": "60", "b": "80", "c": "10", "d": "20", "e": "30"},
                       policy={"scale": "ws500"},
                       categories={"a": "x", "b": "x", "c": "y", "d": "y", "e": "y"})
    assert scores(doc) == {"a": "480", "b": "520", "c": "476", "d": "500", "e": "524"}
