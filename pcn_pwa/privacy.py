"""Data protection: how long a record keeps what links it to a person, and a person's erasure.

New Caledonia applies the French data-protection law (loi Informatique et libertés). Records
name nobody; what may still lead to a person is the free text an advisor types (the notes, the
detail of a procedure) and the follow-up card code, which links one person's visits together.

- Retention: ``RETENTION_MONTHS`` after its date (24 by default), a record loses its notes and
  its card (``flask retention apply``, from cron). It stays, anonymous, in the pilot's counts.
- Erasure: on a person's request, a coordinator or an admin blanks the notes and the detail of a
  procedure of every record of their card code and removes the card from them. The records
  stay, anonymous, so the pilot's counts do not change.

Both change records through the one write path (``store.Writer.blank``): each change is a new
version with a new change number, so the tablets pull the blanked record and replace their copy,
the cards' summaries are computed again, and a tablet's later push based on an older version is
a conflict that overwrites nothing (sync/merge.py).
"""

from __future__ import annotations

import calendar
from dataclasses import asdict, dataclass
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from . import audit
from .accompaniments import store
from .extensions import db
from .i18n import display_timezone, local_midnight
from .models import Accompaniment, User

# What each one empties (columns of Accompaniment).
RETENTION_BLANKS = store.RETAINED_COLUMNS
ERASURE_BLANKS = store.ERASED_COLUMNS
# Records changed per transaction: the change counter's lock, which the sync's pushes wait for,
# is held for one batch at a time (a push writes up to 500 records too).
BATCH = 500


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the month's last day if it has fewer)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def retention_cutoff(now: datetime | None = None) -> datetime:
    """The moment before which records lose their notes and card: local midnight,
    ``RETENTION_MONTHS`` months before today in New Caledonia."""
    today = (now or datetime.now(display_timezone())).astimezone(display_timezone()).date()
    return local_midnight(months_before(today, current_app.config["RETENTION_MONTHS"]))


@dataclass
class RetentionCounts:
    records: int = 0  # records changed
    notes: int = 0  # of which notes blanked
    cards: int = 0  # of which cards unlinked

    def add(self, record: Accompaniment) -> None:
        self.records += 1
        self.notes += record.notes is not None
        self.cards += record.card is not None


def _past_retention(cutoff: datetime):
    record = Accompaniment
    return (record.occurred_at < cutoff, sa.or_(*(getattr(record, column).isnot(None) for column in RETENTION_BLANKS)))


def retention_due(cutoff: datetime) -> RetentionCounts:
    """What ``apply_retention`` would change now (one counting query, nothing written)."""
    record = Accompaniment
    row = db.session.execute(
        sa.select(sa.func.count(), sa.func.count(record.notes), sa.func.count(record.card))
        .where(*_past_retention(cutoff))).one()
    return RetentionCounts(*row)


def _write_transaction() -> None:
    """Begin the next transaction as a writer: on SQLite it takes the write lock at its start (as
    a page's POST does), so a read before the first write cannot be overtaken by another writer."""
    db.session.connection(execution_options={"pcn_write": True})


def apply_retention(cutoff: datetime, batch: int = BATCH) -> RetentionCounts:
    """Blank the notes and unlink the cards of records older than ``cutoff``, ``batch`` records a
    transaction, and put it in the audit trail if anything changed. Running it again changes
    nothing: blanked records no longer match."""
    done, after = RetentionCounts(), None
    order = (Accompaniment.occurred_at, Accompaniment.id)  # ix_accompaniment_occurred_id
    db.session.commit()
    while True:
        _write_transaction()
        store.lock_changes()  # read under the lock what is written under it
        query = sa.select(Accompaniment).where(*_past_retention(cutoff)).order_by(*order).limit(batch)
        if after is not None:  # on from the last batch, not from the start again past blanked records
            query = query.where(sa.tuple_(*order) > after)
        records = db.session.scalars(query.options(*_links())).all()
        if not records:
            db.session.rollback()
            break
        after = (records[-1].occurred_at, records[-1].id)
        writer = store.Writer(None)  # a command: each record keeps its last author
        for record in records:
            done.add(record)
            writer.blank(record, RETENTION_BLANKS)
        writer.flush()
        store.commit()
        db.session.expunge_all()  # a batch's records are not kept in memory
    if done.records:
        audit.record(None, "records.retention", "accompaniments",
                     after={"months": current_app.config["RETENTION_MONTHS"],
                            "before": cutoff.astimezone(display_timezone()).date().isoformat(), **asdict(done)})
        db.session.commit()
    return done


def _links():
    return (so.selectinload(Accompaniment.partners), so.selectinload(Accompaniment.procedures),
            so.selectinload(Accompaniment.topics))


def records_of_card(code: str) -> list[Accompaniment]:
    """Every record of a card code, deleted ones too (they keep their notes), oldest first."""
    return db.session.scalars(
        sa.select(Accompaniment).where(Accompaniment.card == code)
        .options(so.joinedload(Accompaniment.agency), so.selectinload(Accompaniment.partners))
        .order_by(Accompaniment.occurred_at, Accompaniment.id)).all()


def erase_card(actor: User, code: str) -> int:
    """Blank the notes and procedure details of every record of ``code`` and remove the card
    from them, with an audit entry that holds neither the code nor any text: who, when, how many
    records. Returns the number of records changed (the caller commits)."""
    store.lock_changes()
    records = db.session.scalars(
        sa.select(Accompaniment).where(Accompaniment.card == code).options(*_links())).all()
    writer = store.Writer(actor)
    changed = sum(writer.blank(record, ERASURE_BLANKS, erase=True) for record in records)
    writer.flush()
    if changed:
        audit.record(actor, "records.erase_card", "accompaniments", after={"records": changed})
    return changed
