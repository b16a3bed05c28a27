"""Card summaries: each follow-up card's span and first and last stated autonomy

Revision ID: b5d20e6f3a71
Revises: e7b3a9d2c410
Create Date: 2026-12-03 13:10:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'b5d20e6f3a71'
down_revision = 'e7b3a9d2c410'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('card_summary',
                    sa.Column('card', sa.String(length=16), nullable=False),
                    sa.Column('visits', sa.BigInteger(), nullable=False),
                    sa.Column('first_at', sa.DateTime(), nullable=False),
                    sa.Column('last_at', sa.DateTime(), nullable=False),
                    sa.Column('stated', sa.BigInteger(), nullable=False),
                    sa.Column('first_autonomy', sa.String(length=24), nullable=True),
                    sa.Column('last_autonomy', sa.String(length=24), nullable=True),
                    sa.PrimaryKeyConstraint('card', name=op.f('pk_card_summary')))

    from pcn_pwa.accompaniments import card_summary

    card_summary.rebuild(op.get_bind())


def downgrade():
    op.drop_table('card_summary')
