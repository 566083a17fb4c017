"""Fixed judging panels and the signed paper of marking: who marks the judgement aspects of a
sub-criterion (or of one aspect), who stands in for a panel member where they are a compatriot
of a competitor, and the marking forms and protocols produced when the chief signs off."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class PanelSeat(db.Model):
    """One expert of the judgement panel of a sub-criterion (`aspect_id` None) or of one of its
    aspects (a seat on the aspect replaces the sub-criterion's panel for that aspect)."""

    __tablename__ = "panel_seat"

    id: Mapped[int] = mapped_column(primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), index=True)
    sub_criterion_id: Mapped[int] = mapped_column(
        ForeignKey("sub_criterion.id", ondelete="CASCADE"), index=True
    )
    aspect_id: Mapped[int | None] = mapped_column(ForeignKey("aspect.id", ondelete="CASCADE"))
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)

    expert = relationship("Expert")
    sub_criterion = relationship("SubCriterion")
    aspect = relationship("Aspect")


class PanelSubstitute(db.Model):
    """For one competitor only: `substitute` marks instead of panel member `absent` (a
    compatriot of the competitor), on the sub-criterion's panel or one aspect's."""

    __tablename__ = "panel_substitute"
    __table_args__ = (
        CheckConstraint("absent_expert_id <> substitute_expert_id", name="someone_else"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), index=True)
    sub_criterion_id: Mapped[int] = mapped_column(
        ForeignKey("sub_criterion.id", ondelete="CASCADE"), index=True
    )
    aspect_id: Mapped[int | None] = mapped_column(ForeignKey("aspect.id", ondelete="CASCADE"))
    competitor_id: Mapped[int] = mapped_column(ForeignKey("competitor.id", ondelete="CASCADE"))
    absent_expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id", ondelete="CASCADE"))
    substitute_expert_id: Mapped[int] = mapped_column(
        ForeignKey("expert.id", ondelete="CASCADE")
    )

    competitor = relationship("Competitor")
    absent = relationship("Expert", foreign_keys=[absent_expert_id])
    substitute = relationship("Expert", foreign_keys=[substitute_expert_id])


class MarkingForm(db.Model):
    """A PDF kept as the legal record: the filled marking form of a sub-criterion, produced
    when the chief signs it off (`kind` "marking_form"), or the skill's final protocol
    (`kind` "protocol", no sub-criterion). A new one of the same thing is the next `version`
    and marks the previous one superseded."""

    __tablename__ = "marking_form"
    __table_args__ = (
        CheckConstraint("kind IN ('marking_form', 'protocol')", name="kind"),
        CheckConstraint("version >= 1", name="version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), index=True)
    sub_criterion_id: Mapped[int | None] = mapped_column(
        ForeignKey("sub_criterion.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16), default="marking_form")
    version: Mapped[int] = mapped_column(Integer, default=1)
    locale: Mapped[str] = mapped_column(String(16), default="ru")
    content_hash: Mapped[str] = mapped_column(String(64))
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)

    skill = relationship("Skill")
    sub_criterion = relationship("SubCriterion")

    @property
    def short_hash(self) -> str:
        return self.content_hash[:12]
