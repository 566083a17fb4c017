"""A competitor's confidential data (the Abilympics disability category and the health note)
never reaches anyone but the organizers and the skill's chief expert (docs/people.md,
"Privacy"; docs/security.md).

Every competitor gets a distinctive disability and health note; skill 10 is marked, published
and its certificates printed. Then every GET route of the access table, the public results
and sheets of the skill (XLSX and PDF opened), the board snapshots over HTTP and Socket.IO
(public and staff rooms), the JSON API and every certificate (verification page and PDF text)
are read as each persona but the organizers and the chief: neither string may appear. The
organizer's competitor list and the chief's page show them; the deputy's would not.
"""

from __future__ import annotations

import io
import zipfile

import pypdf
import pytest
import sqlalchemy as sa

from competition.database import write_transaction
from competition.extensions import db, socketio
from competition.models import Competitor, Document, ExpertRole, Skill, User

from ..access import client_as, make_role_users
from ..documents.test_certificates import print_batch
from ..helpers import organizer_client
from ..marking import enter_marks
from ..test_access import ACCESS, NOT_GET, _copy_demo
from .test_results import set_visibility

DISABILITY = "QX-DISAB-7731"
HEALTH = "QX-HEALTH-4429"
SECRETS = (DISABILITY, HEALTH)
NOT_ALLOWED = ("anonymous", "competitor", "other_expert", "compatriot", "expert", "other_chief")


@pytest.fixture(scope="module")
def world(demo_template_db, tmp_path_factory):
    app = _copy_demo(demo_template_db, tmp_path_factory.mktemp("confidential"))
    ids = make_role_users(app)
    with app.app_context():
        with write_transaction() as session:
            for competitor in session.execute(sa.select(Competitor)).scalars():
                competitor.disability = f"{DISABILITY} {competitor.code}"
                competitor.health_note = f"{HEALTH} {competitor.code}"
        enter_marks("10", seed=3)
    set_visibility(app, "10", "published")
    with app.app_context():
        skill_id = db.session.execute(sa.select(Skill.id).where(Skill.code == "10")).scalar()
    print_batch(organizer_client(app, ids, lang=None), skill_id,
                groups=("medals", "participation"))
    return app, ids


def text_of(response) -> str:
    """What a viewer can read of an answer: PDFs by their text, workbooks by their XML."""
    data = response.data
    if data.startswith(b"%PDF"):
        return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(archive.read(name).decode("utf-8", "replace")
                             for name in archive.namelist())
    return data.decode("utf-8", "replace")


def assert_hidden(text: str, where) -> None:
    for secret in SECRETS:
        assert secret not in text, where


def public_urls(app) -> list[str]:
    """The skill's public pages beside the access table's: results, sheets, the participant's
    pages, certificates."""
    with app.app_context():
        codes = db.session.execute(
            sa.select(Competitor.results_code).join(Skill).where(Skill.code == "10")
        ).scalars().all()
        documents = db.session.execute(sa.select(Document.verification_code)).scalars().all()
    assert documents, "the certificates were printed"
    return ["/results", "/results/10", "/results/10.xlsx", "/medals", "/board/10/snapshot.json",
            "/board/10/snapshot.json?view=public", "/board/10/projector",
            "/board/rotation?skills=10", "/api/v1/skills", "/api/v1/skills/10",
            "/api/v1/skills/10/marks?since=0",
            *(f"/me/{code}" for code in codes),
            *(f"/verify/{code}" for code in documents),
            *(f"/certificates/{code}.pdf" for code in documents)]


@pytest.mark.parametrize("persona", NOT_ALLOWED)
def test_no_page_api_or_export_shows_confidential_data(world, persona):
    app, ids = world
    client = client_as(app, persona, ids)
    urls = [url for endpoint, (url, _roles) in sorted(ACCESS.items())
            if endpoint not in NOT_GET] + public_urls(app)
    for url in urls:
        response = client.get(url)
        assert_hidden(text_of(response), (persona, url, response.status_code))


@pytest.mark.parametrize("persona", ["anonymous", "expert", "compatriot", "other_chief"])
def test_board_snapshots_over_socket_io_show_no_confidential_data(world, persona):
    app, ids = world
    client = client_as(app, persona, ids)
    sio = socketio.test_client(app, flask_test_client=client)
    try:
        assert sio.emit("board:join", {"skill": "10"}, callback=True) == {"ok": True}
        received = sio.get_received()
        assert any(r["name"] == "board:snapshot" for r in received)
        assert_hidden(repr(received), persona)
    finally:
        sio.disconnect()


def test_the_sheets_printed_for_the_public_show_no_confidential_data(world):
    """Result sheets and the medal table, printed by organizers for the hall's notice board."""
    app, ids = world
    organizer = client_as(app, "organizer", ids)
    for endpoint in ("sheets.results_pdf", "sheets.results_xlsx", "sheets.results_csv",
                     "sheets.medals_pdf", "sheets.medals_xlsx"):
        response = organizer.get(ACCESS[endpoint][0])
        assert response.status_code == 200, endpoint
        assert_hidden(text_of(response), endpoint)


def test_the_organizer_and_the_chief_see_it_not_the_deputy(world):
    app, ids = world
    with app.app_context():
        championship_id = db.session.execute(
            sa.select(Skill.championship_id).where(Skill.code == "10")).scalar()
    organizer = client_as(app, "organizer", ids)
    page = organizer.get(f"/manage/championships/{championship_id}/competitors?q=101")
    assert DISABILITY in page.get_data(as_text=True)
    for persona in ("organizer", "chief"):
        html = client_as(app, persona, ids).get("/judging/10/chief").get_data(as_text=True)
        assert DISABILITY in html and HEALTH in html, persona
    # the chief made deputy: the board still opens, without the confidential part
    with app.app_context():
        with write_transaction() as session:
            user = session.get(User, ids["chief"])
            role = session.execute(sa.select(ExpertRole).where(
                ExpertRole.expert_id == user.expert_id,
                ExpertRole.skill_id == sa.select(Skill.id).where(Skill.code == "10")
                .scalar_subquery())).scalar_one()
            role.role = "deputy"
            role_id = role.id
    try:
        response = client_as(app, "chief", ids).get("/judging/10/chief")
        assert response.status_code == 200
        assert_hidden(response.get_data(as_text=True), "deputy")
    finally:
        with app.app_context():
            with write_transaction() as session:
                session.get(ExpertRole, role_id).role = "chief"
