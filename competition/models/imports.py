"""An import confirmed on the import page, run by the import worker (registry/imports/jobs.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow

IMPORT_STATUSES = ("running", "done", "failed")


class ImportJob(db.Model):
    """One confirmation of an uploaded file: running, then done (with the import's audit entry,
    written in the import's own transaction) or failed (the error report is kept beside the
    upload for its owner; `error` says what else went wrong). One job per upload: confirming
    the same upload again finds this one."""

    __tablename__ = "import_job"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in IMPORT_STATUSES)})",
                        name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    upload: Mapped[str] = mapped_column(String(64), unique=True)  # the UploadStore token
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                          index=True)
    kind: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(200), default="")
    task: Mapped[str] = mapped_column(String(100), default="")  # the page's progress task
    locale: Mapped[str] = mapped_column(String(8), default="ru")
    status: Mapped[str] = mapped_column(String(16), default="running")
    audit_id: Mapped[int | None] = mapped_column(
        ForeignKey("audit_entry.id", ondelete="SET NULL"))
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
