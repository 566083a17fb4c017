"""Medal table and Best of Region (docs/rules.md section 8), across several skills."""

from __future__ import annotations

from rules_support import results, totals_skill


def table(document: dict) -> list[tuple]:
    return [(r["organization"], r["gold"], r["silver"], r["bronze"], r["medallion"], r["points"])
            for r in document["medal_table"]]


def test_medal_table_points_and_order():
    threshold = {"medallion_threshold": "50"}
    # skill 1: Q gold, R silver, P bronze, S medallion (4th), T nothing (below 50)
    one = totals_skill({"q1": "90", "r1": "80", "p1": "70", "s1": "60", "t1": "40"},
                       code="1", policy=threshold,
                       organizations={"q1": "Q", "r1": "R", "p1": "P", "s1": "S", "t1": "T"})
    # skill 2: P bronze... P gets a second bronze; S three medallions; R a medallion
    two = totals_skill({"x2": "95", "y2": "94", "p2": "90", "s2": "85", "s3": "84", "s4": "83",
                        "r2": "82"},
                       code="2", policy=threshold,
                       organizations={"x2": "X", "y2": "Y", "p2": "P", "s2": "S", "s3": "S",
                                      "s4": "S", "r2": "R"})
    document = results(one, two)
    # points: gold 4, silver 3, bronze 2, medallion 1.
    # X 4 (1 gold) · Q 4 (1 gold) · R 3+1 = 4 (silver, medallion) · P 2+2 = 4 (2 bronze) ·
    # S 1+3 = 4 (4 medallions) · Y 3 (silver) · T 0. All 4-pointers: by gold, silver, bronze,
    # medallion, then code: Q, X (gold 1, code order), R, P, S; then Y; then T.
    assert table(document) == [
        ("Q", 1, 0, 0, 0, 4),
        ("X", 1, 0, 0, 0, 4),
        ("R", 0, 1, 0, 1, 4),
        ("P", 0, 0, 2, 0, 4),
        ("S", 0, 0, 0, 4, 4),
        ("Y", 0, 1, 0, 0, 3),
        ("T", 0, 0, 0, 0, 0),
    ]


def test_medal_table_lists_every_organization_with_a_competitor():
    doc = totals_skill({"a": "90", "g": "99", "w": "10", "n": "50"},
                       statuses={"g": "guest", "w": "withdrawn"},
                       organizations={"a": "A", "g": "G", "w": "W"})
    doc["competitors"][3]["organization"] = None  # n has none: no row
    document = results(doc)
    assert table(document) == [("A", 1, 0, 0, 0, 4), ("G", 0, 0, 0, 0, 0), ("W", 0, 0, 0, 0, 0)]
    assert list(document["medal_table"][0]) == ["organization", "gold", "silver", "bronze",
                                                "medallion", "points"]


def test_a_team_counts_once_and_ties_count_every_medal():
    doc = totals_skill({"t1": "90", "t2": "90"}, organizations={"t1": "A", "t2": "A"})
    assert table(results(doc)) == [("A", 2, 0, 0, 0, 8)]


def test_best_of_region():
    # skill "20" given first, then "10"
    first = totals_skill({"a1": "80", "b1": "70", "c1": "95", "d1": "60"}, code="20",
                         organizations={"a1": "A", "b1": "B", "c1": "C", "d1": "D"},
                         statuses={"c1": "guest"})
    second = totals_skill({"a2": "80", "a3": "80", "b2": "9.5", "b3": "75", "d2": "99"},
                          code="10",
                          organizations={"a2": "A", "a3": "A", "b2": "B", "b3": "B", "d2": "D"},
                          statuses={"d2": "disqualified"})
    document = results(first, second)
    assert document["best_of"] == [
        # A: a tie at 80 over both skills: skill order as given, then competitor code
        {"organization": "A", "competitors": [
            {"skill": "20", "competitor": "a1", "score": "80.00"},
            {"skill": "10", "competitor": "a2", "score": "80.00"},
            {"skill": "10", "competitor": "a3", "score": "80.00"},
        ]},
        # B: 75 beats 70 and 9.5 (numbers, not strings: "9.50" > "75.00" as text)
        {"organization": "B", "competitors": [
            {"skill": "10", "competitor": "b3", "score": "75.00"}]},
        # C: only a guest (not ranked) → no row. D: 99 is disqualified → its 60 counts
        {"organization": "D", "competitors": [
            {"skill": "20", "competitor": "d1", "score": "60.00"}]},
    ]


def test_best_of_region_counts_final_groups_only():
    # skill 2 is still being marked (b2 incomplete): a2's 90 does not count, a1's 50 does
    one = totals_skill({"a1": "50"}, code="1", organizations={"a1": "A"})
    two = totals_skill({"a2": "90", "b2": "10"}, code="2", organizations={"a2": "A", "b2": "B"},
                       incomplete=("b2",))
    assert results(one, two)["best_of"] == [
        {"organization": "A", "competitors": [{"skill": "1", "competitor": "a1",
                                               "score": "50.00"}]}]


def test_best_of_compares_scores_as_numbers_across_skills():
    one = totals_skill({"a1": "9.5"}, code="1", organizations={"a1": "A"})
    two = totals_skill({"a2": "10"}, code="2", organizations={"a2": "A"})
    assert results(one, two)["best_of"] == [
        {"organization": "A", "competitors": [{"skill": "2", "competitor": "a2",
                                               "score": "10.00"}]}]


def test_best_of_uses_scale_scores_and_ordering_by_organization_code():
    # ws500: basis 60, 70, 80 → 476, 500, 524
    doc = totals_skill({"x": "60", "y": "70", "z": "80"}, policy={"scale": "ws500"},
                       organizations={"x": "b", "y": "a", "z": "B"})
    assert results(doc)["best_of"] == [
        {"organization": "B", "competitors": [{"skill": "10", "competitor": "z",
                                               "score": "524"}]},
        {"organization": "a", "competitors": [{"skill": "10", "competitor": "y",
                                               "score": "500"}]},
        {"organization": "b", "competitors": [{"skill": "10", "competitor": "x",
                                               "score": "476"}]},
    ]
