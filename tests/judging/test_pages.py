"""The experts' pages over HTTP: the skill list and the tablet page's shell (the browser test,
tests/e2e/test_tablet.py, drives the page itself)."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
import sqlalchemy as sa

from competition.auth.service import add_user
from competition.database import write_transaction
from competition.extensions import db
from competition.judging.views import competition_day
from competition.models import Championship, Competitor, Expert, ExpertRole, Skill, User

EN = {"Accept-Language": "en"}
WORLDSKILLS = "vko-ws-2026"  # the demo's WorldSkills championship (skill 10: Welding)


def add_account(app, login: str, role: str, *, expert: str | None = None,
                competitor: str | None = None) -> int:
    """An account for the demo expert with code `expert` (or the competitor SKILL/CODE)."""
    with app.app_context():
        with write_transaction() as session:
            links = {}
            if expert:
                links["expert"] = session.execute(
                    sa.select(Expert).join(Championship)
                    .where(Championship.code == WORLDSKILLS, Expert.code == expert)).scalar_one()
            if competitor:
                skill, _slash, code = competitor.partition("/")
                links["competitor"] = session.execute(
                    sa.select(Competitor).join(Skill)
                    .where(Skill.code == skill, Competitor.code == code)).scalar_one()
            user = add_user(login, role, "password-for-tests", **links)
            session.flush()
            return user.id


def client_of(app, user_id: int):
    client = app.test_client()
    with app.app_context():
        session_id = db.session.get(User, user_id).get_id()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
    return client


def expert_of_other_skill(app) -> str:
    """A demo expert with no role in skill 10."""
    with app.app_context():
        in_10 = sa.select(ExpertRole.expert_id).join(Skill).where(Skill.code == "10")
        return db.session.execute(
            sa.select(Expert.code).join(ExpertRole).join(Championship)
            .where(Championship.code == WORLDSKILLS, Expert.id.not_in(in_10))
            .order_by(Expert.code).limit(1)).scalar_one()


def shell(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="tablet-data">(.*?)</script>', html,
                      re.S)
    assert match, "the page has no data block"
    return json.loads(match.group(1))


def test_index_lists_the_skills_of_an_expert_with_several(demo_app):
    # E05 is an expert of 10 (Welding) and 18 (Electrical installations).
    client = client_of(demo_app, add_account(demo_app, "e05", "expert", expert="E05"))
    response = client.get("/judging/", headers=EN)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'href="/judging/10"' in html and 'href="/judging/18"' in html
    assert "Welding" in html
    assert '<a href="/judging/">Marking</a>' in html  # the header's link for experts


def test_index_takes_an_expert_of_one_skill_straight_to_it(demo_app):
    client = client_of(demo_app, add_account(demo_app, "e03", "expert", expert="E03"))
    response = client.get("/judging/", headers=EN)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/judging/10")


def test_organizers_see_every_skill(demo_app):
    client = client_of(demo_app, add_account(demo_app, "org", "organizer"))
    html = client.get("/judging/", headers=EN).get_data(as_text=True)
    with demo_app.app_context():
        codes = db.session.execute(sa.select(Skill.code)).scalars().all()
    assert codes and all(f'href="/judging/{code}"' in html for code in codes)


def test_the_tablet_page_carries_the_shell_for_its_script(demo_app):
    client = client_of(demo_app, add_account(demo_app, "e05", "expert", expert="E05"))
    response = client.get("/judging/10", headers=EN)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<script type="module" src="/static/js/tablet.js"></script>' in html
    assert "/static/css/tablet.css" in html
    assert "<h1>10 Welding</h1>" in html
    data = shell(html)
    config = data["config"]
    assert config["ref"] == "10" and config["skill"] == "10"
    assert config["expert"] == "E05" and config["role"] == "expert"
    assert config["readOnly"] is False
    assert config["api"] == {"skill": "/api/v1/skills/10", "marks": "/api/v1/skills/10/marks"}
    assert re.fullmatch(r"C[1-4]", config["day"])
    strings = data["strings"]
    assert strings["reason_compatriot"] == ("Compatriot: you cannot mark a competitor of "
                                            "your own organization")
    assert strings["state_empty"] == "not marked"
    # The API the script reads answers this session with the same expert.
    skill = client.get(config["api"]["skill"], headers={"Accept": "application/json"}).get_json()
    assert skill["expert"] == "E05" and skill["criteria"]
    marks = client.get(config["api"]["marks"], headers={"Accept": "application/json"})
    assert marks.status_code == 200 and "version" in marks.get_json()


def test_a_skill_is_named_with_its_championship_too(demo_app):
    client = client_of(demo_app, add_account(demo_app, "e05", "expert", expert="E05"))
    response = client.get("/judging/vko-ws-2026/10", headers=EN)
    assert response.status_code == 200
    assert shell(response.get_data(as_text=True))["config"]["api"]["skill"] == \
        "/api/v1/skills/vko-ws-2026/10"
    assert client.get("/judging/no-such-skill", headers=EN).status_code == 404


def test_organizers_open_the_page_read_only(demo_app):
    client = client_of(demo_app, add_account(demo_app, "org", "organizer"))
    response = client.get("/judging/10", headers=EN)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert shell(html)["config"]["readOnly"] is True
    assert shell(html)["config"]["expert"] is None
    assert "Read only: organizers see the marks but do not enter them." in html


def test_an_expert_of_another_skill_may_not_open_it(demo_app):
    other = expert_of_other_skill(demo_app)
    client = client_of(demo_app, add_account(demo_app, "other", "expert", expert=other))
    response = client.get("/judging/10", headers=EN)
    assert response.status_code == 403
    assert "You are not an expert of skill 10" in response.get_data(as_text=True)


def test_competitors_and_anonymous_visitors_are_turned_away(demo_app):
    competitor = client_of(demo_app, add_account(demo_app, "c101", "competitor",
                                                 competitor="10/101"))
    assert competitor.get("/judging/", headers=EN).status_code == 403
    assert competitor.get("/judging/10", headers=EN).status_code == 403
    anonymous = demo_app.test_client()
    response = anonymous.get("/judging/10", headers=EN)
    assert response.status_code == 302
    assert "/login?next=/judging/10" in response.headers["Location"]


def test_the_page_in_kazakh(demo_app):
    client = client_of(demo_app, add_account(demo_app, "e05", "expert", expert="E05"))
    client.get("/lang/kk")
    response = client.get("/judging/10")
    html = response.get_data(as_text=True)
    assert '<html lang="kk">' in html
    assert "Ішкі критерий" in html  # Sub-criterion
    assert "Дәнекерлеу технологиялары" in html  # the skill's Kazakh name
    strings = shell(html)["strings"]
    assert strings["state_empty"] == "бағаланбаған"
    assert strings["reason_compatriot"].startswith("Отандас сарапшы")


@pytest.mark.parametrize(("today", "day"), [
    (date(2026, 11, 20), "C1"),  # before the championship: its first day
    (date(2026, 11, 24), "C1"),
    (date(2026, 11, 26), "C3"),
    (date(2026, 11, 27), "C4"),
    (date(2026, 12, 5), "C4"),  # after it: its last day
])
def test_today_is_a_competition_day_of_the_championship(today, day):
    championship = Championship(starts_on=date(2026, 11, 24), ends_on=date(2026, 11, 27))
    assert competition_day(championship, today) == day
    two_days = Championship(starts_on=date(2026, 11, 24), ends_on=date(2026, 11, 25))
    assert competition_day(two_days, date(2026, 11, 27)) == "C2"
    assert competition_day(Championship(), today) == "C1"
