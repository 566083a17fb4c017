"""screen: the hall's screens and what each shows (skill, rotation, medals, message, ceremony)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 13:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('screen',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('championship_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=True),
    sa.Column('skills', sa.JSON(), nullable=False),
    sa.Column('rotation_seconds', sa.Integer(), nullable=False),
    sa.Column('message_ru', sa.Text(), nullable=False),
    sa.Column('message_kk', sa.Text(), nullable=False),
    sa.Column('message_en', sa.Text(), nullable=False),
    sa.Column('ceremony_skill_id', sa.Integer(), nullable=True),
    sa.Column('ceremony_order', sa.String(length=8), nullable=False),
    sa.Column('ceremony_step', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("mode IN ('skill', 'rotation', 'medals', 'message', 'ceremony')",
                       name=op.f('ck_screen_mode')),
    sa.CheckConstraint("ceremony_order IN ('rank', 'medal')",
                       name=op.f('ck_screen_ceremony_order')),
    sa.CheckConstraint('ceremony_step >= 0', name=op.f('ck_screen_ceremony_step')),
    sa.CheckConstraint('rotation_seconds >= 5', name=op.f('ck_screen_rotation_seconds')),
    sa.ForeignKeyConstraint(['championship_id'], ['championship.id'],
                            name=op.f('fk_screen_championship_id_championship'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f('fk_screen_skill_id_skill'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ceremony_skill_id'], ['skill.id'],
                            name=op.f('fk_screen_ceremony_skill_id_skill'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screen')),
    sa.UniqueConstraint('championship_id', 'name', name=op.f('uq_screen_championship_id_name')),
    sa.UniqueConstraint('key', name=op.f('uq_screen_key'))
    )


def downgrade():
    op.drop_table('screen')
