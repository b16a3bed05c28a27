"""Reading a push: size limits (before and after gzip), JSON, and the envelope's shape.

A bad envelope fails the whole request with 400 (or 413 past the limits); what is inside a
record is the judge's business, record by record.
"""

from __future__ import annotations

import json
import re
import uuid
import zlib
from dataclasses import dataclass

from flask import current_app, request

from ..i18n import _
from ..accompaniments.judge import whole_number


# More than any tablet could hold; keeps the number inside a database integer.
MAX_PENDING = 1_000_000_000
APP_VERSION = re.compile(r"[0-9A-Za-z._-]{1,40}")


class EnvelopeError(Exception):
    """The request as a whole is refused: ``status`` and the contract's ``error`` code."""

    def __init__(self, status: int, error: str, message: str):
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


def limits() -> dict:
    """The push limits, as the 413 answer states them."""
    config = current_app.config
    return {"max_records": config["SYNC_MAX_RECORDS"], "max_bytes": config["SYNC_MAX_BYTES"]}


def _too_large() -> EnvelopeError:
    return EnvelopeError(413, "too_large", _("Trop de données en une fois : envoyez-les en plusieurs lots."))


def read_body() -> bytes:
    """The request body, gunzipped if it says so, never more than the byte limit in memory."""
    max_bytes = current_app.config["SYNC_MAX_BYTES"]
    if request.content_length is not None and request.content_length > max_bytes:
        raise _too_large()
    raw = request.stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise _too_large()
    encoding = (request.headers.get("Content-Encoding") or "identity").strip().lower()
    if encoding in ("identity", ""):
        return raw
    if encoding != "gzip":
        raise EnvelopeError(415, "bad_request", _("Encodage non pris en charge : seul gzip est accepté."))
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        # max_length bounds the output: a small bomb cannot inflate past the limit in memory.
        body = decompressor.decompress(raw, max_bytes + 1)
        if len(body) > max_bytes or decompressor.unconsumed_tail:
            raise _too_large()
        body += decompressor.flush()
    except zlib.error:
        raise EnvelopeError(400, "bad_request", _("Le corps gzip est illisible.")) from None
    if len(body) > max_bytes:
        raise _too_large()
    if not decompressor.eof:
        raise EnvelopeError(400, "bad_request", _("Le corps gzip est tronqué."))
    return body


@dataclass
class PushedRecord:
    id: uuid.UUID
    raw: dict  # the record as sent: base_version, deleted, client_updated_at, data


@dataclass
class Push:
    device_id: uuid.UUID | None
    pending: int | None
    records: list[PushedRecord]
    app_version: str | None = None


def _bad(message: str) -> EnvelopeError:
    return EnvelopeError(400, "bad_request", message)


def parse_uuid(value) -> uuid.UUID | None:
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def parse_push(body: bytes) -> Push:
    """Check the envelope: an object, a list ``records`` of objects each with a UUID ``id``."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise _bad(_("Le corps n’est pas du JSON valide.")) from None
    except RecursionError:  # 50,000 nested arrays fit in the byte limit; no record is that deep
        raise _bad(_("Le JSON est imbriqué trop profondément.")) from None
    if not isinstance(payload, dict):
        raise _bad(_("Un objet JSON est attendu."))
    records = payload.get("records")
    if not isinstance(records, list):
        raise _bad(_("La liste « records » manque."))
    if len(records) > current_app.config["SYNC_MAX_RECORDS"]:
        raise _too_large()
    device_id = None
    if payload.get("device_id") is not None:
        device_id = parse_uuid(payload["device_id"])
        if device_id is None:
            raise _bad(_("« device_id » doit être un UUID."))
    pending = payload.get("pending")
    if pending is not None:
        pending = whole_number(pending)
        if pending is None or not 0 <= pending <= MAX_PENDING:
            raise _bad(_("« pending » doit être un entier entre 0 et %(max)s.", max=MAX_PENDING))
    app_version = payload.get("app_version")
    if app_version is not None and not (isinstance(app_version, str) and APP_VERSION.fullmatch(app_version)):
        raise _bad(_("« app_version » doit être un court code de version (lettres, chiffres, . _ -)."))
    parsed = []
    for position, record in enumerate(records):
        if not isinstance(record, dict):
            raise _bad(_("L’enregistrement n° %(num)s n’est pas un objet.", num=position + 1))
        record_id = parse_uuid(record.get("id"))
        if record_id is None:
            raise _bad(_("L’enregistrement n° %(num)s n’a pas d’« id » UUID.", num=position + 1))
        parsed.append(PushedRecord(record_id, record))
    return Push(device_id, pending, parsed, app_version)
