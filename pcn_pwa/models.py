"""The domain: agencies, partners and their procedures, people who sign in, and accompaniments."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from .accompaniments import fields
from .extensions import db


def utcnow() -> datetime:
    """Now, timezone-aware in UTC (a callable default, evaluated per row)."""
    return datetime.now(timezone.utc)


def naive_utc(value: datetime) -> datetime:
    """``value`` (timezone-aware) as naive UTC, the form both databases store."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given where UTC is required")
    if value.tzinfo is not timezone.utc:  # most values already are UTC: skip the conversion
        value = value.astimezone(timezone.utc)
    return value.replace(tzinfo=None)


def sqlite_utc_text(value: datetime | None) -> str | None:
    """The text SQLAlchemy's SQLite ``DATETIME`` stores (``2026-03-01 22:41:07.250000``), for UTC."""
    if value is None:
        return None
    text = naive_utc(value).isoformat(" ")
    return text if value.microsecond else text + ".000000"


class UTCDateTime(sa.TypeDecorator):
    """Store naive UTC, hand back aware UTC: SQLite keeps no offset, PostgreSQL is told UTC."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else naive_utc(value)

    def bind_processor(self, dialect):
        """On SQLite, one step to the stored text instead of two (a push writes five times a record;
        the text is the same, as tests check against SQLAlchemy's own)."""
        if dialect.name == "sqlite":
            return sqlite_utc_text
        return super().bind_processor(dialect)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


# The largest id a database integer holds: the URL's <int:…> takes any number of digits, and
# PostgreSQL refused a larger one in a query with a 500, so a larger one is simply not found.
MAX_ID = 2 ** 31 - 1

PROVINCES = ("sud", "nord", "iles")
ROLES = ("advisor", "manager", "partner", "coordinator", "admin", "translator")
# Roles whose work is tied to one agency.
AGENCY_ROLES = ("advisor", "manager")


class Commune(db.Model):
    """One of New Caledonia's 33 communes, keyed by its INSEE code (98801…98833)."""

    code: so.Mapped[str] = so.mapped_column(sa.String(5), primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    province: so.Mapped[str] = so.mapped_column(sa.String(8))

    def to_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "province": self.province}


class Agency(db.Model):
    """A post-office agency hosting a point conseil numérique."""

    code: so.Mapped[str] = so.mapped_column(sa.String(32), primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    commune_code: so.Mapped[str] = so.mapped_column(sa.ForeignKey(Commune.code))
    province: so.Mapped[str] = so.mapped_column(sa.String(8))
    active: so.Mapped[bool] = so.mapped_column(default=True)

    commune: so.Mapped[Commune] = so.relationship()

    __table_args__ = (sa.CheckConstraint(f"province IN {PROVINCES}", name="province"),)

    def to_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "commune": self.commune_code, "province": self.province,
                "active": self.active}


class Partner(db.Model):
    """An organisation whose online procedures advisors help with (OPT, Cafat…)."""

    code: so.Mapped[str] = so.mapped_column(sa.String(16), primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    position: so.Mapped[int] = so.mapped_column(default=0)
    active: so.Mapped[bool] = so.mapped_column(default=True)

    procedures: so.WriteOnlyMapped[Procedure] = so.relationship(back_populates="partner")

    def to_dict(self) -> dict:
        return {"code": self.code, "name": self.name}


class Procedure(db.Model):
    """An online procedure of one partner. Retired entries stay for the records that cite them."""

    code: so.Mapped[str] = so.mapped_column(sa.String(48), primary_key=True)
    partner_code: so.Mapped[str] = so.mapped_column(sa.ForeignKey(Partner.code), index=True)
    label: so.Mapped[str] = so.mapped_column(sa.String(160))
    position: so.Mapped[int] = so.mapped_column(default=0)
    active: so.Mapped[bool] = so.mapped_column(default=True)

    partner: so.Mapped[Partner] = so.relationship(back_populates="procedures")

    def to_dict(self) -> dict:
        return {"code": self.code, "partner": self.partner_code, "label": self.label}


class Topic(db.Model):
    """A digital skill worked on (handling a device, e-mail, online safety…)."""

    code: so.Mapped[str] = so.mapped_column(sa.String(48), primary_key=True)
    label: so.Mapped[str] = so.mapped_column(sa.String(160))
    position: so.Mapped[int] = so.mapped_column(default=0)
    active: so.Mapped[bool] = so.mapped_column(default=True)

    def to_dict(self) -> dict:
        return {"code": self.code, "label": self.label}


# The languages an admin assigned to a translator: the only catalogues they upload and publish.
translator_language = sa.Table(
    "translator_language",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("language_code", sa.ForeignKey("language.code", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, db.Model):
    """Someone who signs in: an advisor, a manager, a partner, the coordinator, an admin, or a
    translator (the catalogues of the languages assigned to them, nothing else)."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    display_name: so.Mapped[str] = so.mapped_column(sa.String(120))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(256))
    role: so.Mapped[str] = so.mapped_column(sa.String(16))
    agency_code: so.Mapped[Optional[str]] = so.mapped_column(sa.ForeignKey(Agency.code), index=True)
    partner_code: so.Mapped[Optional[str]] = so.mapped_column(sa.ForeignKey(Partner.code))
    locale: so.Mapped[Optional[str]] = so.mapped_column(sa.String(16))
    active: so.Mapped[bool] = so.mapped_column(default=True)
    # Set with a one-time password handed over by an admin: the user chooses their own before
    # anything else (and the one-time password cannot be it).
    must_change_password: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    last_login_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)

    agency: so.Mapped[Optional[Agency]] = so.relationship()
    partner: so.Mapped[Optional[Partner]] = so.relationship()
    languages: so.Mapped[list["Language"]] = so.relationship(secondary=translator_language)

    __table_args__ = (
        sa.CheckConstraint(f"role IN {ROLES}", name="role"),
        sa.CheckConstraint(
            f"role NOT IN {AGENCY_ROLES} OR agency_code IS NOT NULL", name="agency_for_agency_roles"
        ),
        sa.CheckConstraint("role != 'partner' OR partner_code IS NOT NULL", name="partner_for_partners"),
    )

    @staticmethod
    def normalise_username(username: str) -> str:
        """Usernames are matched without regard to case or surrounding blanks."""
        return username.strip().lower()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses deactivated accounts with this
        return self.active

    # The sign-in token of this request's session, set by auth.sign_ins when it signs the user in
    # or finds their sign-in (never stored: the database keeps only its hash).
    sign_in_token = None

    def get_id(self) -> str:
        """What the session cookie holds: the sign-in's random token (see auth/sign_ins.py)."""
        if not self.sign_in_token:
            raise RuntimeError("a user is signed in through auth.sign_ins.start, never login_user alone")
        return self.sign_in_token

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    def may_translate(self, language_code: str) -> bool:
        """Who uploads, previews and publishes a language's catalogues: admins, and the
        translators it is assigned to."""
        if self.role == "admin":
            return True
        return self.role == "translator" and any(language.code == language_code for language in self.languages)

    def may_read_records_of(self, agency_code: str) -> bool:
        """Who may read an agency's records (see the sync contract)."""
        if self.role in ("admin", "coordinator"):
            return True
        return self.role in AGENCY_ROLES and self.agency_code == agency_code

    def may_write_records_of(self, agency_code: str) -> bool:
        """Who may write an agency's records: its advisors and managers, and admins."""
        if self.role == "admin":
            return True
        return self.role in AGENCY_ROLES and self.agency_code == agency_code

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class SignIn(db.Model):
    """One sign-in of a user on one browser, kept on the server so that it can be ended: the
    session cookie holds a random token, of which only the hash is stored. Ended, the cookie is
    refused at its next request (auth/sign_ins.py)."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(User.id), index=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)  # SHA-256, hex
    user_agent: so.Mapped[Optional[str]] = so.mapped_column(sa.String(300))
    started_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)  # to the minute
    ended_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)

    user: so.Mapped[User] = so.relationship()


accompaniment_partner = sa.Table(
    "accompaniment_partner",
    db.metadata,
    sa.Column("accompaniment_id", sa.ForeignKey("accompaniment.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("partner_code", sa.ForeignKey(Partner.code), primary_key=True, index=True),
)

accompaniment_procedure = sa.Table(
    "accompaniment_procedure",
    db.metadata,
    sa.Column("accompaniment_id", sa.ForeignKey("accompaniment.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("procedure_code", sa.ForeignKey(Procedure.code), primary_key=True, index=True),
)

accompaniment_topic = sa.Table(
    "accompaniment_topic",
    db.metadata,
    sa.Column("accompaniment_id", sa.ForeignKey("accompaniment.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("topic_code", sa.ForeignKey(Topic.code), primary_key=True, index=True),
)


class Accompaniment(db.Model):
    """One accompaniment of a person (or a workshop group) at an agency.

    The primary key is the UUID made on the tablet, so a retried push can never make a
    second row. Each stored change raises ``version``; the sync contract compares it.
    Partners, procedures and topics live in link tables so the dashboards can count them
    with plain SQL on SQLite and PostgreSQL alike.
    """

    id: so.Mapped[uuid.UUID] = so.mapped_column(sa.Uuid, primary_key=True)
    version: so.Mapped[int] = so.mapped_column(default=1)
    # Position in the stream of changes that tablets pull, given in commit order (ChangeCounter).
    change_seq: so.Mapped[int] = so.mapped_column(sa.BigInteger, unique=True)
    agency_code: so.Mapped[str] = so.mapped_column(sa.ForeignKey(Agency.code))
    kind: so.Mapped[str] = so.mapped_column(sa.String(16))
    occurred_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    duration_minutes: so.Mapped[Optional[int]]
    participants: so.Mapped[int] = so.mapped_column(default=1)
    procedure_detail: so.Mapped[Optional[str]] = so.mapped_column(sa.String(200))
    equipment: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)

    # The person accompanied: never a name, phone or address.
    age_band: so.Mapped[str] = so.mapped_column(sa.String(16), default="unknown")
    gender: so.Mapped[str] = so.mapped_column(sa.String(8), default="unknown")
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default="unknown")
    situations: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    commune_code: so.Mapped[Optional[str]] = so.mapped_column(sa.ForeignKey(Commune.code))
    returning_visit: so.Mapped[Optional[bool]]  # "returning" is an SQL keyword
    language: so.Mapped[Optional[str]] = so.mapped_column(sa.String(16))
    card: so.Mapped[Optional[str]] = so.mapped_column(sa.String(16), index=True)

    autonomy: so.Mapped[Optional[str]] = so.mapped_column(sa.String(24))
    outcome: so.Mapped[Optional[str]] = so.mapped_column(sa.String(24))
    blockers: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    redirected_to: so.Mapped[Optional[str]] = so.mapped_column(sa.String(32))
    workshop_title: so.Mapped[Optional[str]] = so.mapped_column(sa.String(200))
    workshop_level: so.Mapped[Optional[str]] = so.mapped_column(sa.String(16))
    notes: so.Mapped[Optional[str]] = so.mapped_column(sa.String(1000))
    # When the person's data were erased at their request (privacy.py): no later write, from a
    # tablet's older copy say, brings the notes, procedure detail or card back (store.keep_removed).
    erased_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)

    deleted: so.Mapped[bool] = so.mapped_column(default=False)
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(User.id))
    updated_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(User.id))
    device_id: so.Mapped[Optional[uuid.UUID]] = so.mapped_column(sa.Uuid)
    client_updated_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    received_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    agency: so.Mapped[Agency] = so.relationship()
    commune: so.Mapped[Optional[Commune]] = so.relationship()
    created_by: so.Mapped[User] = so.relationship(foreign_keys=[created_by_id])
    updated_by: so.Mapped[User] = so.relationship(foreign_keys=[updated_by_id])
    partners: so.Mapped[list[Partner]] = so.relationship(secondary=accompaniment_partner)
    procedures: so.Mapped[list[Procedure]] = so.relationship(secondary=accompaniment_procedure)
    topics: so.Mapped[list[Topic]] = so.relationship(secondary=accompaniment_topic)

    __table_args__ = (
        sa.Index("ix_accompaniment_agency_occurred", "agency_code", "occurred_at"),
        # Downloads page through the records oldest first (keyset on the time, then the id).
        sa.Index("ix_accompaniment_occurred_id", "occurred_at", "id"),
        # Follow-up cards are counted from the records (distinct cards, first against last
        # autonomy): this index holds all those figures read, for the records that have a card.
        sa.Index("ix_accompaniment_card_figures", "card", "occurred_at", "id", "agency_code", "kind", "deleted",
                 "autonomy", sqlite_where=sa.text("card IS NOT NULL"), postgresql_where=sa.text("card IS NOT NULL")),
        sa.CheckConstraint("version >= 1", name="version_positive"),
    )

    def to_data(self) -> dict:
        """The record as the contract's ``data`` object (times on Nouméa's clock)."""
        return self.data_of(self, {field.path: [item.code for item in getattr(self, field.path)]
                                   for field in fields.LINKED})

    @staticmethod
    def data_of(row, links: dict[str, list[str]]) -> dict:
        """The contract's ``data`` of a stored record (this model or a Core row) and its links'
        codes by field (``partners``, ``procedures``, ``topics``), times on Nouméa's clock."""
        from zoneinfo import ZoneInfo

        data = fields.data_of_row(row, links)
        data["occurred_at"] = row.occurred_at.astimezone(ZoneInfo("Pacific/Noumea")).isoformat()
        return data

    @classmethod
    def columns_from(cls, clean: dict) -> dict:
        """Column values of a judged record (``judge(...).clean``)."""
        return fields.columns_of(clean)

    def apply(self, clean: dict) -> None:
        """Copy a judged record onto this row, links included."""
        for column, value in self.columns_from(clean).items():
            setattr(self, column, value)
        session = db.session
        for field in fields.LINKED:
            model = self.__mapper__.relationships[field.path].mapper.class_
            setattr(self, field.path, [session.get(model, code) for code in clean.get(field.path) or []])

    def __repr__(self) -> str:
        return f"<Accompaniment {self.id} v{self.version} {self.kind}>"


class FigureTally(db.Model):
    """Counts of the records of one agency over a local month or day, kept by the one write
    path (accompaniments/tally.py says what each row holds and why)."""

    span: so.Mapped[str] = so.mapped_column(sa.String(1), primary_key=True)  # "M" month, "D" day
    period: so.Mapped[date] = so.mapped_column(sa.Date, primary_key=True)  # first local day
    agency_code: so.Mapped[str] = so.mapped_column(sa.String(32), primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(16), primary_key=True)  # "*": every kind
    partners: so.Mapped[str] = so.mapped_column(sa.String(400), primary_key=True)  # a set; "*": any
    records: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    people: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    minutes: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    returning_visits: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    counts: so.Mapped[str] = so.mapped_column(sa.Text)  # JSON: codes of every dimension, days


class FigureTallyPending(db.Model):
    """A writer's changes to the tallies, journalled under the change counter's lock (one insert,
    nothing read) and merged into ``FigureTally`` later by ``tally.fold``, outside that lock.
    Readers add these rows to the tallies' (one statement reads both, so a fold is never seen
    half done)."""

    __tablename__ = "figure_tally_pending"

    id: so.Mapped[int] = so.mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    span: so.Mapped[str] = so.mapped_column(sa.String(1))
    period: so.Mapped[date] = so.mapped_column(sa.Date)
    agency_code: so.Mapped[str] = so.mapped_column(sa.String(32))
    kind: so.Mapped[str] = so.mapped_column(sa.String(16))
    partners: so.Mapped[str] = so.mapped_column(sa.String(400))
    records: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    people: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    minutes: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    returning_visits: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    counts: so.Mapped[str] = so.mapped_column(sa.Text)


class CardSummary(db.Model):
    """Each follow-up card over all its records that are not deleted: when it was first and last
    seen, and its first and last stated autonomy; kept by the one write path
    (accompaniments/card_summary.py), so a scope that holds a card's whole history reads one row."""

    card: so.Mapped[str] = so.mapped_column(sa.String(16), primary_key=True)
    visits: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    first_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    last_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    stated: so.Mapped[int] = so.mapped_column(sa.BigInteger)  # records that state an autonomy
    first_autonomy: so.Mapped[Optional[str]] = so.mapped_column(sa.String(24))
    last_autonomy: so.Mapped[Optional[str]] = so.mapped_column(sa.String(24))


class ChangeCounter(db.Model):
    """The last change number given out. Writers lock this one row while they write, so change
    numbers are handed out in commit order and a puller can never step past an uncommitted one."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    value: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)


class Device(db.Model):
    """A browser install that pushes records: the coordinator's view of sync health."""

    id: so.Mapped[uuid.UUID] = so.mapped_column(sa.Uuid, primary_key=True)
    user_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey(User.id), index=True)
    user_agent: so.Mapped[Optional[str]] = so.mapped_column(sa.String(300))
    first_seen_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    last_push_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    # Records still on the device after its last push, and since when some have been waiting.
    pending_count: so.Mapped[int] = so.mapped_column(default=0)
    pending_since: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    app_version: so.Mapped[Optional[str]] = so.mapped_column(sa.String(40))

    user: so.Mapped[Optional[User]] = so.relationship()


class Language(db.Model):
    """An interface language. Offered to users once enabled and, except French (the source),
    once it has a catalogue: the English one shipped in ``translations/`` or an uploaded one."""

    code: so.Mapped[str] = so.mapped_column(sa.String(16), primary_key=True)  # ISO 639, lower case
    native_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    french_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    enabled: so.Mapped[bool] = so.mapped_column(default=False)
    # The published catalogue; None: the shipped file if any, else untranslated.
    catalogue_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("catalogue.id", use_alter=True, name="fk_language_catalogue_id_catalogue", ondelete="SET NULL"))

    catalogue: so.Mapped[Optional["Catalogue"]] = so.relationship(foreign_keys=[catalogue_id], post_update=True)


class Catalogue(db.Model):
    """One uploaded ``.po`` file, as checked: kept whether published, replaced or refused, so the
    previous version can be restored and every upload is on record (who, when, counts)."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    language_code: so.Mapped[str] = so.mapped_column(sa.ForeignKey(Language.code), index=True)
    uploaded_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey(User.id))
    uploaded_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    filename: so.Mapped[str] = so.mapped_column(sa.String(200))
    accepted: so.Mapped[bool]  # False: refused as a whole (``errors``); it can never be published
    text: so.Mapped[Optional[str]] = so.mapped_column(sa.Text)  # the file as UTF-8, NFC, LF
    plural_forms: so.Mapped[Optional[str]] = so.mapped_column(sa.String(300))
    messages: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)  # [context, msgid, plural, [forms]]
    errors: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)  # fatal: [line, msgid, reason]
    refused: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)  # entry by entry: [line, msgid, reason]
    translated: so.Mapped[int] = so.mapped_column(default=0)
    fuzzy: so.Mapped[int] = so.mapped_column(default=0)
    untranslated: so.Mapped[int] = so.mapped_column(default=0)
    unknown: so.Mapped[int] = so.mapped_column(default=0)
    template_size: so.Mapped[int] = so.mapped_column(default=0)
    published_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)  # last time made live
    published_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey(User.id))

    language: so.Mapped[Language] = so.relationship(foreign_keys=[language_code])
    uploaded_by: so.Mapped[Optional[User]] = so.relationship(foreign_keys=[uploaded_by_id])
    published_by: so.Mapped[Optional[User]] = so.relationship(foreign_keys=[published_by_id])

    @property
    def coverage(self) -> float:
        return 100.0 * self.translated / self.template_size if self.template_size else 0.0


class CatalogueGeneration(db.Model):
    """One row, bumped with every change to languages or published catalogues: each worker reads
    it once per request (a primary-key lookup) and reloads its catalogues when it moved."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    value: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)


class AuditEntry(db.Model):
    """One action of an admin or translator (and the few others the trail names), written by
    ``audit.record`` in the same transaction as the action, so one never stands without the
    other. Never changed or deleted once written: the models refuse it (audit.py)."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey(User.id), index=True)  # None: a command
    actor_name: so.Mapped[str] = so.mapped_column(sa.String(64))  # the username then, kept as it was
    action: so.Mapped[str] = so.mapped_column(sa.String(48), index=True)
    target: so.Mapped[str] = so.mapped_column(sa.String(200))  # "user/12", "language/dhv"…
    before: so.Mapped[Optional[dict]] = so.mapped_column(sa.JSON)
    after: so.Mapped[Optional[dict]] = so.mapped_column(sa.JSON)

    actor: so.Mapped[Optional[User]] = so.relationship()

