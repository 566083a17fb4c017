"""An organizer on a tablet-sized Chromium sets a championship up through the pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.access import make_role_users
from tests.fixtures.databases import make_app

pytestmark = pytest.mark.browser


@pytest.fixture
def tablet(browser, live_server):
    app = make_app(live_server.database_url, live_server.instance)
    make_role_users(app)  # as-organizer / password-for-tests
    context = browser.new_context(viewport={"width": 768, "height": 1024}, locale="en",
                                  extra_http_headers={"Accept-Language": "en"})
    page = context.new_page()
    page.goto(live_server.url + "/login")
    page.get_by_label("Login").fill("as-organizer")
    page.get_by_label("Password").fill("password-for-tests")
    page.get_by_role("button", name="Log in").click()
    yield page
    context.close()


def test_new_abilympics_championship_and_a_skill(tablet, live_server):
    page = tablet
    page.goto(live_server.url + "/manage/")
    page.get_by_role("link", name="New championship").click()
    page.get_by_label("Code", exact=True).fill("abil-2027")
    page.get_by_label("Name (Kazakh)").fill("Абилимпикс 2027")
    # choosing Abilympics fills the three categories and says so to screen readers
    page.get_by_label("Kind").select_option("abilympics")
    assert page.get_by_label("Categories").input_value() == \
        "schoolchildren, students, specialists"
    status = page.locator("#policy-status")
    status.get_by_text("The Abilympics categories are filled in.").wait_for()
    assert status.get_attribute("aria-live") == "polite"
    # a changed policy comes back to the WorldSkills defaults in one click
    page.get_by_label("Scale").select_option("ws700")
    page.get_by_label("Bronze: minimum competitors").fill("6")
    page.get_by_role("button", name="Reset to the WorldSkills defaults").click()
    assert page.get_by_label("Scale").input_value() == "raw"
    assert page.get_by_label("Bronze: minimum competitors").input_value() == "1"
    page.get_by_role("button", name="Save").click()

    assert page.get_by_role("heading", level=1).inner_text().startswith("Абилимпикс 2027")
    assert page.get_by_text("schoolchildren, students, specialists").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 768

    page.get_by_role("link", name="Add a skill").click()
    page.get_by_label("Code", exact=True).fill("A03")
    page.get_by_label("Name (Russian)").fill("Кондитерское дело")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("rowheader", name="A03")).to_be_visible()
    page.get_by_role("link", name="Add competitor A03").click()
    page.get_by_label("Code", exact=True).fill("301")
    page.get_by_label("Name or team name (Russian)").fill("Айгерим Бекова")
    page.get_by_label("Category").select_option("students")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("rowheader", name="301")).to_be_visible()
    expect(page.get_by_text("Found: 1")).to_be_visible()
