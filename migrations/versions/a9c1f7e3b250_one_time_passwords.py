"""One-time passwords: a user given one by an admin sets their own at first sign-in

Revision ID: a9c1f7e3b250
Revises: f3b8e2d5a614
Create Date: 2026-12-06 05:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a9c1f7e3b250'
down_revision = 'f3b8e2d5a614'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
