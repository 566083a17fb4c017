"""skill.scheme_version: what judging checks marks against, versioned for its cache

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 11:12:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('skill', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scheme_version', sa.Integer(), server_default='0',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('skill', schema=None) as batch_op:
        batch_op.drop_column('scheme_version')
