"""Records erased on a person's request keep a mark, so no later write brings their data back

Revision ID: e1a5c3f7b902
Revises: d9f4c2a7e613
Create Date: 2026-12-06 09:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e1a5c3f7b902'
down_revision = 'd9f4c2a7e613'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('accompaniment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('accompaniment', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
