"""The sync path's bulk insert stores exactly what SQLAlchemy's own insert stores (both databases)."""

import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from pcn_pwa.models import Accompaniment, accompaniment_topic
from pcn_pwa.accompaniments.bulk import insert_many

NOUMEA = timezone(timedelta(hours=11))


def row(user, **changes) -> dict:
    """Every column of an accompaniment, with values that need each kind of conversion."""
    values = dict(
        id=uuid.uuid4(), version=1, change_seq=None, agency_code="TADINE", kind="individual",
        occurred_at=datetime(2026, 3, 2, 9, 41, 7, 250000, tzinfo=NOUMEA),  # stored as 22:41:07.25 UTC the day before
        duration_minutes=30, participants=1, procedure_detail="Attestation « employeur » pour Maré",
        equipment=["agency_computer", "own_phone"], age_band="60_69", gender="f", status="retired",
        situations=["no_computer_at_home"], commune_code="98815", returning_visit=True, language="nen",
        card=None, autonomy="guided", outcome="completed", blockers=[], redirected_to=None,
        workshop_title=None, workshop_level=None, notes="Wakaa ö ë â — première fois", deleted=False,
        created_by_id=user.id, updated_by_id=user.id, device_id=uuid.uuid4(),
        client_updated_at=datetime(2026, 3, 2, 9, 50, tzinfo=NOUMEA),
        created_at=datetime(2026, 3, 1, 23, 0, tzinfo=timezone.utc),
        updated_at=datetime(2026, 3, 1, 23, 0, tzinfo=timezone.utc),
        received_at=datetime(2026, 3, 1, 23, 0, tzinfo=timezone.utc),
    )
    values.update(changes)
    return values


def stored(db, record_id) -> dict:
    """The row as the database holds it (no SQLAlchemy type conversion on the way out)."""
    table = Accompaniment.__table__
    columns = ", ".join(column.name for column in table.c)
    id_value = record_id.hex if db.engine.dialect.name == "sqlite" else record_id
    query = sa.text(f"SELECT {columns} FROM accompaniment WHERE id = :id")
    result = db.session.execute(query, {"id": id_value}).mappings().one()
    return dict(result)


@pytest.fixture
def user(make_user):
    return make_user("advisor")


EMPTY = dict(device_id=None, client_updated_at=None, duration_minutes=None, commune_code=None,
             returning_visit=None, language=None, notes=None, equipment=[], situations=[])


@pytest.mark.parametrize("changes", [{}, EMPTY], ids=["every-value", "empty-values"])
def test_bulk_rows_are_stored_exactly_as_sqlalchemy_stores_them(db, user, changes):
    by_sqlalchemy, in_bulk = row(user, change_seq=1, **changes), row(user, change_seq=2, **changes)
    in_bulk["device_id"] = by_sqlalchemy["device_id"]
    db.session.execute(sa.insert(Accompaniment.__table__), [by_sqlalchemy])
    insert_many(db.session.connection(), Accompaniment.__table__, [in_bulk])
    db.session.commit()

    expected, got = stored(db, by_sqlalchemy["id"]), stored(db, in_bulk["id"])
    assert (expected.pop("change_seq"), got.pop("change_seq")) == (1, 2)
    assert expected.pop("id") != got.pop("id")
    assert got == expected


def test_bulk_rows_read_back_through_the_orm_with_their_meaning(db, user):
    values = row(user, change_seq=1)
    insert_many(db.session.connection(), Accompaniment.__table__, [values])
    insert_many(db.session.connection(), accompaniment_topic,
                [{"accompaniment_id": values["id"], "topic_code": "ADMIN_PROCEDURES"}])
    db.session.commit()
    db.session.expire_all()

    record = db.session.get(Accompaniment, values["id"])
    assert record.occurred_at == values["occurred_at"]  # the same instant, handed back in UTC
    assert record.occurred_at.tzinfo is timezone.utc and record.occurred_at.hour == 22
    assert record.client_updated_at == values["client_updated_at"]
    assert record.device_id == values["device_id"]
    assert record.equipment == ["agency_computer", "own_phone"] and record.blockers == []
    assert record.notes == "Wakaa ö ë â — première fois" and record.returning_visit is True
    assert [topic.code for topic in record.topics] == ["ADMIN_PROCEDURES"]
    assert record.to_data()["occurred_at"] == "2026-03-02T09:41:07.250000+11:00"


def test_a_naive_time_is_refused_and_nothing_is_written(db, user):
    with pytest.raises(ValueError, match="naive datetime"):
        insert_many(db.session.connection(), Accompaniment.__table__,
                    [row(user, change_seq=1), row(user, change_seq=2, occurred_at=datetime(2026, 3, 2, 9, 41))])
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Accompaniment)) == 0


def test_a_column_with_a_python_default_must_be_given(db, user):
    values = row(user, change_seq=1)
    del values["equipment"]  # default=list: computed in Python, which a driver insert would skip
    with pytest.raises(ValueError, match="must give equipment"):
        insert_many(db.session.connection(), Accompaniment.__table__, [values])


def test_an_unknown_column_is_refused(db, user):
    with pytest.raises(ValueError, match="no column nickname"):
        insert_many(db.session.connection(), Accompaniment.__table__, [row(user, change_seq=1, nickname="Mémé")])


def test_nothing_to_insert_runs_no_statement(db, monkeypatch):
    connection = db.session.connection()
    monkeypatch.setattr(connection, "exec_driver_sql", lambda *a, **k: pytest.fail("a statement ran"))
    insert_many(connection, Accompaniment.__table__, [])


@pytest.mark.parametrize("moment", [
    datetime(2026, 3, 2, 9, 41, 7, 250000, tzinfo=NOUMEA),
    datetime(2026, 3, 2, 9, 41, tzinfo=NOUMEA),  # no microseconds: SQLAlchemy still writes .000000
    datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc),
    datetime(999, 1, 1, 0, 0, 0, 1, tzinfo=timezone.utc),
    datetime(2026, 6, 1, 5, 0, tzinfo=timezone(timedelta(hours=-10))),
])
def test_utc_times_on_sqlite_are_the_text_sqlalchemy_writes(moment):
    """UTCDateTime's one-step SQLite conversion: any other text would break range filters on dates."""
    from sqlalchemy.dialects import sqlite

    from pcn_pwa.models import UTCDateTime

    dialect = sqlite.dialect()
    ours = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    stock = sa.DateTime().dialect_impl(dialect).bind_processor(dialect)
    naive = moment.astimezone(timezone.utc).replace(tzinfo=None)
    assert ours(moment) == stock(naive)
    back = UTCDateTime().dialect_impl(dialect).result_processor(dialect, None)(ours(moment))
    assert back == moment and back.tzinfo is timezone.utc
    assert ours(None) is None
    with pytest.raises(ValueError, match="naive"):
        ours(naive)
