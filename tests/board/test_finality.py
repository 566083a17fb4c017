"""Publishing only what is final (issue 19): the finality report of a skill, the organizer's
page and the JSON API refusing to publish while marks are missing, disputes open or
sub-criteria unsigned (nothing changes then), the chief's sign-off asking for confirmation
when marks are missing, and how far marking has come on the projector's snapshot and the
results pages."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from competition.database import write_transaction
from competition.extensions import db, socketio
from competition.judging import signoff
from competition.judging.finality import finality
from competition.models import AuditEntry, Criterion, Skill, SubCriterion, User
from tests.access import client_as, csrf_token, make_role_users
from tests.marking import enter_marks

from ..helpers import EN, csrf, organizer_client
from .test_screens import mark_final

PAGE = "/manage/championships/1"
VISIBILITY = "/board/vko-ws-2026/10/visibility"
API = "/api/v1/skills/10/visibility"


def skill_10() -> Skill:
    return db.session.execute(sa.select(Skill).where(Skill.code == "10")).scalar_one()


def sub_codes() -> list[str]:
    return list(db.session.execute(
        sa.select(SubCriterion.code).join(Criterion).where(Criterion.skill_id == skill_10().id)
        .order_by(Criterion.position, Criterion.code, SubCriterion.position,
                  SubCriterion.code)).scalars())


def sign_off_all(app, confirm: bool = False) -> None:
    with app.test_request_context():
        organizer = db.session.execute(
            sa.select(User).where(User.role == "organizer")).scalars().first()
        for code in sub_codes():
            signoff.sign_off(organizer, skill_10(), code, confirm=confirm)


def visibility_now(app) -> str:
    with app.app_context():
        db.session.remove()
        return skill_10().visibility


def audited(app) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(AuditEntry)
                                  .where(AuditEntry.action == "visibility")).scalar_one()


def publish_by_page(app, client, visibility: str = "published"):
    """The form of the championship's page (tests/security/test_post_crawl.py posts the page's
    own form), with its CSRF token."""
    return client.post(VISIBILITY, headers=EN, data={
        "csrf_token": csrf_token(app, client), "visibility": visibility, "next": PAGE})


@pytest.fixture
def users(demo_app):
    return make_role_users(demo_app)


def tokens(app, ids, *personas):
    from competition.auth.service import create_token

    with app.app_context():
        return {p: create_token(db.session.get(User, ids[p]).login) for p in personas}


# --- the finality report ------------------------------------------------------------------------

def test_the_report_counts_missing_marks_disputes_and_sign_offs(demo_app, users):
    with demo_app.app_context():
        report = finality(skill_10())
        codes = sub_codes()
        assert [sub.code for sub in report.sub_criteria] == codes  # scheme order
        assert not report.final and report.incomplete  # nothing marked yet
        assert all(sub.marks_missing == sub.marks_expected > 0 and not sub.signed_off
                   for sub in report.sub_criteria)
        mark_final("10")
        report = finality(skill_10())
        assert report.incomplete == [] and not report.final
        assert all(sub.marks_missing == 0 and sub.disputes == 0 for sub in report.sub_criteria)
        assert [sub.code for sub in report.missing()] == codes  # none signed off
    sign_off_all(demo_app)  # complete: no confirmation needed
    with demo_app.app_context():
        report = finality(skill_10())
        assert report.final and report.missing() == []
        assert report.as_json()["final"] is True


# --- the organizer's page -----------------------------------------------------------------------

def test_publishing_is_refused_on_the_page_with_what_is_missing(demo_app, users):
    with demo_app.app_context():
        enter_marks("10", seed=2, fill=0.5)
        db.session.remove()
    before, audits = visibility_now(demo_app), audited(demo_app)
    client = organizer_client(demo_app, users)
    response = publish_by_page(demo_app, client)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Skill 10 was not published" in html and 'role="alert"' in html
    assert "Nothing was changed" in html
    with demo_app.app_context():
        report = finality(skill_10())
    for sub in report.missing():
        row = re.search(rf'<tr data-sub="{re.escape(sub.code)}">(.*?)</tr>', html, re.S)
        assert row, sub.code
        assert f'href="/judging/10/chief#sub-{sub.code}"' in row.group(1)
        if sub.marks_missing:
            assert f"{sub.marks_missing} of {sub.marks_expected}" in row.group(1)
            assert f'href="/judging/10?sub={sub.code}"' in row.group(1)
    # nothing changed: the visibility, its audit entries
    assert (visibility_now(demo_app), audited(demo_app)) == (before, audits)


def test_publishing_is_allowed_once_everything_is_marked_and_signed_off(demo_app, users):
    with demo_app.app_context():
        mark_final("10")
        db.session.remove()
    client = organizer_client(demo_app, users)
    refused = publish_by_page(demo_app, client)  # all marked, nothing signed off
    assert refused.status_code == 409
    assert "Sign off" in refused.get_data(as_text=True)
    assert visibility_now(demo_app) == "live"
    sign_off_all(demo_app)
    response = publish_by_page(demo_app, client)
    assert response.status_code == 302 and response.headers["Location"].endswith(PAGE)
    assert visibility_now(demo_app) == "published"


def test_other_visibilities_stay_allowed_while_not_final(demo_app, users):
    client = organizer_client(demo_app, users)
    for visibility in ("hidden", "progress", "frozen", "live"):
        response = publish_by_page(demo_app, client, visibility)
        assert response.status_code == 302
        assert visibility_now(demo_app) == visibility


# --- the JSON API -------------------------------------------------------------------------------

def test_the_api_refuses_to_publish_with_the_missing_list(demo_app, users):
    with demo_app.app_context():
        enter_marks("10", seed=3, fill=0.6)
        db.session.remove()
    token = tokens(demo_app, users, "organizer")["organizer"]
    client = demo_app.test_client()
    audits = audited(demo_app)
    response = client.post(API, json={"visibility": "published"},
                           headers={"Authorization": f"Bearer {token}", **EN})
    body = response.get_json()
    assert response.status_code == 409
    assert body["ok"] is False and body["error"] == "not_final" and body["message"]
    with demo_app.app_context():
        report = finality(skill_10())
    assert body["missing"] == [sub.as_json() for sub in report.missing()]
    assert body["incomplete_competitors"] == report.incomplete != []
    first = body["missing"][0]
    assert set(first) == {"sub_criterion", "marks_missing", "marks_expected", "disputes",
                          "signed_off"}
    assert (visibility_now(demo_app), audited(demo_app)) == ("live", audits)


def test_the_api_sets_the_visibility_for_organizers(demo_app, users):
    token = tokens(demo_app, users, "organizer")["organizer"]
    bearer = {"Authorization": f"Bearer {token}"}
    client = demo_app.test_client()
    response = client.post(API, json={"visibility": "progress"}, headers=bearer)
    assert response.status_code == 200
    assert response.get_json() == {"ok": True, "skill": "10", "visibility": "progress"}
    assert visibility_now(demo_app) == "progress"
    # the session of a logged-in organizer, JSON (no CSRF token: the API takes JSON only)
    session = client_as(demo_app, "organizer", users)
    response = session.post(API, json={"visibility": "live"})
    assert response.status_code == 200 and visibility_now(demo_app) == "live"
    # a form post is not JSON: refused, as a cross-site form would be
    assert session.post(API, data={"visibility": "hidden"}).status_code == 422
    # published, once final
    with demo_app.app_context():
        mark_final("10")
        db.session.remove()
    sign_off_all(demo_app)
    response = client.post(API, json={"visibility": "published"}, headers=bearer)
    assert response.status_code == 200 and response.get_json()["visibility"] == "published"
    assert visibility_now(demo_app) == "published"


def test_the_api_refuses_others_unknown_skills_and_values(demo_app, users):
    found = tokens(demo_app, users, "organizer", "expert", "competitor", "chief")
    client = demo_app.test_client()

    def post(who, body, url=API):
        headers = {"Authorization": f"Bearer {found[who]}"} if who else {}
        response = client.post(url, json=body, headers=headers)
        return response.status_code, (response.get_json() or {}).get("error")

    for persona in ("expert", "competitor", "chief"):
        assert post(persona, {"visibility": "hidden"}) == (403, "forbidden")
    assert post(None, {"visibility": "hidden"}) == (401, "unauthenticated")
    assert post("organizer", {"visibility": "hidden"},
                "/api/v1/skills/99/visibility") == (404, "unknown_skill")
    assert post("organizer", {"visibility": "shiny"}) == (422, "invalid_value")
    assert post("organizer", {"visibility": 3}) == (422, "invalid_value")
    assert post("organizer", {}) == (422, "invalid_value")
    assert visibility_now(demo_app) == "live"


# --- the chief's sign-off -----------------------------------------------------------------------

def test_signing_off_incomplete_marks_asks_for_confirmation(demo_app, users):
    chief = client_as(demo_app, "chief", users)
    with demo_app.app_context():
        code = sub_codes()[0]
        expected = finality(skill_10()).sub_criteria[0].marks_expected
    board = chief.get("/judging/10/chief", headers=EN).get_data(as_text=True)
    url = f"/judging/10/chief/{code}/sign-off"
    response = chief.post(url, data={"csrf_token": csrf(board)}, headers=EN)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert f"{code}: {expected} of {expected} marks are missing. Sign it off anyway?" in html
    assert 'name="confirm" value="1"' in html and "Sign off anyway" in html
    with demo_app.app_context():
        assert not finality(skill_10()).sub_criteria[0].signed_off
    response = chief.post(url, data={"csrf_token": csrf(html), "confirm": "1"}, headers=EN)
    assert response.status_code == 302
    with demo_app.app_context():
        assert finality(skill_10()).sub_criteria[0].signed_off


def test_a_complete_sub_criterion_signs_off_with_one_click(demo_app, users):
    with demo_app.app_context():
        mark_final("10")
        code = sub_codes()[0]
        db.session.remove()
    chief = client_as(demo_app, "chief", users)
    board = chief.get("/judging/10/chief", headers=EN).get_data(as_text=True)
    response = chief.post(f"/judging/10/chief/{code}/sign-off",
                          data={"csrf_token": csrf(board)}, headers=EN)
    assert response.status_code == 302
    with demo_app.app_context():
        assert finality(skill_10()).sub_criteria[0].signed_off


# --- how far marking has come -------------------------------------------------------------------

def test_the_snapshot_and_the_results_pages_say_how_far_marking_has_come(demo_app, users):
    with demo_app.app_context():
        enter_marks("10", seed=5, fill=0.5)
        db.session.remove()
    client = demo_app.test_client()
    snapshot = client.get("/board/10/snapshot.json?view=public").get_json()
    progress = snapshot["progress"]
    percent = progress["marked"] * 100 // progress["expected"]
    assert 0 < progress["percent"] == percent < 100
    # over Socket.IO, as the projector gets it
    sio = socketio.test_client(demo_app, flask_test_client=demo_app.test_client())
    assert sio.emit("board:join", {"skill": "10", "view": "public"}, callback=True) == \
        {"ok": True}
    sent = [e["args"][0] for e in sio.get_received() if e["name"] == "board:snapshot"]
    assert sent and sent[-1]["progress"]["percent"] == percent
    sio.disconnect()
    page = client.get("/results/10", headers=EN).get_data(as_text=True)
    assert f"{percent}% marked" in page
    index = client.get("/results", headers=EN).get_data(as_text=True)
    assert f"{percent}% marked" in index
    # a hidden skill says nothing of its marking
    with demo_app.app_context(), write_transaction() as session:
        session.execute(sa.update(Skill).where(Skill.code == "10").values(visibility="hidden"))
    hidden = client.get("/board/10/snapshot.json").get_json()
    assert "progress" not in hidden
    assert "% marked" not in client.get("/results/10", headers=EN).get_data(as_text=True)


def test_final_results_show_no_marking_share(demo_app, users):
    with demo_app.app_context():
        mark_final("10")
        db.session.remove()
    sign_off_all(demo_app)
    token = tokens(demo_app, users, "organizer")["organizer"]
    client = demo_app.test_client()
    assert client.post(API, json={"visibility": "published"},
                       headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/board/10/snapshot.json").get_json()["progress"]["percent"] == 100
    page = client.get("/results/10", headers=EN).get_data(as_text=True)
    assert "Final results." in page and "% marked" not in page
