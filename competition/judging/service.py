"""Recording a mark: the write side's live path.

`record_mark` is the live path of docs/design.md: it authorizes (role, skill, marking team,
compatriot, lock), checks the value against the aspect (docs/rules.md), and writes Mark +
MarkRevision + the skill's version in ONE write transaction. A key seen before is looked up
only once the submission is authorized: sent again with the same skill, aspect, competitor
and value it returns the first answer and writes nothing; with anything else it is a
conflict. A stale `base` is a conflict, never a silent overwrite. A written mark queues the
`mark_recorded` signal, sent after the commit (competition/signals.py): the live standings
listen; the callers (events.py, api_views.py) only acknowledge. An answer that writes nothing
(a replay, an unchanged value) rolls its transaction back.

Refusals are `Refused(code, message)` with the stable codes of docs/api.md; messages are
translated for the user.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from .. import signals
from ..auth.sockets import Account, Caller
from ..database import write_transaction
from ..errors import Refused
from ..lookup import skill_ref
from ..marks import mark_json as _mark_json
from ..models import (
    Aspect,
    Competitor,
    Expert,
    ExpertRole,
    Mark,
    MarkRevision,
    Skill,
    User,
)
from ..models.base import utcnow
from ..rules import AspectState, judgement_state
from ..statements import Prepared
from .callers import NEXT_VERSION, caller_first, user_account
from .context import (
    AspectInfo,
    Context,
    Judge,
    MarkRequest,
    context_of,
    parse_request,
    parse_value,
    skill_id_for,
)
from .overview import must_remark
from .writes import write_mark


@dataclass
class Recorded:
    """The answer to a submission: the mark as it stands, whether this call wrote it."""

    mark: dict
    created: bool  # a revision was written by this call
    replay: bool  # the key was seen before: the first answer, nothing written
    dispute: dict | None = None  # the J cell's state when this mark moved it in or out
    skill_id: int | None = None
    unchanged: bool = False  # a new key, but the cell holds this value already: nothing written

    @property
    def status(self) -> int:
        return 201 if self.created else 200

    def answer(self) -> dict:
        return {"ok": True, "mark": self.mark, "replay": self.replay,
                "unchanged": self.unchanged, "dispute": self.dispute}


# --- recording ----------------------------------------------------------------------------------

_JUDGE = aliased(Expert)

# The statements of the live path, built once: building a statement costs more than running it
# on SQLite. Those of every mark are prepared (competition/statements.py: compiled once, run on
# the driver's cursor of the write transaction's connection); a resend's lookup runs on Core.
_REPLAY = (
    sa.select(MarkRevision.user_id, MarkRevision.new_value, MarkRevision.revision,
              MarkRevision.skill_version, MarkRevision.created_at, MarkRevision.device,
              MarkRevision.reason, Mark.aspect_type, Mark.skill_id, Mark.aspect_id,
              Mark.competitor_id, Aspect.code, Competitor.code, _JUDGE.code)
    .join(Mark, Mark.id == MarkRevision.mark_id)
    .join(Aspect, Aspect.id == Mark.aspect_id)
    .join(Competitor, Competitor.id == Mark.competitor_id)
    .outerjoin(_JUDGE, _JUDGE.id == Mark.judge_id)
    .where(MarkRevision.idempotency_key == sa.bindparam("key"))
)
_CELL_COLUMNS = (Mark.id, Mark.value, Mark.revision, Mark.version, Mark.updated_at, Mark.device,
                 User.login)
_M_CELL = Prepared(
    sa.select(*_CELL_COLUMNS).outerjoin(User, User.id == Mark.updated_by_id)
    .where(Mark.aspect_id == sa.bindparam("aspect"),
           Mark.competitor_id == sa.bindparam("competitor"), Mark.judge_id.is_(None))
)
# A judgement cell: every judge's mark of it at once, the caller's own and the co-judges'.
_J_CELLS = Prepared(
    sa.select(Mark.judge_id, _JUDGE.code, *_CELL_COLUMNS)
    .join(_JUDGE, _JUDGE.id == Mark.judge_id).outerjoin(User, User.id == Mark.updated_by_id)
    .where(Mark.aspect_id == sa.bindparam("aspect"),
           Mark.competitor_id == sa.bindparam("competitor"))
)
_VERSIONS = Prepared(  # a replay only reads them
    sa.select(Skill.version, Skill.scheme_version).where(Skill.id == sa.bindparam("skill"))
    .with_for_update()
)


@dataclass(frozen=True, slots=True)
class _Checked:
    """A submission that passed every check of who may mark what (`_authorize`)."""

    context: Context
    judge: Judge
    aspect: AspectInfo
    competitor_id: int
    value: Decimal | None  # the submitted value as stored (None withdraws)


def _replay(session, request: MarkRequest, checked: _Checked, user_id: int,
            login: str) -> Recorded | None:
    """The first answer given to this key, or None when the key is new. Called only for an
    authorized submission: the key of a mark the caller may not make tells them nothing.

    The key stands for one submission: the same user, skill, aspect, competitor and value (as
    numbers: 2, 2.0 and "2.00" are one value). Sent with anything else it is a conflict that
    carries the mark the key recorded, when that is the caller's own mark in a skill they
    judge. `base`, `reason` and `device` are not compared: a tablet resending a submission
    may compute its base anew."""
    row = session.connection().execute(_REPLAY, {"key": request.key}).first()
    if row is None:
        return None
    (by, value, revision, version, at, device, reason, aspect_type, skill_id, aspect_id,
     competitor_id, aspect, competitor, judge) = row
    same_skill = skill_id == checked.context.skill_id
    first = None
    if by == user_id and (same_skill or session.execute(
            sa.select(ExpertRole.id).where(ExpertRole.expert_id == checked.judge.expert_id,
                                           ExpertRole.skill_id == skill_id)).first()):
        first = _mark_json(skill_ref(session.get(Skill, skill_id)), aspect, competitor, judge,
                           aspect_type, value, revision, version, login, at, device, reason)
    if first is not None and same_skill \
            and aspect_id == checked.aspect.id and competitor_id == checked.competitor_id \
            and value == checked.value:
        return Recorded(first, created=False, replay=True, skill_id=skill_id)
    if first is None:
        raise Refused("conflict", _("This id was already used for another mark; send each new "
                                    "mark with a new id."))
    raise Refused("conflict", _("This id was already used: it recorded %(value)s for aspect "
                                "%(aspect)s of competitor %(competitor)s (skill %(skill)s), "
                                "which is kept. Send each new mark with a new id.",
                                value=_shown(first), aspect=aspect, competitor=competitor,
                                skill=first["skill"]), mark=first)


class _Unwritten(Exception):  # noqa: N818 - an answer, not an error
    """An answer that writes nothing (a replay, an unchanged value), raised out of the write
    transaction so that it rolls back the version the mark's first statement moved."""

    def __init__(self, recorded: Recorded):
        super().__init__()
        self.recorded = recorded


def record_mark(user, data, device: str = "") -> Recorded:
    """Record one submission (docs/api.md, `mark:submit`). Raises Refused.

    `user` is an account (User), or the `Caller` of a Socket.IO event (auth/sockets.py), whose
    account is then read and checked inside the transaction itself, as its first statement.
    Everything is checked and written in one write transaction, which also serializes the
    skill's writers: the skill's version moved (its row locked), the checks against the cached
    scheme (reloaded when the skill's scheme version moved), the cell's current marks, the
    write. The key is looked up only when the answer is not a write: a resend of a saved mark
    meets a stale base or its own value; a key that the unique index refuses is looked up in a
    second transaction."""
    account = None if isinstance(user, Caller) else user_account(user)
    request = None if account is None else parse_request(data, device)
    try:
        with write_transaction() as session:
            connection, moved = session.connection(), None
            if account is None:  # who it is before what it says, as for an account
                account, request, moved = caller_first(connection, user, data, device)
            return _checked_and_recorded(session, connection, request, account,
                                         replay_only=False, moved=moved)
    except _Unwritten as unwritten:
        return unwritten.recorded
    except IntegrityError:
        # The key was recorded before (unique): meanwhile by another process, or for another
        # mark. Its answer stands, to a caller who still passes the checks.
        with write_transaction() as session:
            replayed = _checked_and_recorded(session, session.connection(), request, account,
                                             replay_only=True)
        if replayed is not None:
            return replayed
        raise


def _checked_and_recorded(session, connection, request: MarkRequest, account: Account,
                          replay_only: bool, moved: tuple[int, tuple] | None = None
                          ) -> Recorded | None:
    # The skill's row first (locked on PostgreSQL): a resend of this key still being written
    # by another transaction is committed by then, and answered as a replay instead of a
    # conflict with itself. The key is looked up after the checks: a refused caller hears the
    # refusal, not the key's mark.
    # (`moved`: caller_first moved the version already, with the caller's account)
    skill_id, versions = moved or (skill_id_for(request, account.expert_id), None)
    if versions is None:
        versions = (_VERSIONS if replay_only else NEXT_VERSION).one(connection,
                                                                    {"skill": skill_id})
    checked = _authorize(session, request, skill_id, versions.scheme_version, account.expert_id)
    if replay_only:
        return _replay(session, request, checked, account.id, account.login)
    try:
        return _record(session, connection, request, checked, versions.version, account.id,
                       account.login)
    except Refused:
        # A stale base, a lock, a full cell: a tablet resending a mark saved before (the
        # sign-off after it, say) hears "saved", the key's first answer.
        replayed = _replay(session, request, checked, account.id, account.login)
        if replayed is None:
            raise
        raise _Unwritten(replayed) from None


def _authorize(session, request: MarkRequest, skill_id: int, scheme_version: int,
               expert_id: int) -> _Checked:
    """Who may mark what: the panel, the aspect and competitor, the marking team, compatriots,
    the value. Raises Refused. (The lock is `_record`'s.)"""
    context = context_of(session, skill_id, scheme_version)
    judge = context.judges.get(expert_id)
    if judge is None:
        raise Refused("not_assigned", _("You are not an expert of skill %(skill)s.",
                                        skill=context.code))
    aspect = context.aspects.get(request.aspect)
    if aspect is None:
        raise Refused("unknown_aspect", _("Skill %(skill)s has no aspect %(aspect)s.",
                                          skill=context.code, aspect=request.aspect))
    competitor = context.competitors.get(request.competitor)
    if competitor is None:
        raise Refused("unknown_competitor", _("Skill %(skill)s has no competitor %(code)s.",
                                              skill=context.code, code=request.competitor))
    competitor_id, competitor_org = competitor
    if judge.team and aspect.criterion not in judge.team:
        raise Refused("not_assigned", _("Your marking team does not mark criterion "
                                        "%(criterion)s.", criterion=aspect.criterion))
    if judge.organization_id is not None and judge.organization_id == competitor_org:
        raise Refused("compatriot", _("Competitor %(code)s is from your own organization: a "
                                      "compatriot expert does not mark them.",
                                      code=request.competitor))
    if aspect.type == "J" and not context.may_judge(aspect.id, competitor_id, expert_id):
        raise Refused("not_on_panel", _("Aspect %(aspect)s is marked by its judgement panel, "
                                        "which you are not on for competitor %(code)s.",
                                        aspect=aspect.code, code=request.competitor))
    value = parse_value(aspect, request.value)
    return _Checked(context, judge, aspect, competitor_id, value)


def _record(session, connection, request: MarkRequest, checked: _Checked, version: int,
            user_id: int, login: str) -> Recorded:
    """Write the mark at the skill's new `version`, or raise Refused (or _Unwritten)."""
    context, judge, aspect, competitor_id, value = (
        checked.context, checked.judge, checked.aspect, checked.competitor_id, checked.value)
    skill_id, expert_id = context.skill_id, judge.expert_id
    # The lock is a state, not a right: a tablet resending a mark saved before the sign-off
    # hears "saved", not "rejected" (the key is looked up on a refusal: _checked_and_recorded).
    if aspect.sub_criterion_id in context.locked:
        raise Refused("locked", _("The chief expert signed this sub-criterion off; marks "
                                  "change only after it is unlocked."))
    is_j = aspect.type == "J"
    judge_id = expert_id if is_j else None
    judge_code = judge.code if is_j else None

    where = {"aspect": aspect.id, "competitor": competitor_id}
    others: list[tuple[str, Decimal]] = []  # the co-judges' scores of a J cell
    if is_j:
        rows = _J_CELLS.all(connection, where)
        current_row = next((row for row in rows if row.judge_id == expert_id), None)
        others = [(row.code, row.value) for row in rows
                  if row.judge_id != expert_id and row.value is not None]
    else:
        current_row = _M_CELL.first(connection, where)
    current = None
    if current_row is not None:
        current = _mark_json(context.ref, aspect.code, request.competitor, judge_code,
                             aspect.type, current_row.value, current_row.revision,
                             current_row.version, current_row.login, current_row.updated_at,
                             current_row.device)
    if (current_row.revision if current_row is not None else 0) != request.base:
        raise Refused("conflict", _("This mark was changed meanwhile (now: %(value)s); "
                                    "look at it again before you correct it.",
                                    value=_shown(current)), mark=current)
    old_value = current_row.value if current_row is not None else None
    if current_row is not None and old_value == value:
        # Nothing to write: a resend of the mark that set this value hears its first answer;
        # a new key is not kept, and the answer says so (`unchanged`).
        raise _Unwritten(_replay(session, request, checked, user_id, login) or Recorded(
            current, created=False, replay=False, skill_id=skill_id, unchanged=True))
    if current_row is None and value is None:
        raise Refused("invalid_value", _("There is no mark to withdraw."))
    if is_j:
        if value is not None and old_value is None and len(others) >= context.judges_per_aspect:
            raise Refused("conflict", _("All %(count)s judges have marked this aspect for "
                                        "this competitor.", count=context.judges_per_aspect))
    if old_value is not None and aspect.sub_criterion_id in context.signed_once \
            and not request.reason:
        raise Refused("reason_required", _("This sub-criterion was signed off once: say "
                                           "why the mark is corrected."), mark=current)

    now = utcnow()
    revision = current_row.revision + 1 if current_row is not None else 1
    fields = {"value": value, "revision": revision, "version": version,
              "updated_by_id": user_id, "updated_at": now, "device": request.device}
    new = None if current_row is not None else {
        "skill_id": skill_id, "aspect_id": aspect.id, "aspect_type": aspect.type,
        "competitor_id": competitor_id, "judge_id": judge_id}
    write_mark(connection, None if new else current_row.id, (new or {}) | fields, {
        "revision": revision, "old_value": old_value, "new_value": value,
        "reason": request.reason, "idempotency_key": request.key, "user_id": user_id,
        "device": request.device, "skill_version": version, "created_at": now,
    })
    answer = _mark_json(context.ref, aspect.code, request.competitor, judge_code, aspect.type,
                        value, revision, version, login, now, request.device, request.reason)
    dispute = None
    if is_j:
        jpa = context.judges_per_aspect
        before = _in_dispute([v for _c, v in others] + [old_value], jpa)
        after = _in_dispute([v for _c, v in others] + [value], jpa)
        if after != before:
            scores = {code: int(score) for code, score in others}
            if value is not None:
                scores[judge_code] = int(value)
            if len(scores) < jpa:  # a score withdrawn: blind again (marks.blind_cell)
                scores = {}
            dispute = {"skill": context.ref, "aspect": aspect.code,
                       "competitor": request.competitor, "scores": scores, "open": after}
            if after:  # what the tablet and the chief's board explain (overview.py)
                dispute |= {"spread": max(scores.values()) - min(scores.values()),
                            "remark": must_remark(scores)}
    # Sent after the commit: the live standings queue it, the acknowledgement leaves first.
    signals.queue(session, signals.mark_recorded, skill_id, mark=answer, dispute=dispute)
    return Recorded(answer, created=True, replay=False, dispute=dispute, skill_id=skill_id)


def _shown(mark: dict | None) -> str:
    if mark is None or mark["value"] is None:
        return "—"
    return str(mark["value"])


def _in_dispute(values: list[Decimal | None], jpa: int) -> bool:
    scores = tuple(int(v) for v in values if v is not None)
    return judgement_state(scores, jpa) is AspectState.DISPUTE
