"""Signed paper (issue 20): a sign-off keeps the filled marking form of its sub-criterion as a
versioned PDF (one per language, one content hash), a correction and a new sign-off make version
2 and supersede version 1; the chief makes the final protocol; who may download them.

PDFs are read back with pypdf; the figures are checked against the database and the rules'
own judgement formula, not against the code that printed them.
"""

from __future__ import annotations

import io
import time
from fractions import Fraction

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, format_datetime
from pypdf import PdfReader

from competition.database import write_transaction
from competition.extensions import db, socketio
from competition.models import (
    Aspect,
    AuditEntry,
    Competitor,
    DocumentSettings,
    Expert,
    Mark,
    Skill,
    SubCriterion,
)
from competition.models.panels import MarkingForm
from competition.rules.exact import fraction_text
from tests.access import client_as, make_role_users
from tests.marking import enter_marks

from ..helpers import EN, csrf

BOARD = "/judging/10/chief"


@pytest.fixture
def users(demo_app):
    with demo_app.app_context():
        enter_marks("10", seed=3)  # complete, without disputes
        with write_transaction() as session:
            skill = session.execute(sa.select(Skill).where(Skill.code == "10")).scalar_one()
            session.add(DocumentSettings(championship_id=skill.championship_id,
                                         languages="kk+ru+en"))
    return make_role_users(demo_app)


def post(client, url: str, data: dict | None = None):
    token = csrf(client.get(BOARD, headers=EN).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **(data or {})}, headers=EN)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split()), \
        len(reader.pages)


def first_sub() -> SubCriterion:
    """The first sub-criterion of skill 10 with judgement aspects."""
    return db.session.execute(
        sa.select(SubCriterion).join(Aspect, Aspect.sub_criterion_id == SubCriterion.id)
        .join(Skill, Skill.id == Aspect.skill_id).where(Skill.code == "10", Aspect.type == "J")
        .order_by(Aspect.code).limit(1)).scalar_one()


def forms(sub_id=None, kind="marking_form") -> list[MarkingForm]:
    db.session.expire_all()
    return db.session.execute(
        sa.select(MarkingForm).where(MarkingForm.kind == kind,
                                     MarkingForm.sub_criterion_id == sub_id)
        .order_by(MarkingForm.version, MarkingForm.locale)).scalars().all()


def expected_sums(sub: SubCriterion) -> dict[str, str]:
    """Each active competitor's points on the sub-criterion, from the marks (J: max × sum of
    the scores / (3 × judges per aspect); M: the value)."""
    skill = db.session.execute(sa.select(Skill).where(Skill.code == "10")).scalar_one()
    per = skill.championship.judges_per_aspect
    sums = {}
    for competitor in db.session.execute(sa.select(Competitor).where(
            Competitor.skill_id == skill.id, Competitor.status != "withdrawn")).scalars():
        total = Fraction(0)
        for aspect in sub.aspects:
            values = [Fraction(m.value) for m in db.session.execute(sa.select(Mark).where(
                Mark.aspect_id == aspect.id, Mark.competitor_id == competitor.id,
                Mark.value.is_not(None))).scalars()]
            if aspect.type == "M":
                total += sum(values)
            elif len(values) == per:
                total += Fraction(aspect.max) * sum(values) / (3 * per)
        sums[competitor.code] = fraction_text(total)
    return sums


def test_a_sign_off_keeps_the_filled_form_and_a_new_sign_off_supersedes_it(demo_app, users,
                                                                          monkeypatch):
    monkeypatch.setitem(demo_app.config, "SIGNED_FORMS_PRINT", "background")
    chief = client_as(demo_app, "chief", users)
    with demo_app.app_context():
        sub = first_sub()
        sub_id, code = sub.id, sub.code
    # the chief's page listens on the panel's socket for the PDFs being kept
    listener = socketio.test_client(demo_app, flask_test_client=chief,
                                    headers={"Accept-Language": "en"})
    assert listener.emit("panel:join", {"skill": "10"}, callback=True)["ok"]
    listener.get_received()
    started = time.perf_counter()
    response = post(chief, f"{BOARD}/{code}/sign-off", {"confirm": "1"})
    took = time.perf_counter() - started
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with demo_app.test_request_context():
        first = forms(sub_id)
        assert [(f.version, f.locale) for f in first] == [(1, "en"), (1, "kk"), (1, "ru")]
        assert len({f.content_hash for f in first}) == 1  # one content, three languages
        assert all(f.superseded_at is None and f.locked_at is not None for f in first)
        sub = db.session.get(SubCriterion, sub_id)
        sums = expected_sums(sub)
        judges = {e.code: e.name_en for e in db.session.execute(
            sa.select(Expert).join(Mark, Mark.judge_id == Expert.id)
            .where(Mark.aspect_id.in_([a.id for a in sub.aspects]))).scalars()}
        english = next(f for f in first if f.locale == "en")
        with force_locale("en"):
            when = format_datetime(english.locked_at, "short").replace("\u202f", " ")
        ids = {f.locale: f.id for f in first}
        v1_hash = english.content_hash
    print(f"sign-off answered in {took:.2f} s")
    # printed in the background: the PDFs arrive without anyone asking for them
    deadline = time.monotonic() + 120
    while True:
        with demo_app.app_context():
            printed = db.session.execute(sa.select(MarkingForm.id).where(
                MarkingForm.id.in_(list(ids.values())), MarkingForm.pdf.is_not(None))).all()
        if len(printed) == len(ids) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert len(printed) == len(ids), "the background printing did not store the PDFs"
    pushed = [event["args"][0] for event in listener.get_received()
              if event["name"] == "forms:printed"]
    assert [event["done"] for event in pushed] == [1, 2, 3], pushed
    assert all(event["total"] == 3 for event in pushed)
    assert set(pushed[-1]["ids"]) == set(ids.values())
    listener.disconnect()
    page = chief.get(BOARD, headers=EN).get_data(as_text=True)
    assert v1_hash[:12] in page and f"/judging/10/chief/forms/{ids['ru']}.pdf" in page

    response = chief.get(f"{BOARD}/forms/{ids['en']}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text, pages = pdf_text(response.data)
    for competitor, total in sums.items():
        assert f"Sum of {competitor} {total}" in text, (competitor, total)
    assert judges and all(name in text for name in judges.values())
    assert text.count(v1_hash[:12]) >= pages  # on every page
    assert when in text
    russian, _pages = pdf_text(chief.get(f"{BOARD}/forms/{ids['ru']}.pdf").data)
    assert v1_hash[:12] in russian and all(c in russian for c in sums)

    # Unlock with a reason, correct a measurement, sign off again: version 2.
    assert post(chief, f"{BOARD}/{code}/unlock", {"reason": "a wrong measurement"}) \
        .status_code == 302
    with demo_app.app_context():
        sub = db.session.get(SubCriterion, sub_id)
        with write_transaction() as session:
            aspect = next(a for a in sub.aspects if a.type == "M") if any(
                a.type == "M" for a in sub.aspects) else sub.aspects[0]
            mark = session.execute(sa.select(Mark).where(Mark.aspect_id == aspect.id)
                                   .order_by(Mark.id).limit(1)).scalar_one()
            if aspect.type == "M":
                mark.value = next(v for v in aspect.allowed() if v != mark.value)
            else:
                mark.value = 1 if mark.value != 1 else 2
    assert post(chief, f"{BOARD}/{code}/sign-off", {"confirm": "1"}).status_code == 302
    with demo_app.app_context():
        every = forms(sub_id)
        assert [(f.version, f.locale) for f in every] == [
            (1, "en"), (1, "kk"), (1, "ru"), (2, "en"), (2, "kk"), (2, "ru")]
        assert all(f.superseded_at is not None for f in every[:3])
        assert all(f.superseded_at is None for f in every[3:])
        assert every[3].content_hash != v1_hash
        v2 = every[3]
        v2_id, v2_hash = v2.id, v2.content_hash
    text, _pages = pdf_text(chief.get(f"{BOARD}/forms/{v2_id}.pdf").data)
    assert v2_hash[:12] in text and v1_hash[:12] not in text
    # version 1 stays downloadable, as it was
    old, _pages = pdf_text(chief.get(f"{BOARD}/forms/{ids['en']}.pdf").data)
    assert v1_hash[:12] in old
    page = chief.get(BOARD, headers=EN).get_data(as_text=True)
    assert "superseded" in page and v2_hash[:12] in page


def test_the_final_protocol_prints_ranks_medals_penalties_and_the_experts(demo_app, users):
    from competition.judging import sanctions
    from competition.models import User

    chief = client_as(demo_app, "chief", users)
    with demo_app.test_request_context():
        skill = db.session.execute(sa.select(Skill).where(Skill.code == "10")).scalar_one()
        competitor = db.session.execute(sa.select(Competitor).where(
            Competitor.skill_id == skill.id).order_by(Competitor.code).limit(1)).scalar_one()
        sanctions.penalize(db.session.get(User, users["chief"]), competitor, "1.5",
                           "unsafe work")
        experts = [e.name_en for e in db.session.execute(sa.select(Expert).join(
            Expert.roles).where(Expert.roles.any(skill_id=skill.id))).scalars()]
    response = post(chief, f"{BOARD}/protocol")
    assert response.status_code == 302
    with demo_app.app_context():
        kept = forms(None, "protocol")
        assert [(f.version, f.locale) for f in kept] == [(1, "en"), (1, "kk"), (1, "ru")]
        ids = {f.locale: f.id for f in kept}
        digest = kept[0].content_hash
    text, _pages = pdf_text(chief.get(f"{BOARD}/forms/{ids['en']}.pdf").data)
    assert "Final protocol" in text and digest[:12] in text
    assert "Gold" in text and "−1.50" in text and "unsafe work" in text
    assert all(name in text for name in experts)
    russian, _pages = pdf_text(chief.get(f"{BOARD}/forms/{ids['ru']}.pdf").data)
    kazakh, _pages = pdf_text(chief.get(f"{BOARD}/forms/{ids['kk']}.pdf").data)
    assert digest[:12] in russian and digest[:12] in kazakh
    # again: version 2, the first superseded
    assert post(chief, f"{BOARD}/protocol").status_code == 302
    with demo_app.app_context():
        kept = forms(None, "protocol")
        assert [f.version for f in kept] == [1, 1, 1, 2, 2, 2]
        assert all(f.superseded_at for f in kept[:3]) and not any(
            f.superseded_at for f in kept[3:])
        # each protocol is in the audit log: who made which version with which hash
        entries = db.session.execute(sa.select(AuditEntry).where(
            AuditEntry.action == "protocol").order_by(AuditEntry.id)).scalars().all()
        assert [(e.changes["version"], e.changes["hash"], e.user_id) for e in entries] == [
            (1, digest[:12], users["chief"]), (2, kept[3].content_hash[:12], users["chief"])]
        assert sorted(entries[0].changes["languages"]) == ["en", "kk", "ru"]


def test_only_the_skills_experts_and_organizers_download_its_forms(demo_app, users):
    chief = client_as(demo_app, "chief", users)
    assert post(chief, f"{BOARD}/protocol").status_code == 302
    with demo_app.app_context():
        form_id = forms(None, "protocol")[0].id
    url = f"{BOARD}/forms/{form_id}.pdf"
    for persona in ("chief", "expert", "organizer", "admin"):
        assert client_as(demo_app, persona, users).get(url).status_code == 200, persona
    for persona in ("other_expert", "other_chief", "competitor"):
        assert client_as(demo_app, persona, users).get(url).status_code in (403, 404), persona
    assert client_as(demo_app, "anonymous", users).get(url).status_code in (302, 401)
    # a form of skill 10 under another skill's address
    assert client_as(demo_app, "organizer", users).get(
        f"/judging/04/chief/forms/{form_id}.pdf").status_code == 404
    # and the protocol is made by who leads the skill only
    assert post(client_as(demo_app, "other_chief", users), f"{BOARD}/protocol").status_code \
        in (403, 404)
