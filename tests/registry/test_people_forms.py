"""Validation of the people forms, as the pages and the Excel/CSV import use them.

The import builds the forms from rows without a request (only an application context), so
most tests here do exactly that."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from werkzeug.datastructures import MultiDict

from competition.extensions import db
from competition.models import Championship, Skill
from competition.registry.people.fields import error_messages
from competition.registry.people.forms import (
    ChampionshipForm,
    CompetitorForm,
    DrawForm,
    ExpertRoleRowForm,
    OrganizationForm,
    SkillForm,
)


def row_form(form_class, row: dict, **context):
    form = form_class(formdata=MultiDict(row), meta={"csrf": False}, **context)
    with force_locale("en"):
        ok = form.validate()
        return ok, error_messages(form), form


@pytest.fixture
def ctx(demo_app):
    with demo_app.app_context():
        yield demo_app


def skill(code: str) -> Skill:
    return db.session.execute(sa.select(Skill).where(Skill.code == code)).scalar_one()


def championship(code: str) -> Championship:
    return db.session.execute(
        sa.select(Championship).where(Championship.code == code)).scalar_one()


# --- organizations ------------------------------------------------------------------------------

def test_organization_row_is_cleaned_and_accepted(ctx):
    ok, errors, form = row_form(OrganizationForm, {
        "code": "  VKO-NEW ", "name_ru": " Новый колледж ", "kind": "Колледж", "region": "ВКО"})
    assert ok, errors
    assert form.data["code"] == "VKO-NEW"
    assert form.data["name_ru"] == "Новый колледж"
    assert form.data["kind"] == "college"
    assert form.data["name_kk"] == ""  # a missing column is an empty text, never None


def test_organization_kind_defaults_to_college_when_empty(ctx):
    ok, errors, form = row_form(OrganizationForm, {"code": "X1", "name_en": "X", "kind": ""})
    assert ok, errors
    assert form.data["kind"] == "college"


@pytest.mark.parametrize(("row", "field", "message"), [
    ({"code": "VK 1", "name_ru": "x"}, "code", "A code may not contain spaces"),
    ({"code": "", "name_ru": "x"}, "code", "A code is required."),
    ({"code": "   ", "name_ru": "x"}, "code", "A code is required."),
    ({"code": "X" * 33, "name_ru": "x"}, "code", "At most 32 characters."),
    ({"code": "X1"}, "name_ru", "Give the name in at least one language"),
    ({"code": "X1", "name_en": "x", "kind": "factory"}, "kind",
     "“factory” is not allowed here; expected one of: college, enterprise, school, "
     "university, other."),
])
def test_organization_errors_say_what_is_wrong(ctx, row, field, message):
    ok, errors, _ = row_form(OrganizationForm, row)
    assert not ok
    assert any(message in text for text in errors[field]), errors


# --- competitors --------------------------------------------------------------------------------

def test_competitor_row_of_an_individual_skill(ctx):
    ok, errors, form = row_form(CompetitorForm, {
        "code": "201", "name_kk": "Айгерім Бекова", "organization": "VKPTK", "status": "",
        "workstation": "7"}, skill=skill("10"))
    assert ok, errors
    assert form.data["status"] == "active"
    assert form.data["category"] == ""


def test_competitor_organization_must_exist(ctx):
    ok, errors, _ = row_form(CompetitorForm, {"code": "201", "name_ru": "x",
                                              "organization": "NOPE"}, skill=skill("10"))
    assert not ok
    assert errors["organization"][0].startswith(
        "No organization has the code or name “NOPE”; the closest registered: ")


def test_competitor_category_is_one_of_the_championships(ctx):
    abilympics = skill("A01")
    ok, errors, form = row_form(CompetitorForm, {"code": "201", "name_ru": "x",
                                                 "category": "Студенты"}, skill=abilympics)
    assert ok, errors
    assert form.data["category"] == "students"
    ok, errors, _ = row_form(CompetitorForm, {"code": "201", "name_ru": "x",
                                              "category": "pupils"}, skill=abilympics)
    assert not ok
    assert errors["category"] == ["“pupils” is not allowed here; expected one of: "
                                  "schoolchildren, students, specialists."]
    ok, errors, _ = row_form(CompetitorForm, {"code": "201", "name_ru": "x"}, skill=abilympics)
    assert not ok
    assert errors["category"] == ["Choose one of: schoolchildren, students, specialists."]


def test_competitor_category_refused_where_there_are_none(ctx):
    ok, errors, _ = row_form(CompetitorForm, {"code": "201", "name_ru": "x",
                                              "category": "students"}, skill=skill("10"))
    assert not ok
    assert errors["category"] == [
        "This championship has no categories; leave the category empty (or add categories "
        "to the championship first)."]


def test_competitor_status_words(ctx):
    ok, errors, form = row_form(CompetitorForm, {"code": "1", "name_ru": "x",
                                                 "status": "вне конкурса"}, skill=skill("10"))
    assert ok, errors
    assert form.data["status"] == "guest"
    ok, errors, _ = row_form(CompetitorForm, {"code": "1", "name_ru": "x", "status": "maybe"},
                             skill=skill("10"))
    assert not ok
    assert "expected one of: active, guest, withdrawn" in errors["status"][0]


def test_team_needs_exactly_team_size_members(ctx):
    team = skill("04")
    assert team.team_size == 2
    ok, errors, form = row_form(CompetitorForm, {
        "code": "T1", "name_ru": "Команда", "members_ru": "Иван Петров; Пётр Иванов",
        "members_en": "Ivan Petrov;Pyotr Ivanov"}, skill=team)
    assert ok, errors
    assert form.members() == [
        {"ru": "Иван Петров", "kk": "", "en": "Ivan Petrov", "birth_date": None,
         "name_consent": False},
        {"ru": "Пётр Иванов", "kk": "", "en": "Pyotr Ivanov", "birth_date": None,
         "name_consent": False}]
    ok, errors, _ = row_form(CompetitorForm, {"code": "T1", "name_ru": "Команда",
                                              "members_ru": "Иван Петров"}, skill=team)
    assert not ok
    assert errors["members_ru"] == [
        "Team members in this skill: 2; given: 1 (separate the names with “;”)."]
    ok, errors, _ = row_form(CompetitorForm, {"code": "T1", "name_ru": "Команда"}, skill=team)
    assert not ok
    assert "give their names in at least one language" in errors["members_ru"][0]


def test_individual_skill_refuses_members(ctx):
    ok, errors, _ = row_form(CompetitorForm, {"code": "1", "name_ru": "x",
                                              "members_ru": "a; b"}, skill=skill("10"))
    assert not ok
    assert errors["members_ru"] == [
        "This skill is for individual competitors; leave the team members empty."]


# --- experts ------------------------------------------------------------------------------------

def test_expert_row(ctx):
    ws = championship("vko-ws-2026")
    ok, errors, form = row_form(ExpertRoleRowForm, {
        "code": "E90", "name_ru": "Эксперт", "organization": "", "skill": "18",
        "role": "Тәуелсіз сарапшы"}, championship=ws)
    assert ok, errors
    assert form.data["role"] == "independent"
    ok, errors, form = row_form(ExpertRoleRowForm, {"code": "E90", "name_ru": "Эксперт",
                                                    "skill": "18"}, championship=ws)
    assert ok and form.data["role"] == "expert"


def test_expert_row_errors(ctx):
    ws = championship("vko-ws-2026")
    ok, errors, _ = row_form(ExpertRoleRowForm, {
        "code": "E 90", "name_ru": "Эксперт", "organization": "ZZZ", "skill": "A01",
        "role": "boss"}, championship=ws)
    assert not ok
    assert set(errors) == {"code", "organization", "skill", "role"}
    assert errors["skill"] == ["No skill has the code “A01” in this championship; expected one "
                               "of: 04, 10, 18, 29, 34."]
    assert "expected one of: chief, deputy, expert, independent" in errors["role"][0]


# --- championship, skill, draw ------------------------------------------------------------------

def championship_row(**changes):
    row = {"code": "vko-2027", "name_ru": "Чемпионат", "kind": "worldskills", "scale": "raw",
           "judges_per_aspect": "3", "tie_margin": "", "medallion_threshold": "",
           "medal_min_gold": "1", "medal_min_silver": "1", "medal_min_bronze": "1"}
    row.update(changes)
    return row


def test_championship_defaults_and_categories(ctx):
    ok, errors, form = row_form(ChampionshipForm, championship_row(
        kind="Abilympics", categories="школьники, Students ,specialists"))
    assert ok, errors
    assert form.data["kind"] == "abilympics"
    assert form.data["tie_margin"] is None and form.data["medallion_threshold"] is None


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"starts_on": "2026-05-10", "ends_on": "2026-05-01"}, "ends_on",
     "The last day cannot be before the first day."),
    ({"judges_per_aspect": "0"}, "judges_per_aspect", "Give a whole number from 1 to 9."),
    ({"tie_margin": "-1"}, "tie_margin", "The tie margin cannot be negative."),
    ({"medal_min_bronze": "0"}, "medal_min_bronze", "Give a whole number of at least 1."),
    ({"scale": "ws600"}, "scale", "expected one of: raw, ws500, ws700"),
    ({"categories": "students, students"}, "categories", "A category is listed twice."),
    ({"categories": "first year"}, "categories", "“first year” is not a category key"),
])
def test_championship_errors(ctx, changes, field, message):
    ok, errors, _ = row_form(ChampionshipForm, championship_row(**changes))
    assert not ok
    assert any(message in text for text in errors[field]), errors


def test_skill_form(ctx):
    ok, errors, _ = row_form(SkillForm, {"code": "19", "name_en": "Plumbing", "team_size": "1",
                                         "position": "6"})
    assert ok, errors
    ok, errors, _ = row_form(SkillForm, {"code": "19", "name_en": "Plumbing", "team_size": "0",
                                         "position": "6"})
    assert errors == {"team_size": ["Give a whole number from 1 to 10."]}


def test_draw_form_needs_workstations(ctx):
    ok, errors, _ = row_form(DrawForm, {"workstations": " ", "seed": ""})
    assert not ok
    assert errors["workstations"] == ["List the workstations, e.g. 1-12."]


def test_messages_follow_the_forced_locale(ctx):
    form = OrganizationForm(formdata=MultiDict({"code": "X 1"}), meta={"csrf": False})
    with force_locale("ru"):
        form.validate()
        messages = error_messages(form)
    assert "пробел" in messages["code"][0]


def test_forms_work_without_a_request_or_a_forced_locale(ctx):
    form = OrganizationForm(formdata=MultiDict({"code": "X 1"}), meta={"csrf": False})
    assert not form.validate()
    assert error_messages(form)["code"]  # the default locale, no RuntimeError
