"""aspect kinds: how an expert enters a measurement aspect's mark (a list of marks, a
deduction per error, labelled levels, yes/no) and the kind's parameters

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 11:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('aspect', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='marks',
                                      nullable=False))
        batch_op.add_column(sa.Column('kind_params', sa.JSON(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_aspect_kind'), "kind IN ('marks', 'deduction', 'discrete', 'binary')")
        batch_op.create_check_constraint(
            op.f('ck_aspect_kind_measurement'), "type = 'M' OR kind = 'marks'")


def downgrade():
    with op.batch_alter_table('aspect', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_aspect_kind_measurement'), type_='check')
        batch_op.drop_constraint(op.f('ck_aspect_kind'), type_='check')
        batch_op.drop_column('kind_params')
        batch_op.drop_column('kind')
