"""The README's screenshot tour (issue 23), in two more languages than the other screenshots:
the chief expert's screen in English (a 1280-px laptop) and a participant's page on a 390-px
phone in Kazakh, each checked for what it must show. `make screenshots` writes them to
docs/screenshots/; otherwise they go to the test's temporary folder."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from competition.database import write_transaction
from competition.extensions import db
from competition.models import Competitor, Skill
from tests.marking import enter_marks

from ..fixtures.browser import add_organizer, log_in
from ..fixtures.databases import make_app
from .test_home import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def _prepare(live_server) -> str:
    """Skill 10 marked to the end and published; a competitor's results code."""
    app = make_app(live_server.database_url, live_server.instance)
    with app.app_context():
        enter_marks("10", seed=1)
        with write_transaction() as session:
            session.execute(sa.update(Skill).where(Skill.code == "10")
                            .values(visibility="live"))
        code = db.session.execute(sa.select(Competitor.results_code).join(Skill).where(
            Skill.code == "10").order_by(Competitor.code).limit(1)).scalar_one()
        db.session.remove()
        db.engine.dispose()
    return code


def test_tour_chief_screen_in_english_and_participant_phone_in_kazakh(browser, live_server,
                                                                     tmp_path):
    code = _prepare(live_server)
    laptop = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = laptop.new_page()
        log_in(page, live_server, add_organizer(live_server))
        page.goto(live_server.url + "/judging/10/chief")
        page.get_by_role("heading", name="Sub-criteria and sign-off").wait_for()
        assert page.get_by_role("table").first.is_visible()
        assert screenshot(page, "chief", tmp_path).stat().st_size > 20_000
    finally:
        laptop.close()
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True, device_scale_factor=2)
    try:
        page = phone.new_page()
        page.goto(live_server.url + "/lang/kk")
        page.goto(f"{live_server.url}/me/{code}")
        assert page.locator("html").get_attribute("lang") == "kk"
        page.get_by_role("heading", level=1).wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert screenshot(page, "participant-phone", tmp_path).stat().st_size > 20_000
    finally:
        phone.close()
