"""The hall's screens: what each one shows, switched by organizers from their laptops."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, pick_translation, utcnow
from .event import Championship, Skill, _in

SCREEN_MODES = ("skill", "rotation", "medals", "message", "ceremony")
CEREMONY_ORDERS = ("rank", "medal")
KEY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: typed by hand on a hall PC


def new_screen_key() -> str:
    return "".join(secrets.choice(KEY_ALPHABET) for _ in range(8))


class Screen(db.Model):
    """A named screen of the hall (a projector, a TV) and what it shows now.

    The hall PC opens /screen/<key> once; the key never changes, so renaming a screen does not
    send anyone back to the PC. `version` grows with every change, so a screen that hears of
    two changes out of order keeps the later one.
    """

    __tablename__ = "screen"
    __table_args__ = (
        UniqueConstraint("championship_id", "name"),
        CheckConstraint(_in("mode", SCREEN_MODES), name="mode"),
        CheckConstraint(_in("ceremony_order", CEREMONY_ORDERS), name="ceremony_order"),
        CheckConstraint("ceremony_step >= 0", name="ceremony_step"),
        CheckConstraint("rotation_seconds >= 5", name="rotation_seconds"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    championship_id: Mapped[int] = mapped_column(
        ForeignKey("championship.id", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(String(32), unique=True, default=new_screen_key)
    name: Mapped[str] = mapped_column(String(100))
    mode: Mapped[str] = mapped_column(String(16), default="message")
    # mode "skill": the skill whose projector view is shown
    skill_id: Mapped[int | None] = mapped_column(ForeignKey("skill.id", ondelete="SET NULL"))
    # mode "rotation": skill codes of the championship, shown in turn, `rotation_seconds` each
    skills: Mapped[list] = mapped_column(JSON, default=list)
    rotation_seconds: Mapped[int] = mapped_column(Integer, default=20)
    # mode "message"
    message_ru: Mapped[str] = mapped_column(Text, default="")
    message_kk: Mapped[str] = mapped_column(Text, default="")
    message_en: Mapped[str] = mapped_column(Text, default="")
    # mode "ceremony": a published skill's results, revealed `ceremony_step` entries so far
    ceremony_skill_id: Mapped[int | None] = mapped_column(
        ForeignKey("skill.id", ondelete="SET NULL")
    )
    ceremony_order: Mapped[str] = mapped_column(String(8), default="rank")
    ceremony_step: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    championship: Mapped[Championship] = relationship()
    skill: Mapped[Skill | None] = relationship(foreign_keys=[skill_id])
    ceremony_skill: Mapped[Skill | None] = relationship(foreign_keys=[ceremony_skill_id])

    def messages(self) -> dict[str, str]:
        return {"ru": self.message_ru, "kk": self.message_kk, "en": self.message_en}

    def message(self, locale: str | None = None) -> str:
        return pick_translation(self.messages(), locale)
