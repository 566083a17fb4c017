"""Competitors (persons or teams), experts with their roles per skill, user accounts, tokens."""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false as sa_false

from ..extensions import db
from ..vocabulary import CompetitorStatus, UserRole
from ..vocabulary import ExpertRole as ExpertRoleWord
from .base import Named, UTCDateTime, utcnow
from .event import Organization

COMPETITOR_STATUSES = CompetitorStatus.keys()  # competition/vocabulary.py: keys and labels
EXPERT_ROLES = ExpertRoleWord.keys()
USER_ROLES = UserRole.keys()


def new_results_code() -> str:
    """A personal results code: short enough to type from a badge, too many to guess."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
    return "".join(secrets.choice(alphabet) for _ in range(10))


class Competitor(Named, db.Model):
    """A competitor of one skill: a person, or a team (name_* is the team's name) with members."""

    __tablename__ = "competitor"
    __table_args__ = (
        UniqueConstraint("skill_id", "code"),
        UniqueConstraint("id", "skill_id", name="uq_competitor_identity"),
        CheckConstraint(
            f"status IN ({', '.join(repr(s) for s in COMPETITOR_STATUSES)})", name="status"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    category: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="active")
    workstation: Mapped[str | None] = mapped_column(String(32))
    results_code: Mapped[str] = mapped_column(String(32), unique=True, default=new_results_code)
    # Personal data (docs/people.md): the birth date decides eligibility and whether public
    # screens shorten the name (under 18 on the first day, unless consent is recorded).
    birth_date: Mapped[date | None] = mapped_column(Date)
    iin: Mapped[str | None] = mapped_column(String(12))  # the Kazakh personal number
    name_consent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # Confidential: organizers and the skill's chief expert only, never public.
    disability: Mapped[str | None] = mapped_column(String(64))
    health_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    # An organizer accepted this competitor although the age rules exclude them (audited).
    eligibility_exception: Mapped[str | None] = mapped_column(Text)
    # When the personal data was erased after the event (names replaced, the rest cleared).
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    skill = relationship("Skill", back_populates="competitors")
    organization: Mapped[Organization | None] = relationship()
    members: Mapped[list[CompetitorMember]] = relationship(
        back_populates="competitor", order_by="CompetitorMember.position",
        cascade="all, delete-orphan",
    )


class CompetitorMember(Named, db.Model):
    """A member of a team competitor; each gets their own participation certificate."""

    __tablename__ = "competitor_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    competitor_id: Mapped[int] = mapped_column(
        ForeignKey("competitor.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Personal data, as a competitor's (docs/people.md): each member is checked against the age
    # rules, and a minor's name is shortened on public screens unless consent is recorded.
    birth_date: Mapped[date | None] = mapped_column(Date)
    name_consent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())

    competitor: Mapped[Competitor] = relationship(back_populates="members")


class Expert(Named, db.Model):
    __tablename__ = "expert"
    __table_args__ = (UniqueConstraint("championship_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    championship_id: Mapped[int] = mapped_column(
        ForeignKey("championship.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(32))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    # When the personal data was erased after the event (docs/people.md).
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    championship = relationship("Championship")
    organization: Mapped[Organization | None] = relationship()
    roles: Mapped[list[ExpertRole]] = relationship(
        back_populates="expert", cascade="all, delete-orphan"
    )


class ExpertRole(db.Model):
    """An expert's role in one skill, and optionally the criteria their marking team marks."""

    __tablename__ = "expert_role"
    __table_args__ = (
        UniqueConstraint("expert_id", "skill_id"),
        CheckConstraint("role IN ('chief', 'deputy', 'expert', 'independent')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id", ondelete="CASCADE"))
    skill_id: Mapped[int] = mapped_column(
        ForeignKey("skill.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16), default="expert")
    # Comma-separated criterion codes this expert marks; empty means every criterion.
    marking_team: Mapped[str] = mapped_column(String(200), default="")

    expert: Mapped[Expert] = relationship(back_populates="roles")
    skill = relationship("Skill")


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'organizer', 'chief', 'expert', 'competitor')", name="role"
        ),
        CheckConstraint("locale IS NULL OR locale IN ('ru', 'kk', 'en')", name="locale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(256))
    # A short numeric PIN for experts on tablets (hashed; rate-limited like passwords).
    pin_hash: Mapped[str | None] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    expert_id: Mapped[int | None] = mapped_column(
        ForeignKey("expert.id", ondelete="SET NULL"), unique=True
    )
    competitor_id: Mapped[int | None] = mapped_column(
        ForeignKey("competitor.id", ondelete="SET NULL"), index=True
    )
    locale: Mapped[str | None] = mapped_column(String(8))
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of the session's user id: bumping it (a password reset) ends every open session.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    expert: Mapped[Expert | None] = relationship()
    competitor: Mapped[Competitor | None] = relationship()

    def get_id(self) -> str:  # Flask-Login: what the session cookie holds
        return f"{self.id}.{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login: disabled accounts cannot log in
        return self.is_enabled

    def set_password(self, password: str) -> None:
        self.password_hash = password_hash(password)


# How passwords and PINs are hashed (a Werkzeug method): scrypt, a fifth of a second a hash.
# Only the test suite, which makes thousands of accounts, lowers it (tests/conftest.py, and
# COMPETITION_TEST_PASSWORD_METHOD for the commands it runs as processes: `competition demo`
# hashes 37 passwords and PINs); the stored hash names its method, so a password is always
# checked with the method it was hashed with.
PASSWORD_METHOD = os.environ.get("COMPETITION_TEST_PASSWORD_METHOD") or "scrypt"


def password_hash(secret: str) -> str:
    """A password's (or PIN's) hash, by PASSWORD_METHOD."""
    from werkzeug.security import generate_password_hash

    return generate_password_hash(secret, method=PASSWORD_METHOD)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(db.Model):
    """A bearer token for the HTTP API and Socket.IO; only its hash is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @staticmethod
    def generate() -> str:
        return "cmp_" + secrets.token_urlsafe(32)
