"""Certificates after unpublishing (issue 17): a medal certificate tells a result, so while its
skill is not published — set back to hidden, progress, live or frozen, say for a review —
nothing public shows it: the participant's page does not list it, `/verify/<code>` says it is
withheld (no medal, place, kind or holder) and its PDF is 404. A participation certificate stays.
Publishing again brings everything back, and a correction made meanwhile revokes the changed
certificates at the next printing.

The skill's visibility is changed as an organizer changes it (the form's POST), marks are
corrected over the JSON API, and everything is read back over HTTP, as a visitor."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from competition.auth.service import add_user, create_token
from competition.database import write_transaction
from competition.extensions import db
from competition.models import Aspect, Competitor, Document, Expert, ExpertRole, Mark, User
from competition.standings import skill_standings

from ..access import client_as
from ..auth.helpers import EN, make_user
from ..helpers import csrf
from ..judging.panel import key
from ..marking import enter_marks, sign_off_all
from .test_certificates import SKILL, print_batch, skill_of

RU = {"Accept-Language": "ru"}
KK = {"Accept-Language": "kk"}
WITHHELD = {"en": "Withheld: the results of this skill are under review.",
            "ru": "Сведения скрыты: результаты этой компетенции на проверке.",
            "kk": "Мәліметтер жасырылған: бұл құзыреттің нәтижелері тексерілуде."}
UNPUBLISHED = ["hidden", "progress", "live", "frozen"]


@pytest.fixture
def published(demo_app):
    """Skill 10 marked in full (medals, no dispute with this seed), published by an organizer."""
    with demo_app.app_context():
        enter_marks(SKILL, seed=3)
        sign_off_all(SKILL)  # final results: publishing waits for them
    organizer = client_as(demo_app, "organizer", {
        "organizer": make_user(demo_app, "withheld-organizer", "organizer")})
    show(organizer, "published")
    return demo_app, organizer


@dataclass
class Printed:
    results_code: str  # the gold medallist's personal results code (their page, /me/<code>)
    competitor: str  # their competitor code
    names: list[str]  # their name as the gold certificate holds it (kk, ru, en)
    gold: str  # the verification code of their gold medal certificate
    participation: str  # … and of their participation certificate


@pytest.fixture
def printed(published) -> Printed:
    """Medal and participation certificates of the published skill, printed by a batch."""
    app, organizer = published
    with app.app_context():
        skill_id = skill_of().id
    print_batch(organizer, skill_id, groups=("medals", "participation"))
    with app.app_context():
        gold = db.session.execute(sa.select(Document).where(
            Document.skill_id == skill_id, Document.kind == "gold")
            .order_by(Document.id)).scalars().first()
        assert gold is not None and gold.details["medal"] == "gold" and gold.details["rank"] == 1
        competitor = db.session.get(Competitor, gold.competitor_id)
        participation = db.session.execute(sa.select(Document).where(
            Document.competitor_id == competitor.id, Document.kind == "participation",
            Document.member_id.is_(None) if gold.member_id is None
            else Document.member_id == gold.member_id)).scalar_one()
        names = sorted({name for name in gold.details["recipient"].values() if name})
        assert names
        return Printed(competitor.results_code, competitor.code, names,
                       gold.verification_code, participation.verification_code)


def show(organizer, visibility: str) -> None:
    """What the organizer's form on the championship page does: the skill's visibility."""
    page = organizer.get("/manage/certificates", headers=EN).get_data(as_text=True)
    answer = organizer.post(f"/board/{SKILL}/visibility", headers=EN, data={
        "csrf_token": csrf(page), "visibility": visibility})
    assert answer.status_code == 302
    with organizer.application.app_context():
        assert skill_of().visibility == visibility


def own_page(client, printed: Printed, headers=EN) -> str:
    answer = client.get(f"/me/{printed.results_code}", headers=headers)
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def assert_all_shown(client, printed: Printed) -> None:
    """Published: the medal certificate is listed, verifies and downloads."""
    page = own_page(client, printed)
    assert f"/certificates/{printed.gold}.pdf" in page and "Gold medal" in page
    assert f"/certificates/{printed.participation}.pdf" in page
    check = client.get(f"/verify/{printed.gold}", headers=EN)
    text = check.get_data(as_text=True)
    assert check.status_code == 200
    assert "Valid certificate." in text and "Gold medal" in text
    assert any(name in text for name in printed.names)
    assert WITHHELD["en"] not in text
    pdf = client.get(f"/certificates/{printed.gold}.pdf")
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("visibility", UNPUBLISHED)
def test_a_medal_certificate_is_withheld_while_its_skill_is_not_published(
        published, printed, visibility):
    app, organizer = published
    visitor = app.test_client()
    assert_all_shown(visitor, printed)

    show(organizer, visibility)

    # The participant's page: no medal certificate, no medal; the participation one stays.
    page = own_page(visitor, printed)
    assert f"/certificates/{printed.gold}.pdf" not in page
    assert f"/verify/{printed.gold}" not in page
    assert "Gold medal" not in page and "medal-gold" not in page
    assert "<dt>Medal</dt>" not in page
    assert f"/certificates/{printed.participation}.pdf" in page
    assert "Participation certificate" in page
    if visibility in ("hidden", "progress"):  # no standings at all, so no place either
        assert "<dt>Place</dt>" not in page
    else:  # live and frozen: the provisional place of the public board, said to be so
        assert "Final results." not in page
    for headers in (RU, KK):
        assert "/certificates/" + printed.gold not in own_page(visitor, printed, headers)

    # The verification page: withheld — neither the medal, the place, the kind nor the holder.
    for client in (visitor, organizer):  # the public pages are the same for staff
        check = client.get(f"/verify/{printed.gold}", headers=EN)
        text = check.get_data(as_text=True)
        assert check.status_code == 200
        assert WITHHELD["en"] in text
        assert "Valid certificate." not in text and "revoked" not in text
        assert "Gold medal" not in text and "gold medal" not in text
        assert "<dt>Place</dt>" not in text and "Awarded to" not in text
        assert not any(name in text for name in printed.names)
        assert "/certificates/" not in text  # no download link
    for headers, language in ((RU, "ru"), (KK, "kk")):
        text = visitor.get(f"/verify/{printed.gold}", headers=headers).get_data(as_text=True)
        assert WITHHELD[language] in text and WITHHELD["en"] not in text
        assert not any(name in text for name in printed.names)

    # The certificate itself: not found, for anyone.
    assert visitor.get(f"/certificates/{printed.gold}.pdf").status_code == 404
    assert organizer.get(f"/certificates/{printed.gold}.pdf").status_code == 404

    # A participation certificate tells no result: it still verifies and downloads.
    check = visitor.get(f"/verify/{printed.participation}", headers=EN).get_data(as_text=True)
    assert "Valid certificate." in check and "Participation certificate" in check
    assert WITHHELD["en"] not in check
    assert visitor.get(f"/certificates/{printed.participation}.pdf").status_code == 200

    # Published again: everything is back.
    show(organizer, "published")
    assert_all_shown(visitor, printed)


def gold_medallist(app) -> str:
    with app.app_context():
        db.session.expire_all()
        return next(r.competitor for g in skill_standings(skill_of()).groups
                    for r in g.results if r.medal == "gold")


def correct_until_not_gold(app, competitor_code: str) -> None:
    """An expert corrects the competitor's measurement marks to each aspect's lowest value, over
    the JSON API, one by one, until the competitor no longer has the gold medal."""
    with app.app_context():
        skill = skill_of()
        competitor = db.session.execute(sa.select(Competitor).where(
            Competitor.skill_id == skill.id, Competitor.code == competitor_code)).scalar_one()
        expert = db.session.execute(
            sa.select(Expert).join(ExpertRole).where(
                ExpertRole.skill_id == skill.id, ExpertRole.marking_team == "",
                sa.or_(Expert.organization_id.is_(None),
                       Expert.organization_id != competitor.organization_id))
            .order_by(Expert.code)).scalars().first()
        login = db.session.execute(sa.select(User.login).where(
            User.expert_id == expert.id)).scalar_one_or_none()
        if login is None:  # the expert has no account yet
            login = f"judge-{expert.code.lower()}"
            with write_transaction():
                add_user(login, "expert", "password-for-tests", expert=expert)
        token = create_token(login)
        marks = [(aspect.code, format(min(aspect.allowed()), "f"), mark.revision)
                 for aspect, mark in db.session.execute(
                     sa.select(Aspect, Mark).join(Mark, Mark.aspect_id == Aspect.id).where(
                         Mark.competitor_id == competitor.id, Mark.aspect_type == "M")
                     .order_by(Aspect.code)).all()
                 if mark.value != min(aspect.allowed())]
    api = app.test_client()
    for aspect, lowest, revision in marks:
        answer = api.post("/api/v1/marks", headers={"Authorization": f"Bearer {token}"}, json={
            "id": key(), "skill": SKILL, "aspect": aspect, "competitor": competitor_code,
            "value": lowest, "base": revision, "reason": "measured again after a review"})
        assert answer.status_code == 201, answer.get_json()
        if gold_medallist(app) != competitor_code:
            return
    raise AssertionError("the corrections did not move the gold medal")


def test_a_correction_made_while_unpublished_revokes_at_the_next_printing(published, printed):
    app, organizer = published
    visitor = app.test_client()
    show(organizer, "hidden")
    with app.app_context():
        sign_off_all(SKILL, "unlock")  # the chief unlocks the marks for the correction …
    correct_until_not_gold(app, printed.competitor)
    with app.app_context():
        sign_off_all(SKILL)  # … and signs them off again
    new_gold = gold_medallist(app)
    # Still under review: the old certificate is withheld, not confirmed.
    text = visitor.get(f"/verify/{printed.gold}", headers=EN).get_data(as_text=True)
    assert WITHHELD["en"] in text and "Gold medal" not in text

    show(organizer, "published")
    with app.app_context():
        skill_id = skill_of().id
    print_batch(organizer, skill_id, groups=("medals", "participation"))

    with app.app_context():
        old = db.session.execute(sa.select(Document).where(
            Document.verification_code == printed.gold)).scalar_one()
        assert old.revoked_at is not None
        assert old.revoke_reason in ("reissued", "no-longer-due")
        new = db.session.execute(sa.select(Document).join(
            Competitor, Competitor.id == Document.competitor_id).where(
            Document.skill_id == skill_id, Document.kind == "gold",
            Document.revoked_at.is_(None))).scalars().all()
        assert {db.session.get(Competitor, d.competitor_id).code for d in new} == {new_gold}
        new_code, new_serial = new[0].verification_code, new[0].serial
        # The participation certificate did not change: the same serial, still valid.
        kept = db.session.execute(sa.select(Document).where(
            Document.verification_code == printed.participation)).scalar_one()
        assert kept.revoked_at is None

    text = visitor.get(f"/verify/{printed.gold}", headers=EN).get_data(as_text=True)
    assert "This certificate was revoked" in text and "Valid certificate." not in text
    assert visitor.get(f"/certificates/{printed.gold}.pdf").status_code == 404
    assert f"/certificates/{printed.gold}.pdf" not in own_page(visitor, printed)
    text = visitor.get(f"/verify/{new_code}", headers=EN).get_data(as_text=True)
    assert "Valid certificate." in text and "Gold medal" in text and new_serial in text
    assert visitor.get(f"/certificates/{new_code}.pdf").status_code == 200
    assert visitor.get(f"/verify/{printed.participation}", headers=EN).status_code == 200

    # Under review once more: the revoked certificate is withheld too (its revocation would
    # tell that the medal moved), and so is the new one.
    show(organizer, "frozen")
    for code in (printed.gold, new_code):
        text = visitor.get(f"/verify/{code}", headers=EN).get_data(as_text=True)
        assert WITHHELD["en"] in text
        assert "revoked" not in text and "Valid certificate." not in text
        assert "Gold medal" not in text and not any(name in text for name in printed.names)
    assert visitor.get(f"/certificates/{new_code}.pdf").status_code == 404
