#!/usr/bin/env python
"""Load benchmark: many tablets syncing at once through gunicorn on PostgreSQL, driven by Locust.

For each number of devices asked this:

1. makes a fresh PostgreSQL database (``pcn_load_…``) and prepares it with the commands an admin
   runs (``flask db upgrade``, ``flask seed``), then creates the advisor accounts with
   ``flask users create`` (run in one process through Click, not one interpreter per account),
   spread over the six pilot agencies: one account per device up to ``--accounts-per-agency``
   per agency, then devices share them (several tablets signed in as one advisor);
2. serves it with gunicorn (``gunicorn.conf.py``, ``--workers``) on a free port of 127.0.0.1;
3. runs Locust headless (``bench/locustfile.py``): each device signs in through the form, then
   every 5 s takes a fresh CSRF token from ``/api/v1/me``, pushes its outbox (20 new records a
   tick) as gzip JSON and pulls what changed; the figures (requests/s, p50/p95/p99, failures)
   count from the moment every device has signed in, for ``--seconds``;
4. compares the server's rows with what devices were told: **lost** (acknowledged ``created``,
   no row), **duplicated by id** (``created`` answered twice for one id), **duplicated by
   content** (two rows alike in every stored value but their id: each record a device makes has
   its own moment to the millisecond, so only a record stored twice can do that), and rows
   nobody acknowledged.

``--sweep`` runs again with twice the devices until p99 passes 1 s (or anything fails), or with
half as many until it holds when the first number already failed, then ``--bisect`` times
between the last number that held and the first that did not: the saturation point.

    .venv/bin/python bench/load.py                         # 100 devices, 60 s
    .venv/bin/python bench/load.py --devices 200 --seconds 30
    .venv/bin/python bench/load.py --sweep                 # 100, 200, 400… until p99 > 1 s

Only 127.0.0.1 is reached; the database is dropped and gunicorn stopped whatever happens.
Sign-in limits are raised for the run (``LOGIN_LIMIT_*``): every device comes from 127.0.0.1,
where a real deployment sees one address per agency.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sync_ingest as bench  # noqa: E402
from sync_ingest import BIN, ROOT, BenchError, log  # noqa: E402

from pcn_pwa import reference as catalogue  # noqa: E402

TARGET_P99_MS = 1000
MIN_SWEEP_DEVICES = 5
PASSWORD_BYTES = 12
# Every device signs in from 127.0.0.1: the per-address limits would stop the twenty-first.
GENEROUS_LIMITS = {"LOGIN_LIMIT_PER_USER_ADDRESS": "100000/minute", "LOGIN_LIMIT_PER_ADDRESS": "100000/minute",
                   "LOGIN_LIMIT_PER_USER": "100000/minute", "LOGIN_BACKOFF_PER_USER": "100000/minute"}


def accounts_for(devices: int, per_agency: int) -> list[tuple[str, str]]:
    """(username, agency) pairs, the six agencies in turn so devices spread evenly."""
    agencies = [code for code, *_rest in catalogue.AGENCIES]
    count = min(per_agency, math.ceil(devices / len(agencies)))
    return [(f"load.{agency.lower()}.{n + 1}", agency) for n in range(count) for agency in agencies]


def create_accounts(database_url: str, accounts: list[tuple[str, str]], password: str) -> None:
    """``flask users create NAME --role advisor --agency CODE``, the password on stdin, for each."""
    from pcn_pwa import create_app
    from pcn_pwa.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "load-" + secrets.token_hex(16)})
    runner = app.test_cli_runner()
    try:
        for username, agency in accounts:
            done = runner.invoke(args=["users", "create", username, "--role", "advisor", "--agency", agency],
                                 input=password + "\n")
            if done.exit_code:
                raise BenchError(f"flask users create {username} failed: {done.output}")
    finally:
        with app.app_context():
            db.engine.dispose()


def cpu_ticks() -> dict[str, int]:
    """CPU ticks used so far by gunicorn, PostgreSQL and the whole machine (``machine``: the busy
    time of every CPU, from /proc/stat, which also counts processes that came and went)."""
    processes = bench._processes()
    ours = bench.own_processes(processes)
    ticks = Counter()
    with open("/proc/stat") as f:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, f.readline().split()[1:9])
    ticks["machine"] = user + nice + system + irq + softirq + steal
    for pid, (name, _parent, used) in processes.items():
        if name.startswith("postgres"):
            ticks["postgresql"] += used
        elif pid in ours and pid != os.getpid():
            ticks["gunicorn"] += used  # Locust's own CPU is taken from getrusage once it has ended
    return ticks


def load_average() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def run_locust(base_url: str, devices: int, args, tmp: Path) -> tuple[dict, dict]:
    """Locust headless against ``base_url``; its result file and the cores each party used."""
    accounts_file, result_file = tmp / "accounts.json", tmp / "result.json"
    env = {**os.environ, "PCN_LOAD_ACCOUNTS": str(accounts_file), "PCN_LOAD_SECONDS": str(args.seconds),
           "PCN_LOAD_RESULT": str(result_file), "PYTHONPATH": str(ROOT)}
    spawn_rate = args.spawn_rate
    limit = int(args.seconds + devices / spawn_rate + 240)  # sign-ins, the window, the drain
    command = [str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "--host", base_url,
               "--users", str(devices), "--spawn-rate", str(spawn_rate), "--run-time", f"{limit}s",
               "--stop-timeout", "60", "--loglevel", "WARNING", "--only-summary"]
    before, started = cpu_ticks(), time.monotonic()
    locust_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(tmp / "locust.log", "wb") as out:
        done = subprocess.run(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=limit + 120)
    seconds = time.monotonic() - started
    after = cpu_ticks()
    cores = {k: (after[k] - before.get(k, 0)) / os.sysconf("SC_CLK_TCK") / seconds for k in after}
    # Locust has ended by now: its CPU is read from what the kernel tells of reaped children.
    locust_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cores["locust"] = (locust_after.ru_utime + locust_after.ru_stime
                       - locust_before.ru_utime - locust_before.ru_stime) / seconds
    if not result_file.exists():
        raise BenchError(f"Locust wrote no result (exit {done.returncode}):\n"
                         + (tmp / "locust.log").read_text(errors="replace")[-3000:])
    return json.loads(result_file.read_text()), cores


def check_rows(database_url: str, result: dict) -> dict:
    """The server's rows against the ids the devices were told were ``created``."""
    digest = bench.table_digest(database_url)
    stored = {str(key) for key in digest["rows"]}
    created = result["created"]
    acknowledged = set(created)
    contents = Counter(repr(row[1:]) for row in digest["rows"].values())  # every stored value but the id
    return {
        "rows": len(stored),
        "acknowledged": len(acknowledged),
        "lost": len(acknowledged - stored),
        "duplicated_by_id": sum(1 for n in created.values() if n > 1),
        "duplicated_by_content": sum(n - 1 for n in contents.values() if n > 1),
        "not_acknowledged": len(stored - acknowledged - set(result["unchanged"])),
        "unchanged_answers": sum(result["unchanged"].values()),
    }


def run_once(devices: int, args) -> dict:
    """One fresh database, one gunicorn, one Locust run of ``devices``; its figures."""
    tmp = Path(tempfile.mkdtemp(prefix="pcn-load-"))
    password = secrets.token_urlsafe(PASSWORD_BYTES)
    try:
        with bench.fresh_database("postgresql", str(tmp), "run", prefix="pcn_load") as url:
            log(f"[{devices} devices] preparing the database (flask db upgrade, seed, users create)")
            bench.prepare(url, password)
            accounts = accounts_for(devices, args.accounts_per_agency)
            create_accounts(url, accounts, password)
            (tmp / "accounts.json").write_text(json.dumps({"password": password, "accounts": accounts}))
            settings = {**GENEROUS_LIMITS, **({"GUNICORN_CMD_ARGS": f"--threads {args.threads}"} if args.threads else {})}
            with bench.gunicorn(url, args.workers, tmp / "gunicorn.log", env=settings) as base_url:
                load_before = load_average()
                log(f"[{devices} devices] Locust: signing in at {args.spawn_rate}/s, then {args.seconds} s "
                    f"measured (load average {load_before})")
                result, cores = run_locust(base_url, devices, args, tmp)
                load_after = load_average()
            if not result["measured"] or not result["figures"]:
                raise BenchError(f"only {result['signed_in']} of {devices} devices signed in "
                                 f"({len(result['sign_in_failures'])} refused); see {tmp}/locust.log")
            checked = check_rows(url, result)
    except BaseException:
        log(f"logs kept in {tmp}")
        raise
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    figures = result["figures"]
    sync_names = [name for name in ("me", "push", "pull") if name in figures["by_name"]]
    return {"devices": devices, "accounts": len(accounts), "workers": args.workers, "threads": args.threads, "seconds": figures["seconds"],
            "total": figures["total"], "by_name": {n: figures["by_name"][n] for n in sync_names},
            "errors": figures["errors"], "statuses": result["statuses"], "pulled": result["pulled"],
            "outbox_left": result["outbox_left"], "created_in_window": figures["created_in_window"], "unfinished_syncs": figures.get("unfinished_syncs", 0),
            "load_before": load_before, "load_after": load_after,
            "cores": {k: round(v, 2) for k, v in cores.items()}, **checked}


def holds(run: dict) -> bool:
    """Targets: p99 at most 1 s, no failed request, nothing lost or stored twice."""
    return (run["total"]["p99"] <= TARGET_P99_MS and run["total"]["failures"] == 0 and not run["errors"]
            and run["lost"] == 0 and run["duplicated_by_id"] == 0 and run["duplicated_by_content"] == 0)


def report(runs: list[dict]) -> str:
    header = ["devices", "req/s", "records/s", "p50 ms", "p95 ms", "p99 ms", "push p99", "errors", "acked",
              "lost", "dup id", "dup content", "unacked rows", "load avg", "cores gunicorn/pg/locust/machine", "held"]
    lines = [header]
    for r in runs:
        t = r["total"]
        lines.append([
            str(r["devices"]), f"{t['rps']:.1f}", f"{r['created_in_window'] / r['seconds']:.0f}",
            f"{t['p50']:.0f}", f"{t['p95']:.0f}", f"{t['p99']:.0f}", f"{r['by_name']['push']['p99']:.0f}",
            str(t["failures"]), f"{r['acknowledged']:,}", str(r["lost"]), str(r["duplicated_by_id"]),
            str(r["duplicated_by_content"]), str(r["not_acknowledged"]), f"{r['load_before']} → {r['load_after']}",
            "/".join(f"{r['cores'].get(k, 0):.2f}" for k in ("gunicorn", "postgresql", "locust", "machine")),
            "yes" if holds(r) else "NO",
        ])
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    out = ["| " + " | ".join(c.rjust(w) for c, w in zip(row, widths)) + " |" for row in lines]
    out.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    notes = ["req/s and percentiles: every request of the measured window (me, push, pull), Locust's figures; "
             "records/s: records acknowledged created within the window (a device makes 4 a second); cores: CPU used by each party over the whole run, sign-ins included (pg: every PostgreSQL backend on the server, other databases too); machine: every CPU's busy time "
             f"(of {os.cpu_count()}), other engineers' work included"]
    for r in runs:
        if r["errors"] or r["statuses"]:
            notes.append(f"{r['devices']} devices: errors {r['errors']}, statuses {r['statuses']}")
    return "\n".join(out + notes)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=100, help="simulated tablets (default 100; first step of --sweep)")
    parser.add_argument("--seconds", type=int, default=60, help="measured seconds once all signed in (default 60)")
    parser.add_argument("--sweep", action="store_true", help="double (or halve) the devices to find where p99 passes 1 s, then bisect")
    parser.add_argument("--bisect", type=int, default=2,
                        help="sweep steps between the last number that held and the first that did not (default 2)")
    parser.add_argument("--max-devices", type=int, default=3200, help="the sweep stops here (default 3200)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2, one per core)")
    parser.add_argument("--threads", type=int, help="threads per gunicorn worker (default: gunicorn.conf.py's)")
    parser.add_argument("--spawn-rate", type=float, default=10, help="devices signing in per second (default 10)")
    parser.add_argument("--accounts-per-agency", type=int, default=20,
                        help="advisor accounts per agency at most; more devices share them (default 20)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON to PATH")
    args = parser.parse_args(argv)
    if not 1 <= args.devices <= args.max_devices or args.max_devices > 5000:
        parser.error("--devices must be between 1 and --max-devices (at most 5,000)")
    if not 5 <= args.seconds <= 1800:
        parser.error("--seconds must be between 5 and 1,800")
    if not 1 <= args.workers <= 16 or not 1 <= args.accounts_per_agency <= 200:
        parser.error("--workers must be between 1 and 16, --accounts-per-agency between 1 and 200")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    runs: list[dict] = []

    def measure(devices: int) -> dict:
        run = run_once(devices, args)
        runs.append(run)
        log(report([run]))
        return run

    try:
        run = measure(args.devices)
        if args.sweep:
            held, failed = (run["devices"], None) if holds(run) else (None, run["devices"])
            while failed is None and held * 2 <= args.max_devices:  # up while it holds
                failed = None if holds(measure(held * 2)) else held * 2
                if failed is None:
                    held *= 2
            while held is None and failed // 2 >= MIN_SWEEP_DEVICES:  # down until it holds
                if holds(measure(failed // 2)):
                    held = failed // 2
                else:
                    failed //= 2
            for _ in range(args.bisect):  # between the last that held and the first that did not
                if not held or not failed or failed - held <= max(2, held // 8):
                    break
                middle = (held + failed) // 2
                if holds(measure(middle)):
                    held = middle
                else:
                    failed = middle
            runs.sort(key=lambda r: r["devices"])
            print(report(runs))
            print(f"saturation: p99 held ≤ {TARGET_P99_MS} ms up to {held or 'no number of'} devices"
                  + (f", passed it at {failed}" if failed else f" (not reached by {args.max_devices})")
                  + f"; {os.cpu_count()} CPUs")
        else:
            print(report(runs))
    except BenchError as error:
        log(f"FAILED: {error}")
        if runs:
            print(report(runs))
        return 1
    finally:
        if args.json and runs:
            Path(args.json).write_text(json.dumps({"args": vars(args), "cpus": os.cpu_count(), "runs": runs}, indent=2))
    if not args.sweep and not holds(runs[0]):
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
