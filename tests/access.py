"""Helpers for the route × role access tests: log a client in as any role of the demo."""

from __future__ import annotations

import sqlalchemy as sa

from competition.auth.access import ROLES
from competition.database import write_transaction
from competition.models import Competitor, ExpertRole, User

__all__ = ["ROLES", "client_as", "make_role_users"]


def make_role_users(app) -> dict[str, int]:
    """One account per role in the demo database; returns role -> user id.

    The chief is the chief expert of skill 10 (Welding); the expert marks skill 10 too."""
    from competition.auth.service import add_user

    ids: dict[str, int] = {}
    with app.app_context():
        with write_transaction() as session:
            roles = session.execute(
                sa.select(ExpertRole).join(ExpertRole.skill).where(
                    sa.text("skill.code = '10'"))
            ).scalars().all()
            chief = next(r.expert for r in roles if r.role == "chief")
            expert = next(r.expert for r in roles if r.role == "expert")
            competitor = session.execute(
                sa.select(Competitor).order_by(Competitor.id).limit(1)).scalar_one()
            links = {"chief": {"expert": chief}, "expert": {"expert": expert},
                     "competitor": {"competitor": competitor}}
            for role in ROLES[1:]:
                user = add_user(f"as-{role}", role, "password-for-tests", **links.get(role, {}))
                session.flush()
                ids[role] = user.id
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

