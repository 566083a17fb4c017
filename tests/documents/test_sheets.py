"""Staff sheets and exports: the results sheet and the medal table (PDF, .xlsx), blank marking
forms (PDF), and the CSV/.xlsx exports of results and marks.

Every document is fetched through the app as an organizer and read back the way a user's
software would: PDFs with pypdf, workbooks with openpyxl, CSV files with the csv module. The
figures are checked against the rules engine's own standings (`skill_standings`) and the
database, not against the code that wrote them.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections import Counter
from decimal import Decimal

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from competition.database import write_transaction
from competition.extensions import db
from competition.judging import signoff
from competition.models import (
    Aspect,
    Competitor,
    Criterion,
    Expert,
    Mark,
    MarkRevision,
    Organization,
    Skill,
    User,
)
from competition.models.scheme import SubCriterion
from competition.standings import skill_standings

from ..access import make_role_users
from ..helpers import organizer_client
from ..marking import enter_marks

SHEETS = "/manage/sheets"
EVIL = '=HYPERLINK("http://evil.example/","click")'


@pytest.fixture
def marked(demo_app):
    with demo_app.app_context():
        for code in ("10", "A01"):
            enter_marks(code, seed=3)  # complete, without disputes: every group is final
    return demo_app


@pytest.fixture
def organizer(marked):
    ids = make_role_users(marked)
    return lambda lang="en": organizer_client(marked, ids, lang)


def fetch(client, url: str, mimetype: str):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code,
                                          response.get_data(as_text=True)[:500])
    assert response.mimetype == mimetype, (url, response.mimetype)
    return response


def pdf_text(client, url: str) -> tuple[str, int]:
    """The PDF's text with runs of whitespace as one space (table cells wrap their lines)."""
    data = fetch(client, url, "application/pdf").data
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() for page in reader.pages)
    return re.sub(r"-\s+", "-", " ".join(text.split())), len(reader.pages)


def workbook(client, url: str):
    import openpyxl

    data = fetch(client, url,
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet").data
    return openpyxl.load_workbook(io.BytesIO(data))


def table_after(sheet, first_header: str) -> tuple[list[str], list[tuple]]:
    """The header row that starts with `first_header` and the rows below it."""
    rows = list(sheet.iter_rows(values_only=True))
    at = next(i for i, row in enumerate(rows) if row and row[0] == first_header)
    return list(rows[at]), [row for row in rows[at + 1:] if any(v is not None for v in row)]


def read_csv(response) -> list[list[str]]:
    data = response.data
    assert data.startswith(b"\xef\xbb\xbf"), "CSV without a byte order mark"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def the_skill(code: str) -> Skill:
    return db.session.execute(sa.select(Skill).where(Skill.code == code)).scalar_one()


def competitors(app, code: str) -> list[Competitor]:
    with app.app_context():
        found = db.session.execute(
            sa.select(Competitor).join(Skill).where(Skill.code == code)
            .order_by(Competitor.code)).scalars().all()
        db.session.expunge_all()
        return found


def ranked(app, code: str) -> list:
    """The rules engine's results of the skill, in the order the sheets must list them."""
    with app.app_context():
        result = skill_standings(the_skill(code))
    return [r for group in result.groups for r in group.results]


def sign_off(app, code: str, sub: str) -> None:
    with app.test_request_context():
        user = db.session.execute(sa.select(User).where(User.login == "as-organizer")
                                  ).scalar_one()
        signoff.sign_off(user, the_skill(code), sub, confirm=True)


def set_visibility(app, code: str, visibility: str) -> None:
    with app.app_context(), write_transaction() as session:
        session.execute(sa.select(Skill).where(Skill.code == code)).scalar_one().visibility = \
            visibility


# --- the results sheet ----------------------------------------------------------------------------

def test_results_pdf_lists_the_standings_in_the_readers_language(marked, organizer):
    results = ranked(marked, "10")
    people = {c.code: c for c in competitors(marked, "10")}
    medals = {"gold": "Золото", "silver": "Серебро", "bronze": "Бронза"}

    text, pages = pdf_text(organizer("ru"), f"{SHEETS}/skills/10/results.pdf")
    assert pages >= 1
    assert "Сварочные технологии" in text  # the skill's Russian name
    positions = [text.index(people[r.competitor].name_ru) for r in results]
    ranked_ones = [p for p, r in zip(positions, results, strict=True) if r.rank is not None]
    assert ranked_ones == sorted(ranked_ones), "competitors out of rank order"
    awarded = Counter(r.medal for r in results if r.medal)
    assert awarded["gold"] >= 1, "the demo marks should give medals"
    for medal, word in medals.items():
        assert text.count(word) >= awarded[medal], medal
    assert "Медальон за профессионализм" in text or not awarded["medallion"]

    kazakh, _ = pdf_text(organizer("kk"), f"{SHEETS}/skills/10/results.pdf")
    assert "Нұрлан Жұмабаев" in kazakh  # the Kazakh name of competitor 101
    for person in people.values():
        assert person.name_kk in kazakh
    assert "Алтын" in kazakh and "Золото" not in kazakh


def test_results_pdf_shows_the_sign_off_state_of_every_sub_criterion(marked, organizer):
    client = organizer("en")
    sign_off(marked, "10", "A1")
    text, _ = pdf_text(client, f"{SHEETS}/skills/10/results.pdf")
    with marked.app_context():
        subs = db.session.execute(
            sa.select(SubCriterion.code).join(Criterion).join(Skill)
            .where(Skill.code == "10")).scalars().all()
    assert "signed off by as-organizer" in text
    assert text.count("not signed off") == len(subs) - 1
    assert "Not every sub-criterion is signed off" in text
    assert "Chief expert" in text and "Sergey Zaitsev" in text  # the signature line
    assert re.search(r"Page 1 of \d", text)
    with marked.app_context():
        visibility = the_skill("10").visibility
    label = {"hidden": "Not shown yet", "progress": "Marking in progress",
             "live": "Live standings", "frozen": "Standings frozen",
             "published": "Results published"}[visibility]
    assert f"Public view: {label}" in text


def test_results_workbook_and_csv_have_the_rows_in_rank_order(marked, organizer):
    client = organizer("en")
    results = ranked(marked, "10")
    sign_off(marked, "10", "B1")

    book = workbook(client, f"{SHEETS}/skills/10/results.xlsx")
    header, rows = table_after(book.worksheets[0], "Rank")
    assert header[:7] == ["Rank", "Medal", "Code", "Competitor", "Organization", "Region",
                          "Score"]
    assert "Total marks" in header  # WorldSkills scale: the score is not the points
    assert [row[2] for row in rows] == [r.competitor for r in results]
    assert [row[0] for row in rows] == [r.rank for r in results]
    scores = [row[6] for row in rows]
    assert all(isinstance(score, int | float) for score in scores)
    by_code = {r.competitor: r for r in results}
    for row in rows:
        assert Decimal(str(row[6])) == Decimal(round(by_code[row[2]].score))
    signed = {row[0]: row[3] for row in book.worksheets[1].iter_rows(min_row=2,
                                                                      values_only=True)}
    assert signed["B1"].startswith("signed off by as-organizer")
    assert signed["A1"] == "not signed off"

    response = fetch(client, f"{SHEETS}/skills/10/results.csv", "text/csv")
    assert 'attachment; filename="results-vko-ws-2026-10.csv"' == \
        response.headers["Content-Disposition"]
    lines = read_csv(response)
    assert lines[0] == header
    assert [line[2] for line in lines[1:]] == [r.competitor for r in results]


def test_categories_are_ranked_apart(marked, organizer):
    results = ranked(marked, "A01")  # Abilympics: raw scale, one group per category
    book = workbook(organizer("en"), f"{SHEETS}/skills/A01/results.xlsx")
    header, rows = table_after(book.worksheets[0], "Category")
    assert "Total marks" not in header
    assert [row[3] for row in rows] == [r.competitor for r in results]
    assert len({row[0] for row in rows}) > 1


def test_a_skill_whose_standings_cannot_be_computed_gets_a_message(marked, organizer):
    with marked.app_context(), write_transaction() as session:
        skill = session.execute(sa.select(Skill).where(Skill.code == "04")).scalar_one()
        aspect = session.execute(sa.select(Aspect).where(
            Aspect.skill_id == skill.id, Aspect.type == "M")).scalars().first()
        competitor = session.execute(sa.select(Competitor).where(
            Competitor.skill_id == skill.id)).scalars().first()
        skill.version += 1
        mark = Mark(skill_id=skill.id, aspect_id=aspect.id, aspect_type="M",
                    competitor_id=competitor.id, value=Decimal("0.3333"),
                    version=skill.version)
        session.add(mark)
        session.flush()
        session.add(MarkRevision(mark_id=mark.id, revision=1, new_value=mark.value,
                                 idempotency_key=str(uuid.uuid4()),
                                 skill_version=skill.version))
    client = organizer("en")
    for kind in ("pdf", "xlsx", "csv"):
        response = client.get(f"{SHEETS}/skills/04/results.{kind}")
        assert response.status_code == 409
        assert "cannot be computed yet" in response.get_data(as_text=True)


def test_unknown_skill_championship_or_sub_criterion_is_404(marked, organizer):
    client = organizer("en")
    for url in (f"{SHEETS}/skills/NOPE/results.pdf", f"{SHEETS}/skills/NOPE/marks.csv",
                f"{SHEETS}/skills/10/forms.pdf?sub=Z9",
                f"{SHEETS}/championships/no-such/medals.xlsx"):
        assert client.get(url).status_code == 404, url


# --- the medal table ------------------------------------------------------------------------------

def test_medal_table_counts_the_published_skills(marked, organizer):
    set_visibility(marked, "10", "published")
    expected: dict[str, Counter] = {}
    for r in ranked(marked, "10"):
        if r.medal:
            expected.setdefault(r.organization, Counter())[r.medal] += 1
    with marked.app_context():
        names = {o.code: o.name_en for o in db.session.execute(
            sa.select(Organization).where(Organization.code.in_(expected))).scalars()}

    client = organizer("en")
    book = workbook(client, f"{SHEETS}/championships/vko-ws-2026/medals.xlsx")
    header, rows = table_after(book.worksheets[0], "Code")
    assert header == ["Code", "Organization", "Region", "Gold", "Silver", "Bronze",
                      "Medallions", "Medal points"]
    found = {row[0]: row for row in rows}
    assert set(expected) <= set(found)
    for code, row in found.items():  # organizations that took part without medals have 0s
        counts = expected.get(code, Counter())
        assert list(row[3:7]) == [counts["gold"], counts["silver"], counts["bronze"],
                                  counts["medallion"]], code
        assert code not in names or row[1] == names[code]
    assert [s.title for s in book.worksheets] == ["By organization", "By region",
                                                  "Best of Region"]

    text, pages = pdf_text(client, f"{SHEETS}/championships/vko-ws-2026/medals.pdf")
    assert pages >= 1
    assert "Published skills: 1." in text
    for name in names.values():
        assert name in text


# --- marking forms --------------------------------------------------------------------------------

def test_marking_forms_have_every_aspect_and_competitor(marked, organizer):
    client = organizer("en")
    with marked.app_context():
        skill = the_skill("10")
        subs = [(sub.code, [a.code for a in sub.aspects])
                for criterion in skill.criteria for sub in criterion.sub_criteria]
    codes = [c.code for c in competitors(marked, "10") if c.status != "withdrawn"]

    text, pages = pdf_text(client, f"{SHEETS}/skills/10/forms.pdf")
    assert pages >= len(subs)
    assert text.count("Marking form:") == len(subs)  # 10 competitors: one page a form
    for code, aspects in subs:
        assert f"Marking form: {code} " in text
        assert all(aspect in text for aspect in aspects)
    assert "Chief expert Sergey Zaitsev" in text

    one, one_pages = pdf_text(client, f"{SHEETS}/skills/10/forms.pdf?sub=A2")
    assert one_pages == 1 and one.count("Marking form:") == 1
    for code in codes:
        assert re.search(rf"\b{code}\b", one), code
    assert "0–3" in one  # A2 has a judgement aspect
    assert "Expert 3" in one  # three judges sign it


def test_more_competitors_than_fit_spread_a_form_over_pages(marked, organizer):
    client = organizer("en")
    _, before = pdf_text(client, f"{SHEETS}/skills/10/forms.pdf?sub=A1")
    with marked.app_context(), write_transaction() as session:
        skill = session.execute(sa.select(Skill).where(Skill.code == "10")).scalar_one()
        for number in range(201, 216):
            session.add(Competitor(skill_id=skill.id, code=str(number), name_en=f"Extra {number}",
                                   status="active", workstation=str(number - 190)))
    text, after = pdf_text(client, f"{SHEETS}/skills/10/forms.pdf?sub=A1")
    assert after > before
    assert text.count("Marking form: A1") == after
    for number in range(201, 216):
        assert str(number) in text
    assert text.count("A1.1") == after  # the aspects repeated on every part


# --- exports of marks -----------------------------------------------------------------------------

def test_marks_csv_has_every_mark_and_escapes_formulas(marked, organizer):
    with marked.app_context(), write_transaction() as session:
        skill = session.execute(sa.select(Skill).where(Skill.code == "10")).scalar_one()
        victim = session.execute(sa.select(Competitor).where(
            Competitor.skill_id == skill.id, Competitor.code == "101")).scalar_one()
        victim.name_ru = EVIL
        victim.organization.name_ru = "+7 (7232) 00-00-00"
        judge = session.execute(sa.select(Expert).join(Mark, Mark.judge_id == Expert.id).where(
            Mark.competitor_id == victim.id)).scalars().first()
        judge.name_ru = "@SUM(A1:A9)"
        judge_code = judge.code
        in_db = session.execute(sa.select(sa.func.count()).select_from(Mark).where(
            Mark.skill_id == skill.id, Mark.value.is_not(None))).scalar_one()
        by_kind = dict(session.execute(
            sa.select(Mark.aspect_type, sa.func.count()).where(Mark.skill_id == skill.id)
            .group_by(Mark.aspect_type)).all())

    client = organizer("ru")
    response = fetch(client, f"{SHEETS}/skills/10/marks.csv", "text/csv")
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="marks-vko-ws-2026-10.csv"'
    header, *rows = read_csv(response)
    assert len(rows) == in_db
    assert Counter(row[6] for row in rows) == Counter(by_kind)
    mine = [row for row in rows if row[0] == "101"]
    assert mine and all(row[1] == "'" + EVIL for row in mine)
    assert all(row[2] == "'+7 (7232) 00-00-00" for row in mine)
    judged = [row for row in mine if row[7] == judge_code]
    assert judged and all(row[8] == "'@SUM(A1:A9)" for row in judged)
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    for row in rows:
        value = Decimal(row[9])
        assert value >= 0 and (row[6] == "M" or value in (0, 1, 2, 3))

    book = workbook(client, f"{SHEETS}/skills/10/marks.xlsx")
    sheet = book.worksheets[0]
    header_row, cells = table_after(sheet, header[0])
    assert header_row == header and len(cells) == in_db
    names = [cell for cell in sheet["B"] if cell.value and "HYPERLINK" in str(cell.value)]
    assert names and all(c.data_type == "s" and c.value == "'" + EVIL for c in names)
    assert all(isinstance(row[9], int | float) for row in cells)


def test_the_organizers_dashboard_links_to_the_sheets(marked, organizer):
    response = organizer("en").get("/manage/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Print and export" in html
    for url in (f"{SHEETS}/skills/10/results.pdf", f"{SHEETS}/skills/A01/forms.pdf",
                f"{SHEETS}/skills/10/marks.csv",
                f"{SHEETS}/championships/vko-abilympics-2026/medals.xlsx"):
        assert f'href="{url}"' in html, url
