"""Aspect kinds on a real tablet page (docs/scheme.md): a deduction aspect is a count of errors
with − / + and the sum shown, and sends max − n × step; levels and yes/no are labelled
buttons. Real Chromium, real server, real database."""

from __future__ import annotations

import re
import sqlite3
from decimal import Decimal

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from competition.extensions import db
from competition.models import Aspect, Skill
from competition.registry.scheme import editing
from competition.registry.scheme.reading import aspect_input

from ..fixtures.browser import log_in
from ..fixtures.databases import make_app
from .test_tablet import IPAD_PORTRAIT, JUDGE, ONLINE_ROW, add_expert, cell

pytestmark = pytest.mark.browser


def set_kinds(live_server) -> dict[str, Decimal]:
    """B1.1 a deduction of 0.25 per error, B1.2 yes/no, B1.3 three levels; their maxima."""
    app = make_app(live_server.database_url, live_server.instance)
    maxima = {}
    with app.app_context():
        for code, kind in (("B1.1", "deduction"), ("B1.2", "binary"), ("B1.3", "discrete")):
            item = db.session.execute(sa.select(Aspect).join(Skill).where(
                Skill.code == "10", Aspect.code == code)).scalar_one()
            data = aspect_input(item)
            data.kind, data.values = kind, None
            top = Decimal(item.max)
            data.kind_params = {
                "deduction": {"step": "0.25", "floor": "0"},
                "binary": None,
                "discrete": {"levels": [
                    {"value": "0", "label": {"en": "not done"}},
                    {"value": str(top / 2), "label": {"en": "half done"}},
                    {"value": str(top), "label": {"en": "all done"}}]},
            }[kind]
            editing.update_aspect(item.skill_id, item.id, data)
            maxima[code] = top.quantize(Decimal("0.01"))
        db.session.remove()
        db.engine.dispose()
    return maxima


def stored(live_server, aspect: str) -> Decimal | None:
    with sqlite3.connect(live_server.instance / "competition.db") as connection:
        row = connection.execute(
            """SELECT mark.value FROM mark JOIN aspect ON aspect.id = mark.aspect_id
               JOIN competitor ON competitor.id = mark.competitor_id
               JOIN skill ON skill.id = mark.skill_id
               WHERE skill.code = '10' AND competitor.code = ? AND aspect.code = ?""",
            (ONLINE_ROW, aspect)).fetchone()
    return None if row is None else Decimal(str(row[0])).quantize(Decimal("0.01"))


def test_deduction_levels_and_yes_no_on_the_tablet(browser, live_server):
    maxima = set_kinds(live_server)
    context = browser.new_context(viewport=IPAD_PORTRAIT, has_touch=True)
    page = context.new_page()
    log_in(page, live_server, add_expert(live_server, JUDGE, "judge-e05"))
    page.get_by_role("link", name="Marking").click()
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile("Welding")).click()
    page.get_by_label("Sub-criterion", exact=True).select_option("B1")
    expect(page.locator("#connection")).to_contain_text("Online")

    cell(page, "B1.1", ONLINE_ROW).tap()
    top = maxima["B1.1"]
    more = page.get_by_role("button", name="One error more")
    more.tap()
    more.tap()
    more.tap()
    page.get_by_role("button", name="One error fewer").tap()
    mark = top - 2 * Decimal("0.25")
    expect(page.locator("#errors-result")).to_have_text(f"{top} − 2 × 0.25 = {mark}")
    page.get_by_role("spinbutton", name="Errors").fill("3")  # typed too
    mark = top - 3 * Decimal("0.25")
    expect(page.locator("#errors-result")).to_have_text(f"{top} − 3 × 0.25 = {mark}")
    # Enter gives the mark; the panel moves on
    page.get_by_role("spinbutton", name="Errors").press("Enter")

    expect(page.locator("#panel-title")).to_have_text(f"B1.2 · competitor {ONLINE_ROW}")
    page.get_by_role("button", name=re.compile(r"^0\.00: No \(0\)")).tap()

    expect(page.locator("#panel-title")).to_have_text(f"B1.3 · competitor {ONLINE_ROW}")
    page.get_by_role("button", name=re.compile("half done")).tap()

    expect(cell(page, "B1.3", ONLINE_ROW)).to_have_attribute("data-state", "saved")
    assert stored(live_server, "B1.1") == mark
    assert stored(live_server, "B1.2") == Decimal("0.00")
    assert stored(live_server, "B1.3") == (maxima["B1.3"] / 2).quantize(Decimal("0.01"))
    context.close()
