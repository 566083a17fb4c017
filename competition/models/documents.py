"""Awards (nominations) and issued documents (certificates with verification codes)."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..vocabulary import DocumentKind
from .base import Named, UTCDateTime, utcnow

DOCUMENT_KINDS = DocumentKind.keys()  # competition/vocabulary.py: keys and labels


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
    # The printed certificate (one page), kept for the participant's download.
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)


ASSET_KINDS = ("logo", "signature", "image")
BATCH_STATUSES = ("queued", "running", "done", "failed")
BATCH_OUTPUTS = ("pdf", "zip")


class DocumentAsset(db.Model):
    """An image the organizer uploaded for documents (logo, signature), stored in the database
    so every server process and the worker see it; certificates fetch it by id."""

    __tablename__ = "document_asset"
    __table_args__ = (
        CheckConstraint("kind IN ('logo', 'signature', 'image')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    championship_id: Mapped[int] = mapped_column(
        ForeignKey("championship.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16), default="image")
    filename: Mapped[str] = mapped_column(String(200), default="")
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DocumentSettings(db.Model):
    """A championship's certificate settings: languages, logo, signatories, date of issue."""

    __tablename__ = "document_settings"

    championship_id: Mapped[int] = mapped_column(
        ForeignKey("championship.id", ondelete="CASCADE"), primary_key=True
    )
    languages: Mapped[str] = mapped_column(String(16), default="kk+ru")
    logo_asset_id: Mapped[int | None] = mapped_column(
        ForeignKey("document_asset.id", ondelete="SET NULL")
    )
    # [{name_kk, name_ru, name_en, title_kk, title_ru, title_en, asset_id}], in print order
    signatories: Mapped[list] = mapped_column(JSON, default=list)
    issued_on: Mapped[date | None] = mapped_column(Date)


class DocumentTemplate(db.Model):
    """An organizer's own HTML + CSS for one kind of certificate (else the shipped default)."""

    __tablename__ = "document_template"
    __table_args__ = (UniqueConstraint("championship_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    championship_id: Mapped[int] = mapped_column(
        ForeignKey("championship.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    html: Mapped[str] = mapped_column(Text, default="")
    css: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DocumentBatch(db.Model):
    """Certificates of a skill or a championship, printed by the worker process into one PDF or
    a ZIP of one PDF per person; the file stays downloadable."""

    __tablename__ = "document_batch"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
        CheckConstraint("output IN ('pdf', 'zip')", name="output"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    championship_id: Mapped[int] = mapped_column(
        ForeignKey("championship.id", ondelete="CASCADE"), index=True
    )
    skill_id: Mapped[int | None] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"))
    kinds: Mapped[str] = mapped_column(String(100), default="")  # comma-separated groups
    output: Mapped[str] = mapped_column(String(8), default="pdf")
    status: Mapped[str] = mapped_column(String(16), default="queued")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    documents: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    file_name: Mapped[str] = mapped_column(String(200), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    base_url: Mapped[str] = mapped_column(String(300), default="")
    task: Mapped[str] = mapped_column(String(100), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    skill = relationship("Skill")
