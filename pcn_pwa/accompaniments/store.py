"""Writing accompaniments: create, change over a known version, soft delete and restore.

Every entry point writes through here (the form, the sync API, the demo seed), so versions,
change numbers and authorship follow one rule: every stored change raises ``version`` by one,
takes the next change number and records who made it.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import g

from ..extensions import db
from ..models import (
    Accompaniment,
    ChangeCounter,
    User,
    accompaniment_partner,
    accompaniment_procedure,
    accompaniment_topic,
    utcnow,
)
from . import card_summary, fields, tally
from .fields import FIELDS
from .bulk import insert_many


def _ensure_counter() -> None:
    """Create the counter row if this database has none yet (safe when several writers race)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(ChangeCounter).values(id=1, value=0).on_conflict_do_nothing())


def lock_changes(reserve: int = 0) -> int:
    """Take the change counter's lock now, before reading what is about to be written; with
    ``reserve``, reserve that many change numbers in the same statement and return the first
    (a push reserves one per record it carries: a record that ends unchanged leaves a gap, which
    no reader minds, and the push saves a round trip while every other push waits for it).

    Every writer takes it, so a writer that checks a record's version after taking it knows
    nobody else can change that record before it commits (PostgreSQL; SQLite write requests
    hold the database's write lock from their first statement).
    """
    if reserve > 0:
        return reserve_changes(reserve)
    query = sa.select(ChangeCounter.value).where(ChangeCounter.id == 1).with_for_update()
    if db.session.execute(query).scalar_one_or_none() is None:
        _ensure_counter()
        db.session.execute(query)
    return 0


def reserve_changes(count: int) -> int:
    """Reserve ``count`` change numbers and return the first; the counter stays locked until commit.

    The lock makes change numbers follow commit order (see ChangeCounter): take it as late as
    possible in a transaction, just before writing.
    """
    if count <= 0:
        return 0
    update = sa.update(ChangeCounter).where(ChangeCounter.id == 1).values(value=ChangeCounter.value + count)
    counter = db.session.execute(update.returning(ChangeCounter.value)).scalar_one_or_none()
    if counter is None:
        _ensure_counter()
        counter = db.session.execute(update.returning(ChangeCounter.value)).scalar_one()
    return counter - count + 1


def link_rows(record_id: uuid.UUID, clean: dict) -> dict[sa.Table, list[dict]]:
    """The rows of the link tables for a new record (bulk inserts of the sync path)."""
    return {
        accompaniment_partner: [{"accompaniment_id": record_id, "partner_code": c} for c in clean.get("partners") or []],
        accompaniment_procedure: [
            {"accompaniment_id": record_id, "procedure_code": c} for c in clean.get("procedures") or []
        ],
        accompaniment_topic: [{"accompaniment_id": record_id, "topic_code": c} for c in clean.get("topics") or []],
    }


class StaleVersion(Exception):
    """The record moved on since the version the writer started from; nothing was written."""

    def __init__(self, record: Accompaniment):
        super().__init__(f"record {record.id} is at version {record.version}")
        self.record = record


def comparable(data: dict) -> dict:
    """A record's data in a form where equal meaning gives equal values (list order, time zone)."""
    from .judge import parse_datetime

    result = {}
    for key, value in data.items():
        if isinstance(value, dict):
            value = comparable(value)
        elif isinstance(value, list):
            value = sorted(value)
        elif key == "occurred_at" and isinstance(value, str):
            value = parse_datetime(value)
        result[key] = value
    return result


def data_of(clean: dict) -> dict:
    """A judged record back in the contract's shape (times on Nouméa's clock)."""
    from zoneinfo import ZoneInfo

    data = dict(clean)
    data["occurred_at"] = clean["occurred_at"].astimezone(ZoneInfo("Pacific/Noumea")).isoformat()
    data["beneficiary"] = dict(clean.get("beneficiary") or {})
    return data


# What an erasure on a person's request empties for good (privacy.py): the free text and the card.
ERASED_COLUMNS = ("notes", "procedure_detail", "card")
# What a record loses once its date is past the retention period (privacy.py).
RETAINED_COLUMNS = ("notes", "card")


def _paths_of(columns: tuple[str, ...]) -> frozenset[str]:
    return frozenset(field.path for field in FIELDS if field.column_name in columns)


_ERASED_PATHS, _RETAINED_PATHS = _paths_of(ERASED_COLUMNS), _paths_of(RETAINED_COLUMNS)


def keep_removed(record, clean: dict | None) -> dict | None:
    """``clean`` as it may be stored over ``record``: what data protection removed does not come
    back, whoever writes (a tablet's older copy, the advisor's « garder ma version » after the
    conflict it met, the form). A record erased at its person's request gets no notes, procedure
    detail or card again; a record dated before the retention period, no notes or card."""
    from ..privacy import retention_cutoff

    if clean is None:
        return clean
    paths = _ERASED_PATHS if getattr(record, "erased_at", None) is not None else frozenset()
    if "retention_cutoff" not in g:  # once a request, not twice for each record of a push
        g.retention_cutoff = retention_cutoff()
    if clean["occurred_at"] < g.retention_cutoff:
        paths |= _RETAINED_PATHS
    if not any(fields.get(clean, path) is not None for path in paths):
        return clean
    kept = {**clean, "beneficiary": dict(clean.get("beneficiary") or {})}
    for path in paths:
        fields.put(kept, path, None)
    return kept


def same_data(record: Accompaniment, clean: dict) -> bool:
    """Would storing ``clean`` over ``record`` change nothing?"""
    return comparable(record.to_data()) == comparable(clean)


def new_row(new: NewRecord, user_id: int, change_seq: int, device_id: uuid.UUID | None, now: datetime) -> dict:
    """The accompaniment row of a new record: the one row builder of every entry point."""
    row = Accompaniment.columns_from(new.clean)
    made = new.made_at or now
    row.update(id=new.id, version=new.version, change_seq=change_seq, deleted=new.deleted, created_by_id=user_id,
               updated_by_id=user_id, device_id=device_id, client_updated_at=new.client_updated_at,
               created_at=made, updated_at=made, received_at=new.received_at or now)
    return row


@dataclass
class NewRecord:
    """A record a ``Writer`` creates; written in bulk when the writer flushes."""

    id: uuid.UUID
    clean: dict
    version: int = 1
    deleted: bool = False
    client_updated_at: datetime | None = None
    made_at: datetime | None = None  # when it was made, if not now (demo data, imports)
    received_at: datetime | None = None

    @property
    def agency_code(self) -> str:
        return self.clean["agency"]

    def to_data(self) -> dict:
        return data_of(self.clean)


class Writer:
    """The one write path: every entry point (the form, a sync push, the demo seed) creates and
    changes records through a writer, so versions, change numbers and authorship follow one rule.

    New records go in with bulk inserts, changes through the ORM; ``flush`` hands out the change
    numbers in one block, under the change counter's lock (held until the caller commits),
    and keeps the figures: journals what each record adds to the tallies, less what a changed one
    used to add, and computes again the summary of every follow-up card it touched. The caller
    ends with ``commit()``, which also folds the journal.

    ``user`` None: a command that only changes records (retention), whose changes keep their
    last author.
    """

    def __init__(self, user: User | None, *, device_id: uuid.UUID | None = None, now: datetime | None = None):
        self.user, self.device_id, self.now = user, device_id, now or utcnow()
        self.reserved: tuple[int, int] = (0, 0)  # change numbers reserved with the lock: first, how many
        self.new: dict[uuid.UUID, NewRecord] = {}
        self.changed: list[Accompaniment] = []
        self.counted_before: dict[uuid.UUID, tally.Facts | None] = {}  # changed records as stored
        self.cards: set[str] = set()  # follow-up cards whose summary must be computed again

    def create(self, clean: dict, record_id: uuid.UUID | None = None, **details) -> NewRecord:
        """A new record at version 1 (``details``: deleted, client_updated_at, made_at, received_at)."""
        new = NewRecord(record_id or uuid.uuid4(), clean, **details)
        self.new[new.id] = new
        return new

    def change(self, record: Accompaniment | NewRecord, clean: dict | None, *, deleted: bool | None = None,
               client_updated_at: datetime | None = None) -> int:
        """The next version of ``record`` (stored, or created by this writer); returns its number."""
        if isinstance(record, NewRecord):  # a second change in the same batch: still one new row
            record.clean = clean or record.clean
        elif record.id not in self.counted_before:
            self.counted_before[record.id] = None if record.deleted else tally.facts_of_record(record, _zone())
        if isinstance(record, Accompaniment) and record.card:
            self.cards.add(record.card)  # the card it had: it may lose this record
        if isinstance(record, Accompaniment) and clean is not None:
            record.apply(keep_removed(record, clean))
        if deleted is not None:
            record.deleted = deleted
        record.version += 1
        if isinstance(record, Accompaniment):
            record.device_id = self.device_id or record.device_id
            record.client_updated_at = client_updated_at or record.client_updated_at
            if record not in self.changed:
                self.changed.append(record)
        return record.version

    def blank(self, record: Accompaniment, columns: tuple[str, ...], *, erase: bool = False) -> bool:
        """Empty ``columns`` of a stored record (retention, erasure: notes, card…), as a new
        version that tablets pull; False when they already were (nothing changed). ``erase``: at
        the person's request, for good (``keep_removed``)."""
        if erase and record.erased_at is None:
            record.erased_at = self.now
        elif all(getattr(record, column) is None for column in columns):
            return False
        self.change(record, None)  # before emptying: its card's summary loses this record
        for column in columns:
            setattr(record, column, None)
        return True

    def flush(self) -> None:
        """Write what was created and changed, with change numbers in one reserved block."""
        needed = len(self.new) + len(self.changed)
        first, count = self.reserved
        seq = first if needed <= count else reserve_changes(needed)
        self.reserved = (0, 0)
        rows, links, changes, zone = [], {}, tally.Changes(), _zone()
        for new in self.new.values():
            rows.append(new_row(new, self.user.id, seq, self.device_id, self.now))
            seq += 1
            if rows[-1].get("card"):
                self.cards.add(rows[-1]["card"])
            if not new.deleted:
                changes.add(tally.facts_of_clean(rows[-1], new.clean, zone))
            for table, table_rows in link_rows(new.id, new.clean).items():
                links.setdefault(table, []).extend(table_rows)
        if rows:
            connection = db.session.connection()
            insert_many(connection, Accompaniment.__table__, rows)
            for table, table_rows in links.items():
                insert_many(connection, table, table_rows)
        for record in self.changed:
            record.change_seq = seq
            if self.user is not None:
                record.updated_by_id = self.user.id
            record.updated_at = record.received_at = self.now
            seq += 1
            before = self.counted_before.pop(record.id, None)
            if before is not None:
                changes.add(before, -1)
            if not record.deleted:
                changes.add(tally.facts_of_record(record, zone))
            if record.card:
                self.cards.add(record.card)
        changes.journal(db.session.connection())
        if self.cards:
            db.session.flush()  # the summaries are counted from the stored records
            card_summary.refresh(db.session.connection(), self.cards)
        self.new, self.changed, self.cards = {}, [], set()


_last_fold = float("-inf")  # time.monotonic() of this process's last fold


def commit() -> None:
    """Commit what the writers wrote (the change counter's lock goes with it), then, if this
    process has not folded for ``FIGURES_FOLD_INTERVAL`` seconds, fold the figures' journal into
    the tallies in a transaction of its own: outside the lock, so other pushes go on meanwhile,
    and under load one fold takes the changes of many pushes (each rewrites the same rows).
    A fold that fails or finds another one at work leaves the journal for the next (readers
    count it meanwhile); the records are stored either way."""
    global _last_fold
    from flask import current_app

    db.session.commit()
    now = time.monotonic()
    if now - _last_fold < current_app.config["FIGURES_FOLD_INTERVAL"]:
        return
    _last_fold = now
    try:
        tally.fold(db.session.connection())
        db.session.commit()
    except sa.exc.OperationalError as error:  # SQLite still busy after its timeout, a lock timeout
        db.session.rollback()
        current_app.logger.warning("figures' journal left for the next fold: %s", error)


def fold_all() -> int:
    """Fold the whole journal (after the demo seed or an import); returns the rows folded."""
    folded = 0
    while done := tally.fold(db.session.connection()):
        folded += done
        db.session.commit()
    db.session.commit()
    return folded


def _zone():
    from ..i18n import display_timezone

    return display_timezone()


def create(user: User, clean: dict, record_id: uuid.UUID | None = None) -> Accompaniment:
    """One new record at version 1, as the form makes it (the caller commits)."""
    writer = Writer(user)
    new = writer.create(clean, record_id)
    writer.flush()
    return db.session.get(Accompaniment, new.id)


def update(record: Accompaniment, user: User, clean: dict, base_version: int) -> bool:
    """Store ``clean`` over ``record`` if it is still at ``base_version``.

    Returns False when the data are already the stored ones (nothing written). Raises
    StaleVersion when someone changed the record meanwhile and the data differ.
    """
    lock_changes()
    db.session.refresh(record)  # what another writer committed before we took the lock
    clean = keep_removed(record, clean)
    if same_data(record, clean):
        return False
    if record.version != base_version:
        raise StaleVersion(record)
    writer = Writer(user)
    writer.change(record, clean)
    writer.flush()
    return True


def set_deleted(record: Accompaniment, user: User, deleted: bool, base_version: int | None = None) -> bool:
    """Soft delete (or restore) a record: a new version like any change; nothing is erased."""
    lock_changes()
    db.session.refresh(record)
    if record.deleted == deleted:
        return False
    if base_version is not None and record.version != base_version:
        raise StaleVersion(record)
    writer = Writer(user)
    writer.change(record, None, deleted=deleted)
    writer.flush()
    return True
