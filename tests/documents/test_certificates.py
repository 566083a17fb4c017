"""Certificates as the organizer and the participant use them: a batch started over HTTP is
printed by the worker process; the PDF is read back (pages, Kazakh and Russian names), its QR
code decoded and followed to the verification page; a correction re-issues and revokes; the
templates cannot reach files or the network."""

from __future__ import annotations

import http.server
import io
import re
import threading
import time
import zipfile
from urllib.parse import urlsplit

import pypdf
import pytest
import sqlalchemy as sa

from competition.database import write_transaction
from competition.extensions import db
from competition.models import (
    Award,
    Competitor,
    Document,
    DocumentAsset,
    DocumentBatch,
    DocumentTemplate,
    ExpertRole,
    Organization,
    Skill,
)

from ..auth.helpers import EN
from ..board.test_results import set_visibility
from ..helpers import csrf, organizer_client
from ..marking import enter_marks

SKILL = "10"  # WorldSkills, ws700 scale: medals once every mark is in


@pytest.fixture
def published(demo_app):
    with demo_app.app_context():
        enter_marks(SKILL, seed=3)
    set_visibility(demo_app, SKILL, "published")
    return demo_app


@pytest.fixture
def organizer(published):
    return organizer_client(published, lang=None)


def skill_of(code: str = SKILL) -> Skill:
    return db.session.execute(sa.select(Skill).where(Skill.code == code)).scalar_one()


def start_batch(client, skill_id: int | None, groups=("medals", "participation", "expert"),
                output: str = "pdf"):
    page = client.get("/manage/certificates", headers=EN).get_data(as_text=True)
    championship = re.search(r'name="championship" value="([^"]+)"', page).group(1)
    return client.post("/manage/certificates", headers=EN, data={
        "csrf_token": csrf(page), "championship": championship,
        "skill": str(skill_id or 0), "groups": list(groups), "output": output})


def wait_for(client, location: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = client.get(location + ".json").get_json()
        if state["status"] in ("done", "failed"):
            return state
        time.sleep(0.3)
    raise AssertionError(f"the batch did not end in {timeout} s: {state}")


def print_batch(client, skill_id, **kwargs) -> tuple[dict, bytes]:
    response = start_batch(client, skill_id, **kwargs)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    state = wait_for(client, response.headers["Location"])
    assert state["status"] == "done", state
    download = client.get(state["download"])
    assert download.status_code == 200
    return state, download.data


def expected(app, code: str = SKILL) -> dict:
    """What skill `code` is due: medal, participation and expert certificates, by count."""
    from competition.standings import skill_standings

    with app.app_context():
        skill = skill_of(code)
        medals = {r.competitor: r.medal for g in skill_standings(skill).groups
                  for r in g.results if r.medal}
        people = {c.code: max(1, len(c.members)) for c in skill.competitors
                  if c.status == "active"}
        experts = db.session.execute(sa.select(sa.func.count()).select_from(ExpertRole).where(
            ExpertRole.skill_id == skill.id)).scalar_one()
        return {"medals": sum(people[c] for c in medals), "participation": sum(people.values()),
                "experts": experts, "medal_of": medals}


def page_texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def qr_urls(data: bytes, page: int = 0) -> list[str]:
    import pypdfium2
    import zxingcpp

    document = pypdfium2.PdfDocument(data)
    try:
        image = document[page].render(scale=3).to_pil()
    finally:
        document.close()
    return [found.text for found in zxingcpp.read_barcodes(image)]


def test_a_batch_prints_every_certificate_and_its_qr_code_verifies(published, organizer):
    due = expected(published)
    with published.app_context():
        skill = skill_of()
        skill_id = skill.id
        first = skill.competitors[0]
        names = (first.name_kk, first.name_ru)
    state, pdf = print_batch(organizer, skill_id)
    total = due["medals"] + due["participation"] + due["experts"]
    assert state["total"] == total and len(pypdf.PdfReader(io.BytesIO(pdf)).pages) == total
    text = "\n".join(page_texts(pdf))
    for name in names:  # the Kazakh and the Russian spelling both printed
        assert name and name in text, name
    # Every page's QR code leads to its own certificate's verification page.
    with published.app_context():
        documents = db.session.execute(sa.select(Document).where(
            Document.skill_id == skill_id).order_by(Document.id)).scalars().all()
        assert len(documents) == total and all(d.pdf for d in documents)
        by_code = {d.verification_code: d.serial for d in documents}
    for page in (0, total - 1):
        urls = qr_urls(pdf, page)
        assert len(urls) == 1, urls
        url = urlsplit(urls[0])
        assert url.netloc == "localhost"  # the address the organizer's browser used
        code = url.path.rsplit("/", 1)[-1]
        serial = by_code[code]
        assert serial in page_texts(pdf)[page]
        answer = organizer.get(url.path, headers=EN)
        assert answer.status_code == 200
        shown = answer.get_data(as_text=True)
        assert "Valid certificate." in shown and serial in shown


def test_medal_certificates_go_to_the_medallists(published, organizer):
    due = expected(published)
    with published.app_context():
        skill_id = skill_of().id
    _state, pdf = print_batch(organizer, skill_id, groups=("medals",))
    assert len(page_texts(pdf)) == due["medals"] > 0
    with published.app_context():
        documents = db.session.execute(sa.select(Document).where(
            Document.skill_id == skill_id)).scalars().all()
        for document in documents:
            competitor = db.session.get(Competitor, document.competitor_id)
            assert document.kind == due["medal_of"][competitor.code]
            assert document.details["medal"] == document.kind


def test_a_correction_reissues_and_revokes_the_old_serial(published, organizer):
    with published.app_context():
        skill_id = skill_of().id
    print_batch(organizer, skill_id, groups=("participation",))
    with published.app_context():
        document = db.session.execute(sa.select(Document).where(
            Document.skill_id == skill_id, Document.kind == "participation")
            .order_by(Document.id)).scalars().first()
        old_code, old_serial, competitor_id = (document.verification_code, document.serial,
                                               document.competitor_id)
        untouched = db.session.execute(sa.select(sa.func.count()).select_from(Document).where(
            Document.skill_id == skill_id)).scalar_one()
        with write_transaction():
            competitor = db.session.get(Competitor, competitor_id)
            if competitor.members:
                competitor.members[0].name_ru = "Исправленное Имя"
            else:
                competitor.name_ru = "Исправленное Имя"
    assert organizer.get(f"/certificates/{old_code}.pdf").status_code == 200
    print_batch(organizer, skill_id, groups=("participation",))
    with published.app_context():
        old = db.session.execute(sa.select(Document).where(
            Document.verification_code == old_code)).scalar_one()
        assert old.revoked_at is not None and old.revoke_reason == "reissued"
        new = db.session.get(Document, old.replaced_by_id)
        assert new.revoked_at is None and new.serial != old_serial
        assert new.details["recipient"]["ru"] == "Исправленное Имя"
        # Only the corrected certificate changed: one more document, one revoked.
        assert db.session.execute(sa.select(sa.func.count()).select_from(Document).where(
            Document.skill_id == skill_id)).scalar_one() == untouched + 1
        new_serial, new_code = new.serial, new.verification_code
    page = organizer.get(f"/verify/{old_code}", headers=EN).get_data(as_text=True)
    assert "This certificate was revoked" in page and new_serial in page
    assert organizer.get(f"/certificates/{old_code}.pdf").status_code == 404
    assert "Исправленное Имя" in page_texts(
        organizer.get(f"/certificates/{new_code}.pdf").data)[0]


def test_unknown_codes_say_so(demo_client):
    for code in ("not-a-real-code-at-all", "x", "../../etc/passwd"):
        answer = demo_client.get(f"/verify/{code}", headers=EN)
        assert answer.status_code == 404
        if code != "../../etc/passwd":
            assert "Unknown code." in answer.get_data(as_text=True)
    assert demo_client.get("/certificates/not-a-real-code-at-all.pdf").status_code == 404


def test_unpublished_results_get_no_certificates(demo_app):
    organizer = organizer_client(demo_app, lang=None)
    with demo_app.app_context():
        skill = skill_of()
        assert skill.visibility != "published"
        skill_id = skill.id
    answer = start_batch(organizer, skill_id)
    assert answer.status_code == 400
    assert "not published yet" in answer.get_data(as_text=True)
    with demo_app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(
            DocumentBatch)).scalar_one() == 0


def test_zip_holds_one_pdf_per_person(published, organizer):
    due = expected(published)
    with published.app_context():
        skill_id = skill_of().id
    _state, data = print_batch(organizer, skill_id, groups=("participation",), output="zip")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert len(names) == due["participation"]
        for name in names:
            assert name.endswith(".pdf")
            assert len(pypdf.PdfReader(io.BytesIO(archive.read(name))).pages) == 1


def test_award_certificates(published, organizer):
    with published.app_context():
        with write_transaction() as session:
            championship_id = skill_of().championship_id
            session.execute(sa.delete(Award).where(Award.championship_id == championship_id))
            enterprise = session.execute(sa.select(Organization).order_by(
                Organization.id)).scalars().first()
            session.add(Award(championship_id=championship_id, recipient_kind="organization",
                              organization_id=enterprise.id, name_kk="Жылдың үздік меценаты",
                              name_ru="Лучший меценат года"))
            session.add(Award(championship_id=championship_id, recipient_kind="person",
                              recipient_kk="Әсел Құрманғазықызы",
                              recipient_ru="Асель Курмангазиева",
                              name_kk="Үздік тәлімгер", name_ru="Лучший наставник"))
            organization = enterprise.name_kk
    _state, pdf = print_batch(organizer, None, groups=("award",))
    texts = page_texts(pdf)
    assert len(texts) == 2
    assert "Жылдың үздік меценаты" in texts[0] and organization in texts[0]
    assert "Әсел Құрманғазықызы" in texts[1] and "Лучший наставник" in texts[1]


def test_participant_downloads_their_certificate(published, organizer):
    with published.app_context():
        skill = skill_of()
        competitor = skill.competitors[0]
        code, skill_id = competitor.results_code, skill.id
    public = published.test_client()
    page = public.get(f"/me/{code}", headers=EN).get_data(as_text=True)
    assert "/certificates/" not in page  # nothing issued yet
    print_batch(organizer, skill_id, groups=("participation",))
    page = public.get(f"/me/{code}", headers=EN).get_data(as_text=True)
    links = re.findall(r'href="(/certificates/[^"]+\.pdf)"', page)
    assert links
    pdf = public.get(links[0])
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    with published.app_context():
        competitor = db.session.execute(sa.select(Competitor).where(
            Competitor.results_code == code)).scalar_one()
        first = competitor.members[0] if competitor.members else competitor
        assert first.name_kk in page_texts(pdf.data)[0]


# --- templates: the sandbox and the fetcher ------------------------------------------------------

class Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        Recorder.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(PNG)

    def log_message(self, *args):
        pass


def _png(colour=(200, 30, 30)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, "PNG")
    return buffer.getvalue()


PNG = _png()
BLUE_PNG = _png((30, 30, 200))


def images(pdf: bytes) -> dict[tuple, int]:
    """The distinct images of the PDF (by size and pixels) -> how many pages hold them."""
    found: dict[tuple, set[int]] = {}
    for number, page in enumerate(pypdf.PdfReader(io.BytesIO(pdf)).pages):
        for image in page.images:
            picture = image.image.convert("RGB")
            key = (picture.size, picture.tobytes())
            found.setdefault(key, set()).add(number)
    return {key: len(pages) for key, pages in found.items()}


def small(colour) -> tuple:
    """The key of an 8 × 8 image of one colour, as `images` gives it."""
    return ((8, 8), bytes(colour) * 64)


def test_templates_reach_neither_files_nor_the_network(published, organizer, tmp_path):
    server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    outside = f"http://127.0.0.1:{server.server_port}/spy.png"
    local_png = tmp_path / "local.png"
    local_png.write_bytes(PNG)
    Recorder.hits.clear()
    with published.app_context():
        skill_id = skill_of().id
        championship_id = skill_of().championship_id
        with write_transaction() as session:
            asset = DocumentAsset(championship_id=championship_id, kind="image",
                                  filename="ok.png", content_type="image/png",
                                  size=len(PNG), data=PNG)
            session.add(asset)
            session.flush()
            html = (
                '<section style="page-break-after: always">{{ recipient[languages[0]] }}'
                '<object data="file:///etc/passwd"></object>'
                '<img src="file:///etc/passwd"><img src="file://' + str(local_png) + '">'
                f'<img src="{outside}"><iframe src="file:///etc/passwd"></iframe>'
                '<img src="/static/../../../etc/passwd">'
                '<img src="/documents/assets/' + str(asset.id) + '"></section>')
            css = ('@import url("file:///etc/passwd"); body { background: url("' + outside
                   + '?css") }')
            session.add(DocumentTemplate(championship_id=championship_id,
                                         kind="participation", html=html, css=css))
    _state, pdf = print_batch(organizer, skill_id, groups=("participation",))
    texts = page_texts(pdf)
    assert texts and all("root:" not in text for text in texts)
    # one image: the championship's own upload; the file: and outside ones are not loaded
    assert list(images(pdf)) == [small((200, 30, 30))]
    assert Recorder.hits == []
    server.shutdown()


def test_a_template_cannot_escape_the_sandbox(published, organizer):
    with published.app_context():
        championship = skill_of().championship.code
    url = f"/manage/certificates/templates/gold?championship={championship}"
    page = organizer.get(url, headers=EN).get_data(as_text=True)
    assert "recipient" in page  # the default template is offered for editing
    for html, problem in (
            ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "unsafe"),
            ("{{ recipient.__init__.__globals__ }}", "unsafe"),
            ("{{ no_such_variable }}", "undefined"),
            ("{% for x in %}", "The template does not work")):
        answer = organizer.post(url, headers=EN, data={
            "csrf_token": csrf(page), "html": html, "css": "", "action": "save"})
        assert answer.status_code == 400, html
        assert problem in answer.get_data(as_text=True), html
    with published.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(
            DocumentTemplate)).scalar_one() == 0
    # A good template is saved, previewed (in the worker process) and can be reset.
    good = "<section>{{ text[languages[0]].heading }} {{ recipient[languages[0]] }}</section>"
    answer = organizer.post(url, headers=EN, data={
        "csrf_token": csrf(page), "html": good, "css": "section { color: red }",
        "action": "preview"})
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/pdf"
    assert "Алия" in page_texts(answer.data)[0] or "Әлия" in page_texts(answer.data)[0]
    answer = organizer.post(url, headers=EN, data={
        "csrf_token": csrf(page), "html": good, "css": "", "action": "save"})
    assert answer.status_code == 302
    with published.app_context():
        saved = db.session.execute(sa.select(DocumentTemplate)).scalar_one()
        assert saved.kind == "gold" and saved.html == good


def test_settings_accept_only_images(published, organizer):
    with published.app_context():
        championship = skill_of().championship.code
    url = f"/manage/certificates/settings?championship={championship}"
    page = organizer.get(url, headers=EN).get_data(as_text=True)
    answer = organizer.post(url, headers=EN, content_type="multipart/form-data", data={
        "csrf_token": csrf(page), "languages": "kk+ru+en",
        "logo": (io.BytesIO(b"#!/bin/sh\necho not an image\n"), "logo.png"),
        "s0-name_ru": "Иванов И. И.", "s0-title_ru": "Председатель"})
    assert answer.status_code == 400
    assert "logo.png is not a PNG, JPEG or SVG image." in answer.get_data(as_text=True)
    with published.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(
            DocumentAsset)).scalar_one() == 0
    answer = organizer.post(url, headers=EN, content_type="multipart/form-data", data={
        "csrf_token": csrf(page), "languages": "kk+ru+en",
        "logo": (io.BytesIO(PNG), "logo.png"),
        "s0-name_ru": "Иванов И. И.", "s0-title_ru": "Председатель",
        "s0-signature": (io.BytesIO(BLUE_PNG), "sign.png")})
    assert answer.status_code == 302
    with published.app_context():
        skill_id = skill_of().id
    _state, pdf = print_batch(organizer, skill_id, groups=("medals",))
    text = page_texts(pdf)[0]
    assert "Иванов И. И." in text and "Председатель" in text
    assert "Gold medal" not in text  # the certificate's own languages, English among them:
    assert "gold medal" in text  # "first place, gold medal"
    # the logo and the signature on every page, and each page's own QR code
    pages = len(page_texts(pdf))
    found = images(pdf)
    assert found.pop(small((200, 30, 30))) == pages and found.pop(small((30, 30, 200))) == pages
    assert len(found) == pages
