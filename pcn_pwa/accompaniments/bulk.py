"""Inserting many rows at once, as cheaply as the driver allows (the sync push's new records).

SQLAlchemy's ``executemany`` rebuilds each row's parameters through its general machinery
(defaults, name escaping, processor lookups), for every row of the four tables a push writes
(29 against 24 µs an accompaniment row, docs/PERFORMANCE.md). Here the INSERT is compiled once
per table, dialect and set of columns, each column's own bind processor is taken from its type
once, and rows become the driver's parameters in one tight loop. The values stored are exactly
the ones SQLAlchemy would store: the same compiled statement, the same type processors.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterable

import sqlalchemy as sa


@dataclass(frozen=True)
class InsertPlan:
    """A compiled INSERT and how to turn a row (a dict) into the driver's parameters."""

    sql: str
    keys: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    positional: bool

    def parameters(self, rows: Iterable[dict]) -> list:
        """Driver parameters for ``rows``: tuples for ``?`` styles, dicts for named styles."""
        steps = tuple(zip(self.keys, self.processors))
        if self.positional:
            return [tuple(row[key] if process is None else process(row[key]) for key, process in steps)
                    for row in rows]
        return [{key: row[key] if process is None else process(row[key]) for key, process in steps}
                for row in rows]


@lru_cache(maxsize=64)
def insert_plan(table: sa.Table, dialect: sa.Dialect, keys: tuple[str, ...]) -> InsertPlan:
    """Compile ``INSERT INTO table (keys…)`` for ``dialect`` (once: plans are cached)."""
    unknown = set(keys) - set(table.c.keys())
    if unknown:
        raise ValueError(f"{table.name} has no column {', '.join(sorted(unknown))}")
    compiled = sa.insert(table).compile(dialect=dialect, column_keys=list(keys))
    if compiled.insert_prefetch:  # defaults computed in Python are not applied here: give them
        missing = ", ".join(column.key for column in compiled.insert_prefetch)
        raise ValueError(f"insert into {table.name} must give {missing}")
    order = tuple(compiled.positiontup) if compiled.positiontup is not None else keys
    processors = tuple(table.c[key].type.dialect_impl(dialect).bind_processor(dialect) for key in order)
    return InsertPlan(compiled.string, order, processors, compiled.positiontup is not None)


def insert_many(connection: sa.Connection, table: sa.Table, rows: list[dict]) -> None:
    """Insert ``rows`` (dicts with the same keys, every column given) with one ``executemany``."""
    if not rows:
        return
    plan = insert_plan(table, connection.dialect, tuple(rows[0]))
    connection.exec_driver_sql(plan.sql, plan.parameters(rows))
