"""The chief expert's side of judging: sign-off (lock) and unlock of sub-criteria, marking
who leads a skill. Marking progress, judgement disputes and the chief's board are in
overview.py; the history of a mark in history.py.

A sub-criterion's lock state is its latest SignOff row (the highest id: the rows are append-only
and ids grow with time, which also orders two events written in the same instant). While it is
locked no mark of it may change (service.record_mark asks `is_locked`); once it was ever signed
off, a change after an unlock needs a reason (`was_signed_off`).

Who leads a skill: its chief expert and its deputy chief expert (WorldSkills lets the deputy act
for the chief, e.g. while the chief is busy with a dispute or away), and organizers and admins.
They sign off, unlock, and see the board and every mark's history; other experts see neither
(a judge's own marks are on the tablet). The role comes from the expert's ExpertRole in that
skill, not from the account's role, so a chief expert of one skill is an ordinary expert in
another.

A sub-criterion with an open judgement dispute cannot be signed off (the experts could not
re-mark it). One whose marking is incomplete can, once the chief expert has confirmed it after
seeing what is missing (a competitor may not have attempted a module): without the
confirmation the sign-off is refused with the count (`Unconfirmed`).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import audit, signals
from ..auth.access import STAFF, role_of
from ..database import write_transaction
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..extensions import db
from ..lookup import expert_role, skill_ref
from ..models import (
    Criterion,
    SignOff,
    Skill,
    SubCriterion,
    User,
)
from ..models.base import iso
from .overview import disputes, missing_marks

log = logging.getLogger(__name__)

LEADS = ("chief", "deputy")  # the ExpertRole roles that may sign off and unlock


# --- lock state ---------------------------------------------------------------------------------

def is_locked(sub_criterion_id: int) -> bool:
    """Whether the sub-criterion's marks are signed off now (its latest event is a lock)."""
    action = db.session.execute(
        sa.select(SignOff.action)
        .where(SignOff.sub_criterion_id == sub_criterion_id)
        .order_by(SignOff.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return action == "lock"


def was_signed_off(sub_criterion_id: int) -> bool:
    """Whether the sub-criterion was ever locked (a later change then needs a reason)."""
    return db.session.execute(
        sa.select(SignOff.id)
        .where(SignOff.sub_criterion_id == sub_criterion_id, SignOff.action == "lock")
        .limit(1)
    ).first() is not None


def lock_states(skill: Skill) -> dict[int, SignOff | None]:
    """sub_criterion_id → its latest SignOff (None: never signed off), for every sub-criterion
    of the skill; two queries."""
    ids = db.session.execute(
        sa.select(SubCriterion.id).join(Criterion).where(Criterion.skill_id == skill.id)
    ).scalars().all()
    states: dict[int, SignOff | None] = dict.fromkeys(ids)
    if ids:
        latest = (sa.select(sa.func.max(SignOff.id))
                  .where(SignOff.sub_criterion_id.in_(ids))
                  .group_by(SignOff.sub_criterion_id))
        for event in db.session.execute(
                sa.select(SignOff).where(SignOff.id.in_(latest))).scalars():
            states[event.sub_criterion_id] = event
    return states


# --- who leads a skill --------------------------------------------------------------------------

def may_lead(user, skill: Skill) -> bool:
    """Organizers, admins, and the skill's chief expert and deputy."""
    role = role_of(user)
    if role in STAFF:
        return True
    panel_role = expert_role(user, skill.id)
    return role in ("chief", "expert") and panel_role is not None and panel_role.role in LEADS


def check_may_lead(user, skill: Skill) -> None:
    if not may_lead(user, skill):
        raise Forbidden(_("Only the chief expert of skill %(skill)s, the deputy chief expert and "
                          "the organizers may do this.", skill=skill.code))


# --- sign-off and unlock ------------------------------------------------------------------------

def find_sub_criterion(skill: Skill, code: str) -> SubCriterion:
    found = db.session.execute(
        sa.select(SubCriterion).join(Criterion)
        .where(Criterion.skill_id == skill.id, SubCriterion.code == code)
    ).scalars().all()
    if len(found) != 1:
        raise NotFound(_("Skill %(skill)s has no sub-criterion %(code)s.",
                         skill=skill.code, code=code), code="unknown_sub_criterion")
    return found[0]


class Unconfirmed(Conflict):
    """A sign-off of a sub-criterion whose marking is incomplete, not confirmed: how many marks
    are missing (of those expected) and for which active competitors (by code)."""

    default_code = "confirm_incomplete"

    def __init__(self, sub: str, missing: int, expected: int, competitors: list[str]):
        super().__init__(_("%(code)s: %(missing)s of %(expected)s marks are missing. Sign it "
                           "off anyway?", code=sub, missing=missing, expected=expected))
        self.sub, self.missing, self.expected = sub, missing, expected
        self.competitors = competitors


def sign_off(user, skill: Skill, sub_criterion_code: str, *, confirm: bool = False) -> SignOff:
    """Lock the sub-criterion's marks. Refused while one of its judgements is in dispute: the
    experts must settle it first, and a lock would keep them from re-marking. While marks of
    its active competitors are missing it locks only with `confirm` (the chief saw what is
    missing); otherwise Unconfirmed says what."""
    check_may_lead(user, skill)
    with write_transaction():
        _serialize_with_marks(skill)
        sub = find_sub_criterion(skill, sub_criterion_code)
        if is_locked(sub.id):
            raise Conflict(_("Sub-criterion %(code)s is already signed off.", code=sub.code),
                           code="already_signed_off")
        open_disputes = [d for d in disputes(skill) if d["sub_criterion"] == sub.code]
        if open_disputes:
            raise Conflict(_(
                "Sub-criterion %(code)s has judgement disputes (%(n)s): the experts must settle "
                "them before it is signed off.", code=sub.code, n=len(open_disputes)),
                code="open_disputes")
        gap = missing_marks(skill)["sub_criteria"][sub.code]
        if gap["missing"] and not confirm:
            raise Unconfirmed(sub.code, gap["missing"], gap["expected"], gap["competitors"])
        event = _add_event(user, skill, sub, "lock", "")
        _announce(skill, sub, event, user)
    return event


def unlock(user, skill: Skill, sub_criterion_code: str, reason: str) -> SignOff:
    """Unlock a signed-off sub-criterion; the reason is kept with the event and in the audit log."""
    check_may_lead(user, skill)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Give the reason for unlocking the marks."), code="reason_required",
                      field="reason")
    with write_transaction():
        _serialize_with_marks(skill)
        sub = find_sub_criterion(skill, sub_criterion_code)
        if not is_locked(sub.id):
            raise Conflict(_("Sub-criterion %(code)s is not signed off.", code=sub.code),
                           code="not_signed_off")
        event = _add_event(user, skill, sub, "unlock", reason)
        _announce(skill, sub, event, user)
    return event


def _serialize_with_marks(skill: Skill) -> None:
    """Take the skill's row as service.record_mark does: on PostgreSQL a mark and a sign-off of
    one skill then never interleave (SQLite's BEGIN IMMEDIATE serializes all writers anyway)."""
    db.session.execute(sa.select(Skill.id).where(Skill.id == skill.id).with_for_update())


def _add_event(user, skill: Skill, sub: SubCriterion, action: str, reason: str) -> SignOff:
    event = SignOff(sub_criterion_id=sub.id, action=action, reason=reason,
                    user_id=getattr(user, "id", None), created_at=datetime.now(UTC))
    db.session.add(event)
    verb = "signed off" if action == "lock" else "unlocked"
    summary = f"skill {skill.code}: sub-criterion {sub.code} {verb}"
    entry = audit.record("sign-off" if action == "lock" else "unlock", "sub_criterion", sub.id,
                         summary + (f": {reason}" if reason else ""),
                         {"skill": skill.code, "sub_criterion": sub.code, "reason": reason},
                         skill.championship_id)
    entry.user_id = getattr(user, "id", None)  # the acting user, also outside a request
    db.session.flush()
    return event


def lock_payload(skill: Skill, sub: SubCriterion, event: SignOff, user=None) -> dict:
    """The `lock` event of docs/api.md."""
    login = getattr(user, "login", None)
    if login is None and event.user_id is not None:
        login = db.session.get(User, event.user_id).login
    return {"skill": skill_ref(skill), "sub_criterion": sub.code,
            "locked": event.action == "lock", "by": login, "at": iso(event.created_at),
            "reason": event.reason}


def _announce(skill: Skill, sub: SubCriterion, event: SignOff, user) -> None:
    """Queue the `lock` event for the panel's live screens: sent after the commit
    (competition/signals.py). The lock is written whatever a listener does: a failed broadcast
    is logged, and screens catch up at their next fetch."""
    signals.queue(db.session, signals.lock_changed, skill.id,
                  payload=lock_payload(skill, sub, event, user))
