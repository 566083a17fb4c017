"""Eligibility by age (docs/people.md): the IIN checked part by part, ages on the reference date,
the rules as data (defaults, the skill over the championship, categories), the organizer's
forms, the exception (organizers only, audited) and the report with its sheet."""

from __future__ import annotations

import io
from datetime import date
from types import SimpleNamespace

import openpyxl
import pytest
import sqlalchemy as sa

from competition.database import write_transaction
from competition.extensions import db
from competition.models import AuditEntry, Championship, Competitor, Skill
from competition.registry.people.eligibility import (
    age_on,
    judge,
    limits_for,
    reference_date,
    rule_problems,
)
from competition.registry.people.iin import IinError, check_digit, check_iin, make_iin
from tests.access import client_as
from tests.helpers import EN, csrf, submit

WS = "vko-ws-2026"

# --- the IIN ------------------------------------------------------------------------------------


def test_a_computed_iin_is_valid_and_says_the_birth_date_and_sex():
    for born, sex in ((date(2007, 12, 31), "female"), (date(1999, 2, 28), "male"),
                      (date(1885, 6, 1), "male"), (date(2000, 2, 29), "female")):
        number = make_iin(born, sex)
        found = check_iin(number)
        assert (found.birth_date, found.sex) == (born, sex), number
        assert number[6] in {1800: "12", 1900: "34", 2000: "56"}[born.year // 100 * 100]


def test_the_check_digit_follows_both_weightings():
    assert check_digit("00000000001") == 0      # 11 × 1 = 11 → 0
    assert check_digit("10000000000") == 1      # 1 × 1
    # 10 under the first weights (weight 10 on digit 10 = 1), the second: weight 1 → 1
    assert check_digit("00000000010") == 1


@pytest.mark.parametrize(("number", "part"), [
    ("07123150001", "format"),        # 11 digits
    ("0712315000123", "format"),      # 13 digits
    ("07123I500012", "format"),       # a letter
    ("071331500011", "date"),         # month 13
    ("070230500011", "date"),         # 30 February
    ("071231700012", "century"),      # 7 is no century
    ("071231000012", "century"),
])
def test_each_wrong_part_of_an_iin_is_named(number, part):
    with pytest.raises(IinError) as raised:
        check_iin(number)
    assert raised.value.part == part


def test_a_wrong_check_digit_is_named():
    good = make_iin(date(2007, 12, 31))
    bad = good[:11] + str((int(good[11]) + 1) % 10)
    with pytest.raises(IinError) as raised:
        check_iin(bad)
    assert raised.value.part == "check"


def test_an_iin_without_any_check_digit_is_invalid():
    # find eleven digits whose both weightings give 10: no twelfth digit makes them valid
    for serial in range(10000):
        first = f"0712315{serial:04d}"
        if check_digit(first) is None:
            for last in "0123456789":
                with pytest.raises(IinError):
                    check_iin(first + last)
            return
    pytest.skip("no such serial for this date")


# --- ages and rules -----------------------------------------------------------------------------

def test_age_on_the_birthday_and_the_day_before():
    assert age_on(date(2004, 12, 31), date(2026, 12, 31)) == 22
    assert age_on(date(2004, 12, 31), date(2026, 12, 30)) == 21
    assert age_on(date(2008, 11, 24), date(2026, 11, 24)) == 18  # on the reference date


def test_born_on_a_leap_day_is_a_year_older_on_the_first_of_march():
    born = date(2008, 2, 29)
    assert age_on(born, date(2026, 2, 28)) == 17
    assert age_on(born, date(2026, 3, 1)) == 18
    assert age_on(born, date(2028, 2, 29)) == 20


def _skill(kind="worldskills", rules=None, skill_rules=None, starts=date(2026, 11, 24)):
    championship = SimpleNamespace(kind=kind, age_rules=rules, starts_on=starts)
    return SimpleNamespace(championship=championship, age_rules=skill_rules)


def test_the_defaults_of_each_kind():
    ws = limits_for(_skill(), None)
    assert (ws.on, ws.min, ws.max) == ("year_end", None, 22)
    assert reference_date(ws.on, _skill().championship) == date(2026, 12, 31)
    ab = limits_for(_skill("abilympics"), "schoolchildren")
    assert (ab.on, ab.min, ab.max) == ("first_day", 14, 18)
    assert limits_for(_skill("abilympics"), "specialists").min == 18
    assert reference_date("first_day", _skill().championship) == date(2026, 11, 24)
    assert reference_date("2026-09-01", _skill().championship) == date(2026, 9, 1)


def test_a_skill_overrides_the_championship_and_a_category_the_general_limits():
    rules = {"on": "first_day", "min": 16, "max": 22,
             "categories": {"students": {"min": 15, "max": 30}}}
    assert limits_for(_skill(rules=rules), None).min == 16
    assert limits_for(_skill(rules=rules), "students").max == 30
    juniors = limits_for(_skill(rules=rules, skill_rules={"min": 14, "max": 16}), None)
    assert (juniors.on, juniors.min, juniors.max) == ("first_day", 14, 16)
    day = reference_date(juniors.on, _skill().championship)
    assert judge(date(2010, 11, 24), juniors, day).status == "eligible"       # 16 that day
    assert judge(date(2010, 11, 23), juniors, day).status == "eligible"
    assert judge(date(2009, 11, 23), juniors, day).status == "too_old"        # 17
    assert judge(date(2012, 11, 25), juniors, day).status == "too_young"      # 13
    assert judge(None, juniors, day).status == "no_birth_date"


def test_rule_problems():
    assert rule_problems({"min": 20, "max": 18}, []) == [("max", "order",
                                                          {"key": "", "min": 20, "max": 18})]
    assert rule_problems({"min": 5}, [])[0][1] == "range"
    assert rule_problems({"categories": {"pupils": {"min": 14}}}, ["students"])[0][1] == \
        "category"
    assert rule_problems({"on": "someday"}, [])[0][1] == "on"
    assert rule_problems({"on": "2026-09-01", "min": 14, "max": 16}, []) == []


# --- the organizer's pages ----------------------------------------------------------------------

def _ids(app, code=WS, skill_code="10"):
    with app.app_context():
        championship = db.session.execute(
            sa.select(Championship).where(Championship.code == code)).scalar_one()
        skill = db.session.execute(sa.select(Skill).where(
            Skill.championship_id == championship.id, Skill.code == skill_code)).scalar_one()
        return championship.id, skill.id


def _competitor(app, code="108", skill="10", championship=WS) -> Competitor:
    with app.app_context():
        found = db.session.execute(sa.select(Competitor).join(Skill).join(Championship).where(
            Championship.code == championship, Skill.code == skill, Competitor.code == code)
        ).scalar_one()
        db.session.expunge(found)
        return found


def test_the_championship_form_saves_age_rules_and_refuses_bad_ones(demo_app, organizer):
    championship_id, _skill_id = _ids(demo_app)
    url = f"/manage/championships/{championship_id}/edit"
    page = organizer.get(url, headers=EN).get_data(as_text=True)
    assert 'name="age_min"' in page and "Age rules" in page
    base = {"code": WS, "name_ru": "Чемпионат", "kind": "worldskills", "scale": "raw",
            "judges_per_aspect": "3", "medal_min_gold": "1", "medal_min_silver": "1",
            "medal_min_bronze": "1", "public_names": "full"}
    bad = submit(organizer, url, {**base, "age_min": "22", "age_max": "16"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "cannot be below the youngest" in text
    assert 'aria-describedby="age_max-error"' in text or "age_max-error" in text
    bad = submit(organizer, url, {**base, "age_categories": "pupils: 14-16"})
    assert "no category “pupils”" in bad.get_data(as_text=True)
    bad = submit(organizer, url, {**base, "age_min": "8"})
    assert "from 10 to 100" in bad.get_data(as_text=True)
    done = submit(organizer, url, {**base, "age_on": "first_day", "age_min": "16",
                                   "age_max": "22"})
    assert done.status_code == 302
    with demo_app.app_context():
        assert db.session.get(Championship, championship_id).age_rules == {
            "on": "first_day", "min": 16, "max": 22}
    again = organizer.get(url, headers=EN).get_data(as_text=True)
    assert 'name="age_min" type="text" value="16"' in again or 'value="16"' in again


def test_the_skill_form_sets_own_limits_that_override(demo_app, organizer):
    _championship_id, skill_id = _ids(demo_app)
    url = f"/manage/skills/{skill_id}/edit"
    done = submit(organizer, url, {"code": "10", "name_ru": "Сварка", "team_size": "1",
                                   "position": "1", "age_min": "14", "age_max": "16"})
    assert done.status_code == 302, done.get_data(as_text=True)
    with demo_app.app_context():
        skill = db.session.get(Skill, skill_id)
        assert skill.age_rules == {"min": 14, "max": 16}
        assert (limits_for(skill, None).min, limits_for(skill, None).max) == (14, 16)


AB = "vko-abilympics-2026"


def test_the_skill_form_takes_limits_per_category_of_its_championship(demo_app, organizer):
    championship_id, skill_id = _ids(demo_app, AB, "A01")
    url = f"/manage/skills/{skill_id}/edit"
    page = organizer.get(url, headers=EN).get_data(as_text=True)
    assert 'name="age_categories"' in page and "Age limits per category" in page
    base = {"code": "A01", "name_ru": "Компьютерная графика", "team_size": "1",
            "position": "1"}
    for typed, message in (
            ("pupils: 14-16", "The championship has no category “pupils”; its categories: "
                              "schoolchildren, students, specialists."),
            ("students 16 to 20", "“students 16 to 20” is not “category: youngest-oldest”."),
            ("students: 20-16", "students: the oldest age cannot be below the youngest."),
            ("students: 8-20", "students: give an age from 10 to 100.")):
        bad = submit(organizer, url, {**base, "age_categories": typed})
        text = bad.get_data(as_text=True)
        assert bad.status_code == 200 and message in text, (typed, text)
        assert 'id="age_categories-error"' in text
    with demo_app.app_context():
        assert db.session.get(Skill, skill_id).age_rules is None  # nothing saved
    report = f"/manage/championships/{championship_id}/eligibility"
    assert "Age 22" not in organizer.get(report, headers=EN).get_data(as_text=True)

    done = submit(organizer, url, {**base, "age_categories": "студенты: 16-20"})
    assert done.status_code == 302, done.get_data(as_text=True)
    with demo_app.app_context():
        skill = db.session.get(Skill, skill_id)
        assert skill.age_rules == {"categories": {"students": {"min": 16, "max": 20}}}
        limits = limits_for(skill, "students")  # over the championship's students 15–30
        assert (limits.on, limits.min, limits.max) == ("first_day", 16, 20)
        assert limits_for(skill, "specialists").min == 18  # the other categories keep theirs
    again = organizer.get(url, headers=EN).get_data(as_text=True)
    assert "students: 16-20</textarea>" in again

    # A01/108, a student born 21.03.2004: 22 on the first day, eligible by the championship's
    # 15–30, not by the skill's 16–20 — in the report, its sheet and the form's warning
    text = organizer.get(report, headers=EN).get_data(as_text=True)
    assert "Age 22 on 20.10.2026: older than 20 (limits 16–20)." in text
    sheet = organizer.get(f"/manage/championships/{championship_id}/eligibility.xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(sheet.data)).worksheets[0].values)
    assert any(r[0] == "A01" and r[1] == "108" and r[6] == 22 for r in rows)
    student = _competitor(demo_app, "108", "A01", AB)
    saved = submit(organizer, f"/manage/competitors/{student.id}/edit", {
        "code": "108", "name_ru": student.name_ru, "organization": "", "category": "students",
        "status": "active", "birth_date": "21.03.2004"})
    assert saved.status_code == 302
    listing = organizer.get(saved.headers["Location"], headers=EN).get_data(as_text=True)
    assert "108 is not eligible by age" in listing and "older than 20" in listing


def test_a_skill_of_a_championship_without_categories_has_no_category_limits(
        demo_app, organizer):
    _championship_id, skill_id = _ids(demo_app)
    url = f"/manage/skills/{skill_id}/edit"
    assert 'name="age_categories"' not in organizer.get(url, headers=EN).get_data(as_text=True)
    bad = submit(organizer, url, {"code": "10", "name_ru": "Сварка", "team_size": "1",
                                  "position": "1", "age_categories": "students: 16-20"})
    assert "The championship has no category “students”; its categories: —." in \
        bad.get_data(as_text=True)


def test_the_competitor_form_takes_personal_data_and_warns_after_saving(demo_app, organizer):
    _championship_id, skill_id = _ids(demo_app)
    url = f"/manage/skills/{skill_id}/competitors/new"
    page = organizer.get(url, headers=EN).get_data(as_text=True)
    assert "Confidential: organizers and the chief expert only" in page
    born = date(2001, 5, 17)  # 25 at the end of 2026: over 22
    data = {"code": "150", "name_ru": "Иван Старший", "organization": "«ТОО ВКПТК»",
            "status": "active", "birth_date": "17.05.2001", "iin": make_iin(born),
            "name_consent": "y", "disability": "II группа", "health_note": "Аллергия"}
    bad = submit(organizer, url, {**data, "organization": "VKPTK",
                                  "iin": make_iin(date(2001, 5, 18))})
    text = bad.get_data(as_text=True)
    assert "is of someone born on 18.05.2001, but the birth date is 17.05.2001" in text
    future = submit(organizer, url, {**data, "organization": "VKPTK", "iin": "",
                                     "birth_date": "01.01.2099"})
    assert "is in the future" in future.get_data(as_text=True)
    bad = submit(organizer, url, {**data, "organization": "VKPTK", "iin": "12345"})
    assert "An IIN is 12 digits" in bad.get_data(as_text=True)
    done = submit(organizer, url, {**data, "organization":
                                   "ТОО «Восточно-Казахстанский политехнический колледж»"})
    assert done.status_code == 302, done.get_data(as_text=True)
    listing = organizer.get(done.headers["Location"], headers=EN).get_data(as_text=True)
    assert "not eligible by age" in listing and "older than 22" in listing
    saved = _competitor(demo_app, "150")
    assert (saved.birth_date, saved.iin, saved.name_consent) == (born, make_iin(born), True)
    assert (saved.disability, saved.health_note) == ("II группа", "Аллергия")
    with demo_app.app_context():
        assert db.session.get(Competitor, saved.id).organization.code == "VKPTK"
    with demo_app.app_context():
        entry = db.session.execute(sa.select(AuditEntry).where(
            AuditEntry.entity == "competitor", AuditEntry.entity_id == saved.id)).scalar_one()
        assert entry.changes["health_note"] == [None, "…"] or \
            entry.changes["health_note"][1] == "…"
        assert "Аллергия" not in str(entry.changes)


def test_the_report_lists_who_is_not_eligible_and_the_sheet_says_the_same(demo_app, organizer):
    championship_id, _skill_id = _ids(demo_app)
    page = organizer.get(f"/manage/championships/{championship_id}/eligibility", headers=EN)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Age 23 on 31.12.2026: older than 22" in text  # demo 10/108, born 15.06.2003
    assert "Accept the exception" in text
    sheet = organizer.get(f"/manage/championships/{championship_id}/eligibility.xlsx")
    assert sheet.status_code == 200 and sheet.mimetype.endswith("spreadsheetml.sheet")
    rows = list(openpyxl.load_workbook(io.BytesIO(sheet.data)).worksheets[0].values)
    assert rows[0][:3] == ("Компетенция", "Код", "ФИО")
    line = next(r for r in rows if r[0] == "10" and r[1] == "108")
    assert line[6] == 23


def test_an_exception_is_accepted_and_cleared_with_audit_entries(demo_app, organizer):
    championship_id, _skill_id = _ids(demo_app)
    competitor = _competitor(demo_app, "108")
    report = f"/manage/championships/{championship_id}/eligibility"
    url = f"/manage/competitors/{competitor.id}/eligibility-exception"
    prefix = f"c{competitor.id}-"
    html = organizer.get(report, headers=EN).get_data(as_text=True)
    empty = organizer.post(url, data={"csrf_token": csrf(html), prefix + "reason": "",
                                      prefix + "action": "accept"}, headers=EN)
    assert empty.status_code == 302
    assert "Give the reason" in organizer.get(report, headers=EN).get_data(as_text=True)
    assert _competitor(demo_app, "108").eligibility_exception is None
    done = organizer.post(url, data={"csrf_token": csrf(html), prefix + "reason":
                                     "Decision of the organizing committee No. 7",
                                     prefix + "action": "accept"}, headers=EN)
    assert done.status_code == 302
    assert _competitor(demo_app, "108").eligibility_exception == \
        "Decision of the organizing committee No. 7"
    page = organizer.get(report, headers=EN).get_data(as_text=True)
    assert "Accepted:" in page and "Clear the exception" in page
    cleared = organizer.post(url, data={"csrf_token": csrf(html), prefix + "reason": "",
                                        prefix + "action": "clear"}, headers=EN)
    assert cleared.status_code == 302
    assert _competitor(demo_app, "108").eligibility_exception is None
    with demo_app.app_context():
        entries = db.session.execute(sa.select(AuditEntry).where(
            AuditEntry.entity == "competitor", AuditEntry.entity_id == competitor.id)
            .order_by(AuditEntry.id)).scalars().all()
        assert [e.changes["eligibility_exception"] for e in entries] == [
            [None, "Decision of the organizing committee No. 7"],
            ["Decision of the organizing committee No. 7", None]]
        assert all(e.user_id == organizer.ids["organizer"] for e in entries)


def test_only_organizers_accept_exceptions(demo_app, role_users):
    championship_id, _skill_id = _ids(demo_app)
    competitor = _competitor(demo_app, "108")
    expert = client_as(demo_app, "expert", role_users)
    assert expert.get(f"/manage/championships/{championship_id}/eligibility").status_code == 403
    page = expert.get("/login", headers=EN).get_data(as_text=True)
    token = csrf(page) if "csrf_token" in page else ""
    refused = expert.post(f"/manage/competitors/{competitor.id}/eligibility-exception",
                          data={"csrf_token": token, f"c{competitor.id}-reason": "x"})
    assert refused.status_code == 403
    assert _competitor(demo_app, "108").eligibility_exception is None


def test_the_exception_service_works_outside_a_request(demo_app):
    from competition.registry.people.service.eligibility import set_exception

    competitor = _competitor(demo_app, "108")
    with demo_app.app_context():
        set_exception(competitor.id, "Committee")
    with demo_app.app_context(), write_transaction():
        assert db.session.get(Competitor, competitor.id).eligibility_exception == "Committee"
