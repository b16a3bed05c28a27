"""Concurrent pushes, as from two tablets or two gunicorn workers at once: one row, never a 500.

Each thread has its own client (its own session and database connection), all released
together by a barrier. Runs on SQLite and on PostgreSQL (TEST_DATABASE_URL).
"""

import threading
import uuid
from collections import Counter

import sqlalchemy as sa

from pcn_pwa.extensions import db
from pcn_pwa.models import Accompaniment

from .conftest import PASSWORD
from .records_data import record

THREADS = 8


def signed_in_clients(app, make_user, count):
    make_user("advisor", username="shared", agency="TADINE")
    clients = []
    for _ in range(count):
        client = app.test_client()
        assert client.post("/login", data={"username": "shared", "password": PASSWORD}).status_code == 302
        clients.append(client)
    return clients


def push_together(clients, bodies):
    """Send ``bodies[i]`` from ``clients[i]``, all at the same moment; return the responses."""
    barrier = threading.Barrier(len(clients))
    responses = [None] * len(clients)

    def run(index):
        barrier.wait()
        response = clients[index].post("/api/v1/sync", json=bodies[index])
        responses[index] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


def body(*records):
    return {"device_id": str(uuid.uuid4()), "pending": 0, "records": list(records)}


def rows_with(record_id=None):
    query = sa.select(sa.func.count()).select_from(Accompaniment)
    if record_id:
        query = query.where(Accompaniment.id == uuid.UUID(record_id))
    db.session.rollback()  # see what the threads committed
    return db.session.scalar(query)


def test_same_new_id_from_many_devices_makes_one_row(app, make_user):
    clients = signed_in_clients(app, make_user, THREADS)
    record_id = str(uuid.uuid4())
    # Half the devices send one version, half another (two tabs that diverged).
    bodies = [body({"id": record_id, "base_version": 0,
                    "data": record(duration_minutes=30 if i % 2 else 60)}) for i in range(THREADS)]
    responses = push_together(clients, bodies)
    assert all(status == 200 for status, _ in responses), responses
    statuses = Counter(json["results"][0]["status"] for _, json in responses)
    assert statuses["created"] == 1
    assert set(statuses) <= {"created", "unchanged", "conflict"}
    assert rows_with(record_id) == 1
    stored = db.session.get(Accompaniment, uuid.UUID(record_id))
    # Those that sent the stored version were told "unchanged"; the others "conflict".
    same = sum(1 for i in range(THREADS) if bodies[i]["records"][0]["data"]["duration_minutes"] == stored.duration_minutes)
    assert statuses["created"] + statuses["unchanged"] == same
    assert statuses["conflict"] == THREADS - same


def test_overlapping_batches_make_each_row_once(app, make_user):
    clients = signed_in_clients(app, make_user, 4)
    ids = [str(uuid.uuid4()) for _ in range(60)]
    bodies = [body(*[{"id": record_id, "base_version": 0, "data": record()} for record_id in ids[i * 10:i * 10 + 40]])
              for i in range(4)]
    responses = push_together(clients, bodies)
    assert all(status == 200 for status, _ in responses), [s for s, _ in responses]
    created = Counter(r["id"] for _, json in responses for r in json["results"] if r["status"] == "created")
    assert set(created.values()) == {1}
    assert sorted(created) == sorted(ids)
    assert rows_with() == 60


def test_concurrent_updates_of_one_version_let_exactly_one_win(app, make_user):
    clients = signed_in_clients(app, make_user, THREADS)
    record_id = str(uuid.uuid4())
    first = clients[0].post("/api/v1/sync", json=body({"id": record_id, "base_version": 0, "data": record()}))
    assert first.json["results"][0]["status"] == "created"
    durations = [40 + i for i in range(THREADS)]
    bodies = [body({"id": record_id, "base_version": 1, "data": record(duration_minutes=d)}) for d in durations]
    responses = push_together(clients, bodies)
    assert all(status == 200 for status, _ in responses), responses
    statuses = Counter(json["results"][0]["status"] for _, json in responses)
    assert statuses == {"updated": 1, "conflict": THREADS - 1}
    winner = next(d for d, (_, json) in zip(durations, responses) if json["results"][0]["status"] == "updated")
    db.session.rollback()
    stored = db.session.get(Accompaniment, uuid.UUID(record_id))
    assert (stored.version, stored.duration_minutes) == (2, winner)
