"""Properties of the rules over generated skills (hypothesis), against a plain reference
computed here with Fractions straight from docs/rules.md."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from rules_support import results

from competition.rules import evaluate_skill, loads, parse_skill

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
JUDGES = ("E1", "E2", "E3", "E4")
MAXIMA = ("0.25", "0.5", "1", "1.50", "2.00", "3")


@st.composite
def skills(draw, scale=None):
    jpa = draw(st.integers(1, 3))
    policy = {
        "scale": scale or draw(st.sampled_from(["raw", "ws500", "ws700"])),
        "judges_per_aspect": jpa,
        "tie_margin": draw(st.sampled_from([None, "0", "0.5", "1", "2"])),
        "medallion_threshold": draw(st.sampled_from([None, "1", "500"])),
        "medal_min_field": draw(st.sampled_from([None, {"bronze": 3}, {"gold": 2, "silver": 3}])),
    }
    criteria, aspects = [], []
    for c in range(draw(st.integers(1, 3))):
        entries = []
        for a in range(draw(st.integers(1, 3))):
            maximum = draw(st.sampled_from(MAXIMA))
            aspect = {"code": f"{'ABC'[c]}{a}", "type": draw(st.sampled_from("MJ")),
                      "max": maximum}
            if aspect["type"] == "M" and draw(st.booleans()):
                aspect["values"] = ["0", _decimal_text(Fraction(maximum) / 2), maximum]
            entries.append(aspect)
            aspects.append(aspect)
        criteria.append({"code": "ABC"[c], "aspects": entries})
    competitors = [
        {"code": str(100 + i), "organization": draw(st.sampled_from(["X", "Y", "Z", None])),
         "category": draw(st.sampled_from([None, None, "s", "t"])),
         "status": draw(st.sampled_from(["active"] * 4 + ["guest", "withdrawn",
                                                          "disqualified"])),
         "penalty": draw(st.sampled_from([None] * 4 + ["0", "0.5", "1.25", "50"]))}
        for i in range(draw(st.integers(1, 6)))
    ]
    marks = []
    for who in competitors:
        for aspect in aspects:
            if aspect["type"] == "M":
                if draw(st.integers(0, 5)) == 0:
                    continue  # unmarked
                allowed = aspect.get("values", ["0", aspect["max"]])
                value = draw(st.sampled_from(allowed))
                marks.append({"aspect": aspect["code"], "competitor": who["code"],
                              "value": draw(st.sampled_from([value, value + "0"]))
                              if "." in value else value})
            else:
                given_scores = draw(st.integers(0, 5))  # mostly all judges
                judges = JUDGES[:min(jpa, given_scores)]
                low = draw(st.integers(0, 3))
                for judge in judges:
                    score = draw(st.sampled_from([low, min(3, low + 1), low, 3 - low]))
                    marks.append({"aspect": aspect["code"], "competitor": who["code"],
                                  "judge": judge,
                                  "value": draw(st.sampled_from([score, str(score),
                                                                 f"{score}.0"]))})
    return {"format": "competition.skill/1", "skill": {"code": "S"}, "policy": policy,
            "criteria": criteria, "competitors": competitors, "marks": marks}


def _decimal_text(value: Fraction) -> str:
    whole, rest = divmod(value.numerator * 1000, value.denominator)
    assert rest == 0
    return f"{whole // 1000}.{whole % 1000:03d}"


# --- the reference: docs/rules.md sections 1–3 and 7, written plainly ----------------------


def reference(doc: dict) -> dict[str, dict]:
    jpa = doc["policy"]["judges_per_aspect"]
    aspects = {a["code"]: (a, c["code"]) for c in doc["criteria"] for a in c["aspects"]}
    out = {}
    for who in doc["competitors"]:
        total, marked, complete, disputed = Fraction(0), Fraction(0), True, []
        criteria = {c["code"]: Fraction(0) for c in doc["criteria"]}
        for code, (aspect, crit) in aspects.items():
            mine = [m for m in doc["marks"]
                    if m["aspect"] == code and m["competitor"] == who["code"]]
            maximum = Fraction(aspect["max"])
            if aspect["type"] == "M":
                if not mine:
                    complete = False
                    continue
                value = Fraction(mine[0]["value"])
            else:
                scores = [int(Fraction(str(m["value"]))) for m in mine]
                if len(scores) < jpa:
                    complete = False
                    continue
                if max(scores) - min(scores) > 1:
                    complete = False
                    disputed.append(code)
                    continue
                value = maximum * sum(scores) / (3 * jpa)
            total += value
            criteria[crit] += value
            marked += maximum
        # revision 2: the penalty comes off the total, never below 0, not off the criteria
        total = max(Fraction(0), total - Fraction(who.get("penalty") or "0"))
        out[who["code"]] = {"total": total, "max_marked": marked, "complete": complete,
                            "disputed": disputed, "criteria": criteria}
    return out


def half_up(value: Fraction) -> str:
    hundredths, rest = divmod(value.numerator * 100, value.denominator)
    if 2 * rest >= value.denominator:
        hundredths += 1
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def evaluated(doc: dict):
    return evaluate_skill(parse_skill(loads(json.dumps(doc))))


# --- properties -------------------------------------------------------------------------------


@SETTINGS
@given(skills())
def test_agrees_with_the_reference(doc):
    expected = reference(doc)
    document = results(doc)
    statuses = {c["code"]: c.get("status", "active") for c in doc["competitors"]}
    for group in document["skills"][0]["groups"]:
        for row in group["results"]:
            ref = expected[row["competitor"]]
            assert row["total"] == half_up(ref["total"])
            assert row["max_marked"] == half_up(ref["max_marked"])
            assert row["complete"] is ref["complete"]
            assert row["criteria"] == {k: half_up(v) for k, v in ref["criteria"].items()}
            assert (row["rank"] is None) is (statuses[row["competitor"]] != "active")
        # final: every active competitor complete (which excludes disputes)
        active = [r for r in group["results"] if statuses[r["competitor"]] == "active"]
        assert group["final"] is all(expected[r["competitor"]]["complete"] for r in active)
        if not group["final"]:
            assert all(r["medal"] is None for r in group["results"])
    assert sorted((d["aspect"], d["competitor"]) for d in document["skills"][0]["disputes"]) == \
        sorted((a, who) for who, ref in expected.items() for a in ref["disputed"])


@SETTINGS
@given(skills(), st.randoms(use_true_random=False))
def test_order_of_marks_competitors_and_aspects_does_not_matter(doc, rnd):
    shuffled = copy.deepcopy(doc)
    rnd.shuffle(shuffled["marks"])
    rnd.shuffle(shuffled["competitors"])
    rnd.shuffle(shuffled["criteria"])
    for crit in shuffled["criteria"]:
        rnd.shuffle(crit["aspects"])
    assert results(shuffled) == results(doc)


@SETTINGS
@given(skills(), st.data())
def test_raising_a_mark_never_lowers_total_nor_rank(doc, data):
    aspects = {a["code"]: a for c in doc["criteria"] for a in c["aspects"]}
    candidates = []
    for i, m in enumerate(doc["marks"]):
        aspect = aspects[m["aspect"]]
        if aspect["type"] == "M":
            allowed = aspect.get("values", ["0", aspect["max"]])
            candidates += [(i, v) for v in allowed if Fraction(v) > Fraction(m["value"])]
        elif int(Fraction(str(m["value"]))) < 3:
            candidates.append((i, int(Fraction(str(m["value"]))) + 1))
    assume(candidates)
    i, value = data.draw(st.sampled_from(candidates))
    raised = copy.deepcopy(doc)
    raised["marks"][i]["value"] = value
    who = doc["marks"][i]["competitor"]
    # raising a judgement score can open a dispute, which uncounts the aspect: not a raise
    assume(not reference(raised)[who]["disputed"] or
           reference(raised)[who]["disputed"] == reference(doc)[who]["disputed"])
    before = {r.competitor: r for g in evaluated(doc).groups for r in g.results}
    after = {r.competitor: r for g in evaluated(raised).groups for r in g.results}
    assert after[who].total >= before[who].total
    for code in before:
        if code != who:
            assert after[code].total == before[code].total
    if doc["policy"]["scale"] == "raw" and before[who].rank is not None:
        assert after[who].rank <= before[who].rank
        assert after[who].score >= before[who].score


@SETTINGS
@given(skills())
def test_scores_are_monotonic_in_the_total_within_a_group(doc):
    for group in evaluated(doc).groups:
        ordered = sorted(group.results, key=lambda r: r.total)
        for lower, higher in zip(ordered, ordered[1:], strict=False):
            assert lower.score <= higher.score
            if lower.total == higher.total:
                assert lower.score == higher.score


@SETTINGS
@given(skills())
def test_ranks_follow_tie_groups_from_the_top(doc):
    policy = doc["policy"]
    margin = Decimal(policy["tie_margin"] if policy["tie_margin"] is not None else
                     {"raw": 0, "ws500": 2, "ws700": 0}[policy["scale"]])
    for group in evaluated(doc).groups:
        # a group that is not final is scored raw with a margin of 0 (a raw policy keeps its own)
        margin_here = margin if group.final or policy["scale"] == "raw" else 0
        ranked = [r for r in group.results if r.rank is not None]
        # the reference: walk the scores from the top, a leader takes all within the margin
        by_score = sorted(ranked, key=lambda r: -r.score)
        expected, start = {}, 0
        while start < len(by_score):
            leader = by_score[start].score
            end = start
            while end < len(by_score) and by_score[end].score >= leader - margin_here:
                expected[by_score[end].competitor] = start + 1
                end += 1
            start = end
        assert {r.competitor: r.rank for r in ranked} == expected
        assert [r.rank for r in ranked] == sorted(r.rank for r in ranked)
        assert all(r.rank is None for r in group.results[len(ranked):])


@SETTINGS
@given(skills())
def test_medals_from_rank_field_and_threshold(doc):
    policy = doc["policy"]
    field = {"gold": 1, "silver": 1, "bronze": 1, **(policy["medal_min_field"] or {})}
    threshold = policy["medallion_threshold"]
    if threshold is None:
        threshold = {"raw": None, "ws500": 500, "ws700": 700}[policy["scale"]]
    for group in evaluated(doc).groups:
        ranked = [r for r in group.results if r.rank is not None]
        for r in group.results:
            expected = None
            if group.final and r.rank is not None:
                expected = {1: "gold", 2: "silver", 3: "bronze"}.get(r.rank)
                if expected and len(ranked) < field[expected]:
                    expected = None
                if expected is None and threshold is not None and r.score >= Decimal(threshold):
                    expected = "medallion"
            assert r.medal == expected
