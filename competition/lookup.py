"""Finding a skill by the reference people and clients use, and who an account is in it.

A skill's reference is its code, or CHAMPIONSHIP/CODE when several championships use the code
(docs/api.md). `find_skill` is the one reader of that reference: for the web, the API,
Socket.IO and the command line (`--skill CODE [--championship CODE]`); `skill_or_404` is the
pages' form of it.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from .errors import NotFound, Refused
from .extensions import db
from .models import Championship, ExpertRole, Skill


def ambiguous_codes() -> set[str]:
    """The skill codes used in more than one championship."""
    return set(db.session.execute(
        sa.select(Skill.code).group_by(Skill.code).having(sa.func.count() > 1)
    ).scalars())


def skill_ref(skill: Skill, ambiguous: set[str] | None = None) -> str:
    """The skill's reference: its code, or CHAMPIONSHIP/CODE when codes repeat (`ambiguous`:
    the repeated codes, when the caller names many skills)."""
    if ambiguous is None:
        ambiguous = set(db.session.execute(
            sa.select(Skill.code).where(Skill.code == skill.code)
            .group_by(Skill.code).having(sa.func.count() > 1)).scalars())
    if skill.code in ambiguous:
        return f"{skill.championship.code}/{skill.code}"
    return skill.code


def find_skill(ref, championship: str | None = None) -> Skill:
    """The skill named `ref` (its code, or CHAMPIONSHIP/CODE), in `championship` when one is
    named apart (the command line's --championship); Refused('unknown_skill') saying what to
    write instead."""
    if not isinstance(ref, str) or not ref.strip():
        raise Refused("unknown_skill", _("Say which skill: its code, e.g. 04."))
    named, _slash, code = ref.strip().rpartition("/")
    championship = named or (championship or "").strip()
    query = sa.select(Skill).where(Skill.code == code)
    if championship:
        query = query.join(Championship).where(Championship.code == championship)
    found = db.session.execute(query).scalars().all()
    if not found:
        shown = f"{championship}/{code}" if championship else code
        raise Refused("unknown_skill", _("There is no skill %(ref)s.", ref=shown))
    if len(found) > 1:
        options = ", ".join(sorted(f"{s.championship.code}/{s.code}" for s in found))
        raise Refused("unknown_skill", _("Skill code %(ref)s is used in several championships; "
                                         "use one of: %(options)s.", ref=ref, options=options))
    return found[0]


def skill_or_404(ref) -> Skill:
    """The skill a page is about; NotFound (the 404 page, saying why) when there is none."""
    try:
        return find_skill(ref)
    except Refused as refusal:
        raise NotFound(refusal.message, code="unknown_skill") from None


def expert_role(user, skill_id: int) -> ExpertRole | None:
    """The account's role in the skill (chief, deputy, expert …), if it is one of its experts."""
    expert_id = getattr(user, "expert_id", None)
    if expert_id is None:
        return None
    return db.session.execute(
        sa.select(ExpertRole).where(ExpertRole.expert_id == expert_id,
                                    ExpertRole.skill_id == skill_id)
    ).scalar_one_or_none()
