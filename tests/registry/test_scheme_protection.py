"""Once marks are entered, the editor refuses what would invalidate them — and says why — while
harmless edits (texts, descriptors, standards section, order, maxima that keep marks valid) stay
allowed. Marks are entered with tests/marking.py on the demo skill 10 (Welding)."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from competition.extensions import db
from competition.models import Aspect, AuditEntry, Criterion, Mark, SubCriterion
from tests.helpers import submit

from ..marking import enter_marks
from .test_scheme_editor import (
    aspect,
    aspect_form,
    editor_url,
    skill,
    text,
)


@pytest.fixture
def organizer(organizer, demo_app):
    """The organizer's client (tests/fixtures/accounts.py) with the demo app's context pushed:
    the tests read the scheme through db.session, and the client's requests share it."""
    with demo_app.app_context():
        yield organizer


@pytest.fixture
def marked(organizer):
    assert enter_marks("10", seed=7, fill=1.0) > 0
    return organizer


def used(code: str) -> set[Decimal]:
    values = db.session.execute(sa.select(Mark.value).join(
        Aspect, Aspect.id == Mark.aspect_id).where(
        Aspect.code == code, Aspect.skill_id == skill("10").id)).scalars()
    return {Decimal(v).quantize(Decimal("0.01")) for v in values if v is not None}


def measurement(listed: bool, having: str) -> Aspect:
    """An M aspect of skill 10 (with or without a list) whose entered marks include `having`
    ("max" or "0")."""
    for candidate in skill("10").criteria:
        for sub in candidate.sub_criteria:
            for item in sub.aspects:
                if item.type != "M" or bool(item.allowed_values) != listed:
                    continue
                wanted = item.max if having == "max" else Decimal(0)
                if wanted.quantize(Decimal("0.01")) in used(item.code):
                    return item
    raise AssertionError("no such aspect among the marked ones")


def form_of(item: Aspect, **changes) -> dict:
    data = aspect_form(
        sub_criterion_id=item.sub_criterion_id, code=item.code, type=item.type,
        max=str(item.max.quantize(Decimal("0.01"))),
        values="; ".join(item.allowed_values or []),
        description_ru=item.description_ru, description_kk=item.description_kk,
        description_en=item.description_en, standards_section=item.standards_section)
    for score, texts in enumerate(item.descriptors or []):
        for locale in ("ru", "kk", "en"):
            data[f"descriptor_{score}_{locale}"] = texts[locale]
    data.update(changes)
    return data


def edit(client, item: Aspect, **changes):
    return submit(client, f"{editor_url()}/aspects/{item.id}", form_of(item, **changes))


def snapshot(item_id: int) -> tuple:
    db.session.expire_all()
    item = db.session.get(Aspect, item_id)
    return (item.code, item.type, item.max, item.allowed_values, item.sub_criterion_id,
            item.description_en)


# --- deleting ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("level", "model", "label"), [
    ("aspects", Aspect, "Aspect"), ("sub-criteria", SubCriterion, "Sub-criterion"),
    ("criteria", Criterion, "Criterion")])
def test_a_part_with_marks_cannot_be_deleted_and_the_page_says_why(marked, level, model, label):
    a11 = aspect("A1.1")
    item = {"aspects": a11, "sub-criteria": a11.sub_criterion,
            "criteria": a11.sub_criterion.criterion}[level]
    item_id, code = item.id, item.code
    url = f"{editor_url()}/{level}/{item_id}/delete"

    page = text(marked.get(url))
    assert f"{label} {code} cannot be deleted:" in page
    assert "marks have been entered for it" in page
    assert 'class="button danger"' not in page  # no delete button to press

    response = submit(marked, url, {}, form_url=editor_url())  # pressed anyway (an old page)
    assert response.status_code == 409
    assert f"{label} {code} cannot be deleted:" in text(response)
    db.session.expire_all()
    assert db.session.get(model, item_id) is not None
    assert not db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.action == "delete")).first()


def test_an_aspect_without_marks_can_still_be_deleted_in_a_marked_skill(marked):
    sub = aspect("A1.1").sub_criterion
    response = submit(marked, f"{editor_url()}/sub-criteria/{sub.id}/aspects/new",
                      aspect_form(sub_criterion_id=sub.id, code="A1.9"))
    assert response.status_code == 302
    new = aspect("A1.9")
    response = submit(marked, f"{editor_url()}/aspects/{new.id}/delete", {})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Aspect, new.id) is None


# --- changing an aspect --------------------------------------------------------------------------

def test_the_type_of_a_marked_aspect_cannot_change(marked):
    a23 = aspect("A2.3")
    before = snapshot(a23.id)
    response = edit(marked, a23, type="M", description_en="changed too")
    assert response.status_code == 409
    assert "The type cannot change: marks have been entered for A2.3 as J." in text(response)
    assert snapshot(a23.id) == before  # nothing of the edit was saved


def test_the_maximum_cannot_go_below_an_entered_mark(marked):
    item = measurement(listed=False, having="max")
    top = item.max.quantize(Decimal("0.01"))
    before = snapshot(item.id)
    response = edit(marked, item, max=str(top - Decimal("0.25")))
    assert response.status_code == 409
    assert (f"The maximum cannot be below {top}: a mark of {top} has been entered for "
            f"{item.code}.") in text(response)
    assert snapshot(item.id) == before


def test_an_allowed_mark_in_use_cannot_be_removed(marked):
    a11 = aspect("A1.1")  # 0; 0.75; 1.50
    in_use = sorted(used("A1.1") & {Decimal("0.00"), Decimal("0.75")})
    assert in_use, "seed 7 marks A1.1 with 0 or 0.75"
    kept = [v for v in a11.allowed_values if Decimal(v) != in_use[0]]
    before = snapshot(a11.id)
    response = edit(marked, a11, values="; ".join(kept))
    assert response.status_code == 409
    assert (f"The allowed marks must keep {in_use[0]}: marks of that value have been entered "
            f"for A1.1.") in text(response)
    assert snapshot(a11.id) == before


def test_a_new_list_must_include_the_marks_entered_without_one(marked):
    item = measurement(listed=False, having="0")
    top = item.max.quantize(Decimal("0.01"))
    response = edit(marked, item, values=f"0.25; {top}")  # leaves out 0
    assert response.status_code == 409
    assert "The allowed marks must keep 0.00" in text(response)
    response = edit(marked, item, values=f"0; 0.25; {top}")  # keeps 0 and the maximum
    assert response.status_code == 302
    assert aspect(item.code).allowed_values == ["0", "0.25", str(top)]


def test_raising_the_maximum_without_a_list_would_strand_the_old_maximum(marked):
    item = measurement(listed=False, having="max")
    top = item.max.quantize(Decimal("0.01"))
    response = edit(marked, item, max=str(top + 1))
    assert response.status_code == 409
    page = text(response)
    assert f"Without a list of allowed marks only 0 and the maximum ({top + 1})" in page
    assert f"List the allowed marks including {top}." in page
    # following the advice works
    response = edit(marked, item, max=str(top + 1), values=f"0; {top}; {top + 1}")
    assert response.status_code == 302
    assert aspect(item.code).max == top + 1


def test_a_marked_aspect_cannot_move_to_another_sub_criterion(marked):
    a11 = aspect("A1.1")
    other = skill("10").criteria[1].sub_criteria[0]
    response = edit(marked, a11, sub_criterion_id=other.id)
    assert response.status_code == 409
    assert "A1.1 cannot move to another sub-criterion" in text(response)
    assert aspect("A1.1").sub_criterion_id != other.id


def test_harmless_edits_stay_allowed_once_marks_exist(marked):
    a23 = aspect("A2.3")
    descriptors = {f"descriptor_{s}_en": f"New descriptor {s}" for s in range(4)}
    response = edit(marked, a23, description_en="Clearer words", standards_section="1.2",
                    max="2.00", **descriptors)  # a judgement maximum may change either way
    assert response.status_code == 302, text(response)
    changed = aspect("A2.3")
    assert (changed.description_en, changed.standards_section, changed.max) == (
        "Clearer words", "1.2", Decimal("2.00"))
    assert changed.descriptors[3]["en"] == "New descriptor 3"

    a11 = aspect("A1.1")  # listed: raising the maximum keeps every entered mark allowed
    response = edit(marked, a11, max="2.00", values="0; 0.75; 1.50; 2.00")
    assert response.status_code == 302, text(response)
    assert aspect("A1.1").max == Decimal("2.00")

    criterion = skill("10").criteria[0]
    response = submit(marked, f"{editor_url()}/criteria/{criterion.id}",
                      {"code": criterion.code, "name_ru": "Переименован"})
    assert response.status_code == 302
    response = submit(marked, f"{editor_url()}/aspects/{aspect('A1.2').id}/move",
                      {"direction": "up"}, form_url=editor_url())
    assert response.status_code == 302
    assert [a.code for a in aspect("A1.2").sub_criterion.aspects][0] == "A1.2"


def test_the_table_of_maxima_refuses_a_maximum_below_a_mark(marked):
    item = measurement(listed=False, having="max")
    a23 = aspect("A2.3")
    top = item.max.quantize(Decimal("0.01"))
    response = submit(marked, f"{editor_url()}/maxima",
                      {f"max-{item.id}": str(top - Decimal("0.5")), f"max-{a23.id}": "2.50"},
                      form_url=editor_url())
    assert response.status_code == 409
    assert f"The maximum cannot be below {top}" in text(response)
    assert aspect("A2.3").max == Decimal("3.00")  # nothing saved, not even the harmless one


def test_the_editor_tells_that_marks_exist(marked):
    page = text(marked.get(editor_url()))
    assert "Marks have been entered for this skill." in page
    assert "10 marks" in page  # per M aspect: one per competitor
