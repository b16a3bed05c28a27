"""Which records a user may see and where they may write them."""

import uuid

import sqlalchemy as sa
from flask import abort

from ..extensions import db
from ..models import Accompaniment, Agency, User

# Who may do what: a record belongs to its agency; coordinators read all and write none;
# partner users read no record, only figures.
WRITER_ROLES = ("advisor", "manager", "admin")
READER_ROLES = ("advisor", "manager", "coordinator", "admin")
RESTORER_ROLES = ("manager", "admin")


def readable(user: User, query: sa.Select) -> sa.Select:
    """Limit a query on accompaniments to what ``user`` may read."""
    if user.role in ("admin", "coordinator"):
        return query
    if user.role in ("advisor", "manager"):
        return query.where(Accompaniment.agency_code == user.agency_code)
    return query.where(sa.false())  # partner users see no record, only figures


def get_readable_or_404(user: User, record_id: uuid.UUID) -> Accompaniment:
    """The record, if it exists and ``user`` may read it; else 404 (not 403: ids are not to be probed)."""
    record = db.session.get(Accompaniment, record_id)
    if record is None or not user.may_read_records_of(record.agency_code):
        abort(404)
    return record


def writable_agencies(user: User) -> list[Agency]:
    """The agencies ``user`` may record for: their own, or every active one for an admin."""
    if user.role == "admin":
        return db.session.scalars(sa.select(Agency).where(Agency.active).order_by(Agency.name)).all()
    if user.role in ("advisor", "manager") and user.agency is not None:
        return [user.agency]
    return []
