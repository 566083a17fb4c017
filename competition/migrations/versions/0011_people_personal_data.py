"""people's personal data: birth date, IIN, consent to a full public name, confidential
disability and health note, eligibility exceptions, erasure; the championship's public names
and age rules, a skill's own age rules (docs/people.md)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 11:34:12

"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('championship', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_names', sa.String(length=8), server_default='full', nullable=False))
        batch_op.add_column(sa.Column('age_rules', sa.JSON(), nullable=True))
        batch_op.create_check_constraint(op.f('ck_championship_public_names'),
                                         "public_names IN ('full', 'short', 'code')")

    with op.batch_alter_table('competitor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('birth_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('iin', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('name_consent', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('disability', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('health_note', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('eligibility_exception', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('expert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('skill', schema=None) as batch_op:
        batch_op.add_column(sa.Column('age_rules', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('skill', schema=None) as batch_op:
        batch_op.drop_column('age_rules')

    with op.batch_alter_table('expert', schema=None) as batch_op:
        batch_op.drop_column('erased_at')

    with op.batch_alter_table('competitor', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
        batch_op.drop_column('eligibility_exception')
        batch_op.drop_column('health_note')
        batch_op.drop_column('disability')
        batch_op.drop_column('name_consent')
        batch_op.drop_column('iin')
        batch_op.drop_column('birth_date')

    with op.batch_alter_table('championship', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_championship_public_names'), type_='check')
        batch_op.drop_column('age_rules')
        batch_op.drop_column('public_names')
