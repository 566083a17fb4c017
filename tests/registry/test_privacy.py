"""A person's personal data (docs/people.md, "Privacy"): the organizer's export (JSON and PDF)
of everything stored about a competitor or an expert, and the erasure after the event, which
keeps every result, rank and medal and changes only the names."""

from __future__ import annotations

import io
import json
from datetime import date

import pypdf
import pytest
import sqlalchemy as sa

from competition import rules
from competition.database import write_transaction
from competition.extensions import db
from competition.models import (
    AuditEntry,
    Championship,
    Competitor,
    Document,
    Expert,
    ExpertRole,
    Skill,
    User,
)
from competition.standings import championship_medals, skill_standings

from ..access import client_as
from ..board.test_results import set_visibility
from ..helpers import csrf, submit
from ..marking import enter_marks
from .test_people_pages import CHAMPIONSHIP


def competitor_101(session=None) -> Competitor:
    return (session or db.session).execute(sa.select(Competitor).join(Skill).where(
        Skill.code == "10", Competitor.code == "101")).scalar_one()


def panel_expert(session=None) -> Expert:
    return (session or db.session).execute(
        sa.select(Expert).join(ExpertRole).join(Skill)
        .where(Skill.code == "10", ExpertRole.role == "expert").order_by(Expert.code)
        .limit(1)).scalar_one()


@pytest.fixture
def marked(demo_app, role_users):
    """Skill 10 marked in full; competitor 101 with personal data, an account and a
    certificate."""
    with demo_app.app_context():
        enter_marks("10", seed=3)
        with write_transaction() as session:
            competitor = competitor_101(session)
            competitor.birth_date, competitor.iin = date(2007, 3, 4), "070304500123"
            competitor.disability, competitor.health_note = "QX-D", "QX-HEALTH"
            session.get(User, role_users["competitor"]).competitor_id = competitor.id
            session.add(Document(championship_id=competitor.skill.championship_id,
                                 kind="participation", serial="T-0001",
                                 skill_id=competitor.skill_id, competitor_id=competitor.id,
                                 details={"recipient": competitor.names()}, pdf=b"%PDF-1"))
    return demo_app


def ids_of(app) -> tuple[int, int]:
    with app.app_context():
        return competitor_101().id, panel_expert().id


def test_the_export_holds_everything_about_a_competitor(marked, organizer):
    competitor_id, _expert_id = ids_of(marked)
    response = organizer.get(f"/manage/competitors/{competitor_id}/personal-data.json")
    assert response.status_code == 200 and "attachment" in response.headers[
        "Content-Disposition"]
    record = response.get_json()
    assert record["format"] == "competition.personal-data/1" and record["kind"] == "competitor"
    assert {"person", "championship", "skill", "organization", "members", "marks_received",
            "result", "sanctions", "appeals", "audit", "certificates", "accounts"} <= set(record)
    person = record["person"]
    assert person["code"] == "101" and person["iin"] == "070304500123"
    assert person["birth_date"] == "2007-03-04" and person["health_note"] == "QX-HEALTH"
    assert {"name_ru", "results_code", "name_consent", "erased_at"} <= set(person)
    assert record["marks_received"] and record["result"]["rank"] is not None
    assert record["certificates"][0]["serial"] == "T-0001"
    assert record["accounts"][0]["login"] == "as-competitor"
    text = response.get_data(as_text=True)
    assert "password_hash" not in text and "pbkdf2" not in text and "pin_hash" not in text
    with marked.app_context():
        entry = db.session.execute(sa.select(AuditEntry).where(
            AuditEntry.action == "export")).scalar_one()
        assert (entry.entity, entry.entity_id) == ("competitor", competitor_id)


def test_the_export_of_an_expert_lists_the_marks_they_entered(marked, organizer):
    _competitor_id, expert_id = ids_of(marked)
    record = organizer.get(f"/manage/experts/{expert_id}/personal-data.json").get_json()
    assert record["kind"] == "expert" and record["roles"][0]["skill"] == "10"
    assert record["marks_entered"]
    assert all(mark["judge"] == record["person"]["code"] for mark in record["marks_entered"])


def test_the_pdf_is_readable_in_the_readers_language(marked, organizer):
    competitor_id, _expert_id = ids_of(marked)
    response = organizer.get(f"/manage/competitors/{competitor_id}/personal-data.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.data)).pages)
    assert "Personal data stored about 101" in text and "070304500123" in text
    assert "Marks received" in text and "T-0001" in text


def erase(client, kind: str, person_id: int, typed: str):
    url = f"/manage/{kind}/{person_id}/erase"
    page = client.get(url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf(page), "confirm": typed})


def test_erasure_waits_for_final_results_and_the_typed_code(marked, organizer):
    competitor_id, _expert_id = ids_of(marked)
    refused = erase(organizer, "competitors", competitor_id, "101")
    assert refused.status_code == 409
    assert "only after the results are final" in refused.get_data(as_text=True)
    set_visibility(marked, "10", "published")
    wrong = erase(organizer, "competitors", competitor_id, "102")
    assert wrong.status_code == 422 and "Type the code 101" in wrong.get_data(as_text=True)
    with marked.app_context():
        assert competitor_101().erased_at is None


def _results(app):
    with app.app_context():
        skill = db.session.execute(sa.select(Skill).where(Skill.code == "10")).scalar_one()
        results = rules.skill_result_to_json(skill_standings(skill))
        medals = championship_medals(skill.championship)
        return results, medals.by_organization, [
            [{k: v for k, v in e.items() if k != "competitor"} for e in line.entries]
            for line in medals.best_of]


def test_erasing_a_competitor_keeps_every_result_and_changes_only_the_name(marked, organizer):
    competitor_id, _expert_id = ids_of(marked)
    set_visibility(marked, "10", "published")
    before = _results(marked)
    response = erase(organizer, "competitors", competitor_id, "101")
    assert response.status_code == 302
    assert _results(marked) == before
    with marked.app_context():
        competitor = db.session.get(Competitor, competitor_id)
        assert competitor.names() == {"ru": "Участник 101", "kk": "Қатысушы 101",
                                      "en": "Competitor 101"}
        assert (competitor.birth_date, competitor.iin, competitor.disability) == (None,) * 3
        assert competitor.health_note == "" and competitor.erased_at is not None
        user = db.session.execute(sa.select(User).where(
            User.competitor_id == competitor_id)).scalar_one()
        assert not user.is_enabled and user.password_hash is None
        document = db.session.execute(sa.select(Document).where(
            Document.serial == "T-0001")).scalar_one()
        assert document.revoked_at is not None and document.pdf is None
        assert document.details["recipient"]["en"] == "Competitor 101"
        entry = db.session.execute(sa.select(AuditEntry).where(
            AuditEntry.action == "erase")).scalar_one()
        assert (entry.entity, entry.entity_id) == ("competitor", competitor_id)
        snapshot_names = json.dumps(db.session.execute(sa.select(AuditEntry.changes).where(
            AuditEntry.entity == "competitor", AuditEntry.entity_id == competitor_id))
            .scalars().all(), ensure_ascii=False)
        assert "070304500123" not in snapshot_names
    public = organizer.get("/board/10/snapshot.json?view=public").get_json()
    assert public["competitors"]["101"]["name"]["en"] == "Competitor 101"
    again = erase(organizer, "competitors", competitor_id, "101")
    assert again.status_code == 409  # already erased: the page says when
    assert "The personal data was erased" in again.get_data(as_text=True)


def test_erasing_an_expert_keeps_their_marks(marked, organizer):
    _competitor_id, expert_id = ids_of(marked)
    set_visibility(marked, "10", "published")
    before = _results(marked)
    with marked.app_context():
        code = db.session.get(Expert, expert_id).code
    assert erase(organizer, "experts", expert_id, code).status_code == 302
    assert _results(marked) == before
    with marked.app_context():
        expert = db.session.get(Expert, expert_id)
        assert expert.name_en == f"Expert {code}" and expert.erased_at is not None


@pytest.mark.parametrize("persona", ["chief", "expert", "competitor"])
def test_only_organizers_export_or_erase(marked, role_users, persona):
    competitor_id, expert_id = ids_of(marked)
    set_visibility(marked, "10", "published")
    client = client_as(marked, persona, role_users)
    for url in (f"/manage/competitors/{competitor_id}/personal-data.json",
                f"/manage/experts/{expert_id}/personal-data.pdf",
                f"/manage/competitors/{competitor_id}/erase"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/manage/competitors/{competitor_id}/erase",
                       data={"confirm": "101"}).status_code in (400, 403)
    with marked.app_context():
        assert competitor_101().erased_at is None


def test_the_championship_form_sets_the_names_on_public_screens(demo_app, organizer):
    response = submit(organizer, "/manage/championships/new",
                      {**CHAMPIONSHIP, "code": "names-2027", "public_names": "code"})
    assert response.status_code == 302
    with demo_app.app_context():
        championship = db.session.execute(sa.select(Championship).where(
            Championship.code == "names-2027")).scalar_one()
        assert championship.public_names == "code"
        cid = championship.id
    page = organizer.get(f"/manage/championships/{cid}/edit").get_data(as_text=True)
    assert 'name="public_names"' in page and "Names on public screens" in page
