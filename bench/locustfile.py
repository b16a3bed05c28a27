"""Locust devices for ``bench/load.py``: tablets that sign in, then push and pull every 5 s.

Run by ``bench/load.py`` (``locust -f bench/locustfile.py --headless …``), which prepares the
database and gunicorn first and passes, in the environment:

- ``PCN_LOAD_ACCOUNTS``: a JSON file ``{"password": …, "accounts": [[username, agency], …]}``;
  device *n* signs in as account *n* modulo their number;
- ``PCN_LOAD_SECONDS``: how long to measure once every device has signed in;
- ``PCN_LOAD_RESULT``: where to write the figures and the ids the server acknowledged (JSON).

A device does what ``static/js/sync-client.js`` and ``record-copy.js`` do: a fresh CSRF token
from ``/api/v1/me`` before each push, an outbox pushed as one gzip batch, the records that came
back ``created`` or ``unchanged`` taken out of it (anything else, or no answer, keeps them for
the next push, as a tablet does), then pages of 200 pulled while ``more``. Every 5 s it adds 20
new records to its outbox. Sign-ins are kept out of the measured window: tablets stay signed in
for 30 days, they do not all sign in within the same minute.
"""

from __future__ import annotations

import gzip
import itertools
import json
import os
import random
import sys
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

import gevent
from locust import constant_pacing, events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.exception import StopUser

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sync_ingest import NOUMEA, csrf_token_of, make_data  # noqa: E402

BATCH = 20  # new records a device makes every tick
TICK = 5  # seconds between two syncs of one device
PULL_PAGE = 200  # as record-copy.js
MAX_PUSH = 500  # the contract's limit per push
GZIP_LEVEL = 6  # zlib's default, as CompressionStream

SETTINGS = json.loads(Path(os.environ["PCN_LOAD_ACCOUNTS"]).read_text()) if "PCN_LOAD_ACCOUNTS" in os.environ else None
SECONDS = float(os.environ.get("PCN_LOAD_SECONDS", "60"))
RESULT = os.environ.get("PCN_LOAD_RESULT")


class Run:
    """What every device of this process shares: counts the driver checks against the database."""

    numbers = itertools.count()
    signed_in = 0
    measuring = False
    stopping = False
    window_start = 0.0
    window_end = 0.0
    created: Counter = Counter()  # id -> times the server answered ``created`` for it
    unchanged: Counter = Counter()
    other: Counter = Counter()  # status or failure -> count
    in_flight = 0
    created_in_window = 0  # acknowledged while the figures were counting
    pulled = 0
    outbox_left = 0
    sign_in_failures: list = []


class Device(FastHttpUser):
    """One tablet of one advisor."""

    wait_time = constant_pacing(TICK)
    network_timeout = 60.0
    connection_timeout = 10.0

    def on_start(self):
        number = next(Run.numbers)
        username, self.agency = SETTINGS["accounts"][number % len(SETTINGS["accounts"])]
        self.rng = random.Random(number)
        self.device_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        self.outbox: list[dict] = []
        self.cursor = "0"
        self.sign_in(username, SETTINGS["password"])
        Run.signed_in += 1
        if Run.signed_in == self.environment.runner.target_user_count:
            start_window(self.environment)
        # Tablets are not in step: each starts its 5 s rhythm at its own moment.
        gevent.sleep(self.rng.uniform(0, TICK))

    def sign_in(self, username: str, password: str) -> None:
        page = self.client.get("/login", name="sign-in page")
        with self.client.post(
            "/login", name="sign-in", catch_response=True,
            data=urlencode({"csrf_token": csrf_token_of(page.text or "") or "", "username": username, "password": password}),
            headers={"Content-Type": "application/x-www-form-urlencoded"}, allow_redirects=False,
        ) as answer:
            # A refused sign-in shows the form again (200); a good one redirects away from it.
            if answer.status_code not in (302, 303) or "/login" in (answer.headers.get("Location") or "/login"):
                answer.failure(f"sign-in of {username} failed: {answer.status_code}")
                Run.sign_in_failures.append(username)
                raise StopUser()

    @task
    def sync(self):
        if Run.stopping:
            raise StopUser()
        now = datetime.now(timezone.utc)
        for index in range(BATCH):
            # A millisecond apart: no two records of a device share their moment, so two rows
            # alike in everything but their id can only be one record stored twice.
            touched = (now - timedelta(milliseconds=BATCH - index)).astimezone(NOUMEA).isoformat()
            self.outbox.append({"id": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)), "base_version": 0,
                                "client_updated_at": touched, "data": make_data(self.rng, now, self.agency)})
        Run.in_flight += 1
        try:
            self.push()
            self.pull()
        finally:
            Run.in_flight -= 1

    def push(self) -> None:
        with self.client.get("/api/v1/me", name="me", catch_response=True) as answer:
            if answer.status_code != 200:
                answer.failure(f"/api/v1/me answered {answer.status_code}")
                Run.other[f"me {answer.status_code}"] += 1
                return
            token = answer.json()["csrf_token"]
        batch = self.outbox[:MAX_PUSH]
        envelope = {"device_id": self.device_id, "pending": len(self.outbox) - len(batch), "records": batch}
        body = gzip.compress(json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode(),
                             compresslevel=GZIP_LEVEL)
        with self.client.post(
            "/api/v1/sync", name="push", data=body, catch_response=True,
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip",
                     "Accept": "application/json", "X-CSRFToken": token},
        ) as answer:
            if answer.status_code != 200:
                answer.failure(f"push answered {answer.status_code}")
                Run.other[f"push {answer.status_code or 'no answer'}"] += 1
                return  # the whole batch stays in the outbox
            results = answer.json()["results"]
            if [r["id"] for r in results] != [r["id"] for r in batch]:
                answer.failure("the results do not name the pushed records in order")
                Run.other["results out of order"] += 1
                return
            done = set()
            for result in results:
                status = result["status"]
                if status == "created":
                    Run.created[result["id"]] += 1
                    Run.created_in_window += Run.measuring and not Run.stopping
                elif status == "unchanged":
                    Run.unchanged[result["id"]] += 1
                else:
                    Run.other[status] += 1
                    continue
                done.add(result["id"])
            if len(done) != len(batch):
                answer.failure(f"{len(batch) - len(done)} record(s) neither created nor unchanged")
            self.outbox = [r for r in self.outbox if r["id"] not in done]

    def pull(self) -> None:
        more = True
        while more:
            with self.client.get(f"/api/v1/accompaniments?since={self.cursor}&limit={PULL_PAGE}", name="pull",
                                 catch_response=True) as answer:
                if answer.status_code != 200:
                    answer.failure(f"pull answered {answer.status_code}")
                    Run.other[f"pull {answer.status_code or 'no answer'}"] += 1
                    return
                page = answer.json()
            Run.pulled += len(page["records"])
            self.cursor = page["cursor"]
            more = page["more"] and bool(page["records"])

    def on_stop(self):
        Run.outbox_left += len(self.outbox)


def start_window(environment) -> None:
    """Every device has signed in: figures count from now, for ``SECONDS``."""
    environment.stats.reset_all()
    Run.measuring = True
    Run.window_start = time.time()
    gevent.spawn_later(SECONDS, stop_window, environment)


def stop_window(environment) -> None:
    """Let the syncs under way end (a push cut half-way would leave rows nobody acknowledged)."""
    Run.window_end = time.time()
    Run.stopping = True
    snapshot = figures(environment)
    snapshot["created_in_window"] = Run.created_in_window
    deadline = time.monotonic() + 60
    while Run.in_flight and time.monotonic() < deadline:
        gevent.sleep(0.05)
    snapshot["unfinished_syncs"] = Run.in_flight
    environment.runner.pcn_figures = snapshot
    environment.runner.quit()


def figures(environment) -> dict:
    """Requests/s, percentiles (ms) and failures of the measured window, per request name."""
    stats = environment.stats
    seconds = max(Run.window_end - Run.window_start, 1e-9)

    def entry(s) -> dict:
        return {"requests": s.num_requests, "failures": s.num_failures, "rps": s.num_requests / seconds,
                "p50": s.get_response_time_percentile(0.50), "p95": s.get_response_time_percentile(0.95),
                "p99": s.get_response_time_percentile(0.99), "max": s.max_response_time,
                "avg": s.avg_response_time}

    return {"seconds": seconds, "total": entry(stats.total),
            "by_name": {name: entry(s) for (name, _method), s in stats.entries.items()},
            "errors": {f"{e.method} {e.name}: {e.error}": e.occurrences for e in stats.errors.values()}}


@events.quitting.add_listener
def write_result(environment, **_kwargs):
    if not RESULT:
        return
    snapshot = getattr(environment.runner, "pcn_figures", None)
    Path(RESULT).write_text(json.dumps({
        "figures": snapshot, "measured": Run.measuring, "signed_in": Run.signed_in,
        "sign_in_failures": Run.sign_in_failures, "pulled": Run.pulled, "outbox_left": Run.outbox_left,
        "statuses": dict(Run.other), "created": dict(Run.created), "unchanged": dict(Run.unchanged),
    }))
