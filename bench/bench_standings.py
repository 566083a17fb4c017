"""Benchmark of the server's standings: load a skill's marks from the database and evaluate.

    .venv/bin/python bench/bench_standings.py [--runs 20] [--aspects 300 500]

The skill of bench_rules.py (60 competitors × N aspects, half J with 3 judges) is stored in a
fresh SQLite database; then, in the same run:
- baseline: merely loading the skill's marks (one SELECT of the mark rows);
- skill_document: the export document (`competition export skill`), scheme and marks;
- skill_standings: document → rules engine → results (what the server shows).
Not a timed test; figures are percentiles and ratios to the baseline.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_rules import make_skill, percentiles, timed  # noqa: E402

from competition import create_app  # noqa: E402
from competition.database import write_transaction  # noqa: E402
from competition.extensions import db  # noqa: E402
from competition.models import (  # noqa: E402
    Aspect,
    Championship,
    Competitor,
    Criterion,
    Expert,
    Mark,
    Organization,
    Skill,
    SubCriterion,
)
from competition.standings import skill_document, skill_standings  # noqa: E402


def store(data: dict) -> int:
    """Write a competition.skill/1 document into the database; returns the skill's id."""
    with write_transaction() as session:
        championship = Championship(code="bench", name_en="Bench", scale="ws500")
        skill = Skill(code=data["skill"]["code"], name_en="Bench", championship=championship)
        organizations = {}
        for entry in data["competitors"]:
            org = organizations.setdefault(
                entry["organization"], Organization(code=entry["organization"]))
            skill.competitors.append(Competitor(
                code=entry["code"], name_en=entry["name"], organization=org,
                category=entry["category"], status=entry["status"]))
        aspects = {}
        for position, c in enumerate(data["criteria"]):
            criterion = Criterion(code=c["code"], name_en=c["name"], position=position)
            sub = SubCriterion(code=c["code"] + "1", name_en=c["name"])
            criterion.sub_criteria.append(sub)
            skill.criteria.append(criterion)
            for index, a in enumerate(c["aspects"]):
                aspect = Aspect(code=a["code"], type=a["type"], max=Decimal(a["max"]),
                                allowed_values=a.get("values"), position=index, skill=skill)
                sub.aspects.append(aspect)
                aspects[a["code"]] = aspect
        judges = {code: Expert(code=code, name_en=code, championship=championship)
                  for code in ("E01", "E02", "E03")}
        session.add_all([skill, *judges.values()])
        session.flush()
        competitors = {c.code: c.id for c in skill.competitors}
        session.execute(sa.insert(Mark), [
            {"skill_id": skill.id, "aspect_id": aspects[m["aspect"]].id,
             "aspect_type": aspects[m["aspect"]].type,
             "competitor_id": competitors[m["competitor"]],
             "judge_id": judges[m["judge"]].id if "judge" in m else None,
             "value": Decimal(str(m["value"])), "revision": 1, "version": i}
            for i, m in enumerate(data["marks"])
        ])
        return skill.id


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--aspects", type=int, nargs="+", default=[300, 500])
    args = parser.parse_args(argv)
    print(f"python {sys.version.split()[0]}, SQLite, {args.runs} runs each, times in ms")
    for n_aspects in args.aspects:
        with tempfile.TemporaryDirectory() as folder:
            app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db",
                              "INSTANCE_PATH": folder, "SECRET_KEY": "bench"})
            with app.app_context():
                from flask_migrate import upgrade

                upgrade()
                skill_id = store(make_skill(n_aspects))
                skill = db.session.get(Skill, skill_id)
                marks = db.session.execute(
                    sa.select(sa.func.count()).select_from(Mark)).scalar()

                def load_marks(skill_id=skill_id):
                    return db.session.execute(
                        sa.select(Mark.aspect_id, Mark.competitor_id, Mark.judge_id,
                                  Mark.value).where(Mark.skill_id == skill_id)).all()

                rows = {
                    "baseline: SELECT the skill's marks": timed(load_marks, args.runs),
                    "skill_document (export)": timed(lambda s=skill: skill_document(s), args.runs),
                    "skill_standings (server results)": timed(lambda s=skill: skill_standings(s),
                                                              args.runs),
                }
                db.session.remove()
                db.engine.dispose()
        base = percentiles(rows["baseline: SELECT the skill's marks"])[0]
        print(f"\n60 competitors × {n_aspects} aspects (half J, 3 judges): {marks:,} marks")
        print(f"  {'':40} {'p50':>8} {'p95':>8} {'p99':>8} {'p50/baseline':>13}")
        for label, times in rows.items():
            p50, p95, p99 = (t * 1000 for t in percentiles(times))
            print(f"  {label:40} {p50:8.2f} {p95:8.2f} {p99:8.2f} {p50 / 1000 / base:12.2f}×")


if __name__ == "__main__":
    main()
