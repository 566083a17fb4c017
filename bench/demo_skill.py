"""What the document benchmarks share: a fresh SQLite database with the demo championship, and a
skill topped up to N active competitors."""

from __future__ import annotations

import sqlalchemy as sa

from competition import create_app
from competition.models import Competitor, Skill


def demo_app(folder: str):
    """The app on a new database in `folder`, migrated, the demo loaded."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db",
                      "INSTANCE_PATH": folder, "SECRET_KEY": "bench"})
    with app.app_context():
        from flask_migrate import upgrade

        from competition.registry.demo import load_demo

        upgrade()
        load_demo()
    return app


def top_up(session, code: str, competitors: int) -> Skill:
    """Skill `code` with at least `competitors` active competitors (in the caller's write
    transaction); new ones come from the first competitor's organization."""
    skill = session.execute(sa.select(Skill).where(Skill.code == code)).scalar_one()
    have = session.execute(sa.select(Competitor).where(
        Competitor.skill_id == skill.id, Competitor.status != "withdrawn")).scalars().all()
    for number in range(len(have), competitors):
        session.add(Competitor(skill_id=skill.id, code=f"9{number:02d}",
                               name_ru=f"Конкурсант {number}", name_kk=f"Қатысушы {number}",
                               name_en=f"Competitor {number}",
                               organization_id=have[0].organization_id, status="active"))
    return skill
