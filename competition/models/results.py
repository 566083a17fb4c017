"""What is decided about results after the marks: sanctions (penalties, disqualifications)
and appeals. Each row keeps who decided, when and why; undoing one keeps the row, marked
withdrawn with its own who, when and why (docs/rules.md, docs/appeals.md)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..vocabulary import AppealState, SanctionKind
from .base import MarkValue, UTCDateTime, utcnow

SANCTION_KINDS = SanctionKind.keys()
APPEAL_STATES = AppealState.keys()


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Sanction(db.Model):
    """A penalty (points off the competitor's total) or a disqualification. In force until
    `withdrawn_at` is set."""

    __tablename__ = "sanction"
    __table_args__ = (
        CheckConstraint(_in("kind", SANCTION_KINDS), name="kind"),
        CheckConstraint(
            "(kind = 'penalty' AND points IS NOT NULL AND points > 0)"
            " OR (kind = 'disqualification' AND points IS NULL)",
            name="points",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competitor_id: Mapped[int] = mapped_column(
        ForeignKey("competitor.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    points: Mapped[Decimal | None] = mapped_column(MarkValue)
    reason: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)

    competitor = relationship("Competitor")
    by = relationship("User", foreign_keys=[by_id])
    withdrawn_by = relationship("User", foreign_keys=[withdrawn_by_id])

    @property
    def in_force(self) -> bool:
        return self.withdrawn_at is None


class Appeal(db.Model):
    """An appeal against a published skill's results, for one competitor: lodged by the
    competitor (own account) or by an organizer on their behalf (a paper appeal); decided by
    the appeal commission."""

    __tablename__ = "appeal"
    __table_args__ = (
        CheckConstraint(_in("state", APPEAL_STATES), name="state"),
        CheckConstraint(
            "(state = 'open') = (decided_at IS NULL)", name="decided_when_closed"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), index=True)
    competitor_id: Mapped[int] = mapped_column(
        ForeignKey("competitor.id", ondelete="CASCADE"), index=True
    )
    # Comma-separated aspect codes the appeal is about; empty: the result as a whole.
    aspects: Mapped[str] = mapped_column(String(500), default="")
    text: Mapped[str] = mapped_column(Text)
    on_paper: Mapped[bool] = mapped_column(default=False)
    lodged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    lodged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[str] = mapped_column(String(16), default="open")
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    skill = relationship("Skill")
    competitor = relationship("Competitor")
    lodged_by = relationship("User", foreign_keys=[lodged_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    def aspect_codes(self) -> list[str]:
        return [code for code in self.aspects.split(",") if code]
