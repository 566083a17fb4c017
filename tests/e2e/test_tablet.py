"""A judge on a tablet-sized page (iPad, touch): marks a row, loses the network, keeps marking,
reloads, and everything reaches the server once. Real Chromium, real server, real database.

"Offline" here is two things at once: the browser context is offline (HTTP fails) and the
Socket.IO websocket is cut and refused by a websocket route (Playwright's offline emulation
leaves open websockets alone). A reload needs the page itself, which no offline browser gets
from a plain-http venue server (service workers need HTTPS), so the reload happens with HTTP
back but the websocket still refused: the marks are then only in the tablet's outbox, and the
page must show them as waiting and send them once the socket is back.
"""

from __future__ import annotations

import re
import sqlite3

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from competition.auth.service import add_user
from competition.database import write_transaction
from competition.extensions import db
from competition.models import Championship, Expert

from ..fixtures.browser import E2E_PASSWORD, log_in
from ..fixtures.databases import make_app
from .test_home import screenshot

pytestmark = pytest.mark.browser

SUB = "B1"  # Welding, day C1: four measurements and one judgement
ASPECTS = ["B1.1", "B1.2", "B1.3", "B1.4", "B1.5"]
JUDGE = "E05"  # of ZCPO: competitor 106 is a compatriot
ONLINE_ROW, OFFLINE_ROW, COMPATRIOT = "101", "103", "106"
IPAD_PORTRAIT = {"width": 820, "height": 1180}
IPAD_LANDSCAPE = {"width": 1180, "height": 820}
COMPATRIOT_REASON = "Compatriot: you cannot mark a competitor of your own organization"


def add_expert(live_server, code: str, login: str, championship: str = "vko-ws-2026") -> str:
    """An expert account for the demo expert `code`, written into the live server's database."""
    app = make_app(live_server.database_url, live_server.instance)
    with app.app_context():
        with write_transaction() as session:
            expert = session.execute(
                sa.select(Expert).join(Championship)
                .where(Championship.code == championship, Expert.code == code)).scalar_one()
            add_user(login, "expert", E2E_PASSWORD, expert=expert)
        db.session.remove()
        db.engine.dispose()
    return login


def stored_marks(live_server, competitor: str) -> dict[str, tuple[int, int]]:
    """aspect -> (marks, revisions) of skill 10's `competitor`, read from the server's file."""
    with sqlite3.connect(live_server.instance / "competition.db") as connection:
        rows = connection.execute(
            """SELECT aspect.code, COUNT(DISTINCT mark.id), COUNT(mark_revision.id)
               FROM mark JOIN aspect ON aspect.id = mark.aspect_id
               JOIN competitor ON competitor.id = mark.competitor_id
               JOIN skill ON skill.id = mark.skill_id
               LEFT JOIN mark_revision ON mark_revision.mark_id = mark.id
               WHERE skill.code = '10' AND competitor.code = ?
               GROUP BY aspect.code""", (competitor,)).fetchall()
    return {aspect: (marks, revisions) for aspect, marks, revisions in rows}


class Network:
    """Cuts and restores the page's Socket.IO websocket (see the module's docstring)."""

    def __init__(self, page):
        self.up = True
        self.open: list = []
        page.route_web_socket(re.compile(r"/socket\.io/"), self._route)

    def _route(self, ws) -> None:
        server = ws.connect_to_server()
        if self.up:
            self.open.append((ws, server))
            return

        def refuse(_message) -> None:  # the server's handshake never reaches the page
            ws.close()
            server.close()

        server.on_message(refuse)

    def cut(self) -> None:
        self.up = False
        for ws, server in self.open:
            ws.close()
            server.close()
        self.open.clear()

    def restore(self) -> None:
        self.up = True


def cell(page, aspect: str, competitor: str):
    return page.get_by_role("button", name=re.compile(rf"^{re.escape(aspect)}, competitor "
                                                      rf"{competitor} "))


def values(page):
    return page.get_by_role("group", name="Choose the mark").get_by_role("button")


def mark_row(page, competitor: str) -> None:
    """Tap the row's first cell, then a value for each aspect: the panel moves along the row."""
    cell(page, ASPECTS[0], competitor).tap()
    for aspect in ASPECTS:
        expect(page.locator("#panel-title")).to_have_text(f"{aspect} · competitor {competitor}")
        choices = values(page)
        if aspect == "B1.5":  # the judgement: 0-3 with the four descriptors beside them
            expect(choices).to_have_count(4)
            expect(choices.nth(2)).to_contain_text("Even ripples")
            choices.nth(2).tap()
        else:
            choices.last.tap()  # the aspect's maximum
    expect(page.locator("#value-panel")).to_be_hidden()  # the row is done


def outbox_sizes(page) -> list[int]:
    """The lengths of the tablet's outbox lists, in IndexedDB (static/js/outbox.js)."""
    return page.evaluate("""() => new Promise((resolve, reject) => {
        const opening = indexedDB.open("competition", 1);
        opening.onerror = () => reject(opening.error);
        opening.onsuccess = () => {
            const database = opening.result;
            if (!database.objectStoreNames.contains("outbox")) {
                database.close();
                resolve([]);
                return;
            }
            const store = database.transaction("outbox").objectStore("outbox");
            const keys = store.getAllKeys();
            const lists = store.getAll();
            lists.onsuccess = () => {
                database.close();
                resolve(keys.result.map((key, i) => [key, lists.result[i]])
                    .filter(([key]) => String(key).startsWith("competition:outbox:"))
                    .map(([, list]) => list.length));
            };
            lists.onerror = () => reject(lists.error);
        };
    })""")


def test_a_judge_marks_on_a_tablet_and_loses_nothing_offline(browser, live_server, tmp_path):
    context = browser.new_context(viewport=IPAD_PORTRAIT, has_touch=True)
    page = context.new_page()
    network = Network(page)
    log_in(page, live_server, add_expert(live_server, JUDGE, "judge-e05"))
    page.get_by_role("link", name="Marking").click()
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile("Welding")).click()
    page.get_by_label("Sub-criterion", exact=True).select_option(SUB)
    status = page.locator("#connection")
    expect(status).to_contain_text("Online")

    # Not marked yet is a dash and words, never a 0.
    first = cell(page, ASPECTS[0], ONLINE_ROW)
    expect(first).to_have_attribute("data-state", "empty")
    expect(first).to_have_text("not marked")

    # A compatriot's cells are disabled and say why.
    compatriot = cell(page, ASPECTS[0], COMPATRIOT)
    expect(compatriot).to_be_disabled()
    expect(compatriot).to_contain_text("compatriot")
    expect(page.locator(f'tr[data-competitor="{COMPATRIOT}"]')).to_contain_text(COMPATRIOT_REASON)
    compatriot.tap(force=True)  # a finger does not know it is disabled
    expect(page.locator("#panel-problem")).to_have_text(COMPATRIOT_REASON)
    expect(values(page)).to_have_count(0)
    page.get_by_role("button", name="Close").tap()

    # A whole row, online: every cell ends saved, with its value.
    mark_row(page, ONLINE_ROW)
    for aspect in ASPECTS:
        expect(cell(page, aspect, ONLINE_ROW)).to_have_attribute("data-state", "saved")
        expect(cell(page, aspect, ONLINE_ROW)).to_contain_text("saved")
    expect(cell(page, "B1.5", ONLINE_ROW)).to_contain_text("2")
    expect(page.locator(f'[data-progress="{ONLINE_ROW}"]')).to_have_text("5 of 5 marked")
    expect(status).to_contain_text("every mark saved")

    # The network goes: five more marks wait on the tablet.
    context.set_offline(True)
    network.cut()
    expect(status).to_contain_text("Offline")
    mark_row(page, OFFLINE_ROW)
    for aspect in ASPECTS:
        expect(cell(page, aspect, OFFLINE_ROW)).to_have_attribute("data-state", "waiting")
        expect(cell(page, aspect, OFFLINE_ROW)).to_contain_text("waiting to be sent")
    expect(status).to_contain_text("5 waiting to be sent")
    assert outbox_sizes(page) == [5]
    assert stored_marks(live_server, OFFLINE_ROW) == {}

    # A reload before the socket is back: the marks are still waiting, from the outbox.
    context.set_offline(False)
    page.reload()
    expect(cell(page, ASPECTS[0], ONLINE_ROW)).to_have_attribute("data-state", "saved")
    for aspect in ASPECTS:
        expect(cell(page, aspect, OFFLINE_ROW)).to_have_attribute("data-state", "waiting")
    expect(status).to_contain_text("5 waiting to be sent")
    assert stored_marks(live_server, OFFLINE_ROW) == {}

    # The socket is back: the outbox drains, each mark is written exactly once.
    network.restore()
    for aspect in ASPECTS:
        expect(cell(page, aspect, OFFLINE_ROW)).to_have_attribute("data-state", "saved",
                                                                  timeout=15_000)
    expect(status).to_contain_text("every mark saved")
    assert outbox_sizes(page) == [0]
    for competitor in (ONLINE_ROW, OFFLINE_ROW):
        assert stored_marks(live_server, competitor) == {aspect: (1, 1) for aspect in ASPECTS}

    # A mark is withdrawn: the cell is pending again (a new revision with no value).
    withdrawn = cell(page, "B1.1", "104")
    withdrawn.tap()
    values(page).last.tap()
    expect(withdrawn).to_have_attribute("data-state", "saved")
    withdrawn.tap()
    page.get_by_role("button", name="Withdraw the mark").tap()
    expect(withdrawn).to_have_attribute("data-state", "empty")
    expect(withdrawn).to_have_text("not marked")
    assert stored_marks(live_server, "104") == {"B1.1": (1, 2)}

    # Touch targets: every cell and value button is at least 44 × 44 px.
    cell(page, "B1.5", "104").tap()
    expect(values(page)).to_have_count(4)
    for target in [*page.locator("button.cell").all()[:12], *values(page).all()]:
        box = target.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, box
    page.evaluate("window.scrollTo(0, 0)")
    assert screenshot(page, "tablet", tmp_path).stat().st_size > 10_000

    # Landscape: the value panel sits beside the grid, the page does not scroll sideways.
    page.set_viewport_size(IPAD_LANDSCAPE)
    panel = page.locator("#value-panel").bounding_box()
    grid = page.locator("#grid-scroll").bounding_box()
    assert panel["x"] >= grid["x"] + grid["width"] - 1
    assert panel["y"] < IPAD_LANDSCAPE["height"]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()


def server_app(live_server):
    return make_app(live_server.database_url, live_server.instance)


def judge_token(live_server, code: str) -> str:
    """An expert account with an API token, for a python-socketio judge beside the browser."""
    from competition.auth.service import create_token

    login = add_expert(live_server, code, f"judge-{code.lower()}")
    app = server_app(live_server)
    with app.app_context():
        token = create_token(login)
        db.session.remove()
        db.engine.dispose()
    return token


def sign_off(live_server, sub: str, action: str, reason: str = "") -> None:
    """The chief expert's lock or unlock of a sub-criterion of skill 10, as the database keeps it
    (the tablet learns of it when it (re)joins, as after a reload)."""
    from competition.models import Criterion, SignOff, Skill, SubCriterion

    app = server_app(live_server)
    with app.app_context():
        with write_transaction() as session:
            sub_id = session.execute(
                sa.select(SubCriterion.id).join(Criterion).join(Skill)
                .where(Skill.code == "10", SubCriterion.code == sub)).scalar_one()
            session.add(SignOff(sub_criterion_id=sub_id, action=action, reason=reason))
        db.session.remove()
        db.engine.dispose()


def submit(client, aspect: str, competitor: str, value, base: int = 0) -> dict:
    import uuid

    answer = client.call("mark:submit", {"id": str(uuid.uuid4()), "skill": "10",
                                         "aspect": aspect, "competitor": competitor,
                                         "value": value, "base": base}, timeout=10)
    assert answer["ok"], answer
    return answer


def last_revision(live_server, aspect: str, competitor: str, judge: str | None):
    """(revision, reason) of the latest change of one cell of skill 10."""
    with sqlite3.connect(live_server.instance / "competition.db") as connection:
        return connection.execute(
            """SELECT mark_revision.revision, mark_revision.reason
               FROM mark_revision JOIN mark ON mark.id = mark_revision.mark_id
               JOIN aspect ON aspect.id = mark.aspect_id
               JOIN competitor ON competitor.id = mark.competitor_id
               LEFT JOIN expert ON expert.id = mark.judge_id
               WHERE aspect.code = ? AND competitor.code = ? AND competitor.skill_id = (
                   SELECT id FROM skill WHERE code = '10')
                 AND (expert.code IS ? OR expert.code = ?)
               ORDER BY mark_revision.id DESC LIMIT 1""",
            (aspect, competitor, judge, judge)).fetchone()


def test_disputes_live_changes_conflicts_and_sign_off_on_the_tablet(browser, live_server,
                                                                   sio_client):
    others = {code: sio_client(auth={"token": judge_token(live_server, code)})
              for code in ("E04", "E26")}  # of UKSTK and SPK: neither is 101's compatriot
    context = browser.new_context(viewport=IPAD_PORTRAIT, has_touch=True)
    page = context.new_page()
    network = Network(page)
    log_in(page, live_server, add_expert(live_server, JUDGE, "judge-e05"))
    page.goto(live_server.url + f"/judging/10?sub={SUB}")
    expect(page.locator("#connection")).to_contain_text("Online")

    # A judgement, then the two other judges: the scores 2, 0, 3 are a dispute.
    judgement = cell(page, "B1.5", ONLINE_ROW)
    judgement.tap()
    values(page).nth(2).tap()
    expect(judgement).to_have_attribute("data-state", "saved")
    submit(others["E04"], "B1.5", ONLINE_ROW, 0)
    submit(others["E26"], "B1.5", ONLINE_ROW, 3)
    expect(judgement).to_contain_text("dispute: re-mark")
    # The judge re-marks: a correction of revision 1.
    judgement.tap()
    expect(values(page).nth(2)).to_have_attribute("aria-pressed", "true")
    values(page).nth(1).tap()
    expect(judgement).to_contain_text("1saved")
    assert last_revision(live_server, "B1.5", ONLINE_ROW, JUDGE) == (2, "")

    # Another expert's measurement appears live.
    measurement = cell(page, "B1.1", ONLINE_ROW)
    submit(others["E04"], "B1.1", ONLINE_ROW, "2.00")
    expect(measurement).to_contain_text("2.00saved")

    # Cut off, the judge corrects what the other expert has meanwhile changed: a conflict,
    # shown with the mark as it stands, never a silent overwrite.
    network.cut()
    expect(page.locator("#connection")).to_contain_text("Offline")
    submit(others["E04"], "B1.1", ONLINE_ROW, "1.00", base=1)
    measurement.tap()
    values(page).first.tap()  # 0
    page.get_by_role("button", name="Close").tap()
    expect(measurement).to_have_attribute("data-state", "waiting")
    network.restore()
    expect(measurement).to_have_attribute("data-state", "conflict", timeout=15_000)
    expect(measurement).to_contain_text("1.00")
    assert last_revision(live_server, "B1.1", ONLINE_ROW, None) == (2, "")
    measurement.tap()
    expect(page.locator("#panel-problem")).to_contain_text("changed")
    values(page).first.tap()  # 0 again, now against revision 2
    expect(measurement).to_have_attribute("data-state", "saved")
    assert last_revision(live_server, "B1.1", ONLINE_ROW, None) == (3, "")
    page.get_by_role("button", name="Close").tap()

    # Signed off: the sub-criterion's cells are closed, and say so.
    sign_off(live_server, SUB, "lock")
    page.reload()
    expect(page.locator("#lock-banner")).to_contain_text("Signed off by the chief expert")
    expect(judgement).to_have_attribute("data-state", "locked")
    expect(judgement).to_be_disabled()
    expect(judgement).to_contain_text("signed off")

    # Unlocked with a reason: a correction now needs one too.
    sign_off(live_server, SUB, "unlock", "Plate 1 re-inspected")
    page.reload()
    expect(judgement).to_have_attribute("data-state", "saved")
    judgement.tap()
    values(page).nth(3).tap()
    reason = page.get_by_label("Reason for the correction")
    expect(reason).to_be_visible()
    expect(reason).to_be_focused()
    expect(judgement).to_have_attribute("data-state", "reason")
    reason.fill("Agreed with the panel after the dispute")
    values(page).nth(3).tap()
    expect(judgement).to_have_attribute("data-state", "saved")
    expect(judgement).to_contain_text("3saved")
    assert last_revision(live_server, "B1.5", ONLINE_ROW, JUDGE) == (
        3, "Agreed with the panel after the dispute")
    context.close()
