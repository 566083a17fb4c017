"""The worked example of docs/rules.md section 9, so the page cannot drift from the code."""

from __future__ import annotations

from rules_support import (
    column,
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


def example(scale: str) -> dict:
    marks = []
    for who, a1, a2, b1, b2 in (("101", "1.50", (2, 2, 1), "3.00", (3, 3, 2)),
                                ("102", "0.75", (3, 3, 3), "3.00", (2, 2, 2)),
                                ("103", "1.50", (1, 1, 2), "3.00", (3, 3, 3)),
                                ("104", "0.75", (0, 2, 2), "0", (1, 1, 1))):
        marks += [mark("A1", who, a1), *judged("A2", who, *a2), mark("B1", who, b1),
                  *judged("B2", who, *b2)]
    return skill(
        policy={"scale": scale},
        criteria=[criterion("A", m_aspect("A1", "1.50", ["0", "0.75", "1.50"]),
                            j_aspect("A2", "2.00")),
                  criterion("B", m_aspect("B1", "3.00"), j_aspect("B2", "3.00"))],
        competitors=[competitor("101", "VKO-PTK"), competitor("102", "PTK-2"),
                     competitor("103", "VKO-PTK"), competitor("104", "KZ-1", status="guest")],
        marks=marks,
    )


def test_raw():
    document = results(example("raw"))
    got = rows(document)
    assert {k: (r["criteria"]["A"], r["criteria"]["B"], r["total"], r["max_marked"])
            for k, r in got.items()} == {
        "101": ("2.61", "5.67", "8.28", "9.50"),
        "102": ("2.75", "5.00", "7.75", "9.50"),
        "103": ("2.39", "6.00", "8.39", "9.50"),
        "104": ("0.75", "1.00", "1.75", "7.50"),
    }
    assert column(document, "rank") == {"101": 2, "102": 3, "103": 1, "104": None}
    assert column(document, "medal") == {"101": "silver", "102": "bronze", "103": "gold",
                                         "104": None}
    assert document["skills"][0]["groups"][0]["final"] is True
    assert document["skills"][0]["disputes"] == [
        {"aspect": "A2", "competitor": "104", "scores": {"E1": 0, "E2": 2, "E3": 2}}]
    assert [(r["organization"], r["points"]) for r in document["medal_table"]] == [
        ("VKO-PTK", 7), ("PTK-2", 2), ("KZ-1", 0)]
    assert document["best_of"] == [
        {"organization": "PTK-2", "competitors": [
            {"skill": "10", "competitor": "102", "score": "7.75"}]},
        {"organization": "VKO-PTK", "competitors": [
            {"skill": "10", "competitor": "103", "score": "8.39"}]},
    ]


def test_ws500():
    document = results(example("ws500"))
    # the guest: 500 + 20 × (1.75 − 8.1389)/0.27870 = 41.53 → 42
    assert column(document, "score") == {"101": "510", "102": "472", "103": "518", "104": "42"}
    assert column(document, "medal") == {"101": "silver", "102": "bronze", "103": "gold",
                                         "104": None}
