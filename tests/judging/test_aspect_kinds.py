"""A deduction aspect over the mark path (HTTP and Socket.IO): the tablet sends the derived mark
max − n × step, which is accepted; any other value is refused as before (docs/scheme.md)."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from competition.extensions import db
from competition.models import Aspect, Skill
from competition.registry.scheme import editing
from competition.registry.scheme.reading import aspect_input

from .panel import key
from .test_idempotency import stored, world  # noqa: F401  (the fixture, over both transports)

STEP = Decimal("0.30")


def make_deduction(app, code: str) -> Decimal:
    """Skill 10's aspect `code` becomes a deduction of STEP per error, floor 0.10."""
    with app.app_context():
        item = db.session.execute(sa.select(Aspect).join(Skill).where(
            Skill.code == "10", Aspect.code == code)).scalar_one()
        data = aspect_input(item)
        data.kind, data.values = "deduction", None
        data.kind_params = {"step": STEP, "floor": Decimal("0.10")}
        editing.update_aspect(item.skill_id, item.id, data)
        db.session.expire_all()
        item = db.session.get(Aspect, item.id)
        assert item.kind == "deduction"
        return Decimal(item.max)


def test_a_deduction_aspect_takes_max_minus_errors_times_step_and_nothing_else(world):  # noqa: F811
    panel = world.panel
    top = make_deduction(world.app, panel.m_aspect)
    judge = panel.codes[0]
    skill = world.app.test_client().get(
        "/api/v1/skills/10", headers={"Authorization": f"Bearer {world.tokens[judge]}"}).get_json()
    shown = {a["code"]: a for c in skill["criteria"] for s in c["sub_criteria"]
             for a in s["aspects"]}
    assert shown[panel.m_aspect]["kind"] == "deduction"
    assert shown[panel.m_aspect]["kind_params"] == {"step": "0.30", "floor": "0.10"}
    assert shown[panel.j_aspect]["kind"] == "marks" and shown[panel.j_aspect]["kind_params"] is None

    def send(value, **extra):
        body = {"id": key(), "skill": "10",
                "aspect": panel.m_aspect, "competitor": panel.competitor,
                "value": str(value), **extra}
        return world.send(judge, body)

    status, answer = send(top - 3 * STEP + Decimal("0.01"))  # between two counts
    assert not answer["ok"] and answer["error"] == "invalid_value", answer
    assert status in (None, 422)
    status, answer = send(Decimal("0.05"))  # below the floor
    assert not answer["ok"] and answer["error"] == "invalid_value"
    two_errors = top - 2 * STEP
    status, answer = send(two_errors)
    assert answer["ok"], answer
    assert status in (None, 201)
    value, _revision = stored(world.app, panel.m_aspect, panel.competitor, None)
    assert Decimal(value) == two_errors
    status, answer = send(Decimal("0.10"), base=1)  # the floor itself
    assert answer["ok"], answer
