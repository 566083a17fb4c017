"""A minor's name on the hall's projector, in a real browser (Debian's Chromium) on the real
server (docs/people.md, "Privacy"): shown "Surname N." — the surname, whichever order the name
was typed in — and the full name nowhere on the screen, while the organizer's competitor list
keeps the full name; once the organizer records the consent on the competitor's form, the
projector shows the full name (at its next snapshot: a reload here)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from competition.database import write_transaction
from competition.extensions import db
from competition.models import Competitor, Skill

from ..fixtures.browser import add_organizer, log_in
from ..fixtures.databases import make_app
from ..marking import enter_marks

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]
SKILL, CODE = "10", "101"
NAMES = {"ru": "Зайцев Сергей", "kk": "Зайцев Сергей", "en": "Sergey Zaitsev"}


def prepare(live_server) -> tuple[int, int]:
    """Competitor 101 of skill 10, a minor on the first day without consent, typed as the
    Russian and English lists write names; skill 10 marked and live. (competitor, championship)"""
    app = make_app(live_server.database_url, live_server.instance)
    with app.app_context():
        enter_marks(SKILL, seed=5)
        with write_transaction() as session:
            competitor = session.execute(sa.select(Competitor).join(Skill).where(
                Skill.code == SKILL, Competitor.code == CODE)).scalar_one()
            competitor.set_names(NAMES)
            competitor.birth_date, competitor.name_consent = date(2010, 5, 1), False
            competitor.skill.championship.starts_on = date(2026, 11, 24)
            competitor.skill.visibility = "live"
            found = competitor.id, competitor.skill.championship_id
        db.session.remove()
        db.engine.dispose()
    return found


def test_a_minors_name_is_short_on_the_projector_until_consent(browser, live_server):
    competitor_id, championship_id = prepare(live_server)
    hall = browser.new_context(viewport={"width": 1920, "height": 1080})
    staff = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        projector = hall.new_page()
        projector.goto(f"{live_server.url}/board/{SKILL}/projector?lang=en")
        row = projector.locator(f'#standings tr[data-competitor="{CODE}"]')
        expect(row).to_be_visible(timeout=10_000)
        expect(row).to_contain_text("Zaitsev S.")
        text = projector.locator("body").inner_text()
        assert "Sergey" not in text and "Zaitsev S." in text
        assert "Sergey Zaitsev" not in projector.content()  # nor in the page's markup

        organizer = staff.new_page()
        log_in(organizer, live_server, add_organizer(live_server))
        organizer.goto(f"{live_server.url}/manage/championships/{championship_id}/competitors")
        expect(organizer.locator("main")).to_contain_text("Sergey Zaitsev")
        expect(organizer.locator("main")).not_to_contain_text("Zaitsev S.")

        organizer.goto(f"{live_server.url}/manage/competitors/{competitor_id}/edit")
        consent = organizer.get_by_label("Consent to show the full name")
        expect(consent).not_to_be_checked()
        consent.check()
        with organizer.expect_navigation():
            organizer.get_by_role("button", name="Save", exact=True).click()
        organizer.goto(f"{live_server.url}/manage/competitors/{competitor_id}/edit")
        expect(organizer.get_by_label("Consent to show the full name")).to_be_checked()

        projector.reload()
        row = projector.locator(f'#standings tr[data-competitor="{CODE}"]')
        expect(row).to_contain_text("Sergey Zaitsev", timeout=10_000)
        assert "Zaitsev S." not in projector.locator("body").inner_text()
    finally:
        hall.close()
        staff.close()
