"""An organizer imports a competitor file in a real browser: upload, preview, confirm, result."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..fixtures.browser import add_organizer, log_in

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "fixtures" / "imports"

pytestmark = pytest.mark.browser






def test_an_organizer_imports_competitors_and_sees_the_preview_and_the_result(
        page, live_server):
    log_in(page, live_server, add_organizer(live_server))
    page.goto(live_server.url + "/manage/import")
    assert page.get_by_role("heading", level=1).inner_text() == "Import and export"

    form = page.get_by_role("region", name="Import a file")
    form.get_by_label("What the file holds").select_option("organizations")
    assert not form.get_by_label("Skill", exact=True).is_visible()  # not needed for these
    form.get_by_label("What the file holds").select_option("competitors")
    form.get_by_label("Championship", exact=True).select_option("vko-ws-2026")
    skill = form.get_by_label("Skill", exact=True)
    assert skill.is_visible()
    # only the chosen championship's skills are offered
    assert page.locator("#skill option[value='vko-abilympics-2026/A01']").is_disabled()
    skill.select_option("vko-ws-2026/10")
    form.get_by_label("File (.xlsx or .csv)").set_input_files(
        str(SAMPLES / "competitors-10.xlsx"))
    form.get_by_role("button", name="Check the file").click()

    page.wait_for_url("**/manage/import/preview")
    assert page.get_by_role("heading", level=1).inner_text() == "Preview of the import"
    summary = page.get_by_role("status").first.inner_text()
    assert "create 3" in summary and "update 1" in summary
    table = page.get_by_role("table", name="What each row of the file will do")
    assert table.get_by_role("rowheader", name="201").is_visible()
    assert "Аслан Нурпеисов" in table.inner_text()

    # keyboard: the Import button is reachable and pressing it imports
    page.get_by_role("button", name="Import", exact=True).focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/manage/import/result/*")
    assert page.get_by_role("heading", level=1).inner_text() == "Import finished"
    result = page.get_by_role("status").first.inner_text()
    assert "created: 3" in result and "updated: 1" in result

    page.get_by_role("link", name="Open the list").click()
    page.wait_for_load_state()
    assert "Aslan Nurpeissov" in page.locator("main").inner_text()


def test_a_bad_file_shows_every_error_and_imports_nothing(page, live_server):
    log_in(page, live_server, add_organizer(live_server))
    page.goto(live_server.url + "/manage/import")
    form = page.get_by_role("region", name="Import a file")
    form.get_by_label("What the file holds").select_option("competitors")
    form.get_by_label("Championship", exact=True).select_option("vko-ws-2026")
    form.get_by_label("Skill", exact=True).select_option("vko-ws-2026/10")
    form.get_by_label("File (.xlsx or .csv)").set_input_files(
        str(SAMPLES / "bad-unknown-organization.xlsx"))
    form.get_by_role("button", name="Check the file").click()
    page.wait_for_url("**/manage/import/preview")
    assert "Nothing was imported" in page.get_by_role("alert").inner_text()
    errors = page.get_by_role("table", name="Errors by sheet, row and column")
    assert "NOSUCH" in errors.inner_text()
    assert page.get_by_role("button", name="Import", exact=True).count() == 0


def test_a_failed_export_shows_its_error_beside_the_form_with_the_focus(page, live_server):
    log_in(page, live_server, add_organizer(live_server))
    page.goto(live_server.url + "/manage/import")
    page.set_viewport_size({"width": 1280, "height": 700})
    page.locator("#export-kind").select_option("competitors")
    page.locator("#export-skill").select_option("")  # no skill chosen
    page.get_by_role("button", name="Download the list").click()
    page.wait_for_url("**/manage/import/export?**#export")
    problem = page.locator("#export-problem")
    assert problem.get_attribute("role") == "alert"
    assert "not exported" in problem.inner_text()
    page.wait_for_function("document.activeElement.id === 'export-problem'", timeout=5000)
    assert page.locator("#export-skill-error").is_visible()
    box = problem.bounding_box()
    assert 0 <= box["y"] < 700, box  # in view, not at the bottom of a page opened at its top
