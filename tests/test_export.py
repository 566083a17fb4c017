"""`competition export skill` writes a skill file (docs/rules.md), and `competition evaluate`
on the export gives exactly the standings the server computes."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import sqlalchemy as sa

from competition import rules
from competition.extensions import db
from competition.models import Skill
from competition.models.base import decimal_text
from competition.standings import skill_standings

from .helpers import command_line
from .marking import enter_marks


def _cli(app, tmp_path, *args):
    """The command on `app`'s database (SQLite, or PostgreSQL when the run has it), in
    `tmp_path`."""
    result = command_line(list(args), {
        "COMPETITION_INSTANCE": str(tmp_path),
        "COMPETITION_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]}, cwd=tmp_path)
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


def test_the_export_carries_penalties_and_statuses_and_evaluate_agrees(demo_app, tmp_path):
    """Revision 2 through the whole path: a penalty and a disqualification decided in the
    product are in the exported file, and `competition evaluate` on it gives the server's
    standings (the penalty off the total, the disqualified competitor unranked)."""
    from competition.judging import sanctions
    from competition.models import Competitor, User

    from .access import make_role_users

    ids = make_role_users(demo_app)
    with demo_app.app_context():
        enter_marks("18", seed=11, fill=1.0)
        skill = db.session.execute(sa.select(Skill).where(Skill.code == "18")).scalar_one()
        first, second = db.session.execute(
            sa.select(Competitor).where(Competitor.skill_id == skill.id)
            .order_by(Competitor.code).limit(2)).scalars()
        organizer = db.session.get(User, ids["organizer"])
        sanctions.penalize(organizer, first, "2.5", "a safety breach")
        sanctions.penalize(organizer, first, "1", "a second one")
        sanctions.disqualify(organizer, second, "unauthorised tool")
        codes = (first.code, second.code)
        db.session.remove()
        skill = db.session.execute(sa.select(Skill).where(Skill.code == "18")).scalar_one()
        server = rules.results_to_json(rules.championship_results([skill_standings(skill)]))
        db.session.remove()
    assert _cli(demo_app, tmp_path, "export", "skill", "18", "-o", "skill.json").returncode == 0
    document = json.loads((tmp_path / "skill.json").read_text())
    exported = {c["code"]: c for c in document["competitors"]}
    assert Decimal(exported[codes[0]]["penalty"]) == Decimal("3.5")
    assert exported[codes[1]]["status"] == "disqualified"
    assert all("penalty" not in c for code, c in exported.items() if code != codes[0])
    evaluated = _cli(demo_app, tmp_path, "evaluate", "skill.json")
    assert evaluated.returncode == 0, evaluated.stderr
    assert json.loads(evaluated.stdout) == server
    rows = {r["competitor"]: r for g in server["skills"][0]["groups"] for r in g["results"]}
    assert rows[codes[1]]["rank"] is None and rows[codes[1]]["medal"] is None
    total_of_marks = sum(Decimal(v) for v in rows[codes[0]]["criteria"].values())
    assert Decimal(rows[codes[0]]["total"]) == max(Decimal(0), total_of_marks - Decimal("3.5"))
