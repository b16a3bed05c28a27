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


def reserve_changes(count: int) -> int:
    """Reserve ``count`` change numbers and return the first; the counter stays locked until commit.

    The lock makes change numbers follow commit order (see ChangeCounter): take it as late as
    possible in a transaction, just before writing.
    """
    if count <= 0:
        return 0
    counter = db.session.execute(
        sa.update(ChangeCounter).where(ChangeCounter.id == 1).values(value=ChangeCounter.value + count)
        .returning(ChangeCounter.value)
    ).scalar_one_or_none()
    if counter is None:  # the first change ever: create the counter row
        db.session.add(ChangeCounter(id=1, value=count))
        db.session.flush()
        counter = count
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
    from .validation import parse_datetime

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
    if same_data(record, clean):
        return False
    if record.version != base_version:
        raise StaleVersion(record)
    record.apply(clean)
    _touch(record, user, device_id=device_id, client_updated_at=client_updated_at)
    return True


def set_deleted(record: Accompaniment, user: User, deleted: bool, base_version: int | None = None) -> bool:
    """Soft delete (or restore) a record: a new version like any change; nothing is erased."""
    if record.deleted == deleted:
        return False
    if base_version is not None and record.version != base_version:
        raise StaleVersion(record)
    record.deleted = deleted
    _touch(record, user)
    return True


def _touch(record: Accompaniment, user: User, *, device_id=None, client_updated_at=None) -> None:
    record.version += 1
    record.change_seq = reserve_changes(1)
    record.updated_by_id = user.id
    record.updated_at = utcnow()
    record.received_at = record.updated_at
    if device_id is not None:
        record.device_id = device_id
    if client_updated_at is not None:
        record.client_updated_at = client_updated_at
