"""Marks, their append-only history, and the chief expert's sign-off (lock) of sub-criteria."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import MarkValue, UTCDateTime, utcnow


class Mark(db.Model):
    """The current mark of one cell: (aspect, competitor) for M, (aspect, competitor, judge) for J.

    The database enforces what docs/rules.md refuses in a skill file: one mark per M cell, one
    per judge on a J cell, a judge exactly on judgement marks, judgement values 0-3, and that
    aspect and competitor belong to the mark's skill.
    """

    __tablename__ = "mark"
    __table_args__ = (
        ForeignKeyConstraint(
            ["aspect_id", "skill_id", "aspect_type"],
            ["aspect.id", "aspect.skill_id", "aspect.type"],
            name="fk_mark_aspect_identity", ondelete="RESTRICT",
        ),
        ForeignKeyConstraint(
            ["competitor_id", "skill_id"], ["competitor.id", "competitor.skill_id"],
            name="fk_mark_competitor_identity", ondelete="RESTRICT",
        ),
        CheckConstraint(
            "(aspect_type = 'M' AND judge_id IS NULL) "
            "OR (aspect_type = 'J' AND judge_id IS NOT NULL)",
            name="judge_matches_type",
        ),
        CheckConstraint(
            "value IS NULL OR aspect_type = 'M' OR value IN (0, 1, 2, 3)", name="judgement_value"
        ),
        CheckConstraint("value IS NULL OR value >= 0", name="value_not_negative"),
        CheckConstraint("revision >= 1", name="revision"),
        UniqueConstraint("aspect_id", "competitor_id", "judge_id", name="uq_mark_judgement"),
        Index(
            "uq_mark_measurement", "aspect_id", "competitor_id", unique=True,
            sqlite_where=text("judge_id IS NULL"), postgresql_where=text("judge_id IS NULL"),
        ),
        Index("ix_mark_skill_version", "skill_id", "version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="RESTRICT"))
    aspect_id: Mapped[int] = mapped_column(Integer)
    aspect_type: Mapped[str] = mapped_column(String(1))
    competitor_id: Mapped[int] = mapped_column(Integer, index=True)
    judge_id: Mapped[int | None] = mapped_column(ForeignKey("expert.id", ondelete="RESTRICT"))
    # None: the mark was withdrawn by a correction and the cell is pending again.
    value: Mapped[Decimal | None] = mapped_column(MarkValue)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # The skill's version when this mark last changed.
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    device: Mapped[str] = mapped_column(String(200), default="")

    aspect = relationship("Aspect", foreign_keys=[aspect_id],
                          primaryjoin="Mark.aspect_id == Aspect.id")
    competitor = relationship("Competitor", foreign_keys=[competitor_id],
                              primaryjoin="Mark.competitor_id == Competitor.id")
    judge = relationship("Expert")
    revisions: Mapped[list[MarkRevision]] = relationship(
        back_populates="mark", order_by="MarkRevision.revision"
    )


class MarkRevision(db.Model):
    """One change of a mark (its creation included): append-only, enforced by triggers."""

    __tablename__ = "mark_revision"
    __table_args__ = (
        UniqueConstraint("mark_id", "revision"),
        CheckConstraint("revision >= 1", name="revision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mark_id: Mapped[int] = mapped_column(ForeignKey("mark.id", ondelete="RESTRICT"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    old_value: Mapped[Decimal | None] = mapped_column(MarkValue)
    new_value: Mapped[Decimal | None] = mapped_column(MarkValue)
    reason: Mapped[str] = mapped_column(Text, default="")
    # The client's idempotency key: a resent submission finds its first answer here.
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    device: Mapped[str] = mapped_column(String(200), default="")
    skill_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    mark: Mapped[Mark] = relationship(back_populates="revisions")


class SignOff(db.Model):
    """A lock or unlock of a sub-criterion's marks; the latest entry is the current state."""

    __tablename__ = "sign_off"
    __table_args__ = (
        CheckConstraint("action IN ('lock', 'unlock')", name="action"),
        CheckConstraint("action = 'lock' OR length(reason) > 0", name="unlock_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sub_criterion_id: Mapped[int] = mapped_column(
        ForeignKey("sub_criterion.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

