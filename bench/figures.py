#!/usr/bin/env python
"""Figures benchmark: /api/v1/stats over a million records against one scan of the records.

For each database kind asked (SQLite, PostgreSQL or both) this:

1. makes a fresh database and prepares it with the commands an admin runs (``flask db upgrade``,
   ``flask seed``, ``flask users create`` for an advisor who writes and a coordinator who reads);
2. generates N records through the record core itself, in-process: a few thousand varied
   records are judged (``judge.judge``), then each generated record is one of them with its own
   id, agency, card and moment (chronological, over the year up to now), and batches of 5,000 go
   through ``store.Writer`` (its row builder, its bulk insert, its figure tallies);
3. times the **baseline**, one scan of the records: ``SELECT agency_code, count(*) FROM
   accompaniment GROUP BY agency_code`` (median of 5, after one untimed run);
4. serves the database with gunicorn, signs the coordinator in through the login form and times
   ``GET /api/v1/stats`` over real HTTP (median of 5 after one untimed request) for (a) every
   agency over the whole year with every breakdown, (b) one agency, one quarter, one partner, and
   the dashboard's default scope (1 January to today, days at the edge of the month);
5. downloads the records as CSV and XLSX for the whole year and measures the time to the first
   byte of the body, the whole download, and how much the serving worker's memory (RSS, sampled
   every 20 ms) grew during it.

Targets (issue #10): each stats request at most 3 times the one scan, on both databases; both
exports streamed with the server's memory growing by at most 50 MB and the first byte within 1 s.

    .venv/bin/python bench/figures.py                                # 1,000,000 records, both databases
    .venv/bin/python bench/figures.py --records 100000 --database sqlite --json /tmp/figures.json

Everything talks to 127.0.0.1 only; temporary databases are dropped and gunicorn stopped even
when something fails.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sync_ingest import (BIN, COMMAND_TIMEOUT, ROOT, BenchError, Client, app_env, card_code,  # noqa: E402
                         cpu_reference, fresh_database, gunicorn, is_postgres, log, make_batches, make_records)

from pcn_pwa.config import normalise_database_url  # noqa: E402

NOUMEA = ZoneInfo("Pacific/Noumea")
AGENCIES = ["TONTOUTA", "BOURAIL", "YATE", "KOUMAC", "KONE", "TADINE"]
WRITER, READER = "bench-writer", "bench-coordinator"
MAX_RECORDS = 2_000_000
BATCH = 5_000
TEMPLATES = 3_000
TARGET_RATIO = 3.0
TARGET_RSS_MB = 50
TARGET_FIRST_BYTE_S = 1.0
REPEAT = 5


def prepare(database_url: str, password: str) -> None:
    _flask(database_url, [(["db", "upgrade"], None), (["seed"], None),
                          (["users", "create", WRITER, "--role", "advisor", "--agency", "TADINE"], password + "\n"),
                          (["users", "create", READER, "--role", "coordinator"], password + "\n")])


def _flask(database_url: str, steps) -> None:
    env = app_env(database_url)
    for command, stdin in steps:
        done = subprocess.run([str(BIN / "flask"), *command], cwd=ROOT, env=env, input=stdin,
                              capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
        if done.returncode:
            raise BenchError(f"flask {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")


# --------------------------------------------------------------------------- records


def generate(database_url: str, count: int, seed: int, year_start: datetime, now: datetime) -> float:
    """Write ``count`` records through the record core; returns the seconds it took."""
    from pcn_pwa import create_app
    from pcn_pwa.accompaniments import store
    from pcn_pwa.accompaniments.judge import Reference, judge
    from pcn_pwa.extensions import db
    from pcn_pwa.models import User

    rng = random.Random(seed)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench-" + secrets.token_hex(16)})
    with app.app_context():
        try:
            reference = Reference.load()
            writer_user = db.session.scalar(sa.select(User).where(User.username == WRITER))
            templates = []
            for record in make_records(TEMPLATES, seed, now):
                judgement = judge(record["data"], reference, now=now)
                if not judgement.valid:
                    raise BenchError(f"generated record is invalid: {judgement.errors}")
                templates.append(judgement.clean)
            pool = [card_code(rng) for _ in range(max(1, count // 25))]  # about 4 visits a card
            span = (now - year_start).total_seconds()
            offsets = sorted(rng.random() * span for _ in range(count))  # records arrive in time order
            started = time.perf_counter()
            for first in range(0, count, BATCH):
                writer = store.Writer(writer_user, now=now)
                for offset in offsets[first:first + BATCH]:
                    clean = dict(rng.choice(templates))
                    clean["agency"] = rng.choice(AGENCIES)
                    clean["occurred_at"] = (year_start + timedelta(seconds=offset)).replace(microsecond=0)
                    beneficiary = clean.get("beneficiary")
                    if beneficiary and beneficiary.get("card"):
                        clean["beneficiary"] = {**beneficiary, "card": rng.choice(pool)}
                    writer.create(clean, uuid.UUID(int=rng.getrandbits(128), version=4), made_at=clean["occurred_at"])
                writer.flush()
                db.session.commit()
                if (first // BATCH) % 20 == 19:
                    log(f"    {first + BATCH:,} records written")
            return time.perf_counter() - started
        finally:
            db.session.remove()
            db.engine.dispose()


def _set_password(database_url: str, password: str) -> None:
    """The kept database's reader gets this run's password."""
    from werkzeug.security import generate_password_hash

    engine = sa.create_engine(normalise_database_url(database_url))
    try:
        with engine.begin() as conn:
            conn.execute(sa.text('UPDATE "user" SET password_hash = :hash WHERE username = :name'),
                         {"hash": generate_password_hash(password), "name": READER})
    finally:
        engine.dispose()


def settle(database_url: str) -> None:
    """Statistics up to date for both planners, as autovacuum and ANALYZE leave a live database."""
    engine = sa.create_engine(normalise_database_url(database_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("VACUUM ANALYZE" if is_postgres(database_url) else "ANALYZE"))
    finally:
        engine.dispose()


SCAN = "SELECT agency_code, count(*) FROM accompaniment GROUP BY agency_code"


def time_scan(database_url: str) -> tuple[float, int]:
    """Median seconds of the one scan, and the records it counted."""
    engine = sa.create_engine(normalise_database_url(database_url))
    try:
        with engine.connect() as conn:
            total = sum(n for _agency, n in conn.execute(sa.text(SCAN)))
            times = []
            for _ in range(REPEAT):
                started = time.perf_counter()
                conn.execute(sa.text(SCAN)).all()
                times.append(time.perf_counter() - started)
        return statistics.median(times), total
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- HTTP


def time_get(client: Client, path: str) -> tuple[float, dict]:
    """Median seconds of GET ``path`` (JSON), after one untimed request; the answer."""
    answer = client.get_json(path)
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        client.get_json(path)
        times.append(time.perf_counter() - started)
    return statistics.median(times), answer


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    found.append(int(entry))
            except OSError:
                continue
    return found


MEMORY = {"VmRSS:": "rss", "RssAnon:": "anon", "RssFile:": "file"}


def _memory_mb(pid: int) -> dict[str, float]:
    """A process's resident memory in MB: all of it (``rss``), its own (``anon``: heap, stacks)
    and the file pages mapped in it (``file``: with SQLite, the database read through mmap)."""
    found = dict.fromkeys(MEMORY.values(), 0.0)
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                name = line.split(maxsplit=1)[0]
                if name in MEMORY:
                    found[MEMORY[name]] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return found


def download(client: Client, path: str, master_pid: int) -> dict:
    """Stream ``path``: first byte, whole time, bytes, and the largest RSS growth of a worker."""
    workers = _children(master_pid)
    before = {pid: _memory_mb(pid) for pid in workers}
    peak = {pid: dict(memory) for pid, memory in before.items()}
    done = threading.Event()

    def sample():
        while not done.is_set():
            for pid in workers:
                now = _memory_mb(pid)
                for kind, value in now.items():
                    peak[pid][kind] = max(peak[pid][kind], value)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    size = 0
    try:
        with client.http.open(client.base_url + path, timeout=600) as response:
            first = response.read(1)
            first_byte = time.perf_counter() - started
            size = len(first)
            while chunk := response.read(256 * 1024):
                size += len(chunk)
    finally:
        done.set()
        sampler.join()
    growth = {f"{kind}_growth_mb": max(peak[pid][kind] - before[pid][kind] for pid in workers)
              for kind in MEMORY.values()}
    return {"first_byte_s": first_byte, "total_s": time.perf_counter() - started, "bytes": size, **growth}


# --------------------------------------------------------------------------- one database kind


def _records_in(url: str) -> int:
    engine = sa.create_engine(normalise_database_url(url))
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM accompaniment")).scalar_one()
    except sa.exc.SQLAlchemyError:
        return -1
    finally:
        engine.dispose()


def run_database(kind: str, count: int, seed: int, tmp: str, exports: bool, keep: str | None = None) -> dict:
    password = secrets.token_urlsafe(16)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    year = now.astimezone(NOUMEA).year
    year_start = datetime(year, 1, 1, tzinfo=NOUMEA).astimezone(timezone.utc)
    with fresh_database(kind, keep if kind == "sqlite" and keep else tmp, f"figures-{count}-{seed}") as url:
        if keep and kind == "sqlite" and _records_in(url) == count:
            log(f"[{kind}] using the {count:,} records kept in {url} (migrated to this commit's schema)")
            _flask(url, [(["db", "upgrade"], None)])
            written_s = float("nan")
            _set_password(url, password)
        else:
            if keep and kind == "sqlite":
                Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
            log(f"[{kind}] preparing the database")
            prepare(url, password)
            log(f"[{kind}] writing {count:,} records through the record core")
            written_s = generate(url, count, seed, year_start, now)
            log(f"[{kind}]   {count / written_s:,.0f} records/s")
        settle(url)
        cpu_ms = cpu_reference(make_batches(make_records(500, seed, now), 500, str(uuid.uuid4()), 6)[0])
        scan_s, scanned = time_scan(url)
        if scanned != count:
            raise BenchError(f"the scan counted {scanned} records, {count} were written")
        queries = {
            "stats_all_s": {"from": f"{year}-01-01", "to": f"{year}-12-31"},
            "stats_filtered_s": {"agency": "TADINE", "from": f"{year}-04-01", "to": f"{year}-06-30",
                                 "partner": "CAFAT"},
            "stats_default_s": {},
        }
        result = {"database": kind, "records": count, "scan_s": scan_s, "write_records_per_s": count / written_s,
                  "cpu_ref_ms": cpu_ms}
        log_path = Path(tmp) / f"gunicorn-{kind}.log"
        with gunicorn(url, 2, log_path) as base:
            master = _master_pid(base)
            client = Client(base)
            client.sign_in(READER, password)
            for name, params in queries.items():
                seconds, answer = time_get(client, "/api/v1/stats?" + urllib.parse.urlencode(params))
                result[name] = seconds
                result[name.replace("_s", "_records")] = answer["totals"]["records"]
            if result["stats_all_records"] != count:
                raise BenchError(f"the year's figures count {result['stats_all_records']} records, {count} written")
            if exports:
                year_params = urllib.parse.urlencode(queries["stats_all_s"])
                for extension in ("csv", "xlsx"):
                    log(f"[{kind}] downloading the records as {extension.upper()}")
                    try:
                        measured = download(client, f"/api/v1/exports/accompaniments.{extension}?{year_params}",
                                            master)
                    except OSError as error:  # a timeout: said in the report, the other figures kept
                        log(f"[{kind}]   {extension.upper()} download failed: {error!r}")
                        result[f"{extension}_error"] = repr(error)
                        continue
                    for key, value in measured.items():
                        result[f"{extension}_{key}"] = value
        return result


def _master_pid(base_url: str) -> int:
    """The gunicorn master serving ``base_url`` (the bench's own child)."""
    port = base_url.rsplit(":", 1)[1]
    for pid in _children(os.getpid()):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                if f":{port}".encode() in handle.read():
                    return pid
        except OSError:
            continue
    raise BenchError("gunicorn's master process not found")


# --------------------------------------------------------------------------- report


def report(runs: list[dict]) -> str:
    lines = ["| database | records | write rec/s | scan s | stats (a) s | (a)/scan | stats (b) s | (b)/scan "
             "| default s | default/scan | CPU ref ms |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for run in runs:
        scan = run["scan_s"]
        lines.append(
            f"| {run['database']} | {run['records']:,} | {run['write_records_per_s']:,.0f} | {scan:.3f} "
            f"| {run['stats_all_s']:.3f} | {run['stats_all_s'] / scan:.2f} | {run['stats_filtered_s']:.3f} "
            f"| {run['stats_filtered_s'] / scan:.2f} | {run['stats_default_s']:.3f} "
            f"| {run['stats_default_s'] / scan:.2f} | {run['cpu_ref_ms']:.2f} |")
    if any("csv_total_s" in run for run in runs):
        lines += ["", "| database | export | first byte s | whole s | MB | worker RSS growth MB "
                  "| of which own (anon) MB | of which file pages MB |",
                  "|---|---|---:|---:|---:|---:|---:|---:|"]
        for run in runs:
            for extension in ("csv", "xlsx"):
                if f"{extension}_total_s" in run:
                    lines.append(f"| {run['database']} | {extension.upper()} | {run[extension + '_first_byte_s']:.2f} "
                                 f"| {run[extension + '_total_s']:.1f} | {run[extension + '_bytes'] / 1e6:.1f} "
                                 f"| {run[extension + '_rss_growth_mb']:.1f} | {run[extension + '_anon_growth_mb']:.1f} "
                                 f"| {run[extension + '_file_growth_mb']:.1f} |")
    verdicts = []
    for run in runs:
        for name in ("stats_all_s", "stats_filtered_s"):
            ratio = run[name] / run["scan_s"]
            verdicts.append(f"{run['database']} {name[:-2]}: {ratio:.2f} x scan "
                            f"({'met' if ratio <= TARGET_RATIO else 'MISSED'}, target <= {TARGET_RATIO:g})")
        for extension in ("csv", "xlsx"):
            if f"{extension}_total_s" in run:
                ok = (run[f"{extension}_rss_growth_mb"] <= TARGET_RSS_MB
                      and run[f"{extension}_first_byte_s"] <= TARGET_FIRST_BYTE_S)
                verdicts.append(f"{run['database']} {extension}: first byte {run[extension + '_first_byte_s']:.2f} s, "
                                f"RSS +{run[extension + '_rss_growth_mb']:.1f} MB ({'met' if ok else 'MISSED'})")
    return "\n".join(lines + [""] + verdicts)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000, help="records to generate (default 1,000,000)")
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--json", metavar="PATH", help="also write the runs as JSON to PATH")
    parser.add_argument("--no-exports", action="store_true", help="leave out the CSV and XLSX downloads")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", metavar="DIR", help="keep the SQLite database in DIR and use it again next "
                        "time if it holds the same number of records (PostgreSQL databases are always new)")
    args = parser.parse_args(argv)
    if not 1_000 <= args.records <= MAX_RECORDS:
        parser.error(f"--records must be between 1,000 and {MAX_RECORDS:,}")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    runs = []
    with tempfile.TemporaryDirectory(prefix="pcn-bench-figures-") as tmp:
        for kind in kinds:
            runs.append(run_database(kind, args.records, args.seed, tmp, not args.no_exports, args.keep))
    print(report(runs))
    if args.json:
        Path(args.json).write_text(json.dumps({"runs": runs}, indent=2))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        print(f"bench/figures.py: {error}", file=sys.stderr)
        sys.exit(1)
