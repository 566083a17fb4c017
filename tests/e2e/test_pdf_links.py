"""PDF sheets show that they are being printed (issue 23): a click on a sheet's link says so at
once (role=status, a progress bar), a second click does not ask the server again, the PDF is
saved under the server's file name, and a refusal is said beside the link."""

from __future__ import annotations

import pytest

from ..fixtures.browser import add_organizer, log_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def test_a_sheet_link_shows_its_work_and_prints_once(browser, live_server, tmp_path):
    organizer = add_organizer(live_server)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    page = context.new_page()
    log_in(page, live_server, organizer)
    page.goto(live_server.url + "/manage/")
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url)
            if request.url.endswith("medals.pdf") else None)
    link = page.locator("a[data-pdf][href$='medals.pdf']").first
    with page.expect_download(timeout=60_000) as download:
        link.click()
        link.click()  # people click twice when nothing seems to happen
        note = page.locator(".pdf-note").first
        assert note.get_attribute("role") == "status"
    saved = download.value
    assert saved.suggested_filename.endswith(".pdf")
    path = tmp_path / saved.suggested_filename
    saved.save_as(path)
    assert path.read_bytes()[:4] == b"%PDF"
    assert len(asked) == 1, asked
    page.get_by_text("The PDF is ready").first.wait_for()
    assert link.get_attribute("aria-busy") is None
    # a sheet the server refuses (here: a skill that does not exist): said beside the link
    broken = page.locator("a[data-pdf][href$='results.pdf']").first
    broken.evaluate("(a) => { a.href = '/manage/sheets/skills/NO-SUCH-SKILL/results.pdf'; }")
    broken.click()
    alert = page.locator(".pdf-note[role=alert]").first
    alert.wait_for()
    assert alert.inner_text().strip()
    context.close()
