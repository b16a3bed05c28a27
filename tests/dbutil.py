"""Fresh, throw-away databases for tests that need an empty one (migrations, a live server)."""

import os
import sqlite3
import uuid
from contextlib import closing, contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from pcn_pwa.config import normalise_database_url


def suite_database_url(tmp_dir: str) -> str:
    """The database the suite runs on: ``TEST_DATABASE_URL`` (PostgreSQL in CI), else SQLite.

    With several pytest-xdist workers, each works in a PostgreSQL database of its own, named after
    the suite's with the worker's id (tests build their schema in it: they would clash)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return "sqlite:///" + os.path.join(tmp_dir, "test.sqlite3")
    url = normalise_database_url(url)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and is_postgres(url):
        url = _worker_database(url, worker)
    return url


_worker_databases: dict[str, str] = {}


def _worker_database(url: str, worker: str) -> str:
    """The URL of this worker's own database, created (empty) on first use."""
    if url not in _worker_databases:
        name = f"{make_url(url).database}_{worker}"
        admin = sa.create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        _worker_databases[url] = make_url(url).set(database=name).render_as_string(hide_password=False)
    return _worker_databases[url]


def drop_worker_databases() -> None:
    """At the end of a worker's run: its own databases go."""
    for base, own in _worker_databases.items():
        admin = sa.create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{make_url(own).database}" WITH (FORCE)'))
        admin.dispose()
    _worker_databases.clear()


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def create_database(base_url: str, tmp_dir: str, copy_of: str | None = None) -> str:
    """The URL of a new database of the same kind as ``base_url``: empty, or a copy of the
    database at ``copy_of`` (which nothing may be connected to). ``drop_database`` removes it."""
    if not is_postgres(base_url):
        path = os.path.join(tmp_dir, f"fresh-{uuid.uuid4().hex[:8]}.sqlite3")
        if copy_of:  # SQLite's backup API: the whole database, whatever still sits in its WAL
            with closing(sqlite3.connect(make_url(copy_of).database)) as source, closing(sqlite3.connect(path)) as copy:
                source.backup(copy)
        return "sqlite:///" + path
    name = f"pcn_test_{uuid.uuid4().hex[:12]}"
    template = f' TEMPLATE "{make_url(copy_of).database}"' if copy_of else ""
    _administer(base_url, f'CREATE DATABASE "{name}"{template}')
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Remove a database made by ``create_database`` (a SQLite file goes with its directory)."""
    if is_postgres(url):
        _administer(url, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def _administer(url: str, statement: str) -> None:
    admin = sa.create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(statement))
    finally:
        admin.dispose()


@contextmanager
def fresh_database(base_url: str, tmp_dir: str, copy_of: str | None = None):
    """Yield the URL of a new database (``create_database``), dropped afterwards."""
    url = create_database(base_url, tmp_dir, copy_of)
    try:
        yield url
    finally:
        drop_database(url)
