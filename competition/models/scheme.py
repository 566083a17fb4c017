"""The marking scheme: criterion -> sub-criterion (a competition day) -> aspect."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..vocabulary import AspectKind
from .base import MarkValue, Named, pick_translation

ASPECT_KINDS = AspectKind.keys()  # competition/vocabulary.py: keys and labels

ASPECT_TYPES = ("M", "J")  # measurement, judgement
DAYS = ("C-2", "C-1", "C1", "C2", "C3", "C4", "C+1")


class Criterion(Named, db.Model):
    __tablename__ = "criterion"
    __table_args__ = (UniqueConstraint("skill_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer, default=0)

    skill = relationship("Skill", back_populates="criteria")
    sub_criteria: Mapped[list[SubCriterion]] = relationship(
        back_populates="criterion", order_by="SubCriterion.position",
        cascade="all, delete-orphan",
    )


class SubCriterion(Named, db.Model):
    """Marked on one competition day; the unit of sign-off (lock) by the chief expert."""

    __tablename__ = "sub_criterion"
    __table_args__ = (UniqueConstraint("criterion_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("criterion.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(16))
    day: Mapped[str] = mapped_column(String(8), default="C1")
    position: Mapped[int] = mapped_column(Integer, default=0)

    criterion: Mapped[Criterion] = relationship(back_populates="sub_criteria")
    aspects: Mapped[list[Aspect]] = relationship(
        back_populates="sub_criterion", order_by="Aspect.position", cascade="all, delete-orphan"
    )


class Aspect(db.Model):
    """One markable aspect: a measurement (M) or a judgement (J, 0-3 by several experts)."""

    __tablename__ = "aspect"
    __table_args__ = (
        UniqueConstraint("skill_id", "code"),
        # Target of the marks' composite foreign key: a mark's skill and type must be its
        # aspect's, so the database itself knows which marks need a judge.
        UniqueConstraint("id", "skill_id", "type", name="uq_aspect_identity"),
        CheckConstraint("type IN ('M', 'J')", name="type"),
        CheckConstraint("max > 0", name="max_positive"),
        CheckConstraint("kind IN ('marks', 'deduction', 'discrete', 'binary')", name="kind"),
        CheckConstraint("type = 'M' OR kind = 'marks'", name="kind_measurement"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), index=True)
    sub_criterion_id: Mapped[int] = mapped_column(
        ForeignKey("sub_criterion.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(32))
    type: Mapped[str] = mapped_column(String(1))
    max: Mapped[Decimal] = mapped_column(MarkValue)
    # M: every allowed mark as a decimal string; empty means "0 or max" (docs/rules.md section 1).
    allowed_values: Mapped[list | None] = mapped_column(JSON)
    # How the expert enters an M mark (docs/scheme.md): "marks" (a list; every J aspect),
    # "deduction" (a count of errors), "discrete" (labelled levels), "binary" (yes/no). The
    # allowed values are derived from it and stored in allowed_values all the same.
    kind: Mapped[str] = mapped_column(String(16), server_default="marks", default="marks")
    # deduction {"step": "0.25", "floor": "0.00"}; discrete {"levels": [{"value": "0.50",
    # "label": {"ru": …, "kk": …, "en": …}}, …]} ascending; marks and binary: None.
    kind_params: Mapped[dict | None] = mapped_column(JSON)
    # J: four descriptors (scores 0..3), each {"ru":…, "kk":…, "en":…}.
    descriptors: Mapped[list | None] = mapped_column(JSON)
    description_ru: Mapped[str] = mapped_column(Text, default="")
    description_kk: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    standards_section: Mapped[str] = mapped_column(String(32), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    sub_criterion: Mapped[SubCriterion] = relationship(back_populates="aspects")
    skill = relationship("Skill")

    def description(self, locale: str | None = None) -> str:
        return pick_translation(
            {"ru": self.description_ru, "kk": self.description_kk, "en": self.description_en},
            locale,
        )

    def allowed(self) -> list[Decimal]:
        """The marks a measurement aspect accepts: 0 and max without a list (docs/rules.md)."""
        if self.allowed_values:
            return [Decimal(v) for v in self.allowed_values]
        return [Decimal(0), self.max]
