"""axe-core in Chromium on the public pages, in Russian and Kazakh: no serious or critical
violation on the results list, a published skill's results, the medal table, the participant's
form and page, the awards and a certificate's verification, the hall's projector, and the
organizer's certificate and awards pages.

axe-core comes from npm (tests/e2e/package.json, installed by `make test`): the page gets
node_modules/axe-core/axe.min.js as a script, then `axe.run()` reports on the whole document.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from competition.database import write_transaction
from competition.extensions import db
from competition.models import Competitor, Skill

from ..fixtures.browser import add_organizer, log_in
from ..fixtures.databases import make_app
from ..fixtures.services import need
from ..marking import enter_marks

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
BLOCKING = ("serious", "critical")


@pytest.fixture
def axe_script() -> Path:
    need("axe-core", AXE.exists(),
         f"{AXE} (cd tests/e2e && npm ci — `make test` does it when npm is installed)")
    return AXE


@pytest.fixture
def published(live_server) -> dict:
    """Skill 10 marked in full and published; skill A01 marked and live; a results code."""
    app = make_app(live_server.database_url, live_server.instance)
    with app.app_context():
        enter_marks("10", seed=3)
        enter_marks("A01", seed=3, fill=0.7)
        with write_transaction() as session:
            session.execute(sa.update(Skill).where(Skill.code == "10")
                            .values(visibility="published"))
            session.execute(sa.update(Skill).where(Skill.code == "A01")
                            .values(visibility="live"))
        code = db.session.execute(
            sa.select(Competitor.results_code).join(Skill)
            .where(Skill.code == "10", Competitor.status == "active")
            .order_by(Competitor.code)).scalars().first()
        projector = "board.projector" in {rule.endpoint for rule in app.url_map.iter_rules()}
        db.session.remove()
        db.engine.dispose()
    return {"code": code, "projector": projector}


def settled(page) -> None:
    """Wait for fades and transitions to end: axe measures colours as they are now, and a
    half-faded text has less contrast than the page will show."""
    page.wait_for_function("""() => document.getAnimations().every(animation =>
        animation.playState !== "running"
        || animation.effect.getComputedTiming().endTime === Infinity)""", timeout=10_000)


def violations(page, script: Path) -> list[dict]:
    settled(page)
    page.add_script_tag(path=str(script))
    return page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ["violations"]});
        return result.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " — " + n.failureSummary),
        }));
    }""")


def blocking(found: list[dict]) -> list[dict]:
    return [v for v in found if v["impact"] in BLOCKING]


def describe(url: str, found: list[dict]) -> str:
    lines = [f"{url}: {len(found)} serious or critical axe violation(s)"]
    for v in found:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']}")
        lines.extend(f"      {node}" for node in v["nodes"])
    return "\n".join(lines)


def check_pages(browser, live_server, axe_script, locale: str, pages, login=None) -> None:
    """Every page in `locale` (logged in as `login`, if given): no blocking violation.

    Contexts here bypass the app's CSP: axe-core is injected as an inline script."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    page = context.new_page()
    problems = []
    try:
        if login:
            log_in(page, live_server, login)
        page.goto(f"{live_server.url}/lang/{locale}")
        for path in pages:
            page.goto(live_server.url + path)
            assert page.locator("html").get_attribute("lang") == locale
            found = blocking(violations(page, axe_script))
            if found:
                problems.append(describe(path, found))
    finally:
        context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("locale", ["ru", "kk"])
def test_public_results_pages_pass_axe(browser, live_server, published, axe_script, locale):
    check_pages(browser, live_server, axe_script, locale, [
        "/results", "/results/10", "/results/A01", "/medals", "/me",
        f"/me/{published['code']}", "/me?code=WRONGCODE1", "/awards", "/verify/not-a-real-code"])


@pytest.mark.parametrize("locale", ["ru", "kk"])
def test_participant_page_on_a_phone_passes_axe(browser, live_server, published, axe_script,
                                                locale):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True,
                                  has_touch=True, bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/lang/{locale}")
        path = f"/me/{published['code']}"
        page.goto(live_server.url + path)
        found = blocking(violations(page, axe_script))
        assert not found, describe(path, found)
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["ru", "kk"])
def test_projector_passes_axe(browser, live_server, published, axe_script, locale):
    if not published["projector"]:
        pytest.skip("the projector page (board.projector) is not in this build")
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/lang/{locale}")
        path = "/board/10/projector"
        page.goto(live_server.url + path)
        # The standings arrive as a snapshot after the page loads.
        page.wait_for_function("document.getElementById('state').dataset.visibility"
                               " === 'published'", timeout=15_000)
        found = blocking(violations(page, axe_script))
        assert not found, describe(path, found)
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["ru", "kk"])
def test_certificate_and_award_pages_pass_axe(browser, live_server, published, axe_script,
                                              locale):
    check_pages(browser, live_server, axe_script, locale, [
        "/manage/certificates", "/manage/certificates/settings",
        "/manage/certificates/templates/gold", "/manage/awards", "/manage/awards/new"],
        login=add_organizer(live_server, f"organizer-axe-{locale}"))


def test_axe_does_report_a_broken_page(browser, axe_script):
    """The check above can fail: an image with no text alternative and an unnamed button."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    try:
        page.set_content('<html lang="en"><head><title>bad</title></head><body><main>'
                         '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
                         '<button></button></main></body></html>')
        found = {v["id"] for v in blocking(violations(page, axe_script))}
    finally:
        context.close()
    assert {"image-alt", "button-name"} <= found
