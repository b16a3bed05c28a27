"""Backups taken while the app serves, and restoring one (``flask backup``, ``flask restore``).

SQLite: the library's online backup API copies the database page by page into a new file,
consistent as of one moment however many writers are at work (they wait a moment, nothing
fails). PostgreSQL: ``pg_dump`` (custom format) reads one snapshot while the app writes;
``pg_restore`` puts it back in one transaction.

Tablets keep a cursor: the last change number they pulled. After a restore the counter could
hand out again numbers a tablet has already passed, and that tablet would never pull those
changes; so a restore keeps the counter at the larger of the backup's value and the value
before restoring. On SQLite that happens in one step with the restore; on PostgreSQL just
after it, so stop the app while restoring a PostgreSQL backup (docs/deploy/README.md).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import tempfile
from contextlib import closing
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from .extensions import db
from .models import Accompaniment, ChangeCounter

# Tables every database of this app has: a file without them is not one of its backups.
REQUIRED_TABLES = ("accompaniment", "change_counter", "user", "agency")


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, in words for an admin."""


@dataclass
class Summary:
    path: str
    size: int
    records: int | None = None


def _sqlite_file(url) -> str | None:
    url = make_url(url)
    return url.database if url.get_backend_name() == "sqlite" else None


def _libpq_url(url) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str], env: dict | None = None) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=3600, env=env)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed: install PostgreSQL's client tools.") from None
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip() or done.returncode}")


def make(path: str) -> Summary:
    """Copy the app's database to ``path`` (a new file), consistently, while the app serves."""
    url = db.engine.url
    if os.path.exists(path):
        raise BackupError(f"{path} already exists: choose a new name (a backup never overwrites a file).")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise BackupError(f"{folder} is not a folder.")
    handle, partial = tempfile.mkstemp(prefix=".pcn-backup-", dir=folder)
    os.close(handle)
    try:
        if (live := _sqlite_file(url)) is not None:
            with closing(sqlite3.connect(live, timeout=60)) as source, closing(sqlite3.connect(partial)) as copy:
                source.backup(copy)
                records = copy.execute("SELECT count(*) FROM accompaniment").fetchone()[0]
        else:
            _run(["pg_dump", "--format=custom", "--no-owner", "--file", partial, _libpq_url(url)])
            records = None
        os.replace(partial, path)  # complete or absent: never half a backup under its name
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return Summary(path, os.path.getsize(path), records)


def check(path: str) -> None:
    """Refuse what is not a backup of this app's kind of database, before anything is touched."""
    if (live := _sqlite_file(db.engine.url)) is not None:
        try:
            with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as source:
                tables = {row[0] for row in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError:
            raise BackupError(f"{path} is not an SQLite database: not a backup made by flask backup.") from None
        if os.path.abspath(path) == os.path.abspath(live):
            raise BackupError(f"{path} is the app's own database.")
    else:
        try:
            done = subprocess.run(["pg_restore", "--list", path], capture_output=True, text=True, timeout=600)
        except FileNotFoundError:
            raise BackupError("pg_restore is not installed: install PostgreSQL's client tools.") from None
        if done.returncode != 0:
            raise BackupError(f"{path} is not a PostgreSQL backup made by flask backup (pg_dump's custom format).")
        tables = {line.split()[-2] for line in done.stdout.splitlines() if " TABLE " in line and "TABLE DATA" not in line}
    missing = [name for name in REQUIRED_TABLES if name not in tables]
    if missing:
        raise BackupError(f"{path} is not a backup of this app: it has no table {', '.join(missing)}.")


def restore(path: str) -> Summary:
    """Replace the app's database with the backup at ``path`` (checked first); the change
    counter stays at least where it was, so no tablet's cursor is ever ahead of it."""
    check(path)
    url = db.engine.url
    counter_before = db.session.scalar(sa.select(ChangeCounter.value).where(ChangeCounter.id == 1)) or 0
    db.session.remove()
    db.engine.dispose()  # this process holds no connection, hence no lock, while it restores
    if (live := _sqlite_file(url)) is not None:
        # The counter is raised in a copy first, so the live database goes from its state to
        # the backup's in one step (writers wait for the copy, then find the counter raised).
        with tempfile.TemporaryDirectory(dir=os.path.dirname(os.path.abspath(live))) as folder:
            staged = os.path.join(folder, "restore.sqlite3")
            with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as source, \
                    closing(sqlite3.connect(staged)) as copy:
                source.backup(copy)
                copy.execute("UPDATE change_counter SET value = max(value, ?) WHERE id = 1", (counter_before,))
                copy.commit()
                with closing(sqlite3.connect(live, timeout=60)) as target:
                    copy.backup(target)
    else:
        # Other connections' locks make pg_restore wait; a minute at most, then it fails whole.
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              "--dbname", _libpq_url(url), path], env={**os.environ, "PGOPTIONS": "-c lock_timeout=60s"})
        db.session.execute(sa.update(ChangeCounter).where(ChangeCounter.id == 1)
                           .values(value=sa.func.greatest(ChangeCounter.value, counter_before)))
        db.session.commit()
    records = db.session.scalar(sa.select(sa.func.count()).select_from(Accompaniment))
    return Summary(path, os.path.getsize(path), records)
