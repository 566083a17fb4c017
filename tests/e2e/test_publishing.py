"""Publishing only what is final, in a real browser: the organizer picks "Published" for a skill
whose marking is unfinished on the championship's page, and is shown what is missing per
sub-criterion with links to fix it; the database keeps the skill as it was. Real Chromium,
real server, real database."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from competition.extensions import db
from competition.models import AuditEntry, Skill
from tests.marking import enter_marks

from ..fixtures.browser import add_organizer, log_in
from ..fixtures.databases import make_app

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def _state(live_server) -> tuple[int, str, int]:
    app = make_app(live_server.database_url, live_server.instance)
    with app.app_context():
        skill = db.session.execute(sa.select(Skill).where(Skill.code == "10")).scalar_one()
        audits = db.session.execute(sa.select(sa.func.count()).select_from(AuditEntry)
                                    .where(AuditEntry.action == "visibility")).scalar_one()
        found = (skill.id, skill.visibility, audits)
        db.session.remove()
        db.engine.dispose()
    return found


def test_publishing_an_unfinished_skill_shows_what_is_missing(page, live_server):
    app = make_app(live_server.database_url, live_server.instance)
    with app.app_context():
        enter_marks("10", seed=7, fill=0.5)
        db.session.remove()
        db.engine.dispose()
    skill_id, before, audits = _state(live_server)
    log_in(page, live_server, add_organizer(live_server))
    page.goto(live_server.url + "/manage/championships/1")
    page.get_by_label("What the public sees of 10", exact=True).select_option("published")
    page.get_by_role("button", name="Apply 10", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Skill 10 was not published")
    expect(page.get_by_role("alert")).to_contain_text("not final yet")
    table = page.get_by_role("table", name="Sub-criteria that are not final yet")
    expect(table).to_be_visible()
    first = table.locator("tbody tr").first
    sub = first.get_attribute("data-sub")
    expect(first.get_by_role("link", name=f"Sign off {sub}")).to_have_attribute(
        "href", f"/judging/10/chief#sub-{sub}")
    expect(table.get_by_role("link", name="Enter the missing marks").first).to_be_visible()
    # Keyboard: the link is reached and followed without a mouse, to the chief's board.
    first.get_by_role("link", name=f"Sign off {sub}").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/judging/10/chief#sub-{sub}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Marking progress")
    assert _state(live_server) == (skill_id, before, audits)
