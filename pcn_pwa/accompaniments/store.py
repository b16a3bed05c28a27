"""Writing accompaniments: create, change over a known version, soft delete and restore.

The form and the sync API both write through here, so versions and authorship follow one rule:
every stored change raises ``version`` by one and records who made it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa

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


def _ensure_counter() -> None:
    """Create the counter row if this database has none yet (safe when several writers race)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(ChangeCounter).values(id=1, value=0).on_conflict_do_nothing())


def lock_changes() -> None:
    """Take the change counter's lock now, before reading what is about to be written.

    Every writer takes it, so a writer that checks a record's version after taking it knows
    nobody else can change that record before it commits (PostgreSQL; SQLite write requests
    hold the database's write lock from their first statement).
    """
    query = sa.select(ChangeCounter.value).where(ChangeCounter.id == 1).with_for_update()
    if db.session.execute(query).scalar_one_or_none() is None:
        _ensure_counter()
        db.session.execute(query)


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


def same_data(record: Accompaniment, clean: dict) -> bool:
    """Would storing ``clean`` over ``record`` change nothing?"""
    return comparable(record.to_data()) == comparable(clean)


def create(
    user: User,
    clean: dict,
    record_id: uuid.UUID | None = None,
    *,
    device_id: uuid.UUID | None = None,
    client_updated_at: datetime | None = None,
) -> Accompaniment:
    """A new record at version 1 (the caller commits)."""
    now = utcnow()
    record = Accompaniment(
        id=record_id or uuid.uuid4(),
        version=1,
        created_by_id=user.id,
        updated_by_id=user.id,
        device_id=device_id,
        client_updated_at=client_updated_at,
        created_at=now,
        updated_at=now,
        received_at=now,
    )
    record.apply(clean)
    record.change_seq = reserve_changes(1)
    db.session.add(record)
    return record


def update(
    record: Accompaniment,
    user: User,
    clean: dict,
    base_version: int,
    *,
    device_id: uuid.UUID | None = None,
    client_updated_at: datetime | None = None,
) -> bool:
    """Store ``clean`` over ``record`` if it is still at ``base_version``.

    Returns False when the data are already the stored ones (nothing written). Raises
    StaleVersion when someone changed the record meanwhile and the data differ.
    """
    lock_changes()
    db.session.refresh(record)  # what another writer committed before we took the lock
    if same_data(record, clean):
        return False
    if record.version != base_version:
        raise StaleVersion(record)
    record.apply(clean)
    touch(record, user, device_id=device_id, client_updated_at=client_updated_at)
    return True


def set_deleted(record: Accompaniment, user: User, deleted: bool, base_version: int | None = None) -> bool:
    """Soft delete (or restore) a record: a new version like any change; nothing is erased."""
    lock_changes()
    db.session.refresh(record)
    if record.deleted == deleted:
        return False
    if base_version is not None and record.version != base_version:
        raise StaleVersion(record)
    record.deleted = deleted
    touch(record, user)
    return True


def touch(record: Accompaniment, user: User, *, change_seq=None, device_id=None, client_updated_at=None) -> None:
    """Mark a stored record as changed by ``user``: next version, next change number."""
    record.version += 1
    record.change_seq = change_seq if change_seq is not None else reserve_changes(1)
    record.updated_by_id = user.id
    record.updated_at = utcnow()
    record.received_at = record.updated_at
    if device_id is not None:
        record.device_id = device_id
    if client_updated_at is not None:
        record.client_updated_at = client_updated_at
