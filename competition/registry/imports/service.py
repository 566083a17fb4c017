"""Import use cases: read a file, preview what it would change, then import it whole or not at all.

The steps, the same for every kind (organizations, competitors, experts, a marking scheme):

1. `preview(importer, target, filename, data)`: read the table (tabular.read_table), let the
   importer check every row against the database and plan creates / updates. Nothing is written.
2. The web page keeps the uploaded bytes under instance/uploads/<token> (owner-only, expiring
   after an hour) between the preview and the confirmation: uploads.py.
3. `run_import(...)` (in the import worker, jobs.py, for the web page) re-reads the same bytes
   and checks every row again against the database as it is then, and builds what it will
   write — all before the write transaction, which takes the time and needs no lock. Then ONE
   short write transaction re-checks only what may have changed meanwhile (stale.py: a code
   registered, a record changed by someone else), writes (in bulk where the importer can), and
   records ONE audit entry (action "import", counts in `changes`). Any error: ImportFailed,
   and nothing is written.

A championship or skill that cannot be found, or is not said, is errors.Invalid (with the
`field` it is about).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from ... import audit
from ...database import write_transaction
from ...errors import Invalid, Refused
from ...extensions import db
from ...lookup import ambiguous_codes, find_skill
from ...models import Championship, Skill
from ...vocabulary import ImportKind
from .reading import read_table
from .stale import changed_since, file_codes
from .tabular import (
    DEFAULT_LIMITS,
    FileRefused,
    Importer,
    Limits,
    Plan,
    RowError,
    RowsInvalid,
    Table,
)

Progress = Callable[[Iterable, str], Iterable] | None


class ImportFailed(Invalid):
    """The file has errors; `report.errors` lists them all. Nothing was written."""

    default_code = "import_failed"

    def __init__(self, report: Report):
        self.report = report
        super().__init__(f"{len(report.errors)} error(s)")


@dataclass
class Target:
    """Where an import goes: a championship (experts), a skill (competitors, scheme), or none."""

    championship: Championship | None = None
    skill: Skill | None = None

    def describe(self) -> str:
        if self.skill is not None:
            return f"{self.skill.championship.code} / {self.skill.code}"
        if self.championship is not None:
            return self.championship.code
        return ""

    def ids(self) -> dict[str, int | None]:
        return {"championship_id": self.championship.id if self.championship else None,
                "skill_id": self.skill.id if self.skill else None}


@dataclass
class Report:
    """The outcome of a preview or an import: the plan, or the errors (all of them)."""

    kind: str
    filename: str
    plan: Plan | None = None
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    audit_id: int | None = None
    # seconds run_import took to read and check the file and build its rows (no lock), and
    # inside its write transaction (the write lock held)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        return self.plan.counts() if self.plan else {"create": 0, "update": 0, "unchanged": 0}


# --- the kinds ----------------------------------------------------------------------------------

def importers() -> dict[str, Importer]:
    """kind → importer; the scheme's comes from the scheme feature when it is installed."""
    from .experts import EXPERTS
    from .people import COMPETITORS, ORGANIZATIONS

    kinds: dict[str, Importer] = {
        "organizations": ORGANIZATIONS, "competitors": COMPETITORS, "experts": EXPERTS,
    }
    scheme = _scheme_importer()
    if scheme is not None:
        kinds["scheme"] = scheme
    return kinds


def _scheme_importer() -> Importer | None:
    try:
        from ..scheme.importer import SCHEME  # the scheme feature's Importer
    except ImportError:
        return None
    return SCHEME


def importer_for(kind: str) -> Importer:
    try:
        return importers()[kind]
    except KeyError:
        raise Invalid(_("Unknown kind of import “%(kind)s”; expected one of: %(kinds)s.",
                        kind=kind, kinds=", ".join(importers())),
                      code="unknown_import", field="kind") from None


def resolve_target(importer: Importer, championship_code: str | None,
                   skill_code: str | None) -> Target:
    """The championship / skill the importer needs, found by code; errors.Invalid saying what
    to choose if it is not found or not said."""
    championship_code = (championship_code or "").strip() or None
    skill_code = (skill_code or "").strip() or None
    if importer.scope == "none":
        return Target()
    championship = None
    if championship_code:
        championship = db.session.execute(
            sa.select(Championship).where(Championship.code == championship_code)
        ).scalar_one_or_none()
        if championship is None:
            raise Invalid(_("No championship has the code “%(code)s”.", code=championship_code),
                          code="unknown_championship", field="championship")
    if importer.scope == "skill" or (importer.scope == "championship" and skill_code):
        if not skill_code:
            raise Invalid(_("Choose the skill the %(kind)s belong to.",
                            kind=kind_label(importer.kind)), code="skill_required", field="skill")
        try:
            skill = find_skill(skill_code, championship.code if championship else None)
        except Refused as refusal:  # none, or several: the message says which to choose
            several = championship is None and "/" not in skill_code and skill_code in \
                ambiguous_codes()
            raise Invalid(refusal.message, code="ambiguous_skill" if several else "unknown_skill",
                          field="championship" if several else "skill") from None
        if importer.scope == "skill":
            return Target(skill.championship, skill)
        championship = skill.championship
    if championship is None:
        championships = db.session.execute(sa.select(Championship)).scalars().all()
        if len(championships) != 1:
            raise Invalid(_("Choose the championship the %(kind)s belong to.",
                            kind=kind_label(importer.kind)),
                          code="championship_required", field="championship")
        championship = championships[0]
    return Target(championship, None)


def kind_label(kind: str) -> str:
    """The kind of list inside a sentence ("File x.xlsx: competitors")."""
    try:
        return str(ImportKind(kind).noun)
    except ValueError:
        return kind


def limits() -> Limits:
    """The file limits, from the app's configuration (IMPORT_MAX_BYTES, IMPORT_MAX_ROWS)."""
    config = current_app.config
    return Limits(max_bytes=int(config.get("IMPORT_MAX_BYTES", DEFAULT_LIMITS.max_bytes)),
                  max_rows=int(config.get("IMPORT_MAX_ROWS", DEFAULT_LIMITS.max_rows)))


# --- preview and import -------------------------------------------------------------------------

def _read(importer: Importer, filename: str, data: bytes,
          progress: Progress = None) -> tuple[Report, Table | None]:
    """The file's table (its rows read pausing as `progress` does, in a request)."""
    report = Report(importer.kind, filename)
    try:
        reader = getattr(importer, "read", None)  # an importer may read its own layouts
        if reader is not None:
            table = reader(filename, data, limits())
        else:
            table = read_table(filename, data, importer.columns, limits=limits(),
                               sheet=getattr(importer, "sheet", None),
                               paused=getattr(progress, "paused", None))
    except FileRefused as refused:
        report.errors = refused.errors
        return report, None
    report.rows = len(table.rows)
    return report, table


def _check(importer: Importer, report: Report, table: Table, target: Target,
           progress: Progress) -> Report:
    plan = importer.plan(table, target, progress=progress)
    report.plan = plan
    report.errors = sorted([*table.errors, *plan.errors], key=_error_order)
    return report


def _error_order(error: RowError):
    return (error.sheet, error.row or 0)


def preview(importer: Importer, target: Target, filename: str, data: bytes,
            progress: Progress = None) -> Report:
    """What importing the file would do, or all its errors. Writes nothing."""
    report, table = _read(importer, filename, data, progress)
    if table is None:
        return report
    try:
        return _check(importer, report, table, target, progress)
    finally:
        db.session.rollback()  # nothing the check touched may leak into a later write


Written = Callable[[Any, Report], None] | None


def run_import(importer: Importer, target: Target, filename: str, data: bytes,
               progress: Progress = None, on_written: Written = None) -> Report:
    """Check the whole file, then write it in ONE short write transaction; ImportFailed on any
    error, and then nothing is written. `on_written(session, report)` runs inside that
    transaction, after the audit entry (the import worker marks its job done in the same
    commit)."""
    ids = target.ids()
    began = time.perf_counter()
    report, table = _read(importer, filename, data)
    if table is None:
        raise ImportFailed(report)
    codes = file_codes(table, getattr(importer, "code_column", "code"))
    try:
        seen = importer.stamps(target, codes)  # before the check reads what it compares
        report = _check(importer, report, table, target, progress)
        if report.errors:
            raise ImportFailed(report)
        prepare = getattr(importer, "prepare", None)
        if prepare is not None:
            prepare(report.plan, target, progress=progress)
        db.session.rollback()  # the check's reads end here; the write reads afresh
        report.timings["checked"] = time.perf_counter() - began
        return _write(importer, report, table, ids, codes, seen, progress, on_written)
    except RowsInvalid as invalid:  # nothing written (write_transaction rolled back)
        report.errors = invalid.errors
        raise ImportFailed(report) from None
    finally:
        db.session.rollback()


def _write(importer: Importer, report: Report, table: Table, ids: dict, codes: list[str],
           seen: dict, progress: Progress, on_written: Written) -> Report:
    began = time.perf_counter()
    stage = getattr(report.plan.writes, "stage", None)

    def before_lock(driver_connection) -> None:  # SQLite: the new rows staged before the lock
        nonlocal began
        stage(driver_connection)
        report.timings["staged"] = time.perf_counter() - began
        began = time.perf_counter()

    with write_transaction(before_lock=None if stage is None else before_lock) as session:
        target = Target(session.get(Championship, ids["championship_id"])
                        if ids["championship_id"] else None,
                        session.get(Skill, ids["skill_id"]) if ids["skill_id"] else None)
        if (ids["championship_id"] and target.championship is None) or \
                (ids["skill_id"] and target.skill is None):
            raise RowsInvalid([RowError(table.sheet, None, "", "", _(
                "The championship or skill chosen was deleted while the file was being "
                "imported."))])
        errors = changed_since(report.plan, seen, importer.stamps(target, codes), table.sheet,
                               str(getattr(importer, "depends_on", "")),
                               getattr(importer, "code_column", "code"))
        if errors:
            raise RowsInvalid(errors)
        importer.apply(report.plan, target, progress=progress)
        counts, filename = report.counts(), report.filename
        entry = audit.record(
            "import", importer.entity, None,
            summary=f"{importer.kind} from {filename}: {counts['create']} created, "
                    f"{counts['update']} updated, {counts['unchanged']} unchanged"
                    + (f", {counts['delete']} deleted" if counts.get("delete") else ""),
            changes={"kind": importer.kind, "file": filename, "target": target.describe(),
                     "skill_id": ids["skill_id"],
                     "rows": report.rows, "created": counts["create"],
                     "updated": counts["update"], "unchanged": counts["unchanged"],
                     **({"deleted": counts["delete"]} if counts.get("delete") else {})},
            championship_id=ids["championship_id"],
        )
        session.flush()
        report.audit_id = entry.id
        if on_written is not None:
            on_written(session, report)
    report.timings["written"] = time.perf_counter() - began
    return report
