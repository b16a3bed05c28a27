#!/usr/bin/env python
"""Where a push spends its time: cProfile of POST /api/v1/sync in-process (Flask test client).

Uses the same generated records and gzip bodies as bench/sync_ingest.py, on a fresh SQLite file
or PostgreSQL database (migrated with ``flask db upgrade``, seeded with ``flask seed``), signed in
as an advisor of TADINE. Prints the functions with the most time, for the first push (all
``created``) and the retry (all ``unchanged``), and a breakdown by phase of the request.

    .venv/bin/python bench/profile_push.py [--records 5000] [--database sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import secrets
import shutil
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sync_ingest as bench  # noqa: E402

# Phases of a push, by the function that does them (cumulative seconds in the profile).
PHASES = [
    ("read + gunzip body", "envelope.py", "read_body"),
    ("parse JSON + envelope", "envelope.py", "parse_push"),
    ("apply_push (all)", "merge.py", "apply_push"),
    ("  Reference.load", "validation.py", "load"),
    ("  lock_changes", "store.py", "lock_changes"),
    ("  _load_existing", "merge.py", "_load_existing"),
    ("  _decide (all)", "merge.py", "_decide"),
    ("    judge", "validation.py", "judge"),
    ("    _record_fields", "merge.py", "_record_fields"),
    ("    to_data (stored)", "models.py", "to_data"),
    ("    comparable", "store.py", "comparable"),
    ("    data_of", "store.py", "data_of"),
    ("  _write", "merge.py", "_write"),
    ("  _record_device", "merge.py", "_record_device"),
    ("commit", "scoping.py", "commit"),
    ("jsonify answer", "json/__init__.py", "jsonify"),
    ("load user (Flask-Login)", "__init__.py", "load_user"),
]


def phase_table(stats: pstats.Stats, total: float) -> str:
    lines = []
    for label, filename, function in PHASES:
        seconds = sum(value[3] for key, value in stats.stats.items()
                      if key[0].endswith(filename) and key[2] == function)
        lines.append(f"{label:<28} {seconds:8.3f} s  {100 * seconds / total:5.1f} %")
    return "\n".join(lines)


def profile(client, batches, expect: str, top: int) -> None:
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for batch in batches:
        response = client.post("/api/v1/sync", data=batch.body, headers={
            "Content-Encoding": "gzip", "Content-Type": "application/json", "X-CSRFToken": client.csrf})
        statuses = {r["status"] for r in response.get_json()["results"]}
        if response.status_code != 200 or statuses != {expect}:
            raise bench.BenchError(f"{response.status_code} {statuses}")
    profiler.disable()
    total = time.perf_counter() - started
    records = sum(len(b.ids) for b in batches)
    print(f"\n=== {expect}: {records} records in {total:.2f} s under cProfile "
          f"({records / total:,.0f} records/s, profiler overhead included)")
    stats = pstats.Stats(profiler)
    print(phase_table(stats, stats.total_tt))
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(top)
        text = out.getvalue()
        print(f"\n--- top {top} by {order}\n" + text[text.index("ncalls") - 3:].rstrip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    if not 1 <= args.records <= 50_000 or not 1 <= args.batch <= 500:
        parser.error("--records 1..50,000, --batch 1..500")

    from pcn_pwa import create_app

    records = bench.make_records(args.records, 2026, datetime.now(timezone.utc))
    batches = bench.make_batches(records, args.batch, str(uuid.uuid4()), 6)
    password = secrets.token_urlsafe(18)
    tmp_dir = tempfile.mkdtemp(prefix="pcn-profile-")
    try:
        with bench.fresh_database(args.database, tmp_dir, "profile") as url:
            bench.prepare(url, password)
            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_hex(16)})
            client = app.test_client()
            login = client.get("/login").get_data(as_text=True)
            response = client.post("/login", data={"csrf_token": bench.csrf_token_of(login), "username": bench.USERNAME,
                                                   "password": password})
            if response.status_code != 302:
                raise bench.BenchError(f"sign-in: {response.status_code}")
            client.csrf = client.get("/api/v1/me").get_json()["csrf_token"]
            # warm up: imports and first-request work out of the profile
            warm = bench.make_batches(bench.make_records(5, 1, datetime.now(timezone.utc)), 5, str(uuid.uuid4()), 6)
            client.post("/api/v1/sync", data=warm[0].body,
                        headers={"Content-Encoding": "gzip", "Content-Type": "application/json",
                                 "X-CSRFToken": client.csrf})
            profile(client, batches, "created", args.top)
            profile(client, batches, "unchanged", args.top)
            with app.app_context():
                from pcn_pwa.extensions import db
                db.session.remove()
                db.engine.dispose()
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
