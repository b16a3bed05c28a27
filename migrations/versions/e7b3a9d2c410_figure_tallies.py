"""Figure tallies kept by the write path, an index for counting follow-up cards, one for downloads

The tallies are derived data: this migration counts every stored record into them, as
``flask figures rebuild`` does (pcn_pwa/accompaniments/tally.py).

Revision ID: e7b3a9d2c410
Revises: c41f0d2b9e55
Create Date: 2026-12-03 08:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e7b3a9d2c410'
down_revision = 'c41f0d2b9e55'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'figure_tally',
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
        sa.PrimaryKeyConstraint('span', 'period', 'agency_code', 'kind', 'partners', name=op.f('pk_figure_tally')),
    )
    op.create_index('ix_accompaniment_card_figures', 'accompaniment',
                    ['card', 'occurred_at', 'id', 'agency_code', 'kind', 'deleted', 'autonomy'], unique=False,
                    sqlite_where=sa.text('card IS NOT NULL'), postgresql_where=sa.text('card IS NOT NULL'))
    op.create_index('ix_accompaniment_occurred_id', 'accompaniment', ['occurred_at', 'id'], unique=False)

    from pcn_pwa.accompaniments import tally

    tally.rebuild(op.get_bind(), journal=False)  # its journal comes with a later migration


def downgrade():
    op.drop_index('ix_accompaniment_occurred_id', table_name='accompaniment')
    op.drop_index('ix_accompaniment_card_figures', table_name='accompaniment',
                  sqlite_where=sa.text('card IS NOT NULL'), postgresql_where=sa.text('card IS NOT NULL'))
    op.drop_table('figure_tally')
