"""What an erasure clears where the person's name was typed as text (docs/people.md, "Erasure";
competition/registry/privacy/mentions.py): an award given to the person by name and its
certificate, the competitor's appeal text and the names in its decision, penalty reasons,
audit entries naming the person, and printed certificate batches. Through the real erasure
form; then the pages that showed them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from competition import audit
from competition.database import write_transaction
from competition.documents.awards import Person, create_nomination
from competition.extensions import db
from competition.judging.sanctions import penalize
from competition.models import (
    Appeal,
    AuditEntry,
    Award,
    Document,
    DocumentBatch,
    Expert,
    MarkRevision,
    Sanction,
    User,
)
from competition.registry.privacy.mentions import Mentions

from ..access import client_as
from ..board.test_results import set_visibility
from .test_privacy import competitor_101, erase, ids_of, marked, panel_expert  # noqa: F401

FULL = {"ru": "Зайцев Сергей", "kk": "Зайцев Сергей", "en": "Sergey Zaitsev"}
OTHER = {"ru": "Ахметова Дана", "kk": "Ахметова Дана", "en": "Dana Akhmetova"}


def test_mentions_find_the_names_in_every_form():
    mentions = Mentions([FULL])
    assert mentions.scrub("Зайцев Сергей опоздал; Zaitsev S. warned, SERGEY ZAITSEV too") == (
        "[erased] опоздал; [erased] warned, [erased] too")
    assert mentions.scrub("Зайцеву Ахметова") == "Зайцеву Ахметова"  # whole words only
    assert mentions.scrub({"reason": ["Зайцев С.", None, 3]}) == {"reason": ["[erased]", None, 3]}
    assert not Mentions([{"ru": "", "en": ""}]).names("anything")


def audit_pages(client) -> str:
    """The audit log's pages of the entities that named the person."""
    return "".join(client.get(f"/manage/audit?entity={entity}").get_data(as_text=True)
                   for entity in ("appeal", "sanction", "award", "championship"))


@pytest.fixture
def mentioned(marked, role_users):  # noqa: F811
    """Competitor 101 named FULL everywhere a name may be typed; skill 10 published, the
    appeal decided; a printed batch on disk. (the ids, the batch file)"""
    app = marked
    with app.app_context():
        with write_transaction() as session:
            competitor = competitor_101(session)
            competitor.set_names(FULL)
            championship_id = competitor.skill.championship_id
        competitor = competitor_101()
        organizer = db.session.get(User, role_users["organizer"])
        sanction = penalize(organizer, competitor, "1", "Зайцев Сергей left the workshop")
        nomination = create_nomination(
            championship_id, {"ru": "Надежда", "kk": "Үміт", "en": "Rising star"},
            people=[Person(FULL), Person(OTHER)])
        with write_transaction() as session:
            competitor = competitor_101(session)
            appeal = Appeal(skill_id=competitor.skill_id, competitor_id=competitor.id,
                            text="I, Sergey Zaitsev, have asthma and was slowed down",
                            on_paper=True, state="rejected",
                            decision_reason="Zaitsev S. was given the same time as others",
                            decided_at=datetime(2026, 11, 27, tzinfo=UTC))
            session.add(appeal)
            session.flush()
            audit.record("appeal.decide", "appeal", appeal.id,
                         f"skill 10: appeal #{appeal.id} rejected: {appeal.decision_reason}",
                         {"competitor": "101", "reason": appeal.decision_reason},
                         championship_id)
            audit.record("import", "championship", championship_id,
                         "competitors imported: Зайцев Сергей, Ахметова Дана",
                         {"added": ["Зайцев Сергей", "Ахметова Дана"]}, championship_id)
            award = next(a for a in nomination.awards if a.recipient_en == FULL["en"])
            session.add(Document(championship_id=championship_id, kind="award",
                                 serial="T-AWARD", award_id=award.id,
                                 details={"recipient": FULL}, pdf=b"%PDF-award"))
            batch = DocumentBatch(championship_id=championship_id, skill_id=competitor.skill_id,
                                  status="done", output="pdf", file_name="10.pdf")
            session.add(batch)
            session.flush()
            ids = {"competitor": competitor.id, "sanction": sanction.id, "appeal": appeal.id,
                   "award": award.id, "batch": batch.id}
        folder = Path(app.instance_path) / "documents"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"batch-{ids['batch']}.pdf"
        path.write_bytes(b"%PDF-1.4 Sergey Zaitsev")
    set_visibility(app, "10", "published")
    return ids, path


def test_erasing_clears_every_typed_mention(marked, organizer, role_users,  # noqa: F811
                                            mentioned):
    ids, path = mentioned
    admin = client_as(marked, "admin", role_users)  # the audit log is the admins'
    before = audit_pages(admin)
    assert "Zaitsev S. was given" in before and "Зайцев Сергей" in before  # names shown
    assert organizer.get(f"/manage/certificates/batches/{ids['batch']}/download"
                         ).status_code == 200
    assert erase(organizer, "competitors", ids["competitor"], "101").status_code == 302

    public_awards = organizer.get("/awards").get_data(as_text=True)
    assert "Sergey Zaitsev" not in public_awards and "Dana Akhmetova" in public_awards
    assert "Competitor 101" in public_awards
    managed = organizer.get("/manage/awards").get_data(as_text=True)
    assert "Sergey Zaitsev" not in managed and "Зайцев" not in managed
    appeal = organizer.get(f"/manage/appeals/{ids['appeal']}").get_data(as_text=True)
    assert "asthma" not in appeal and "Zaitsev" not in appeal
    assert "was given the same time as others" in appeal  # the decision keeps its words
    sanctions = organizer.get("/judging/10/sanctions").get_data(as_text=True)
    assert "left the workshop" in sanctions and "Зайцев" not in sanctions
    log = audit_pages(admin)
    assert "Zaitsev" not in log and "Зайцев" not in log and "Ахметова Дана" in log
    assert organizer.get(f"/manage/certificates/batches/{ids['batch']}/download"
                         ).status_code == 404
    assert not path.exists()
    with marked.app_context():
        award = db.session.get(Award, ids["award"])
        assert award.recipient_ru == "Участник 101" and award.recipient_en == "Competitor 101"
        document = db.session.execute(sa.select(Document).where(
            Document.serial == "T-AWARD")).scalar_one()
        assert document.revoked_at is not None and document.pdf is None
        assert document.details["recipient"]["en"] == "Competitor 101"
        assert db.session.get(Appeal, ids["appeal"]).text == "[erased]"
        assert db.session.get(Sanction, ids["sanction"]).reason == "[erased] left the workshop"
        entries = db.session.execute(sa.select(AuditEntry.summary, AuditEntry.changes)).all()
        assert "Sergey" not in repr(entries) and "Зайцев" not in repr(entries)
        assert "\\u0417\\u0430\\u0439" not in repr(entries)
        batch = db.session.get(DocumentBatch, ids["batch"])
        assert batch.status == "failed" and "erased" in batch.error


def test_erasing_an_expert_clears_their_award(marked, organizer):  # noqa: F811
    with marked.app_context():
        expert = panel_expert()
        names, code, championship_id = expert.names(), expert.code, expert.championship_id
        expert_id = expert.id
        create_nomination(championship_id, {"ru": "Наставник", "kk": "Ұстаз", "en": "Mentor"},
                          people=[Person(names)])
        assert db.session.execute(sa.select(sa.func.count()).select_from(MarkRevision)
                                  ).scalar_one() > 0  # their marks' history stays (below)
        revisions = db.session.execute(sa.select(MarkRevision.id)).scalars().all()
    set_visibility(marked, "10", "published")
    assert names["en"] in organizer.get("/awards").get_data(as_text=True)
    assert erase(organizer, "experts", expert_id, code).status_code == 302
    page = organizer.get("/awards").get_data(as_text=True)
    assert names["en"] not in page and f"Expert {code}" in page
    with marked.app_context():
        assert db.session.get(Expert, expert_id).name_en == f"Expert {code}"
        assert db.session.execute(sa.select(MarkRevision.id)).scalars().all() == revisions
