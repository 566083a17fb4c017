"""The blank marking forms and the signed forms say how an aspect of each kind is marked
(docs/scheme.md): "max 2.00, −0.25 per error, floor 0.00", the levels, "yes / no"."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from competition.documents import signed
from competition.documents.sheets import marking_forms
from competition.documents.signed_pdf import html_of
from competition.extensions import db
from competition.models import Aspect, MarkingForm, Skill
from competition.registry.scheme import editing
from competition.registry.scheme.reading import aspect_input

KINDS = {
    "B1.1": ("deduction", {"step": "0.25", "floor": "0"}),
    "B1.2": ("binary", None),
    "B1.3": ("discrete", None),  # levels 0, half and the maximum
}


@pytest.fixture
def kinds(demo_app):
    with demo_app.test_request_context("/"), force_locale("en"):
        skill = db.session.execute(sa.select(Skill).where(Skill.code == "10")).scalar_one()
        for code, (kind, params) in KINDS.items():
            item = db.session.execute(sa.select(Aspect).where(
                Aspect.skill_id == skill.id, Aspect.code == code)).scalar_one()
            data = aspect_input(item)
            data.kind, data.values = kind, None
            top = Decimal(item.max)
            data.kind_params = params if kind != "discrete" else {"levels": [
                {"value": "0", "label": {"en": "not done"}},
                {"value": str(top / 2), "label": {"en": "half done", "ru": "наполовину"}},
                {"value": str(top), "label": {"en": "all done"}}]}
            editing.update_aspect(skill.id, item.id, data)
        db.session.expire_all()
        yield db.session.get(Skill, skill.id)


def test_blank_forms_say_how_each_kind_is_marked(kinds):
    page = next(p for p in marking_forms(kinds) if p.sub.code == "B1")
    values = {a.code: a.values for a in page.aspects}
    top = {a.code: a.max for a in page.aspects}
    assert values["B1.1"] == f"max {Decimal(top['B1.1']):.2f}, −0.25 per error, floor 0.00"
    assert values["B1.2"] == f"yes ({Decimal(top['B1.2']):.2f}) / no (0)"
    assert "half done" in values["B1.3"] and values["B1.3"].startswith("0.00 = not done")
    assert "/" in values["B1.4"]  # a list of marks is listed as before


def test_the_signed_form_keeps_and_shows_the_kind(kinds):
    sub = next(s for c in kinds.criteria for s in c.sub_criteria if s.code == "B1")
    content = signed.form_content(kinds, sub, datetime(2026, 12, 5, tzinfo=UTC))
    aspects = {a["code"]: a for a in content["aspects"]}
    assert aspects["B1.1"]["kind"] == "deduction"
    assert aspects["B1.1"]["kind_params"] == {"step": "0.25", "floor": "0.00"}
    assert aspects["B1.2"]["kind"] == "binary" and aspects["B1.2"]["kind_params"] is None
    assert "kind" not in aspects["B1.4"]  # a list of marks: as the forms kept before
    form = MarkingForm(skill_id=kinds.id, sub_criterion_id=sub.id, kind=signed.FORM, version=1,
                       locale="ru", content_hash=signed.content_hash(content),
                       created_at=datetime(2026, 12, 5, tzinfo=UTC))
    html = html_of(form, content)
    assert "−0.25 за ошибку" in html
    assert "наполовину" in html and "да (" in html
