"""The figures' journal: writers journal their changes to the tallies, folded in later

Revision ID: d9f4c2a7e613
Revises: b7e4d2a9c813
Create Date: 2026-12-06 05:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd9f4c2a7e613'
down_revision = 'b7e4d2a9c813'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'figure_tally_pending',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('span', sa.String(length=1), nullable=False),
        sa.Column('period', sa.Date(), nullable=False),
        sa.Column('agency_code', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('partners', sa.String(length=400), nullable=False),
        sa.Column('records', sa.BigInteger(), nullable=False),
        sa.Column('people', sa.BigInteger(), nullable=False),
        sa.Column('minutes', sa.BigInteger(), nullable=False),
        sa.Column('returning_visits', sa.BigInteger(), nullable=False),
        sa.Column('counts', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_figure_tally_pending')),
    )


def downgrade():
    # Fold what is still journalled before the journal goes, so the tallies lose nothing.
    from pcn_pwa.accompaniments import tally

    while tally.fold(op.get_bind()):
        pass
    op.drop_table('figure_tally_pending')
