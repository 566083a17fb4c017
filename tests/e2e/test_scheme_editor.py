"""The marking scheme editor in a real browser: the sums follow the maxima as they are typed
(announced to screen readers), the aspect form shows its M or J part, and a reorder done with
the keyboard leaves the focus on the button pressed."""

from __future__ import annotations

import re

import pytest

from ..fixtures.browser import add_organizer, log_in

pytestmark = pytest.mark.browser






def open_welding(page, live_server) -> None:
    page.goto(live_server.url + "/manage/schemes")
    with page.expect_navigation():
        page.get_by_role("link", name="Welding").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Marking scheme: 10")


def criterion_sum(page, code: str) -> str:
    section = page.locator(f"section.criterion[data-code='{code}']")
    return section.locator("output[data-criterion-sum]").inner_text()


def test_sums_follow_the_maxima_as_they_are_typed_and_the_warning_appears(page, live_server):
    log_in(page, live_server, add_organizer(live_server))
    open_welding(page, live_server)
    total = page.locator("#scheme-total")
    warning = page.locator("#total-warning")
    assert total.inner_text() == "100.00"
    assert not warning.is_visible()
    a_sum = criterion_sum(page, "A")

    field = page.get_by_label("Maximum of A1.2")
    field.fill("1,75")  # a decimal comma, as typed in Russian
    assert total.inner_text() == "100.75"
    assert criterion_sum(page, "A") != a_sum
    assert warning.is_visible()
    assert "100.75, not 100.00" in warning.inner_text()
    # the screen reader hears the result once typing pauses
    page.wait_for_function(
        "document.getElementById('sums-live').textContent.includes('Scheme total: 100.75')")

    field.fill("1.00")
    assert total.inner_text() == "100.00"
    assert not warning.is_visible()

    field.fill("1.25")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the maxima").click()
    assert page.locator("#scheme-total").inner_text() == "100.25"  # now from the server
    assert page.get_by_text("Maxima saved: A1.2.").is_visible()
    assert page.locator("#total-warning").is_visible()


def test_the_aspect_form_shows_sums_and_its_measurement_or_judgement_part(page, live_server):
    log_in(page, live_server, add_organizer(live_server))
    open_welding(page, live_server)
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile(r"^Edit A1\.2$")).click()
    panel = page.get_by_role("complementary", name="Sums with this maximum")
    assert panel.locator("#scheme-total").inner_text() == "100.00"
    page.get_by_label("Maximum mark").fill("3")
    assert panel.locator("#scheme-total").inner_text() == "102.00"
    assert panel.locator("#total-warning").is_visible()

    values = page.get_by_label("Allowed marks (measurement only)")
    descriptors = page.get_by_role("group", name="Judgement descriptors (judgement only)")
    assert values.is_visible() and not descriptors.is_visible()
    page.get_by_label("Judgement (J)").check()
    assert descriptors.is_visible() and not values.is_visible()


def test_reorder_with_the_keyboard_keeps_the_focus_on_the_button(page, live_server):
    log_in(page, live_server, add_organizer(live_server))
    open_welding(page, live_server)
    first_rows = page.locator("table.aspects").first.locator("tbody th[scope=row]")
    assert first_rows.nth(1).inner_text().startswith("A1.2")
    button = page.get_by_role("button", name="Move A1.2 up")
    button.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    first_rows = page.locator("table.aspects").first.locator("tbody th[scope=row]")
    assert first_rows.nth(0).inner_text().startswith("A1.2")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert "Move A1.2 up" in focused
    assert page.get_by_text("A1.2 moved up.").is_visible()
