"""What a mark is checked against: the submission read and checked for shape, and each skill's
context (its aspects, competitors, judges and locks), cached per skill and scheme version.

competition/judging/service.py records the mark; this module only reads. A context is dropped
when the scheme's version moves (a scheme edit bumps it), so a cached context is never stale
for the scheme it was read with; locks move with the skill's sign-offs, which reload it.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from ..errors import Refused
from ..extensions import db
from ..lookup import find_skill, skill_ref
from ..models import Aspect, Championship, Competitor, Criterion, Expert, ExpertRole, Skill
from ..models.base import decimal_text
from ..models.marks import SignOff
from ..models.scheme import SubCriterion
from ..rules.aspects import JUDGEMENT_SCORES
from ..security import holds_nul, nul_message

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{8,100}$")
J_VALUES = JUDGEMENT_SCORES


# --- marks --------------------------------------------------------------------------------------

def parse_value(aspect: AspectInfo, value) -> Decimal | None:
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
class MarkRequest:
    key: str
    skill_ref: str | None
    competitor: str
    aspect: str
    value: object
    base: int
    reason: str
    device: str


def parse_request(data, device: str = "") -> MarkRequest:
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
    return MarkRequest(key, skill, str(data["competitor"]).strip(), str(data["aspect"]).strip(),
                    data["value"], base, reason.strip(), given_device.strip()[:200])


# --- what a mark is checked against, cached per skill and scheme version ----------------------

@dataclass(frozen=True, slots=True)
class AspectInfo:
    id: int
    code: str
    type: str
    allowed: tuple[Decimal, ...]
    sub_criterion_id: int
    criterion: str


@dataclass(frozen=True, slots=True)
class Judge:
    expert_id: int
    code: str
    organization_id: int | None
    team: frozenset[str]  # criterion codes; empty: every criterion


@dataclass(frozen=True, slots=True)
class Context:
    skill_id: int
    code: str
    ref: str  # the code, or CHAMPIONSHIP/CODE when the code repeats
    scheme_version: int
    judges_per_aspect: int
    aspects: dict[str, AspectInfo]
    competitors: dict[str, tuple[int, int | None]]  # code -> (id, organization id)
    judges: dict[int, Judge]  # expert id -> the expert on this skill's panel
    locked: frozenset[int]  # sub-criterion ids signed off now
    signed_once: frozenset[int]  # sub-criterion ids ever signed off
    # fixed panels (panels.py): J aspect id -> its panel's expert ids, and (aspect id,
    # competitor id) -> the panel for that competitor where substitutes change it
    panels: dict[int, frozenset[int]]
    panel_exceptions: dict[tuple[int, int], frozenset[int]]

    def may_judge(self, aspect_id: int, competitor_id: int, expert_id: int) -> bool:
        """Whether the expert is on the aspect's panel for this competitor (True without a
        panel)."""
        panel = self.panels.get(aspect_id)
        if panel is None:
            return True
        return expert_id in self.panel_exceptions.get((aspect_id, competitor_id), panel)


class ContextCache:
    """One app's cached contexts (an app is one database)."""

    def __init__(self) -> None:
        self.contexts: dict[int, Context] = {}
        self.refs: dict[str, int] = {}  # skill reference -> id (checked against the code)
        self.lock = threading.Lock()


def _cache() -> ContextCache:
    extensions = current_app.extensions
    found = extensions.get("competition.judging")
    if found is None:
        found = extensions.setdefault("competition.judging", ContextCache())
    return found


def _loadcontext_of(session, skill_id: int, scheme_version: int) -> Context:
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
        aspects[aspect.code] = AspectInfo(aspect.id, aspect.code, aspect.type, allowed,
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
        judges[expert_id] = Judge(expert_id, code, org, frozenset(
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
    from .panels import marking_panels

    panels, panel_exceptions = marking_panels(session, skill_id)
    return Context(skill_id, skill_code, skill_ref(skill), scheme_version, jpa, aspects,
                    competitors, judges,
                    frozenset(locked), frozenset(signed_once), panels, panel_exceptions)


def context_of(session, skill_id: int, scheme_version: int) -> Context:
    cache = _cache()
    found = cache.contexts.get(skill_id)
    if found is not None and found.scheme_version == scheme_version:
        return found
    loaded = _loadcontext_of(session, skill_id, scheme_version)
    with cache.lock:
        cache.contexts[skill_id] = loaded
    return loaded


def known_skill_id(request: MarkRequest) -> int | None:
    """The id of the skill the request names, if this process's cache knows it (no query)."""
    ref = request.skill_ref
    if ref is None:
        return None
    cache = _cache()
    known = cache.refs.get(ref)
    context = cache.contexts.get(known) if known is not None else None
    if context is not None and context.code == ref.rpartition("/")[2]:
        return known
    return None


def skill_id_for(request: MarkRequest, expert_id: int) -> int:
    ref = request.skill_ref
    if ref is not None:
        known = known_skill_id(request)
        if known is None:
            known = _cache().refs[ref] = find_skill(ref).id
        return known
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
