"""A real browser (Debian's Chromium via Playwright) on the real server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.browser


def screenshot(page, name: str, tmp_path: Path) -> Path:
    """README screenshots are regenerated with `make screenshots` (UPDATE_SCREENSHOTS=1);
    otherwise they go to the test's temporary folder and the tree stays clean."""
    folder = ROOT / "docs" / "screenshots" if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def test_home_page_in_russian_and_kazakh(page, live_server, tmp_path):
    page.goto(live_server.url + "/lang/ru")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.get_by_role("heading", level=1).inner_text() == "Чемпионаты"
    assert page.get_by_role("columnheader", name="Конкурсанты").first.is_visible()
    assert page.get_by_role("rowheader", name="Сварочные технологии").is_visible()

    # Switch language with the keyboard, as a screen-reader user would.
    page.get_by_role("link", name="Қазақша").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "kk"
    assert page.get_by_role("heading", level=1).inner_text() == "Чемпионаттар"
    assert page.get_by_role("columnheader", name="Қатысушылар").first.is_visible()
    assert page.get_by_role("link", name="Қазақша").get_attribute("aria-current") == "true"
    assert screenshot(page, "home", tmp_path).stat().st_size > 10_000


def test_skip_link_is_first_and_reaches_main(page, live_server):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_no_request_leaves_the_server(page, live_server):
    outside: list[str] = []
    page.on("request", lambda request: None if request.url.startswith(live_server.url)
            else outside.append(request.url))
    page.goto(live_server.url + "/")
    page.goto(live_server.url + "/login")
    assert outside == []
