"""A clean console and a clean log (issue 23): pages with live connections, opened, reloaded
and closed in a real browser (some before their sockets have joined), leave no warning in the
browser's console (no unknown Permissions-Policy feature) and no ERROR line in the server's
log; errors in the log must mean errors."""

from __future__ import annotations

import re
import time

import pytest

from ..fixtures.browser import add_organizer, log_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

PAGES = ["/", "/board/10/projector", "/results", "/judging/10", "/judging/10/chief",
         "/board/rotation"]


def test_pages_leave_a_clean_console_and_closing_their_sockets_a_clean_log(browser, live_server):
    messages: list[str] = []
    organizer = add_organizer(live_server)
    for _round in range(3):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        log_in(context.new_page(), live_server, organizer)
        for path in PAGES:
            page = context.new_page()
            page.on("console", lambda message: messages.append(
                f"{message.type}: {message.text}") if message.type in ("error", "warning")
                else None)
            page.goto(live_server.url + path)
            if _round:  # the last rounds close tabs mid-way: sockets still upgrading
                page.wait_for_load_state("networkidle")
            page.reload()
        context.close()  # every tab with its socket at once
    assert not [m for m in messages if "Permissions-Policy" in m or "Unrecognized" in m], \
        messages
    assert messages == [], messages
    # the server has noticed the sockets going away (give it a moment), and logged no error
    time.sleep(2)
    assert live_server.process.poll() is None
    log = live_server.log.read_text(errors="replace")
    errors = [line for line in log.splitlines()
              if re.search(r"\bERROR\b|Bad request|Traceback", line)]
    first = log.find(errors[0]) if errors else 0
    assert errors == [], log[first:first + 4000]
