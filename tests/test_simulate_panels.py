"""`competition simulate` plans marks as the server allows them: with a fixed judgement panel
seated (GET /api/v1/skills/<ref> `panels`), only its members, or the substitute named for a
competitor, score the aspect; other experts still mark measurement aspects."""

from __future__ import annotations

import random

from competition.simulate.plan import plan_skill


def description(panels: dict) -> dict:
    experts = [{"code": f"E0{n}", "organization": f"ORG{n}", "role": "expert",
                "marking_team": ""} for n in range(1, 7)]
    return {
        "ref": "10", "judges_per_aspect": 3, "experts": experts, "panels": panels,
        "competitors": [{"code": "101", "organization": "ORG9", "status": "active"},
                        {"code": "102", "organization": "ORG1", "status": "active"}],
        "criteria": [{"code": "A", "sub_criteria": [{"code": "A1", "locked": False, "aspects": [
            {"code": "A1.1", "type": "M", "values": ["0.00", "1.00"]},
            {"code": "A1.2", "type": "J", "values": [0, 1, 2, 3]}]}]}],
    }


def scorers(plan, aspect: str, competitor: str) -> set[str]:
    return {s.judge for s in plan.submissions if (s.aspect, s.competitor) == (aspect, competitor)}


def test_only_the_panel_or_the_substitute_is_planned_for_a_panelled_aspect():
    judges = {f"E0{n}": f"login-{n}" for n in range(1, 7)}
    panels = {"A1.2": {"members": ["E01", "E04", "E05"],
                       "exceptions": {"102": ["E04", "E05", "E06"]}}}  # E01 is 102's compatriot
    plan = plan_skill(description(panels), [], judges, random.Random(1))
    assert scorers(plan, "A1.2", "101") == {"E01", "E04", "E05"}
    assert scorers(plan, "A1.2", "102") == {"E04", "E05", "E06"}
    assert plan.unreachable == 0
    # without the panel, the first non-compatriot experts score, as before
    free = plan_skill(description({}), [], judges, random.Random(1))
    assert scorers(free, "A1.2", "101") == {"E01", "E02", "E03"}
    assert scorers(free, "A1.2", "102") == {"E02", "E03", "E04"}


def test_a_panel_the_run_has_no_judge_of_is_counted_unreachable():
    judges = {"E02": "login-2", "E03": "login-3"}
    panels = {"A1.2": {"members": ["E01", "E04", "E05"], "exceptions": {}}}
    plan = plan_skill(description(panels), [], judges, random.Random(1))
    assert scorers(plan, "A1.2", "101") == set()
    assert plan.unreachable == 6  # 3 scores × 2 competitors
    assert scorers(plan, "A1.1", "101")  # measurement: anyone of ours
