"""Extension objects, created unbound so every module can import them without cycles."""

import sqlalchemy as sa
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic migrations read the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
# How long SQLite waits for another connection's write lock (set on every connection, __init__.py).
SQLITE_BUSY_TIMEOUT_MS = 10000
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()


@compiles(sa.Table, "sqlite")
def _sqlite_table_with_index_hint(table, compiler, **kw):
    """Let ``select(...).with_hint(table, "INDEXED BY ix_…", "sqlite")`` reach SQLite, whose
    SQLAlchemy dialect drops table hints. Used where SQLite's planner, at a million records,
    picked the (agency, time) index and sorted or read the table, when an index made for the
    query answers it without (the follow-up cards, a download's pages: docs/PERFORMANCE.md)."""
    text = compiler.visit_table(table, **kw)
    hint = (kw.get("fromhints") or {}).get(table)
    return f"{text} {hint}" if hint and kw.get("asfrom") else text


def indexed_by(query: sa.Select, table: sa.Table, index: str) -> sa.Select:
    """``query`` reading ``table`` through ``index`` on SQLite (other databases plan alone)."""
    return query.with_hint(table, f"INDEXED BY {index}", "sqlite")
