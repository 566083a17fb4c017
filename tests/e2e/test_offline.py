"""The tablet and the hall screen survive the venue (issue 20, part 5): a service worker
(static/js/sw.js) keeps the page, its files and the skill's data, so that a reload without the
network still shows the grid; a mark entered then waits in the outbox and reaches the server
exactly once when the network is back. Also: the connection line stays in sight while the page
scrolls, and the competitor search above the grid. Real Chromium, real server, real database.

The server is http://127.0.0.1 (a secure context, as https is at a venue), so the worker runs.
"Offline" is the browser context offline (HTTP fails, the worker's network fails too) and the
Socket.IO websocket cut (see test_tablet.Network)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from competition.database import write_transaction
from competition.extensions import db
from competition.models import Championship, Screen

from ..fixtures.browser import log_in
from ..fixtures.databases import make_app
from .test_tablet import (
    ASPECTS,
    IPAD_PORTRAIT,
    JUDGE,
    SUB,
    Network,
    add_expert,
    cell,
    outbox_sizes,
    stored_marks,
    values,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

ROW = "104"
CACHE_PREFIX = "competition-offline"


def cached_urls(page) -> list[str]:
    return page.evaluate("""async () => {
        const urls = [];
        for (const name of await caches.keys()) {
            if (!name.startsWith("competition-offline")) continue;
            const cache = await caches.open(name);
            for (const request of await cache.keys()) urls.push(new URL(request.url).pathname);
        }
        return urls.sort();
    }""")


def wait_until_kept(page, *paths: str) -> None:
    """The worker has taken the page and kept `paths` (what a reload offline needs)."""
    expect(page.locator("html")).to_have_attribute("data-offline", "ready", timeout=15_000)
    missing = list(paths)
    for _ in range(60):
        kept = cached_urls(page)
        missing = [path for path in paths if not any(url.endswith(path) for url in kept)]
        if not missing:
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"not kept: {missing}")


def add_screen(live_server, name: str = "Hall offline") -> str:
    app = make_app(live_server.database_url, live_server.instance)
    with app.app_context():
        with write_transaction() as session:
            championship = session.execute(
                sa.select(Championship).where(Championship.code == "vko-ws-2026")).scalar_one()
            screen = Screen(championship_id=championship.id, name=name)
            session.add(screen)
            session.flush()
            key = screen.key
        db.session.remove()
        db.engine.dispose()
    return key


def test_a_tablet_reloaded_offline_keeps_marking_and_sends_each_mark_once(browser, live_server):
    context = browser.new_context(viewport=IPAD_PORTRAIT, has_touch=True)
    page = context.new_page()
    network = Network(page)
    log_in(page, live_server, add_expert(live_server, JUDGE, "judge-e05"))
    page.goto(live_server.url + f"/judging/10?sub={SUB}")
    status = page.locator("#connection")
    expect(status).to_contain_text("Online")
    wait_until_kept(page, "/judging/10", "/static/js/tablet.js", "/static/js/tablet/store.js",
                    "/static/css/tablet.css", "/api/v1/skills/10", "/api/v1/skills/10/marks",
                    "socket.io.esm.min.js")
    kept = cached_urls(page)
    assert not [url for url in kept if "/socket.io/" in url and "vendor" not in url], kept
    assert not [url for url in kept if url.startswith("/manage")], kept

    # The network goes, and the judge reloads: the page comes from the tablet itself.
    context.set_offline(True)
    network.cut()
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welding")
    expect(status).to_contain_text("Offline", timeout=15_000)
    first = cell(page, ASPECTS[0], ROW)
    expect(first).to_have_attribute("data-state", "empty")

    # A mark entered offline waits in the outbox, and nothing reaches the server.
    first.tap()
    values(page).last.tap()
    expect(first).to_have_attribute("data-state", "waiting")
    expect(status).to_contain_text("1 waiting to be sent")
    assert outbox_sizes(page) == [1]
    assert stored_marks(live_server, ROW) == {}

    # The network is back: the mark is sent, once.
    context.set_offline(False)
    network.restore()
    expect(first).to_have_attribute("data-state", "saved", timeout=20_000)
    expect(status).to_contain_text("every mark saved")
    assert outbox_sizes(page) == [0]
    page.reload()  # and a reload online after it sends nothing again
    expect(cell(page, ASPECTS[0], ROW)).to_have_attribute("data-state", "saved")
    expect(status).to_contain_text("every mark saved")
    assert stored_marks(live_server, ROW) == {ASPECTS[0]: (1, 1)}

    # Logging out forgets what the worker kept for this account.
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    assert cached_urls(page) == []
    context.close()


def test_the_hall_screen_reloads_offline(browser, live_server):
    key = add_screen(live_server)
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="en-US")
    page = context.new_page()
    Network(page)  # keeps the websocket routable; the screen's socket simply drops offline
    page.goto(live_server.url + f"/screen/{key}")
    expect(page.locator("#idle-name")).to_have_text("Screen: Hall offline")
    wait_until_kept(page, f"/screen/{key}", "/static/js/screen.js", "/static/css/screen.css")
    context.set_offline(True)
    page.reload()
    expect(page.locator("#idle-name")).to_have_text("Screen: Hall offline")
    context.close()


def test_the_connection_line_stays_in_sight_and_the_search_finds_a_competitor(browser,
                                                                             live_server):
    context = browser.new_context(viewport={"width": 820, "height": 600}, has_touch=True)
    page = context.new_page()
    log_in(page, live_server, add_expert(live_server, JUDGE, "judge-e05"))
    page.goto(live_server.url + f"/judging/10?sub={SUB}")
    status = page.locator("#connection")
    expect(status).to_contain_text("Online")

    # Scrolled to the bottom of the grid, the connection line is still on the screen.
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_function("window.scrollY > 200")
    box = status.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= 600, box

    # The search: by code, by name; Enter goes to the row's first cell; Escape shows all.
    rows = page.locator("#grid tbody tr[data-competitor]")
    total = rows.count()
    assert total > 5
    search = page.get_by_label("Find a competitor")
    search.fill(ROW)
    expect(page.locator("#grid tbody tr[data-competitor]:visible")).to_have_count(1)
    expect(page.locator("#competitor-search-count")).to_have_text(
        f"1 of {total} competitors shown")
    search.press("Enter")
    expect(cell(page, ASPECTS[0], ROW)).to_be_focused()
    page.keyboard.press("ArrowDown")  # no row below is shown: the focus stays
    expect(cell(page, ASPECTS[0], ROW)).to_be_focused()
    search.fill("no such person")
    expect(page.locator("#grid tbody tr[data-competitor]:visible")).to_have_count(0)
    expect(page.locator("#competitor-search-count")).to_contain_text("No competitor matches")
    search.press("Escape")
    expect(search).to_have_value("")
    expect(page.locator("#grid tbody tr[data-competitor]:visible")).to_have_count(total)
    # The sub-criterion changes: the search keeps its rows.
    search.fill(ROW)
    page.get_by_role("button", name="Next sub-criterion").click()
    expect(page.locator("#grid tbody tr[data-competitor]:visible")).to_have_count(1)
    context.close()


def test_a_tablet_updated_mid_event_moves_its_unsent_marks_to_indexeddb(browser, live_server):
    """An older page kept the outbox in localStorage: the new one moves it into IndexedDB once
    and sends each of its marks once."""
    context = browser.new_context(viewport=IPAD_PORTRAIT, has_touch=True)
    page = context.new_page()
    network = Network(page)
    log_in(page, live_server, add_expert(live_server, JUDGE, "judge-e05"))
    page.goto(live_server.url + f"/judging/10?sub={SUB}")
    expect(page.locator("#connection")).to_contain_text("Online")
    network.cut()
    expect(page.locator("#connection")).to_contain_text("Offline")
    key = page.evaluate("""() => {
        const { config } = JSON.parse(document.getElementById("tablet-data").textContent);
        const key = `competition:outbox:v1:${config.user}:${config.championship}/${config.skill}`;
        localStorage.setItem(key, JSON.stringify([{
            id: "6f1c2a9e-8d4b-4c1e-9a53-0e7d2b1c4f10", cell: "B1.5|105", skill: config.ref,
            competitor: "105", aspect: "B1.5", value: 2, base: 0, follows: false, reason: "",
            device: "tablet old", at: new Date().toISOString(), tried: true}]));
        return key;
    }""")
    page.reload()
    judgement = cell(page, "B1.5", "105")
    expect(judgement).to_have_attribute("data-state", "waiting")
    assert outbox_sizes(page) == [1]
    assert page.evaluate("(key) => localStorage.getItem(key)", key) is None
    assert stored_marks(live_server, "105") == {}

    network.restore()
    expect(judgement).to_have_attribute("data-state", "saved", timeout=20_000)
    assert outbox_sizes(page) == [0]
    page.reload()
    expect(cell(page, "B1.5", "105")).to_have_attribute("data-state", "saved")
    assert stored_marks(live_server, "105") == {"B1.5": (1, 1)}
    context.close()
