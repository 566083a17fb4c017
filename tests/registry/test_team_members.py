"""A team's members' personal data (docs/people.md, docs/imports.md): each member's birth date
and consent in the competitor form and the import, refused naming the member; each member held
to the age rules (import and form warnings, the eligibility report and its sheet); the minor
rule per member where the public reads members' names; the personal data export and the
erasure; the backup (tests/test_backup.py fills a member's birth date too)."""

from __future__ import annotations

import io
import json
from datetime import date

import openpyxl
import pytest
import sqlalchemy as sa

from competition.database import write_transaction
from competition.extensions import db
from competition.models import (
    AuditEntry,
    Championship,
    Competitor,
    CompetitorMember,
    Document,
    Skill,
)
from tests.board.test_results import set_visibility
from tests.helpers import EN, submit
from tests.marking import enter_marks
from tests.registry.test_imports_people import WS, confirm, counts, upload, xlsx
from tests.registry.test_privacy import erase

HEADER = ["code", "name_ru", "organization", "members_ru", "members_birth_dates",
          "members_consent"]
GOOD = ["201", "Алтай-2", "UKSTK", "Иван Петров; Асхат Омаров", "31.12.2007; 15/04/2006",
        "нет; да"]


def team(app, code: str) -> Competitor:
    with app.app_context():
        found = db.session.execute(sa.select(Competitor).join(Skill).where(
            Skill.code == "04", Competitor.code == code)).scalar_one()
        _ = found.members, found.skill.championship
        db.session.expunge_all()
        return found


def member_rows(app) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(CompetitorMember)
                                  ).scalar_one()


def ids(app) -> tuple[int, int]:
    """The WorldSkills championship's id and skill 04's."""
    with app.app_context():
        skill = db.session.execute(sa.select(Skill).join(Championship).where(
            Championship.code == WS, Skill.code == "04")).scalar_one()
        return skill.championship_id, skill.id


# --- the import ---------------------------------------------------------------------------------

def test_the_import_takes_each_members_birth_date_and_consent(demo_app, organizer):
    rows = [HEADER, GOOD,
            ["202", "Иртыш-2", "VKPTK", "Ерлан Садыков; Мария Ким", "-; 2005-03-14", ""]]
    preview = upload(organizer, "competitors", "teams.xlsx", xlsx(rows), skill="04")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Warnings" not in html, html
    assert confirm(organizer, preview).status_code == 303
    first, second = team(demo_app, "201"), team(demo_app, "202")
    assert [(m.name_ru, m.birth_date, m.name_consent) for m in first.members] == [
        ("Иван Петров", date(2007, 12, 31), False), ("Асхат Омаров", date(2006, 4, 15), True)]
    assert [(m.birth_date, m.name_consent) for m in second.members] == [
        (None, False), (date(2005, 3, 14), False)]
    again = upload(organizer, "competitors", "teams.xlsx", xlsx(rows), skill="04")
    assert "create 0" in again.get_data(as_text=True)
    assert "update 0" in again.get_data(as_text=True)  # "-; 2005-03-14" reads back the same

    moved = [HEADER, [*GOOD[:4], "30.12.2007; 15.04.2006", "нет; да"]]
    preview = upload(organizer, "competitors", "teams.xlsx", xlsx(moved), skill="04")
    assert "update 1" in preview.get_data(as_text=True)
    confirm(organizer, preview)
    assert team(demo_app, "201").members[0].birth_date == date(2007, 12, 30)


@pytest.mark.parametrize(("dates", "consent", "fragment"), [
    ("01.01.2099; 15.04.2006", "", "Member 1 (Иван Петров): The birth date 01.01.2099 is in "
                                   "the future."),
    ("31.12.1899; 15.04.2006", "", "Member 1 (Иван Петров): The birth date 31.12.1899 is "
                                   "before 1900."),
    ("31.12.2007; 32.01.2006", "", "Member 2 (Асхат Омаров): A date such as 31.12.2007, "
                                   "31/12/2007 or 2007-12-31; “32.01.2006” is not one."),
    ("31.12.2007", "", "Team members in this skill: 2; given: 1 (one for each member"),
    ("31.12.2007; 15.04.2006; 01.01.2005", "", "Team members in this skill: 2; given: 3"),
    ("", "да; может быть", "Member 2 (Асхат Омаров): yes or no (also да/нет, иә/жоқ); "
                           "“может быть” is neither."),
])
def test_a_wrong_member_entry_names_the_member_and_writes_nothing(demo_app, organizer, dates,
                                                                   consent, fragment):
    before, members = counts(demo_app), member_rows(demo_app)
    rows = [HEADER, ["203", "Ульба-2", "VKPTK", "Ерлан Садыков; Мария Ким", "", ""],
            [*GOOD[:4], dates, consent]]
    preview = upload(organizer, "competitors", "bad.xlsx", xlsx(rows), skill="04")
    html = preview.get_data(as_text=True)
    assert "The file has errors" in html and fragment in html, html
    assert "members_" in html and '<td class="num">3</td>' in html
    assert counts(demo_app) == before and member_rows(demo_app) == members


def test_members_dates_in_an_individual_skill_are_refused(demo_app, organizer):
    before = counts(demo_app)
    rows = [["code", "name_ru", "members_birth_dates"], ["601", "Один", "31.12.2007"]]
    preview = upload(organizer, "competitors", "bad.xlsx", xlsx(rows), skill="10")
    html = preview.get_data(as_text=True)
    assert "The file has errors" in html
    assert "This skill is for individual competitors; leave the team members empty." in html
    assert counts(demo_app) == before


def test_a_member_the_age_rules_exclude_is_a_warning_naming_the_member(demo_app, organizer):
    rows = [HEADER, [*GOOD[:4], "31.12.2007; 15.06.2002", ""]]
    preview = upload(organizer, "competitors", "ages.xlsx", xlsx(rows), skill="04")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Warnings" in html, html
    assert ("row 2, column members_birth_dates, value &#39;15.06.2002&#39;: Member 2 (Асхат "
            "Омаров): Not eligible by age: 24 on 31.12.2026") in html
    assert "Member 1" not in html
    assert confirm(organizer, preview).status_code == 303  # imported all the same
    assert team(demo_app, "201").members[1].birth_date == date(2002, 6, 15)


# --- the form -----------------------------------------------------------------------------------

FORM = {"code": "150", "name_ru": "Команда", "organization": "VKPTK", "status": "active",
        "members_ru": "Иван Петров\nАсхат Омаров", "members_en": "Ivan Petrov\nAskhat Omarov"}


def test_the_form_takes_members_birth_dates_and_consent(demo_app, organizer):
    _championship_id, skill_id = ids(demo_app)
    url = f"/manage/skills/{skill_id}/competitors/new"
    page = organizer.get(url, headers=EN).get_data(as_text=True)
    assert 'name="members_birth_dates"' in page and 'name="members_consent"' in page
    bad = submit(organizer, url, {**FORM, "members_birth_dates": "31.12.2007\n01.01.2099"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 200
    assert "Member 2 (Askhat Omarov): The birth date 01.01.2099 is in the future." in text
    assert 'id="members_birth_dates-error"' in text
    bad = submit(organizer, url, {**FORM, "members_birth_dates": "31.12.2007\nзавтра"})
    assert "Member 2 (Askhat Omarov): A date such as 31.12.2007" in bad.get_data(as_text=True)

    done = submit(organizer, url, {**FORM, "members_birth_dates": "31.12.2007\n15.06.2002",
                                   "members_consent": "yes\nno"})
    assert done.status_code == 302, done.get_data(as_text=True)
    listing = organizer.get(done.headers["Location"], headers=EN).get_data(as_text=True)
    assert "Warning: team 150 has members who are not eligible by age. Askhat Omarov: Age 24 " \
        "on 31.12.2026: older than 22 (limits ≤ 22)." in listing
    saved = team(demo_app, "150")
    assert [(m.birth_date, m.name_consent) for m in saved.members] == [
        (date(2007, 12, 31), True), (date(2002, 6, 15), False)]
    edit = organizer.get(f"/manage/competitors/{saved.id}/edit", headers=EN
                         ).get_data(as_text=True)
    assert "31.12.2007\n15.06.2002</textarea>" in edit and "yes\nno</textarea>" in edit
    assert "Askhat Omarov: Age 24 on 31.12.2026: older than 22" in edit  # its eligibility
    with demo_app.app_context():
        entry = db.session.execute(sa.select(AuditEntry).where(
            AuditEntry.entity == "competitor", AuditEntry.entity_id == saved.id)).scalar_one()
        assert [m["birth_date"] for m in entry.changes["members"][1]] == [
            "2007-12-31", "2002-06-15"]

    unknown = submit(organizer, f"/manage/competitors/{saved.id}/edit",
                     {**FORM, "members_birth_dates": "-\n15.06.2002", "members_consent": ""})
    assert unknown.status_code == 302
    assert [(m.birth_date, m.name_consent) for m in team(demo_app, "150").members] == [
        (None, False), (date(2002, 6, 15), False)]


# --- the eligibility report ---------------------------------------------------------------------

def test_the_report_lists_a_team_with_the_members_to_check(demo_app, organizer):
    championship_id, _skill_id = ids(demo_app)
    report = f"/manage/championships/{championship_id}/eligibility"
    assert "Abai Tech" not in organizer.get(report, headers=EN).get_data(as_text=True)
    with demo_app.app_context(), write_transaction() as session:
        abai = session.execute(sa.select(Competitor).join(Skill).where(
            Skill.code == "04", Competitor.code == "106")).scalar_one()
        abai.members[0].birth_date = date(2002, 6, 15)   # Alikhan Serikbaiuly: 24
        abai.members[1].birth_date = None                # Maxim Ziegler: unknown
        altai = session.execute(sa.select(Competitor).join(Skill).where(
            Skill.code == "04", Competitor.code == "102")).scalar_one()
        altai.members[1].birth_date = None
    text = organizer.get(report, headers=EN).get_data(as_text=True)
    row, altai_row = (_row(text, team(demo_app, code).id) for code in ("106", "102"))
    assert "Alikhan Serikbaiuly: Age 24 on 31.12.2026: older than 22 (limits ≤ 22)." in row
    assert "Maxim Ziegler: No birth date: eligibility cannot be checked." in row
    assert "Maxim Ziegler: —" in row and "Alikhan Serikbaiuly: 15.06.2002" in row
    assert "Accept the exception" in row  # a member is excluded
    assert "Orken Zhussupov: No birth date" in altai_row
    assert "Accept the exception" not in altai_row  # only unknown: nothing to accept
    assert "Vadim Yegorov" not in altai_row  # eligible members are not listed

    sheet = organizer.get(f"/manage/championships/{championship_id}/eligibility.xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(sheet.data)).worksheets[0].values)
    assert rows[0][-1] == "Команда"
    members = [r for r in rows if r[0] == "04" and r[1] == "106"]
    assert [(r[2], r[6], r[-1]) for r in members] == [
        ("Alikhan Serikbaiuly", 24, "Abai Tech"), ("Maxim Ziegler", None, "Abai Tech")]


def _row(page: str, competitor_id: int) -> str:
    row = page[page.index(f'<tr id="c{competitor_id}">'):]
    return row[:row.index("</tr>")]


# --- public pages -------------------------------------------------------------------------------

def test_a_minor_member_is_named_short_on_the_public_participant_page(demo_app, organizer):
    """04/104 Belukha: Denis Kim is 17 on the first day without consent; 04/105 Zaisan: Ilyas
    Tuleubayev is 17 with consent (the demo's data)."""
    from competition.board.results import member_public_names

    with demo_app.app_context(), write_transaction() as session:
        for code in ("104", "105"):
            competitor = session.execute(sa.select(Competitor).join(Skill).where(
                Skill.code == "04", Competitor.code == code)).scalar_one()
            for n, member in enumerate(competitor.members):
                session.add(Document(
                    championship_id=competitor.skill.championship_id, kind="participation",
                    serial=f"M-{code}-{n}", skill_id=competitor.skill_id,
                    competitor_id=competitor.id, member_id=member.id,
                    details={"recipient": member.names()}, pdf=b"%PDF-1"))
    belukha, zaisan = team(demo_app, "104"), team(demo_app, "105")
    with demo_app.test_request_context(headers=EN):
        short = member_public_names(belukha.members[1], belukha)
    assert short["en"] != "Denis Kim" and short["en"].endswith(".")  # "Surname N."

    public = demo_app.test_client()
    page = public.get(f"/me/{belukha.results_code}", headers=EN).get_data(as_text=True)
    assert "Daniyar Kozhakhmetov" in page          # an adult member: in full
    assert "Denis Kim" not in page and short["en"] in page
    page = public.get(f"/me/{zaisan.results_code}", headers=EN).get_data(as_text=True)
    assert "Ilyas Tuleubayev" in page              # a minor with consent: in full
    staff = organizer.get(f"/me/{belukha.results_code}", headers=EN).get_data(as_text=True)
    assert "Denis Kim" in staff

    with demo_app.app_context(), write_transaction() as session:
        session.execute(sa.select(Championship).where(Championship.code == WS)
                        ).scalar_one().public_names = "code"
    page = public.get(f"/me/{belukha.results_code}", headers=EN).get_data(as_text=True)
    assert "Daniyar Kozhakhmetov" not in page and "Denis Kim" not in page


# --- the export and the erasure -----------------------------------------------------------------

def test_the_export_holds_the_members_birth_dates_and_the_erasure_clears_them(
        demo_app, organizer):
    belukha = team(demo_app, "104")
    record = organizer.get(f"/manage/competitors/{belukha.id}/personal-data.json").get_json()
    assert [(m["name_en"], m["birth_date"], m["name_consent"]) for m in record["members"]] == [
        ("Daniyar Kozhakhmetov", "2007-02-11", False), ("Denis Kim", "2009-06-05", False)]
    pdf = organizer.get(f"/manage/competitors/{belukha.id}/personal-data.pdf")
    assert pdf.status_code == 200

    edited = submit(organizer, f"/manage/competitors/{belukha.id}/edit", {
        "code": "104", "name_ru": belukha.name_ru, "organization": "", "status": "active",
        "members_ru": "\n".join(m.name_ru for m in belukha.members),
        "members_birth_dates": "11.02.2007\n05.06.2009", "members_consent": "no\nyes"})
    assert edited.status_code == 302  # an audit entry with the members' dates
    with demo_app.app_context():
        enter_marks("04", seed=3)
    set_visibility(demo_app, "04", "published")
    assert erase(organizer, "competitors", belukha.id, "104").status_code == 302
    erased = team(demo_app, "104")
    assert [(m.name_en, m.birth_date, m.name_consent) for m in erased.members] == [
        ("Competitor 104, member 1", None, False), ("Competitor 104, member 2", None, False)]
    with demo_app.app_context():
        changes = json.dumps(db.session.execute(sa.select(AuditEntry.changes).where(
            AuditEntry.entity == "competitor", AuditEntry.entity_id == belukha.id))
            .scalars().all(), ensure_ascii=False)
    assert "2009-06-05" not in changes and "Denis Kim" not in changes
