"""Validation of the scheme editor's forms over HTTP: each mistake an organizer can make is
refused with a message at the field that says what to do, and nothing is saved."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from competition.extensions import db
from competition.models import Aspect, Criterion, SubCriterion
from competition.registry.scheme import rules
from tests.helpers import submit

from .test_scheme_editor import (
    aspect,
    aspect_form,
    editor_url,
    judgement_descriptors,
    skill,
    text,
)


@pytest.fixture
def organizer(organizer, demo_app):
    """The organizer's client (tests/fixtures/accounts.py) with the demo app's context pushed:
    the tests read the scheme through db.session, and the client's requests share it."""
    with demo_app.app_context():
        yield organizer


def new_aspect_url() -> tuple[str, int]:
    sub = skill("10").criteria[0].sub_criteria[0]
    return f"{editor_url()}/sub-criteria/{sub.id}/aspects/new", sub.id


def aspect_count() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(Aspect)).scalar_one()


def error_at(page: str, field: str) -> str:
    """The error text shown for a field (linked to it by aria-describedby)."""
    match = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', page)
    assert match, f"no error shown at {field}"
    assert 'aria-describedby="' in page
    return match.group(1)


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"max": ""}, "max", "Enter a number, for example 1.50."),
    ({"max": "abc"}, "max", "abc is not a number; write it like 1.50."),
    ({"max": "0"}, "max", "The maximum must be above 0."),
    ({"max": "-1"}, "max", "The maximum must be above 0."),
    ({"max": "1.005"}, "max", "1.005 has more than 2 decimal places"),
    ({"max": "1001"}, "max", "The maximum can be at most 1000."),
    ({"values": "0; 1; 2.50"}, "values",
     "The allowed mark 2.50 is above the maximum 2.00: lower the mark or raise the maximum."),
    ({"values": "0; -0.5; 2"}, "values", "Allowed marks cannot be negative (-0.5)."),
    ({"values": "0; 1; 1.00; 2"}, "values", "The allowed mark 1.00 is listed twice."),
    ({"values": "0; x; 2"}, "values", "In the list of allowed marks: x is not a number"),
    ({"code": ""}, "code", "Enter a code."),
    ({"code": "Z 1"}, "code", "A code has no spaces"),
    ({"code": "Z" * 33}, "code", "At most 32 characters."),
    ({"code": "A1.2"}, "code", "This skill already has an aspect A1.2; aspect codes are unique"),
    ({"description_ru": "", "description_en": ""}, "description_ru",
     "Describe the aspect in at least one language."),
    ({"type": "J", **judgement_descriptors(), "descriptor_3_en": ""}, "descriptor_3_ru",
     "A judgement aspect needs all four descriptors: say what a score of 3 means"),
    ({"type": "J"}, "descriptor_0_ru", "A judgement aspect needs all four descriptors"),
    ({"type": "X"}, "type", "Not a valid choice"),
])
def test_a_bad_aspect_is_refused_with_the_reason_at_its_field(organizer, values, field,
                                                              message):
    url, sub_id = new_aspect_url()
    before = aspect_count()
    response = submit(organizer, url, aspect_form(sub_criterion_id=sub_id, **values))
    assert response.status_code == 422
    page = text(response)
    if field == "type":
        assert message in page and 'id="type-error"' in page
    else:
        assert message in error_at(page, field)
    assert aspect_count() == before


def test_decimal_commas_and_extra_zeros_are_read_exactly(organizer):
    url, sub_id = new_aspect_url()
    response = submit(organizer, url, aspect_form(sub_criterion_id=sub_id, max="2,500",
                                                  values="0; 0,75 ;1.5;2.50"))
    assert response.status_code == 302, text(response)
    created = aspect("Z1.1")
    assert created.max == Decimal("2.50")
    assert created.allowed_values == ["0", "0.75", "1.5", "2.50"]


def test_a_judgement_aspect_with_four_descriptors_in_any_language_is_accepted(organizer):
    url, sub_id = new_aspect_url()
    descriptors = {"descriptor_0_ru": "ниже", "descriptor_1_kk": "сәйкес",
                   "descriptor_2_en": "exceeds", "descriptor_3_en": "excellent"}
    response = submit(organizer, url, aspect_form(sub_criterion_id=sub_id, type="J", max="3",
                                                  **descriptors))
    assert response.status_code == 302, text(response)
    assert aspect("Z1.1").descriptors[1] == {"ru": "", "kk": "сәйкес", "en": ""}


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"code": ""}, "code", "Enter a code."),
    ({"code": "A"}, "code", "This skill already has a criterion A; choose another code."),
    ({"code": "Q Q"}, "code", "A code has no spaces"),
    ({"name_ru": "", "name_en": ""}, "name_ru", "Enter the name in at least one language."),
])
def test_a_bad_criterion_is_refused(organizer, values, field, message):
    before = db.session.execute(sa.select(sa.func.count()).select_from(Criterion)).scalar_one()
    data = {"code": "Q", "name_ru": "", "name_kk": "", "name_en": "Quality"}
    data.update(values)
    response = submit(organizer, f"{editor_url()}/criteria/new", data)
    assert response.status_code == 422
    assert message in error_at(text(response), field)
    assert db.session.execute(
        sa.select(sa.func.count()).select_from(Criterion)).scalar_one() == before


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"day": "C9"}, "day", "One of the competition days: C-2, C-1, C1, C2, C3, C4, C+1."),
    ({"code": ""}, "code", "Enter a code."),
    ({"name_ru": ""}, "name_ru", "Enter the name in at least one language."),
])
def test_a_bad_sub_criterion_is_refused(organizer, values, field, message):
    criterion = skill("10").criteria[0]
    before = db.session.execute(
        sa.select(sa.func.count()).select_from(SubCriterion)).scalar_one()
    data = {"code": "A9", "name_ru": "Новый", "day": "C1"}
    data.update(values)
    response = submit(organizer, f"{editor_url()}/criteria/{criterion.id}/sub-criteria/new",
                      data)
    assert response.status_code == 422
    assert message in error_at(text(response), field)
    assert db.session.execute(
        sa.select(sa.func.count()).select_from(SubCriterion)).scalar_one() == before


def test_renaming_a_criterion_to_a_taken_code_is_refused(organizer):
    first, second = skill("10").criteria[:2]
    response = submit(organizer, f"{editor_url()}/criteria/{second.id}",
                      {"code": first.code, "name_ru": second.name_ru})
    assert response.status_code == 422
    assert f"already has a criterion {first.code}" in text(response)


def test_forms_need_the_csrf_token(organizer):
    url, sub_id = new_aspect_url()
    before = aspect_count()
    response = organizer.post(url, data=aspect_form(sub_criterion_id=sub_id))
    assert response.status_code == 400  # refused by CSRFProtect before the view runs
    assert aspect_count() == before
    response = organizer.post(url, data={"csrf_token": "forged",
                                         **aspect_form(sub_criterion_id=sub_id)})
    assert response.status_code == 400
    assert aspect_count() == before


# --- the value parsers the forms and the import share ------------------------------------------

@pytest.mark.parametrize(("typed", "value"), [
    ("1.50", "1.50"), ("1,5", "1.5"), (" 2 ", "2"), ("1.500", "1.50"), ("-0", "0"),
    ("1 000", "1000"),
])
def test_parse_decimal(organizer, typed, value):
    assert str(rules.parse_decimal(typed)) == value


@pytest.mark.parametrize("typed", ["", "1e3", "NaN", "inf", "1.001", "one"])
def test_parse_decimal_refuses(organizer, typed):
    with pytest.raises(ValueError):
        rules.parse_decimal(typed)


def test_parse_values_reads_semicolons_and_lines(organizer):
    assert rules.parse_values("0;0.5\n1,00; ") == [Decimal("0"), Decimal("0.5"),
                                                      Decimal("1.00")]
    assert rules.parse_values("  ") is None


@pytest.mark.parametrize(("typed", "kind"), [
    ("M", "M"), ("м", "M"), ("Measurement", "M"), ("измеримая", "M"), ("J", "J"),
    ("судейская", "J"), ("төрешілік", "J"), ("Q", "Q")])
def test_normalize_type(typed, kind):
    assert rules.normalize_type(typed) == kind
