"""Public results pages carry exactly what the skill's visibility allows.

For each visibility the HTML of /results/<ref> and of a competitor's /me/<code> is checked
against the real standings (competition.standings.skill_standings over marks entered with
tests/marking.py): hidden and progress pages carry no competitor's score nor total, live ones
carry scores but no medal, frozen ones the standings as of the freeze, published ones medals.
"""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from competition import rules
from competition.database import write_transaction
from competition.extensions import db
from competition.models import Competitor, Mark, MarkRevision, Skill
from competition.rules.exact import fraction_text
from competition.standings import skill_standings

from ..access import client_as, make_role_users
from ..marking import enter_marks

MEDAL_WORDS = ("Gold", "Silver", "Bronze", "Medallion")
SKILLS = ("A01", "10")  # Abilympics (raw scale, categories) and WorldSkills (ws700)


@pytest.fixture
def marked(demo_app):
    with demo_app.app_context():
        for code in SKILLS:
            enter_marks(code, seed=3)  # every group final: no dispute in these marks
    return demo_app


def set_visibility(app, code: str, visibility: str) -> None:
    with app.app_context():
        with write_transaction() as session:
            skill = session.execute(sa.select(Skill).where(Skill.code == code)).scalar_one()
            skill.visibility = visibility
            if visibility == "frozen":
                skill.frozen_at = datetime(2026, 11, 26, 9, 15, tzinfo=UTC)
                skill.frozen_version = skill.version


def standings(app, code: str) -> rules.SkillResult:
    with app.app_context():
        skill = db.session.execute(sa.select(Skill).where(Skill.code == code)).scalar_one()
        return skill_standings(skill)


def figures(result: rules.SkillResult) -> dict[str, tuple[str, str]]:
    """competitor code -> (score, total) as the pages write them."""
    return {r.competitor: (rules.score_text(r.score, result.scale), fraction_text(r.total))
            for group in result.groups for r in group.results}


def occurs(text: str, html: str) -> bool:
    """`text` as a number of its own in the page (not a part of a longer number)."""
    return re.search(rf"(?<![\d.]){re.escape(text)}(?![\d.])", html) is not None


def results_code(app, skill_code: str, competitor: str) -> str:
    with app.app_context():
        return db.session.execute(
            sa.select(Competitor.results_code).join(Skill)
            .where(Skill.code == skill_code, Competitor.code == competitor)).scalar_one()


def english(app):
    client = app.test_client()
    client.get("/lang/en")
    return client


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def first_ranked(result: rules.SkillResult) -> rules.CompetitorResult:
    return next(r for group in result.groups for r in group.results if r.rank == 1)


@pytest.mark.parametrize("visibility", ["hidden", "progress"])
def test_no_score_leaves_the_server_before_standings_open(marked, visibility):
    client = english(marked)
    for code in SKILLS:
        set_visibility(marked, code, visibility)
        result = standings(marked, code)
        html = page(client, f"/results/{code}")
        leaked = [(who, number) for who, pair in figures(result).items() for number in pair
                  if occurs(number, html)]
        assert not leaked, f"{code} {visibility}: scores in the page: {leaked}"
        if visibility == "hidden":
            assert "The results of this skill are not shown yet." in html
            assert "Marked:" not in html
        else:
            assert "Marked:" in html and "<progress" in html
        assert not any(word in html for word in MEDAL_WORDS)

        someone = first_ranked(result)
        me = page(client, f"/me/{results_code(marked, code, someone.competitor)}")
        score, total = figures(result)[someone.competitor]
        assert not occurs(score, me) and not occurs(total, me)
        assert "<svg" not in me  # no chart: it would carry the points
        assert "Your certificate will be available once the results are published." in me


def test_live_standings_have_scores_and_no_medals(marked):
    client = english(marked)
    for code in SKILLS:
        set_visibility(marked, code, "live")
        result = standings(marked, code)
        html = page(client, f"/results/{code}")
        for who, (score, total) in figures(result).items():
            assert occurs(score, html), (code, who, score)
            assert occurs(total, html), (code, who, total)
        assert not any(word in html for word in MEDAL_WORDS), code
        assert "Provisional standings" in html

        someone = first_ranked(result)
        me = page(client, f"/me/{results_code(marked, code, someone.competitor)}")
        assert occurs(figures(result)[someone.competitor][0], me)
        assert "<svg" in me and 'role="img"' in me
        assert not any(word in me for word in MEDAL_WORDS)


def change_one_mark(app, code: str) -> str:
    """After a freeze: a measurement mark of the first-ranked competitor goes up (as the
    judging service writes it: a revision at the next skill version). Returns the competitor."""
    with app.app_context():
        with write_transaction() as session:
            skill = session.execute(sa.select(Skill).where(Skill.code == code)).scalar_one()
            leader = first_ranked(skill_standings(skill)).competitor
            competitor = session.execute(sa.select(Competitor).where(
                Competitor.skill_id == skill.id, Competitor.code == leader)).scalar_one()
            marks = session.execute(sa.select(Mark).where(
                Mark.competitor_id == competitor.id, Mark.aspect_type == "M")).scalars().all()
            from competition.models import Aspect

            for mark in marks:
                aspect = session.get(Aspect, mark.aspect_id)
                better = [v for v in aspect.allowed() if v > mark.value]
                if better:
                    break
            else:
                pytest.fail("no measurement mark of the leader can go up")
            skill.version += 1
            session.add(MarkRevision(mark_id=mark.id, revision=mark.revision + 1,
                                     old_value=mark.value, new_value=better[-1],
                                     idempotency_key=str(uuid.uuid4()),
                                     skill_version=skill.version))
            mark.value = better[-1]
            mark.revision += 1
            mark.version = skill.version
    return leader


def test_frozen_standings_keep_the_freeze_and_hide_later_marks(marked):
    client = english(marked)
    code = "A01"
    set_visibility(marked, code, "frozen")
    before = figures(standings(marked, code))
    leader = change_one_mark(marked, code)
    after = figures(standings(marked, code))
    assert after[leader][1] != before[leader][1]

    html = page(client, f"/results/{code}")
    assert "frozen" in html
    for who, (score, total) in before.items():
        assert occurs(score, html) and occurs(total, html), (who, score, total)
    assert not occurs(after[leader][1], html)
    assert not any(word in html for word in MEDAL_WORDS)

    me = page(client, f"/me/{results_code(marked, code, leader)}")
    assert occurs(before[leader][1], me) and not occurs(after[leader][1], me)


def test_published_results_have_medals(marked):
    client = english(marked)
    for code in SKILLS:
        set_visibility(marked, code, "published")
        result = standings(marked, code)
        html = page(client, f"/results/{code}")
        for who, (score, _total) in figures(result).items():
            assert occurs(score, html), (code, who)
        medalled = [r for g in result.groups for r in g.results if r.medal]
        assert medalled, f"{code}: the demo marks should give medals"
        words = {"gold": "Gold", "silver": "Silver", "bronze": "Bronze",
                 "medallion": "Medallion for Excellence"}
        for r in medalled:
            assert words[r.medal] in html
        assert "Final results." in html

        gold = next(r for r in medalled if r.medal == "gold")
        me = page(client, f"/me/{results_code(marked, code, gold.competitor)}")
        assert "medal-gold" in me and "Gold" in me
        assert "Your certificate will be available" not in me


def test_staff_see_live_standings_of_a_hidden_skill(marked):
    ids = make_role_users(marked)
    organizer = client_as(marked, "organizer", ids)
    organizer.get("/lang/en")
    set_visibility(marked, "10", "hidden")
    result = standings(marked, "10")
    html = page(organizer, "/results/10")
    assert "because you are staff" in html
    assert all(occurs(score, html) for score, _ in figures(result).values())
    anonymous = page(english(marked), "/results/10")
    assert not any(occurs(score, anonymous) for score, _ in figures(result).values())


def test_results_index_lists_skills_with_their_state(marked):
    set_visibility(marked, "10", "live")
    set_visibility(marked, "A01", "published")
    set_visibility(marked, "04", "hidden")
    html = page(english(marked), "/results")
    assert 'href="/results/10"' in html and 'href="/results/A01"' in html
    assert "Live standings" in html and "Results published" in html and "Not shown yet" in html


@pytest.mark.parametrize("visibility", ["hidden", "progress", "live", "frozen"])
def test_workbook_only_once_published(marked, visibility):
    set_visibility(marked, "A01", visibility)
    assert english(marked).get("/results/A01.xlsx").status_code == 404


def test_published_workbook_has_the_rows(marked):
    import openpyxl

    set_visibility(marked, "A01", "published")
    response = english(marked).get("/results/A01.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header_at = next(i for i, row in enumerate(rows) if "Rank" in row)
    header = rows[header_at]
    body = rows[header_at + 1:]
    result = standings(marked, "A01")
    expected = figures(result)
    assert len(body) == len(expected)
    code_at, score_at, medal_at = header.index("Code"), header.index("Score"), header.index("Medal")
    medals = {r.competitor: r.medal for g in result.groups for r in g.results}
    for row in body:
        who = row[code_at]
        assert f"{row[score_at]:.2f}" == expected[who][0]
        assert bool(row[medal_at]) == bool(medals[who])
    assert "Category" in header  # A01 ranks each Abilympics category on its own


def test_unknown_skill_is_404(marked):
    client = english(marked)
    assert client.get("/results/no-such-skill").status_code == 404
    assert client.get("/results/no-such-skill.xlsx").status_code == 404


class _Tables(HTMLParser):
    """Every table of a page as rows of cell texts, keyed by its caption."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption = None
        self._rows = None
        self._cell = None
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._rows, self._caption = [], ""
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None:
            self._rows[-1].append(" ".join(self._cell.split()))
            self._cell = None
        elif tag == "table":
            self.tables[self._caption.strip()] = self._rows
            self._rows = None

    def handle_data(self, data):
        if self._in_caption:
            self._caption += data
        elif self._cell is not None:
            self._cell += data


def tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def test_medal_table_counts_published_skills_only(marked):
    set_visibility(marked, "A01", "published")
    set_visibility(marked, "10", "live")  # final too, but not published: not counted
    a01 = standings(marked, "A01")
    expected = rules.championship_results([a01])
    html = page(english(marked), "/medals")
    found = tables(html)
    abilympics = next(rows for caption, rows in found.items()
                      if caption.startswith("Medals by organization") and "Abilympics" in caption)
    assert not any(caption.startswith("Medals by organization") and "WorldSkills" in caption
                   for caption in found)
    assert "No skill of this championship has published results yet." in html
    body = abilympics[1:]
    assert len(body) == len(expected.medal_table)
    for row, line in zip(body, expected.medal_table, strict=True):
        assert [int(n) for n in row[2:]] == [line.gold, line.silver, line.bronze,
                                             line.medallion, line.points]
    golds = sum(1 for g in a01.groups for r in g.results if r.medal == "gold")
    assert sum(int(row[2]) for row in body) == golds > 0

    regions = next(rows for caption, rows in found.items()
                   if caption.startswith("Medals by region") and "Abilympics" in caption)
    assert sum(int(row[-1]) for row in regions[1:]) == sum(line.points
                                                          for line in expected.medal_table)
    best = next(rows for caption, rows in found.items() if caption.startswith("Best of Region"))
    assert len(best) - 1 == sum(len(row.competitors) for row in expected.best_of)


def test_the_home_pages_skill_rows_lead_to_each_skills_results(demo_app):
    page = demo_app.test_client().get("/", headers={"Accept-Language": "en"}).get_data(
        as_text=True)
    with demo_app.app_context():
        skills = db.session.execute(sa.select(Skill)).scalars().all()
    links = re.findall(r'<th scope="row"><a href="/results/([^"]+)">', page)
    assert len(links) == len(skills)
    assert {link.rpartition("/")[2] for link in links} == {s.code for s in skills}
