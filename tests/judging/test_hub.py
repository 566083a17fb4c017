"""The kept standings of the live path: equal to a fresh evaluation, reloaded after scheme
changes, and filtered by the skill's visibility."""

from __future__ import annotations

import random

import pytest
import sqlalchemy as sa

from competition import rules
from competition.board.standings import skill_standings
from competition.database import write_transaction
from competition.extensions import db
from competition.judging import live, service
from competition.judging.service import Refused
from competition.models import Aspect, Skill

from .panel import key, make_panel


@pytest.fixture
def ctx(demo_app):
    panel = make_panel(demo_app)
    with demo_app.test_request_context():
        yield demo_app, panel


def skill_10() -> Skill:
    return db.session.execute(sa.select(Skill).where(Skill.code == "10")).scalar_one()


def test_marks_applied_one_by_one_give_the_results_of_a_fresh_evaluation(ctx):
    app, panel = ctx
    hub = live.hub(app)
    skill_id = skill_10().id
    hub.snapshot(skill_id)  # kept from here on
    rng = random.Random(3)
    body = service.describe_skill(None, skill_10(), None)
    aspects = [a for c in body["criteria"] for s in c["sub_criteria"] for a in s["aspects"]]
    competitors = [c["code"] for c in body["competitors"]]
    revisions: dict = {}
    recorded = []
    for _ in range(150):
        aspect = rng.choice(aspects)
        competitor = rng.choice(competitors)
        judge = rng.choice(panel.codes[:4])
        value = rng.choice(aspect["values"] + [None])
        cell = (aspect["code"], competitor, judge if aspect["type"] == "J" else None)
        try:
            answer = service.record_mark(panel.user(judge), {
                "id": key(), "skill": "10", "aspect": aspect["code"], "competitor": competitor,
                "value": value, "base": revisions.get(cell, 0)})
        except Refused:
            db.session.rollback()
            continue
        revisions[cell] = answer.mark["revision"]
        recorded.append(answer.mark)
    assert len(recorded) > 50
    rng.shuffle(recorded)  # they may reach the broadcaster out of order: a gap reloads
    staff, _public = hub.snapshot(skill_id, sorted(recorded, key=lambda m: m["version"]))
    expected = rules.skill_result_to_json(skill_standings(skill_10()))
    assert staff["results"] == expected
    assert staff["version"] == skill_10().version


def test_a_scheme_change_bumps_the_version_and_the_standings_reload(ctx):
    app, _panel = ctx
    hub = live.hub(app)
    skill = skill_10()
    before, _ = hub.snapshot(skill.id)
    with write_transaction() as session:
        aspect = session.execute(
            sa.select(Aspect).where(Aspect.skill_id == skill.id, Aspect.type == "M")
            .order_by(Aspect.code)).scalars().first()
        aspect.max = aspect.max + 1
    after, _ = hub.snapshot(skill.id)
    assert after["version"] == before["version"] + 1 == skill_10().version
