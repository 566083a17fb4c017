"""Aspect kinds (docs/scheme.md): a measurement aspect entered as a count of errors
(deduction), as labelled levels (discrete) or as yes/no (binary). Each stays an M mark with a
set of allowed values derived from its settings; the rules refuse every bad setting at its
field, the editor and the import write nothing then, and the export re-imports as it is."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from competition.extensions import db
from competition.models import Aspect
from competition.registry.scheme import rules
from competition.registry.scheme.importer import export_scheme, import_scheme, preview_scheme
from competition.registry.scheme.kind_text import kind_summary, normalize_kind, parse_levels
from competition.registry.scheme.rules import AspectInput, allowed_for_kind, kind_problems
from tests.helpers import submit

from ..marking import enter_marks
from .test_scheme_editor import aspect, aspect_form, editor_url, skill, text
from .test_scheme_import import empty_skill, scheme_of

D = Decimal


def decimals(*values: str) -> list[Decimal]:
    return [D(v) for v in values]


@pytest.fixture
def ctx(demo_app):
    with demo_app.app_context(), force_locale("en"):
        yield demo_app


@pytest.fixture
def organizer(organizer, demo_app):
    with demo_app.app_context():
        yield organizer


# --- the derived allowed values ------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "top", "params", "expected"), [
    ("deduction", "2.00", {"step": "0.25", "floor": "0.00"},
     ["0.00", "0.25", "0.50", "0.75", "1.00", "1.25", "1.50", "1.75", "2.00"]),
    ("deduction", "2", {"step": "0.5", "floor": "0.3"}, ["0.30", "0.50", "1.00", "1.50", "2.00"]),
    ("deduction", "1.00", {"step": "0.30"}, ["0.00", "0.10", "0.40", "0.70", "1.00"]),
    ("deduction", "1.00", {"step": "1.00", "floor": "0.50"}, ["0.50", "1.00"]),
    ("discrete", "1.00", {"levels": [{"value": "1.00"}, {"value": "0"}, {"value": "0.5"}]},
     ["0.00", "0.50", "1.00"]),
    ("binary", "1.5", None, ["0.00", "1.50"]),
    ("marks", "2", None, ["0.00", "2.00"]),
])
def test_allowed_values_follow_from_the_kind(kind, top, params, expected):
    assert allowed_for_kind(kind, D(top), params) == decimals(*expected)


# --- the rules -----------------------------------------------------------------------------------

def measurement(kind: str, params: dict | None, **more) -> AspectInput:
    data = {"code": "Z1.1", "type": "M", "max": D("2.00"), "description": {"en": "x"},
            "kind": kind, "kind_params": params, **more}
    return AspectInput(**data)


def level(value: str, en: str = "label") -> dict:
    return {"value": value, "label": {"ru": "", "kk": "", "en": en}}


@pytest.mark.parametrize(("data", "field", "message"), [
    (measurement("other", None), "kind", "The kind is one of: marks, deduction, discrete"),
    (AspectInput("Z", "J", D(2), description={"en": "x"}, kind="binary",
                 descriptors=[{"en": "d"}] * 4),
     "kind", "A judgement aspect is scored 0–3 by its experts"),
    (measurement("deduction", {}), "step", "Enter the deduction per error"),
    (measurement("deduction", {"step": "0"}), "step", "must be above 0"),
    (measurement("deduction", {"step": "-0.25"}), "step", "must be above 0"),
    (measurement("deduction", {"step": "2.50"}), "step", "at most the maximum 2.00"),
    (measurement("deduction", {"step": "0.125"}), "step", "more than 2 decimal places"),
    (measurement("deduction", {"step": "abc"}), "step", "abc is not a number"),
    (measurement("deduction", {"step": "0.25", "floor": "-1"}), "floor", "cannot be negative"),
    (measurement("deduction", {"step": "0.25", "floor": "2"}), "floor",
     "must be below the maximum 2.00"),
    (measurement("deduction", {"step": "0.25", "floor": "0.001"}), "floor",
     "more than 2 decimal places"),
    (measurement("deduction", {"step": "0.01"}, max=D("1000")), "step",
     "more than 1000 possible marks"),
    (measurement("discrete", {"levels": [level("2")]}), "levels_ru", "at least two levels"),
    (measurement("discrete", {"levels": []}), "levels_ru", "at least two levels"),
    (measurement("discrete", {"levels": [level("0"), level("2"), level("2.00")]}), "levels_ru",
     "The level 2.00 is given twice"),
    (measurement("discrete", {"levels": [level("-1"), level("2")]}), "levels_ru",
     "cannot be negative"),
    (measurement("discrete", {"levels": [level("0"), level("2.5")]}), "levels_ru",
     "The level 2.50 is above the maximum 2.00"),
    (measurement("discrete", {"levels": [level("0"), level("1.005")]}), "levels_ru",
     "more than 2 decimal places"),
    (measurement("discrete", {"levels": [level("0"), level("1")]}), "levels_ru",
     "One level must be the maximum 2.00"),
    (measurement("discrete", {"levels": [level("0", ""), level("2")]}), "levels_ru",
     "The level 0.00 needs a label in at least one language"),
    (measurement("binary", None, values=decimals("0", "1", "2")), "values",
     "leave the list of allowed marks empty"),
])
def test_every_bad_kind_setting_is_refused_at_its_field(ctx, data, field, message):
    problems = rules.aspect_problems(data)
    assert field in problems, problems
    assert message in problems[field]
    assert kind_problems(data)  # the same, on its own


@pytest.mark.parametrize("data", [
    measurement("deduction", {"step": "0.25"}),
    measurement("deduction", {"step": D("2"), "floor": D("1.99")}),
    measurement("discrete", {"levels": [level("0"), level("2.00")]}),
    measurement("binary", None),
    measurement("binary", None, values=decimals("2", "0")),  # the derived ones: fine
    measurement("marks", None, values=decimals("0", "1", "2")),
])
def test_good_kinds_pass_and_are_stored_with_their_values(ctx, data):
    assert rules.aspect_problems(data) == {}
    fields = rules.aspect_fields(data)
    assert fields["kind"] == data.kind
    if data.kind != "marks":
        assert fields["allowed_values"] == [
            str(v) for v in allowed_for_kind(data.kind, data.max, data.kind_params)]


def test_stored_settings_are_two_place_strings_with_levels_ascending(ctx):
    deduction = rules.aspect_fields(measurement("deduction", {"step": D("0.5")}))
    assert deduction["kind_params"] == {"step": "0.50", "floor": "0.00"}
    discrete = rules.aspect_fields(measurement("discrete", {"levels": [
        level("2", "full"), {"value": D("0"), "label": {"ru": " нет "}}]}))
    assert discrete["kind_params"] == {"levels": [
        {"value": "0.00", "label": {"ru": "нет", "kk": "", "en": ""}},
        {"value": "2.00", "label": {"ru": "", "kk": "", "en": "full"}}]}
    assert rules.aspect_fields(measurement("binary", None))["kind_params"] is None


def test_kind_words_and_levels_as_people_type_them(ctx):
    assert [normalize_kind(w) for w in ("", "Вычет", "дискретный", "бинарный", "список",
                                        "Binary", "шегерім", "what")] == [
        "marks", "deduction", "discrete", "binary", "marks", "binary", "deduction", "what"]
    levels, problems = parse_levels({"ru": "0 = нет; 1,5 = да", "en": "1.50 = yes\n0 = no"})
    assert problems == {}
    assert levels == [{"value": D("0"), "label": {"ru": "нет", "kk": "", "en": "no"}},
                      {"value": D("1.5"), "label": {"ru": "да", "kk": "", "en": "yes"}}]
    _levels, problems = parse_levels({"ru": "0 = нет; 1 = да", "en": "0 = no; 2 = yes"})
    assert "same marks in every language" in problems["levels_en"]
    _levels, problems = parse_levels({"kk": "x = жоқ"})
    assert "x is not a number" in problems["levels_kk"]
    assert kind_summary("deduction", D(2), {"step": "0.25", "floor": "0.00"}, "en") == (
        "max 2.00, −0.25 per error, floor 0.00")
    assert kind_summary("binary", D(2), None, "en") == "yes (2.00) / no (0)"


# --- the editor over HTTP -----------------------------------------------------------------------

def new_aspect_url() -> tuple[str, int]:
    sub = skill("10").criteria[0].sub_criteria[0]
    return f"{editor_url()}/sub-criteria/{sub.id}/aspects/new", sub.id


def aspect_total() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(Aspect)).scalar_one()


def test_the_editor_creates_each_kind(organizer):
    url, sub_id = new_aspect_url()
    response = submit(organizer, url, aspect_form(sub_criterion_id=sub_id, kind="deduction",
                                                  step="0,5", floor=""))
    assert response.status_code == 302, text(response)
    created = aspect("Z1.1")
    assert (created.kind, created.kind_params) == ("deduction",
                                                   {"step": "0.50", "floor": "0.00"})
    assert created.allowed_values == ["0.00", "0.50", "1.00", "1.50", "2.00"]
    assert "max 2.00, −0.50 per error, floor 0.00" in text(organizer.get(editor_url()))

    response = submit(organizer, url, aspect_form(
        sub_criterion_id=sub_id, code="Z1.2", kind="discrete",
        levels_ru="0 = нет\n1 = частично\n2 = да", levels_kk="",
        levels_en="0 = no\n1 = partly\n2 = yes"))
    assert response.status_code == 302, text(response)
    created = aspect("Z1.2")
    assert created.kind == "discrete" and created.allowed_values == ["0.00", "1.00", "2.00"]
    assert created.kind_params["levels"][1] == {
        "value": "1.00", "label": {"ru": "частично", "kk": "", "en": "partly"}}
    page = text(organizer.get(f"{editor_url()}/aspects/{created.id}"))
    assert "1.00 = partly" in page  # the edit form shows the levels back

    response = submit(organizer, url, aspect_form(sub_criterion_id=sub_id, code="Z1.3",
                                                  kind="binary", values=""))
    assert response.status_code == 302, text(response)
    assert aspect("Z1.3").allowed_values == ["0.00", "2.00"]


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"kind": "deduction", "step": ""}, "step", "Enter the deduction per error"),
    ({"kind": "deduction", "step": "x"}, "step", "x is not a number"),
    ({"kind": "deduction", "step": "3"}, "step", "at most the maximum 2.00"),
    ({"kind": "deduction", "step": "0.25", "floor": "2"}, "floor", "below the maximum"),
    ({"kind": "discrete", "levels_en": "0 = no"}, "levels_ru", "at least two levels"),
    ({"kind": "discrete", "levels_en": "0 = no; 1 = yes"}, "levels_ru",
     "One level must be the maximum 2.00"),
    ({"kind": "discrete", "levels_en": "0 = no; 2 = yes", "levels_ru": "0 = нет; 1 = да"},
     "levels_en", "same marks in every language"),
    ({"kind": "discrete", "levels_kk": "0 = жоқ; y = иә"}, "levels_kk", "y is not a number"),
    ({"kind": "binary", "values": "0; 1; 2"}, "values", "leave the list of allowed marks"),
    ({"kind": "nonsense"}, "kind", "The kind is one of"),
])
def test_a_bad_kind_in_the_editor_is_refused_at_its_field(organizer, values, field, message):
    url, sub_id = new_aspect_url()
    before = aspect_total()
    response = submit(organizer, url, aspect_form(sub_criterion_id=sub_id, **values))
    assert response.status_code == 422
    page = text(response)
    if field == "kind":
        assert message in page and 'id="kind-error"' in page
    else:
        assert f'id="{field}-error"' in page
        start = page.index(f'id="{field}-error"')
        assert message in page[start:start + 300]
    assert aspect_total() == before


def test_a_kind_change_must_keep_the_entered_marks_allowed(organizer):
    assert enter_marks("10", seed=7, fill=1.0) > 0
    item = next(a for c in skill("10").criteria for s in c.sub_criteria for a in s.aspects
                if a.type == "M" and not a.allowed_values)  # marks 0 and max entered
    top = str(item.max.quantize(D("0.01")))
    form = aspect_form(sub_criterion_id=item.sub_criterion_id, code=item.code, max=top,
                       description_ru=item.description_ru, description_en=item.description_en,
                       description_kk=item.description_kk)
    url = f"{editor_url()}/aspects/{item.id}"
    # a floor above 0 leaves out the entered zeros: refused, nothing written
    response = submit(organizer, url, {**form, "kind": "deduction", "step": "0.01",
                                       "floor": "0.01"})
    assert response.status_code == 409, text(response)
    assert "must keep them allowed" in text(response)
    assert aspect(item.code).kind == "marks"
    # yes/no keeps 0 and the maximum: allowed
    response = submit(organizer, url, {**form, "kind": "binary"})
    assert response.status_code == 302, text(response)
    assert aspect(item.code).kind == "binary"


# --- import and export ---------------------------------------------------------------------------

KIND_ROWS = [
    {"criterion": "A", "criterion_name_en": "A", "sub_criterion": "A1",
     "sub_criterion_name_en": "A1", "aspect": "A1.1", "type": "M", "max": "2",
     "description_en": "errors", "kind": "вычет", "step": "0,25", "floor": ""},
    {"criterion": "A", "sub_criterion": "A1", "aspect": "A1.2", "type": "M", "max": "1",
     "description_en": "levels", "kind": "discrete",
     "levels_ru": "0 = нет; 0.5 = частично; 1 = да", "levels_en": "0 = no; 0.50 = half; 1 = yes"},
    {"criterion": "A", "sub_criterion": "A1", "aspect": "A1.3", "type": "M", "max": "1.5",
     "description_en": "yes or no", "kind": "бинарный"},
    {"criterion": "A", "sub_criterion": "A1", "aspect": "A1.4", "type": "M", "max": "1",
     "description_en": "list", "values": "0; 0.5; 1"},
]


def test_kinds_import_and_round_trip_through_the_export(ctx):
    target = empty_skill()
    import_scheme(target, KIND_ROWS)
    aspects = {a["code"]: a for c in scheme_of(target) for s in c["sub_criteria"]
               for a in s["aspects"]}
    assert aspects["A1.1"]["kind"] == "deduction"
    assert aspects["A1.1"]["kind_params"] == {"step": "0.25", "floor": "0.00"}
    assert aspects["A1.1"]["values"][:2] == ["0.00", "0.25"]
    assert aspects["A1.2"]["values"] == ["0.00", "0.50", "1.00"]
    assert aspects["A1.2"]["kind_params"]["levels"][1]["label"] == {
        "ru": "частично", "kk": "", "en": "half"}
    assert (aspects["A1.3"]["kind"], aspects["A1.3"]["values"]) == ("binary", ["0.00", "1.50"])
    assert aspects["A1.4"]["kind"] == "marks"
    rows = export_scheme(target)
    assert rows[0]["kind"] == "deduction" and rows[0]["values"] == ""
    assert rows[1]["levels_en"] == "0.00 = no; 0.50 = half; 1.00 = yes"
    assert rows[1]["levels_kk"] == "" and rows[3]["kind"] == ""
    again = empty_skill("RT2")
    import_scheme(again, rows)
    assert scheme_of(again) == scheme_of(target)
    assert export_scheme(again) == rows
    assert preview_scheme(again, rows).counts()["unchanged"] == 4


@pytest.mark.parametrize(("change", "column", "expected"), [
    ({"step": "0"}, "step", "must be above 0"),
    ({"kind": "deduction", "step": ""}, "step", "Enter the deduction per error"),
    ({"kind": "levels", "step": "", "levels_en": "0 = no"}, "levels_ru", "at least two levels"),
    ({"kind": "binary"}, "step", "Only for the kind deduction"),
    ({"kind": "whatever"}, "kind", "The kind is one of"),
    ({"type": "J", "descriptor_0_en": "a", "descriptor_1_en": "b", "descriptor_2_en": "c",
      "descriptor_3_en": "d"}, "kind", "A judgement aspect is scored 0–3"),
])
def test_a_bad_kind_in_a_file_is_reported_at_its_column(ctx, change, column, expected):
    rows = [dict(row) for row in KIND_ROWS]
    rows[0].update(change)
    plan = preview_scheme(empty_skill(), rows)
    found = [e for e in plan.errors if e.row == 2 and e.column == column]
    assert found, [(e.row, e.column, e.expected) for e in plan.errors]
    assert expected in found[0].expected


def test_the_table_of_maxima_re_derives_a_kinds_marks_or_refuses(organizer):
    from competition.registry.scheme.maxima import MaximaRefused, set_maxima

    url, sub_id = new_aspect_url()
    submit(organizer, url, aspect_form(sub_criterion_id=sub_id, kind="binary"))
    submit(organizer, url, aspect_form(sub_criterion_id=sub_id, code="Z1.2", kind="discrete",
                                       levels_en="0 = no\n2 = yes"))
    binary, levels = aspect("Z1.1"), aspect("Z1.2")
    set_maxima(skill("10").id, {binary.id: D("3.00")})
    assert aspect("Z1.1").allowed_values == ["0.00", "3.00"]
    with pytest.raises(MaximaRefused) as refused:
        set_maxima(skill("10").id, {levels.id: D("3.00")})  # no level is the new maximum
    assert "One level must be the maximum 3.00" in refused.value.errors[levels.id]
    assert aspect("Z1.2").max == D("2.00")
