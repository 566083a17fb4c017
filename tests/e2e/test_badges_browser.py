"""Printing the experts' badges in a real browser: a progress bar pushed over Socket.IO while
the server draws the codes and its render children print the parts, then the download."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from competition.extensions import db
from competition.models import Championship

from ..auth.test_badges import add_experts
from ..fixtures.browser import add_organizer, log_in
from ..fixtures.databases import make_app
from .test_import_progress import RECORD_PROGRESS, seen

pytestmark = pytest.mark.browser


def test_printing_badges_shows_a_progress_bar_then_saves_the_pdf(page, live_server):
    app = make_app(live_server.database_url, live_server.instance)
    add_experts(app, 40)  # 66 badges: three parts of four pages
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
    status.filter(has_text="The badges are ready: 66 badges on 9 pages").wait_for(
        timeout=10_000)
    values = seen(page)
    assert any(0 < value < top == 3 for value, top, _text in values), values
    assert any("Printing the badges:" in text and "of 3" in text
               for _value, _top, text in values), values
    assert not [url for url in failed if "/static/" in url], failed
