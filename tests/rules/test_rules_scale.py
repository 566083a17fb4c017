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
    # only a is active; w withdrawn, g a guest, x disqualified: none of them in the basis
    doc = totals_skill({"a": "40", "w": "90", "g": "10", "x": "70"}, policy={"scale": "ws500"},
                       statuses={"w": "withdrawn", "g": "guest", "x": "disqualified"})
    assert scores(doc) == {"a": "500", "w": "500", "g": "500", "x": "500"}
    doc = totals_skill({"b": "90"}, policy={"scale": "ws700"})
    assert scores(doc) == {"b": "700"}


def test_guests_withdrawn_and_disqualified_get_scores_from_the_same_basis():
    # basis a 60, b 70, c 80 (as in test_ws500); g (guest) 90 → 500 + 20 × 20/8.16497
    # = 548.99 → 549; w (withdrawn) 65 → 487.75 → 488; x (disqualified) 75 → 512.25 → 512;
    # none of them ranked nor medalled
    doc = totals_skill({"a": "60", "b": "70", "c": "80", "g": "90", "w": "65", "x": "75"},
                       policy={"scale": "ws500"},
                       statuses={"g": "guest", "w": "withdrawn", "x": "disqualified"})
    got = results(doc)
    assert got["skills"][0]["groups"][0]["final"] is True
    assert column(got, "score") == {"a": "476", "b": "500", "c": "524", "g": "549", "w": "488",
                                    "x": "512"}
    assert column(got, "rank") == {"a": 3, "b": 2, "c": 1, "g": None, "w": None, "x": None}
    assert column(got, "medal") == {"a": "bronze", "b": "silver", "c": "gold", "g": None,
                                    "w": None, "x": None}


def test_an_incomplete_guest_or_disqualified_competitor_does_not_hold_the_group_back():
    doc = totals_skill({"a": "60", "b": "70", "g": "90", "x": "75"}, policy={"scale": "ws700"},
                       statuses={"g": "guest", "x": "disqualified"}, incomplete=("g", "x"))
    got = results(doc)
    assert got["skills"][0]["groups"][0]["final"] is True
    assert column(got, "medal") == {"a": "silver", "b": "gold", "g": None, "x": None}


def test_a_group_not_final_is_scored_raw_whatever_the_scale():
    # i is incomplete: nobody sits at 500/700 while marking goes on (revision 2)
    for scale in ("ws500", "ws700"):
        doc = totals_skill({"a": "60", "b": "70", "i": "75"}, policy={"scale": scale},
                           incomplete=("i",))
        got = results(doc)
        assert got["skills"][0]["groups"][0]["final"] is False
        assert column(got, "score") == {"a": "60.00", "b": "70.00", "i": "75.00"}, scale
        assert column(got, "rank") == {"a": 3, "b": 2, "i": 1}
        assert set(column(got, "medal").values()) == {None}


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


def test_a_penalty_comes_off_the_total_never_below_zero_and_not_off_the_criteria():
    doc = totals_skill({"a": "60", "b": "70", "c": "5"}, penalties={"b": "15.5", "c": 10})
    got = results(doc)
    assert column(got, "total") == {"a": "60.00", "b": "54.50", "c": "0.00"}
    assert column(got, "rank") == {"a": 1, "b": 2, "c": 3}
    assert {k: v["A"] for k, v in column(got, "criteria").items()} == {
        "a": "60.00", "b": "70.00", "c": "5.00"}


def test_an_absent_or_null_penalty_is_zero_and_a_fine_one_is_kept_exactly():
    doc = totals_skill({"a": "60", "b": "60", "c": "60"}, penalties={"a": None, "b": "0.001"})
    got = results(doc)
    # 59.999 rounds to 60.00 in the output, but the exact total ranks b below a and c
    assert column(got, "total") == {"a": "60.00", "b": "60.00", "c": "60.00"}
    assert column(got, "rank") == {"a": 1, "b": 1, "c": 1}  # the rounded score decides
    doc = totals_skill({"a": "60", "b": "60"}, penalties={"b": "0.005"})
    assert column(results(doc), "score") == {"a": "60.00", "b": "60.00"}  # 59.995 → 60.00


def test_the_scale_basis_uses_totals_after_penalties():
    # a 60, b 70, c 80 with 20 off c → basis 60, 70, 60: mean 63.33, sd 4.714
    # ws500: a 500 + 20 × (−3.333)/4.714 = 485.86 → 486; b 528.28 → 528; c 486
    doc = totals_skill({"a": "60", "b": "70", "c": "80"}, policy={"scale": "ws500"},
                       penalties={"c": "20"})
    assert column(results(doc), "score") == {"a": "486", "b": "528", "c": "486"}
