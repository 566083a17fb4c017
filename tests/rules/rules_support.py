"""Builders for skill files (docs/rules.md) and helpers to evaluate them, for tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from competition.cli.evaluate import evaluate_command
from competition.rules import evaluate, loads, parse_skill, results_to_json

JUDGES = ("E1", "E2", "E3")


def m_aspect(code: str, maximum: Any, values: list | None = None) -> dict:
    aspect = {"code": code, "type": "M", "max": maximum}
    if values is not None:
        aspect["values"] = values
    return aspect


def j_aspect(code: str, maximum: Any) -> dict:
    return {"code": code, "type": "J", "max": maximum}


def criterion(code: str, *aspects: dict) -> dict:
    return {"code": code, "name": f"Criterion {code}", "aspects": list(aspects)}


def competitor(code: str, organization: str | None = "ORG", category: str | None = None,
               status: str | None = None) -> dict:
    entry: dict[str, Any] = {"code": code, "name": f"Competitor {code}",
                             "organization": organization}
    if category is not None:
        entry["category"] = category
    if status is not None:
        entry["status"] = status
    return entry


def mark(aspect: str, who: str, value: Any, judge: str | None = None) -> dict:
    entry = {"aspect": aspect, "competitor": who, "value": value}
    if judge is not None:
        entry["judge"] = judge
    return entry


def judged(aspect: str, who: str, *scores: Any, judges: tuple[str, ...] = JUDGES) -> list[dict]:
    """One J mark per score, from judges E1, E2, E3 …"""
    return [mark(aspect, who, score, judge) for judge, score in zip(judges, scores, strict=False)]


def skill(*, code: str = "10", policy: dict | None = None, criteria: list[dict],
          competitors: list[dict], marks: list[dict]) -> dict:
    doc: dict[str, Any] = {"format": "competition.skill/1",
                           "skill": {"code": code, "name": f"Skill {code}"}}
    if policy is not None:
        doc["policy"] = policy
    doc.update(criteria=criteria, competitors=competitors, marks=marks)
    return doc


def totals_skill(totals: dict[str, Any], *, policy: dict | None = None, code: str = "10",
                 organizations: dict[str, str] | None = None,
                 categories: dict[str, str | None] | None = None,
                 statuses: dict[str, str] | None = None,
                 incomplete: tuple[str, ...] = (),
                 penalties: dict[str, Any] | None = None) -> dict:
    """A skill where each competitor's total is given directly: one M aspect "T" (max 100) whose
    allowed values are the totals, and an M aspect "X" (max 1) marked 0 — left unmarked for
    the competitors in `incomplete`, who are then incomplete with the same total."""
    values = sorted({str(t) for t in totals.values()} | {"0", "100"}, key=float)
    organizations = organizations or {}
    categories = categories or {}
    statuses = statuses or {}
    marks = []
    for who, total in totals.items():
        marks.append(mark("T", who, str(total)))
        if who not in incomplete:
            marks.append(mark("X", who, "0"))
    doc = skill(
        code=code, policy=policy,
        criteria=[criterion("A", m_aspect("T", "100", values), m_aspect("X", "1"))],
        competitors=[
            competitor(who, organizations.get(who, f"ORG-{who}"), categories.get(who),
                       statuses.get(who))
            for who in totals
        ],
        marks=marks,
    )
    for entry in doc["competitors"]:
        if entry["code"] in (penalties or {}):
            entry["penalty"] = penalties[entry["code"]]
    return doc


def results(*docs: dict) -> dict:
    """Evaluate skill documents as `competition evaluate` would (through JSON text)."""
    return results_to_json(evaluate([parse_skill(loads(json.dumps(doc))) for doc in docs]))


def rows(document: dict, skill_index: int = 0) -> dict[str, dict]:
    """competitor code → its result row, over all groups of one skill."""
    return {
        row["competitor"]: row
        for group in document["skills"][skill_index]["groups"]
        for row in group["results"]
    }


def column(document: dict, key: str, skill_index: int = 0) -> dict[str, Any]:
    return {code: row[key] for code, row in rows(document, skill_index).items()}


def run_cli(tmp_path: Path, *docs: dict | str | bytes, names: list[str] | None = None,
            stdin: str | None = None, args: list[str] | None = None):
    """Write each doc to a file and run `competition evaluate` on them with CliRunner."""
    paths = []
    for i, doc in enumerate(docs):
        path = tmp_path / (names[i] if names else f"skill{i + 1}.json")
        if isinstance(doc, bytes):
            path.write_bytes(doc)
        else:
            path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
        paths.append(str(path))
    runner = CliRunner()
    return runner.invoke(evaluate_command, args if args is not None else paths, input=stdin)
