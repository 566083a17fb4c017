"""login attempts: the 'device' kind (attempts of a browser known to the account)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 16:00:00

The table holds only the attempts of the last 24 hours, used for rate limits, so it is made
anew with the wider check instead of altering a constraint (which SQLite cannot do in place).
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def _create(kinds: str) -> None:
    op.create_table('login_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(f"kind IN ({kinds})", name=op.f('ck_login_attempt_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempt'))
    )
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_attempt_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempt_key'), ['key'], unique=False)


def _drop() -> None:
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempt_key'))
        batch_op.drop_index(batch_op.f('ix_login_attempt_at'))
    op.drop_table('login_attempt')


def upgrade():
    _drop()
    _create("'login', 'device', 'address'")


def downgrade():
    _drop()
    _create("'login', 'address'")
