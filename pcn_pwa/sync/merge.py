"""Merging a push into the database: exactly once, nothing overwritten, each record judged alone.

Writers are serialised by the change counter's lock (``store.lock_changes``); what needs nothing
stored (judging each record's data, reading the device) is done before taking it. Once it is held,
what this batch reads of existing records is what it writes over, so a retried push gives
``unchanged``, two pushes of one new id make one row, and a stale ``base_version`` gives
``conflict`` instead of overwriting. Every record is judged before anything is written; the
writing itself is the store's (``store.Writer``), as for the form.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..accompaniments import store
from ..accompaniments.access import RESTORER_ROLES, WRITER_ROLES
from ..accompaniments.judge import Reference, judge, judge_moment, message, whole_number
from ..accompaniments.text import FORBIDDEN_CHARS
from ..extensions import db
from ..i18n import _
from ..models import Accompaniment, Device, User
from .envelope import Push, PushedRecord


STORED = {"created", "updated", "unchanged"}


@dataclass
class Batch:
    user: User
    push: Push
    writer: store.Writer
    results: list[dict] = field(default_factory=list)

    @property
    def now(self) -> datetime:
        return self.writer.now


def _record_fields(raw: dict, now: datetime) -> tuple[dict, int, bool, datetime | None]:
    """The record's own envelope fields; per-field messages when they are wrong."""
    errors: dict[str, list[str]] = {}
    base_version = whole_number(raw.get("base_version", 0))
    if base_version is None or base_version < 0:
        errors["base_version"] = [_("Un entier positif ou nul est attendu.")]
        base_version = 0
    deleted = raw.get("deleted", False)
    if not isinstance(deleted, bool):
        errors["deleted"] = [_("Une réponse oui ou non est attendue.")]
        deleted = False
    client_updated_at = None
    if raw.get("client_updated_at") is not None:
        # The tablet's clock when the record was saved: only a wrong clock makes it fail.
        client_updated_at, problem = judge_moment(raw["client_updated_at"], now)
        if problem:
            errors["client_updated_at"] = [message("clock")]
    return errors, base_version, deleted, client_updated_at


def _load_existing(ids: list[uuid.UUID]) -> dict[uuid.UUID, Accompaniment]:
    if not ids:
        return {}
    records = db.session.scalars(
        sa.select(Accompaniment)
        .where(Accompaniment.id.in_(ids))
        .options(so.selectinload(Accompaniment.partners), so.selectinload(Accompaniment.procedures),
                 so.selectinload(Accompaniment.topics))
    ).all()
    return {record.id: record for record in records}


def _conflict(record_id, current) -> dict:
    return {"id": str(record_id), "status": "conflict", "version": current.version,
            "server_data": current.to_data(), "deleted": current.deleted}


def _forbidden(record_id, message: str) -> dict:
    return {"id": str(record_id), "status": "forbidden", "message": message}


@dataclass
class Judged:
    """What a pushed record says, judged alone: before the lock, since it needs nothing stored."""

    errors: dict
    base_version: int
    deleted: bool
    client_updated_at: datetime | None
    data_judgement: object | None  # judge()'s answer when the record carries data


def _judge_alone(pushed: PushedRecord, reference: Reference, now: datetime) -> Judged:
    errors, base_version, deleted, client_updated_at = _record_fields(pushed.raw, now)
    data = pushed.raw.get("data")
    judgement = judge(data, reference, now=now) if data is not None else None
    return Judged(errors, base_version, deleted, client_updated_at, judgement)


def _decide(batch: Batch, pushed: PushedRecord, judged: Judged, current, reference: Reference) -> dict:
    """What happens to one pushed record, given what the server holds (``current``, or None)."""
    user, record_id = batch.user, pushed.id
    if user.role not in WRITER_ROLES:
        return _forbidden(record_id, _("Votre rôle ne permet pas d’enregistrer des accompagnements."))
    if current is not None and not user.may_write_records_of(current.agency_code):
        return _forbidden(record_id, _("Cet identifiant appartient à un accompagnement d’une autre agence."))
    errors, base_version, deleted = dict(judged.errors), judged.base_version, judged.deleted
    client_updated_at, clean = judged.client_updated_at, None
    judgement = judged.data_judgement
    if judgement is None and current is None:  # a new record needs its data: judged as missing
        judgement = judge(None, reference, now=batch.now)
    if judgement is not None:
        errors.update(judgement.errors)
        clean = judgement.clean
    if errors:
        return {"id": str(record_id), "status": "invalid", "errors": errors}
    if clean is not None and not user.may_write_records_of(clean["agency"]):
        return _forbidden(record_id, _("Vous ne pouvez enregistrer que pour votre agence."))

    if current is None:
        batch.writer.create(clean, record_id, deleted=deleted, client_updated_at=client_updated_at)
        return {"id": str(record_id), "status": "created", "version": 1}

    clean = store.keep_removed(current, clean)
    same = clean is None or store.comparable(current.to_data()) == store.comparable(store.data_of(clean))
    if same and current.deleted == deleted:
        return {"id": str(record_id), "status": "unchanged", "version": current.version}
    if base_version != current.version:
        return _conflict(record_id, current)
    if current.deleted and not deleted and user.role not in RESTORER_ROLES:
        return _forbidden(record_id, _("Cet accompagnement est supprimé : un responsable peut le restaurer."))

    version = batch.writer.change(current, clean, deleted=deleted, client_updated_at=client_updated_at)
    return {"id": str(record_id), "status": "updated", "version": version}


def _record_device(batch: Batch, device: Device | None) -> None:
    """Remember who pushed from which device, and how much it still holds (sync health)."""
    from flask import request

    device_id = batch.push.device_id
    if device_id is None:
        return
    if device is None:  # not there before the lock: maybe now (another push of this device)
        device = db.session.get(Device, device_id)
    if device is None:
        device = Device(id=device_id, first_seen_at=batch.now)
        db.session.add(device)
    device.user_id = batch.user.id
    device.user_agent = FORBIDDEN_CHARS.sub("", request.user_agent.string or "")[:300] or None
    device.last_seen_at = device.last_push_at = batch.now
    device.app_version = batch.push.app_version or device.app_version
    if batch.push.pending is not None:
        # ``pending`` counts what the device held unsent when it sent this push, this batch
        # included: what is stored now is no longer waiting.
        stored = sum(result["status"] in STORED for result in batch.results)
        device.pending_count = max(0, batch.push.pending - stored)
        if not device.pending_count:
            device.pending_since = None
        elif device.pending_since is None:
            device.pending_since = batch.now


def apply_push(user: User, push: Push) -> list[dict]:
    """Merge ``push`` for ``user`` and return one result per record, in order (caller commits)."""
    batch = Batch(user=user, push=push, writer=store.Writer(user, device_id=push.device_id))
    reference = Reference.load()
    # Pushes wait for one another at the lock: what needs nothing stored is done before it.
    judged = [_judge_alone(pushed, reference, batch.now) for pushed in push.records]
    device = db.session.get(Device, push.device_id) if push.device_id else None
    batch.writer.reserved = (store.lock_changes(reserve=len(push.records)), len(push.records))
    existing = _load_existing(list({record.id for record in push.records}))
    for pushed, alone in zip(push.records, judged):
        current = batch.writer.new.get(pushed.id) or existing.get(pushed.id)
        batch.results.append(_decide(batch, pushed, alone, current, reference))
    batch.writer.flush()
    _record_device(batch, device)
    return batch.results
