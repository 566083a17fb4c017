"""The history of one mark: every revision and every sign-off and unlock of its sub-criterion,
in order, for the skill's leaders (competition/judging/chief.py)."""


from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from ..errors import NotFound
from ..extensions import db
from ..models import (
    Aspect,
    Competitor,
    Expert,
    Mark,
    MarkRevision,
    SignOff,
    Skill,
    User,
)
from ..models.base import decimal_text

# --- history of a mark --------------------------------------------------------------------------

@dataclass(frozen=True)
class HistoryEntry:
    """One line of a mark's history: a revision of one judge's mark, or a lock/unlock."""

    kind: str  # "revision", "lock" or "unlock"
    at: datetime
    by: str | None  # the login
    expert: str | None  # the acting user's expert code
    reason: str = ""
    judge: str | None = None
    revision: int | None = None
    old: object = None
    new: object = None
    device: str = ""


def mark_value(value, aspect_type: str):
    """A stored mark as docs/api.md shows it: J an integer, M a decimal text, None withdrawn."""
    if value is None:
        return None
    if aspect_type == "J":
        return int(value)
    return decimal_text(Decimal(value))


def history(skill: Skill, aspect_code: str, competitor_code: str,
            judge_code: str | None = None) -> list[HistoryEntry]:
    """Every revision of the cell's marks (of one judge's mark when `judge_code` is given),
    oldest first, with the sign-offs and unlocks of its sub-criterion interleaved by time."""
    aspect = find_aspect(skill, aspect_code)
    competitor = find_competitor(skill, competitor_code)
    judged_by = aliased(Expert)
    acting = aliased(Expert)
    query = (sa.select(MarkRevision, judged_by.code, User.login, acting.code)
             .join(Mark, Mark.id == MarkRevision.mark_id)
             .outerjoin(judged_by, judged_by.id == Mark.judge_id)
             .outerjoin(User, User.id == MarkRevision.user_id)
             .outerjoin(acting, acting.id == User.expert_id)
             .where(Mark.aspect_id == aspect.id, Mark.competitor_id == competitor.id)
             .order_by(MarkRevision.created_at, MarkRevision.id))
    if judge_code:
        judge = db.session.execute(
            sa.select(Expert.id).where(Expert.championship_id == skill.championship_id,
                                       Expert.code == judge_code)
        ).scalar_one_or_none()
        if judge is None:
            raise NotFound(_("There is no expert %(code)s in this championship.",
                             code=judge_code), code="unknown_expert")
        query = query.where(Mark.judge_id == judge)
    entries = [
        HistoryEntry("revision", (rev.created_at), login, expert_code, rev.reason or "",
                     judge, rev.revision, mark_value(rev.old_value, aspect.type),
                     mark_value(rev.new_value, aspect.type), rev.device or "")
        for rev, judge, login, expert_code in db.session.execute(query)
    ]
    events = db.session.execute(
        sa.select(SignOff, User.login, Expert.code)
        .outerjoin(User, User.id == SignOff.user_id)
        .outerjoin(Expert, Expert.id == User.expert_id)
        .where(SignOff.sub_criterion_id == aspect.sub_criterion_id)
        .order_by(SignOff.id)
    ).all()
    entries += [HistoryEntry(event.action, (event.created_at), login, expert_code,
                             event.reason or "")
                for event, login, expert_code in events]
    # Stable sort: same-instant entries keep their own order (revisions first).
    entries.sort(key=lambda entry: entry.at)
    return entries


def _in_skill(model, skill: Skill, code: str, missing: str, error_code: str):
    """The skill's Aspect or Competitor with `code`, or NotFound(missing, code=error_code)."""
    found = db.session.execute(
        sa.select(model).where(model.skill_id == skill.id, model.code == code)
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(missing, code=error_code)
    return found


def find_aspect(skill: Skill, code: str) -> Aspect:
    return _in_skill(Aspect, skill, code, _("Skill %(skill)s has no aspect %(code)s.",
                                            skill=skill.code, code=code), "unknown_aspect")


def find_competitor(skill: Skill, code: str) -> Competitor:
    return _in_skill(Competitor, skill, code, _("Skill %(skill)s has no competitor %(code)s.",
                                                skill=skill.code, code=code),
                     "unknown_competitor")
