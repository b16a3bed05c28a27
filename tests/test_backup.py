"""`flask backup` and `flask restore`: a consistent copy while pushes arrive, and back to it."""

import sqlite3
import threading
import uuid
from contextlib import closing

import pytest
import sqlalchemy as sa

from pcn_pwa.extensions import db
from pcn_pwa.models import ChangeCounter

from .conftest import PASSWORD
from .records_data import record

TABLES = ("accompaniment", "accompaniment_partner", "accompaniment_procedure", "accompaniment_topic", "user",
          "device", "figure_tally", "figure_tally_pending", "card_summary")


def contents() -> dict:
    """Every row of the tables a restore must give back, in a comparable order."""
    db.session.remove()
    with db.engine.connect() as connection:
        return {name: sorted(map(repr, connection.execute(sa.text(f'SELECT * FROM "{name}"')).all()))
                for name in TABLES}


def counter() -> int:
    return db.session.scalar(sa.select(ChangeCounter.value))


def push(client, count, agency="TADINE"):
    records = [{"id": str(uuid.uuid4()), "base_version": 0,
                "data": record(notes=f"note {n}", beneficiary__card=None)} for n in range(count)]
    response = client.post("/api/v1/sync", json={"device_id": str(uuid.uuid4()), "records": records})
    assert response.status_code == 200, response.get_json()
    assert {r["status"] for r in response.get_json()["results"]} == {"created"}
    return [r["id"] for r in records]


def invoke(runner, *args, **kwargs):
    db.session.remove()  # the test holds no transaction (PostgreSQL would make the restore wait)
    return runner.invoke(args=list(args), **kwargs)


def test_backup_then_changes_then_restore_gives_back_the_backup(app, client, runner, signed_in, tmp_path):
    signed_in("advisor")
    push(client, 12)
    before = contents()
    path = tmp_path / "pcn.backup"
    done = invoke(runner, "backup", str(path))
    assert done.exit_code == 0, done.output
    assert "Backup written" in done.output and path.stat().st_size > 0

    cursor = client.get("/api/v1/accompaniments?limit=1000").get_json()["cursor"]
    later = push(client, 5)
    client.post(f"/accompagnements/{later[0]}/supprimer", data={"version": "1"})
    assert contents() != before
    counter_before_restore = counter()

    done = invoke(runner, "restore", "--yes", str(path))
    assert done.exit_code == 0, done.output
    assert "Restored" in done.output and "12 records" in done.output
    after = contents()
    assert after == before
    # No tablet's cursor is ahead of the counter: what is written next is pulled by all.
    assert counter() >= counter_before_restore
    newest = push(client, 1)
    pulled = client.get(f"/api/v1/accompaniments?since={cursor}").get_json()["records"]
    assert [item["id"] for item in pulled] == newest


def test_a_backup_taken_while_pushes_arrive_holds_whole_pushes(app, signed_in, client, runner, tmp_path):
    """Pushes go on during the backup: the copy holds each push whole or not at all, every
    push acknowledged before it began, and figures that agree with its records."""
    signed_in("advisor", username="pusher")
    pushers = []
    stop = threading.Event()
    acknowledged, lock = [], threading.Lock()

    def keep_pushing():
        own = app.test_client()
        own.post("/login", data={"username": "pusher", "password": PASSWORD})
        while not stop.is_set():
            ids = push(own, 20)
            with lock:
                acknowledged.append(ids)

    threads = [threading.Thread(target=_guarded, args=(keep_pushing, pushers), daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    while len(acknowledged) < 3:
        threading.Event().wait(0.01)
    with lock:
        before_backup = [ids for ids in acknowledged]
    path = tmp_path / "busy.backup"
    done = invoke(runner, "backup", str(path))
    with lock:
        after_backup = len(acknowledged)
    stop.set()
    for thread in threads:
        thread.join(30)
    assert done.exit_code == 0, done.output
    assert not pushers, pushers

    done = invoke(runner, "restore", "--yes", str(path))
    assert done.exit_code == 0, done.output
    stored = {str(row_id) for row_id in db.session.scalars(sa.text("SELECT id FROM accompaniment"))}
    stored = {value.replace("-", "") for value in stored}
    for ids in before_backup:
        assert all(i.replace("-", "") in stored for i in ids)
    with lock:
        pushes = list(acknowledged)
    whole = [sum(i.replace("-", "") in stored for i in ids) for ids in pushes]
    assert set(whole) <= {0, 20}, whole  # never part of a push
    assert len(stored) == 20 * sum(1 for n in whole if n == 20)
    assert after_backup >= len(before_backup)
    figures = db.session.execute(sa.text(
        "SELECT sum(records) FROM (SELECT records FROM figure_tally WHERE span = 'D' "
        "UNION ALL SELECT records FROM figure_tally_pending WHERE span = 'D') AS rows")).scalar()
    assert figures == len(stored)


def _guarded(work, faults):
    try:
        work()
    except Exception as error:  # a failing pusher must fail the test, not vanish with its thread
        faults.append(repr(error))


def test_restore_asks_first_and_no_changes_nothing(app, client, runner, signed_in, tmp_path):
    signed_in("advisor")
    push(client, 3)
    path = tmp_path / "asked.backup"
    assert invoke(runner, "backup", str(path)).exit_code == 0
    push(client, 2)
    before = contents()
    done = invoke(runner, "restore", str(path), input="n\n")
    assert done.exit_code != 0 and "Restore?" in done.output
    assert contents() == before


def test_a_backup_never_overwrites_and_a_restore_refuses_what_is_not_a_backup(app, client, runner, signed_in,
                                                                            tmp_path):
    signed_in("advisor")
    push(client, 2)
    before = contents()
    taken = tmp_path / "taken.txt"
    taken.write_text("a file of someone else")
    done = invoke(runner, "backup", str(taken))
    assert done.exit_code == 1 and "already exists" in done.output
    assert taken.read_text() == "a file of someone else"

    for name, content in (("notes.txt", b"not a database at all"), ("empty.backup", b"")):
        bad = tmp_path / name
        bad.write_bytes(content)
        done = invoke(runner, "restore", "--yes", str(bad))
        assert done.exit_code == 1 and "not" in done.output, done.output
    if db.engine.dialect.name == "sqlite":
        other = tmp_path / "other.sqlite3"
        with closing(sqlite3.connect(other)) as connection:
            connection.execute("CREATE TABLE something (id INTEGER)")
        done = invoke(runner, "restore", "--yes", str(other))
        assert done.exit_code == 1 and "not a backup of this app" in done.output
    assert contents() == before
