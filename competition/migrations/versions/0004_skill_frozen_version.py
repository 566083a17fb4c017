"""skill.frozen_version: the version whose standings a frozen board shows

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 12:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('skill', schema=None) as batch_op:
        batch_op.add_column(sa.Column('frozen_version', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('skill', schema=None) as batch_op:
        batch_op.drop_column('frozen_version')
