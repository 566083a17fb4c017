"""`results_changes` (competition/standings/changes.py): the rows that changed between two
results of a skill, and a board's way of applying them."""

from __future__ import annotations

import copy
import random

import pytest

from competition.standings.changes import apply_changes, results_changes


def _results(rng: random.Random, categories: list, competitors: int) -> dict:
    groups = []
    for category in categories:
        rows = [{"competitor": f"{category or ''}{100 + n}", "status": "active",
                 "total": f"{rng.randint(0, 90)}.00", "rank": 0, "medal": None,
                 "criteria": {"A": f"{rng.randint(0, 30)}.00"}} for n in range(competitors)]
        rows.sort(key=lambda row: (-float(row["total"]), row["competitor"]))
        for rank, row in enumerate(rows, 1):
            row["rank"] = rank
        groups.append({"category": category, "final": False, "results": rows})
    return {"skill": "10", "groups": groups, "disputes": []}


def _moved(rng: random.Random, results: dict) -> dict:
    """A few rows changed, and their group sorted again."""
    after = copy.deepcopy(results)
    for group in after["groups"]:
        for row in rng.sample(group["results"], k=min(2, len(group["results"]))):
            row["total"] = f"{rng.randint(0, 90)}.00"
        group["results"].sort(key=lambda row: (-float(row["total"]), row["competitor"]))
        for rank, row in enumerate(group["results"], 1):
            row["rank"] = rank
    return after


@pytest.mark.parametrize("seed", range(40))
def test_applied_changes_give_the_new_results(seed):
    rng = random.Random(seed)
    before = _results(rng, rng.choice([[None], ["students", "specialists"]]), rng.randint(1, 25))
    after = _moved(rng, before)
    changes = results_changes(before, after)
    assert apply_changes(before, changes | {"base": 7}) == after
    held = {row["competitor"]: row for g in before["groups"] for row in g["results"]}
    for group, old, new in zip(changes["groups"], before["groups"], after["groups"],
                               strict=True):
        # only rows that differ, and the order only when it moved
        assert all(held[row["competitor"]] != row for row in group["changed"])
        order = [row["competitor"] for row in new["results"]]
        assert ("order" in group) == (order != [row["competitor"] for row in old["results"]])


def test_nothing_changed_sends_no_row():
    before = _results(random.Random(1), [None], 10)
    changes = results_changes(before, copy.deepcopy(before))
    assert changes["groups"] == [{"category": None, "final": False, "changed": []}]


def test_a_group_final_now_is_said_in_the_changes():
    before = _results(random.Random(2), [None], 5)
    after = copy.deepcopy(before)
    after["groups"][0]["final"] = True
    assert results_changes(before, after)["groups"][0]["final"] is True


@pytest.mark.parametrize("case", ["no results before", "none now", "a category added"])
def test_what_cannot_be_said_as_rows_is_sent_whole(case):
    rng = random.Random(3)
    before = _results(rng, ["students"], 4)
    after = {"no results before": before, "none now": None,
             "a category added": _results(rng, ["students", "specialists"], 4)}[case]
    assert results_changes(None if case == "no results before" else before,
                           after) is None
