"""Appeals against a published skill's results (docs/appeals.md): lodging one, the appeal
commission's decision, and the lists the pages and the API show.

Within the championship's appeal window (minutes after the skill was last published) a
competitor lodges an appeal with their own account, or an organizer lodges it on their behalf
(a paper appeal). The commission is the organizers and admins (`COMMISSION`). One appeal per
competitor and skill may be open at a time. While one is open the skill's results are not
final for medals (`Skill.under_appeal`, read by the standings and the certificates). An upheld
appeal sets a published skill back to frozen, and the correction path follows (unlock with a
reason naming the appeal, re-mark, sign off, publish again).

Every refusal writes nothing; every step is audited in its write transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import audit, signals
from ..auth.access import STAFF, role_of
from ..database import write_transaction
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..extensions import db
from ..lookup import skill_ref
from ..models import Appeal, Aspect, Competitor, Skill
from ..models.base import iso, utcnow

COMMISSION = STAFF  # who decides appeals: organizers and admins (docs/appeals.md)
OUTCOMES = ("rejected", "upheld")
MAX_TEXT = 5000


@dataclass(frozen=True)
class Window:
    """The skill's appeal window: its length, when it closes (None: never published)."""

    minutes: int
    closes_at: datetime | None
    open: bool


def window(skill: Skill, now: datetime | None = None) -> Window:
    minutes = skill.championship.appeal_window
    if skill.published_at is None:
        return Window(minutes, None, False)
    closes = skill.published_at + timedelta(minutes=minutes)
    now = now or utcnow()
    return Window(minutes, closes, skill.visibility == "published" and now <= closes)


def may_lodge_own(user, competitor: Competitor) -> bool:
    """A competitor's account lodges for the competitor it belongs to, and no other."""
    return role_of(user) == "competitor" and user.competitor_id == competitor.id


def _competitor(skill: Skill, competitor) -> Competitor:
    if isinstance(competitor, Competitor):
        found = competitor if competitor.skill_id == skill.id else None
    else:
        found = db.session.execute(sa.select(Competitor).where(
            Competitor.skill_id == skill.id,
            Competitor.code == str(competitor or "").strip())).scalar_one_or_none()
    if found is None:
        raise Invalid(_("Skill %(skill)s has no competitor %(code)s.", skill=skill.code,
                        code=getattr(competitor, "code", competitor) or "—"),
                      code="invalid_value", field="competitor")
    return found


def _aspects(skill: Skill, aspects) -> list[str]:
    if aspects is None:
        return []
    if isinstance(aspects, str):
        aspects = [part for part in re.split(r"[\s,;]+", aspects) if part]
    if not isinstance(aspects, (list, tuple)) or not all(isinstance(a, str) for a in aspects):
        raise Invalid(_("List the aspects as codes, e.g. A1.2."), code="invalid_value",
                      field="aspects")
    codes = list(dict.fromkeys(a.strip() for a in aspects if a.strip()))
    known = set(db.session.execute(sa.select(Aspect.code).where(
        Aspect.skill_id == skill.id, Aspect.code.in_(codes))).scalars())
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise Invalid(_("Skill %(skill)s has no aspects %(codes)s.", skill=skill.code,
                        codes=", ".join(unknown)), code="invalid_value", field="aspects")
    if len(",".join(codes)) > 500:
        raise Invalid(_("Name at most a few dozen aspects, or none for the whole result."),
                      code="invalid_value", field="aspects")
    return codes


def lodge(user, skill: Skill, competitor, aspects, text) -> Appeal:
    """Lodge an appeal for `competitor` (a Competitor or its code): by the competitor's own
    account, or by the commission on paper. Refused: Forbidden (`forbidden`), Invalid
    (`invalid_value`: an unknown competitor or aspect, an empty text), Conflict
    (`not_published`, `window_closed`, `appeal_open`)."""
    role = role_of(user)
    if role not in COMMISSION and role != "competitor":
        raise Forbidden(_("Only a competitor, for their own results, or the organizers may "
                          "lodge an appeal."))
    found = _competitor(skill, competitor)
    if role == "competitor" and not may_lodge_own(user, found):
        raise Forbidden(_("You may lodge an appeal only for your own results."))
    text = text.strip() if isinstance(text, str) else ""
    if not text:
        raise Invalid(_("Write what the appeal is about."), code="invalid_value", field="text")
    if len(text) > MAX_TEXT:
        raise Invalid(_("The appeal's text is too long: at most %(max)d characters.",
                        max=MAX_TEXT), code="invalid_value", field="text")
    codes = _aspects(skill, aspects)
    with write_transaction() as session:
        locked = session.execute(sa.select(Skill).where(Skill.id == skill.id)
                                 .with_for_update()).scalar_one()
        if locked.visibility != "published":
            raise Conflict(_("The results of %(skill)s are not published: an appeal is lodged "
                             "against published results.", skill=locked.code),
                           code="not_published")
        if not window(locked).open:
            raise Conflict(_("The appeal window of %(skill)s has closed (%(minutes)d minutes "
                             "after the results were published).", skill=locked.code,
                             minutes=locked.championship.appeal_window),
                           code="window_closed")
        already = session.execute(sa.select(Appeal.id).where(
            Appeal.skill_id == locked.id, Appeal.competitor_id == found.id,
            Appeal.state == "open")).scalar()
        if already is not None:
            raise Conflict(_("Appeal #%(id)d of this competitor is still open: the commission "
                             "decides it first.", id=already), code="appeal_open")
        appeal = Appeal(skill_id=locked.id, competitor_id=found.id, aspects=",".join(codes),
                        text=text, on_paper=role in COMMISSION,
                        lodged_by_id=getattr(user, "id", None), lodged_at=utcnow(),
                        state="open")
        session.add(appeal)
        session.flush()
        entry = audit.record(
            "appeal.lodge", "appeal", appeal.id,
            f"skill {locked.code}: appeal #{appeal.id} of competitor {found.code}"
            + (" (on paper)" if appeal.on_paper else ""),
            {"skill": locked.code, "competitor": found.code, "aspects": codes,
             "on_paper": appeal.on_paper, "text": text}, locked.championship_id)
        entry.user_id = getattr(user, "id", None)
        # The boards follow: "results under appeal", no medals (competition/standings).
        signals.queue(session, signals.visibility_changed, locked.id,
                      before=locked.visibility, after=locked.visibility)
    return appeal


def decide(user, appeal_id: int, outcome: str, reason: str) -> Appeal:
    """The commission rejects or upholds an open appeal, with a reason. Upholding sets a
    published skill back to frozen (the hall keeps its picture, medals are no longer shown and
    certificates that tell a result are withheld) until it is corrected and published again."""
    if role_of(user) not in COMMISSION:
        raise Forbidden(_("Only the appeal commission (the organizers) decides appeals."))
    if outcome not in OUTCOMES:
        raise Invalid(_("Decide rejected or upheld."), code="invalid_value", field="outcome")
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        raise Invalid(_("Give the reason for the decision."), code="invalid_value",
                      field="reason")
    if len(reason) > MAX_TEXT:
        raise Invalid(_("The reason is too long: at most %(max)d characters.", max=MAX_TEXT),
                      code="invalid_value", field="reason")
    with write_transaction() as session:
        appeal = session.get(Appeal, appeal_id)
        if appeal is None:
            raise NotFound(_("There is no appeal #%(id)s.", id=appeal_id), code="not_found")
        skill = session.execute(sa.select(Skill).where(Skill.id == appeal.skill_id)
                                .with_for_update()).scalar_one()
        if appeal.state != "open":
            raise Conflict(_("Appeal #%(id)d is decided already.", id=appeal.id),
                           code="already_decided")
        user_id, now = getattr(user, "id", None), utcnow()  # read before any change (flush)
        appeal.state, appeal.decision_reason = outcome, reason
        appeal.decided_by_id, appeal.decided_at = user_id, now
        entry = audit.record(
            "appeal.decide", "appeal", appeal.id,
            f"skill {skill.code}: appeal #{appeal.id} {outcome}: {reason}",
            {"skill": skill.code, "competitor": appeal.competitor.code,
             "state": ["open", outcome], "reason": reason}, skill.championship_id)
        entry.user_id = getattr(user, "id", None)
        before = skill.visibility
        if outcome == "upheld" and before == "published":
            skill.visibility, skill.frozen_at, skill.frozen_version = (
                "frozen", utcnow(), skill.version)
            audit.record("visibility", "skill", skill.id,
                         f"{skill.code}: published → frozen (appeal #{appeal.id} upheld)",
                         {"visibility": [before, "frozen"], "appeal": appeal.id},
                         skill.championship_id).user_id = getattr(user, "id", None)
        signals.queue(session, signals.visibility_changed, skill.id, before=before,
                      after=skill.visibility)
    return appeal


def unlock_reason(appeal: Appeal) -> str:
    """The reason the correction's unlock is prefilled with: it names the appeal."""
    return _("Appeal #%(id)d upheld: %(reason)s", id=appeal.id,
             reason=appeal.decision_reason or "")


# --- reading ------------------------------------------------------------------------------------

def _listed(query) -> list[Appeal]:
    return db.session.execute(query.order_by(Appeal.lodged_at.desc(), Appeal.id.desc())
                              ).scalars().all()


def of_skill(skill: Skill) -> list[Appeal]:
    return _listed(sa.select(Appeal).where(Appeal.skill_id == skill.id))


def of_competitor(competitor_id: int) -> list[Appeal]:
    return _listed(sa.select(Appeal).where(Appeal.competitor_id == competitor_id))


def of_championship(championship_id: int) -> list[Appeal]:
    return _listed(sa.select(Appeal).join(Skill).where(
        Skill.championship_id == championship_id))


def readable_appeals(user, skill: Skill) -> list[Appeal]:
    """What the API lists: every appeal of the skill for the commission, a competitor's own
    (none when the skill is not theirs)."""
    role = role_of(user)
    if role in COMMISSION:
        return of_skill(skill)
    if role == "competitor":  # their own (none when the skill is not theirs)
        return [a for a in of_skill(skill) if a.competitor_id == user.competitor_id]
    raise Forbidden(_("Only the organizers, and competitors their own, see appeals."))


def describe(appeal: Appeal) -> dict:
    """An appeal as the API shows it (docs/api.md)."""
    return {"id": appeal.id, "skill": skill_ref(appeal.skill),
            "competitor": appeal.competitor.code, "aspects": appeal.aspect_codes(),
            "text": appeal.text, "on_paper": appeal.on_paper,
            "lodged_by": appeal.lodged_by.login if appeal.lodged_by else None,
            "lodged_at": iso(appeal.lodged_at), "state": appeal.state,
            "decision_reason": appeal.decision_reason,
            "decided_by": appeal.decided_by.login if appeal.decided_by else None,
            "decided_at": iso(appeal.decided_at)}


def describe_window(skill: Skill) -> dict:
    found = window(skill)
    return {"minutes": found.minutes, "closes_at": iso(found.closes_at), "open": found.open}
