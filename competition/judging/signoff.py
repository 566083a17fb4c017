"""The chief expert's side of judging: sign-off (lock) and unlock of sub-criteria, marking
progress, judgement disputes, and the history of a mark.

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
re-mark it). One whose marking is incomplete can: the board shows what is missing, and the
chief expert decides (a competitor may not have attempted a module).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import aliased, selectinload

from .. import audit, signals
from ..auth.access import STAFF, Forbidden, role_of
from ..database import write_transaction
from ..extensions import db
from ..lookup import expert_role, skill_ref
from ..models import (
    Aspect,
    Competitor,
    Criterion,
    Expert,
    ExpertRole,
    Mark,
    MarkRevision,
    SignOff,
    Skill,
    SubCriterion,
    User,
)
from ..models.base import decimal_text
from ..rules import AspectState, judgement_state

log = logging.getLogger(__name__)

LEADS = ("chief", "deputy")  # the ExpertRole roles that may sign off and unlock


class SignOffError(ValueError):
    """A sign-off or unlock that cannot be done as asked; the message says why (translated)."""


class NotFound(LookupError):
    """No sub-criterion, aspect, competitor or expert answers to a code; the message says which."""


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
                         skill=skill.code, code=code))
    return found[0]


def sign_off(user, skill: Skill, sub_criterion_code: str) -> SignOff:
    """Lock the sub-criterion's marks. Refused while one of its judgements is in dispute: the
    experts must settle it first, and a lock would keep them from re-marking."""
    check_may_lead(user, skill)
    with write_transaction():
        _serialize_with_marks(skill)
        sub = find_sub_criterion(skill, sub_criterion_code)
        if is_locked(sub.id):
            raise SignOffError(_("Sub-criterion %(code)s is already signed off.", code=sub.code))
        open_disputes = [d for d in disputes(skill) if d["sub_criterion"] == sub.code]
        if open_disputes:
            raise SignOffError(_(
                "Sub-criterion %(code)s has judgement disputes (%(n)s): the experts must settle "
                "them before it is signed off.", code=sub.code, n=len(open_disputes)))
        event = _add_event(user, skill, sub, "lock", "")
        _announce(skill, sub, event, user)
    return event


def unlock(user, skill: Skill, sub_criterion_code: str, reason: str) -> SignOff:
    """Unlock a signed-off sub-criterion; the reason is kept with the event and in the audit log."""
    check_may_lead(user, skill)
    reason = (reason or "").strip()
    if not reason:
        raise SignOffError(_("Give the reason for unlocking the marks."))
    with write_transaction():
        _serialize_with_marks(skill)
        sub = find_sub_criterion(skill, sub_criterion_code)
        if not is_locked(sub.id):
            raise SignOffError(_("Sub-criterion %(code)s is not signed off.", code=sub.code))
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


def iso(moment: datetime | None) -> str | None:
    """UTC time as docs/api.md writes it (SQLite hands back naive UTC datetimes)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --- progress and disputes ----------------------------------------------------------------------

def _cell(marked: int = 0, expected: int = 0) -> dict:
    return {"marked": marked, "expected": expected}


def progress(skill: Skill) -> dict:
    """How far marking has come, as counts of marks with a value against marks expected:

    {"marked", "expected",                                  the whole skill
     "sub_criteria": {sub: {"marked", "expected"}},
     "judges": {expert: {sub: {"marked", "expected"}}},     J marks of each expert
     "competitors": {competitor: {sub: {"marked", "expected"}}}}

    Expected marks of a sub-criterion: markable competitors (not withdrawn) × (its M aspects +
    judges_per_aspect × its J aspects). An expert could give a J mark to every markable
    competitor but their compatriots, on the criteria of their marking team (all when empty).
    Codes are in the scheme's order (sub-criteria), by code (experts, competitors).
    A handful of GROUP BY queries, whatever the size of the skill."""
    jpa = skill.championship.judges_per_aspect
    subs = db.session.execute(
        sa.select(SubCriterion.id, SubCriterion.code, Criterion.code).join(Criterion)
        .where(Criterion.skill_id == skill.id)
        .order_by(Criterion.position, Criterion.code, SubCriterion.position, SubCriterion.code)
    ).all()
    sub_code = {sub_id: code for sub_id, code, _criterion in subs}
    criterion_of = {code: criterion for _id, code, criterion in subs}
    n_m: dict[str, int] = defaultdict(int)
    n_j: dict[str, int] = defaultdict(int)
    for sub_id, kind, count in db.session.execute(
            sa.select(Aspect.sub_criterion_id, Aspect.type, sa.func.count(Aspect.id))
            .where(Aspect.skill_id == skill.id)
            .group_by(Aspect.sub_criterion_id, Aspect.type)):
        (n_j if kind == "J" else n_m)[sub_code[sub_id]] = count

    competitors = db.session.execute(
        sa.select(Competitor.id, Competitor.code, Competitor.organization_id)
        .where(Competitor.skill_id == skill.id, Competitor.status != "withdrawn")
        .order_by(Competitor.code)
    ).all()
    competitor_code = {cid: code for cid, code, _org in competitors}
    n_competitors = len(competitors)
    per_competitor = {sub: n_m[sub] + jpa * n_j[sub] for sub in sub_code.values()}

    markable = sa.and_(Mark.skill_id == skill.id, Mark.value.is_not(None),
                       Competitor.status != "withdrawn")
    marks = (sa.select(Aspect.sub_criterion_id, sa.func.count(Mark.id))
             .select_from(Mark).join(Aspect, Aspect.id == Mark.aspect_id)
             .join(Competitor, Competitor.id == Mark.competitor_id))

    sub_criteria = {sub: _cell(0, n_competitors * per_competitor[sub])
                    for sub in sub_code.values()}
    for sub_id, count in db.session.execute(
            marks.where(markable).group_by(Aspect.sub_criterion_id)):
        sub_criteria[sub_code[sub_id]]["marked"] = count

    by_competitor = {code: {sub: _cell(0, per_competitor[sub]) for sub in sub_code.values()}
                     for _cid, code, _org in competitors}
    for sub_id, count, cid in db.session.execute(
            marks.add_columns(Mark.competitor_id).where(markable)
            .group_by(Aspect.sub_criterion_id, Mark.competitor_id)):
        by_competitor[competitor_code[cid]][sub_code[sub_id]]["marked"] = count

    # The panel: every expert of the skill; compatriots counted per organization.
    panel = db.session.execute(
        sa.select(Expert.id, Expert.code, Expert.organization_id, ExpertRole.marking_team)
        .join(ExpertRole, ExpertRole.expert_id == Expert.id)
        .where(ExpertRole.skill_id == skill.id).order_by(Expert.code)
    ).all()
    per_organization: dict[int | None, int] = defaultdict(int)
    for _cid, _code, organization in competitors:
        per_organization[organization] += 1
    judges: dict[str, dict[str, dict]] = {}
    judge_code: dict[int, str] = {}
    for expert_id, code, organization, team in panel:
        judge_code[expert_id] = code
        team_codes = {c.strip() for c in (team or "").split(",") if c.strip()}
        others = n_competitors - (per_organization[organization] if organization else 0)
        judges[code] = {
            sub: _cell(0, others * n_j[sub]
                       if not team_codes or criterion_of[sub] in team_codes else 0)
            for sub in sub_code.values()}
    for sub_id, count, expert_id in db.session.execute(
            marks.add_columns(Mark.judge_id).where(markable, Mark.aspect_type == "J")
            .group_by(Aspect.sub_criterion_id, Mark.judge_id)):
        code = judge_code.get(expert_id)
        if code is None:  # a judge since taken off the panel: still counted, nothing expected
            code = db.session.get(Expert, expert_id).code
            judges[code] = {sub: _cell() for sub in sub_code.values()}
        judges[code][sub_code[sub_id]]["marked"] = count

    return {
        "marked": sum(cell["marked"] for cell in sub_criteria.values()),
        "expected": sum(cell["expected"] for cell in sub_criteria.values()),
        "sub_criteria": sub_criteria,
        "judges": judges,
        "competitors": by_competitor,
    }


def disputes(skill: Skill) -> list[dict]:
    """The judgement cells in dispute (docs/rules.md section 2: all scores in, differing by more
    than 1), guests and withdrawn competitors included, by aspect then competitor code:
    [{"aspect", "competitor", "sub_criterion", "scores": {judge: score}}]."""
    jpa = skill.championship.judges_per_aspect
    scored = sa.and_(Mark.skill_id == skill.id, Mark.aspect_type == "J", Mark.value.is_not(None))
    cells = (sa.select(Mark.aspect_id, Mark.competitor_id).where(scored)
             .group_by(Mark.aspect_id, Mark.competitor_id)
             .having(sa.func.count(Mark.id) >= jpa,
                     sa.func.max(Mark.value) - sa.func.min(Mark.value) > 1)
             .subquery())
    rows = db.session.execute(
        sa.select(Aspect.code, Competitor.code, Expert.code, Mark.value, SubCriterion.code)
        .select_from(Mark)
        .join(cells, sa.and_(cells.c.aspect_id == Mark.aspect_id,
                             cells.c.competitor_id == Mark.competitor_id))
        .join(Aspect, Aspect.id == Mark.aspect_id)
        .join(SubCriterion, SubCriterion.id == Aspect.sub_criterion_id)
        .join(Competitor, Competitor.id == Mark.competitor_id)
        .join(Expert, Expert.id == Mark.judge_id)
        .where(scored)
    ).all()
    found: dict[tuple[str, str], dict] = {}
    for aspect, competitor, judge, value, sub in rows:
        cell = found.setdefault((aspect, competitor), {
            "aspect": aspect, "competitor": competitor, "sub_criterion": sub, "scores": {}})
        cell["scores"][judge] = int(value)
    result = []
    for key in sorted(found):
        cell = found[key]
        cell["scores"] = dict(sorted(cell["scores"].items()))
        if judgement_state(tuple(cell["scores"].values()), jpa) == AspectState.DISPUTE:
            result.append(cell)
    return result


# --- the chief expert's board -------------------------------------------------------------------

@dataclass(frozen=True)
class LockState:
    """A sub-criterion's sign-off state as the board shows it."""

    locked: bool
    action: str | None = None  # the latest event: "lock", "unlock", None (never signed off)
    by: str | None = None
    at: datetime | None = None
    reason: str = ""

    def as_json(self) -> dict:
        return {"locked": self.locked, "by": self.by, "at": iso(self.at), "reason": self.reason}


@dataclass(frozen=True)
class Board:
    skill: Skill
    criteria: list[Criterion]
    locks: dict[int, LockState]  # sub_criterion_id → state
    panel: list[tuple[Expert, str]]  # (expert, role in the skill), by code
    competitors: list[Competitor]  # markable ones, by code
    progress: dict
    disputes: list[dict]
    judgement_subs: set[int]  # the sub-criteria with judgement aspects

    def sub_criteria(self) -> list[SubCriterion]:
        return [sub for criterion in self.criteria for sub in criterion.sub_criteria]


def lock_view(skill: Skill) -> dict[int, LockState]:
    """sub_criterion_id → LockState, with the login of whoever made the latest event."""
    states = lock_states(skill)
    user_ids = {event.user_id for event in states.values() if event and event.user_id}
    logins = dict(db.session.execute(
        sa.select(User.id, User.login).where(User.id.in_(user_ids))).all()) if user_ids else {}
    return {
        sub_id: LockState(False) if event is None else LockState(
            event.action == "lock", event.action, logins.get(event.user_id),
            _aware(event.created_at), event.reason or "")
        for sub_id, event in states.items()
    }


def board(user, skill: Skill) -> Board:
    """Everything the chief expert's page shows; refused to anyone but the skill's leads."""
    check_may_lead(user, skill)
    criteria = db.session.execute(
        sa.select(Criterion).where(Criterion.skill_id == skill.id)
        .options(selectinload(Criterion.sub_criteria).selectinload(SubCriterion.aspects))
        .order_by(Criterion.position, Criterion.code)).scalars().all()
    panel = db.session.execute(
        sa.select(Expert, ExpertRole.role).join(ExpertRole, ExpertRole.expert_id == Expert.id)
        .where(ExpertRole.skill_id == skill.id).order_by(Expert.code)).all()
    competitors = db.session.execute(
        sa.select(Competitor).where(Competitor.skill_id == skill.id,
                                    Competitor.status != "withdrawn")
        .order_by(Competitor.code)).scalars().all()
    judgement_subs = set(db.session.execute(
        sa.select(Aspect.sub_criterion_id).distinct()
        .where(Aspect.skill_id == skill.id, Aspect.type == "J")).scalars())
    return Board(skill, list(criteria), lock_view(skill), [tuple(row) for row in panel],
                 list(competitors), progress(skill), disputes(skill), judgement_subs)


def board_numbers(user, skill: Skill) -> dict:
    """The board's changing part as JSON (chief.js fetches it after live events):
    {"skill", "version", "progress", "disputes", "locks": {sub: {locked, by, at, reason}}}."""
    check_may_lead(user, skill)
    codes = dict(db.session.execute(
        sa.select(SubCriterion.id, SubCriterion.code).join(Criterion)
        .where(Criterion.skill_id == skill.id)).all())
    return {
        "skill": skill_ref(skill),
        "version": skill.version,
        "progress": progress(skill),
        "disputes": disputes(skill),
        "locks": {codes[sub_id]: state.as_json() for sub_id, state in lock_view(skill).items()},
    }


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
                             code=judge_code))
        query = query.where(Mark.judge_id == judge)
    entries = [
        HistoryEntry("revision", _aware(rev.created_at), login, expert_code, rev.reason or "",
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
    entries += [HistoryEntry(event.action, _aware(event.created_at), login, expert_code,
                             event.reason or "")
                for event, login, expert_code in events]
    # Stable sort: same-instant entries keep their own order (revisions first).
    entries.sort(key=lambda entry: entry.at)
    return entries


def _in_skill(model, skill: Skill, code: str, missing: str):
    """The skill's Aspect or Competitor with `code`, or NotFound(missing)."""
    found = db.session.execute(
        sa.select(model).where(model.skill_id == skill.id, model.code == code)
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(missing)
    return found


def find_aspect(skill: Skill, code: str) -> Aspect:
    return _in_skill(Aspect, skill, code, _("Skill %(skill)s has no aspect %(code)s.",
                                            skill=skill.code, code=code))


def find_competitor(skill: Skill, code: str) -> Competitor:
    return _in_skill(Competitor, skill, code, _("Skill %(skill)s has no competitor %(code)s.",
                                                skill=skill.code, code=code))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
