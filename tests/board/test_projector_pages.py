"""The projector's pages over HTTP: a shell with names and strings, never a score (the browser
test, tests/e2e/test_projector.py, drives the page and its live updates)."""

from __future__ import annotations

import json
import re

import sqlalchemy as sa

from competition.database import write_transaction
from competition.extensions import db
from competition.models import Skill
from competition.standings import skill_standings

from ..judging.test_pages import add_account, client_of
from ..marking import enter_marks

EN = {"Accept-Language": "en"}


def page_data(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="projector-data">(.*?)</script>',
                      html, re.S)
    assert found, "the page carries its data block"
    return json.loads(found.group(1))


def set_visibility(app, code: str, visibility: str) -> None:
    with app.app_context():
        with write_transaction() as session:
            session.execute(sa.update(Skill).where(Skill.code == code)
                            .values(visibility=visibility))


def test_a_skills_projector_opens_for_anyone(demo_client):
    response = demo_client.get("/board/10/projector", headers=EN)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert '<h1 id="skill-name">Welding</h1>' in html
    assert 'class="projector theme-dark"' in html  # dark unless asked otherwise
    assert 'aria-live="polite"' in html
    assert 'src="/static/js/projector.js"' in html and 'href="/static/css/projector.css"' in html
    data = page_data(html)
    assert data["config"]["every"] is None
    assert [(s["ref"], s["snapshot"]) for s in data["config"]["skills"]] == [
        ("10", "/board/10/snapshot.json")]
    assert data["strings"]["state_live"] == "Live (provisional results)"
    # No site chrome: no login link, no organizer's menu, only the language switch.
    assert "/login" not in html and "/manage" not in html
    assert html.count('hreflang="') == 3


def test_theme_and_language_come_from_the_address(demo_client):
    html = demo_client.get("/board/10/projector?theme=light&lang=kk",
                           headers=EN).get_data(as_text=True)
    assert '<html lang="kk">' in html
    assert 'class="projector theme-light"' in html
    assert "<h1 id=\"skill-name\">Дәнекерлеу технологиялары</h1>" in html
    data = page_data(html)
    assert data["strings"]["state_published"] == "Қорытынды нәтижелер"
    # The switch keeps the address (theme included) and changes only the language.
    links = re.findall(r'<a href="([^"]+)" lang="(\w+)"', html)
    assert {lang for _href, lang in links} == {"ru", "kk", "en"}
    for href, lang in links:
        assert "theme=light" in href and f"lang={lang}" in href
    # The /lang/<code> cookie works as everywhere else.
    demo_client.get("/lang/ru")
    assert '<html lang="ru">' in demo_client.get("/board/10/projector").get_data(as_text=True)


def test_unknown_skills_are_not_found(demo_client):
    assert demo_client.get("/board/99/projector").status_code == 404
    assert demo_client.get("/board/nowhere/10/projector").status_code == 404
    assert demo_client.get("/board/rotation?skills=04,99").status_code == 404


def test_rotation_through_named_skills(demo_client):
    response = demo_client.get("/board/rotation?skills=04,10,18&every=12", headers=EN)
    assert response.status_code == 200
    config = page_data(response.get_data(as_text=True))["config"]
    assert [s["ref"] for s in config["skills"]] == ["04", "10", "18"]
    assert [s["name"] for s in config["skills"]] == ["Mechatronics", "Welding",
                                                     "Electrical Installations"]
    assert config["every"] == 12
    # Nonsense in `every` falls back to the default; extremes are clamped.
    assert page_data(demo_client.get("/board/rotation?skills=04&every=x")
                     .get_data(as_text=True))["config"]["every"] == 20
    assert page_data(demo_client.get("/board/rotation?skills=04&every=1")
                     .get_data(as_text=True))["config"]["every"] == 5


def test_rotation_by_default_shows_the_skills_being_marked_now(demo_app, demo_client):
    # Nothing marked yet: the demo's Abilympics championship starts first (October); both its
    # skills are live.
    config = page_data(demo_client.get("/board/rotation").get_data(as_text=True))["config"]
    assert [s["ref"] for s in config["skills"]] == ["A01", "A02"]
    set_visibility(demo_app, "A01", "hidden")
    config = page_data(demo_client.get("/board/rotation").get_data(as_text=True))["config"]
    assert [s["ref"] for s in config["skills"]] == ["A02"]
    # marks coming in on two WorldSkills skills: those are rotated (not the other championship)
    with demo_app.app_context():
        enter_marks("10", seed=3)
        enter_marks("04", seed=3)
    set_visibility(demo_app, "10", "live")
    set_visibility(demo_app, "04", "live")
    config = page_data(demo_client.get("/board/rotation").get_data(as_text=True))["config"]
    refs = [s["ref"] for s in config["skills"]]
    assert sorted(refs) == ["04", "10"], refs
    set_visibility(demo_app, "04", "hidden")  # a hidden skill never rotates
    config = page_data(demo_client.get("/board/rotation").get_data(as_text=True))["config"]
    assert [s["ref"] for s in config["skills"]] == ["10"]


def test_the_page_never_carries_a_score(demo_app):
    """Scores reach the projector only in snapshots; not even staff get them in the HTML."""
    with demo_app.app_context():
        enter_marks("10", seed=3)
        skill = db.session.execute(sa.select(Skill).where(Skill.code == "10")).scalar_one()
        scores = {r.score for g in skill_standings(skill).groups for r in g.results}
        scores = {format(s, "f") if not isinstance(s, str) else s for s in scores}
    scores = {s for s in scores if s not in ("0.00", "0")}
    assert scores, "the marks gave scores to look for"
    set_visibility(demo_app, "10", "hidden")
    organizer = client_of(demo_app, add_account(demo_app, "projector-organizer", "organizer"))
    for client in (demo_app.test_client(), organizer):
        for url in ("/board/10/projector", "/board/rotation?skills=10,04"):
            response = client.get(url, headers=EN)
            assert response.status_code == 200
            html = response.get_data(as_text=True)
            assert "Welding" in html
            leaked = [score for score in scores if score in html]
            assert not leaked, (url, leaked)
