"""One record core: the same record written through each entry point (the form, a sync push,
the demo seed) is the same row, at version 1, taking exactly the next change number."""

import uuid

import pytest
import sqlalchemy as sa

from pcn_pwa.extensions import db
from pcn_pwa.models import Accompaniment, accompaniment_partner, accompaniment_procedure, accompaniment_topic
from pcn_pwa.seed import DemoRecord, write_demo_records

from .records_data import record

# Who, when and from where: these differ by entry point by nature; everything else must not.
CIRCUMSTANCES = {"id", "change_seq", "created_at", "updated_at", "received_at", "device_id", "client_updated_at"}
LINKS = {accompaniment_partner: "partner_code", accompaniment_procedure: "procedure_code",
         accompaniment_topic: "topic_code"}

FORM = {
    "agency": "TADINE", "kind": "individual", "occurred_date": "2026-03-02", "occurred_time": "09:41",
    "duration": "30", "partners": "CAFAT", "procedures": "CAFAT_CERTIFICATE",
    "procedure_detail": "Attestation pour l’employeur", "topics": "ADMIN_PROCEDURES", "equipment": "agency_computer",
    "age_band": "60_69", "gender": "f", "status": "retired", "situations": "no_computer_at_home", "commune": "98815",
    "returning": "returning", "language": "nen", "autonomy": "guided", "outcome": "completed",
    "notes": "A apporté sa carte Cafat.",
}


def last_change() -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(Accompaniment.change_seq), 0)))


def stored(record_id) -> tuple[dict, dict]:
    db.session.expire_all()
    row = db.session.execute(sa.select(Accompaniment.__table__).where(Accompaniment.id == record_id)).mappings().one()
    links = {column: sorted(db.session.scalars(sa.select(table.c[column]).where(table.c.accompaniment_id == record_id)))
             for table, column in LINKS.items()}
    return dict(row), links


def through_the_form(client, advisor):
    response = client.post("/accompagnements/nouveau", data=FORM)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return uuid.UUID(response.headers["Location"].rsplit("=", 1)[1])


def through_a_push(client, advisor):
    record_id = uuid.uuid4()
    response = client.post("/api/v1/sync", json={"records": [{"id": str(record_id), "data": record()}]})
    assert response.json["results"][0]["status"] == "created"
    return record_id


def through_the_seed(client, advisor):
    from pcn_pwa.models import utcnow

    record_id = uuid.uuid4()
    write_demo_records([DemoRecord(record_id, record(), made_at=utcnow(), received_at=utcnow())],
                       {"TADINE": advisor}, utcnow())
    db.session.commit()
    return record_id


@pytest.mark.parametrize("entry_points", [(through_the_form, through_a_push, through_the_seed),
                                          (through_the_seed, through_the_form, through_a_push)],
                         ids=["form-push-seed", "seed-form-push"])
def test_the_same_record_through_each_entry_point_is_the_same_row(client, signed_in, entry_points):
    advisor = signed_in("advisor", agency="TADINE")
    rows = []
    for write in entry_points:
        before = last_change()
        record_id = write(client, advisor)
        row, links = stored(record_id)
        assert (row["version"], row["change_seq"]) == (1, before + 1), write.__name__
        assert (row["created_by_id"], row["updated_by_id"]) == (advisor.id, advisor.id)
        rows.append(({k: v for k, v in row.items() if k not in CIRCUMSTANCES}, links))
    assert rows[0] == rows[1] == rows[2]
    assert rows[0][1] == {"partner_code": ["CAFAT"], "procedure_code": ["CAFAT_CERTIFICATE"],
                          "topic_code": ["ADMIN_PROCEDURES"]}


def test_demo_data_that_break_the_rules_are_refused_before_anything_is_written(app, make_user):
    advisor = make_user("advisor", agency="TADINE")
    bad = DemoRecord(uuid.uuid4(), record(duration_minutes=0), made_at=None, received_at=None)
    good = DemoRecord(uuid.uuid4(), record(), made_at=None, received_at=None)
    from pcn_pwa.models import utcnow

    with pytest.raises(ValueError, match="duration_minutes"):
        write_demo_records([good, bad], {"TADINE": advisor}, utcnow())
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Accompaniment)) == 0
