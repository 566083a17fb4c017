"""The kept standings of the live path: equal to a fresh evaluation, reloaded after scheme
changes, and filtered by the skill's visibility."""

from __future__ import annotations

import random

import pytest
import sqlalchemy as sa

from competition import rules, signals
from competition.database import write_transaction
from competition.errors import Refused
from competition.extensions import db
from competition.judging import queries, service
from competition.models import Aspect, Skill
from competition.standings import live, skill_standings, state
from competition.standings.document import progress_counts
from tests.helpers import statements_during

from .panel import key, make_panel


@pytest.fixture
def ctx(demo_app):
    panel = make_panel(demo_app)
    with demo_app.test_request_context():
        yield demo_app, panel


def skill_10() -> Skill:
    return db.session.execute(sa.select(Skill).where(Skill.code == "10")).scalar_one()


def mark_at_random(panel, count: int, seed: int) -> list[dict]:
    """`count` attempts at marks (and withdrawals) of skill 10 by four judges; the marks
    recorded, as the service answered them."""
    rng = random.Random(seed)
    body = queries.describe_skill(None, skill_10(), None)
    aspects = [a for c in body["criteria"] for s in c["sub_criteria"] for a in s["aspects"]]
    competitors = [c["code"] for c in body["competitors"]]
    revisions: dict = {}
    recorded = []
    for _ in range(count):
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
    return recorded


def test_marks_applied_one_by_one_give_the_results_of_a_fresh_evaluation(ctx):
    app, panel = ctx
    hub = live.hub(app)
    skill_id = skill_10().id
    hub.snapshot(skill_id)  # kept from here on
    recorded = mark_at_random(panel, 150, seed=3)
    assert len(recorded) > 50
    random.Random(3).shuffle(recorded)  # they may reach the broadcaster out of order: a gap
    staff, _public = hub.snapshot(skill_id, sorted(recorded, key=lambda m: m["version"]))
    expected = rules.skill_result_to_json(skill_standings(skill_10()))
    assert staff["results"] == expected
    assert staff["version"] == skill_10().version


def test_marks_of_another_process_are_caught_up_without_reading_the_whole_skill(
        ctx, monkeypatch):
    """Several server processes: marks written by another process reach this hub only as a
    newer version in the database; it reads the marks changed since its version."""
    app, panel = ctx
    hub = live.hub(app)
    skill_id = skill_10().id
    first, _ = hub.snapshot(skill_id)
    # the hub is not told (its listener is off meanwhile): "another process"
    signals.mark_recorded.disconnect(live._on_mark_recorded)
    try:
        mark_at_random(panel, 120, seed=5)
    finally:
        signals.mark_recorded.connect(live._on_mark_recorded)
    reloads = []
    original = state.KeptStandings.__init__

    def counting(self, skill):
        reloads.append(skill.id)
        original(self, skill)

    monkeypatch.setattr(state.KeptStandings, "__init__", counting)
    snapshots = []
    statements = [statement for statement in statements_during(
        db.engine, lambda: snapshots.append(hub.snapshot(skill_id))) if statement != "BEGIN"]
    staff, _public = snapshots[0]
    assert reloads == []
    # the skill's row now with the marks changed since the kept version, in one statement:
    # nothing else (SQLite's BEGIN apart)
    assert len(statements) == 1, statements
    assert staff["version"] == skill_10().version > first["version"]
    assert staff["results"] == rules.skill_result_to_json(skill_standings(skill_10()))
    fresh = state.KeptStandings(skill_10())
    assert staff["progress"] == progress_counts(fresh.marked(), fresh.expected)


def test_with_several_processes_a_broadcast_reads_the_skill_and_their_marks_at_once(
        ctx, monkeypatch):
    """With a message queue (several server processes) each broadcast catches up with the
    marks the others wrote: it reads them with the skill's row, one statement in all."""
    app, panel = ctx
    hub = live.hub(app)
    skill_id = skill_10().id
    hub.snapshot(skill_id)
    signals.mark_recorded.disconnect(live._on_mark_recorded)
    try:
        mark_at_random(panel, 40, seed=7)  # "another process"
    finally:
        signals.mark_recorded.connect(live._on_mark_recorded)
    monkeypatch.setitem(app.config, "MESSAGE_QUEUE", "redis://127.0.0.1:6379/0")
    broadcasts = hub.broadcasts
    statements = [statement for statement in statements_during(
        db.engine, lambda: hub._publish(skill_id, [], [])) if statement != "BEGIN"]
    assert len(statements) == 1, statements
    assert hub.broadcasts == broadcasts + 1
    monkeypatch.setitem(app.config, "MESSAGE_QUEUE", None)
    staff, _public = hub.snapshot(skill_id)
    assert staff["version"] == skill_10().version
    assert staff["results"] == rules.skill_result_to_json(skill_standings(skill_10()))


def test_the_marked_count_follows_marks_entered_changed_and_withdrawn(ctx):
    _app, panel = ctx
    kept = state.KeptStandings(skill_10())
    recorded = sorted(mark_at_random(panel, 80, seed=11), key=lambda m: m["version"])
    version = kept.version
    changes = recorded + recorded[:20] + [{**mark, "value": None} for mark in recorded[10:30]]
    changes += [{**mark, "value": None} for mark in recorded[10:15]]  # withdrawn twice
    for change in changes:
        version += 1
        kept.apply({**change, "version": version})
        assert kept.marked() == sum(1 for cell in kept.filled if cell[1] not in kept.withdrawn)
    def cells(marks):
        return {(m["aspect"], m["competitor"], m["judge"]) for m in marks}

    left = cells(recorded) - cells(recorded[10:30])  # (withdrawn last)
    assert kept.marked() == len({cell for cell in left if cell[1] not in kept.withdrawn}) > 0


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


def _broadcasts_until(sio, version: int) -> list[dict]:
    """The board:snapshot events the test client receives until one of `version`."""
    import time

    events: list[dict] = []
    deadline = time.monotonic() + 10
    while not events or events[-1]["version"] < version:
        assert time.monotonic() < deadline, f"no snapshot of version {version}: {events}"
        events += [r["args"][0] for r in sio.get_received() if r["name"] == "board:snapshot"]
        time.sleep(0.02)
    return events


@pytest.mark.parametrize("queue", [None, "redis://127.0.0.1:6379/0"])
def test_boards_asking_for_changes_get_them_from_a_single_process_only(ctx, queue):
    """With several processes (a message queue), each sends its own marks' broadcasts of a
    skill: none knows what a board holds, so the results go whole to every board."""
    from competition.extensions import socketio

    app, panel = ctx
    app.config["MESSAGE_QUEUE"] = queue  # what the hub reads; this test's emits stay local
    with write_transaction() as session:
        session.execute(sa.update(Skill).where(Skill.code == "10").values(visibility="live"))
    sio = socketio.test_client(app)
    try:
        assert sio.emit("board:join", {"skill": "10", "changes": True}, callback=True)["ok"]
        seen = _broadcasts_until(sio, skill_10().version)
        for seed in (1, 2, 3):
            recorded = mark_at_random(panel, 10, seed=seed)
            seen += _broadcasts_until(sio, max(m["version"] for m in recorded))
    finally:
        sio.disconnect()
    later = seen[1:]
    assert later and all("results" in e or "results_changes" in e for e in later)
    if queue:
        assert not any("results_changes" in e for e in later)
    else:
        assert any("results_changes" in e for e in later)


@pytest.mark.parametrize("few", [4, 0])
def test_a_broadcast_reads_the_other_scores_of_its_judgement_cells(ctx, monkeypatch, few):
    """The panel's `marks` event of a J mark carries every score of its cell (the count and the
    reveal need them): read a cell at a time for a broadcast's few cells, else at once."""
    from competition import marks

    _app, panel = ctx
    monkeypatch.setattr(marks, "_FEW_CELLS", few)
    recorded = mark_at_random(panel, 150, seed=5)
    skill_id = skill_10().id
    stored = [mark for mark in marks.marks_after(skill_id, "10") if mark["judge"] is not None]
    cells = list(dict.fromkeys((mark["aspect"], mark["competitor"]) for mark in stored))
    assert len(cells) > 6
    newest = {}
    for mark in recorded:
        newest[mark["aspect"], mark["competitor"]] = mark
    for count in (1, 3, 6):
        chosen = set(cells[:count])
        sent = sorted((newest[cell] for cell in chosen), key=lambda mark: mark["version"])
        every = marks._with_cells(skill_id, "10", sent)
        assert every == [mark for mark in stored
                         if (mark["aspect"], mark["competitor"]) in chosen]
        assert any(len([m for m in every if (m["aspect"], m["competitor"]) == cell]) > 1
                   for cell in chosen) or count == 1
