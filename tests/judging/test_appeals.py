"""Appeals (issue 19, docs/appeals.md): lodged by a competitor (own account) or on paper by an
organizer within the window after publishing, decided by the commission; while one is open the
skill's results are under appeal (no medals, no medal certificates); an upheld one leads to the
correction path (unlock naming the appeal, re-mark, sign off, publish, print again).

Everything over HTTP: the JSON API, the organizer's pages, the participant's page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from competition.database import write_transaction
from competition.extensions import db
from competition.models import (
    Appeal,
    AuditEntry,
    Competitor,
    Criterion,
    Document,
    Expert,
    ExpertRole,
    Skill,
    SubCriterion,
)
from competition.standings import skill_standings

from ..access import client_as
from ..auth.helpers import EN, make_user
from ..documents.test_certificates import SKILL, print_batch, skill_of, start_batch
from ..documents.test_withheld import correct_until_not_gold, gold_medallist, show
from ..helpers import csrf
from ..marking import enter_marks

API = f"/api/v1/skills/{SKILL}/appeals"


def _subs(app) -> list[str]:
    with app.app_context():
        return list(db.session.execute(sa.select(SubCriterion.code).join(Criterion).where(
            Criterion.skill_id == skill_of().id).order_by(SubCriterion.code)).scalars())


def sign_off_all(app, organizer) -> None:
    """The chief's board's sign-off of every sub-criterion (the publishing gate wants it)."""
    page = organizer.get(f"/judging/{SKILL}/chief", headers=EN).get_data(as_text=True)
    for sub in _subs(app):
        answer = organizer.post(f"/judging/{SKILL}/chief/{sub}/sign-off",
                                data={"csrf_token": csrf(page)}, headers=EN)
        assert answer.status_code == 302, answer.get_data(as_text=True)[:500]


def _competitors(app) -> tuple[str, str]:
    """(the gold medallist, another competitor) of the published skill."""
    with app.app_context():
        db.session.expire_all()
        rows = [r for g in skill_standings(skill_of()).groups for r in g.results]
    gold = next(r.competitor for r in rows if r.medal == "gold")
    other = next(r.competitor for r in rows if r.competitor != gold)
    return gold, other


def _account(app, code: str, login: str):
    """A logged-in client of the competitor `code`'s own account."""
    with app.app_context():
        competitor = db.session.execute(sa.select(Competitor).join(Skill).where(
            Skill.code == SKILL, Competitor.code == code)).scalar_one()
    user = make_user(app, login, "competitor", competitor=competitor)
    return client_as(app, login, {login: user})


@pytest.fixture
def marked(demo_app):
    """Skill 10 marked in full (medals, no dispute with this seed) and signed off, not yet
    published; an organizer's client."""
    with demo_app.app_context():
        enter_marks(SKILL, seed=3)
    organizer = client_as(demo_app, "organizer", {
        "organizer": make_user(demo_app, "appeals-organizer", "organizer")})
    sign_off_all(demo_app, organizer)
    return demo_app, organizer


@pytest.fixture
def published(marked):
    app, organizer = marked
    show(organizer, "published")
    gold, other = _competitors(app)
    return app, organizer, gold, other


def _count(app) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(Appeal)).scalar_one()


def _audit(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        return db.session.execute(sa.select(AuditEntry).where(
            AuditEntry.action == action)).scalars().all()


def test_not_published_is_refused_and_writes_nothing(marked):
    app, organizer = marked
    with app.app_context():
        code = skill_of().competitors[0].code
    me = _account(app, code, "appeal-early")
    answer = me.post(API, json={"text": "too early"}, headers=EN)
    assert answer.status_code == 409 and answer.get_json()["error"] == "not_published"
    assert _count(app) == 0


def test_refusals_write_nothing_then_a_competitor_lodges_their_own(published):
    app, organizer, gold, other = published
    me = _account(app, gold, "appeal-gold")
    refusals = [
        ({"text": "   "}, 422, "invalid_value"),
        ({"text": "A1.1 was measured wrongly", "aspects": ["Z9.9", "A1.1"]}, 422,
         "invalid_value"),
        ({"competitor": other, "text": "for someone else"}, 403, "forbidden"),
        ({"text": 7}, 422, "invalid_value"),
    ]
    for body, status, code in refusals:
        answer = me.post(API, json=body, headers=EN)
        assert (answer.status_code, answer.get_json()["error"]) == (status, code), body
    assert "Z9.9" in me.post(API, json=refusals[1][0], headers=EN).get_json()["message"]
    assert _count(app) == 0 and not _audit(app, "appeal.lodge")

    answer = me.post(API, json={"text": "A1.1 was measured before the piece cooled.",
                                "aspects": ["A1.1"]}, headers=EN)
    assert answer.status_code == 201, answer.get_json()
    lodged = answer.get_json()
    assert lodged["competitor"] == gold and lodged["state"] == "open"
    assert lodged["aspects"] == ["A1.1"] and lodged["on_paper"] is False
    assert lodged["lodged_by"] == "appeal-gold"
    again = me.post(API, json={"text": "once more"}, headers=EN)
    assert (again.status_code, again.get_json()["error"]) == (409, "appeal_open")
    listed = me.get(API).get_json()
    assert [a["id"] for a in listed["appeals"]] == [lodged["id"]]
    assert listed["window"]["open"] is True and listed["window"]["minutes"] == 120
    assert len(_audit(app, "appeal.lodge")) == 1

    # someone else's competitor account sees none of it, and may not decide
    other_client = _account(app, other, "appeal-other")
    assert other_client.get(API).get_json()["appeals"] == []
    refused = other_client.post(f"/api/v1/appeals/{lodged['id']}/decision",
                                json={"outcome": "upheld", "reason": "mine"})
    assert refused.status_code == 403 and refused.get_json()["error"] == "forbidden"


def test_window_closed(published):
    app, organizer, gold, _other = published
    with app.app_context(), write_transaction() as session:
        skill = session.get(Skill, skill_of().id)
        skill.published_at = skill.published_at - timedelta(minutes=121)
    me = _account(app, gold, "appeal-late")
    answer = me.post(API, json={"text": "too late"}, headers=EN)
    assert answer.status_code == 409 and answer.get_json()["error"] == "window_closed"
    assert _count(app) == 0
    page = me.get(f"/me/{_results_code(app, gold)}", headers=EN).get_data(as_text=True)
    assert "Lodge the appeal" not in page


def _results_code(app, code: str) -> str:
    with app.app_context():
        return db.session.execute(sa.select(Competitor.results_code).join(Skill).where(
            Skill.code == SKILL, Competitor.code == code)).scalar_one()


def _lodge_on_paper(organizer, competitor: str, text: str = "Handed in on paper."):
    url = "/manage/appeals?championship=vko-ws-2026"
    page = organizer.get(url, headers=EN).get_data(as_text=True)
    skill_id = re.search(r'<option value="(\d+)">10 ', page).group(1)
    return organizer.post(url, headers=EN, data={
        "csrf_token": csrf(page), "skill": skill_id, "competitor": competitor, "aspects": "",
        "text": text})


def _decide(organizer, appeal_id: int, outcome: str, reason: str):
    url = f"/manage/appeals/{appeal_id}"
    page = organizer.get(url, headers=EN).get_data(as_text=True)
    return organizer.post(url, headers=EN, data={"csrf_token": csrf(page), "outcome": outcome,
                                                 "reason": reason})


def test_under_appeal_on_paper_then_rejected(published):
    """On paper by an organizer: the public page says under appeal with no medals, the medal
    table does not count the skill, medal certificates are not printed; rejected: all back."""
    app, organizer, gold, other = published
    visitor = app.test_client()
    assert "Final results." in visitor.get(f"/results/{SKILL}", headers=EN).get_data(
        as_text=True)
    empty = _lodge_on_paper(organizer, other, text="   ")
    assert empty.status_code == 422 and _count(app) == 0
    answer = _lodge_on_paper(organizer, other)
    assert answer.status_code == 302, answer.get_data(as_text=True)[:1000]
    appeal_id = int(answer.headers["Location"].rsplit("/", 1)[1])

    page = visitor.get(f"/results/{SKILL}", headers=EN).get_data(as_text=True)
    assert "Results under appeal" in page and "Final results." not in page
    assert "medal-gold" not in page
    snapshot = visitor.get(f"/board/{SKILL}/snapshot.json").get_json()
    assert snapshot["under_appeal"] is True
    assert all(r["medal"] is None for g in snapshot["results"]["groups"] for r in g["results"])
    medals = visitor.get("/medals", headers=EN).get_data(as_text=True)
    with app.app_context():
        name = skill_of().name()
    assert name not in medals
    own = visitor.get(f"/me/{_results_code(app, other)}", headers=EN).get_data(as_text=True)
    assert "Under consideration" in own and "Handed in on paper." in own
    refused = start_batch(organizer, _skill_id(app), groups=("medals",))
    assert refused.status_code != 302
    assert "appeal" in refused.get_data(as_text=True)

    # the commission decides; not an expert
    with app.app_context():
        panel = db.session.execute(sa.select(Expert).join(ExpertRole).where(
            ExpertRole.skill_id == skill_of().id).order_by(Expert.code)).scalars().first()
    expert = client_as(app, "appeal-expert", {
        "appeal-expert": make_user(app, "appeal-expert", "expert", expert=panel)})
    assert expert.post(f"/api/v1/appeals/{appeal_id}/decision", json={
        "outcome": "rejected", "reason": "no"}).status_code == 403
    assert _decide(organizer, appeal_id, "rejected", "  ").status_code == 422
    assert _decide(organizer, appeal_id, "rejected",
                   "Measured again: as marked.").status_code == 302
    with app.app_context():
        appeal = db.session.get(Appeal, appeal_id)
        assert appeal.state == "rejected" and appeal.on_paper
        assert skill_of().visibility == "published"
    page = visitor.get(f"/results/{SKILL}", headers=EN).get_data(as_text=True)
    assert "Final results." in page and "medal-gold" in page
    own = visitor.get(f"/me/{_results_code(app, other)}", headers=EN).get_data(as_text=True)
    assert "Rejected" in own and "Measured again: as marked." in own
    assert len(_audit(app, "appeal.decide")) == 1
    again = organizer.post(f"/api/v1/appeals/{appeal_id}/decision",
                           json={"outcome": "upheld", "reason": "twice"})
    assert again.status_code == 409 and again.get_json()["error"] == "already_decided"


def _skill_id(app) -> int:
    with app.app_context():
        return skill_of().id


def test_appeal_upheld_correction_and_reissue(published):
    """publish → print → appeal → upheld (frozen) → unlock naming the appeal → re-mark → sign
    off → publish → print: the changed gold certificate is revoked and reissued."""
    app, organizer, gold, _other = published
    skill_id = _skill_id(app)
    print_batch(organizer, skill_id, groups=("medals", "participation"))
    with app.app_context():
        old_gold = db.session.execute(sa.select(Document).where(
            Document.skill_id == skill_id, Document.kind == "gold",
            Document.revoked_at.is_(None))).scalars().first()
        old_code = old_gold.verification_code

    me = _account(app, gold, "appeal-story")
    lodged = me.post(API, json={"text": "My marks of A1 were entered for someone else."})
    assert lodged.status_code == 201
    appeal_id = lodged.get_json()["id"]
    decided = organizer.post(f"/api/v1/appeals/{appeal_id}/decision", json={
        "outcome": "upheld", "reason": "A1 marks swapped"})
    assert decided.status_code == 200 and decided.get_json()["state"] == "upheld"
    with app.app_context():
        assert skill_of().visibility == "frozen"

    # the decision page leads to the chief's board with the reason naming the appeal
    page = organizer.get(f"/manage/appeals/{appeal_id}", headers=EN).get_data(as_text=True)
    link = re.search(r'href="(/judging/10/chief\?reason=[^"]+)"', page).group(1)
    board = organizer.get(link.replace("&amp;", "&"), headers=EN).get_data(as_text=True)
    reason = f"Appeal #{appeal_id} upheld: A1 marks swapped"
    assert reason in board
    for sub in _subs(app):
        answer = organizer.post(f"/judging/{SKILL}/chief/{sub}/unlock", headers=EN,
                                data={"csrf_token": csrf(board), "reason": reason})
        assert answer.status_code == 302
    assert any(reason in e.summary for e in _audit(app, "unlock"))
    assert f"Appeal #{appeal_id}" in board and "Upheld" in board

    correct_until_not_gold(app, gold)
    new_gold = gold_medallist(app)
    sign_off_all(app, organizer)
    show(organizer, "published")
    print_batch(organizer, skill_id, groups=("medals", "participation"))
    with app.app_context():
        old = db.session.execute(sa.select(Document).where(
            Document.verification_code == old_code)).scalar_one()
        assert old.revoked_at is not None
        current = db.session.execute(sa.select(Document).where(
            Document.skill_id == skill_id, Document.kind == "gold",
            Document.revoked_at.is_(None))).scalars().all()
        assert {db.session.get(Competitor, d.competitor_id).code for d in current} == {new_gold}
    own = me.get(f"/me/{_results_code(app, gold)}", headers=EN).get_data(as_text=True)
    assert "Upheld" in own and "A1 marks swapped" in own
