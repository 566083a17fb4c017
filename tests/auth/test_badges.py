"""Expert badges: one PDF for a championship, fresh one-time login codes, a strict fetcher."""

from __future__ import annotations

import re
import zlib
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from competition.database import write_transaction
from competition.documents.render import PDF_BASE_URL, RefusedURL, fetcher_class
from competition.extensions import db
from competition.models import AuditEntry, Championship, Expert, LoginCode, Skill, User
from competition.registry.accounts.badges import (
    finish_badges,
    login_url,
    prepare_badges,
    qr_svg,
)

from ..access import client_as, make_role_users
from ..helpers import csrf
from .helpers import EN, logged_in_as, post_form


def pdf_pages(data: bytes) -> int:
    """Pages of a PDF whose objects may sit in compressed object streams."""
    chunks = [data]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            chunks.append(zlib.decompress(stream))
        except zlib.error:
            continue
    text = b"\n".join(chunks)
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", text))


def pdf_text_objects(data: bytes) -> bytes:
    chunks = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            chunks.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return b"\n".join([data, *chunks])


@pytest.fixture
def badge_setup(demo_app):
    ids = make_role_users(demo_app)
    with demo_app.app_context():
        championship = db.session.execute(
            sa.select(Championship).where(Championship.code == "vko-ws-2026")).scalar_one()
        experts = db.session.execute(
            sa.select(sa.func.count()).select_from(Expert)
            .where(Expert.championship_id == championship.id)).scalar_one()
        info = {"championship_id": championship.id, "experts": experts}
    return demo_app, ids, info


def test_badges_page_says_what_printing_will_do(badge_setup):
    app, ids, info = badge_setup
    organizer = client_as(app, "organizer", ids)
    page = organizer.get(f"/manage/badges?championship={info['championship_id']}",
                         headers=EN).get_data(as_text=True)
    n = info["experts"]
    assert f"{n} badges on {-(-n // 8)} pages." in page
    assert "withdraws the older unused ones" in page
    # make_role_users gave accounts to this championship's experts as-expert, as-chief,
    # as-other-expert, as-other-chief and as-compatriot: the others get one
    with app.app_context():
        with_account = db.session.execute(
            sa.select(sa.func.count(sa.distinct(User.expert_id))).join(User.expert)
            .where(Expert.championship_id == info["championship_id"])).scalar_one()
    assert with_account == 5
    assert f"{n - with_account} experts have no account yet" in page
    assert "only works on this computer" in page  # the test client talks to localhost
    assert 'aria-live="polite"' in page


def test_badges_pdf_for_a_championship(badge_setup):
    app, ids, info = badge_setup
    organizer = client_as(app, "organizer", ids)
    old_path = None
    # an expert with an older code: printing revokes it
    response = post_form(organizer, f"/manage/accounts/{ids['expert']}/login-code", {"days": 3},
                         page=f"/manage/accounts/{ids['expert']}")
    old_path = urlsplit(re.search(r'<code class="login-url">([^<]+)</code>',
                                  response.get_data(as_text=True)).group(1)).path

    response = post_form(organizer, "/manage/badges", {
        "championship": info["championship_id"], "skill": 0, "days": 4})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert 'filename="badges-vko-ws-2026.pdf"' in response.headers["Content-Disposition"]
    data = response.get_data()
    assert data.startswith(b"%PDF-")
    pages = -(-info["experts"] // 8)
    assert pdf_pages(data) == pages
    assert response.headers["X-Pages"] == str(pages)
    assert response.headers["X-Badges"] == str(info["experts"])
    # every font in the PDF is the shipped one (@font-face "Badge Sans"), none from the system
    fonts = set(re.findall(rb"/BaseFont\s*/\w+\+([\w-]+)", pdf_text_objects(data)))
    assert fonts and all(name.startswith(b"Badge-Sans") for name in fonts), fonts

    with app.app_context():
        users = db.session.execute(
            sa.select(User).join(Expert, User.expert_id == Expert.id)
            .where(Expert.championship_id == info["championship_id"])).scalars().all()
        assert len(users) == info["experts"]  # every expert now has an account
        assert all(u.role in ("expert", "chief") for u in users)
        assert any(u.login == "vko-ws-2026-e02" for u in users)
        valid = db.session.execute(
            sa.select(sa.func.count()).select_from(LoginCode)
            .where(LoginCode.used_at.is_(None), LoginCode.revoked_at.is_(None))).scalar_one()
        assert valid == info["experts"]
        entry = db.session.execute(
            sa.select(AuditEntry).where(AuditEntry.action == "badges")).scalar_one()
        assert entry.changes["badges"] == info["experts"]
    client = app.test_client()
    assert client.get(old_path, headers=EN).status_code == 410  # the older code is withdrawn


def test_qr_codes_in_the_badges_log_their_expert_in(badge_setup):
    app, ids, info = badge_setup
    with app.app_context():
        skill = db.session.execute(
            sa.select(Skill).where(Skill.code == "10",
                                   Skill.championship_id == info["championship_id"])
        ).scalar_one()
    with app.test_request_context("/manage/badges", base_url="http://192.168.1.10:5000",
                                  headers=EN):
        prepared = prepare_badges(info["championship_id"], skill.id, 3, None)
        with app.app_context():
            before = db.session.execute(sa.select(sa.func.count()).select_from(LoginCode)
                                        ).scalar_one()
        assert before == 0  # nothing is stored before the PDF exists
        printed = finish_badges(prepared)
    assert printed.pages == -(-len(prepared.plan.badges) // 8)
    assert printed.pdf.startswith(b"%PDF-")
    for badge in prepared.plan.badges:
        with app.test_request_context(base_url="http://192.168.1.10:5000"):
            url = login_url(badge.code, None)
            # the QR code drawn in the badge is the QR code of this address
            assert str(qr_svg(url)) in prepared.html
        assert url.startswith("http://192.168.1.10:5000/login/code/")
    badge = prepared.plan.badges[0]
    client = app.test_client()
    path = f"/login/code/{badge.code}"
    page = client.get(path, headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert badge.names[-1] in page  # the Russian name (the last one on the badge)
    response = client.post(path, data={"csrf_token": csrf(page)})
    assert response.status_code == 302
    assert logged_in_as(client) == badge.login


def test_public_url_setting_is_used_for_the_qr_codes(badge_setup):
    app, _ids, _info = badge_setup
    with app.test_request_context("/", base_url="http://localhost"):
        assert login_url("abc", "https://scores.example.kz/") == (
            "https://scores.example.kz/login/code/abc")
        assert login_url("abc", None) == "http://localhost/login/code/abc"


def test_badges_of_one_skill_and_form_errors(badge_setup):
    app, ids, info = badge_setup
    organizer = client_as(app, "organizer", ids)
    with app.app_context():
        other_skill = db.session.execute(
            sa.select(Skill.id).where(Skill.championship_id != info["championship_id"])
        ).scalars().first()
    response = post_form(organizer, "/manage/badges", {
        "championship": info["championship_id"], "skill": other_skill, "days": 3})
    assert response.status_code == 400
    assert "not part of the chosen championship" in response.get_data(as_text=True)
    response = post_form(organizer, "/manage/badges", {
        "championship": info["championship_id"], "skill": 0, "days": 0})
    assert response.status_code == 400
    assert "Enter 1 to 60 days." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(LoginCode)
                                  ).scalar_one() == 0


def test_disabled_expert_gets_a_badge_without_qr_code(badge_setup):
    app, ids, info = badge_setup
    with app.app_context():
        with write_transaction() as session:
            session.get(User, ids["expert"]).is_enabled = False
    with app.test_request_context("/manage/badges", headers=EN):
        prepared = prepare_badges(info["championship_id"], None, 3, None)
        disabled = [b for b in prepared.plan.badges if b.login == "as-expert"]
        assert disabled and disabled[0].code is None and disabled[0].qr_svg is None
        assert prepared.plan.without_code == 1
        finish_badges(prepared)
    with app.app_context():
        assert db.session.execute(
            sa.select(sa.func.count()).select_from(LoginCode)
            .where(LoginCode.user_id == ids["expert"])).scalar_one() == 0


def test_fetcher_serves_static_files_and_refuses_everything_else(app):
    with app.test_request_context():
        fetcher = fetcher_class()(app.static_folder, "/static/")
        font = fetcher.fetch(PDF_BASE_URL + "static/fonts/DejaVuSans.ttf")
        assert font.read(4) == b"\x00\x01\x00\x00"  # a TrueType font
        font.close()
        refused = [
            "file:///etc/passwd",
            "http://example.com/static/css/app.css",
            "https://competition.invalid.example.com/static/css/app.css",
            PDF_BASE_URL + "static/../competition/config.py",
            PDF_BASE_URL + "static/%2e%2e/%2e%2e/etc/passwd",
            PDF_BASE_URL + "manage/accounts",
            PDF_BASE_URL + "static/fonts/missing.ttf",
            "ftp://competition.invalid/static/css/app.css",
        ]
        for url in refused:
            with pytest.raises((RefusedURL, ValueError)):
                fetcher.fetch(url)
        assert fetcher.fetch("data:text/plain,hello").read() == b"hello"


def test_documents_cannot_read_local_files(app, tmp_path):
    """A file: image in a document is refused: the PDF renders without it."""
    import base64
    import io

    import segno

    from competition.documents.render import render_pdf

    png = io.BytesIO()
    segno.make("x").save(png, kind="png")
    picture = tmp_path / "picture.png"
    picture.write_bytes(png.getvalue())
    inline = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()
    with app.test_request_context():
        refused = render_pdf(f'<p>x</p><img src="{picture.as_uri()}">'
                             '<img src="http://127.0.0.1:9/logo.png">')
        allowed = render_pdf(f'<p>x</p><img src="{inline}">')
    assert refused.pages == 1
    assert b"/Image" in pdf_text_objects(allowed.data)  # the same picture, inline, is drawn
    assert b"/Image" not in pdf_text_objects(refused.data)


def test_badges_are_rendered_in_a_child_and_stored_in_a_few_statements(badge_setup,
                                                                       monkeypatch):
    """The PDF is rendered by a render child (WeasyPrint's seconds of CPU in the server's
    process would stall every socket), and the accounts and codes of every badge are written
    by one statement each (the write lock that judges' marks wait for)."""
    from competition.documents import render
    from tests.helpers import statements_during

    app, ids, info = badge_setup

    def in_this_process(_html):
        raise AssertionError("the badges were rendered in the server's process")

    monkeypatch.setattr(render, "render_pdf", in_this_process)
    with app.test_request_context("/manage/badges", headers=EN):
        prepared = prepare_badges(info["championship_id"], None, 3, None)
        printed = []
        seen = statements_during(db.engine, lambda: printed.append(finish_badges(prepared)))
    assert printed[0].pdf.startswith(b"%PDF-") and printed[0].accounts_created == \
        info["experts"] - 5  # make_role_users gave five of them accounts
    writes = sorted(" ".join(s.split()[:3]) for s in seen if s.startswith(("INSERT", "UPDATE")))
    assert writes == ["INSERT INTO audit_entry", "INSERT INTO login_code",
                      "INSERT INTO user_account", "UPDATE login_code SET"], writes
    with app.app_context():
        codes = dict(db.session.execute(sa.select(LoginCode.code_hash, User.expert_id)
                                        .join(User)).all())
    from competition.auth.service import hash_code

    assert {codes.get(hash_code(badge.code)) for badge in prepared.plan.badges} == {
        badge.expert_id for badge in prepared.plan.badges}  # each badge's code is its own


def test_an_account_made_while_the_badges_were_prepared_stops_the_print(badge_setup):
    from competition.auth import service as auth
    from competition.errors import Conflict

    app, ids, info = badge_setup
    with app.test_request_context("/manage/badges", headers=EN):
        prepared = prepare_badges(info["championship_id"], None, 3, None)
        badge = next(b for b in prepared.plan.badges if b.user_id is None)
        with write_transaction() as session:  # someone else gives that expert an account
            auth.add_user("someone-else", "expert", None,
                          expert=session.get(Expert, badge.expert_id))
        with pytest.raises(Conflict, match="accounts changed"):
            finish_badges(prepared)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(LoginCode)
                                  ).scalar_one() == 0
        assert db.session.execute(sa.select(sa.func.count()).select_from(User).where(
            User.login.like("vko-ws-2026-%"))).scalar_one() == 0


def test_a_render_that_fails_says_so_and_stores_nothing(badge_setup, monkeypatch):
    from competition.documents.render import RenderFailed
    from competition.registry.accounts import badges

    app, ids, info = badge_setup

    def fails(_html):
        raise RenderFailed("MemoryError")

    monkeypatch.setattr(badges, "render_pdf_isolated", fails)
    organizer = client_as(app, "organizer", ids)
    response = post_form(organizer, "/manage/badges", {
        "championship": info["championship_id"], "skill": 0, "days": 3})
    assert response.status_code == 400
    assert "The badges could not be printed (MemoryError); try again" in \
        response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(LoginCode)
                                  ).scalar_one() == 0


def add_experts(app, n: int, skill_code: str = "10") -> None:
    """`n` more experts of the demo championship, each an expert of `skill_code`."""
    from competition.models import ExpertRole

    with app.app_context():
        with write_transaction() as session:
            championship = session.execute(sa.select(Championship).where(
                Championship.code == "vko-ws-2026")).scalar_one()
            skill = session.execute(sa.select(Skill).where(
                Skill.championship_id == championship.id, Skill.code == skill_code)
            ).scalar_one()
            for i in range(n):
                expert = Expert(championship_id=championship.id, code=f"B{i:03d}",
                                name_ru=f"Эксперт {i}", name_kk=f"Сарапшы {i}")
                expert.roles.append(ExpertRole(skill_id=skill.id, role="expert"))
                session.add(expert)
        db.session.remove()


def test_the_page_watches_the_badges_count_up_and_gets_the_parts_joined(badge_setup,
                                                                        monkeypatch):
    """The badges' steps reach the page's progress bar over Socket.IO (progress.py); a print
    of more pages than a part's is rendered part by part and joined into one PDF."""
    from competition import progress
    from competition.extensions import socketio
    from competition.registry.accounts.badges import PAGES_PER_PART, PER_PAGE
    from tests.registry.test_import_progress import assert_counts_up, events, task_of

    app, ids, info = badge_setup
    monkeypatch.setattr(progress, "INTERVAL", 0.01)  # the second part's render is seen too
    add_experts(app, 10)
    n = info["experts"] + 10
    parts, pages = -(-n // (PER_PAGE * PAGES_PER_PART)), -(-n // PER_PAGE)
    assert parts > 1
    organizer = client_as(app, "organizer", ids)
    sio = socketio.test_client(app, flask_test_client=organizer)
    page = organizer.get(f"/manage/badges?championship={info['championship_id']}",
                         headers=EN).get_data(as_text=True)
    task = task_of(page, "badges-form")
    assert sio.emit("progress:watch", {"task": task}, callback=True) == {"ok": True}
    response = organizer.post("/manage/badges", headers=EN, data={
        "csrf_token": csrf(page), "task": task, "championship": info["championship_id"],
        "skill": 0, "days": 3})
    assert response.status_code == 200 and response.headers["X-Pages"] == str(pages)
    data = response.get_data()
    assert pdf_pages(data) == pages
    fonts = set(re.findall(rb"/BaseFont\s*/\w+\+([\w-]+)", pdf_text_objects(data)))
    assert fonts and all(name.startswith(b"Badge-Sans") for name in fonts), fonts
    received = events(sio, task)
    drawn = [e["done"] for e in received if e["label"] == "Drawing the login codes"]
    assert drawn[-1] == n and {e["total"] for e in received
                               if e["label"] == "Drawing the login codes"} == {n}
    assert_counts_up(received, "Printing the badges", parts)
    sio.disconnect()
