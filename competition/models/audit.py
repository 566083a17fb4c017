"""The audit log of organizer actions, and the records behind logins and draws."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class AuditEntry(db.Model):
    """Who changed what, when: one row per organizer action (append-only by convention)."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    # e.g. "create", "update", "delete", "import", "draw", "login-code"
    action: Mapped[str] = mapped_column(String(32))
    # the kind of thing changed ("competitor", "expert", "scheme", …) and its id, if any
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    championship_id: Mapped[int | None] = mapped_column(
        ForeignKey("championship.id", ondelete="SET NULL"), index=True
    )
    summary: Mapped[str] = mapped_column(Text, default="")
    # field -> [old, new] for updates; counts for imports
    changes: Mapped[dict] = mapped_column(JSON, default=dict)

    user = relationship("User")


class LoginCode(db.Model):
    """A one-time QR login code (hash only) printed on an expert's badge: expiring, revocable."""

    __tablename__ = "login_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")


class LoginAttempt(db.Model):
    """A login attempt that counts against a limit (competition/auth/limits.py): per account
    from unknown browsers ('login'), per known browser and account ('device'), per address."""

    __tablename__ = "login_attempt"
    __table_args__ = (CheckConstraint("kind IN ('login', 'device', 'address')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(100), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class WorkstationDraw(db.Model):
    """A recorded, reproducible workstation draw: the seed and the outcome."""

    __tablename__ = "workstation_draw"

    id: Mapped[int] = mapped_column(primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), index=True)
    seed: Mapped[str] = mapped_column(String(64))
    # competitor code -> workstation
    outcome: Mapped[dict] = mapped_column(JSON)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
