"""No page scrolls sideways on a 320-px phone, in any language (issue 23): the public pages a
participant opens and the pages staff open on a phone. Long upper-case headings and tables
wrap or scroll inside their own box, never the page."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from competition.extensions import db
from competition.models import Competitor, Skill

from ..fixtures.browser import add_organizer, log_in
from ..fixtures.databases import make_app

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

PUBLIC = ["/", "/results", "/results/10", "/medals", "/me", "/login", "/login/pin",
          "/board/10/projector", "/board/10"]
STAFF = ["/manage/", "/manage/competitors", "/manage/experts", "/manage/organizations",
         "/judging/", "/judging/10", "/judging/10/chief", "/board/screens", "/manage/import"]


def overflow(page) -> tuple[int, str]:
    """How far the page reaches past the screen's 320 px (0: no sideways scroll): the
    document's scroll width, and the right edge of every element that is not inside a box
    that scrolls or clips on its own (a wide table in its scroll box is fine)."""
    return page.evaluate("""() => {
      const width = document.documentElement.clientWidth;
      const scrolls = getComputedStyle(document.body).overflowX === "visible";
      let widest = scrolls ? Math.max(document.documentElement.scrollWidth,
                                      document.body.scrollWidth) : width;
      let culprit = "";
      const clipped = (el) => {
        for (let p = el.parentElement; p; p = p.parentElement) {
          const o = getComputedStyle(p).overflowX;
          if (o !== "visible") return true;
        }
        return false;
      };
      for (const el of document.body.querySelectorAll("*")) {
        const box = el.getBoundingClientRect();
        if (box.width && box.right > width && !clipped(el)) {
          if (Math.ceil(box.right + window.scrollX) > widest) {
            const text = (el.textContent || "").trim().slice(0, 40);
            culprit = `${el.tagName.toLowerCase()}.${el.className}: ${text}`;
          }
          widest = Math.max(widest, Math.ceil(box.right + window.scrollX));
        }
      }
      return [Math.max(0, widest - width), culprit];
    }""")


def a_results_code(live_server) -> str:
    app = make_app(live_server.database_url, live_server.instance)
    with app.app_context():
        code = db.session.execute(sa.select(Competitor.results_code).join(Skill).where(
            Skill.code == "10").order_by(Competitor.code).limit(1)).scalar_one()
        db.session.remove()
        db.engine.dispose()
    return code


def test_no_page_scrolls_sideways_at_320_px_in_any_language(browser, live_server):
    organizer = add_organizer(live_server)
    public = [*PUBLIC, f"/me/{a_results_code(live_server)}"]
    context = browser.new_context(viewport={"width": 320, "height": 640}, has_touch=True)
    page = context.new_page()
    wide: list[str] = []
    try:
        for locale in ("en", "ru", "kk"):
            page.goto(f"{live_server.url}/lang/{locale}")
            for path in public:
                page.goto(live_server.url + path)
                extra, culprit = overflow(page)
                if extra > 0:
                    wide.append(f"{locale} {path}: {extra} px ({culprit})")
        log_in(page, live_server, organizer)
        for locale in ("en", "ru", "kk"):
            page.goto(f"{live_server.url}/lang/{locale}")
            for path in STAFF:
                page.goto(live_server.url + path)
                extra, culprit = overflow(page)
                if extra > 0:
                    wide.append(f"{locale} {path}: {extra} px ({culprit})")
    finally:
        context.close()
    assert wide == [], "\n".join(wide)
