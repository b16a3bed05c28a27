"""Languages and uploaded catalogues

Revision ID: a3a27f13f1cc
Revises: 5b1d0c9e7a21
Create Date: 2026-11-29 09:06:27.536532

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3a27f13f1cc'
down_revision = '5b1d0c9e7a21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('catalogue_generation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_generation'))
    )
    op.create_table('language',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('native_name', sa.String(length=80), nullable=False),
    sa.Column('french_name', sa.String(length=80), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('catalogue_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_language'))
    )
    op.create_table('catalogue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('language_code', sa.String(length=16), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('accepted', sa.Boolean(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('plural_forms', sa.String(length=300), nullable=True),
    sa.Column('messages', sa.JSON(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('refused', sa.JSON(), nullable=False),
    sa.Column('translated', sa.Integer(), nullable=False),
    sa.Column('fuzzy', sa.Integer(), nullable=False),
    sa.Column('untranslated', sa.Integer(), nullable=False),
    sa.Column('unknown', sa.Integer(), nullable=False),
    sa.Column('template_size', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['language_code'], ['language.code'], name=op.f('fk_catalogue_language_code_language')),
    sa.ForeignKeyConstraint(['published_by_id'], ['user.id'], name=op.f('fk_catalogue_published_by_id_user')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_catalogue_uploaded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue'))
    )
    with op.batch_alter_table('catalogue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalogue_language_code'), ['language_code'], unique=False)
    # The two tables point at each other: the language's published catalogue comes last.
    with op.batch_alter_table('language', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_language_catalogue_id_catalogue', 'catalogue', ['catalogue_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('language', schema=None) as batch_op:
        batch_op.drop_constraint('fk_language_catalogue_id_catalogue', type_='foreignkey')
    with op.batch_alter_table('catalogue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalogue_language_code'))

    op.drop_table('catalogue')
    op.drop_table('language')
    op.drop_table('catalogue_generation')
