"""The championship, its organizations and its skills."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..vocabulary import (
    AbilympicsCategory,
    ChampionshipKind,
    OrganizationKind,
    PublicNames,
    Scale,
    Visibility,
)

if TYPE_CHECKING:
    from .people import Competitor
    from .scheme import Criterion
from .base import MarkValue, Named, UTCDateTime, pick_translation

# the keys each column allows (competition/vocabulary.py holds the lists and their labels)
CHAMPIONSHIP_KINDS = ChampionshipKind.keys()
SCALES = Scale.keys()
ORGANIZATION_KINDS = OrganizationKind.keys()
VISIBILITIES = Visibility.keys()
ABILYMPICS_CATEGORIES = AbilympicsCategory.keys()
# docs/appeals.md says where these come from
DEFAULT_APPEAL_MINUTES = {ChampionshipKind.ABILYMPICS: 60, ChampionshipKind.WORLDSKILLS: 120}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Championship(Named, db.Model):
    """A championship and its scoring policy (docs/rules.md), the one home of the policy."""

    __tablename__ = "championship"
    __table_args__ = (
        CheckConstraint(_in("kind", CHAMPIONSHIP_KINDS), name="kind"),
        CheckConstraint(_in("scale", SCALES), name="scale"),
        CheckConstraint("judges_per_aspect >= 1", name="judges_per_aspect"),
        CheckConstraint("appeal_minutes IS NULL OR appeal_minutes >= 0", name="appeal_minutes"),
        CheckConstraint("tie_margin IS NULL OR tie_margin >= 0", name="tie_margin"),
        CheckConstraint(
            "medal_min_gold >= 1 AND medal_min_silver >= 1 AND medal_min_bronze >= 1",
            name="medal_min_field",
        ),
        CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on",
                        name="dates"),
        CheckConstraint(_in("public_names", PublicNames.keys()), name="public_names"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="worldskills")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    venue_ru: Mapped[str] = mapped_column(String(300), default="")
    venue_kk: Mapped[str] = mapped_column(String(300), default="")
    venue_en: Mapped[str] = mapped_column(String(300), default="")
    # Categories competitors are grouped by (Abilympics), comma-separated keys in order.
    categories: Mapped[str] = mapped_column(String(300), default="")

    # Scoring policy (docs/rules.md, "The exported file"); defaults are the WorldSkills ones.
    scale: Mapped[str] = mapped_column(String(8), default="raw")
    judges_per_aspect: Mapped[int] = mapped_column(Integer, default=3)
    tie_margin: Mapped[Decimal | None] = mapped_column(MarkValue)
    medallion_threshold: Mapped[Decimal | None] = mapped_column(MarkValue)
    medal_min_gold: Mapped[int] = mapped_column(Integer, default=1)
    medal_min_silver: Mapped[int] = mapped_column(Integer, default=1)
    medal_min_bronze: Mapped[int] = mapped_column(Integer, default=1)
    # Minutes after a skill is published during which an appeal may be lodged; None: the
    # default of the championship's kind (appeal_window, docs/appeals.md).
    appeal_minutes: Mapped[int | None] = mapped_column(Integer)
    # How public screens name competitors (vocabulary.PublicNames; docs/people.md); minors
    # without consent are shortened whatever this says.
    public_names: Mapped[str] = mapped_column(String(8), default="full", server_default="full")
    # Eligibility by age (docs/people.md): {"on": "year_end" | "first_day" | "YYYY-MM-DD",
    # "min": 14, "max": 22, "categories": {"students": {"min": 16, "max": 22}, …}}; None: the
    # defaults of the championship's kind.
    age_rules: Mapped[dict | None] = mapped_column(JSON)

    skills: Mapped[list[Skill]] = relationship(
        back_populates="championship", order_by="Skill.position", cascade="all, delete-orphan"
    )

    def venue(self, locale: str | None = None) -> str:
        return pick_translation(
            {"ru": self.venue_ru, "kk": self.venue_kk, "en": self.venue_en}, locale
        )

    @property
    def appeal_window(self) -> int:
        """Minutes an appeal may be lodged after a skill is published: the championship's own
        setting, else 60 for an Abilympics championship and 120 otherwise (docs/appeals.md)."""
        if self.appeal_minutes is not None:
            return self.appeal_minutes
        return DEFAULT_APPEAL_MINUTES.get(self.kind, 120)

    def category_list(self) -> list[str]:
        return [c for c in (self.categories or "").split(",") if c]

    def policy(self) -> dict:
        """The policy as a skill file holds it (docs/rules.md, "The exported file")."""
        return {
            "scale": self.scale,
            "judges_per_aspect": self.judges_per_aspect,
            "tie_margin": None if self.tie_margin is None else str(self.tie_margin),
            "medallion_threshold": (
                None if self.medallion_threshold is None else str(self.medallion_threshold)
            ),
            "medal_min_field": {
                "gold": self.medal_min_gold,
                "silver": self.medal_min_silver,
                "bronze": self.medal_min_bronze,
            },
        }


class Organization(Named, db.Model):
    """A college, enterprise, school or university; experts and competitors come from one."""

    __tablename__ = "organization"
    __table_args__ = (CheckConstraint(_in("kind", ORGANIZATION_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="college")
    region: Mapped[str] = mapped_column(String(64), default="")


class Skill(Named, db.Model):
    """A skill competition (компетенция / құзырет) of a championship."""

    __tablename__ = "skill"
    __table_args__ = (
        UniqueConstraint("championship_id", "code"),
        CheckConstraint(_in("visibility", VISIBILITIES), name="visibility"),
        CheckConstraint("team_size >= 1", name="team_size"),
        CheckConstraint("version >= 0", name="version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    championship_id: Mapped[int] = mapped_column(
        ForeignKey("championship.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer, default=0)
    team_size: Mapped[int] = mapped_column(Integer, default=1)
    visibility: Mapped[str] = mapped_column(String(16), default="hidden")
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The skill's version when it was frozen: the public sees the standings as of this version.
    frozen_version: Mapped[int | None] = mapped_column(Integer)
    # When the skill was last set to published: the appeal window counts from it.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped by every change of the skill's marks; clients resync with ?since=<version>.
    # Scheme, competitor and panel changes bump it too (kept standings reload).
    version: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped by changes of what judging checks a mark against: the scheme, competitors,
    # experts' roles, sign-offs, the policy. The judging service caches per scheme version.
    scheme_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The skill's own age limits (juniors 14–16…), the championship's `age_rules` format;
    # None: the championship's (docs/people.md).
    age_rules: Mapped[dict | None] = mapped_column(JSON)

    championship: Mapped[Championship] = relationship(back_populates="skills")
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="skill", order_by="Criterion.position",
        cascade="all, delete-orphan",
    )
    competitors: Mapped[list[Competitor]] = relationship(
        back_populates="skill", order_by="Competitor.code",
        cascade="all, delete-orphan",
    )

    @property
    def is_team(self) -> bool:
        return self.team_size > 1

    @property
    def under_appeal(self) -> bool:
        """Whether an appeal against the skill's results is open (docs/appeals.md): its
        results are then not final for medals."""
        from sqlalchemy import select
        from sqlalchemy.orm import object_session

        from .results import Appeal

        session = object_session(self) or db.session
        return session.execute(select(Appeal.id).where(
            Appeal.skill_id == self.id, Appeal.state == "open").limit(1)).first() is not None

    @property
    def results_final(self) -> bool:
        """Published with no appeal open: what medals, the medal table and the certificates
        that tell a result wait for (docs/appeals.md)."""
        return self.visibility == "published" and not self.under_appeal
