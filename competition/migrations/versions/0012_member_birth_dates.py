"""team members' birth dates and consent to a full public name: each member is checked against
the age rules and named to the public as a competitor is (docs/people.md)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 17:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('competitor_member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('birth_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('name_consent', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('competitor_member', schema=None) as batch_op:
        batch_op.drop_column('name_consent')
        batch_op.drop_column('birth_date')
