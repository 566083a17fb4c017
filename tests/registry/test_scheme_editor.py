"""The marking scheme editor over HTTP, as an organizer uses it (CSRF on): the tree, the sums
and the warning, creating, editing, deleting and reordering at each level, the table of maxima,
and the audit entry every change leaves."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
import sqlalchemy as sa

from competition.extensions import db
from competition.models import Aspect, AuditEntry, Criterion, Skill, SubCriterion
from tests.helpers import submit


@pytest.fixture
def organizer(organizer, demo_app):
    """The organizer's client (tests/fixtures/accounts.py) with the demo app's context pushed:
    the tests read the scheme through db.session, and the client's requests share it."""
    with demo_app.app_context():
        yield organizer


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def skill(code: str) -> Skill:
    db.session.expire_all()
    return db.session.execute(sa.select(Skill).where(Skill.code == code)).scalar_one()


def aspect(code: str, skill_code: str = "10") -> Aspect:
    db.session.expire_all()
    return db.session.execute(sa.select(Aspect).join(Skill).where(
        Aspect.code == code, Skill.code == skill_code)).scalar_one()


def audit_entries(entity: str, action: str) -> list[AuditEntry]:
    return db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.entity == entity, AuditEntry.action == action).order_by(AuditEntry.id)
    ).scalars().all()


def editor_url(skill_code: str = "10") -> str:
    return f"/manage/skills/{skill(skill_code).id}/scheme"


def aspect_form(**values) -> dict:
    data = {"code": "Z1.1", "type": "M", "max": "2.00", "values": "",
            "description_ru": "Проверка", "description_kk": "", "description_en": "Check",
            "standards_section": "3"}
    for score in range(4):
        for locale in ("ru", "kk", "en"):
            data[f"descriptor_{score}_{locale}"] = ""
    data.update(values)
    return data


def judgement_descriptors() -> dict:
    return {f"descriptor_{score}_en": f"Score {score} means this" for score in range(4)}


# --- reading -------------------------------------------------------------------------------------

def test_editor_shows_the_tree_with_sums_per_criterion_and_the_total(organizer):
    welding = skill("10")
    page = text(organizer.get(editor_url()))
    for criterion in welding.criteria:
        expected = sum((a.max for s in criterion.sub_criteria for a in s.aspects), Decimal(0))
        match = re.search(rf'data-criterion-sum="{criterion.id}">([\d.]+)<', page)
        assert match and Decimal(match.group(1)) == expected, criterion.code
        assert f"{criterion.code} · {criterion.name()}" in page
    assert re.search(r'id="scheme-total" class="sum">100\.00<', page)
    # the demo scheme adds up to 100: the warning is there for the script, hidden and empty
    assert re.search(r'<p class="warning" id="total-warning" hidden>\s*</p>', page)
    # every aspect has a labelled maximum field and accessible move buttons
    a11 = aspect("A1.1")
    assert f'<label class="visually-hidden" for="max-{a11.id}">Maximum of A1.1</label>' in page
    assert ">Move A1.1 down</span>" in page
    assert 'src="/static/js/scheme-editor.js"' in page


def test_index_lists_every_skill_with_its_total(organizer):
    page = text(organizer.get("/manage/schemes"))
    for code in ("04", "10", "18", "29", "34", "A01", "A02"):
        assert f'href="{editor_url(code)}"' in page
    assert "not 100.00" not in page  # the demo schemes all add up to 100


def test_a_total_other_than_100_is_warned_on_the_editor_and_the_index(organizer):
    a11 = aspect("A1.1")
    response = submit(organizer, f"{editor_url()}/maxima", {f"max-{a11.id}": "2.00"},
                      form_url=editor_url())
    assert response.status_code == 302
    page = text(organizer.get(editor_url()))
    assert "The scheme total is 100.50, not 100.00." in page
    assert re.search(r'<p class="warning" id="total-warning" >', page)
    assert "not 100.00" in text(organizer.get("/manage/schemes"))


def test_unknown_skill_and_a_part_of_another_skill_are_not_found(organizer):
    assert organizer.get("/manage/skills/9999/scheme").status_code == 404
    other = aspect("A1.1", "04") if _has_aspect("04", "A1.1") else None
    welding_aspect = aspect("A1.1")
    mechatronics = skill("04")
    assert organizer.get(
        f"/manage/skills/{mechatronics.id}/scheme/aspects/{welding_aspect.id}").status_code == 404
    if other is not None:
        assert other.skill_id == mechatronics.id


def _has_aspect(skill_code: str, code: str) -> bool:
    return db.session.execute(sa.select(Aspect.id).join(Skill).where(
        Skill.code == skill_code, Aspect.code == code)).first() is not None


def test_the_editor_is_found_by_codes(organizer):
    response = organizer.get("/manage/scheme?championship=vko-ws-2026&skill=10")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(editor_url())
    response = organizer.get("/manage/scheme?skill=nope")
    assert response.headers["Location"].endswith("/manage/schemes")


# --- creating ------------------------------------------------------------------------------------

def test_create_a_criterion_a_sub_criterion_and_an_aspect(organizer):
    welding = skill("10")
    before = len(welding.criteria)
    url = f"{editor_url()}/criteria/new"
    response = submit(organizer, url, {"code": "Z", "name_ru": "Новый критерий", "name_kk": "",
                                       "name_en": "New criterion"})
    assert response.status_code == 302
    criterion = db.session.execute(sa.select(Criterion).where(
        Criterion.skill_id == welding.id, Criterion.code == "Z")).scalar_one()
    assert criterion.position == before  # appended at the end
    assert criterion.name_en == "New criterion"

    url = f"{editor_url()}/criteria/{criterion.id}/sub-criteria/new"
    response = submit(organizer, url, {"code": "Z1", "name_ru": "Подкритерий", "day": "C2"})
    assert response.status_code == 302
    sub = db.session.execute(sa.select(SubCriterion).where(
        SubCriterion.criterion_id == criterion.id)).scalar_one()
    assert (sub.code, sub.day) == ("Z1", "C2")

    url = f"{editor_url()}/sub-criteria/{sub.id}/aspects/new"
    response = submit(organizer, url, aspect_form(sub_criterion_id=sub.id, values="0; 0,5; 2"))
    assert response.status_code == 302, text(response)
    created = aspect("Z1.1")
    assert created.sub_criterion_id == sub.id
    assert created.max == Decimal("2.00")
    assert created.allowed_values == ["0", "0.5", "2"]
    assert created.descriptors is None

    response = submit(organizer, url, aspect_form(
        sub_criterion_id=sub.id, code="Z1.2", type="J", max="1.50", values="0; 1",
        **judgement_descriptors()))
    assert response.status_code == 302, text(response)
    judged = aspect("Z1.2")
    assert judged.allowed_values is None  # a judgement aspect keeps no list
    assert [d["en"] for d in judged.descriptors] == [f"Score {s} means this" for s in range(4)]

    page = text(organizer.get(response.headers["Location"]))
    assert re.search(rf'data-criterion-sum="{criterion.id}">3\.50<', page)
    assert "The scheme total is 103.50, not 100.00." in page

    created_entries = {(e.entity, e.entity_id) for e in audit_entries("criterion", "create")
                       + audit_entries("sub_criterion", "create") + audit_entries("aspect",
                                                                                 "create")}
    assert {("criterion", criterion.id), ("sub_criterion", sub.id), ("aspect", created.id),
            ("aspect", judged.id)} <= created_entries
    entry = audit_entries("aspect", "create")[-1]
    assert entry.championship_id == welding.championship_id
    assert entry.changes["max"] == [None, "1.50"]
    assert entry.user.login == "as-organizer"


def test_a_sub_criterion_code_may_repeat_in_another_criterion_but_not_in_its_own(organizer):
    welding = skill("10")
    first, second = welding.criteria[0], welding.criteria[1]
    taken = first.sub_criteria[0].code
    response = submit(organizer, f"{editor_url()}/criteria/{first.id}/sub-criteria/new",
                      {"code": taken, "name_ru": "Повтор", "day": "C1"})
    assert response.status_code == 422
    assert f"This criterion already has a sub-criterion {taken}" in text(response)
    response = submit(organizer, f"{editor_url()}/criteria/{second.id}/sub-criteria/new",
                      {"code": taken, "name_ru": "Можно", "day": "C1"})
    assert response.status_code == 302


# --- editing -------------------------------------------------------------------------------------

def test_edit_a_criterion_and_a_sub_criterion(organizer):
    welding = skill("10")
    criterion = welding.criteria[0]
    url = f"{editor_url()}/criteria/{criterion.id}"
    page = text(organizer.get(url))
    assert f'value="{criterion.name_ru}"' in page  # the form comes filled in
    response = submit(organizer, url, {"code": criterion.code, "name_ru": "Новое имя",
                                       "name_kk": criterion.name_kk, "name_en": criterion.name_en})
    assert response.status_code == 302
    assert skill("10").criteria[0].name_ru == "Новое имя"
    entry = audit_entries("criterion", "update")[-1]
    assert entry.entity_id == criterion.id
    assert set(entry.changes) == {"name_ru"}
    assert entry.changes["name_ru"][1] == "Новое имя"

    sub = skill("10").criteria[0].sub_criteria[0]
    url = f"{editor_url()}/sub-criteria/{sub.id}"
    response = submit(organizer, url, {"code": sub.code, "name_ru": sub.name_ru, "day": "С3"})
    assert response.status_code == 302  # a Cyrillic "С3" is the day C3
    assert db.session.get(SubCriterion, sub.id).day == "C3"
    assert audit_entries("sub_criterion", "update")[-1].changes["day"][1] == "C3"


def test_edit_an_aspect_form_comes_filled_and_saves_with_an_audit_diff(organizer):
    a23 = aspect("A2.3")  # a judgement aspect
    url = f"{editor_url()}/aspects/{a23.id}"
    page = text(organizer.get(url))
    assert a23.descriptors[2]["ru"] in page
    assert 'value="3.00"' in page
    data = aspect_form(sub_criterion_id=a23.sub_criterion_id, code="A2.3", type="J",
                       max="3.00", description_ru=a23.description_ru,
                       description_kk=a23.description_kk, description_en="Renamed",
                       standards_section=a23.standards_section)
    for score, texts in enumerate(a23.descriptors):
        for locale in ("ru", "kk", "en"):
            data[f"descriptor_{score}_{locale}"] = texts[locale]
    response = submit(organizer, url, data)
    assert response.status_code == 302, text(response)
    assert aspect("A2.3").description_en == "Renamed"
    entry = audit_entries("aspect", "update")[-1]
    assert set(entry.changes) == {"description_en"}


def test_an_aspect_can_move_to_another_sub_criterion(organizer):
    a11 = aspect("A1.1")
    target = skill("10").criteria[1].sub_criteria[0]
    data = aspect_form(sub_criterion_id=target.id, code="A1.1", type="M", max="1.50",
                       values="0; 0.75; 1.50", description_ru=a11.description_ru)
    response = submit(organizer, f"{editor_url()}/aspects/{a11.id}", data)
    assert response.status_code == 302, text(response)
    moved = aspect("A1.1")
    assert moved.sub_criterion_id == target.id
    assert moved.position == max(a.position for a in moved.sub_criterion.aspects)
    assert audit_entries("aspect", "update")[-1].changes["sub_criterion_id"][1] == target.code


# --- deleting ------------------------------------------------------------------------------------

@pytest.mark.parametrize("level", ["aspects", "sub-criteria", "criteria"])
def test_delete_asks_first_then_deletes_and_records_it(organizer, level):
    welding = skill("10")
    criterion = welding.criteria[-1]
    sub = criterion.sub_criteria[-1]
    item = {"aspects": sub.aspects[-1], "sub-criteria": sub, "criteria": criterion}[level]
    item_id, code = item.id, item.code
    url = f"{editor_url()}/{level}/{item_id}/delete"
    page = text(organizer.get(url))
    assert "Delete" in page and code in page
    assert '<button type="submit" class="button danger">Delete</button>' in page
    response = submit(organizer, url, {})
    assert response.status_code == 302
    model = {"aspects": Aspect, "sub-criteria": SubCriterion, "criteria": Criterion}[level]
    db.session.expire_all()
    assert db.session.get(model, item_id) is None
    entity = {"aspects": "aspect", "sub-criteria": "sub_criterion", "criteria": "criterion"}
    entry = audit_entries(entity[level], "delete")[-1]
    assert entry.entity_id == item_id
    assert entry.changes["code"] == [code, None]


# --- reordering ----------------------------------------------------------------------------------

def codes_in(sub_id: int) -> list[str]:
    db.session.expire_all()
    return [a.code for a in db.session.get(SubCriterion, sub_id).aspects]


def test_move_aspects_up_and_down_with_buttons(organizer):
    a12 = aspect("A1.2")
    sub_id = a12.sub_criterion_id
    assert codes_in(sub_id) == ["A1.1", "A1.2", "A1.3"]
    url = f"{editor_url()}/aspects/{a12.id}/move"
    response = submit(organizer, url, {"direction": "up"}, form_url=editor_url())
    assert response.status_code == 302
    # back on the editor, at the moved aspect, with the pressed button to focus
    assert response.headers["Location"].endswith(
        f"?focus=move-up-aspect-{a12.id}#aspect-{a12.id}")
    assert codes_in(sub_id) == ["A1.2", "A1.1", "A1.3"]
    assert "A1.2 moved up." in text(organizer.get(response.headers["Location"]))

    response = submit(organizer, url, {"direction": "up"}, form_url=editor_url())
    assert codes_in(sub_id) == ["A1.2", "A1.1", "A1.3"]  # already first: nothing changes
    assert "A1.2 is already first." in text(organizer.get(response.headers["Location"]))

    submit(organizer, url, {"direction": "down"}, form_url=editor_url())
    submit(organizer, url, {"direction": "down"}, form_url=editor_url())
    assert codes_in(sub_id) == ["A1.1", "A1.3", "A1.2"]
    moves = audit_entries("aspect", "move")
    assert len(moves) == 3  # the refused move left no entry
    assert moves[-1].changes == {"position": [1, 2]}


def test_move_criteria_and_sub_criteria(organizer):
    welding = skill("10")
    first, second = welding.criteria[0].code, welding.criteria[1].code
    submit(organizer, f"{editor_url()}/criteria/{welding.criteria[1].id}/move",
           {"direction": "up"}, form_url=editor_url())
    assert [c.code for c in skill("10").criteria][:2] == [second, first]
    criterion = skill("10").criteria[0]
    subs = [s.code for s in criterion.sub_criteria]
    submit(organizer, f"{editor_url()}/sub-criteria/{criterion.sub_criteria[0].id}/move",
           {"direction": "down"}, form_url=editor_url())
    assert [s.code for s in skill("10").criteria[0].sub_criteria][:2] == [subs[1], subs[0]]


def test_a_move_needs_a_direction_and_a_csrf_token(organizer):
    a12 = aspect("A1.2")
    url = f"{editor_url()}/aspects/{a12.id}/move"
    assert organizer.post(url, data={"direction": "up"}).status_code == 400  # no token
    assert submit(organizer, url, {"direction": "sideways"}, form_url=editor_url()).status_code \
        == 400
    assert codes_in(a12.sub_criterion_id) == ["A1.1", "A1.2", "A1.3"]


# --- the table of maxima -------------------------------------------------------------------------

def test_save_maxima_from_the_table(organizer):
    a12, a13 = aspect("A1.2"), aspect("A1.3")
    response = submit(organizer, f"{editor_url()}/maxima",
                      {f"max-{a12.id}": "1,25", f"max-{a13.id}": "0.75"}, form_url=editor_url())
    assert response.status_code == 302
    assert (aspect("A1.2").max, aspect("A1.3").max) == (Decimal("1.25"), Decimal("0.75"))
    page = text(organizer.get(editor_url()))
    assert "Maxima saved: A1.2, A1.3." in page
    assert re.search(r'id="scheme-total" class="sum">100\.00<', page)  # +0.25 - 0.25
    changes = [e.changes for e in audit_entries("aspect", "update")[-2:]]
    assert {"max": ["1.00", "1.25"]} in changes and {"max": ["1.00", "0.75"]} in changes


def test_a_bad_maximum_in_the_table_saves_nothing_and_says_why(organizer):
    a11, a12 = aspect("A1.1"), aspect("A1.2")
    response = submit(organizer, f"{editor_url()}/maxima",
                      {f"max-{a12.id}": "1.5", f"max-{a11.id}": "1.00"}, form_url=editor_url())
    # A1.1 lists 1.50 among its allowed marks: its maximum cannot go below
    assert response.status_code == 409
    page = text(response)
    assert "The maxima were not saved" in page
    assert "The allowed mark 1.50 is above the maximum 1.00" in page
    assert f'aria-describedby="max-{a11.id}-error"' in page
    assert 'value="1.5"' in page  # what was typed stays in the table
    assert aspect("A1.2").max == Decimal("1.00")  # all or nothing

    response = submit(organizer, f"{editor_url()}/maxima", {f"max-{a12.id}": "abc"},
                      form_url=editor_url())
    assert response.status_code == 422
    assert "abc is not a number" in text(response)
