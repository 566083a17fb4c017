"""`competition export skill` writes a skill file (docs/rules.md), and `competition evaluate`
on the export gives exactly the standings the server computes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest
import sqlalchemy as sa

from competition import rules
from competition.extensions import db
from competition.models import Skill
from competition.models.base import decimal_text
from competition.standings import skill_standings

from .marking import enter_marks


def _cli(app, tmp_path, *args):
    """The command on `app`'s database (SQLite or, in the PostgreSQL pass, PostgreSQL)."""
    env = dict(os.environ, COMPETITION_INSTANCE=str(tmp_path),
               COMPETITION_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"])
    result = subprocess.run([sys.executable, "-m", "competition", *args], capture_output=True,
                            text=True, env=env, cwd=tmp_path, timeout=120)
    assert "Traceback" not in result.stderr
    return result


DEMO_SKILLS = ["04", "10", "18", "29", "34", "A01", "A02"]


@pytest.mark.parametrize(("skill_code", "fill"),
                         [(code, 1.0) for code in DEMO_SKILLS] + [("29", 0.7), ("A02", 0.4)])
def test_evaluate_on_the_export_equals_the_server_standings(demo_app, tmp_path, skill_code,
                                                             fill):
    with demo_app.app_context():
        written = enter_marks(skill_code, seed=7, fill=fill)
        skill = db.session.execute(sa.select(Skill).where(Skill.code == skill_code)).scalar_one()
        server = rules.results_to_json(rules.championship_results([skill_standings(skill)]))
        db.session.remove()
    exported = _cli(demo_app, tmp_path, "export", "skill", skill_code, "-o", "skill.json")
    assert exported.returncode == 0, exported.stderr
    assert f"{written} marks written" in exported.stderr
    document = json.loads((tmp_path / "skill.json").read_text())
    assert document["format"] == "competition.skill/1"
    assert len(document["marks"]) == written

    evaluated = _cli(demo_app, tmp_path, "evaluate", "skill.json")
    assert evaluated.returncode == 0, evaluated.stderr
    assert json.loads(evaluated.stdout) == server
    groups = server["skills"][0]["groups"]
    assert any(result["rank"] == 1 for group in groups for result in group["results"])
    if fill == 1.0:  # every cell marked: the groups without disputes are final
        disputed = {d["competitor"] for d in server["skills"][0]["disputes"]}
        for group in groups:
            active = {r["competitor"] for r in group["results"] if r["status"] == "active"}
            assert group["final"] == (not active & disputed)


def test_export_to_stdout_and_unknown_skill(demo_app, tmp_path):
    printed = _cli(demo_app, tmp_path, "export", "skill", "18")
    assert printed.returncode == 0
    assert json.loads(printed.stdout)["skill"]["code"] == "18"
    unknown = _cli(demo_app, tmp_path, "export", "skill", "99", "-o", "x.json")
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "error: There is no skill 99."
    assert not (tmp_path / "x.json").exists()


@pytest.mark.parametrize(("stored", "text"), [
    (Decimal("1.5000"), "1.50"), (Decimal("0.7500"), "0.75"), (Decimal("0.1250"), "0.125"),
    (Decimal("3"), "3.00"), (Decimal("0E-4"), "0.00"), (Decimal("10.0000"), "10.00"),
])
def test_decimal_text(stored, text):
    assert decimal_text(stored) == text
