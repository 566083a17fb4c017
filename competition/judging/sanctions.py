"""Penalties and disqualifications: decided against one competitor by whoever leads the skill
(its chief expert or deputy, organizers, admins: signoff.may_lead), each with a reason, and
undone ("withdrawn") with a reason of its own. Nothing is deleted: a withdrawn sanction keeps
its row with who withdrew it, when and why, and every step is in the audit log.

A penalty is points off the competitor's total; the rules take the sum of the penalties in
force (standings/document.py puts it in the skill document as the competitor's `penalty`). A
disqualification sets the competitor's status to `disqualified` (shown, never ranked nor
medalled); withdrawing it gives back the status the competitor had before, which the
disqualification's audit entry keeps (`changes["status"] = [before, "disqualified"]`;
`active` when the entry cannot be read). A competitor is disqualified once at a time.

A change of a sanction bumps the skill's versions in the same flush (versions.py), which queues
`scheme_changed`: the live standings reload the skill after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from .. import audit
from ..database import write_transaction
from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..models import AuditEntry, Competitor, Skill
from ..models.base import decimal_text, utcnow
from ..models.results import Sanction
from ..vocabulary import CompetitorStatus
from .signoff import check_may_lead

MAX_POINTS = Decimal(1000)
PLACES = 2  # a penalty has at most 2 decimals, as the marks shown do


def parse_points(text) -> Decimal:
    """A penalty as typed: "1.5", "1,5", " 2 "; above 0, at most 2 decimals and MAX_POINTS."""
    raw = str(text if text is not None else "").strip().replace(",", ".").replace(" ", "")
    try:
        points = Decimal(raw)
    except (InvalidOperation, ValueError):
        points = None
    if points is None or not points.is_finite():
        raise Invalid(_("Give the penalty as a number of points, for example 1.5."),
                      code="invalid_points", field="points")
    if points <= 0 or points > MAX_POINTS:
        raise Invalid(_("A penalty is more than 0 and at most %(max)s points.",
                        max=decimal_text(MAX_POINTS)), code="invalid_points", field="points")
    if points != points.quantize(Decimal(1).scaleb(-PLACES)):
        raise Invalid(_("A penalty has at most 2 decimals."), code="invalid_points",
                      field="points")
    return points.quantize(Decimal(1).scaleb(-PLACES))


def _reason(text: str | None) -> str:
    reason = (text or "").strip()
    if not reason:
        raise Invalid(_("Give the reason: it is shown to the competitor and kept in the "
                        "history."), code="reason_required", field="reason")
    return reason


def find_competitor(skill: Skill, code: str | None) -> Competitor:
    competitor = db.session.execute(
        sa.select(Competitor).where(Competitor.skill_id == skill.id,
                                    Competitor.code == (code or "").strip())
    ).scalar_one_or_none()
    if competitor is None:
        raise NotFound(_("Skill %(skill)s has no competitor %(code)s.", skill=skill.code,
                         code=code or "—"), code="unknown_competitor", field="competitor")
    return competitor


# --- writing ------------------------------------------------------------------------------------

def penalize(user, competitor: Competitor, points, reason: str) -> Sanction:
    """Points off the competitor's total, with the reason."""
    skill = competitor.skill
    check_may_lead(user, skill)
    value = parse_points(points)
    reason = _reason(reason)
    with write_transaction():
        competitor = _locked(skill, competitor.id)
        sanction = _add(user, competitor, "penalty", value, reason)
        _record(user, "penalize", sanction, competitor,
                f"{decimal_text(value)} points off: {reason}",
                {"kind": "penalty", "points": decimal_text(value), "reason": reason})
    return sanction


def disqualify(user, competitor: Competitor, reason: str) -> Sanction:
    """Take the competitor out of the ranking (status `disqualified`), with the reason."""
    skill = competitor.skill
    check_may_lead(user, skill)
    reason = _reason(reason)
    with write_transaction():
        competitor = _locked(skill, competitor.id)
        if competitor.status == CompetitorStatus.DISQUALIFIED:
            raise Conflict(_("Competitor %(code)s is already disqualified.",
                             code=competitor.code), code="already_disqualified")
        before = competitor.status
        competitor.status = CompetitorStatus.DISQUALIFIED.value
        sanction = _add(user, competitor, "disqualification", None, reason)
        _record(user, "disqualify", sanction, competitor, f"disqualified: {reason}",
                {"kind": "disqualification", "reason": reason,
                 "status": [before, competitor.status]})
    return sanction


def withdraw(user, skill: Skill, sanction_id: int, reason: str) -> Sanction:
    """Undo a sanction of the skill, with the reason; a disqualification gives the competitor
    back the status they had before it."""
    check_may_lead(user, skill)
    reason = _reason(reason)
    with write_transaction():
        sanction = db.session.get(Sanction, sanction_id)
        if sanction is None or sanction.competitor.skill_id != skill.id:
            raise NotFound(_("Skill %(skill)s has no such penalty or disqualification.",
                             skill=skill.code), code="unknown_sanction")
        competitor = _locked(skill, sanction.competitor_id)
        if not sanction.in_force:
            raise Conflict(_("This penalty or disqualification is already withdrawn."),
                           code="already_withdrawn")
        sanction.withdrawn_at = utcnow()
        sanction.withdrawn_by_id = getattr(user, "id", None)
        sanction.withdrawn_reason = reason
        changes: dict = {"kind": sanction.kind, "reason": reason}
        if sanction.points is not None:
            changes["points"] = decimal_text(sanction.points)
        if sanction.kind == "disqualification" \
                and competitor.status == CompetitorStatus.DISQUALIFIED:
            restored = status_before(sanction)
            changes["status"] = [competitor.status, restored]
            competitor.status = restored
        _record(user, "withdraw", sanction, competitor,
                f"{sanction.kind} withdrawn: {reason}", changes)
    return sanction


def status_before(sanction: Sanction) -> str:
    """The status the competitor had before the disqualification (its audit entry says)."""
    changes = db.session.execute(
        sa.select(AuditEntry.changes)
        .where(AuditEntry.entity == "sanction", AuditEntry.entity_id == sanction.id,
               AuditEntry.action == "disqualify")
        .order_by(AuditEntry.id).limit(1)
    ).scalar_one_or_none() or {}
    status = changes.get("status")
    before = status[0] if isinstance(status, list) and status else None
    if before in CompetitorStatus.keys() and before != CompetitorStatus.DISQUALIFIED:
        return before
    return CompetitorStatus.ACTIVE.value


def _locked(skill: Skill, competitor_id: int) -> Competitor:
    """The skill's row taken as record_mark takes it (serializes with marks and sign-offs on
    PostgreSQL), then the competitor read again inside the transaction."""
    db.session.execute(sa.select(Skill.id).where(Skill.id == skill.id).with_for_update())
    competitor = db.session.get(Competitor, competitor_id)
    if competitor is None or competitor.skill_id != skill.id:
        raise NotFound(_("Skill %(skill)s has no such competitor.", skill=skill.code),
                       code="unknown_competitor", field="competitor")
    return competitor


def _add(user, competitor: Competitor, kind: str, points: Decimal | None,
         reason: str) -> Sanction:
    sanction = Sanction(competitor_id=competitor.id, kind=kind, points=points, reason=reason,
                        by_id=getattr(user, "id", None), at=utcnow())
    db.session.add(sanction)
    db.session.flush()
    return sanction


def _record(user, action: str, sanction: Sanction, competitor: Competitor, what: str,
            changes: dict) -> None:
    skill = competitor.skill
    entry = audit.record(action, "sanction", sanction.id,
                         f"skill {skill.code}: competitor {competitor.code} {what}",
                         {"skill": skill.code, "competitor": competitor.code, **changes},
                         skill.championship_id)
    entry.user_id = getattr(user, "id", None)  # the acting user, also outside a request
    db.session.flush()


# --- reading (the page of the skill's leaders) --------------------------------------------------

@dataclass(frozen=True)
class SanctionLine:
    id: int
    competitor: str  # code
    competitor_name: str
    kind: str
    points: str | None
    reason: str
    by: str | None  # login
    at: datetime
    in_force: bool
    withdrawn_by: str | None = None
    withdrawn_at: datetime | None = None
    withdrawn_reason: str | None = None


def sanction_lines(user, skill: Skill) -> list[SanctionLine]:
    """Every sanction of the skill's competitors, newest first; for its leaders only."""
    check_may_lead(user, skill)
    rows = db.session.execute(
        sa.select(Sanction).join(Competitor, Competitor.id == Sanction.competitor_id)
        .where(Competitor.skill_id == skill.id)
        .options(selectinload(Sanction.competitor), selectinload(Sanction.by),
                 selectinload(Sanction.withdrawn_by))
        .order_by(Sanction.at.desc(), Sanction.id.desc())
    ).scalars().all()
    return [SanctionLine(
        s.id, s.competitor.code, s.competitor.name(), s.kind,
        decimal_text(s.points) if s.points is not None else None, s.reason,
        s.by.login if s.by else None, s.at, s.in_force,
        s.withdrawn_by.login if s.withdrawn_by else None, s.withdrawn_at, s.withdrawn_reason,
    ) for s in rows]


def skill_competitors(skill: Skill) -> list[Competitor]:
    return list(db.session.execute(
        sa.select(Competitor).where(Competitor.skill_id == skill.id).order_by(Competitor.code)
    ).scalars())
