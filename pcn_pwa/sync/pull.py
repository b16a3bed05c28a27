"""Pulling records: the changes a tablet has not seen, oldest change first.

Every tablet of an agency pulls every record of that agency, so each change is sent as many
times as the agency has tablets; with ten tablets an agency, nine of every ten items a server
sends were already sent to someone else. An item of the answer depends only on the record's
change (``change_seq``: every stored change takes a new number), never on who asks, so each
worker keeps the JSON of the items it sent lately, and a pull reads only the ids and change
numbers of its page, then the whole rows of the items it has not kept.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict

import sqlalchemy as sa

from ..accompaniments.access import readable
from ..accompaniments.tally import link_codes
from ..extensions import db
from ..models import Accompaniment, User


class ItemCache:
    """The JSON of the last ``size`` items sent, by record id, change number and time of the
    change (a database restored or made anew can hand out a change number again, never at the
    same microsecond); shared by a worker's threads."""

    def __init__(self, size: int = 20_000):
        self.size, self.items, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key) -> str | None:
        with self.lock:
            item = self.items.get(key)
            if item is not None:
                self.items.move_to_end(key)
            return item

    def put(self, key, item: str) -> None:
        with self.lock:
            self.items[key] = item
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


items = ItemCache()


def _item_json(row, links: dict) -> str:
    from .routes import iso_utc

    codes = {"partners": links.get("partner"), "procedures": links.get("procedure"), "topics": links.get("topic")}
    return json.dumps({"id": str(row.id), "version": row.version, "data": Accompaniment.data_of(row, codes),
                       "updated_at": iso_utc(row.updated_at), "deleted": row.deleted},
                      ensure_ascii=False, separators=(",", ":"))


def page(user: User, since: int, limit: int) -> tuple[list[str], int, bool]:
    """The JSON items of the next page after ``since`` that ``user`` may read, the page's
    cursor and whether more follow."""
    table, connection = Accompaniment.__table__, db.session.connection()
    heads = connection.execute(
        readable(user, sa.select(table.c.id, table.c.change_seq, table.c.updated_at))
        .where(table.c.change_seq > since).order_by(table.c.change_seq).limit(limit + 1)).all()
    more = len(heads) > limit
    heads = heads[:limit]
    sent = {}
    for head in heads:
        if (item := items.get(tuple(head))) is not None:
            sent[head.id] = item
    missing = [head.id for head in heads if head.id not in sent]
    if missing:
        links = link_codes(connection, missing)
        for row in connection.execute(sa.select(table).where(table.c.id.in_(missing))):
            # A record changed again since its head was read is sent as it is now (and again
            # in a later page, under its new change number).
            sent[row.id] = _item_json(row, links.get(row.id, {}))
            items.put((row.id, row.change_seq, row.updated_at), sent[row.id])
    return [sent[head.id] for head in heads], heads[-1].change_seq if heads else since, more
