"""The chief expert's pages over HTTP (CSRF on), and live in a real browser."""

from __future__ import annotations

import json
import re
import uuid

import pytest
import requests
import sqlalchemy as sa

from competition.extensions import db
from competition.judging import overview, signoff
from competition.models import Aspect, AuditEntry, Criterion, SignOff, Skill, SubCriterion
from tests.access import client_as, make_role_users
from tests.marking import enter_marks

from ..fixtures.databases import make_app
from ..helpers import EN, csrf
from .panel import PASSWORD, key, make_panel

BOARD = "/judging/10/chief"
# The chief confirms signing off with marks missing (tests/board/test_finality.py: without it
# the sign-off asks first)
CONFIRM = {"confirm": "1"}


@pytest.fixture
def users(demo_app):
    return make_role_users(demo_app)


def text(response) -> str:
    return response.get_data(as_text=True)


def first_sub(code: str = "10") -> SubCriterion:
    return db.session.execute(
        sa.select(SubCriterion).join(Aspect, Aspect.sub_criterion_id == SubCriterion.id)
        .join(Skill, Skill.id == Aspect.skill_id).where(Skill.code == code)
        .order_by(Aspect.code).limit(1)).scalar_one()


def locked(sub_code: str) -> bool:
    with_code = db.session.execute(
        sa.select(SubCriterion.id).join(Aspect, Aspect.sub_criterion_id == SubCriterion.id)
        .join(Skill, Skill.id == Aspect.skill_id)
        .where(Skill.code == "10", SubCriterion.code == sub_code).limit(1)).scalar_one()
    return signoff.is_locked(with_code)


def post(client, url: str, data: dict | None = None, board: str = BOARD):
    token = csrf(text(client.get(board, headers=EN)))
    return client.post(url, data={"csrf_token": token, **(data or {})}, headers=EN)


def test_the_chief_sees_the_board_with_every_sub_criterion_expert_and_competitor(
        demo_app, users):
    with demo_app.app_context():
        enter_marks("10", seed=2, fill=0.5)
        skill = db.session.execute(sa.select(Skill).where(Skill.code == "10")).scalar_one()
        progress = overview.progress(skill)
        subs = [s.code for c in skill.criteria for s in c.sub_criteria]
    response = client_as(demo_app, "chief", users).get(BOARD, headers=EN)
    assert response.status_code == 200
    page = text(response)
    assert "<h1>Marking progress: 10 " in page
    assert f'<strong data-cell="total">{progress["marked"]} of {progress["expected"]}' in page
    for sub in subs:
        cell = progress["sub_criteria"][sub]
        assert f'<span data-cell="sub:{sub}">{cell["marked"]} of {cell["expected"]}' in page
        assert f'action="/judging/10/chief/{sub}/sign-off"' in page
    for judge in progress["judges"]:
        assert f'data-cell="judge:{judge}:total"' in page
    for competitor in progress["competitors"]:
        assert f'data-cell="competitor:{competitor}:total"' in page
    assert page.count("<caption>") == 3 and 'scope="row"' in page and 'scope="col"' in page
    assert 'src="/static/js/chief.js"' in page and "css/chief.css" in page
    # Any mark's history, chosen from the lists.
    lookup = page.split('<form method="get" action="/judging/10/history"', 1)[1].split("</form>")[0]
    assert '<label for="lookup-aspect">Aspect</label>' in lookup
    assert '<option value="A1.1">' in lookup and '<option value="">All experts</option>' in lookup


def test_an_expert_of_the_skill_gets_a_403_page_that_says_why(demo_app, users):
    expert = client_as(demo_app, "expert", users)
    for url in (BOARD, "/judging/10/history?aspect=A1.1&competitor=101"):
        response = expert.get(url, headers=EN)
        assert response.status_code == 403
        assert "Only the chief expert of skill 10, the deputy chief expert and the organizers" \
            in text(response)
    answer = expert.get(BOARD + "/progress.json", headers=EN)
    assert answer.status_code == 403 and answer.get_json()["error"] == "forbidden"
    # The chief of skill 10 does not lead skill 04.
    assert client_as(demo_app, "chief", users).get("/judging/04/chief").status_code == 403
    assert client_as(demo_app, "organizer", users).get("/judging/04/chief").status_code == 200
    assert client_as(demo_app, "chief", users).get("/judging/99/chief").status_code == 404


def logged_in(app, panel, code: str):
    """A test client logged in as the panel's account of expert `code`."""
    client = app.test_client()
    with app.app_context():
        user_id = panel.user(code).get_id()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
    return client


def test_the_deputy_chief_expert_opens_the_board(demo_app):
    panel = make_panel(demo_app)
    assert logged_in(demo_app, panel, "E02").get(BOARD, headers=EN).status_code == 200


def test_sign_off_by_post_locks_the_sub_criterion(demo_app, users):
    chief = client_as(demo_app, "chief", users)
    with demo_app.app_context():
        sub = first_sub().code
    response = post(chief, f"{BOARD}/{sub}/sign-off", CONFIRM)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{BOARD}#sub-{sub}")
    page = text(chief.get(BOARD, headers=EN))
    assert f"Sub-criterion {sub} is signed off: its marks are locked." in page
    row = page.split(f'id="sub-{sub}"', 1)[1].split("</tr>", 1)[0]
    assert "<strong>Locked</strong>" in row and "signed off by as-chief" in row
    assert re.search(r'data-form="sign-off"\s+hidden', row)
    assert f'<label for="reason-{sub}">Reason for unlocking {sub}</label>' in row
    with demo_app.app_context():
        assert locked(sub)
        entry = db.session.execute(
            sa.select(AuditEntry).where(AuditEntry.action == "sign-off")).scalar_one()
        assert entry.user_id == users["chief"]
    # Signing off again: refused with the reason, nothing written.
    again = post(chief, f"{BOARD}/{sub}/sign-off", CONFIRM)
    assert again.status_code == 409 and f"Sub-criterion {sub} is already signed off." in text(again)
    # A GET of the action's address (a reload, a bookmark) leads back to the board.
    assert chief.get(f"{BOARD}/{sub}/sign-off").headers["Location"].endswith(f"#sub-{sub}")
    # Without the CSRF token: refused.
    assert chief.post(f"{BOARD}/{sub}/unlock", data={"reason": "x"}).status_code == 400
    with demo_app.app_context():
        assert db.session.execute(sa.select(sa.func.count(SignOff.id))).scalar_one() == 1


def test_unlock_without_a_reason_shows_an_error_and_changes_nothing(demo_app, users):
    chief = client_as(demo_app, "chief", users)
    with demo_app.app_context():
        sub = first_sub().code
    post(chief, f"{BOARD}/{sub}/sign-off", CONFIRM)
    response = post(chief, f"{BOARD}/{sub}/unlock", {"reason": "   "})
    assert response.status_code == 422
    page = text(response)
    assert f'<p class="field-error" id="error-{sub}" role="alert">Give the reason for unlocking ' \
           "the marks.</p>" in page
    assert f'aria-invalid="true" aria-describedby="error-{sub}"' in page
    with demo_app.app_context():
        assert locked(sub)
        assert db.session.execute(sa.select(sa.func.count(SignOff.id))).scalar_one() == 1
    response = post(chief, f"{BOARD}/{sub}/unlock", {"reason": "Protest of competitor 101"})
    assert response.status_code == 302
    with demo_app.app_context():
        assert not locked(sub)
    history = text(chief.get(f"/judging/10/history?aspect={_aspect_of(demo_app, sub)}"
                             "&competitor=101", headers=EN))
    assert "Sub-criterion unlocked" in history and "Protest of competitor 101" in history


def _aspect_of(app, sub_code: str) -> str:
    with app.app_context():
        return db.session.execute(
            sa.select(Aspect.code).join(SubCriterion, SubCriterion.id == Aspect.sub_criterion_id)
            .join(Skill, Skill.id == Aspect.skill_id)
            .where(Skill.code == "10", SubCriterion.code == sub_code)
            .order_by(Aspect.code).limit(1)).scalar_one()


def test_an_organizer_signs_off_and_the_expert_may_not(demo_app, users):
    with demo_app.app_context():
        sub = first_sub().code
    expert = client_as(demo_app, "expert", users)
    # A valid CSRF token (from the home page's logout form) does not make the expert a lead.
    response = post(expert, f"{BOARD}/{sub}/sign-off", CONFIRM, board="/")
    assert response.status_code == 403 and "deputy chief expert" in text(response)
    with demo_app.app_context():
        assert not locked(sub)
    organizer = client_as(demo_app, "organizer", users)
    assert post(organizer, f"{BOARD}/{sub}/sign-off", CONFIRM).status_code == 302
    with demo_app.app_context():
        assert locked(sub)


def test_the_history_page_lists_the_revisions(demo_app):
    from competition.judging import service

    panel = make_panel(demo_app)
    with demo_app.test_request_context():
        judge = panel.codes[0]
        for value, base in ((1, 0), (2, 1)):
            service.record_mark(panel.user(judge), {
                "id": key(), "skill": "10", "aspect": panel.j_aspect,
                "competitor": panel.competitor, "value": value, "base": base,
                "device": "tablet 7"})
    chief = logged_in(demo_app, panel, "E01")
    url = f"/judging/10/history?aspect={panel.j_aspect}&competitor={panel.competitor}"
    response = chief.get(f"{url}&judge={judge}", headers=EN)
    assert response.status_code == 200
    page = text(response)
    rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr")[1:]
    assert len(rows) == 2
    assert "not marked</span> → 1" in rows[0] and "1 → 2" in rows[1]
    assert f"judge-{judge.lower()} ({judge})" in rows[1] and "tablet 7" in rows[1]
    assert "<caption>" in page and '<th scope="col">' in page
    assert chief.get(url.replace(panel.j_aspect, "Z9.9"), headers=EN).status_code == 404
    assert chief.get("/judging/10/history?aspect=", headers=EN).status_code == 400


def test_the_board_in_kazakh(demo_app, users):
    response = client_as(demo_app, "chief", users).get(BOARD, headers={"Accept-Language": "kk"})
    page = text(response)
    assert response.status_code == 200
    assert "Бағалау барысы" in page and "Бағалардың алшақтығы" in page
    assert "Бағаларды бекіту" in page and "Ішкі критерийлер және бағаларды бекіту" in page
    for english in ("Marking progress", "Sign off", "Judgement disputes", "Marks entered",
                    "Reason for unlocking", "No open disputes"):
        assert english not in page, english
    # The strings handed to chief.js are translated too.
    strings = json.loads(page.split('id="chief-strings">', 1)[1].split("</script>", 1)[0])
    assert strings["count"] == "{expected} ішінен {marked}"
    assert strings["dispute_new"].startswith("Бағалардың жаңа алшақтығы")


def test_progress_json_gives_the_numbers_disputes_and_locks(demo_app, users):
    with demo_app.app_context():
        sub = first_sub().code
    chief = client_as(demo_app, "chief", users)
    post(chief, f"{BOARD}/{sub}/sign-off", CONFIRM)
    numbers = chief.get(BOARD + "/progress.json").get_json()
    assert numbers["skill"] == "10" and numbers["disputes"] == []
    assert numbers["locks"][sub]["locked"] is True and numbers["locks"][sub]["by"] == "as-chief"
    assert numbers["progress"]["marked"] == 0 and numbers["progress"]["expected"] > 0


# --- live, in a real browser --------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.timeout(120)
def test_a_dispute_and_a_lock_reach_the_chiefs_board_at_once(live_server, page, sio_client):
    from competition.auth.service import create_token

    from ..fixtures.browser import log_in

    app = make_app(live_server.database_url, live_server.instance)
    panel = make_panel(app, "10")
    with app.app_context():
        tokens = {code: create_token(f"judge-{code.lower()}") for code in panel.codes[:3]}
        sub = db.session.execute(
            sa.select(SubCriterion.code).join(Aspect, Aspect.sub_criterion_id == SubCriterion.id)
            .join(Skill, Skill.id == Aspect.skill_id)
            .where(Skill.code == "10", Aspect.code == panel.j_aspect)).scalar_one()
        db.session.remove()
        db.engine.dispose()

    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_server, "judge-e01", PASSWORD)
    page.goto(live_server.url + BOARD)
    status = page.locator("#live-status")
    status.filter(has_text="Live: the numbers update").wait_for(timeout=10_000)
    assert page.locator("#no-disputes").is_visible()

    # Three judges give 0, 1 and 3: a dispute, listed and announced without a reload.
    for token, value in zip(tokens.values(), (0, 1, 3), strict=True):
        tablet = sio_client(auth={"token": token})
        answer = tablet.call("mark:submit", {"id": str(uuid.uuid4()), "skill": "10",
                                             "aspect": panel.j_aspect,
                                             "competitor": panel.competitor, "value": value})
        assert answer["ok"], answer
    item = page.locator("#dispute-list li")
    item.first.wait_for(timeout=10_000)
    assert panel.j_aspect in item.first.inner_text() and panel.competitor in item.first.inner_text()
    page.locator("#dispute-announcer").filter(has_text="New judgement dispute").wait_for(
        timeout=10_000)
    assert page.locator("#no-disputes").is_hidden()
    assert page.locator('[data-count="disputes"]').inner_text() == "1"
    # The numbers follow, after the throttled re-fetch.
    cell = page.locator(f'[data-cell="sub:{sub}"]')
    page.wait_for_function(
        "([el, n]) => el.textContent.startsWith(n + ' of')",
        arg=[cell.element_handle(), 3], timeout=10_000)
    # The link opens the cell's history, keyboard first.
    item.first.get_by_role("link").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", level=1).inner_text().startswith("History of marks")
    assert page.locator("table.history tbody tr").count() == 3
    page.go_back()
    status.filter(has_text="Live: the numbers update").wait_for(timeout=10_000)

    # Another lead (an organizer, over HTTP) signs a clean sub-criterion off: the row follows.
    other = next(code for code in _sub_codes(live_server) if code != sub)
    organizer = requests.Session()
    from ..fixtures.browser import add_organizer

    login = add_organizer(live_server)
    form = organizer.get(live_server.url + "/login", timeout=10).text
    organizer.post(live_server.url + "/login", data={
        "csrf_token": csrf(form),
        "login": login, "password": "e2e-password-for-tests"}, timeout=10)
    board = organizer.get(live_server.url + BOARD, timeout=10).text
    done = organizer.post(f"{live_server.url}{BOARD}/{other}/sign-off",
                          data={"csrf_token": csrf(board), **CONFIRM}, timeout=10,
                          allow_redirects=False)
    assert done.status_code == 302
    row = page.locator(f'tr[data-sub="{other}"]')
    row.locator("strong", has_text="Locked").wait_for(timeout=10_000)
    assert row.locator('[data-form="unlock"]').is_visible()
    assert row.locator('[data-form="sign-off"]').is_hidden()
    page.locator("#board-news").filter(
        has_text=f"Sub-criterion {other} was signed off by {login}").wait_for(timeout=10_000)
    assert errors == []


def _sub_codes(live_server) -> list[str]:
    app = make_app(live_server.database_url, live_server.instance)
    with app.app_context():
        codes = list(db.session.execute(
            sa.select(SubCriterion.code).join(Criterion).join(Skill, Skill.id == Criterion.skill_id)
            .where(Skill.code == "10")).scalars())
        db.session.remove()
        db.engine.dispose()
    return codes
