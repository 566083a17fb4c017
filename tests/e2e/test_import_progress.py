"""The import shows a real progress bar, pushed over Socket.IO, in a real browser."""

from __future__ import annotations

import json

import pytest

from ..fixtures.browser import add_organizer, log_in
from ..registry.test_import_progress import competitors_xlsx

pytestmark = pytest.mark.browser

# Every value the page's <progress> bars take, kept in sessionStorage across the navigation.
RECORD_PROGRESS = """
new MutationObserver((mutations) => {
  for (const m of mutations) {
    const bar = m.target;
    if (bar.tagName !== "PROGRESS" || !bar.hasAttribute("value")) continue;
    const seen = JSON.parse(sessionStorage.getItem("progress-seen") || "[]");
    seen.push([Number(bar.getAttribute("value")), Number(bar.getAttribute("max")),
               bar.parentElement.textContent]);
    sessionStorage.setItem("progress-seen", JSON.stringify(seen));
  }
}).observe(document, { subtree: true, attributes: true, attributeFilter: ["value", "max"] });
"""


def seen(page) -> list:
    values = json.loads(page.evaluate("sessionStorage.getItem('progress-seen') || '[]'"))
    page.evaluate("sessionStorage.removeItem('progress-seen')")
    return values


def test_the_preview_and_the_import_show_a_progress_bar(page, live_server, tmp_path):
    big = tmp_path / "competitors-1500.xlsx"
    big.write_bytes(competitors_xlsx(1500))
    page.add_init_script(RECORD_PROGRESS)
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    log_in(page, live_server, add_organizer(live_server))
    page.goto(live_server.url + "/manage/import")

    form = page.get_by_role("region", name="Import a file")
    form.get_by_label("What the file holds").select_option("competitors")
    form.get_by_label("Championship", exact=True).select_option("vko-ws-2026")
    form.get_by_label("Skill", exact=True).select_option("vko-ws-2026/10")
    form.get_by_label("File (.xlsx or .csv)").set_input_files(str(big))
    form.get_by_role("button", name="Check the file").click()
    page.wait_for_url("**/manage/import/preview", timeout=60_000)
    assert "create 1500" in page.get_by_role("status").first.inner_text()

    values = seen(page)
    assert any(0 < value < top == 1500 for value, top, _text in values), values
    assert any("Checking competitors:" in text and "of 1,500" in text
               for _value, _top, text in values), values

    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url("**/manage/import/result/*", timeout=60_000)
    assert "created: 1500" in page.get_by_role("status").first.inner_text()
    values = seen(page)
    assert any(0 < value < top for value, top, _text in values), values
    assert not [url for url in failed if "/static/vendor/" in url], failed  # served here
