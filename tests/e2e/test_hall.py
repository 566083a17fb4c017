"""Two browsers, as at the venue: a judge's tablet and the hall's projector. A mark tapped on
the tablet is on the projector within 2 s."""

from __future__ import annotations

import re
import time
from decimal import Decimal

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from competition.extensions import db
from competition.models import Aspect
from competition.models.scheme import SubCriterion

from ..fixtures.browser import log_in
from ..judging.panel import PASSWORD
from .test_projector import SKILL, close, prepare, row, server_app

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def test_a_mark_tapped_on_a_tablet_reaches_the_projector_within_two_seconds(browser,
                                                                            live_server):
    cell = prepare(live_server)
    panel = cell.panel
    app = server_app(live_server)
    with app.app_context():
        sub = db.session.execute(
            sa.select(SubCriterion.code).join(Aspect, Aspect.sub_criterion_id == SubCriterion.id)
            .where(Aspect.code == panel.m_aspect)).scalars().first()
    close(app)

    hall = browser.new_context(viewport={"width": 1280, "height": 720})
    tablet = browser.new_context(viewport={"width": 820, "height": 1180}, has_touch=True)
    try:
        projector = hall.new_page()
        projector.goto(f"{live_server.url}/board/{SKILL}/projector?lang=en")
        mine = row(projector, panel.competitor)
        expect(mine).to_be_visible(timeout=10_000)
        before = mine.locator(".score").inner_text()

        judge = tablet.new_page()
        log_in(judge, live_server, f"judge-{panel.codes[0].lower()}", PASSWORD)
        judge.goto(f"{live_server.url}/judging/{SKILL}?sub={sub}")
        expect(judge.locator("#connection")).to_contain_text("Online", timeout=10_000)
        target = judge.get_by_role("button", name=re.compile(
            rf"^{re.escape(panel.m_aspect)}, competitor {panel.competitor} "))
        expect(target).to_have_attribute("data-state", "saved")
        target.tap()
        choices = judge.get_by_role("group", name="Choose the mark").get_by_role("button")
        expect(choices.first).to_be_visible()
        # An allowed value other than the one there now (the panel's last value is the max).
        other = 0 if Decimal(cell.value) == Decimal(panel.m_values[-1]) else -1
        tapped = time.monotonic()
        choices.nth(other).tap()
        expect(mine.locator(".score")).not_to_have_text(before, timeout=2_000)
        assert time.monotonic() - tapped < 2.0
        expect(target).to_have_attribute("data-state", "saved")
    finally:
        tablet.close()
        hall.close()
