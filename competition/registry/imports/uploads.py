"""Uploaded files between the preview and the confirmation, and a failed import's error report.

instance/uploads/<token> holds the bytes and <token>.json who uploaded them (owner-only files,
in an owner-only folder, expiring after UPLOAD_TTL). The import worker (jobs.py) reads them
from here, removes them once it ends, and keeps a failed import's error report beside them
(<token>.report.json) for its owner's page: the report names the cells' values, personal data
too, so it expires as the upload does and never enters the database. A file that is gone
(expired, already imported, or someone else's) is errors.NotFound("upload_expired").
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app

from ...errors import NotFound

UPLOAD_TTL = 60 * 60  # seconds an uploaded file (or a failed import's report) is kept
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


@dataclass
class Upload:
    token: str
    data: bytes
    meta: dict[str, Any]


def _expired() -> NotFound:
    """The uploaded file is gone (expired, already imported, or someone else's)."""
    return NotFound(code="upload_expired")


class UploadStore:
    """instance/uploads/<token> (+ <token>.json, and <token>.report.json after a failed
    import): owner-only files that expire."""

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

    def _write(self, path: Path, content: bytes) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)

    def _folder(self) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)

    def save(self, data: bytes, meta: dict[str, Any]) -> str:
        self.sweep()
        self._folder()
        token = secrets.token_urlsafe(32)
        data_path, meta_path = self._paths(token)
        self._write(data_path, data)
        self._write(meta_path, json.dumps({**meta, "saved_at": time.time()},
                                          ensure_ascii=False).encode())
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
        """Remove the uploaded file (its report, if any, stays until it expires)."""
        try:
            paths = self._paths(token)
        except NotFound:
            return
        for path in paths:
            path.unlink(missing_ok=True)

    def _report_path(self, token: str) -> Path:
        return self._paths(token)[0].with_name(f"{token}.report.json")

    def save_report(self, token: str, owner: int, report: dict[str, Any]) -> None:
        """Keep a failed import's error report for its owner (once per upload)."""
        self._folder()
        self._write(self._report_path(token), json.dumps(
            {"owner": owner, "saved_at": time.time(), "report": report},
            ensure_ascii=False).encode())

    def load_report(self, token: str, owner: int | None) -> dict[str, Any] | None:
        """The report kept for `owner`, or None (none, expired, or someone else's)."""
        try:
            kept = json.loads(self._report_path(token).read_text())
        except (NotFound, OSError, ValueError):
            return None
        if kept.get("owner") != owner or time.time() - kept.get("saved_at", 0) > self.ttl:
            return None
        return kept.get("report")

    def sweep(self) -> None:
        """Remove expired uploads and reports (called on every save)."""
        if not self.folder.is_dir():
            return
        now = time.time()
        for path in self.folder.iterdir():
            try:
                if now - path.stat().st_mtime > self.ttl:
                    path.unlink(missing_ok=True)
            except OSError:
                continue
