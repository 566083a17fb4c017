"""The results document (docs/rules.md): its exact shape, order and text of numbers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from rules_support import (
    competitor,
    criterion,
    j_aspect,
    judged,
    m_aspect,
    mark,
    results,
    run_cli,
    skill,
    totals_skill,
)

ROOT = Path(__file__).resolve().parents[2]


def welding() -> dict:
    return skill(
        code="10",
        policy={"scale": "raw", "judges_per_aspect": 3, "tie_margin": None,
                "medallion_threshold": None,
                "medal_min_field": {"gold": 1, "silver": 1, "bronze": 1}},
        criteria=[
            criterion("A", m_aspect("A1.1", "1.50", ["0", "0.75", "1.50"]),
                      j_aspect("A1.2", "2.00")),
            criterion("B", m_aspect("B1", "3")),
        ],
        competitors=[
            competitor("101", "VKO-PTK", "students"),
            competitor("102", "PTK-2", "students"),
            competitor("201", "VKO-PTK", None, "guest"),
        ],
        marks=[
            mark("A1.1", "101", "1.50"), *judged("A1.2", "101", 2, 2, 1), mark("B1", "101", "3"),
            mark("A1.1", "102", "0.75"), *judged("A1.2", "102", 3, 3, 2), mark("B1", "102", "3"),
            mark("A1.1", "201", "0"),
            *judged("A1.2", "201", 0, 2, 3, judges=("E07", "E08", "E09")),
        ],
    )


def test_the_whole_document():
    # 101: 1.50 + 2.00 × 5/9 + 3 = 5.6111… → 5.61 (A 2.61, B 3.00)
    # 102: 0.75 + 2.00 × 8/9 + 3 = 5.5277… → 5.53 (A 2.53, B 3.00)
    # 201: a guest with a dispute on A1.2: A 0.00, total 0.00, 1.50 marked of 6.50
    assert results(welding()) == {
        "format": "competition.results/1",
        "skills": [{
            "skill": "10",
            "groups": [
                {"category": None, "final": True, "results": [
                    {"competitor": "201", "status": "guest", "complete": False,
                     "total": "0.00", "max_marked": "1.50", "score": "0.00", "rank": None,
                     "medal": None, "criteria": {"A": "0.00", "B": "0.00"}},
                ]},
                {"category": "students", "final": True, "results": [
                    {"competitor": "101", "status": "active", "complete": True,
                     "total": "5.61", "max_marked": "6.50", "score": "5.61", "rank": 1,
                     "medal": "gold", "criteria": {"A": "2.61", "B": "3.00"}},
                    {"competitor": "102", "status": "active", "complete": True,
                     "total": "5.53", "max_marked": "6.50", "score": "5.53", "rank": 2,
                     "medal": "silver", "criteria": {"A": "2.53", "B": "3.00"}},
                ]},
            ],
            "disputes": [
                {"aspect": "A1.2", "competitor": "201", "scores": {"E07": 0, "E08": 2, "E09": 3}},
            ],
        }],
        "medal_table": [
            {"organization": "VKO-PTK", "gold": 1, "silver": 0, "bronze": 0, "medallion": 0,
             "points": 4},
            {"organization": "PTK-2", "gold": 0, "silver": 1, "bronze": 0, "medallion": 0,
             "points": 3},
        ],
        "best_of": [
            {"organization": "PTK-2", "competitors": [
                {"skill": "10", "competitor": "102", "score": "5.53"}]},
            {"organization": "VKO-PTK", "competitors": [
                {"skill": "10", "competitor": "101", "score": "5.61"}]},
        ],
    }


def test_key_order_follows_rules_md():
    document = results(welding())
    assert list(document) == ["format", "skills", "medal_table", "best_of"]
    one = document["skills"][0]
    assert list(one) == ["skill", "groups", "disputes"]
    assert list(one["groups"][0]) == ["category", "final", "results"]
    assert list(one["groups"][1]["results"][0]) == [
        "competitor", "status", "complete", "total", "max_marked", "score", "rank", "medal",
        "criteria"]
    assert list(one["disputes"][0]) == ["aspect", "competitor", "scores"]


def test_disputes_ordered_by_aspect_then_competitor_code():
    doc = skill(
        criteria=[criterion("A", j_aspect("B2", "1"), j_aspect("A10", "1"), j_aspect("A9", "1"))],
        competitors=[competitor("9"), competitor("10")],
        marks=[m for a in ("B2", "A10", "A9") for who in ("9", "10")
               for m in judged(a, who, 3, 1, 3)],
    )
    disputes = results(doc)["skills"][0]["disputes"]
    assert [(d["aspect"], d["competitor"]) for d in disputes] == [
        ("A10", "10"), ("A10", "9"), ("A9", "10"), ("A9", "9"), ("B2", "10"), ("B2", "9")]


def test_skills_in_the_order_given():
    document = results(totals_skill({"a": "1"}, code="9"), totals_skill({"b": "1"}, code="10"))
    assert [s["skill"] for s in document["skills"]] == ["9", "10"]


def test_ws_scores_are_integer_strings():
    doc = totals_skill({"a": "60", "b": "70", "c": "80"}, policy={"scale": "ws700"})
    document = results(doc)
    scores = [r["score"] for g in document["skills"][0]["groups"] for r in g["results"]]
    # basis 60, 70, 80: median 70, sd 8.16497 → 700 ± 20 × 10/8.16497 = 700 ± 24.495
    assert scores == ["724", "700", "676"]


def test_cli_prints_indented_json(tmp_path):
    result = run_cli(tmp_path, welding())
    assert result.exit_code == 0
    assert result.stdout.startswith('{\n  "format": "competition.results/1",\n  "skills": [\n')
    assert result.stdout.endswith("}\n")


def test_the_command_runs_as_a_program(tmp_path):
    # through a real interpreter: exit statuses and streams as a shell sees them
    good = tmp_path / "good.json"
    good.write_text('{"format": "competition.skill/1", "skill": {"code": "1"}, "criteria": [], '
                    '"competitors": [], "marks": []}')
    code = "from competition.cli.evaluate import evaluate_command; evaluate_command()"
    env_python = [sys.executable, "-c", code]
    done = subprocess.run([*env_python, str(good)], capture_output=True, text=True, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, check=False)
    assert (done.returncode, done.stderr) == (0, "")
    assert '"skills": [\n    {\n      "skill": "1",\n      "groups": [],' in done.stdout
    done = subprocess.run([*env_python, str(tmp_path / "none.json")], capture_output=True,
                          text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT)}, check=False)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1


def test_the_rules_import_nothing_of_the_app():
    code = ("import sys, competition.rules; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('flask', 'sqlalchemy', 'click', 'werkzeug', 'jinja2') or "
            "(m.startswith('competition.') and not m.startswith('competition.rules'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT)}, check=True)
    assert done.stdout.strip() == "[]"


def test_evaluate_reads_penalties_and_disqualification_from_the_file(tmp_path):
    # a 80 − 5 = 75, b 70, x 90 but disqualified: ranked a, b; x shown, unranked, no medal,
    # and x's organization gets no Best of Region entry
    doc = totals_skill({"a": "80", "b": "70", "x": "90"}, penalties={"a": "5"},
                       statuses={"x": "disqualified"})
    result = run_cli(tmp_path, doc)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert [(r["competitor"], r["status"], r["total"], r["rank"], r["medal"])
            for r in document["skills"][0]["groups"][0]["results"]] == [
        ("a", "active", "75.00", 1, "gold"),
        ("b", "active", "70.00", 2, "silver"),
        ("x", "disqualified", "90.00", None, None),
    ]
    assert [row["organization"] for row in document["best_of"]] == ["ORG-a", "ORG-b"]
