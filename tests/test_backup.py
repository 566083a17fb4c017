"""`competition backup FILE` / `competition restore FILE`, run as users run them (a process),
on SQLite and PostgreSQL: after backup → change → restore, every table holds exactly the rows
it held at backup time; refusals are one line and leave the database as it was."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from competition.database import write_transaction
from competition.extensions import db
from competition.models import Championship, DocumentAsset, Organization

from .fixtures.databases import make_app
from .helpers import command_line, wait_until
from .marking import enter_marks

# A real PNG's first bytes: not valid UTF-8, NUL bytes, high bytes.
# The newest schema revision (the migration with no successor), as a backup records it.
HEAD = max(path.name.split("_", 1)[0] for path in
           (Path(__file__).resolve().parent.parent / "competition/migrations/versions")
           .glob("[0-9]*_*.py"))
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7"
       b"5\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


def run_cli(app, *args: str, process: bool = False):
    """`competition ARGS` against the app's database: in this process through the command
    line's own entry (competition.cli.main: its parsing, its one-line errors), or with
    `process` as `python -m competition` in a child, as a user runs it (a second of start-up
    each: the tests of concurrent writers and the round trip keep that)."""
    env = {
        "COMPETITION_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "COMPETITION_INSTANCE": app.instance_path,
        "COMPETITION_SECRET_KEY": "test-secret-key",
    }
    if process:
        result = subprocess.run([sys.executable, "-m", "competition", *args],
                                capture_output=True, text=True, env=os.environ | env,
                                cwd=app.instance_path, timeout=180)
    else:
        result = command_line(list(args), env)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def error_line(result) -> str:
    """The command's one error line. A restore or backup that took more than half a second
    before it failed has shown its progress bar's label too (off a terminal, click prints
    the label alone): that line is left aside."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines()
             if line.strip() and line.strip() not in ("Restoring", "Backing up")]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def _normal(value):
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    if isinstance(value, Decimal):
        return value.normalize()
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def snapshot(app) -> dict[str, list[tuple]]:
    """Every table's rows (sorted by primary key), values made comparable across databases."""
    with app.app_context():
        with db.engine.connect() as connection:
            metadata = sa.MetaData()
            metadata.reflect(bind=connection)
            tables = {}
            for table in metadata.sorted_tables:
                rows = connection.execute(
                    sa.select(table).order_by(*table.primary_key.columns)).all()
                tables[table.name] = [tuple(_normal(v) for v in row) for row in rows]
        db.session.remove()
        db.engine.dispose()
    return tables


def fill(app, demo: bool = False) -> None:
    """Marks, a document with image bytes, a date, decimals and timestamps with zones."""
    with app.app_context():
        if demo:
            from competition.registry.demo import load_demo

            load_demo()
        enter_marks("10", seed=5)
        with write_transaction() as session:
            championship = session.execute(sa.select(Championship).order_by(
                Championship.id)).scalars().first()
            championship.tie_margin = Decimal("0.0125")
            championship.starts_on = date(2026, 4, 14)
            session.add(DocumentAsset(championship_id=championship.id, kind="logo",
                                      filename="логотип.png", content_type="image/png",
                                      size=len(PNG), data=PNG,
                                      created_at=datetime(2026, 4, 14, 9, 30, 15, 123456,
                                                          tzinfo=UTC)))
        db.session.remove()
        db.engine.dispose()


def change(app) -> None:
    """What happens after the backup: new rows, edited rows, removed rows, more marks."""
    with app.app_context():
        enter_marks("04", seed=7, fill=0.5)
        with write_transaction() as session:
            session.add(Organization(code="NEW-ORG", name_ru="Новая", kind="school"))
            championship = session.execute(sa.select(Championship).order_by(
                Championship.id)).scalars().first()
            championship.name_en = "renamed after the backup"
            session.execute(sa.delete(DocumentAsset))
        db.session.remove()
        db.engine.dispose()


def add_organization(app) -> int:
    """A row added through the application after a restore gets a fresh id."""
    with app.app_context():
        with write_transaction() as session:
            organization = Organization(code="AFTER-RESTORE", name_ru="После", kind="college")
            session.add(organization)
            session.flush()
            new_id = organization.id
        top = db.session.execute(sa.select(sa.func.max(Organization.id))).scalar()
        db.session.remove()
        db.engine.dispose()
    assert new_id == top
    return new_id


@pytest.mark.sqlite
def test_sqlite_backup_and_restore_round_trip(demo_app, tmp_path):
    fill(demo_app)
    before = snapshot(demo_app)
    assert before["mark"] and before["mark_revision"] and before["document_asset"]
    target = tmp_path / "backup.db"

    made = run_cli(demo_app, "backup", str(target))
    assert made.returncode == 0, made.stderr
    assert "SQLite database" in made.stdout and HEAD in made.stdout
    assert target.read_bytes().startswith(b"SQLite format 3\x00")
    assert oct(target.stat().st_mode & 0o777) == "0o600"  # it holds password hashes
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]

    change(demo_app)
    assert snapshot(demo_app) != before
    refused = run_cli(demo_app, "restore", str(target))
    assert "not empty" in error_line(refused) and "--yes" in error_line(refused)

    restored = run_cli(demo_app, "restore", "--yes", str(target), process=True)
    assert restored.returncode == 0, restored.stderr
    assert snapshot(demo_app) == before
    add_organization(demo_app)


@pytest.mark.sqlite
def test_sqlite_json_round_trip_keeps_types(demo_app, tmp_path):
    fill(demo_app)
    before = snapshot(demo_app)
    target = tmp_path / "backup.json"
    made = run_cli(demo_app, "backup", "--format", "json", str(target))
    assert made.returncode == 0, made.stderr

    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["format"] == "competition-backup" and document["version"] == 1
    assert document["revision"] == HEAD and document["database"] == "sqlite"
    names = list(document["tables"])
    assert names.index("championship") < names.index("skill") < names.index("mark") \
        < names.index("mark_revision")
    assert document["tables"]["mark"] == len(before["mark"])
    assets = document["data"]["document_asset"]
    asset = dict(zip(assets["columns"], assets["rows"][0], strict=True))
    assert asset["data"] == {"$bytes": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4"
                                       "nGP4//8/AAX+Av6nNYGEAAAAAElFTkSuQmCC"}
    assert asset["created_at"] == {"$datetime": "2026-04-14T09:30:15.123456+00:00"}
    assert asset["filename"] == "логотип.png"
    championships = document["data"]["championship"]
    first = dict(zip(championships["columns"], championships["rows"][0], strict=True))
    assert first["starts_on"] == {"$date": "2026-04-14"}
    assert Decimal(first["tie_margin"]["$decimal"]) == Decimal("0.0125")
    members = document["data"]["competitor_member"]  # a team's members' personal data
    members = [dict(zip(members["columns"], row, strict=True)) for row in members["rows"]]
    assert {"$date": "2009-06-05"} in [m["birth_date"] for m in members]  # the demo's 04/104
    assert sorted({m["name_consent"] for m in members}) == [False, True]

    change(demo_app)
    restored = run_cli(demo_app, "restore", "--yes", str(target))
    assert restored.returncode == 0, restored.stderr
    assert f"{sum(document['tables'].values())} rows" in restored.stdout
    assert snapshot(demo_app) == before
    add_organization(demo_app)


@pytest.mark.sqlite
def test_a_failed_json_restore_changes_nothing(demo_app, tmp_path):
    fill(demo_app)
    target = tmp_path / "backup.json"
    assert run_cli(demo_app, "backup", "--format", "json", str(target)).returncode == 0
    change(demo_app)
    after_change = snapshot(demo_app)
    # The last table's last row breaks a rule of the schema: everything before it was already
    # inserted inside the transaction, and must be rolled back.
    document = json.loads(target.read_text(encoding="utf-8"))
    revisions = document["data"]["mark_revision"]
    broken = dict(zip(revisions["columns"], revisions["rows"][-1], strict=True))
    revisions["rows"][-1][revisions["columns"].index("revision")] = 0  # revision >= 1
    target.write_text(json.dumps(document), encoding="utf-8")

    refused = run_cli(demo_app, "restore", "--yes", str(target))
    line = error_line(refused)
    assert "mark_revision" in line and "nothing was restored" in line, line
    assert broken["id"]
    assert snapshot(demo_app) == after_change


def _writer(path: Path, stop: threading.Event, commits: list[int], errors: list) -> None:
    """Another connection writing as the server does, one transaction at a time: both skills'
    versions go up together (their difference never changes in a committed state) around a
    new organization."""
    try:
        connection = sqlite3.connect(path, timeout=30, isolation_level=None)
        ids = [row[0] for row in connection.execute("SELECT id FROM skill ORDER BY id LIMIT 2")]
        while not stop.is_set():
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("UPDATE skill SET version = version + 1 WHERE id = ?", (ids[0],))
            connection.execute("INSERT INTO organization (code, name_ru, name_kk, name_en, "
                               "kind, region) VALUES (?, '', '', '', 'school', '')",
                               (f"W{len(commits)}",))
            connection.execute("UPDATE skill SET version = version + 1 WHERE id = ?", (ids[1],))
            connection.execute("COMMIT")
            commits.append(1)
        connection.close()
    except Exception as error:  # noqa: BLE001  (reported by the test)
        errors.append(error)


@pytest.mark.sqlite
def test_a_backup_taken_while_the_server_writes_is_consistent(demo_app, tmp_path):
    fill(demo_app)
    database = Path(demo_app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    difference = ("SELECT (SELECT version FROM skill ORDER BY id LIMIT 1) - "
                  "(SELECT version FROM skill ORDER BY id LIMIT 1 OFFSET 1)")
    with sqlite3.connect(database) as connection:
        expected = connection.execute(difference).fetchone()[0]
        first = connection.execute("SELECT version FROM skill ORDER BY id LIMIT 1").fetchone()[0]
        organizations = connection.execute("SELECT COUNT(*) FROM organization").fetchone()[0]
    stop, commits, errors = threading.Event(), [], []
    writer = threading.Thread(target=_writer, args=(database, stop, commits, errors))
    writer.start()
    try:
        wait_until(lambda: commits or errors, 30, "the writer's first commit")
        taken = []
        for number in range(3):
            target = tmp_path / f"during-{number}.db"
            before = len(commits)
            made = run_cli(demo_app, "backup", str(target), process=True)
            assert made.returncode == 0, made.stderr
            taken.append((target, before, len(commits)))
    finally:
        stop.set()
        writer.join()
    assert errors == []
    assert all(after > before for _, before, after in taken), "no write during a backup"
    for target, before, after in taken:
        with sqlite3.connect(target) as copy:
            assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert copy.execute(difference).fetchone()[0] == expected
            written = copy.execute("SELECT COUNT(*) FROM organization").fetchone()[0]
            assert before <= written - organizations <= after
            # Every organization written came with its version increase, and only those.
            now = copy.execute("SELECT version FROM skill ORDER BY id LIMIT 1").fetchone()[0]
            assert now - first == written - organizations
            assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


@pytest.mark.sqlite
def test_refusals_are_one_line_and_change_nothing(demo_app, tmp_path):
    before = snapshot(demo_app)
    garbage = tmp_path / "notes.txt"
    garbage.write_text("not a backup at all\n")
    assert "is not a competition backup" in error_line(run_cli(demo_app, "restore", "--yes",
                                                               str(garbage)))
    assert "no such file" in error_line(run_cli(demo_app, "restore", str(tmp_path / "none")))

    target = tmp_path / "backup.json"
    assert run_cli(demo_app, "backup", "--format", "json", str(target)).returncode == 0
    document = json.loads(target.read_text(encoding="utf-8"))
    target.write_text(target.read_text(encoding="utf-8")[:5000], encoding="utf-8")
    assert "not a complete JSON backup" in error_line(
        run_cli(demo_app, "restore", "--yes", str(target)))

    document["revision"] = "0099"
    target.write_text(json.dumps(document), encoding="utf-8")
    line = error_line(run_cli(demo_app, "restore", "--yes", str(target)))
    assert "newer version of competition" in line and "0099" in line

    not_ours = tmp_path / "other.db"
    sqlite3.connect(not_ours).execute("CREATE TABLE t (x)").connection.close()
    assert "not one of competition" in error_line(
        run_cli(demo_app, "restore", "--yes", str(not_ours)))

    missing_folder = tmp_path / "no" / "such" / "backup.db"
    assert "does not exist" in error_line(run_cli(demo_app, "backup", str(missing_folder)))
    assert snapshot(demo_app) == before


@pytest.mark.sqlite
def test_an_older_backup_is_migrated_after_the_restore(demo_app, tmp_path):
    """Backups of a database at schema revision 0005 (SQLite file and JSON) restore into a
    database at the newest revision, and the migrations then bring them up to date."""
    from flask_migrate import upgrade

    old = make_app(f"sqlite:///{tmp_path / 'old' / 'old.db'}", tmp_path / "old")
    (tmp_path / "old").mkdir()
    with old.app_context():
        upgrade(revision="0005")
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO organization (id, code, name_ru, name_kk, name_en, kind, region) "
                "VALUES (5, 'OLD', 'Старая', 'Ескі', 'Old', 'college', 'ВКО')")
        db.engine.dispose()
    old_json = tmp_path / "old.json"
    assert run_cli(old, "backup", "--format", "json", str(old_json)).returncode == 0
    assert json.loads(old_json.read_text())["revision"] == "0005"
    old_file = tmp_path / "old-copy.db"
    assert run_cli(old, "backup", str(old_file)).returncode == 0

    for source in (old_json, old_file):
        restored = run_cli(demo_app, "restore", "--yes", str(source))
        assert restored.returncode == 0, restored.stderr
        assert f"from schema revision 0005 to {HEAD}" in restored.stdout
        tables = snapshot(demo_app)
        assert tables["alembic_version"] == [(HEAD,)]
        assert [row[1] for row in tables["organization"]] == ["OLD"]
        assert tables["championship"] == [] and "document_asset" in tables


# --- PostgreSQL -----------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["auto", "json"])
def test_postgres_round_trip(pg_app, tmp_path, file_format):
    """pg_dump's custom format (pg_dump is installed here) and the portable JSON dump."""
    fill(pg_app, demo=True)
    before = snapshot(pg_app)
    assert before["mark"] and before["document_asset"]
    target = tmp_path / "backup.dump"

    made = run_cli(pg_app, "backup", "--format", file_format, str(target))
    assert made.returncode == 0, made.stderr
    magic = b"PGDMP" if file_format == "auto" else b'{"format": "competition-backup"'
    assert target.read_bytes().startswith(magic)

    change(pg_app)
    assert "not empty" in error_line(run_cli(pg_app, "restore", str(target)))
    restored = run_cli(pg_app, "restore", "--yes", str(target))
    assert restored.returncode == 0, restored.stderr
    assert snapshot(pg_app) == before
    add_organization(pg_app)  # the sequences continue after the restored ids


@pytest.mark.sqlite
def test_sqlite_json_backup_moves_into_postgres(demo_app, pg_app, tmp_path):
    fill(demo_app)
    before = snapshot(demo_app)
    target = tmp_path / "from-sqlite.json"
    assert run_cli(demo_app, "backup", "--format", "json", str(target)).returncode == 0

    sqlite_file = tmp_path / "from-sqlite.db"
    assert run_cli(demo_app, "backup", str(sqlite_file)).returncode == 0
    line = error_line(run_cli(pg_app, "restore", str(sqlite_file)))
    assert "SQLite database" in line and "backup --format json" in line

    restored = run_cli(pg_app, "restore", str(target))  # empty: no --yes needed
    assert restored.returncode == 0, restored.stderr
    assert snapshot(pg_app) == before
    add_organization(pg_app)

    # And back: PostgreSQL's JSON dump restores into SQLite.
    back = tmp_path / "from-postgres.json"
    assert run_cli(pg_app, "backup", "--format", "json", str(back)).returncode == 0
    with_new_row = snapshot(pg_app)
    assert run_cli(demo_app, "restore", "--yes", str(back)).returncode == 0
    assert snapshot(demo_app) == with_new_row
