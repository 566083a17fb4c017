"""The championship page's visibility controls (issue 23): the five states explained, one
skill at a time, and several at once; a skill whose results are not final is not published
and the page says which; only organizers and admins."""

from __future__ import annotations

import sqlalchemy as sa

from competition.extensions import db
from competition.models import Championship, Skill
from tests.access import client_as, make_role_users

from ..helpers import EN, csrf


def visibilities(app) -> dict[str, str]:
    with app.app_context():
        db.session.expire_all()
        return dict(db.session.execute(sa.select(Skill.code, Skill.visibility)).all())


def test_several_skills_change_at_once_and_an_unfinished_one_is_not_published(demo_app):
    users = make_role_users(demo_app)
    organizer = client_as(demo_app, "organizer", users)
    with demo_app.app_context():
        championship = db.session.execute(sa.select(Championship).where(
            Championship.code == "vko-ws-2026")).scalar_one()
        ids = {s.code: s.id for s in championship.skills}
        url = f"/manage/championships/{championship.id}"
    page = organizer.get(url, headers=EN).get_data(as_text=True)
    assert "What the public sees: the five states" in page
    assert "Final results with medals, certificates and the appeal window" in page
    assert "/board/vko-ws-2026/10/projector" in page  # each skill's projector
    assert 'href="/board/screens"' in page  # hall screens in the navigation
    chosen = [ids["10"], ids["04"]]
    token = csrf(page)
    response = organizer.post("/board/visibility", data={
        "csrf_token": token, "skills": chosen, "visibility": "progress", "next": url},
        headers=EN)
    assert response.status_code == 302 and response.headers["Location"] == url
    after = visibilities(demo_app)
    assert after["10"] == after["04"] == "progress"
    others = {code for code in ids if code not in ("10", "04")}
    before = {code: after[code] for code in others}
    # publishing needs final results: refused per skill, with the reason on the page
    response = organizer.post("/board/visibility", data={
        "csrf_token": token, "skills": chosen, "visibility": "published", "next": url},
        headers=EN, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "10 is not published: its results are not final yet" in text
    assert visibilities(demo_app)["10"] == "progress"
    assert {code: visibilities(demo_app)[code] for code in others} == before
    # nothing chosen: said, nothing changes
    response = organizer.post("/board/visibility", data={
        "csrf_token": token, "visibility": "live", "next": url}, headers=EN,
        follow_redirects=True)
    assert "Choose at least one skill" in response.get_data(as_text=True)
    assert visibilities(demo_app)["10"] == "progress"


def test_only_staff_change_several_skills(demo_app):
    users = make_role_users(demo_app)
    chief = client_as(demo_app, "chief", users)
    with demo_app.app_context():
        skill_id = db.session.execute(sa.select(Skill.id).where(Skill.code == "10")).scalar()
    token = csrf(chief.get("/judging/10/chief", headers=EN).get_data(as_text=True))
    before = visibilities(demo_app)
    response = chief.post("/board/visibility", data={
        "csrf_token": token, "skills": [skill_id], "visibility": "live"}, headers=EN)
    assert response.status_code == 403
    assert visibilities(demo_app) == before
