"""The optional panel columns of the scheme sheet (issue 20): `panel` on a sub-criterion's rows,
`aspect_panel` on a judgement aspect's row, expert codes separated by commas; unknown codes are
errors naming the row and the value, and nothing is written unless all is well."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from competition.database import write_transaction
from competition.extensions import db
from competition.models import Expert, ExpertRole, PanelSeat
from competition.registry.scheme.importer import (
    SchemeImportError,
    export_scheme,
    import_scheme,
)

from .test_scheme_editor import skill


@pytest.fixture
def ctx(demo_app):
    with demo_app.app_context(), force_locale("en"):
        yield demo_app


def experts(code: str) -> list[str]:
    return list(db.session.execute(
        sa.select(Expert.code).join(ExpertRole, ExpertRole.expert_id == Expert.id)
        .where(ExpertRole.skill_id == skill(code).id).order_by(Expert.code)).scalars())


def seats() -> list[tuple]:
    return db.session.execute(
        sa.select(PanelSeat.aspect_id, Expert.code).join(Expert, Expert.id == PanelSeat.expert_id)
        .order_by(PanelSeat.aspect_id, PanelSeat.position)).all()


def j_rows(rows: list[dict]) -> tuple[int, int]:
    """The index of a J aspect's row and of another J row of a different sub-criterion."""
    first = next(i for i, r in enumerate(rows) if r["type"] == "J")
    other = next(i for i, r in enumerate(rows) if r["type"] == "J"
                 and r["sub_criterion"] != rows[first]["sub_criterion"])
    return first, other


def test_panels_are_imported_checked_and_exported(ctx):
    rows = export_scheme(skill("04"))
    assert all(r["panel"] == "" and r["aspect_panel"] == "" for r in rows)
    codes = experts("04")
    first, other = j_rows(rows)
    row_number = first + 2  # row 1 is the header
    rows[first]["panel"] = f"{codes[0]}, {codes[1]}, NOBODY"
    with pytest.raises(SchemeImportError) as caught:
        import_scheme(skill("04"), rows)
    unknown = [e for e in caught.value.errors if e.value == "NOBODY"]
    assert unknown and unknown[0].row == row_number and unknown[0].column == "panel"
    assert "NOBODY is not an expert of skill 04" in unknown[0].expected
    assert seats() == []
    rows[first]["panel"] = f"{codes[0]}, {codes[1]}"
    with pytest.raises(SchemeImportError) as caught:
        import_scheme(skill("04"), rows)
    assert "exactly 3 experts" in caught.value.errors[0].expected
    m_row = next(i for i, r in enumerate(rows) if r["type"] == "M")
    rows[m_row]["aspect_panel"] = ",".join(codes[:3])
    rows[first]["panel"] = ", ".join(codes[:3])
    with pytest.raises(SchemeImportError) as caught:
        import_scheme(skill("04"), rows)
    assert [e.column for e in caught.value.errors] == ["aspect_panel"]
    assert seats() == []

    rows[m_row]["aspect_panel"] = ""
    rows[other]["aspect_panel"] = ", ".join(codes[1:4])
    import_scheme(skill("04"), rows)
    found = seats()
    assert [c for a, c in found if a is None] == codes[:3]
    assert [c for a, c in found if a is not None] == codes[1:4]
    again = export_scheme(skill("04"))
    sub = rows[first]["sub_criterion"]
    assert {r["panel"] for r in again if r["sub_criterion"] == sub} == {", ".join(codes[:3])}
    assert again[other]["aspect_panel"] == ", ".join(codes[1:4])


def test_a_panel_member_outside_the_criterions_marking_team_is_an_error(ctx):
    rows = export_scheme(skill("04"))
    codes = experts("04")
    first, _other = j_rows(rows)
    criterion = rows[first]["criterion"]
    with write_transaction() as session:
        role = session.execute(sa.select(ExpertRole).join(Expert).where(
            Expert.code == codes[1], ExpertRole.skill_id == skill("04").id)).scalar_one()
        role.marking_team = "Q" if criterion != "Q" else "R"
    rows[first]["panel"] = ", ".join(codes[:3])
    with pytest.raises(SchemeImportError) as caught:
        import_scheme(skill("04"), rows)
    [error] = caught.value.errors
    assert (error.row, error.column, error.value) == (first + 2, "panel", codes[1])
    assert f"not {criterion}" in error.expected
    assert seats() == []
