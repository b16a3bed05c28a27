"""Sign-ins kept on the server, so that signing out or an admin can end one

Revision ID: d2a7c4e1f903
Revises: b5d20e6f3a71
Create Date: 2026-12-06 05:10:00

Sessions opened before this revision named the user, not a sign-in: they are not found any
more, and those users sign in once again (records waiting on their devices stay there).
"""
from alembic import op
import sqlalchemy as sa


revision = 'd2a7c4e1f903'
down_revision = 'b5d20e6f3a71'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sign_in',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_agent', sa.String(length=300), nullable=True),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_sign_in_user_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_sign_in_token_hash')),
    )
    with op.batch_alter_table('sign_in', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('sign_in', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_user_id'))
    op.drop_table('sign_in')
