"""The translator role, and the languages assigned to each translator

Revision ID: b7e4d2a9c813
Revises: a9c1f7e3b250
Create Date: 2026-12-06 06:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b7e4d2a9c813'
down_revision = 'a9c1f7e3b250'
branch_labels = None
depends_on = None

OLD_ROLES = "role IN ('advisor', 'manager', 'partner', 'coordinator', 'admin')"
NEW_ROLES = "role IN ('advisor', 'manager', 'partner', 'coordinator', 'admin', 'translator')"


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_user_role'), NEW_ROLES)
    op.create_table(
        'translator_language',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('language_code', sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(['language_code'], ['language.code'],
                                name=op.f('fk_translator_language_language_code_language'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_translator_language_user_id_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'language_code', name=op.f('pk_translator_language')),
    )


def downgrade():
    op.drop_table('translator_language')
    op.execute("DELETE FROM \"user\" WHERE role = 'translator'")
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_user_role'), OLD_ROLES)
