"""Who is marking (competition/judging/callers.py): a Socket.IO caller's account is checked
inside the mark's own transaction. On PostgreSQL, once the process knows the skill, the
statement that moves the skill's version reads the account too; a caller it refuses moves
nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from competition.auth.sockets import Caller
from competition.errors import Refused
from competition.extensions import db
from competition.judging import service
from competition.models import Mark, Skill
from tests.helpers import statements_during

from .panel import key, make_panel


def _version() -> int:
    return db.session.execute(sa.select(Skill.version).where(Skill.code == "10")).scalar_one()


def test_a_caller_refused_by_the_mark_s_first_statement_moves_nothing(demo_app):
    panel = make_panel(demo_app)
    judge = panel.codes[0]
    values = panel.m_values
    with demo_app.test_request_context():
        user = panel.user(judge)
        user_id, session_version = user.id, user.session_version
        caller = Caller(user_id, session_version, None)
        mark = {"skill": "10", "aspect": panel.m_aspect, "competitor": panel.competitor}
        first = service.record_mark(caller, mark | {"id": key(), "value": values[0]})
        assert first.created
        version = _version()
        db.session.remove()

        stale = Caller(user_id, session_version + 1, None)  # logged out meanwhile

        def refused():
            with pytest.raises(Refused) as caught:
                service.record_mark(stale, mark | {"id": key(), "value": values[1],
                                                   "base": first.mark["revision"]})
            assert caught.value.code == "unauthenticated"

        # (the live standings' broadcast of the first mark may read meanwhile: not the account)
        statements = [statement for statement in statements_during(db.engine, refused)
                      if "user_account" in statement]
        db.session.remove()
        assert _version() == version
        assert db.session.execute(sa.select(Mark.value, Mark.revision).where(
            Mark.version == first.mark["version"])).one().revision == 1
        assert len(statements) == 1, statements  # the account read once
        if db.engine.dialect.name == "postgresql":  # by the statement that moves the version
            assert statements[0].startswith("UPDATE skill"), statements

        again = service.record_mark(caller, mark | {"id": key(), "value": values[1],
                                                    "base": first.mark["revision"]})
        assert again.created and again.mark["version"] == version + 1
