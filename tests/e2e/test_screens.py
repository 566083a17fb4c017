"""The hall's screens in a real browser: a hall screen in one browser, the organizer's control
page in another. A message reaches the screen within 2 s; a ceremony reveals one competitor per
click of "Next"; the screen survives the server restarting (it reconnects, joins again and keeps
following). Real Chromium, real server, real database."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from competition.extensions import db
from competition.models import Competitor, Skill

from ..board.test_screens import mark_final, set_visibility
from ..fixtures.browser import add_organizer, log_in
from ..fixtures.databases import make_app
from ..fixtures.servers import start_server, stop_server
from ..fixtures.services import need
from .test_accessibility import AXE, blocking, violations

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]
HALL = {"width": 1280, "height": 720}


def publish_welding(live_server) -> list[str]:
    """Skill 10 marked to the end and published in the server's database; returns its ranked
    competitors' English names from the last place up."""
    app = make_app(live_server.database_url, live_server.instance)
    with app.app_context():
        mark_final("10")
        set_visibility("10", "published")
        # mark_final gives competitor i (by code) more than competitor i - 1: the last place is
        # the first active competitor by code.
        names = db.session.execute(
            sa.select(Competitor.name_en).join(Skill)
            .where(Skill.code == "10", Competitor.status == "active")
            .order_by(Competitor.code)).scalars().all()
        db.session.remove()
        db.engine.dispose()
    return names


@pytest.fixture
def axe() -> str:
    need("axe-core", AXE.exists(), f"{AXE} (cd tests/e2e && npm ci)")
    return AXE


@pytest.fixture
def two_browsers(browser):
    # bypass_csp: axe-core is injected as an inline script (the app's CSP forbids one)
    contexts = [browser.new_context(viewport=HALL, locale="en-US", bypass_csp=True)
                for _ in range(2)]
    yield [context.new_page() for context in contexts]
    for context in contexts:
        context.close()


def test_an_organizer_drives_a_hall_screen(live_server, two_browsers, tmp_path):
    order = publish_welding(live_server)
    control, screen = two_browsers
    log_in(control, live_server, add_organizer(live_server))

    control.goto(live_server.url + "/board/screens")
    adding = control.get_by_role("region", name="Add a screen")
    adding.get_by_label("Screen name").fill("Hall A")
    with control.expect_navigation():
        adding.get_by_role("button", name="Add the screen").click()
    panel = control.get_by_role("region", name="Hall A")
    address = panel.get_by_role("link", name="/screen/").get_attribute("href")

    screen.goto(address)
    expect(screen.locator("#idle-name")).to_have_text("Screen: Hall A")
    expect(control.locator("#control-status")).to_contain_text("Live")

    # A message: on the screen within 2 s of the click.
    panel.get_by_label("Message in English").fill("Lunch break until 14:00")
    panel.get_by_label("Message in Russian").fill("Обед до 14:00")
    started = time.monotonic()
    panel.get_by_role("button", name="Show this message").click()
    expect(screen.locator("#message .text.first")).to_have_text("Lunch break until 14:00",
                                                                timeout=2000)
    elapsed = time.monotonic() - started
    print(f"the message reached the screen {elapsed:.3f} s after the click")
    assert elapsed < 2.0, elapsed
    screen.screenshot(path=str(tmp_path / "message.png"))
    expect(screen.locator("#message [lang=ru]")).to_have_text("Обед до 14:00")
    panel = control.get_by_role("region", name="Hall A")
    expect(panel.locator("[data-now]")).to_have_text("Message: Lunch break until 14:00")

    # The ceremony, from the last place up: one competitor per click, nothing beyond.
    panel.get_by_label("Published skill").select_option(label="10 Welding")
    panel.get_by_label("From the last place up").check()
    with control.expect_navigation():
        panel.get_by_role("button", name="Start the ceremony").click()
    panel = control.get_by_role("region", name="Hall A")
    expect(screen.locator("#ceremony-title")).to_have_text("Welding")
    expect(screen.locator("#spotlight")).to_have_text("The ceremony begins")
    next_button = panel.get_by_role("button", name="Next")
    expect(panel.locator("[data-next]")).to_contain_text(order[0])  # the organizer sees it…

    assert order[0] not in screen.content()  # …the screen does not

    next_button.click()
    expect(screen.locator("#spotlight .name")).to_have_text(order[0], timeout=2000)
    expect(screen.locator("#spotlight .place")).to_contain_text(f"Place {len(order)}")
    expect(panel.locator("[data-step]")).to_have_text(f"1 of {len(order)} revealed")
    assert order[1] not in screen.content()

    next_button.click()
    expect(screen.locator("#spotlight .name")).to_have_text(order[1], timeout=2000)
    expect(screen.locator("#revealed .name")).to_have_text([order[0]])
    assert order[2] not in screen.content()
    expect(panel.locator("[data-next]")).to_contain_text(order[2])

    # The server restarts: the screen says so, reconnects, joins again and follows on.
    port = int(live_server.url.rsplit(":", 1)[1])
    stop_server(live_server)
    expect(screen.locator("#connection")).to_have_text("Reconnecting…", timeout=10000)
    restarted = start_server(live_server.instance,
                             live_server.database_url, port=port)
    try:
        expect(screen.locator("#connection")).to_be_empty(timeout=15000)
        expect(screen.locator("#spotlight .name")).to_have_text(order[1])
        next_button.click()
        expect(screen.locator("#spotlight .name")).to_have_text(order[2], timeout=5000)
        expect(screen.locator("#revealed .name")).to_have_text([order[1], order[0]])
        screen.screenshot(path=str(tmp_path / "ceremony.png"))
        control.screenshot(path=str(tmp_path / "control.png"), full_page=True)

        # "Back" hides the last one again.
        panel.get_by_role("button", name="Back").click()
        expect(screen.locator("#spotlight .name")).to_have_text(order[1], timeout=2000)
        assert order[2] not in screen.content()
    finally:
        stop_server(restarted)


def test_a_screen_shows_a_skill_in_a_frame_and_follows_the_language(live_server, two_browsers):
    control, screen = two_browsers
    log_in(control, live_server, add_organizer(live_server))
    control.goto(live_server.url + "/board/screens")
    adding = control.get_by_role("region", name="Add a screen")
    adding.get_by_label("Screen name").fill("Side")
    with control.expect_navigation():
        adding.get_by_role("button", name="Add the screen").click()
    panel = control.get_by_role("region", name="Side")
    address = panel.get_by_role("link", name="/screen/").get_attribute("href")
    screen.goto(live_server.url + "/lang/kk")
    screen.goto(address)

    panel.get_by_label("Skill", exact=True).select_option(label="10 Welding")
    panel.get_by_role("button", name="Show this skill").click()
    frame = screen.locator("iframe.screen-frame:not([hidden]):not(.loading)")
    expect(frame).to_have_count(1, timeout=5000)
    assert frame.get_attribute("src").startswith("/board/10/projector?lang=kk")
    assert frame.get_attribute("title")  # named for screen readers
    expect(screen.frame_locator("iframe.screen-frame:not([hidden]):not(.loading)")
           .locator("h1")).to_have_text("Дәнекерлеу технологиялары")


def test_the_control_page_and_the_screen_pass_axe(live_server, two_browsers, axe):
    order = publish_welding(live_server)
    control, screen = two_browsers
    log_in(control, live_server, add_organizer(live_server))
    control.goto(live_server.url + "/lang/ru")
    control.goto(live_server.url + "/board/screens")
    control.locator("#new-name").fill("Зал")
    with control.expect_navigation():
        control.locator(".new-screen button[type=submit]").click()
    panel = control.locator(".screen-panel").first
    screen.goto(live_server.url + "/lang/kk")
    screen.goto(panel.locator(".screen-address a").get_attribute("href"))
    expect(screen.locator("#idle-name")).to_have_text("Экран: Зал")
    assert blocking(violations(screen, axe)) == []

    panel.locator("select[id$=ceremony-skill]").select_option(label="10 Сварочные технологии")
    with control.expect_navigation():
        panel.locator("form[action$='/ceremony'] button[type=submit]").click()
    control.locator("button[data-direction=next]").click()
    expect(screen.locator("#spotlight .name")).to_have_text(
        _kazakh_name(live_server, order[0]), timeout=2000)
    assert blocking(violations(screen, axe)) == []
    assert blocking(violations(control, axe)) == []


def _kazakh_name(live_server, english: str) -> str:
    app = make_app(live_server.database_url, live_server.instance)
    with app.app_context():
        name = db.session.execute(sa.select(Competitor.name_kk)
                                  .where(Competitor.name_en == english)).scalar_one()
        db.session.remove()
        db.engine.dispose()
    return name
