"""The Alembic migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from pcn_pwa import create_app
from pcn_pwa.extensions import db

from .dbutil import fresh_database, suite_database_url


def test_migrations_match_the_models(tmp_path):
    with fresh_database(suite_database_url(str(tmp_path)), str(tmp_path)) as url:
        app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            with db.engine.connect() as connection:
                context = MigrationContext.configure(connection, opts={"compare_type": True})
                differences = compare_metadata(context, db.metadata)
            db.engine.dispose()
    assert differences == []


def test_create_app_does_not_touch_the_schema(tmp_path):
    with fresh_database(suite_database_url(str(tmp_path)), str(tmp_path)) as url:
        app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            import sqlalchemy as sa

            assert sa.inspect(db.engine).get_table_names() == []
            db.engine.dispose()
