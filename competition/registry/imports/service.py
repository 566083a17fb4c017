"""Import use cases: read a file, preview what it would change, then import it whole or not at all.

The steps, the same for every kind (organizations, competitors, experts, a marking scheme):

1. `preview(importer, target, filename, data)`: read the table (tabular.read_table), let the
   importer check every row against the database and plan creates / updates. Nothing is written.
2. The web page keeps the uploaded bytes under instance/uploads/<token> (owner-only, expiring
   after UPLOAD_TTL) between the preview and the confirmation: `UploadStore`.
3. `run_import(...)` re-reads the same bytes, re-checks every row inside ONE write transaction
   (the database may have changed since the preview), writes, and records ONE audit entry
   (action "import", counts in `changes`). Any error: ImportFailed, and nothing is written.

A championship or skill that cannot be found, or is not said, is errors.Invalid (with the
`field` it is about); an uploaded file that is gone is errors.NotFound ("upload_expired").
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from ... import audit
from ...database import write_transaction
from ...errors import Invalid, NotFound, Refused
from ...extensions import db
from ...lookup import ambiguous_codes, find_skill
from ...models import Championship, Skill
from ...vocabulary import ImportKind
from .reading import read_table
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

UPLOAD_TTL = 60 * 60  # seconds an uploaded file waits for its confirmation
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")

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

def _read(importer: Importer, filename: str, data: bytes) -> tuple[Report, Table | None]:
    report = Report(importer.kind, filename)
    try:
        reader = getattr(importer, "read", None)  # an importer may read its own layouts
        if reader is not None:
            table = reader(filename, data, limits())
        else:
            table = read_table(filename, data, importer.columns, limits=limits(),
                               sheet=getattr(importer, "sheet", None))
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
    report, table = _read(importer, filename, data)
    if table is None:
        return report
    try:
        return _check(importer, report, table, target, progress)
    finally:
        db.session.rollback()  # nothing the check touched may leak into a later write


def run_import(importer: Importer, target: Target, filename: str, data: bytes,
               progress: Progress = None) -> Report:
    """Check and write the whole file in ONE write transaction; ImportFailed on any error."""
    ids = target.ids()
    report, table = _read(importer, filename, data)  # parsing needs no lock: before the write
    if table is None:
        raise ImportFailed(report)
    try:
        return _write(importer, target, report, table, ids, progress)
    except RowsInvalid as invalid:  # rolled back by write_transaction
        report.errors = invalid.errors
        raise ImportFailed(report) from None


def _write(importer: Importer, target: Target, report: Report, table: Table, ids: dict,
           progress: Progress) -> Report:
    with write_transaction() as session:
        # Re-read the target inside the transaction: the preview's objects may be stale.
        target = Target(session.get(Championship, ids["championship_id"])
                        if ids["championship_id"] else None,
                        session.get(Skill, ids["skill_id"]) if ids["skill_id"] else None)
        report = _check(importer, report, table, target, progress)
        if report.errors:
            raise ImportFailed(report)
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
    return report


# --- uploaded files between preview and confirmation --------------------------------------------

@dataclass
class Upload:
    token: str
    data: bytes
    meta: dict[str, Any]


def _expired() -> NotFound:
    """The uploaded file is gone (expired, already imported, or someone else's)."""
    return NotFound(code="upload_expired")


class UploadStore:
    """instance/uploads/<token> (+ <token>.json): owner-only files that expire; a file that is
    gone (expired, already imported, or someone else's) is errors.NotFound("upload_expired")."""

    def __init__(self, folder: Path, ttl: int = UPLOAD_TTL):
        self.folder = Path(folder)
        self.ttl = ttl

    @classmethod
    def for_app(cls) -> UploadStore:
        return cls(Path(current_app.config["INSTANCE_PATH"]) / "uploads")

    def _paths(self, token: str) -> tuple[Path, Path]:
        if not TOKEN_PATTERN.fullmatch(token or ""):
            raise _expired()
        return self.folder / token, self.folder / f"{token}.json"

    def save(self, data: bytes, meta: dict[str, Any]) -> str:
        self.sweep()
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)
        token = secrets.token_urlsafe(32)
        data_path, meta_path = self._paths(token)
        for path, content in ((data_path, data),
                              (meta_path, json.dumps({**meta, "saved_at": time.time()},
                                                     ensure_ascii=False).encode())):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
        return token

    def load(self, token: str, owner: int | None) -> Upload:
        data_path, meta_path = self._paths(token)
        try:
            meta = json.loads(meta_path.read_text())
            data = data_path.read_bytes()
        except (OSError, ValueError):
            raise _expired() from None
        if meta.get("owner") != owner or time.time() - meta.get("saved_at", 0) > self.ttl:
            if meta.get("owner") == owner:
                self.discard(token)
            raise _expired()
        return Upload(token, data, meta)

    def discard(self, token: str) -> None:
        try:
            paths = self._paths(token)
        except NotFound:
            return
        for path in paths:
            path.unlink(missing_ok=True)

    def sweep(self) -> None:
        """Remove expired uploads (called on every save)."""
        if not self.folder.is_dir():
            return
        now = time.time()
        for path in self.folder.iterdir():
            try:
                if now - path.stat().st_mtime > self.ttl:
                    path.unlink(missing_ok=True)
            except OSError:
                continue
