"""The participant's page: the personal results code leads to one's own result and chart.

Over HTTP in-process for the page's content; in Chromium on the real server for the phone
layout (375 px wide) and the keyboard path from the form to the page.
"""

from __future__ import annotations

import re
import statistics
from decimal import Decimal

import pytest
import sqlalchemy as sa

from competition.database import write_transaction
from competition.extensions import db
from competition.models import Competitor, Skill
from competition.rules.exact import fraction_text
from competition.standings import skill_standings

from ..fixtures.databases import make_app
from ..marking import enter_marks

WRONG = "No results were found for this code."


@pytest.fixture
def published(demo_app):
    """Skill 10 marked in full (no dispute with this seed) and published."""
    with demo_app.app_context():
        enter_marks("10", seed=3)
        with write_transaction() as session:
            session.execute(sa.update(Skill).where(Skill.code == "10")
                            .values(visibility="published"))
    return demo_app


def competitor_code(app, skill: str = "10", index: int = 0) -> tuple[str, str]:
    """(competitor code, results code) of the skill's index-th active competitor."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(Competitor.code, Competitor.results_code).join(Skill)
            .where(Skill.code == skill, Competitor.status == "active")
            .order_by(Competitor.code)).all()
    return tuple(rows[index])


def client_in(app, locale: str = "en"):
    client = app.test_client()
    client.get(f"/lang/{locale}")
    return client


def test_the_form_asks_for_the_code(demo_app):
    response = client_in(demo_app).get("/me")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<label for="code">Results code</label>' in html
    assert 'method="get"' in html and 'name="code"' in html
    assert WRONG not in html


def test_a_typed_code_is_forgiving_about_case_and_spaces(demo_app):
    _, code = competitor_code(demo_app)
    typed = f" {code[:4].lower()} {code[4:]} "
    response = client_in(demo_app).get("/me", query_string={"code": typed})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/me/{code}")


@pytest.mark.parametrize("typed", ["ZZZZZZZZZZ", "not a code at all", "x"])
def test_a_wrong_code_says_so_the_same_way_and_shows_the_form_again(demo_app, typed):
    client = client_in(demo_app)
    for response in (client.get("/me", query_string={"code": typed}),
                     client.get(f"/me/{typed.replace(' ', '')}")):
        html = response.get_data(as_text=True)
        assert response.status_code == 404
        assert WRONG in html and 'role="alert"' in html
        assert 'aria-invalid="true"' in html and 'name="code"' in html
        # The same words whatever was typed: nothing tells a near miss from nonsense.
        message = re.search(r'<div class="problem"[^>]*>(.*?)</div>', html, re.S).group(1)
        assert message.strip() == f"<p>{WRONG} Check it against your badge and try again.</p>"


def test_own_result_chart_and_its_table(published):
    who, code = competitor_code(published, index=2)
    with published.app_context():
        skill = db.session.execute(sa.select(Skill).where(Skill.code == "10")).scalar_one()
        result = skill_standings(skill)
    rows = [r for g in result.groups for r in g.results]
    mine = next(r for r in rows if r.competitor == who)
    active = [r for r in rows if r.status == "active"]

    html = client_in(published).get(f"/me/{code}").get_data(as_text=True)
    assert 'role="img"' in html and "<title id=\"my-criteria-title\">" in html
    assert "<desc id=\"my-criteria-desc\">" in html
    table = html[html.index('<table class="criteria-table">'):]
    table = table[:table.index("</table>")]
    lines = re.findall(r'<tr>\s*<th scope="row">([A-Z])[^<]*</th>\s*<td class="num">([\d.]+)'
                       r'</td>\s*<td class="num">([\d.]+)</td>\s*<td class="num">([\d.]+)</td>',
                       table)
    assert [line[0] for line in lines] == list(mine.criteria)
    for criterion, points, _maximum, median in lines:
        assert points == fraction_text(mine.criteria[criterion])
        expected = statistics.median(Decimal(fraction_text(r.criteria[criterion]))
                                     for r in active)
        assert Decimal(median) == expected.quantize(Decimal("0.01"))
        # the SVG carries the same points (value label "points / max")
        assert f"{points} / " in html
    assert "Final results." in html
    if mine.medal:
        assert f"medal-{mine.medal}" in html
    assert "The results are published." in html


@pytest.mark.parametrize(("locale", "heading", "certificate"), [
    ("ru", "Мой результат", "Сертификат"),
    ("kk", "Менің нәтижем", "Сертификат"),
])
def test_the_page_speaks_russian_and_kazakh(published, locale, heading, certificate):
    _, code = competitor_code(published)
    html = client_in(published, locale).get(f"/me/{code}").get_data(as_text=True)
    assert f'<html lang="{locale}">' in html
    assert heading in html and certificate in html
    assert "Your points" not in html and "Points per criterion" not in html


# --- in the browser ------------------------------------------------------------------------------


def _publish_on_server(live_server, skill: str = "10") -> str:
    app = make_app(live_server.database_url, live_server.instance)
    with app.app_context():
        enter_marks(skill, seed=3)
        with write_transaction() as session:
            session.execute(sa.update(Skill).where(Skill.code == skill)
                            .values(visibility="published"))
        code = db.session.execute(
            sa.select(Competitor.results_code).join(Skill)
            .where(Skill.code == skill, Competitor.status == "active")
            .order_by(Competitor.code)).scalars().first()
        db.session.remove()
        db.engine.dispose()
    return code


@pytest.mark.browser
def test_on_a_phone_from_the_form_to_the_chart_by_keyboard(browser, live_server):
    code = _publish_on_server(live_server)
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/lang/en")
        page.goto(live_server.url + "/me")
        field = page.get_by_label("Results code")
        field.focus()
        page.keyboard.type(code.lower())
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.endswith(f"/me/{code}")
        assert page.get_by_role("heading", name="My result").is_visible()
        chart = page.get_by_role("img", name="Your points per criterion")
        assert chart.is_visible()
        box = chart.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375
        # Nothing wider than the phone: the page itself never scrolls sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        assert page.get_by_role("table", name=re.compile("Your points per criterion")).count() == 1

        page.goto(live_server.url + "/me?code=WRONGCODE1")
        assert page.get_by_role("alert").inner_text().startswith(WRONG)
        assert page.get_by_label("Results code").input_value() == "WRONGCODE1"
    finally:
        context.close()
