"""Awards (nominations) and issued documents (certificates with verification codes)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Named, UTCDateTime, utcnow

DOCUMENT_KINDS = ("gold", "silver", "bronze", "medallion", "participation", "expert", "award")


def new_verification_code() -> str:
    return secrets.token_urlsafe(16)


class Award(Named, db.Model):
    """A nomination (name_* is its title, e.g. «Жылдың үздік меценаты») and its recipient."""

    __tablename__ = "award"
    __table_args__ = (
        CheckConstraint("recipient_kind IN ('organization', 'person')", name="recipient_kind"),
        CheckConstraint(
            "recipient_kind = 'person' OR organization_id IS NOT NULL", name="organization"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    championship_id: Mapped[int] = mapped_column(
        ForeignKey("championship.id", ondelete="CASCADE"), index=True
    )
    recipient_kind: Mapped[str] = mapped_column(String(16))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT")
    )
    recipient_ru: Mapped[str] = mapped_column(String(500), default="")
    recipient_kk: Mapped[str] = mapped_column(String(500), default="")
    recipient_en: Mapped[str] = mapped_column(String(500), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    organization = relationship("Organization")


class Document(db.Model):
    """An issued certificate: serial number, unguessable verification code, revocation."""

    __tablename__ = "document"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('gold', 'silver', 'bronze', 'medallion', 'participation', 'expert', "
            "'award')",
            name="kind",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    championship_id: Mapped[int] = mapped_column(
        ForeignKey("championship.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    serial: Mapped[str] = mapped_column(String(32), unique=True)
    verification_code: Mapped[str] = mapped_column(
        String(64), unique=True, default=new_verification_code
    )
    skill_id: Mapped[int | None] = mapped_column(ForeignKey("skill.id", ondelete="SET NULL"))
    competitor_id: Mapped[int | None] = mapped_column(
        ForeignKey("competitor.id", ondelete="SET NULL"), index=True
    )
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("competitor_member.id", ondelete="SET NULL")
    )
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("expert.id", ondelete="SET NULL"))
    award_id: Mapped[int | None] = mapped_column(ForeignKey("award.id", ondelete="SET NULL"))
    locale: Mapped[str] = mapped_column(String(16), default="kk+ru")
    # What the verification page shows, frozen at issue time (who, what, when).
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str] = mapped_column(Text, default="")
    replaced_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("document.id", ondelete="SET NULL")
    )
