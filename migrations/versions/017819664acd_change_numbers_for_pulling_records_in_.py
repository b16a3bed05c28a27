"""Change numbers for pulling records in commit order

Revision ID: 017819664acd
Revises: 72305a3c2175
Create Date: 2026-11-26 06:50:36.393525

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '017819664acd'
down_revision = '72305a3c2175'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('change_counter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_counter'))
    )
    with op.batch_alter_table('accompaniment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('change_seq', sa.BigInteger(), nullable=True))

    # Records already stored get change numbers in the order they last changed.
    op.execute(
        """
        UPDATE accompaniment SET change_seq = (
            SELECT numbered.n FROM (
                SELECT id, ROW_NUMBER() OVER (ORDER BY updated_at, id) AS n FROM accompaniment
            ) AS numbered WHERE numbered.id = accompaniment.id
        )
        """
    )
    op.execute("INSERT INTO change_counter (id, value) SELECT 1, COALESCE(MAX(change_seq), 0) FROM accompaniment")

    with op.batch_alter_table('accompaniment', schema=None) as batch_op:
        batch_op.alter_column('change_seq', existing_type=sa.BigInteger(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_accompaniment_change_seq'), ['change_seq'])


def downgrade():
    with op.batch_alter_table('accompaniment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_accompaniment_change_seq'), type_='unique')
        batch_op.drop_column('change_seq')

    op.drop_table('change_counter')
