"""The same Alembic migrations build the schema on SQLite and on PostgreSQL, and match the
models exactly (a model change without its migration fails here)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from competition.extensions import db


def _differences(engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"render_as_batch": True})
        return compare_metadata(context, db.metadata)


def test_migrations_match_the_models(db_app):
    with db_app.app_context():
        assert _differences(db.engine) == []


def test_migrations_go_down_and_up_again(db_app):
    with db_app.app_context():
        downgrade(revision="base")
        tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"championship", "skill", "aspect", "mark", "mark_revision", "sign_off",
                "award", "document", "user_account", "api_token"} <= tables
        assert _differences(db.engine) == []
