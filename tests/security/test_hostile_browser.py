"""Hostile names in a real browser: the projector and the expert's tablet build their tables in
JavaScript from the board's snapshot (static/js/projector.js, tablet.js use textContent, never
innerHTML with data). With payload names, no dialog opens, no injected element appears, and the
names show as the text typed. Real Chromium, real server.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from competition.database import write_transaction
from competition.extensions import db
from competition.models import Competitor, Organization, Skill
from tests.fixtures.browser import add_organizer, log_in
from tests.fixtures.databases import make_app
from tests.marking import enter_marks

from .hostile import PAYLOADS

pytestmark = pytest.mark.browser

SKILL = "10"
# competitor code -> the payload typed as their name (in every language)
NAMED = {"101": PAYLOADS["script"], "102": PAYLOADS["attribute"], "103": PAYLOADS["markup"],
         "104": PAYLOADS["emoji"], "105": PAYLOADS["kazakh"]}
ORGANIZATION = "<img src=x onerror=alert('org')>"
SKILL_NAME = "<svg onload=alert('skill')> {{7*7}}"


def name_everyone(live_server) -> None:
    app = make_app(live_server.database_url, live_server.instance)
    with app.app_context():
        with write_transaction() as session:
            skill = session.execute(sa.select(Skill).where(Skill.code == SKILL)).scalar_one()
            skill.name_ru = skill.name_kk = skill.name_en = SKILL_NAME
            for code, name in NAMED.items():
                competitor = session.execute(sa.select(Competitor).where(
                    Competitor.skill_id == skill.id, Competitor.code == code)).scalar_one()
                competitor.name_ru = competitor.name_kk = competitor.name_en = name
                if code == "101":
                    organization = session.get(Organization, competitor.organization_id)
                    organization.name_ru = organization.name_kk = ORGANIZATION
                    organization.name_en = ORGANIZATION
        enter_marks(SKILL, seed=5, fill=0.3)
        db.session.remove()
        db.engine.dispose()


def watch(page) -> list[str]:
    """Every dialog and page error (an alert() a payload managed to run)."""
    seen: list[str] = []
    page.on("dialog", lambda dialog: (seen.append(f"dialog {dialog.message}"), dialog.dismiss()))
    page.on("pageerror", lambda error: seen.append(f"error {error}"))
    return seen


def assert_inert(page) -> None:
    """No element a payload could have injected."""
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("svg[onload]").count() == 0
    assert page.locator("b", has_text="bold").count() == 0
    # scripts that run (the page's data travels in <script type="application/json">)
    assert page.evaluate("[...document.scripts].filter(s => s.type !== 'application/json'"
                         " && s.text.includes('alert')).length") == 0


def test_the_projector_and_the_tablet_show_hostile_names_as_text(browser, live_server):
    name_everyone(live_server)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    seen = watch(page)
    try:
        page.goto(f"{live_server.url}/board/{SKILL}/projector?lang=en")
        row = page.locator('#standings tr[data-competitor="101"]')
        expect(row).to_be_visible(timeout=10_000)
        for code, name in NAMED.items():
            expect(page.locator(f'#standings tr[data-competitor="{code}"] th.name')) \
                .to_have_text(name)
        expect(row.locator("td.organization")).to_have_text(ORGANIZATION)
        expect(page.locator("#skill-name")).to_have_text(SKILL_NAME)
        assert_inert(page)

        log_in(page, live_server, add_organizer(live_server))
        page.goto(f"{live_server.url}/judging/{SKILL}")
        names = page.locator(".competitor-name")
        expect(names.first).to_be_visible(timeout=10_000)
        shown = names.all_text_contents()
        for code, name in NAMED.items():
            assert f"{code} {name}" in shown, (code, shown[:6])
        assert_inert(page)

        page.goto(f"{live_server.url}/judging/{SKILL}/chief")
        expect(page.get_by_text(NAMED["101"], exact=False).first).to_be_visible()
        assert_inert(page)
    finally:
        context.close()
    assert seen == []
