"""The people pages over HTTP, as an organizer uses them: CSRF on, English answers."""

from __future__ import annotations

import re

import sqlalchemy as sa

from competition.extensions import db
from competition.models import (
    AuditEntry,
    Championship,
    Competitor,
    Expert,
    ExpertRole,
    Organization,
    Skill,
)
from tests.helpers import EN, submit
from tests.marking import enter_marks


def text(response) -> str:
    return response.get_data(as_text=True)


def one(model, **where):
    return db.session.execute(sa.select(model).filter_by(**where)).scalar_one()


def audit_entries(entity: str, action: str | None = None) -> list[AuditEntry]:
    query = sa.select(AuditEntry).where(AuditEntry.entity == entity).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(db.session.execute(query).scalars())


def skill_id(code: str) -> int:
    return one(Skill, code=code).id


CHAMPIONSHIP = {
    "code": "vko-ws-2027", "name_ru": "Региональный чемпионат 2027", "name_kk": "",
    "name_en": "Regional championship 2027", "kind": "worldskills", "starts_on": "2027-03-01",
    "ends_on": "2027-03-04", "venue_ru": "Усть-Каменогорск", "venue_kk": "", "venue_en": "",
    "categories": "", "scale": "raw", "judges_per_aspect": "3", "tie_margin": "",
    "medallion_threshold": "", "medal_min_gold": "1", "medal_min_silver": "1",
    "medal_min_bronze": "1",
}


# --- championship and skills --------------------------------------------------------------------

def test_new_championship_form_shows_the_worldskills_defaults(organizer):
    page = text(organizer.get("/manage/championships/new", headers=EN))
    assert re.search(r'<option selected value="raw">|<option value="raw" selected', page)
    assert 'name="judges_per_aspect" type="number" value="3"' in page \
        or re.search(r'id="judges_per_aspect"[^>]*value="3"', page)
    for name in ("medal_min_gold", "medal_min_silver", "medal_min_bronze"):
        assert re.search(rf'id="{name}"[^>]*value="1"', page), name
    # each policy field explains itself to organizers
    assert "share a rank" in page and "Medallion for Excellence" in page


def test_create_and_edit_a_championship(organizer, demo_app):
    response = submit(organizer, "/manage/championships/new", CHAMPIONSHIP)
    assert response.status_code == 302, text(response)
    with demo_app.app_context():
        championship = one(Championship, code="vko-ws-2027")
        assert championship.policy() == {
            "scale": "raw", "judges_per_aspect": 3, "tie_margin": None,
            "medallion_threshold": None,
            "medal_min_field": {"gold": 1, "silver": 1, "bronze": 1}}
        created = audit_entries("championship", "create")[-1]
        assert created.entity_id == championship.id and created.user.login == "as-organizer"
        cid = championship.id
    url = f"/manage/championships/{cid}/edit"
    response = submit(organizer, url, {**CHAMPIONSHIP, "scale": "ws500", "tie_margin": "2.5",
                                       "medal_min_bronze": "6"})
    assert response.status_code == 302
    with demo_app.app_context():
        championship = db.session.get(Championship, cid)
        assert championship.scale == "ws500" and str(championship.tie_margin) == "2.5000"
        assert championship.medal_min_bronze == 6
        update = audit_entries("championship", "update")[-1]
        assert update.changes["scale"] == ["raw", "ws500"]
        assert update.changes["medal_min_bronze"] == [1, 6]


def test_abilympics_gets_the_three_categories(organizer, demo_app):
    response = submit(organizer, "/manage/championships/new",
                      {**CHAMPIONSHIP, "code": "abil-2027", "kind": "abilympics"})
    assert response.status_code == 302
    with demo_app.app_context():
        assert one(Championship, code="abil-2027").category_list() == [
            "schoolchildren", "students", "specialists"]


def test_championship_form_errors_are_shown_next_to_fields(organizer):
    response = submit(organizer, "/manage/championships/new",
                      {**CHAMPIONSHIP, "code": "vko-ws-2026", "ends_on": "2027-02-01"})
    page = text(response)
    assert response.status_code == 200
    assert "The last day cannot be before the first day." in page
    assert 'id="ends_on-error"' in page and 'aria-invalid="true"' in page
    response = submit(organizer, "/manage/championships/new", {**CHAMPIONSHIP,
                                                               "code": "vko-ws-2026"})
    assert "Another championship already has the code “vko-ws-2026”." in text(response)


def test_categories_in_use_cannot_be_removed(organizer, demo_app):
    with demo_app.app_context():
        abilympics = one(Championship, code="vko-abilympics-2026")
        url = f"/manage/championships/{abilympics.id}/edit"
    response = submit(organizer, url, {**CHAMPIONSHIP, "code": "vko-abilympics-2026",
                                       "kind": "abilympics",
                                       "categories": "students, specialists"})
    assert response.status_code == 200
    assert "Competitors are registered in the categories schoolchildren" in text(response)


def test_skill_create_edit_delete(organizer, demo_app):
    response = submit(organizer, "/manage/championships/1/skills/new",
                      {"code": "19", "name_ru": "Сантехника", "name_kk": "", "name_en": "",
                       "team_size": "1", "position": "9"})
    assert response.status_code == 302
    with demo_app.app_context():
        sid = skill_id("19")
    response = submit(organizer, f"/manage/skills/{sid}/edit",
                      {"code": "19", "name_ru": "Сантехника", "name_kk": "Сантехника",
                       "name_en": "Plumbing", "team_size": "2", "position": "9"})
    assert response.status_code == 302
    with demo_app.app_context():
        assert db.session.get(Skill, sid).team_size == 2
    response = submit(organizer, f"/manage/skills/{sid}/delete", {})
    assert response.status_code == 302
    with demo_app.app_context():
        assert db.session.get(Skill, sid) is None
        assert [e.action for e in audit_entries("skill")] == ["create", "update", "delete"]


def test_skill_delete_refused_with_competitors_or_marks(organizer, demo_app):
    sid = 3  # skill 18 has competitors
    page = text(organizer.get(f"/manage/skills/{sid}/delete", headers=EN))
    assert "competitors are registered in it (9)" in page
    with demo_app.app_context():
        enter_marks("10", fill=0.2)
        sid = skill_id("10")
    response = submit(organizer, f"/manage/skills/{sid}/delete", {},
                      form_url=f"/manage/skills/{sid}/edit")
    assert response.status_code == 409
    assert "marks have been entered in it" in text(response)
    with demo_app.app_context():
        assert db.session.get(Skill, sid) is not None


def test_team_size_fixed_while_competitors_exist(organizer):
    response = submit(organizer, "/manage/skills/2/edit",
                      {"code": "10", "name_ru": "Сварка", "team_size": "2", "position": "2"})
    assert response.status_code == 200
    assert "the team size cannot change while they are" in text(response)


# --- organizations ------------------------------------------------------------------------------

def test_organization_crud_and_audit(organizer, demo_app):
    response = submit(organizer, "/manage/organizations/new",
                      {"code": "VKO-AGRO", "name_ru": "Аграрный колледж", "name_kk": "",
                       "name_en": "", "kind": "college", "region": "ВКО"})
    assert response.status_code == 302
    with demo_app.app_context():
        oid = one(Organization, code="VKO-AGRO").id
    response = submit(organizer, f"/manage/organizations/{oid}/edit",
                      {"code": "VKO-AGRO", "name_ru": "Аграрно-технический колледж",
                       "kind": "college", "region": "ВКО"})
    assert response.status_code == 302
    page = text(organizer.get("/manage/organizations?q=аграрно-ТЕХН", headers=EN))
    assert "Аграрно-технический колледж" in page and "VKO-AGRO" in page
    page = text(organizer.get("/manage/organizations?q=vko-agro", headers=EN))
    assert "Found: 1" in page
    response = submit(organizer, f"/manage/organizations/{oid}/delete", {})
    assert response.status_code == 302
    with demo_app.app_context():
        assert db.session.get(Organization, oid) is None
        entries = audit_entries("organization")
        assert [e.action for e in entries] == ["create", "update", "delete"]
        assert entries[1].changes["name_ru"] == ["Аграрный колледж",
                                                 "Аграрно-технический колледж"]


def test_organization_code_must_be_unique(organizer):
    response = submit(organizer, "/manage/organizations/new",
                      {"code": "VKPTK", "name_ru": "Дубль", "kind": "college"})
    assert response.status_code == 200
    assert "The organization code “VKPTK” is already used by" in text(response)


def test_organization_delete_refused_while_referenced(organizer, demo_app):
    response = submit(organizer, "/manage/organizations/1/delete", {},
                      form_url="/manage/organizations/1/edit")
    assert response.status_code == 409
    assert "This organization cannot be deleted" in text(response)
    assert "competitors" in text(response)
    with demo_app.app_context():
        assert db.session.get(Organization, 1) is not None


def test_organization_search_and_filter(organizer):
    page = text(organizer.get("/manage/organizations?q=vkptk", headers=EN))
    assert "Found: 1" in page and "VKPTK" in page
    page = text(organizer.get("/manage/organizations?kind=enterprise", headers=EN))
    assert "KAZZINC" in page and "VKPTK" not in page


# --- competitors --------------------------------------------------------------------------------

def test_team_competitor_with_members(organizer, demo_app):
    sid = 1  # skill 04, teams of two
    response = submit(organizer, f"/manage/skills/{sid}/competitors/new", {
        "code": "107", "name_ru": "Команда Алтай", "name_kk": "", "name_en": "",
        "members_ru": "Иван Петров\nАсхат Жумабаев", "members_kk": "", "members_en": "",
        "organization": "VKPTK", "status": "active", "workstation": ""})
    assert response.status_code == 302, text(response)
    with demo_app.app_context():
        competitor = one(Competitor, skill_id=sid, code="107")
        assert [m.name_ru for m in competitor.members] == ["Иван Петров", "Асхат Жумабаев"]
        assert competitor.organization.code == "VKPTK"
        assert len(competitor.results_code) == 10
        cid, code = competitor.id, competitor.results_code
    page = text(organizer.get(f"/manage/competitors/{cid}/edit", headers=EN))
    assert code in page and "Personal results code" in page
    response = submit(organizer, f"/manage/competitors/{cid}/results-code", {},
                      form_url=f"/manage/competitors/{cid}/edit")
    assert response.status_code == 302
    with demo_app.app_context():
        new_code = db.session.get(Competitor, cid).results_code
        assert new_code != code and len(new_code) == 10
        assert code not in str(audit_entries("competitor")[-1].changes)  # never logged whole


def test_competitor_edit_changes_members_in_place(organizer, demo_app):
    with demo_app.app_context():
        competitor = db.session.get(Competitor, 1)
        member_ids = [m.id for m in competitor.members]
    response = submit(organizer, "/manage/competitors/1/edit", {
        "code": "101", "name_ru": "Команда 1", "members_ru": "Первый; Второй",
        "organization": "VKPTK", "status": "guest", "workstation": "12"})
    assert response.status_code == 302, text(response)
    with demo_app.app_context():
        competitor = db.session.get(Competitor, 1)
        assert [m.id for m in competitor.members] == member_ids
        assert [m.name_ru for m in competitor.members] == ["Первый", "Второй"]
        assert competitor.status == "guest" and competitor.workstation == "12"
        entry = audit_entries("competitor", "update")[-1]
        assert entry.changes["status"] == ["active", "guest"]
        assert entry.changes["workstation"] == ["1", "12"]
        assert "members" in entry.changes


def test_competitor_code_unique_in_the_skill(organizer):
    response = submit(organizer, "/manage/skills/2/competitors/new", {
        "code": "101", "name_ru": "Дубль", "organization": "", "status": "active"})
    assert response.status_code == 200
    assert "The code “101” is already used by" in text(response)


def test_competitor_delete_and_refusal_once_marked(organizer, demo_app):
    with demo_app.app_context():
        sid = skill_id("10")
        enter_marks("10", fill=1.0)
        marked = one(Competitor, skill_id=sid, code="101").id
    page = text(organizer.get(f"/manage/competitors/{marked}/edit", headers=EN))
    assert "This competitor cannot be deleted" in page
    response = submit(organizer, f"/manage/competitors/{marked}/delete", {},
                      form_url=f"/manage/competitors/{marked}/edit")
    assert response.status_code == 409
    assert "Set the status to “withdrawn” instead" in text(response)
    with demo_app.app_context():
        assert db.session.get(Competitor, marked) is not None
        unmarked = one(Competitor, skill_id=skill_id("18"), code="101").id
    response = submit(organizer, f"/manage/competitors/{unmarked}/delete", {})
    assert response.status_code == 302
    with demo_app.app_context():
        assert db.session.get(Competitor, unmarked) is None
        assert audit_entries("competitor", "delete")[-1].entity_id == unmarked


def test_competitor_search_and_filters(organizer):
    page = text(organizer.get("/manage/championships/2/competitors?category=students",
                              headers=EN))
    assert "Found: 8" in page  # the demo: four students in A01, four in A02
    page = text(organizer.get("/manage/championships/1/competitors?skill=2&organization=1",
                              headers=EN))
    assert "Found: 2" in page
    page = text(organizer.get("/manage/championships/1/competitors?q=110", headers=EN))
    assert "Found: 1" in page
    page = text(organizer.get("/manage/championships/1/competitors?status=withdrawn",
                              headers=EN))
    assert "Found: 1" in page and "status-active" not in page  # the demo's one withdrawn
    page = text(organizer.get("/manage/championships/1/competitors?q=nobody-has-this",
                              headers=EN))
    assert "Found: 0" in page and "No competitor matches." in page


# --- experts ------------------------------------------------------------------------------------

def expert_roles(championship_id: int, demo_app, roles: dict[str, str]) -> dict:
    with demo_app.app_context():
        skills = db.session.get(Championship, championship_id).skills
        data = {}
        for i, skill in enumerate(skills):
            data[f"roles-{i}-skill"] = skill.code
            data[f"roles-{i}-role"] = roles.get(skill.code, "")
    return data


def test_expert_with_roles(organizer, demo_app):
    data = {"code": "E30", "name_ru": "Новый эксперт", "name_kk": "", "name_en": "",
            "organization": "UMZ", **expert_roles(1, demo_app, {"18": "expert",
                                                                 "29": "independent"})}
    response = submit(organizer, "/manage/championships/1/experts/new", data)
    assert response.status_code == 302, text(response)
    with demo_app.app_context():
        expert = one(Expert, championship_id=1, code="E30")
        assert {r.skill.code: r.role for r in expert.roles} == {"18": "expert",
                                                                "29": "independent"}
        eid = expert.id
    data.update(expert_roles(1, demo_app, {"18": "deputy"}))
    response = submit(organizer, f"/manage/experts/{eid}/edit", data)
    assert response.status_code == 302
    with demo_app.app_context():
        expert = db.session.get(Expert, eid)
        assert {r.skill.code: r.role for r in expert.roles} == {"18": "deputy"}
        entry = audit_entries("expert", "update")[-1]
        assert entry.changes["roles"] == {"18": ["expert", "deputy"],
                                          "29": ["independent", None]}
    page = text(organizer.get("/manage/championships/1/experts?role=deputy&skill=3",
                              headers=EN))
    assert "E30" in page and "Found: 1" in page


def test_the_marking_team_of_a_role_is_edited_in_the_expert_form(organizer, demo_app):
    with demo_app.app_context():
        skill = db.session.execute(sa.select(Skill).where(Skill.code == "10")).scalar_one()
        criteria = [c.code for c in skill.criteria]
        championship_id = skill.championship_id
    data = {"code": "E32", "name_en": "Team expert",
            **expert_roles(championship_id, demo_app, {"10": "expert"})}
    index = next(k.split("-")[1] for k, v in data.items() if k.endswith("-skill") and v == "10")
    data[f"roles-{index}-team"] = f" {criteria[0].lower()} ; {criteria[1]}"
    response = submit(organizer, f"/manage/championships/{championship_id}/experts/new", data)
    assert response.status_code == 302, text(response)
    with demo_app.app_context():
        expert = one(Expert, championship_id=championship_id, code="E32")
        assert [r.marking_team for r in expert.roles] == [f"{criteria[0]}, {criteria[1]}"]
        eid = expert.id
    page = text(organizer.get(f"/manage/experts/{eid}/edit", headers=EN))
    assert f'value="{criteria[0]}, {criteria[1]}"' in page
    # a criterion the skill does not have: said at the field, nothing saved
    data[f"roles-{index}-team"] = "Z9"
    response = submit(organizer, f"/manage/experts/{eid}/edit", data)
    assert response.status_code == 200
    assert "Skill 10 has no criterion Z9" in text(response)
    with demo_app.app_context():
        assert db.session.get(Expert, eid).roles[0].marking_team == f"{criteria[0]}, {criteria[1]}"
    data[f"roles-{index}-team"] = ""  # every criterion again
    assert submit(organizer, f"/manage/experts/{eid}/edit", data).status_code == 302
    with demo_app.app_context():
        assert db.session.get(Expert, eid).roles[0].marking_team == ""
        entry = audit_entries("expert", "update")[-1]
        assert entry.changes["marking_team"] == {"10": [f"{criteria[0]}, {criteria[1]}", ""]}


def test_one_chief_per_skill(organizer, demo_app):
    data = {"code": "E31", "name_en": "Second chief",
            **expert_roles(1, demo_app, {"10": "chief"})}
    response = submit(organizer, "/manage/championships/1/experts/new", data)
    assert response.status_code == 200
    assert "Skill 10 already has a chief expert (E01" in text(response)
    with demo_app.app_context():
        assert db.session.execute(sa.select(Expert).filter_by(code="E31")).first() is None


def test_expert_delete_refused_once_marked(organizer, demo_app):
    with demo_app.app_context():
        enter_marks("10", fill=1.0)
        judge = one(Expert, championship_id=1, code="E03").id
        free = one(Expert, championship_id=1, code="E07").id  # chief of 18: no marks
    response = submit(organizer, f"/manage/experts/{judge}/delete", {},
                      form_url=f"/manage/experts/{judge}/edit")
    assert response.status_code == 409
    assert "This expert cannot be deleted: they have entered" in text(response)
    response = submit(organizer, f"/manage/experts/{free}/delete", {})
    assert response.status_code == 302
    with demo_app.app_context():
        assert db.session.get(Expert, judge) is not None
        assert db.session.get(Expert, free) is None
        assert db.session.execute(
            sa.select(ExpertRole).where(ExpertRole.expert_id == free)).first() is None
        assert audit_entries("expert", "delete")[-1].changes["roles"] == {"18": ["chief", None]}


def test_role_with_marks_cannot_be_removed(organizer, demo_app):
    with demo_app.app_context():
        enter_marks("10", fill=1.0)
        judge = one(Expert, championship_id=1, code="E03")
        eid, org = judge.id, judge.organization.code
    data = {"code": "E03", "name_ru": "x", "organization": org,
            **expert_roles(1, demo_app, {})}
    response = submit(organizer, f"/manage/experts/{eid}/edit", data)
    assert response.status_code == 200
    assert "their role there cannot be removed" in text(response)


def test_posts_without_csrf_are_refused(organizer, demo_app):
    response = organizer.post("/manage/organizations/new",
                              data={"code": "X", "name_ru": "x", "kind": "college"})
    assert response.status_code == 400
    with demo_app.app_context():
        assert db.session.execute(sa.select(Organization).filter_by(code="X")).first() is None
