#!/usr/bin/env python
"""One agency's tablets syncing, in process: CPU per push and per record pulled, and how long a
push holds the write lock.

Every tablet of an agency pushes its own records and pulls everyone's, so a record written is
read back once per other tablet; pushes wait for one another at the change counter's lock. This
measures, on a fresh database (SQLite or PostgreSQL) prepared as an admin would, with Flask's
test client (no HTTP, no other process):

- **CPU per push** of 20 new records (``time.process_time``: the machine's other work does not
  count) and the **lock held**: from ``store.lock_changes`` to the commit, wall time, median and
  90th percentile (what the other pushes wait for);
- **CPU per record pulled**, each of ``--tablets`` tablets pulling what changed after each push.

Two passes over the same records, in the same run: the **baseline** drops the pulls' kept items
before every request and folds the figures' journal at every push (``FIGURES_FOLD_INTERVAL=0``),
the app as it runs does neither. Ratios are app / baseline (lower is better).

    .venv/bin/python bench/agency_sync.py [--tablets 16] [--rounds 60] [--database sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sync_ingest as bench  # noqa: E402

WARM_UP = 3  # rounds left out of the figures: imports, first queries, caches of SQLAlchemy


def run(database: str, tablets: int, rounds: int, baseline: bool) -> dict:
    import sqlalchemy as sa

    from pcn_pwa import create_app
    from pcn_pwa.accompaniments import store
    from pcn_pwa.extensions import db
    from pcn_pwa.sync import pull

    records = bench.make_records(20 * rounds, 2026, datetime.now(timezone.utc))
    batches = bench.make_batches(records, 20, str(uuid.uuid4()), 6)
    password = secrets.token_urlsafe(18)
    tmp_dir = tempfile.mkdtemp(prefix="pcn-agency-")
    held, state = [], {}
    locking = store.lock_changes

    def timed_lock(*args, **kwargs):
        first = locking(*args, **kwargs)
        state["locked"] = time.perf_counter()
        return first

    try:
        with bench.fresh_database(database, tmp_dir, "agency") as url:
            bench.prepare(url, password)
            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_hex(16),
                              **({"FIGURES_FOLD_INTERVAL": 0} if baseline else {})})
            with app.app_context():
                @sa.event.listens_for(db.engine, "commit")
                def committed(_connection):
                    if "locked" in state:
                        held.append(time.perf_counter() - state.pop("locked"))

            client = app.test_client()
            login = client.get("/login").get_data(as_text=True)
            response = client.post("/login", data={"csrf_token": bench.csrf_token_of(login),
                                                   "username": bench.USERNAME, "password": password})
            if response.status_code != 302:
                raise bench.BenchError(f"sign-in: {response.status_code}")
            headers = {"Content-Encoding": "gzip", "Content-Type": "application/json",
                       "X-CSRFToken": client.get("/api/v1/me").get_json()["csrf_token"]}
            cursors = ["0"] * tablets
            push_cpu = pull_cpu = 0.0
            pulled = 0
            store.lock_changes = timed_lock
            pull.items.clear()
            for number, batch in enumerate(batches):
                counted = number >= WARM_UP
                if number == WARM_UP:
                    held.clear()
                started = time.process_time()
                response = client.post("/api/v1/sync", data=batch.body, headers=headers)
                if response.status_code != 200 or {r["status"] for r in response.get_json()["results"]} != {"created"}:
                    raise bench.BenchError(f"push {number}: {response.status_code}")
                push_cpu += (time.process_time() - started) if counted else 0
                for tablet in range(tablets):
                    started = time.process_time()
                    while True:
                        if baseline:
                            pull.items.clear()
                        body = client.get(f"/api/v1/accompaniments?since={cursors[tablet]}&limit=200").get_json()
                        cursors[tablet] = body["cursor"]
                        pulled += len(body["records"]) if counted else 0
                        if not body["more"]:
                            break
                    pull_cpu += (time.process_time() - started) if counted else 0
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    finally:
        store.lock_changes = locking
        shutil.rmtree(tmp_dir, ignore_errors=True)
    pushes = len(batches) - WARM_UP
    held.sort()
    return {"push_ms": 1000 * push_cpu / pushes, "pull_us": 1e6 * pull_cpu / max(pulled, 1),
            "held_p50": 1000 * statistics.median(held), "held_p90": 1000 * held[int(0.9 * (len(held) - 1))],
            "round_ms": 1000 * (push_cpu + pull_cpu) / pushes, "pulled": pulled}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tablets", type=int, default=16, help="tablets of the agency pulling (default 16)")
    parser.add_argument("--rounds", type=int, default=60, help="pushes of 20 records (default 60)")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="postgresql")
    args = parser.parse_args()
    if not 1 <= args.tablets <= 100 or not WARM_UP < args.rounds <= 1000:
        parser.error(f"--tablets 1..100, --rounds {WARM_UP + 1}..1000")
    app = run(args.database, args.tablets, args.rounds, baseline=False)
    base = run(args.database, args.tablets, args.rounds, baseline=True)
    rows = [("CPU per push of 20 (ms)", "push_ms"), ("lock held, median (ms)", "held_p50"),
            ("lock held, p90 (ms)", "held_p90"), ("CPU per record pulled (µs)", "pull_us"),
            ("CPU per round: a push and its pulls (ms)", "round_ms")]
    print(f"\n{args.database}, {args.tablets} tablets, {args.rounds} pushes of 20 ({app['pulled']:,} records pulled)")
    print(f"| {'':<42} | {'app':>8} | {'baseline':>8} | {'ratio':>5} |\n|{'-' * 44}|{'-' * 10}|{'-' * 10}|{'-' * 7}|")
    for label, key in rows:
        print(f"| {label:<42} | {app[key]:8.1f} | {base[key]:8.1f} | {app[key] / base[key]:5.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
