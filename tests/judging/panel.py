"""A skill's panel for judging tests: an account for each of its experts, and cells to mark."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from competition.database import write_transaction
from competition.extensions import db
from competition.models import Aspect, Competitor, Expert, ExpertRole, Skill, User

PASSWORD = "panel-password-for-tests"


def key() -> str:
    return str(uuid.uuid4())


@dataclass
class Panel:
    skill: str
    judges: dict[str, int]  # expert code -> user id
    j_aspect: str
    m_aspect: str
    m_values: list[str]
    competitor: str  # a competitor none of the first three judges is a compatriot of
    compatriots: dict[str, str]  # expert code -> a competitor of the expert's organization

    def user(self, code: str) -> User:
        return db.session.get(User, self.judges[code])

    @property
    def codes(self) -> list[str]:
        return list(self.judges)


def make_panel(app, skill_code: str = "10") -> Panel:
    """Accounts (login `judge-<code>`) for the skill's experts, in one write transaction."""
    from competition.auth.service import add_user

    with app.app_context():
        with write_transaction() as session:
            skill = session.execute(sa.select(Skill).where(Skill.code == skill_code)).scalar_one()
            roles = session.execute(
                sa.select(ExpertRole).join(Expert).where(ExpertRole.skill_id == skill.id)
                .order_by(Expert.code)
            ).scalars().all()
            competitors = session.execute(
                sa.select(Competitor).where(Competitor.skill_id == skill.id,
                                            Competitor.status == "active")
                .order_by(Competitor.code)
            ).scalars().all()
            judges: dict[str, int] = {}
            compatriots: dict[str, str] = {}
            for role in roles:
                expert = role.expert
                user = add_user(f"judge-{expert.code.lower()}", "chief" if role.role == "chief"
                                else "expert", PASSWORD, expert=expert)
                session.flush()
                judges[expert.code] = user.id
                mine = [c for c in competitors if expert.organization_id is not None
                        and c.organization_id == expert.organization_id]
                if mine:
                    compatriots[expert.code] = mine[0].code
            # The first three judges with no compatriot among one competitor: the test cell.
            experts = {r.expert.code: r.expert for r in roles}
            free = [code for code in judges if code not in compatriots]
            chosen = free[:3] + [c for c in judges if c not in free][:max(0, 3 - len(free))]
            order = chosen + [c for c in judges if c not in chosen]
            competitor = next(
                c for c in competitors
                if all(experts[code].organization_id != c.organization_id for code in chosen)
            )
            aspects = session.execute(
                sa.select(Aspect).where(Aspect.skill_id == skill.id).order_by(Aspect.code)
            ).scalars().all()
            j_aspect = next(a for a in aspects if a.type == "J")
            m_aspect = next(a for a in aspects if a.type == "M" and len(a.allowed()) > 2) \
                if any(a.type == "M" and len(a.allowed()) > 2 for a in aspects) \
                else next(a for a in aspects if a.type == "M")
            values = [format(v, "f") for v in m_aspect.allowed()]
            panel = Panel(skill_code, {code: judges[code] for code in order}, j_aspect.code,
                          m_aspect.code, values, competitor.code, compatriots)
    return panel
