"""One row per follow-up card, kept by the one write path: its records' span and its first and
last stated autonomy.

A card's progress is not a sum (first against last), so it cannot be tallied like the other
figures; but most scopes hold the whole history of most cards (the pilot's year, « depuis le
début du pilote »), and for those the card's row is its answer. At a million records the year's
cards read this way in one pass over ~40,000 rows instead of ~160,000 card visits. Cards whose
history crosses the scope's edges are counted from their records (figures/counting.py).

Whenever a writer touches a card (new record, edit, card or time changed, deletion, restore),
the card's row is computed again from its records, under the change counter's lock, like the
tallies.
"""

from __future__ import annotations

from typing import Iterable

import sqlalchemy as sa

from ..models import Accompaniment, CardSummary

CARD_INDEX = "ix_accompaniment_card_figures"
# On SQLite a card's first and last stated autonomy are the smallest and largest of the text
# occurred_at || id || autonomy (fixed widths: 26 characters of UTC time, 32 of id).
_SQLITE_AUTONOMY_AT = len("2026-03-01 22:41:07.250000") + 32 + 1


def autonomy_ends(dialect: str):
    """``(first, last)``: SQL aggregates of a card's first and last stated autonomy (by
    occurred_at, then id), in one GROUP BY pass: ordered aggregates on PostgreSQL, min/max of a
    fixed-width text on SQLite (a window function over the same rows took four times as long)."""
    record = Accompaniment.__table__.c
    stated = record.autonomy.isnot(None)
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by

        def at(order):
            ordered = sa.func.array_agg(aggregate_order_by(record.autonomy, *order)).filter(stated)
            return sa.type_coerce(ordered, ARRAY(sa.String))[1]

        return at((record.occurred_at, record.id)), at((record.occurred_at.desc(), record.id.desc()))
    key = sa.case((stated, sa.cast(record.occurred_at, sa.Text).op("||")(sa.cast(record.id, sa.Text))
                   .op("||")(record.autonomy)))
    return (sa.func.substr(sa.func.min(key), _SQLITE_AUTONOMY_AT),
            sa.func.substr(sa.func.max(key), _SQLITE_AUTONOMY_AT))


def per_card(connection: sa.Connection, *conditions) -> sa.Select:
    """Per card among the records meeting ``conditions``: card, visits, first and last time,
    records stating an autonomy, first and last autonomy — read from the cards' index."""
    from ..extensions import indexed_by

    record = Accompaniment.__table__
    first, last = autonomy_ends(connection.dialect.name)
    query = (sa.select(record.c.card, sa.func.count().label("visits"),
                       sa.func.min(record.c.occurred_at).label("first_at"),
                       sa.func.max(record.c.occurred_at).label("last_at"),
                       sa.func.count(record.c.autonomy).label("stated"),
                       first.label("first_autonomy"), last.label("last_autonomy"))
             .where(*conditions, record.c.card.isnot(None)).group_by(record.c.card))
    return indexed_by(query, record, CARD_INDEX)


def _fill(connection: sa.Connection, *conditions) -> None:
    columns = ["card", "visits", "first_at", "last_at", "stated", "first_autonomy", "last_autonomy"]
    connection.execute(sa.insert(CardSummary.__table__).from_select(
        columns, per_card(connection, ~Accompaniment.__table__.c.deleted, *conditions)))


def refresh(connection: sa.Connection, cards: Iterable[str | None]) -> None:
    """Compute the rows of ``cards`` again from their records (the caller holds the change
    counter's lock and has flushed the records)."""
    wanted = sorted({card for card in cards if card})
    table, record = CardSummary.__table__, Accompaniment.__table__
    for start in range(0, len(wanted), 500):
        some = wanted[start:start + 500]
        connection.execute(sa.delete(table).where(table.c.card.in_(some)))
        _fill(connection, record.c.card.in_(some))


def rebuild(connection: sa.Connection) -> None:
    """Every card's row anew (a migration, ``flask figures rebuild``)."""
    connection.execute(sa.delete(CardSummary.__table__))
    _fill(connection)
