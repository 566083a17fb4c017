"""The workstation draw (random, recorded, reproducible) and the compatriots list."""

from __future__ import annotations

import random
import re

import pytest
import sqlalchemy as sa

from competition.errors import Invalid
from competition.extensions import db
from competition.models import AuditEntry, Competitor, Skill, WorkstationDraw
from competition.registry.people.service.common import natural_key
from competition.registry.people.service.draw import draw_outcome, parse_workstations
from tests.access import client_as
from tests.helpers import EN, submit
from tests.marking import enter_marks

from .test_people_pages import text


def skill_10(demo_app) -> int:
    with demo_app.app_context():
        return db.session.execute(sa.select(Skill.id).where(Skill.code == "10")).scalar_one()


def workstations_of(demo_app, skill_id: int) -> dict[str, str]:
    with demo_app.app_context():
        return dict(db.session.execute(
            sa.select(Competitor.code, Competitor.workstation)
            .where(Competitor.skill_id == skill_id, Competitor.status != "withdrawn")).all())


# --- the algorithm, pure ------------------------------------------------------------------------

CODES = [str(c) for c in range(101, 111)]
STATIONS = [str(s) for s in range(1, 11)]


def test_same_seed_same_outcome_whatever_the_input_order():
    first = draw_outcome("vko-2026", CODES, STATIONS)
    again = draw_outcome("vko-2026", list(reversed(CODES)), sorted(STATIONS))
    assert first == again


def test_the_documented_algorithm_and_a_pinned_outcome():
    # sort the workstations naturally, random.Random(seed).shuffle, give them in code order
    stations = sorted(STATIONS, key=natural_key)
    random.Random("vko-2026").shuffle(stations)
    assert draw_outcome("vko-2026", CODES, STATIONS) == dict(zip(CODES, stations, strict=True))
    # pinned: a change of the algorithm would make recorded draws unverifiable
    assert draw_outcome("vko-2026", CODES, STATIONS) == {
        "101": "6", "102": "4", "103": "7", "104": "10", "105": "9", "106": "1", "107": "5",
        "108": "2", "109": "3", "110": "8"}


def test_different_seeds_differ_and_everyone_gets_one_station():
    outcomes = {tuple(draw_outcome(f"seed-{i}", CODES, STATIONS).values()) for i in range(20)}
    assert len(outcomes) > 15
    for outcome in outcomes:
        assert sorted(outcome, key=natural_key) == STATIONS


def test_workstation_lists():
    assert parse_workstations("1-3, A1-A2\n10") == ["1", "2", "3", "10", "A1", "A2"]
    with pytest.raises(Invalid, match="listed twice"):
        parse_workstations("1-3, 2")
    with pytest.raises(Invalid, match="at least as many workstations as competitors"):
        draw_outcome("s", CODES, ["1", "2"])


# --- the draw page ------------------------------------------------------------------------------

def test_draw_is_recorded_applied_and_reproducible(organizer, demo_app):
    sid = skill_10(demo_app)
    url = f"/manage/skills/{sid}/draw"
    count = len(workstations_of(demo_app, sid))
    assert count == 10
    page = text(organizer.get(url, headers=EN))
    # the default: one workstation per competitor
    assert re.search(rf">\s*1-{count}</textarea>", page)
    response = submit(organizer, url, {"workstations": "1-12", "seed": "", "submit": "1"})
    assert response.status_code == 302
    with demo_app.app_context():
        draw = db.session.execute(sa.select(WorkstationDraw)).scalar_one()
        seed, outcome = draw.seed, draw.outcome
        assert draw.user_id is not None and len(seed) >= 8
        entry = db.session.execute(
            sa.select(AuditEntry).where(AuditEntry.action == "draw")).scalar_one()
        assert entry.changes["seed"] == seed
        assert entry.changes["workstations"] == [str(i) for i in range(1, 13)]
    assert workstations_of(demo_app, sid) == outcome
    assert len(set(outcome.values())) == len(outcome) == count
    page = text(organizer.get(url, headers=EN))
    assert seed in page and "Drawn by as-organizer" in page

    # the same seed again, typed by hand: the same outcome, recorded as a second draw
    response = submit(organizer, url, {"workstations": "1-12", "seed": seed, "submit": "1"})
    assert response.status_code == 302
    with demo_app.app_context():
        draws = db.session.execute(
            sa.select(WorkstationDraw).order_by(WorkstationDraw.id)).scalars().all()
        assert len(draws) == 2 and draws[1].outcome == outcome


def test_preview_records_nothing(organizer, demo_app):
    sid = skill_10(demo_app)
    before = workstations_of(demo_app, sid)
    response = submit(organizer, f"/manage/skills/{sid}/draw",
                      {"workstations": "1-10", "seed": "check-me", "preview": "1"})
    assert response.status_code == 200
    page = text(response)
    assert "Preview with the seed check-me (not recorded)" in page
    expected = draw_outcome("check-me", list(before), [str(i) for i in range(1, 11)])
    shown = dict(re.findall(r'<tr><th scope="row">(\d+)</th><td>(\d+)</td></tr>', page))
    assert shown == expected
    with demo_app.app_context():
        assert db.session.execute(sa.select(WorkstationDraw)).first() is None
    assert workstations_of(demo_app, sid) == before


def test_draw_errors_and_refusal_once_marked(organizer, demo_app):
    sid = skill_10(demo_app)
    url = f"/manage/skills/{sid}/draw"
    response = submit(organizer, url, {"workstations": "1-3", "seed": "", "submit": "1"})
    assert response.status_code == 422
    assert "more competitors (10) than workstations (3)" in text(response)
    with demo_app.app_context():
        enter_marks("10", fill=0.1)
    page = text(organizer.get(url, headers=EN))
    assert "Marking has started in this skill" in page
    with demo_app.app_context():
        assert db.session.execute(sa.select(WorkstationDraw)).first() is None


# --- compatriots --------------------------------------------------------------------------------

def pairs(response) -> list[tuple[str, str]]:
    rows = re.findall(r'<th scope="row">(E\d+) [^<]*</th>\s*<td>[^<]*</td>\s*<td>(\d+) ',
                      text(response))
    return sorted(rows)


def test_compatriots_of_the_demo_welding_skill(organizer, demo_app):
    # skill 10 of the demo: experts E03 (VKPTK), E04 (UKSTK), E05 (ZCPO), E26 (SPK) share an
    # organization with competitors 101, 102 / 103, 104 / 106 / 108
    response = organizer.get(f"/manage/skills/{skill_10(demo_app)}/compatriots", headers=EN)
    assert response.status_code == 200
    assert pairs(response) == [("E03", "101"), ("E03", "102"), ("E04", "103"),
                               ("E04", "104"), ("E05", "106"), ("E26", "108")]


def test_chief_sees_only_their_own_skill(demo_app, role_users):
    chief = client_as(demo_app, "chief", role_users)  # the chief expert of skill 10
    own = chief.get(f"/manage/skills/{skill_10(demo_app)}/compatriots", headers=EN)
    assert own.status_code == 200 and len(pairs(own)) == 6
    with demo_app.app_context():
        other = db.session.execute(sa.select(Skill.id).where(Skill.code == "18")).scalar_one()
    response = chief.get(f"/manage/skills/{other}/compatriots", headers=EN)
    assert response.status_code == 403
    expert = client_as(demo_app, "expert", role_users)
    assert expert.get(f"/manage/skills/{skill_10(demo_app)}/compatriots").status_code == 403
