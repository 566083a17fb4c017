"""fixed judging panels (seats per sub-criterion or aspect, substitutes per competitor) and
the marking forms and protocols kept when the chief signs off

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 08:25:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('marking_form',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('sub_criterion_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('locked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.CheckConstraint("kind IN ('marking_form', 'protocol')", name=op.f('ck_marking_form_kind')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_marking_form_version')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_marking_form_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f('fk_marking_form_skill_id_skill'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sub_criterion_id'], ['sub_criterion.id'], name=op.f('fk_marking_form_sub_criterion_id_sub_criterion'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_marking_form'))
    )
    with op.batch_alter_table('marking_form', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_marking_form_skill_id'), ['skill_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_marking_form_sub_criterion_id'), ['sub_criterion_id'], unique=False)

    op.create_table('panel_seat',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('sub_criterion_id', sa.Integer(), nullable=False),
    sa.Column('aspect_id', sa.Integer(), nullable=True),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['aspect_id'], ['aspect.id'], name=op.f('fk_panel_seat_aspect_id_aspect'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['expert_id'], ['expert.id'], name=op.f('fk_panel_seat_expert_id_expert'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f('fk_panel_seat_skill_id_skill'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sub_criterion_id'], ['sub_criterion.id'], name=op.f('fk_panel_seat_sub_criterion_id_sub_criterion'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_seat'))
    )
    with op.batch_alter_table('panel_seat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_seat_skill_id'), ['skill_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_panel_seat_sub_criterion_id'), ['sub_criterion_id'], unique=False)

    op.create_table('panel_substitute',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('sub_criterion_id', sa.Integer(), nullable=False),
    sa.Column('aspect_id', sa.Integer(), nullable=True),
    sa.Column('competitor_id', sa.Integer(), nullable=False),
    sa.Column('absent_expert_id', sa.Integer(), nullable=False),
    sa.Column('substitute_expert_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('absent_expert_id <> substitute_expert_id', name=op.f('ck_panel_substitute_someone_else')),
    sa.ForeignKeyConstraint(['absent_expert_id'], ['expert.id'], name=op.f('fk_panel_substitute_absent_expert_id_expert'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['aspect_id'], ['aspect.id'], name=op.f('fk_panel_substitute_aspect_id_aspect'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['competitor_id'], ['competitor.id'], name=op.f('fk_panel_substitute_competitor_id_competitor'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f('fk_panel_substitute_skill_id_skill'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sub_criterion_id'], ['sub_criterion.id'], name=op.f('fk_panel_substitute_sub_criterion_id_sub_criterion'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['substitute_expert_id'], ['expert.id'], name=op.f('fk_panel_substitute_substitute_expert_id_expert'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_substitute'))
    )
    with op.batch_alter_table('panel_substitute', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_substitute_skill_id'), ['skill_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_panel_substitute_sub_criterion_id'), ['sub_criterion_id'], unique=False)



def downgrade():
    with op.batch_alter_table('panel_substitute', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_substitute_sub_criterion_id'))
        batch_op.drop_index(batch_op.f('ix_panel_substitute_skill_id'))

    op.drop_table('panel_substitute')
    with op.batch_alter_table('panel_seat', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_seat_sub_criterion_id'))
        batch_op.drop_index(batch_op.f('ix_panel_seat_skill_id'))

    op.drop_table('panel_seat')
    with op.batch_alter_table('marking_form', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_marking_form_sub_criterion_id'))
        batch_op.drop_index(batch_op.f('ix_marking_form_skill_id'))

    op.drop_table('marking_form')
