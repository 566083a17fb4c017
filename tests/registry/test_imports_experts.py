"""Importing experts (registry/imports/experts.py): the experts and their roles written in a
statement per table whatever the file's length, the skills' versions moved as a save's flush
moves them, an expert's rows merged whatever row fills which cell, and what changed while the
file was checked failing the import whole."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from competition.extensions import db
from competition.models import Championship, Expert, Organization, Skill
from competition.registry.imports import service
from tests.helpers import statements_during
from tests.registry.test_imports_people import WS, confirm, counts, upload, xlsx

HEADER = ["code", "name_ru", "name_kk", "organization", "skill", "role"]


def run(app, rows, meanwhile=None):
    """run_import of the experts `rows` into the demo championship: its report, or its
    ImportFailed; `meanwhile(connection)` is committed by someone else between the check
    and the write; with the SQL statements run."""
    def progress(items, label):
        if meanwhile is not None and str(label) == "Importing experts":
            with db.engine.begin() as connection:
                meanwhile(connection)
        return items

    outcome = {}

    def go():
        try:
            outcome["report"] = service.run_import(
                importer, target, "experts.xlsx", xlsx(rows), progress=progress)
        except service.ImportFailed as failed:
            outcome["report"] = failed

    with app.test_request_context(), force_locale("en"):
        importer = service.importer_for("experts")
        target = service.resolve_target(importer, WS, None)
        statements = statements_during(db.engine, go)
        db.session.remove()
    return outcome["report"], statements


def experts(app, *codes) -> dict[str, tuple]:
    """code → (name_ru, name_kk, organization code, {skill code: role})."""
    with app.app_context():
        found = db.session.execute(sa.select(Expert).where(
            Expert.code.in_(codes), Expert.championship.has(code=WS))).scalars()
        return {e.code: (e.name_ru, e.name_kk, e.organization.code if e.organization else None,
                         {r.skill.code: r.role for r in e.roles}) for e in found}


def versions(app) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(sa.select(Skill.code, Skill.version).where(
            Skill.championship.has(code=WS))).all())


def test_experts_and_roles_are_written_with_a_statement_per_table_and_versions_move(demo_app):
    rows = [HEADER]
    for i in range(30):  # new experts, two skills each
        rows.append([f"X{i:02d}", f"Эксперт {i}", "", "UMZ", "10", "expert"])
        rows.append([f"X{i:02d}", "", f"Сарапшы {i}", "", "18", "deputy" if i % 2 else ""])
    rows += [["E05", "", "", "", "18", "deputy"],           # a stored role changes
             ["E03", "", "", "", "34", "expert"],           # a stored expert's new role
             ["E06", "Серик Байжанов-Новый", "", "", "10", "independent"]]  # a new name
    before = versions(demo_app)
    report, statements = run(demo_app, rows)
    assert not isinstance(report, service.ImportFailed), report.report.errors
    assert report.counts() == {"create": 30, "update": 3, "unchanged": 0}

    def written(prefix):
        return [s for s in statements if s.startswith(prefix)]

    assert len(written("INSERT INTO expert ")) == 1, written("INSERT INTO expert ")
    assert len(written("INSERT INTO expert_role ")) == 1, written("INSERT INTO expert_role ")
    assert len(written("UPDATE expert_role ")) == 1 and len(written("UPDATE expert ")) == 1
    found = experts(demo_app, "X00", "X07", "E03", "E05", "E06")
    assert found["X07"] == ("Эксперт 7", "Сарапшы 7", "UMZ", {"10": "expert", "18": "deputy"})
    assert found["X00"][3] == {"10": "expert", "18": "expert"}
    assert found["E05"][3] == {"10": "expert", "18": "deputy"}
    assert found["E03"][3] == {"10": "expert", "34": "expert"}
    assert found["E06"][:3] == ("Серик Байжанов-Новый", "Серік Байжанов", None)
    after = versions(demo_app)
    # every skill a role of the file is in, as the flush of each row bumped them; not 04
    assert all(after[code] > before[code] for code in ("10", "18", "34")), (before, after)
    assert after["04"] == before["04"]


@pytest.mark.sqlite
def test_new_experts_are_staged_before_the_write_lock(demo_app):
    """SQLite: the new experts wait in a TEMP table of the write transaction's connection,
    filled before it takes the lock (statements.PreparedRows.stage)."""
    report, statements = run(demo_app, [HEADER, ["X01", "Первый", "", "UMZ", "10", ""],
                                        ["X02", "Второй", "", "", "18", "deputy"]])
    assert report.counts()["create"] == 2
    inserts = [s for s in statements if s.startswith("INSERT INTO expert ")]
    assert len(inserts) == 1 and "FROM staged_expert" in inserts[0], inserts
    assert experts(demo_app, "X02")["X02"] == ("Второй", "", None, {"18": "deputy"})


def test_a_new_name_bumps_every_skill_of_the_expert(demo_app):
    before = versions(demo_app)
    report, _ = run(demo_app, [HEADER, ["E08", "Павел Никитин-Новый", "", "", "18", "expert"]])
    assert report.counts()["update"] == 1
    after = versions(demo_app)
    assert after["04"] > before["04"] and after["18"] > before["18"]  # E08's skills
    assert after["34"] == before["34"]


def test_a_later_row_of_an_expert_fills_the_cells_the_first_left_empty(demo_app, organizer):
    rows = [HEADER,
            ["E60", "Новый Эксперт", "", "", "10", "expert"],
            ["E60", "", "Жаңа Сарапшы", "UMZ", "18", "expert"],
            ["E60", "", "", "", "34", "independent"],
            ["E06", "", "", "", "10", "independent"],   # stored without an organization
            ["E06", "", "", "KAZZINC", "34", "expert"]]
    preview = upload(organizer, "experts", "e.xlsx", xlsx(rows))
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html
    assert "create 1" in html and "update 1" in html and "<ins>KAZZINC</ins>" in html
    assert confirm(organizer, preview).status_code == 303
    found = experts(demo_app, "E60", "E06")
    assert found["E60"] == ("Новый Эксперт", "Жаңа Сарапшы", "UMZ",
                            {"10": "expert", "18": "expert", "34": "independent"})
    assert found["E06"][2:] == ("KAZZINC", {"10": "independent", "34": "expert"})


def championship_id(app) -> int:
    with app.app_context():
        return db.session.execute(sa.select(Championship.id).where(Championship.code == WS)
                                  ).scalar_one()


@pytest.mark.parametrize("what", ["code", "organization", "chief"])
def test_what_changed_while_the_file_was_checked_fails_the_import_whole(demo_app, what):
    with demo_app.app_context():
        from competition.database import write_transaction

        with write_transaction() as session:
            session.add(Organization(code="TEMPORG", name_ru="Временная", kind="college"))
    ws = championship_id(demo_app)
    rows = [HEADER, ["X01", "Первый", "", "TEMPORG", "10", "expert"],
            ["X02", "Второй", "", "UMZ", "34", "chief"]]  # 34's chief E12 demoted first
    rows.insert(1, ["E12", "", "", "", "34", "expert"])

    def meanwhile(connection):
        if what == "code":
            connection.execute(sa.insert(Expert.__table__).values(
                championship_id=ws, code="X02", name_ru="Кто-то другой", name_kk="",
                name_en=""))
        elif what == "organization":
            connection.execute(sa.delete(Organization.__table__).where(
                Organization.code == "TEMPORG"))
        else:  # someone else demotes 18's chief expert: no row of the file is about 18
            connection.execute(sa.text(
                "UPDATE expert_role SET role = 'expert' WHERE role = 'chief' AND skill_id = "
                "(SELECT id FROM skill WHERE code = '18' AND championship_id = :ws)"), {"ws": ws})

    before = counts(demo_app)
    refused, _ = run(demo_app, rows, meanwhile)
    assert isinstance(refused, service.ImportFailed)
    errors = [(e.row, e.column, e.expected) for e in refused.report.errors]
    expected = {"code": [(4, "code", "registered by someone else")],
                "organization": [(3, "organization", "deleted while the file")],
                "chief": [(None, "", "changed the championship's skills or their chief")]}[what]
    assert [(row, column) for row, column, _ in errors] == [(r, c) for r, c, _ in expected]
    assert expected[0][2] in errors[0][2], errors
    after = counts(demo_app)
    # nothing of the file: only what the other person registered
    assert after == {**before, "Expert": before["Expert"] + (what == "code"),
                     "Organization": before["Organization"] - (what == "organization")}
    assert after["AuditEntry"] == before["AuditEntry"]
    assert experts(demo_app, "E12")["E12"][3] == {"34": "chief"}
