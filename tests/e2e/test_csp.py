"""The main pages under the Content-Security-Policy of competition/security.py, in Chromium:
not one violation, and each page still does its job (the tablet connects, the projector shows
standings, a hall screen shows the projector in its frame)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from competition.database import write_transaction
from competition.extensions import db
from competition.models import Championship, Competitor, Screen, Skill

from ..fixtures.browser import add_organizer, log_in
from ..fixtures.databases import make_app
from ..helpers import wait_until
from .test_tablet import JUDGE, add_expert

pytestmark = pytest.mark.browser

# Reported by the page (securitypolicyviolation) in every frame, before any script of ours runs.
LISTEN = """window.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
});"""


def _demo_rows(live_server) -> tuple[str, str]:
    """A results code of a skill-10 competitor, and the key of a hall screen showing skill 10."""
    app = make_app(live_server.database_url, live_server.instance)
    with app.app_context():
        with write_transaction() as session:
            skill = session.execute(sa.select(Skill).join(Championship).where(
                Skill.code == "10", Championship.code == "vko-ws-2026")).scalar_one()
            code = session.execute(sa.select(Competitor.results_code).where(
                Competitor.skill_id == skill.id).order_by(Competitor.code).limit(1)).scalar_one()
            screen = Screen(championship_id=skill.championship_id, name="Hall A", mode="skill",
                            skill_id=skill.id)
            session.add(screen)
            session.flush()
            key = screen.key
        db.session.remove()
        db.engine.dispose()
    return code, key


class Watched:
    """A browser context whose pages' CSP complaints (console and violation events) are kept."""

    def __init__(self, browser, **options):
        self.context = browser.new_context(viewport={"width": 1280, "height": 800}, **options)
        self.context.add_init_script(LISTEN)
        self.complaints: list[str] = []
        self.page = self.context.new_page()
        self.page.on("console", self._console)

    def _console(self, message) -> None:
        text = message.text
        if "Content Security Policy" in text or "CSP violation" in text or \
                text.startswith("Refused to"):
            self.complaints.append(f"{self.page.url}: {text}")

    def open(self, url: str):
        self.page.goto(url)
        return self.page


def test_the_main_pages_work_without_one_csp_violation(browser, live_server):
    results_code, screen_key = _demo_rows(live_server)
    url = live_server.url
    organizer = Watched(browser)
    log_in(organizer.page, live_server, add_organizer(live_server))
    tablet = Watched(browser, has_touch=True)
    log_in(tablet.page, live_server, add_expert(live_server, JUDGE, "judge-csp"))
    public = Watched(browser)
    try:
        page = tablet.open(f"{url}/judging/10")
        expect(page.locator("#connection")).to_contain_text("Online", timeout=10_000)

        page = organizer.open(f"{url}/judging/10/chief")
        expect(page.get_by_role("table").first).to_be_visible(timeout=10_000)
        for path in ("/manage/", "/manage/certificates?championship=vko-ws-2026",
                     "/manage/accounts?role=expert", "/board/screens"):
            page = organizer.open(url + path)
            expect(page.locator("h1").first).to_be_visible()

        page = public.open(f"{url}/board/10/projector?lang=en")
        expect(page.get_by_role("table").first.get_by_role("rowheader").first).to_be_visible(
            timeout=10_000)
        expect(page.locator("#connection")).to_have_text("")
        page = public.open(f"{url}/board/rotation?skills=04,10&every=20&lang=en")
        expect(page.get_by_role("table").first).to_be_visible(timeout=10_000)
        for path in ("/results?lang=en", "/results/10?lang=en", "/medals?lang=en",
                     f"/me/{results_code}?lang=en", "/"):
            page = public.open(url + path)
            expect(page.locator("h1").first).to_be_visible()
        # A hall screen frames the projector: frame-ancestors 'self' lets it, and the
        # projector inside connects and shows the standings.
        page = public.open(f"{url}/screen/{screen_key}?lang=en")
        shown = page.frame_locator("iframe.screen-frame:not([hidden]):not(.loading)")
        expect(shown.get_by_role("table").first).to_be_visible(timeout=15_000)
        assert re.search(r"/board/10/projector", " ".join(frame.url for frame in page.frames))
    finally:
        for watched in (organizer, tablet, public):
            watched.context.close()
    complaints = organizer.complaints + tablet.complaints + public.complaints
    assert not complaints, "\n".join(complaints)


def test_another_site_cannot_frame_a_page(browser, live_server):
    """frame-ancestors 'none': a page of another origin (here about:blank's document written
    by the test) gets the login page refused inside its frame."""
    watched = Watched(browser)
    try:
        page = watched.page
        page.set_content(f'<iframe src="{live_server.url}/login"></iframe>')
        # the frame's navigation ends: the login page, or Chromium's error page if refused
        wait_until(lambda: [frame for frame in page.main_frame.child_frames
                            if frame.url not in ("", "about:blank")], 15, "the frame to load")
        framed = [frame for frame in page.frames if frame.url.startswith(live_server.url)]
        content = framed[0].content() if framed else ""
        assert "csrf_token" not in content  # the login form never rendered in the frame
    finally:
        watched.context.close()
