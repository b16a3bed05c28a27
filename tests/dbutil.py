"""Fresh, throw-away databases for tests that need an empty one (migrations, a live server)."""

import os
import sqlite3
import uuid
from contextlib import closing, contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from pcn_pwa.config import normalise_database_url


def suite_database_url(tmp_dir: str) -> str:
    """The database the suite runs on: ``TEST_DATABASE_URL`` (PostgreSQL in CI), else SQLite."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return normalise_database_url(url)
    return "sqlite:///" + os.path.join(tmp_dir, "test.sqlite3")


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


@contextmanager
def fresh_database(base_url: str, tmp_dir: str, copy_of: str | None = None):
    """Yield the URL of a new database of the same kind as ``base_url``, dropped afterwards:
    empty, or a copy of the database at ``copy_of`` (which nothing may be connected to)."""
    if not is_postgres(base_url):
        path = os.path.join(tmp_dir, f"fresh-{uuid.uuid4().hex[:8]}.sqlite3")
        if copy_of:  # SQLite's backup API: the whole database, whatever still sits in its WAL
            with closing(sqlite3.connect(make_url(copy_of).database)) as source, closing(sqlite3.connect(path)) as copy:
                source.backup(copy)
        yield "sqlite:///" + path
        return
    name = f"pcn_test_{uuid.uuid4().hex[:12]}"
    template = f' TEMPLATE "{make_url(copy_of).database}"' if copy_of else ""
    admin = sa.create_engine(make_url(base_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"{template}'))
    try:
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
