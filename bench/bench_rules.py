"""Benchmark of the scoring rules: how long `evaluate_skill` takes on a large skill, and how
long `SkillStandings` takes to show the standings after one new mark.

    PYTHONPATH=. .venv/bin/python bench/bench_rules.py [--runs 30] [--updates 200] [--aspects 300]

A deterministic (seeded) skill of 60 competitors × N aspects, half of them judgement aspects
with 3 judges, on the ws500 scale, in two categories, with a few pending and disputed aspects.
The incremental rows time `apply(one mark) + result()` over --updates random single marks
(seeded: a new or corrected M value or J score, any aspect, competitor and judge), each timed
on its own; the standings are then checked equal to `evaluate_skill` on the same marks.
Figures are printed beside a baseline measured in the same run: a plain Python loop that
merely sums the skill's mark values as Decimal. Not a timed test.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from dataclasses import replace
from decimal import Decimal

from competition.rules import Mark, SkillInput, SkillStandings, evaluate_skill, loads, parse_skill

COMPETITORS = 60
JUDGES = ("E01", "E02", "E03")


def make_skill(n_aspects: int, seed: int = 2024) -> dict:
    rng = random.Random(seed)
    criteria = []
    per_criterion = max(1, n_aspects // 6)
    aspects = []
    typical = Decimal(100) / n_aspects  # a scheme of about 100 marks
    sizes = [(typical * k / 2).quantize(Decimal("0.01")) for k in (1, 2, 3)]
    for i in range(n_aspects):
        kind = "J" if i % 2 else "M"
        maximum = rng.choice(sizes)
        aspect = {"code": f"{chr(65 + i // per_criterion)}{i:03d}", "type": kind,
                  "max": str(maximum)}
        if kind == "M" and i % 4 == 0:
            aspect["values"] = [str((maximum * k / 4).quantize(Decimal("0.01"))) for k in range(5)]
        aspects.append(aspect)
    for i in range(0, n_aspects, per_criterion):
        chunk = aspects[i:i + per_criterion]
        criteria.append({"code": chunk[0]["code"][0], "name": f"Criterion {len(criteria) + 1}",
                         "aspects": chunk})
    competitors = [
        {"code": f"{100 + c}", "name": f"Competitor {c}", "organization": f"ORG{c % 17:02d}",
         "category": ("students", "specialists")[c % 2], "status": "active"}
        for c in range(COMPETITORS)
    ]
    marks = []
    for competitor in competitors:
        skill_level = rng.random()
        for aspect in aspects:
            if rng.random() < 0.002:
                continue  # not marked yet
            if aspect["type"] == "M":
                allowed = aspect.get("values") or ["0", aspect["max"]]
                pick = min(len(allowed) - 1, int(skill_level * len(allowed) + rng.random()))
                marks.append({"aspect": aspect["code"], "competitor": competitor["code"],
                              "value": allowed[pick]})
            else:
                base = min(2, int(skill_level * 3))
                disputed = rng.random() < 0.005  # experts disagree now and then
                for n, judge in enumerate(JUDGES):
                    score = base + (rng.random() < 0.3)
                    if disputed and n == 0:
                        score = 3 if base == 0 else 0
                    marks.append({"aspect": aspect["code"], "competitor": competitor["code"],
                                  "judge": judge, "value": score})
    rng.shuffle(marks)  # marks arrive in no particular order
    return {"format": "competition.skill/1", "skill": {"code": "99", "name": "Bench"},
            "policy": {"scale": "ws500"}, "criteria": criteria, "competitors": competitors,
            "marks": marks}


def timed(fn, runs: int) -> list[float]:
    fn()  # warm up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def random_marks(skill: SkillInput, n: int, seed: int = 7) -> list[Mark]:
    """n single marks for the skill: a random (aspect, competitor[, judge]) and value."""
    rng = random.Random(seed)
    aspects = [aspect for criterion in skill.criteria for aspect in criterion.aspects]
    marks = []
    for _ in range(n):
        aspect = rng.choice(aspects)
        competitor = rng.choice(skill.competitors).code
        if aspect.kind == "M":
            marks.append(Mark(aspect.code, competitor, None, rng.choice(aspect.allowed_values)))
        else:
            marks.append(Mark(aspect.code, competitor, rng.choice(JUDGES), rng.randint(0, 3)))
    return marks


def timed_updates(skill: SkillInput, marks: list[Mark]) -> dict[str, list[float]]:
    """Each mark applied to one SkillStandings, timed alone; checks the standings at the end."""
    standings = SkillStandings(skill)
    standings.result()
    clock = time.perf_counter
    applied, both = [], []
    for mark in marks:
        start = clock()
        standings.apply(mark)
        middle = clock()
        standings.result()
        end = clock()
        applied.append(middle - start)
        both.append(end - start)
    current = {(m.aspect, m.competitor, m.judge): m for m in (*skill.marks, *marks)}
    if standings.result() != evaluate_skill(replace(skill, marks=tuple(current.values()))):
        raise AssertionError("SkillStandings disagrees with evaluate_skill")
    return {"SkillStandings: apply(1 mark) + result()": both,
            "SkillStandings: apply(1 mark) alone": applied}


def percentiles(times: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return statistics.median(times), cuts[94], cuts[98]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--updates", type=int, default=200)
    parser.add_argument("--aspects", type=int, nargs="+", default=[300, 500])
    args = parser.parse_args(argv)
    print(f"python {sys.version.split()[0]}, {args.runs} runs each "
          f"({args.updates} single-mark updates for SkillStandings), times in ms")
    for n_aspects in args.aspects:
        data = make_skill(n_aspects)
        text = json.dumps(data)
        skill = parse_skill(loads(text))
        values = [Decimal(str(m["value"])) for m in data["marks"]]

        def baseline(values=values) -> Decimal:
            total = Decimal(0)
            for value in values:
                total += value
            return total

        rows = {
            "baseline: sum marks as Decimal": timed(baseline, args.runs),
            "evaluate_skill": timed(lambda skill=skill: evaluate_skill(skill), args.runs),
            "parse_skill + evaluate_skill": timed(
                lambda d=loads(text): evaluate_skill(parse_skill(d)), args.runs),
            "JSON text → results (loads+parse+evaluate)": timed(
                lambda text=text: evaluate_skill(parse_skill(loads(text))), args.runs),
            "SkillStandings(skill): built once": timed(
                lambda skill=skill: SkillStandings(skill), args.runs),
            **timed_updates(skill, random_marks(skill, args.updates)),
        }
        base = statistics.median(rows["baseline: sum marks as Decimal"])
        print(f"\n{COMPETITORS} competitors × {n_aspects} aspects (half J, 3 judges): "
              f"{len(skill.marks):,} marks")
        print(f"  {'':44} {'p50':>8} {'p95':>8} {'p99':>8} {'p50/baseline':>13}")
        for label, times in rows.items():
            p50, p95, p99 = (t * 1000 for t in percentiles(times))
            print(f"  {label:44} {p50:8.2f} {p95:8.2f} {p99:8.2f} {p50 / 1000 / base:12.1f}×")


if __name__ == "__main__":
    main()
