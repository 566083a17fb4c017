"""In a real browser: the organizer prints the badges (with a "preparing…" status, then a
progress bar pushed over Socket.IO while the parts are printed), issues a login code, and an
expert logs in on a tablet-sized screen with the code and with a PIN."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from competition.extensions import db
from competition.models import Championship

from ..e2e.test_import_progress import RECORD_PROGRESS, seen
from ..fixtures.browser import add_organizer, log_in
from ..fixtures.databases import make_app
from .test_badges import add_experts

pytestmark = pytest.mark.browser
ABILYMPICS = ("Abilympics East Kazakhstan Regional Championship 2026 — professional skills for "
              "people with disabilities")


def test_badges_print_then_an_expert_logs_in_on_a_tablet(page, browser, live_server):
    log_in(page, live_server, add_organizer(live_server))
    page.goto(live_server.url + "/manage/badges")
    page.get_by_label("Championship", exact=True).select_option(label=ABILYMPICS)
    page.get_by_role("button", name="Show who gets a badge").click()
    page.wait_for_load_state()
    assert page.get_by_text("11 badges on 2 pages.").is_visible()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Print the badges (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == "badges-vko-abilympics-2026.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    status = page.locator("#badges-status")
    status.get_by_text("The badges are ready: 11 badges on 2 pages.").wait_for()

    # the account of an expert now exists: give it a PIN and a fresh login code
    page.goto(live_server.url + "/manage/accounts?q=vko-abilympics-2026-e02")
    page.get_by_role("link", name="vko-abilympics-2026-e02").click()
    page.get_by_label("New PIN (4 to 6 digits)").fill("5319")
    page.get_by_role("button", name="Set the PIN").click()
    page.get_by_text("The new PIN is set.").wait_for()
    page.get_by_role("button", name="Issue a login code").click()
    url = page.locator("code.login-url").inner_text()
    assert url.startswith(live_server.url + "/login/code/")

    tablet = browser.new_context(viewport={"width": 768, "height": 1024}, has_touch=True)
    try:
        pad = tablet.new_page()
        pad.goto(live_server.url + "/lang/en")
        pad.goto(url)
        button = pad.get_by_role("button", name="Log in")
        box = button.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44
        button.tap()
        pad.get_by_text("You are logged in as vko-abilympics-2026-e02.").wait_for()
        assert "/judging/" in pad.url
        assert pad.locator(".who").inner_text() == "vko-abilympics-2026-e02"
        pad.get_by_role("button", name="Log out").tap()
        pad.get_by_text("You have logged out.").wait_for()

        # the same code does not work twice; the PIN does
        pad.goto(url)
        assert pad.get_by_text("already been used").is_visible()
        pad.get_by_role("link", name="Log in with a PIN").tap()
        pad.get_by_label("Championship", exact=True).select_option(label=ABILYMPICS)
        pad.get_by_label("Expert code or login").fill("E02")
        pin = pad.get_by_label("PIN")
        assert pin.get_attribute("inputmode") == "numeric"
        assert pin.bounding_box()["height"] >= 44
        pin.fill("5319")
        pad.get_by_role("button", name="Log in").tap()
        pad.wait_for_url(live_server.url + "/judging/**")  # an expert lands on their marking
        assert pad.locator(".who").inner_text() == "vko-abilympics-2026-e02"
    finally:
        tablet.close()


def test_printing_badges_shows_a_progress_bar_then_saves_the_pdf(page, live_server):
    app = make_app(live_server.database_url, live_server.instance)
    add_experts(app, 20)  # 46 badges: two parts (of four pages and of two)
    with app.app_context():
        championship_id = db.session.execute(sa.select(Championship.id).where(
            Championship.code == "vko-ws-2026")).scalar_one()
        db.session.remove()
        db.engine.dispose()
    page.add_init_script(RECORD_PROGRESS)
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    log_in(page, live_server, add_organizer(live_server))
    page.goto(live_server.url + f"/manage/badges?championship={championship_id}")
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Print the badges (PDF)").click()
    assert download.value.suggested_filename == "badges-vko-ws-2026.pdf"
    status = page.locator("#badges-status")
    status.filter(has_text="The badges are ready: 46 badges on 6 pages").wait_for(
        timeout=10_000)
    values = seen(page)
    assert any(0 < value < top == 2 for value, top, _text in values), values
    assert any("Printing the badges:" in text and "of 2" in text
               for _value, _top, text in values), values
    assert not [url for url in failed if "/static/js/" in url or "/static/vendor/" in url], failed
