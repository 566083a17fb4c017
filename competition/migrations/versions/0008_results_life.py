"""results after the marks: sanctions (penalties, disqualifications), appeals, the appeal
window of a championship, when a skill was published, and the status 'disqualified'

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 07:21:35

"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

STATUSES = ('active', 'guest', 'withdrawn', 'disqualified')


def _statuses(keys) -> str:
    return f"status IN ({', '.join(repr(k) for k in keys)})"


def upgrade():
    op.create_table('appeal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('competitor_id', sa.Integer(), nullable=False),
    sa.Column('aspects', sa.String(length=500), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('on_paper', sa.Boolean(), nullable=False),
    sa.Column('lodged_by_id', sa.Integer(), nullable=True),
    sa.Column('lodged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(state = 'open') = (decided_at IS NULL)", name=op.f('ck_appeal_decided_when_closed')),
    sa.CheckConstraint("state IN ('open', 'rejected', 'upheld')", name=op.f('ck_appeal_state')),
    sa.ForeignKeyConstraint(['competitor_id'], ['competitor.id'], name=op.f('fk_appeal_competitor_id_competitor'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_appeal_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lodged_by_id'], ['user_account.id'], name=op.f('fk_appeal_lodged_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f('fk_appeal_skill_id_skill'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal'))
    )
    with op.batch_alter_table('appeal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeal_competitor_id'), ['competitor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeal_skill_id'), ['skill_id'], unique=False)

    op.create_table('sanction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competitor_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('points', sa.Numeric(precision=10, scale=4), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("(kind = 'penalty' AND points IS NOT NULL AND points > 0) OR (kind = 'disqualification' AND points IS NULL)", name=op.f('ck_sanction_points')),
    sa.CheckConstraint("kind IN ('penalty', 'disqualification')", name=op.f('ck_sanction_kind')),
    sa.ForeignKeyConstraint(['by_id'], ['user_account.id'], name=op.f('fk_sanction_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['competitor_id'], ['competitor.id'], name=op.f('fk_sanction_competitor_id_competitor'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['user_account.id'], name=op.f('fk_sanction_withdrawn_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sanction'))
    )
    with op.batch_alter_table('sanction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sanction_competitor_id'), ['competitor_id'], unique=False)

    with op.batch_alter_table('championship', schema=None) as batch_op:
        batch_op.add_column(sa.Column('appeal_minutes', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            'appeal_minutes', 'appeal_minutes IS NULL OR appeal_minutes >= 0')

    with op.batch_alter_table('competitor', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_competitor_status'), type_='check')
        batch_op.create_check_constraint('status', _statuses(STATUSES))

    with op.batch_alter_table('skill', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_at', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('skill', schema=None) as batch_op:
        batch_op.drop_column('published_at')

    with op.batch_alter_table('competitor', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_competitor_status'), type_='check')
        batch_op.create_check_constraint('status', _statuses(STATUSES[:-1]))

    with op.batch_alter_table('championship', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_championship_appeal_minutes'), type_='check')
        batch_op.drop_column('appeal_minutes')

    with op.batch_alter_table('sanction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sanction_competitor_id'))

    op.drop_table('sanction')
    with op.batch_alter_table('appeal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeal_skill_id'))
        batch_op.drop_index(batch_op.f('ix_appeal_competitor_id'))

    op.drop_table('appeal')
