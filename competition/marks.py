"""The marks as the API shows them: one mark's JSON, and the marks changed since a version.

Shared by the write side (a submission's answer, `panel:join`, `GET …/marks`) and the read
side (the live standings catching up with marks another process wrote): one format, described
in docs/api.md.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from .extensions import db
from .lookup import skill_ref
from .models import Aspect, Competitor, Expert, Mark, Skill, User
from .models.base import decimal_text, iso


def _value_json(aspect_type: str, value: Decimal | None):
    if value is None:
        return None
    return int(value) if aspect_type == "J" else decimal_text(value)


def mark_json(skill: str, aspect: str, competitor: str, judge: str | None, aspect_type: str,
               value: Decimal | None, revision: int, version: int, by: str | None, at,
               device: str, reason: str = "") -> dict:
    """A mark as the API and the events show it (docs/api.md)."""
    return {
        "skill": skill, "aspect": aspect, "competitor": competitor, "judge": judge,
        "value": _value_json(aspect_type, value), "revision": revision, "version": version,
        "by": by, "at": iso(at), "device": device, "reason": reason,
    }


def marks_since(skill: Skill, since: int | None = None) -> dict:
    """GET …/marks?since=V: the marks changed after version V (every mark without V)."""
    # One read transaction: the version and the marks are of the same moment.
    version = db.session.execute(
        sa.select(Skill.version).where(Skill.id == skill.id)
    ).scalar_one()
    query = (
        sa.select(Aspect.code, Competitor.code, Expert.code, Mark.aspect_type, Mark.value,
                  Mark.revision, Mark.version, User.login, Mark.updated_at, Mark.device)
        .join(Aspect, Aspect.id == Mark.aspect_id)
        .join(Competitor, Competitor.id == Mark.competitor_id)
        .outerjoin(Expert, Expert.id == Mark.judge_id)
        .outerjoin(User, User.id == Mark.updated_by_id)
        .where(Mark.skill_id == skill.id)
    )
    if since is not None:
        query = query.where(Mark.version > since)
    ref = skill_ref(skill)
    rows = db.session.execute(query.order_by(Mark.version)).all()
    return {"skill": ref, "version": version, "marks": [mark_json(ref, *row) for row in rows]}


