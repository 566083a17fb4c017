"""GET /board/<ref>/snapshot.json serves kept bytes per (skill state, audience)
(competition/standings/served.py): computed once, the same bytes to every request, and never
stale — a mark, a visibility change, an appeal opened, or another process's write each give
the next request a new snapshot."""

from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa

from competition import standings
from competition.board.service import set_visibility
from competition.database import write_transaction
from competition.extensions import db
from competition.models import Competitor, Mark, MarkRevision, Skill, User
from competition.models.results import Appeal
from tests.access import client_as, make_role_users
from tests.marking import enter_marks


@pytest.fixture
def live_skill(demo_app):
    """Skill 10 partly marked and set live; accounts for every role."""
    ids = make_role_users(demo_app)
    with demo_app.app_context():
        enter_marks("10", seed=2, fill=0.3)
        organizer = db.session.get(User, ids["organizer"])
        set_visibility(organizer, _skill_id(), "live")
        db.session.remove()
    return demo_app, ids


def _skill_id() -> int:
    return db.session.execute(sa.select(Skill.id).where(Skill.code == "10")).scalar_one()


def _correct_a_mark() -> int:
    """One M mark of skill 10 corrected (a revision, the skill's version bumped); returns the
    new version."""
    with write_transaction() as session:
        skill = session.execute(sa.select(Skill).where(Skill.code == "10")).scalar_one()
        mark = session.execute(sa.select(Mark).where(
            Mark.skill_id == skill.id, Mark.aspect_type == "M", Mark.value > 0)
            .order_by(Mark.id).limit(1)).scalar_one()
        skill.version += 1
        session.add(MarkRevision(mark_id=mark.id, revision=mark.revision + 1,
                                 old_value=mark.value, new_value=0, reason="corrected",
                                 idempotency_key=str(uuid.uuid4()),
                                 skill_version=skill.version))
        mark.value, mark.revision, mark.version = 0, mark.revision + 1, skill.version
        return skill.version


def _computed(app) -> int:
    with app.app_context():
        return standings.hub(app).served.computed


def _get(client) -> tuple[bytes, dict]:
    response = client.get("/board/10/snapshot.json")
    assert response.status_code == 200, response.data
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    return response.data, json.loads(response.data)


def test_the_same_bytes_until_a_mark_moves_the_skill(live_skill):
    app, _ids = live_skill
    phone, laptop = app.test_client(), app.test_client()
    first, snapshot = _get(phone)
    computed = _computed(app)
    assert snapshot["visibility"] == "live" and snapshot["results"]["groups"]
    for client in (phone, laptop, phone):
        again, _ = _get(client)
        assert again == first  # byte for byte: the kept snapshot
    assert _computed(app) == computed  # nothing serialized again

    with app.app_context():
        version = _correct_a_mark()  # as another process would: straight to the database
        db.session.remove()
    moved, snapshot = _get(laptop)
    assert moved != first
    assert snapshot["version"] == version
    assert _computed(app) == computed + 1


def test_staff_and_public_are_kept_apart(live_skill):
    app, ids = live_skill
    public, _ = _get(app.test_client())
    staff, staff_snapshot = _get(client_as(app, "organizer", ids))
    assert staff != public
    assert "disputes" in json.dumps(staff_snapshot["results"])  # staff see disputes
    # Each audience's bytes stay its own on the next requests, in either order.
    assert _get(app.test_client())[0] == public
    assert _get(client_as(app, "organizer", ids))[0] == staff
    # An organizer asking for the public view gets the public bytes.
    response = client_as(app, "organizer", ids).get("/board/10/snapshot.json?view=public")
    assert response.data == public


def test_visibility_and_an_open_appeal_are_seen_at_once(live_skill):
    app, ids = live_skill
    _before, snapshot = _get(app.test_client())
    assert snapshot["visibility"] == "live" and snapshot["under_appeal"] is False
    with app.app_context():
        organizer = db.session.get(User, ids["organizer"])
        set_visibility(organizer, _skill_id(), "progress")
        db.session.remove()
    _, snapshot = _get(app.test_client())
    assert snapshot["visibility"] == "progress" and snapshot["results"] is None

    with app.app_context():
        with write_transaction() as session:  # an appeal bumps no version
            competitor = session.execute(
                sa.select(Competitor).join(Skill).where(Skill.code == "10")
                .order_by(Competitor.code).limit(1)).scalar_one()
            session.add(Appeal(skill_id=competitor.skill_id, competitor_id=competitor.id,
                               text="The timing was wrong", on_paper=True, state="open"))
        db.session.remove()
    _, snapshot = _get(app.test_client())
    assert snapshot["under_appeal"] is True


def test_a_forgotten_skill_is_computed_again(live_skill):
    app, _ids = live_skill
    first, _ = _get(app.test_client())
    computed = _computed(app)
    with app.app_context():
        standings.hub(app).forget(_skill_id())
    again, _ = _get(app.test_client())
    assert _computed(app) == computed + 1
    assert json.loads(again)["version"] == json.loads(first)["version"]


def test_the_skill_named_either_way_and_an_unknown_one(live_skill):
    app, _ids = live_skill
    with app.app_context():
        championship = db.session.execute(sa.select(Skill).where(
            Skill.code == "10")).scalar_one().championship.code
    by_code, _ = _get(app.test_client())
    response = app.test_client().get(f"/board/{championship}/10/snapshot.json")
    assert response.status_code == 200 and response.data == by_code
    for unknown in ("99", f"{championship}/99", "no-such-championship/10"):
        response = app.test_client().get(f"/board/{unknown}/snapshot.json")
        assert response.status_code == 404, unknown
