"""Drop the unused index on accompaniment.updated_at

No query uses it (pulling goes by change_seq) and every inserted record paid for it
(docs/PERFORMANCE.md).

Revision ID: 5b1d0c9e7a21
Revises: 017819664acd
Create Date: 2026-11-29 09:05:00

"""
from alembic import op


revision = '5b1d0c9e7a21'
down_revision = '017819664acd'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('accompaniment', schema=None) as batch_op:
        batch_op.drop_index('ix_accompaniment_updated')


def downgrade():
    with op.batch_alter_table('accompaniment', schema=None) as batch_op:
        batch_op.create_index('ix_accompaniment_updated', ['updated_at'], unique=False)
