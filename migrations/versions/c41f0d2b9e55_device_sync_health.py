"""Device sync health: the app version a device runs, and since when records wait on it

Revision ID: c41f0d2b9e55
Revises: a3a27f13f1cc
Create Date: 2026-12-02 20:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c41f0d2b9e55'
down_revision = 'a3a27f13f1cc'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.add_column(sa.Column('app_version', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('pending_since', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.drop_column('pending_since')
        batch_op.drop_column('app_version')
