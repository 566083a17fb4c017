"""Recording a mark: the write side's live path.

`record_mark` is the live path of docs/design.md: it authorizes (role, skill, marking team,
compatriot, lock), checks the value against the aspect (docs/rules.md), and writes Mark +
MarkRevision + the skill's version in ONE write transaction. A key seen before is looked up
only once the submission is authorized: sent again with the same skill, aspect, competitor
and value it returns the first answer and writes nothing; with anything else it is a
conflict. A stale `base` is a conflict, never a silent overwrite. A written mark queues the
`mark_recorded` signal, sent after the commit (competition/signals.py): the live standings
listen; the callers (events.py, api_views.py) only acknowledge.

Refusals are `Refused(code, message)` with the stable codes of docs/api.md; messages are
translated for the user.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from .. import signals
from ..auth.access import role_of
from ..database import write_transaction
from ..errors import Refused
from ..extensions import db
from ..lookup import find_skill, skill_ref
from ..marks import mark_json as _mark_json
from ..models import (
    Aspect,
    Championship,
    Competitor,
    Criterion,
    Expert,
    ExpertRole,
    Mark,
    MarkRevision,
    Skill,
    User,
)
from ..models.base import decimal_text, utcnow
from ..models.marks import SignOff
from ..models.scheme import SubCriterion
from ..rules import AspectState, judgement_state
from ..rules.aspects import JUDGEMENT_SCORES
from ..security import holds_nul, nul_message

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{8,100}$")
MARKING_ROLES = frozenset({"expert", "chief"})  # accounts that may hold an expert's pen
J_VALUES = JUDGEMENT_SCORES


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


# --- marks --------------------------------------------------------------------------------------

def _parse_value(aspect: _AspectInfo, value) -> Decimal | None:
    """The submitted value as stored, or Refused(invalid_value). None withdraws the mark."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise Refused("invalid_value", _("A mark is a number."))
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise Refused("invalid_value", _("%(value)s is not a number.", value=value)) from None
    if not number.is_finite():
        raise Refused("invalid_value", _("%(value)s is not a number.", value=value))
    if aspect.type == "J":
        if number not in J_VALUES:
            raise Refused("invalid_value",
                          _("A judgement mark is 0, 1, 2 or 3, not %(value)s.", value=value))
        return Decimal(int(number))
    for candidate in aspect.allowed:
        if candidate == number:
            return candidate
    shown = ", ".join(decimal_text(v) for v in aspect.allowed)
    raise Refused("invalid_value", _("%(value)s is not an allowed mark of %(aspect)s "
                                     "(allowed: %(allowed)s).",
                                     value=value, aspect=aspect.code, allowed=shown))


@dataclass
class _Request:
    key: str
    skill_ref: str | None
    competitor: str
    aspect: str
    value: object
    base: int
    reason: str
    device: str


def _parse_request(data, device: str = "") -> _Request:
    if not isinstance(data, dict):
        raise Refused("invalid_value", _("Send the mark as an object with id, competitor, "
                                         "aspect and value."))
    if holds_nul(data):
        raise Refused("invalid_value", nul_message())
    key = data.get("id")
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise Refused("invalid_value", _("Each mark needs an id of 8-100 letters, digits or "
                                         "_ - . : (a random UUID)."))
    for field in ("competitor", "aspect"):
        given = data.get(field)
        if isinstance(given, bool) or not isinstance(given, (str, int)) \
                or not str(given).strip():
            raise Refused("invalid_value", _("The mark has no %(field)s.", field=field))
    if "value" not in data:
        raise Refused("invalid_value", _("The mark has no value (null withdraws a mark)."))
    # null is as good as absent; a value of another type is refused, not read as absent
    base = data.get("base")
    base = 0 if base is None else base
    if isinstance(base, bool) or not isinstance(base, int) or base < 0:
        raise Refused("invalid_value", _("base is the revision number the judge saw (0 for an "
                                         "empty cell)."))
    reason = data.get("reason")
    reason = "" if reason is None else reason
    if not isinstance(reason, str) or len(reason) > 2000:
        raise Refused("invalid_value", _("The reason is text of at most 2000 characters."))
    given_device = data.get("device")
    if given_device is not None and not isinstance(given_device, str):
        raise Refused("invalid_value", _("The device is a label: text."))
    given_device = given_device or device
    skill = data.get("skill")
    if skill is not None and not isinstance(skill, str):
        raise Refused("unknown_skill", _("Say which skill: its code, e.g. 04."))
    return _Request(key, skill, str(data["competitor"]).strip(), str(data["aspect"]).strip(),
                    data["value"], base, reason.strip(), given_device.strip()[:200])


# --- what a mark is checked against, cached per skill and scheme version ----------------------

@dataclass(frozen=True, slots=True)
class _AspectInfo:
    id: int
    code: str
    type: str
    allowed: tuple[Decimal, ...]
    sub_criterion_id: int
    criterion: str


@dataclass(frozen=True, slots=True)
class _Judge:
    expert_id: int
    code: str
    organization_id: int | None
    team: frozenset[str]  # criterion codes; empty: every criterion


@dataclass(frozen=True, slots=True)
class _Context:
    skill_id: int
    code: str
    ref: str  # the code, or CHAMPIONSHIP/CODE when the code repeats
    scheme_version: int
    judges_per_aspect: int
    aspects: dict[str, _AspectInfo]
    competitors: dict[str, tuple[int, int | None]]  # code -> (id, organization id)
    judges: dict[int, _Judge]  # expert id -> the expert on this skill's panel
    locked: frozenset[int]  # sub-criterion ids signed off now
    signed_once: frozenset[int]  # sub-criterion ids ever signed off


class _Cache:
    """One app's cached contexts (an app is one database)."""

    def __init__(self) -> None:
        self.contexts: dict[int, _Context] = {}
        self.refs: dict[str, int] = {}  # skill reference -> id (checked against the code)
        self.lock = threading.Lock()


def _cache() -> _Cache:
    extensions = current_app.extensions
    found = extensions.get("competition.judging")
    if found is None:
        found = extensions.setdefault("competition.judging", _Cache())
    return found


def _load_context(session, skill_id: int, scheme_version: int) -> _Context:
    skill_code, jpa = session.execute(
        sa.select(Skill.code, Championship.judges_per_aspect)
        .join(Championship, Championship.id == Skill.championship_id)
        .where(Skill.id == skill_id)
    ).one()
    aspects = {}
    for aspect, criterion in session.execute(
        sa.select(Aspect, Criterion.code)
        .join(SubCriterion, SubCriterion.id == Aspect.sub_criterion_id)
        .join(Criterion, Criterion.id == SubCriterion.criterion_id)
        .where(Aspect.skill_id == skill_id)
    ):
        allowed = tuple(aspect.allowed()) if aspect.type == "M" else ()
        aspects[aspect.code] = _AspectInfo(aspect.id, aspect.code, aspect.type, allowed,
                                           aspect.sub_criterion_id, criterion)
    competitors = {code: (cid, org) for cid, code, org in session.execute(
        sa.select(Competitor.id, Competitor.code, Competitor.organization_id)
        .where(Competitor.skill_id == skill_id))}
    judges = {}
    for expert_id, code, org, team in session.execute(
        sa.select(Expert.id, Expert.code, Expert.organization_id, ExpertRole.marking_team)
        .join(ExpertRole, ExpertRole.expert_id == Expert.id)
        .where(ExpertRole.skill_id == skill_id)
    ):
        judges[expert_id] = _Judge(expert_id, code, org, frozenset(
            part.strip() for part in (team or "").split(",") if part.strip()))
    from .signoff import lock_states

    skill = session.get(Skill, skill_id)
    states = lock_states(skill)
    signed_once = set(session.execute(
        sa.select(SignOff.sub_criterion_id).where(
            SignOff.sub_criterion_id.in_(list(states)), SignOff.action == "lock")
    ).scalars()) if states else set()
    locked = {sub for sub, entry in states.items()
              if entry is not None and entry.action == "lock"}
    return _Context(skill_id, skill_code, skill_ref(skill), scheme_version, jpa, aspects,
                    competitors, judges,
                    frozenset(locked), frozenset(signed_once))


def _context(session, skill_id: int, scheme_version: int) -> _Context:
    cache = _cache()
    found = cache.contexts.get(skill_id)
    if found is not None and found.scheme_version == scheme_version:
        return found
    loaded = _load_context(session, skill_id, scheme_version)
    with cache.lock:
        cache.contexts[skill_id] = loaded
    return loaded


def _skill_id_for(request: _Request, expert_id: int) -> int:
    ref = request.skill_ref
    if ref is not None:
        cache = _cache()
        known = cache.refs.get(ref)
        context = cache.contexts.get(known) if known is not None else None
        if context is not None and context.code == ref.rpartition("/")[2]:
            return known
        skill_id = find_skill(ref).id
        cache.refs[ref] = skill_id
        return skill_id
    # Without a skill: the one skill of this judge that has both codes.
    found = db.session.execute(
        sa.select(Skill.id).join(ExpertRole, ExpertRole.skill_id == Skill.id)
        .join(Aspect, Aspect.skill_id == Skill.id)
        .join(Competitor, Competitor.skill_id == Skill.id)
        .where(ExpertRole.expert_id == expert_id, Aspect.code == request.aspect,
               Competitor.code == request.competitor)
    ).scalars().unique().all()
    if len(found) != 1:
        raise Refused("unknown_skill", _("Say which skill the mark is for (field skill)."))
    return found[0]


# --- recording ----------------------------------------------------------------------------------

_JUDGE = aliased(Expert)

# The statements of the live path, built once: building a statement costs more than running it
# on SQLite. They run on the session's connection (Core), inside the write transaction.
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
_SKILL_VERSIONS = (
    sa.select(Skill.version, Skill.scheme_version).where(Skill.id == sa.bindparam("skill"))
    .with_for_update()
)
_CELL = (
    sa.select(Mark.id, Mark.value, Mark.revision, Mark.version, Mark.updated_at, Mark.device,
              User.login)
    .outerjoin(User, User.id == Mark.updated_by_id)
    .where(Mark.aspect_id == sa.bindparam("aspect"),
           Mark.competitor_id == sa.bindparam("competitor"))
)
_J_CELL = _CELL.where(Mark.judge_id == sa.bindparam("judge"))
_M_CELL = _CELL.where(Mark.judge_id.is_(None))
_OTHER_JUDGES = (
    sa.select(_JUDGE.code, Mark.value).join(_JUDGE, _JUDGE.id == Mark.judge_id)
    .where(Mark.aspect_id == sa.bindparam("aspect"),
           Mark.competitor_id == sa.bindparam("competitor"),
           Mark.judge_id != sa.bindparam("judge"), Mark.value.is_not(None))
)
_SET_VERSION = (
    sa.update(Skill).where(Skill.id == sa.bindparam("b_skill"))
    .values(version=sa.bindparam("b_version"))
)
_NEW_MARK = sa.insert(Mark)
_CHANGE_MARK = sa.update(Mark).where(Mark.id == sa.bindparam("b_id"))
_NEW_REVISION = sa.insert(MarkRevision)


@dataclass(frozen=True, slots=True)
class _Checked:
    """A submission that passed every check of who may mark what (`_authorize`)."""

    context: _Context
    judge: _Judge
    aspect: _AspectInfo
    competitor_id: int
    value: Decimal | None  # the submitted value as stored (None withdraws)


def _replay(session, request: _Request, checked: _Checked, user_id: int,
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


def record_mark(user, data, device: str = "") -> Recorded:
    """Record one submission (docs/api.md, `mark:submit`). Raises Refused.

    Everything is checked and written in one write transaction, which also serializes the
    skill's writers: the checks against the cached scheme (reloaded when the skill's scheme
    version moved), then the replay look-up, the cell's current mark, the write."""
    if role_of(user) == "anonymous":
        raise Refused("unauthenticated", _("Log in to enter marks."))
    if role_of(user) not in MARKING_ROLES or user.expert_id is None:
        raise Refused("forbidden", _("Only expert accounts enter marks."))
    user_id, login, expert_id = user.id, user.login, user.expert_id
    request = _parse_request(data, device)
    skill_id = _skill_id_for(request, expert_id)
    try:
        with write_transaction() as session:
            # The skill's row first (FOR UPDATE on PostgreSQL), then the replay look-up: a
            # resend of this key still being written by another transaction is committed by
            # then, and answered as a replay instead of a conflict with itself. The look-up
            # comes after the checks: a refused caller hears the refusal, not the key's mark.
            versions = session.connection().execute(_SKILL_VERSIONS, {"skill": skill_id}).one()
            checked = _authorize(session, request, skill_id, versions.scheme_version,
                                 expert_id)
            replayed = _replay(session, request, checked, user_id, login)
            if replayed is not None:
                return replayed
            return _record(session, request, checked, versions.version, user_id, login)
    except IntegrityError:
        # The key was written meanwhile by another process (unique): its answer stands, to
        # a caller who still passes the checks.
        with write_transaction() as session:
            versions = session.connection().execute(_SKILL_VERSIONS, {"skill": skill_id}).one()
            checked = _authorize(session, request, skill_id, versions.scheme_version,
                                 expert_id)
            replayed = _replay(session, request, checked, user_id, login)
        if replayed is not None:
            return replayed
        raise


def _authorize(session, request: _Request, skill_id: int, scheme_version: int,
               expert_id: int) -> _Checked:
    """Who may mark what: the panel, the aspect and competitor, the marking team, compatriots,
    the value. Raises Refused. (The lock is `_record`'s.)"""
    context = _context(session, skill_id, scheme_version)
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
    value = _parse_value(aspect, request.value)
    return _Checked(context, judge, aspect, competitor_id, value)


def _record(session, request: _Request, checked: _Checked, version: int, user_id: int,
            login: str) -> Recorded:
    connection = session.connection()
    context, judge, aspect, competitor_id, value = (
        checked.context, checked.judge, checked.aspect, checked.competitor_id, checked.value)
    skill_id, expert_id = context.skill_id, judge.expert_id
    # The lock is a state, not a right: it is checked after the replay look-up, so a tablet
    # resending a mark saved before the sign-off hears "saved", not "rejected".
    if aspect.sub_criterion_id in context.locked:
        raise Refused("locked", _("The chief expert signed this sub-criterion off; marks "
                                  "change only after it is unlocked."))
    is_j = aspect.type == "J"
    judge_id = expert_id if is_j else None
    judge_code = judge.code if is_j else None

    where = {"aspect": aspect.id, "competitor": competitor_id, "judge": expert_id}
    current_row = connection.execute(_J_CELL if is_j else _M_CELL, where).first()
    current = None
    if current_row is not None:
        _id, old, revision, mark_version, at, mark_device, by = current_row
        current = _mark_json(context.ref, aspect.code, request.competitor, judge_code,
                             aspect.type, old, revision, mark_version, by, at, mark_device)
    if (current_row.revision if current_row is not None else 0) != request.base:
        raise Refused("conflict", _("This mark was changed meanwhile (now: %(value)s); "
                                    "look at it again before you correct it.",
                                    value=_shown(current)), mark=current)
    old_value = current_row.value if current_row is not None else None
    if current_row is not None and old_value == value:
        # Nothing to write, and the key is not kept: the answer says so (`unchanged`).
        return Recorded(current, created=False, replay=False, skill_id=skill_id,
                        unchanged=True)
    if current_row is None and value is None:
        raise Refused("invalid_value", _("There is no mark to withdraw."))
    others: list[tuple[str, Decimal]] = []
    if is_j:
        others = connection.execute(_OTHER_JUDGES, where).all()
        if value is not None and old_value is None and len(others) >= context.judges_per_aspect:
            raise Refused("conflict", _("All %(count)s judges have marked this aspect for "
                                        "this competitor.", count=context.judges_per_aspect))
    if old_value is not None and aspect.sub_criterion_id in context.signed_once \
            and not request.reason:
        raise Refused("reason_required", _("This sub-criterion was signed off once: say "
                                           "why the mark is corrected."), mark=current)

    version += 1
    now = utcnow()
    revision = current_row.revision + 1 if current_row is not None else 1
    connection.execute(_SET_VERSION, {"b_skill": skill_id, "b_version": version})
    fields = {"value": value, "revision": revision, "version": version,
              "updated_by_id": user_id, "updated_at": now, "device": request.device}
    if current_row is None:
        mark_id = connection.execute(_NEW_MARK, {
            "skill_id": skill_id, "aspect_id": aspect.id, "aspect_type": aspect.type,
            "competitor_id": competitor_id, "judge_id": judge_id, **fields,
        }).inserted_primary_key[0]
    else:
        mark_id = current_row.id
        connection.execute(_CHANGE_MARK, {"b_id": mark_id, **fields})
    connection.execute(_NEW_REVISION, {
        "mark_id": mark_id, "revision": revision, "old_value": old_value, "new_value": value,
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
            dispute = {"skill": context.ref, "aspect": aspect.code,
                       "competitor": request.competitor, "scores": scores, "open": after}
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
