"""Helpers for the route × role access tests: log a client in as any persona of the demo.

The personas are the app's roles (competition/auth/access.py) and three experts the
authorization rules single out:

- "other_expert": an expert account of another skill (04) than the one the URLs name (10);
- "other_chief": the chief expert of that other skill (04), with a chief's account;
- "compatriot": an expert of skill 10 from the organization of competitor 101 (a compatriot
  expert does not mark their compatriot: docs/security.md).

"expert" is an ordinary expert of skill 10 from another organization than competitor 101's;
"chief" is the chief expert of skill 10.
"""

from __future__ import annotations

import sqlalchemy as sa

from competition.auth import policy
from competition.auth.access import ROLES
from competition.database import write_transaction
from competition.models import Competitor, Expert, ExpertRole, Skill, User

__all__ = ["PERSONAS", "ROLES", "WHO", "account_role", "client_as", "csrf_token",
           "free_m_aspects", "make_role_users"]

# The issue's eight: anonymous, competitor, expert of another skill, compatriot expert, expert,
# chief, organizer, admin; and the chief of another skill (last: the others keep their user ids).
PERSONAS = ("anonymous", "competitor", "other_expert", "compatriot", "expert", "chief",
            "organizer", "admin", "other_chief")
# Who each persona is in the words of the table of who may post where (competition/auth/policy.py)
WHO = {"anonymous": policy.ANONYMOUS, "competitor": policy.COMPETITOR,
       "other_expert": policy.OTHER_EXPERT, "other_chief": policy.OTHER_CHIEF,
       "compatriot": policy.COMPATRIOT, "expert": policy.EXPERT, "chief": policy.CHIEF,
       "organizer": policy.ORGANIZER, "admin": policy.ADMIN}
SKILL = "10"  # the skill the URLs name
COMPETITOR = "101"  # the competitor whose compatriot "compatriot" is


def account_role(persona: str) -> str:
    """The app's role of a persona's account."""
    return {"other_expert": "expert", "compatriot": "expert",
            "other_chief": "chief"}.get(persona, persona)


def _experts(session, skill_code: str) -> list[ExpertRole]:
    return session.execute(
        sa.select(ExpertRole).join(ExpertRole.skill).join(ExpertRole.expert)
        .where(Skill.code == skill_code).order_by(Expert.code)
    ).scalars().all()


def make_role_users(app) -> dict[str, int]:
    """One account per persona in the demo database; returns persona -> user id."""
    from competition.auth.service import add_user

    ids: dict[str, int] = {}
    with app.app_context():
        with write_transaction() as session:
            competitor = session.execute(
                sa.select(Competitor).order_by(Competitor.id).limit(1)).scalar_one()
            home = session.execute(
                sa.select(Competitor.organization_id).join(Competitor.skill)
                .where(Skill.code == SKILL, Competitor.code == COMPETITOR)).scalar_one()
            roles = _experts(session, SKILL)
            chief = next(r.expert for r in roles if r.role == "chief")
            ordinary = [r.expert for r in roles if r.role == "expert" and not r.marking_team]
            expert = next(e for e in ordinary if e.organization_id not in (None, home))
            compatriot = next(e for e in ordinary if e.organization_id == home)
            panel = {r.expert_id for r in roles}
            elsewhere = [r for r in _experts(session, "04") if r.expert_id not in panel]
            other = next(r.expert for r in elsewhere if r.role == "expert")
            other_chief = next(r.expert for r in elsewhere if r.role == "chief")
            links = {"chief": {"expert": chief}, "expert": {"expert": expert},
                     "competitor": {"competitor": competitor},
                     "other_expert": {"expert": other}, "other_chief": {"expert": other_chief},
                     "compatriot": {"expert": compatriot}}
            for persona in PERSONAS[1:]:
                user = add_user(f"as-{persona.replace('_', '-')}", account_role(persona),
                                "password-for-tests", **links.get(persona, {}))
                session.flush()
                ids[persona] = user.id
    return ids


def client_as(app, role: str, ids: dict[str, int]):
    client = app.test_client()
    if role != "anonymous":
        with app.app_context():
            user_id = app.extensions["sqlalchemy"].session.get(User, ids[role]).get_id()
        with client.session_transaction() as session:
            session["_user_id"] = user_id  # as Flask-Login stores it: id.session_version
            session["_fresh"] = True
    return client


def csrf_token(app, client) -> str:
    """A valid CSRF token for `client`'s session (what a form of the app would carry)."""
    from flask import session as request_session
    from flask_wtf.csrf import generate_csrf

    with app.test_request_context():
        token = generate_csrf()
        raw = request_session["csrf_token"]
    with client.session_transaction() as session:
        session["csrf_token"] = raw
    return token


def free_m_aspects(app, count: int) -> list[tuple[str, str]]:
    """`count` measurement aspects of skill 10 in sub-criteria never signed off, without marks
    of competitors 101-110: (aspect code, an allowed mark). Each writer of a test takes its own
    cell, so one mark does not turn the next into a conflict."""
    from competition.models import Aspect, Mark
    from competition.models.base import decimal_text
    from competition.models.marks import SignOff

    with app.app_context():
        session = app.extensions["sqlalchemy"].session
        skill = session.execute(sa.select(Skill).where(Skill.code == SKILL)).scalar_one()
        signed = sa.select(SignOff.sub_criterion_id)
        marked = sa.select(Mark.aspect_id).where(Mark.skill_id == skill.id)
        aspects = session.execute(
            sa.select(Aspect).where(Aspect.skill_id == skill.id, Aspect.type == "M",
                                    Aspect.sub_criterion_id.not_in(signed),
                                    Aspect.id.not_in(marked))
            .order_by(Aspect.id).limit(count)).scalars().all()
        found = [(aspect.code, decimal_text(aspect.allowed()[-1])) for aspect in aspects]
    assert len(found) == count, "the demo's skill 10 has too few unmarked M aspects"
    return found
