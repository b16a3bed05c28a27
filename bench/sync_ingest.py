#!/usr/bin/env python
"""Sync ingest benchmark: records/s through the real push API against a raw bulk insert.

For each database kind asked (SQLite, PostgreSQL or both) this:

1. makes two fresh databases of that kind and prepares each with the commands an admin runs
   (``flask db upgrade``, ``flask seed``, ``flask users create bench --role advisor --agency TADINE``);
2. HTTP path: serves the first with gunicorn on a free port of 127.0.0.1, signs in through the
   ``/login`` form (CSRF token from the hidden input, session cookie kept), takes a CSRF token from
   ``GET /api/v1/me`` and pushes N generated records in batches as gzip JSON to
   ``POST /api/v1/sync``; every result must be ``created``. Then it pushes the same batches again
   (a retry after lost answers): every result must be ``unchanged``;
3. raw baseline: judges the same records in-process (``judge.judge``), builds the very row
   dicts the sync path writes (``store.new_row`` and ``store.link_rows``), and inserts
   them into the second database with SQLAlchemy Core ``connection.execute(insert(table), rows)``,
   batches of the same size, one commit per batch. Only the inserts are timed;
4. checks both databases hold the same N rows and link rows, and prints one table.

Targets (issue): HTTP at least a third of the raw insert speed; at least 5,000 records/s on
SQLite; a gzip batch at most 120 bytes per record on average.

Run from the repository root with the project's venv:

    .venv/bin/python bench/sync_ingest.py                      # 20,000 records, both databases
    .venv/bin/python bench/sync_ingest.py --records 2000 --database sqlite

Everything talks to 127.0.0.1 only (PostgreSQL at postgresql://postgres@127.0.0.1:5432, trust
auth); temporary databases are dropped and gunicorn is stopped even when something fails.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import http.cookiejar
import json
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from pcn_pwa import reference as catalogue  # noqa: E402
from pcn_pwa.accompaniments import vocabulary as vocab  # noqa: E402
from pcn_pwa.config import normalise_database_url  # noqa: E402
from pcn_pwa.accompaniments import cards  # noqa: E402

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
HOST = "127.0.0.1"
NOUMEA = ZoneInfo("Pacific/Noumea")
AGENCY = "TADINE"
USERNAME = "bench"
MAX_RECORDS = 200_000  # bounded: the benchmark never pushes more than this
MAX_BATCH = 500  # the contract's limit per push
REQUEST_TIMEOUT = 120  # seconds, one push
COMMAND_TIMEOUT = 300  # seconds, one flask command
TARGET_RATIO = 1 / 3
TARGET_SQLITE_RATE = 5000
TARGET_GZIP_BYTES = 120


class BenchError(Exception):
    """Something the benchmark checks went wrong: it stops and says what."""


# --------------------------------------------------------------------------- measuring fairly


def _processes() -> dict[int, tuple[str, int, int]]:
    """pid -> (command name, parent pid, CPU ticks used so far), from /proc (Linux)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat_file:
                stat = stat_file.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()  # fields[0] is field 3 (state) of proc(5)
        found[int(entry)] = (name, int(fields[1]), int(fields[11]) + int(fields[12]))
    return found


def own_processes(processes: dict[int, tuple[str, int, int]]) -> set[int]:
    """This process and its descendants (gunicorn and its workers, Locust…) among ``processes``."""
    ours = {os.getpid()}
    grew = True
    while grew:
        grew = False
        for pid, (_name, parent, _ticks) in processes.items():
            if parent in ours and pid not in ours:
                ours.add(pid)
                grew = True
    return ours


def _others_ticks() -> int:
    """CPU ticks used by processes that are not this benchmark's: not this process, not its
    children (gunicorn and its workers), not PostgreSQL's."""
    processes = _processes()
    ours = own_processes(processes)
    return sum(ticks for pid, (name, _parent, ticks) in processes.items()
               if pid not in ours and not name.startswith("postgres"))


class Timed:
    """A timed section: wall seconds, and how many cores other work on the machine used meanwhile
    (a busy machine skews the figures). The garbage collector leaves alone the objects that exist
    when the section starts (the generated records), as in a server that never held them."""

    def __enter__(self):
        gc.collect()
        gc.freeze()
        self.others = _others_ticks() if os.path.isdir("/proc") else None
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.started
        if self.others is not None:
            ticks = _others_ticks() - self.others
            self.other_cores = max(0.0, ticks / os.sysconf("SC_CLK_TCK") / self.seconds)
        else:
            self.other_cores = float("nan")
        gc.unfreeze()
        return False


def cpu_reference(batch: "Batch", rounds: int = 7) -> float:
    """Milliseconds this machine takes, right now, to parse one batch with ``json.loads`` (best of
    ``rounds``): a fixed piece of pure CPU work. Shared machines change speed from hour to hour;
    this column says how fast the machine was when a run was measured."""
    import gzip

    text = gzip.decompress(batch.body)
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        json.loads(text)
        best = min(best, time.perf_counter() - started)
    return best * 1000


# --------------------------------------------------------------------------- records


def card_code(rng: random.Random) -> str:
    data = "".join(rng.choice(cards.ALPHABET) for _ in range(cards.DATA_LENGTH))
    return data + cards.check_character(data)


NOTES = [
    "A apporté sa carte Cafat.",
    "Revient demain avec son avis d’imposition.",
    "Mot de passe réinitialisé, noté sur son carnet.",
    "Réseau très lent ce matin.",
    "Accompagnée par sa fille.",
    "Première visite, très motivé.",
]
DETAILS = ["Attestation pour l’employeur", "Facture de janvier", "Relevé du compteur", "Demande de RDV"]
WORKSHOPS = ["Se protéger des arnaques", "Premiers pas sur la tablette", "Envoyer un e-mail avec pièce jointe",
             "Faire ses démarches en ligne", "Les appels vidéo en famille"]
DURATIONS = [5, 15, 30, 45, 60, 90, 120]


def make_data(rng: random.Random, now: datetime, agency: str = AGENCY) -> dict:
    """One valid accompaniment of ``agency``, as a tablet would send it, varied by ``rng``."""
    partners = [code for code, _name in catalogue.PARTNERS]
    procedures_of = {}
    for code, partner, _label in catalogue.PROCEDURES:
        procedures_of.setdefault(partner, []).append(code)
    topics = [code for code, _label in catalogue.TOPICS]
    communes = [code for code, _name, _province in catalogue.COMMUNES]

    kind = rng.choices(["individual", "quick_help", "free_access", "workshop"], weights=[55, 20, 12, 13])[0]
    moment = now - timedelta(days=rng.uniform(0, 14), minutes=rng.randrange(0, 600))
    moment = moment.astimezone(NOUMEA).replace(second=0, microsecond=0)
    data = {"agency": agency, "kind": kind, "occurred_at": moment.isoformat()}
    home = next(commune for code, _name, commune, _province in catalogue.AGENCIES if code == agency)
    beneficiary = {
        "age_band": rng.choice(list(vocab.AGE_BANDS)),
        "gender": rng.choice(list(vocab.GENDERS)),
        "status": rng.choice(list(vocab.STATUSES)),
        "situations": rng.sample(list(vocab.SITUATIONS), rng.choice([0, 0, 1, 1, 2])),
        "returning": rng.random() < 0.4,
    }
    if rng.random() < 0.8:
        beneficiary["commune"] = rng.choice([home] * 6 + communes)  # mostly the agency's own
    if rng.random() < 0.5:
        beneficiary["language"] = rng.choice(["fr", "fr", "nen", "dhv", "other"])
    if kind == "individual":
        chosen = rng.sample(partners, rng.choice([0, 1, 1, 1, 2]))
        pool = [code for partner in chosen for code in procedures_of[partner]]
        procedures = rng.sample(pool, min(len(pool), rng.choice([1, 1, 2]))) if pool else []
        chosen_topics = rng.sample(topics, rng.choice([0, 1, 1, 2]) if procedures else rng.choice([1, 2]))
        outcome = rng.choice(list(vocab.OUTCOMES))
        data.update(
            duration_minutes=rng.choice(DURATIONS[:5]), participants=1, partners=chosen, procedures=procedures,
            topics=chosen_topics, equipment=rng.sample(list(vocab.EQUIPMENT), 1), autonomy=rng.choice(list(vocab.AUTONOMY)),
            outcome=outcome, blockers=rng.sample(list(vocab.BLOCKERS), rng.choice([0, 0, 0, 1, 2])),
        )
        if outcome == "redirected":
            data["redirected_to"] = rng.choice(partners + list(vocab.REDIRECT_PLACES))
        if procedures and rng.random() < 0.3:
            data["procedure_detail"] = rng.choice(DETAILS)
        if rng.random() < 0.3:
            beneficiary["card"] = card_code(rng)
        if rng.random() < 0.25:
            data["notes"] = rng.choice(NOTES)
    elif kind == "workshop":
        data.update(duration_minutes=rng.choice([60, 90, 120]), participants=rng.randint(3, 15),
                    topics=rng.sample(topics, rng.choice([1, 2])), workshop_title=rng.choice(WORKSHOPS),
                    workshop_level=rng.choice(list(vocab.WORKSHOP_LEVELS)))
        beneficiary = {}
    elif kind == "quick_help":
        data.update(duration_minutes=rng.choice([5, 5, 15]), topics=rng.sample(topics, 1))
    else:  # free_access
        data.update(duration_minutes=rng.choice([15, 30, 45, 60]), topics=rng.sample(topics, 1),
                    equipment=["agency_computer"])
    if beneficiary:
        data["beneficiary"] = beneficiary
    return data


def make_records(count: int, seed: int, now: datetime) -> list[dict]:
    """``count`` new records (base_version 0) with ids and dates drawn from ``seed``."""
    rng = random.Random(seed)
    records = []
    for _ in range(count):
        data = make_data(rng, now)
        touched = datetime.fromisoformat(data["occurred_at"]) + timedelta(minutes=rng.randrange(1, 240))
        records.append({
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "base_version": 0,
            "client_updated_at": min(touched, now.astimezone(NOUMEA)).isoformat(),
            "data": data,
        })
    return records


@dataclass
class Batch:
    ids: list[str]
    body: bytes  # gzip of the JSON, as sent
    raw_size: int  # the JSON before gzip


def make_batches(records: list[dict], size: int, device_id: str, level: int) -> list[Batch]:
    """The push bodies, serialised like JSON.stringify and gzipped, before any timing."""
    batches = []
    for start in range(0, len(records), size):
        chunk = records[start:start + size]
        envelope = {"device_id": device_id, "pending": len(records) - start - len(chunk), "records": chunk}
        raw = json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()
        batches.append(Batch([r["id"] for r in chunk], gzip.compress(raw, compresslevel=level, mtime=0), len(raw)))
    return batches


# --------------------------------------------------------------------------- databases


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


@contextmanager
def fresh_database(kind: str, tmp_dir: str, label: str, prefix: str = "pcn_bench"):
    """A new empty database of ``kind`` (its URL), dropped afterwards whatever happens."""
    if kind == "sqlite":
        yield "sqlite:///" + os.path.join(tmp_dir, f"{label}.sqlite3")
        return
    name = f"{prefix}_{label}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(normalise_database_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def app_env(database_url: str) -> dict:
    return {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "bench-" + secrets.token_hex(16),
            "FLASK_APP": "wsgi"}


def prepare(database_url: str, password: str) -> None:
    """Migrate, seed the reference data and create the advisor, with the real commands."""
    env = app_env(database_url)
    steps = [(["db", "upgrade"], None), (["seed"], None),
             (["users", "create", USERNAME, "--role", "advisor", "--agency", AGENCY], password + "\n")]
    for command, stdin in steps:
        done = subprocess.run([str(BIN / "flask"), *command], cwd=ROOT, env=env, input=stdin,
                              capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
        if done.returncode:
            raise BenchError(f"flask {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")


def count_rows(database_url: str) -> dict[str, int]:
    engine = sa.create_engine(normalise_database_url(database_url))
    try:
        with engine.connect() as conn:
            return {table: conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
                    for table in ("accompaniment", "accompaniment_partner", "accompaniment_procedure",
                                  "accompaniment_topic")}
    finally:
        engine.dispose()


# Columns that differ by construction between the two databases (when and in which order written).
WRITE_COLUMNS = {"change_seq", "created_at", "updated_at", "received_at"}


def table_digest(database_url: str) -> dict:
    """Every stored value of the records and their links, but when they were written."""
    from pcn_pwa.models import Accompaniment, accompaniment_partner, accompaniment_procedure, accompaniment_topic

    engine = sa.create_engine(normalise_database_url(database_url))
    table = Accompaniment.__table__
    columns = [c for c in table.columns if c.name not in WRITE_COLUMNS]
    try:
        with engine.connect() as conn:
            rows = {row[0]: tuple(row) for row in conn.execute(sa.select(*columns))}
            links = {link.name: set(map(tuple, conn.execute(sa.select(link))))
                     for link in (accompaniment_partner, accompaniment_procedure, accompaniment_topic)}
        return {"rows": rows, "links": links}
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- gunicorn and HTTP


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def opener(jar: http.cookiejar.CookieJar | None = None) -> urllib.request.OpenerDirector:
    """urllib without any proxy from the environment: only 127.0.0.1 is ever reached."""
    handlers = [urllib.request.ProxyHandler({})]
    if jar is not None:
        handlers.append(urllib.request.HTTPCookieProcessor(jar))
    return urllib.request.build_opener(*handlers)


@contextmanager
def gunicorn(database_url: str, workers: int, log_path: Path, env: dict | None = None):
    """The app served as deployed (``env``: settings added to the app's); stopped (TERM, then
    KILL) on the way out."""
    port = free_port()
    url = f"http://{HOST}:{port}"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"{HOST}:{port}",
             "--graceful-timeout", "10", "wsgi:app"],
            cwd=ROOT, env={**app_env(database_url), **(env or {})}, stdout=subprocess.DEVNULL, stderr=log,
        )
    try:
        plain = opener()
        deadline = time.monotonic() + 30
        while True:
            try:
                with plain.open(url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except (OSError, urllib.error.HTTPError):
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"gunicorn did not answer /healthz:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class _CsrfInput(HTMLParser):
    def __init__(self):
        super().__init__()
        self.token = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") == "csrf_token":
            self.token = attrs.get("value")


def csrf_token_of(page: str) -> str | None:
    """The sign-in form's hidden CSRF token, as a browser would send it back."""
    parser = _CsrfInput()
    parser.feed(page)
    return parser.token


class Client:
    """One advisor's session, as a tablet holds it: a cookie, and a CSRF token from /me."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.http = opener(self.jar)
        self.csrf = None

    def sign_in(self, username: str, password: str) -> None:
        with self.http.open(self.base_url + "/login", timeout=30) as response:
            token = csrf_token_of(response.read().decode())
        if not token:
            raise BenchError("no csrf_token hidden input on /login")
        form = urllib.parse.urlencode({"csrf_token": token, "username": username, "password": password})
        try:
            with self.http.open(self.base_url + "/login", data=form.encode(), timeout=30) as response:
                landed = response.geturl()
        except urllib.error.HTTPError as error:
            raise BenchError(f"sign-in refused: {error.code} {error.read()[:300]!r}") from None
        if landed.rstrip("/") != self.base_url:
            raise BenchError(f"sign-in did not land on the home page but on {landed}")
        me = self.get_json("/api/v1/me")
        if me["user"]["username"] != username:
            raise BenchError(f"signed in as {me['user']!r}")
        self.csrf = me["csrf_token"]

    def get_json(self, path: str) -> dict:
        request = urllib.request.Request(self.base_url + path, headers={"Accept": "application/json"})
        with self.http.open(request, timeout=30) as response:
            return json.loads(response.read())

    def push(self, body: bytes) -> dict:
        request = urllib.request.Request(
            self.base_url + "/api/v1/sync", data=body, method="POST",
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json",
                     "Accept": "application/json", "X-CSRFToken": self.csrf},
        )
        try:
            with self.http.open(request, timeout=REQUEST_TIMEOUT) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise BenchError(f"push answered {error.code}: {error.read()[:500]!r}") from None


@dataclass
class PushRun:
    seconds: float
    latencies: list[float]
    statuses: dict[str, int] = field(default_factory=dict)
    other_cores: float = 0.0


def push_all(client: Client, batches: list[Batch], expect: str, clients: int, deadline: float) -> PushRun:
    """Push every batch (``clients`` at a time); every result must be ``expect`` at version 1."""
    latencies = [0.0] * len(batches)
    answers = [None] * len(batches)

    def send(index: int) -> None:
        if time.monotonic() > deadline:
            raise BenchError("time limit reached (--max-seconds)")
        started = time.perf_counter()
        answers[index] = client.push(batches[index].body)
        latencies[index] = time.perf_counter() - started

    with Timed() as timed:
        if clients == 1:
            for index in range(len(batches)):
                send(index)
        else:
            with ThreadPoolExecutor(max_workers=clients) as pool:
                for future in [pool.submit(send, index) for index in range(len(batches))]:
                    future.result()

    statuses: dict[str, int] = {}
    for batch, answer in zip(batches, answers):
        results = answer["results"]
        if [r["id"] for r in results] != batch.ids:
            raise BenchError("the results do not name the pushed records in order")
        for result in results:
            statuses[result["status"]] = statuses.get(result["status"], 0) + 1
            if result["status"] != expect or result.get("version") != 1:
                raise BenchError(f"expected {expect!r} at version 1, got {json.dumps(result, ensure_ascii=False)[:600]}")
    return PushRun(timed.seconds, latencies, statuses, timed.other_cores)


# --------------------------------------------------------------------------- raw baseline


def raw_rows(database_url: str, records: list[dict], device_id: str):
    """The row dicts the sync path would write for ``records`` (judged here, not timed)."""
    from pcn_pwa import create_app
    from pcn_pwa.extensions import db
    from pcn_pwa.models import Accompaniment, User, utcnow
    from pcn_pwa.accompaniments import store
    from pcn_pwa.accompaniments.judge import Reference, judge, parse_datetime

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench-" + secrets.token_hex(16)})
    with app.app_context():
        try:
            reference = Reference.load()
            user_id = db.session.scalar(sa.select(User.id).where(User.username == USERNAME))
            now = utcnow()
            device = uuid.UUID(device_id)
            rows, links = [], []
            for seq, record in enumerate(records, start=1):
                judgement = judge(record["data"], reference, now=now)
                if not judgement.valid:
                    raise BenchError(f"generated record {record['id']} is invalid: {judgement.errors}")
                record_id = uuid.UUID(record["id"])
                new = store.NewRecord(record_id, judgement.clean,
                                      client_updated_at=parse_datetime(record["client_updated_at"]))
                rows.append(store.new_row(new, user_id, seq, device, now))  # the store's own row builder
                links.append(store.link_rows(record_id, judgement.clean))
            return Accompaniment.__table__, rows, links
        finally:
            db.session.remove()
            db.engine.dispose()


def raw_insert(database_url: str, table, rows: list[dict], links: list[dict], size: int) -> Timed:
    """Insert ``rows`` and their links with Core executemany, one commit per batch; the timing."""
    engine = sa.create_engine(normalise_database_url(database_url))
    try:
        with engine.connect() as conn:  # connect (and set the pragmas) outside the timing
            conn.execute(sa.text("SELECT 1"))
            conn.rollback()
        with Timed() as timed:
            for start in range(0, len(rows), size):
                batch_links: dict = {}
                for record_links in links[start:start + size]:
                    for link_table, link_rows in record_links.items():
                        batch_links.setdefault(link_table, []).extend(link_rows)
                with engine.begin() as conn:
                    conn.execute(sa.insert(table), rows[start:start + size])
                    for link_table, link_rows in batch_links.items():
                        if link_rows:
                            conn.execute(sa.insert(link_table), link_rows)
        return timed
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- one database kind


@dataclass
class Run:
    """One run on one database kind: fresh databases, first push, retry, raw insert."""

    database: str
    records: int
    http_seconds: float
    retry_seconds: float
    raw_seconds: float
    gzip_bytes: int
    json_bytes: int
    batch_p50: float
    batch_max: float
    other_cores: float  # the most any timed section saw other work use, in cores
    cpu_ref_ms: float  # cpu_reference() just before the run: lower is a faster machine

    @property
    def http_rate(self):
        return self.records / self.http_seconds

    @property
    def retry_rate(self):
        return self.records / self.retry_seconds

    @property
    def raw_rate(self):
        return self.records / self.raw_seconds

    @property
    def ratio(self):
        return self.http_rate / self.raw_rate

    def figures(self) -> dict:
        return {"database": self.database, "records": self.records, "http_rate": round(self.http_rate),
                "raw_rate": round(self.raw_rate), "ratio": round(self.ratio, 3),
                "retry_rate": round(self.retry_rate), "batch_p50_ms": round(self.batch_p50 * 1000, 1),
                "batch_max_ms": round(self.batch_max * 1000, 1),
                "gzip_bytes_per_record": round(self.gzip_bytes / self.records, 1),
                "json_bytes_per_record": round(self.json_bytes / self.records, 1),
                "other_cores": round(self.other_cores, 2), "cpu_ref_ms": round(self.cpu_ref_ms, 2)}


def expected_counts(records: list[dict]) -> dict[str, int]:
    counts = {"accompaniment": len(records), "accompaniment_partner": 0, "accompaniment_procedure": 0,
              "accompaniment_topic": 0}
    for record in records:
        data = record["data"]
        counts["accompaniment_partner"] += len(set(data.get("partners", [])))
        counts["accompaniment_procedure"] += len(set(data.get("procedures", [])))
        counts["accompaniment_topic"] += len(set(data.get("topics", [])))
    return counts


def run_database(kind: str, args, records: list[dict], batches: list[Batch], device_id: str,
                 deadline: float) -> Run:
    password = secrets.token_urlsafe(18)
    tmp_dir = tempfile.mkdtemp(prefix=f"pcn-bench-{kind}-")
    cpu_ref_ms = cpu_reference(batches[0])
    try:
        with fresh_database(kind, tmp_dir, "http") as http_url, fresh_database(kind, tmp_dir, "raw") as raw_url:
            log(f"[{kind}] preparing two databases (flask db upgrade, flask seed, flask users create)")
            prepare(http_url, password)
            prepare(raw_url, password)

            log(f"[{kind}] gunicorn --workers {args.workers}; pushing {len(records)} records "
                f"in {len(batches)} batches of {args.batch}")
            with gunicorn(http_url, args.workers, Path(tmp_dir) / "gunicorn.log") as base_url:
                client = Client(base_url)
                client.sign_in(USERNAME, password)
                first = push_all(client, batches, "created", args.clients, deadline)
                log(f"[{kind}] push: {first.seconds:.2f} s, {len(records) / first.seconds:,.0f} records/s; "
                    f"pushing the same batches again (retries)")
                client.csrf = client.get_json("/api/v1/me")["csrf_token"]
                retry = push_all(client, batches, "unchanged", args.clients, deadline)
                log(f"[{kind}] retry: {retry.seconds:.2f} s, {len(records) / retry.seconds:,.0f} records/s")

            log(f"[{kind}] raw baseline: judging and building rows (not timed)")
            table, rows, links = raw_rows(raw_url, records, device_id)
            raw = raw_insert(raw_url, table, rows, links, args.batch)
            del rows, links
            log(f"[{kind}] raw insert: {raw.seconds:.2f} s, {len(records) / raw.seconds:,.0f} records/s")

            expected = expected_counts(records)
            for label, url in (("HTTP", http_url), ("raw", raw_url)):
                counts = count_rows(url)
                if counts != expected:
                    raise BenchError(f"{label} database holds {counts}, expected {expected}")
            http_digest, raw_digest = table_digest(http_url), table_digest(raw_url)
            if http_digest != raw_digest:
                differing = sum(1 for k, v in http_digest["rows"].items() if raw_digest["rows"].get(k) != v)
                raise BenchError(f"the HTTP and raw databases differ ({differing} rows differ)")
            log(f"[{kind}] checked: both databases hold the same {len(records)} records and their links")
            return Run(kind, len(records), first.seconds, retry.seconds, raw.seconds,
                       sum(len(b.body) for b in batches), sum(b.raw_size for b in batches),
                       statistics.median(first.latencies), max(first.latencies),
                       max(first.other_cores, retry.other_cores, raw.other_cores), cpu_ref_ms)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)


# --------------------------------------------------------------------------- report


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def yes_no(ok: bool) -> str:
    return "yes" if ok else "NO"


def median_run(runs: list[Run]) -> Run:
    """The run whose HTTP rate is the median (the upper one of an even count)."""
    return sorted(runs, key=lambda r: r.http_rate)[len(runs) // 2]


def report(runs: list[Run], args) -> str:
    header = ["database", "run", "records", "HTTP rec/s", "raw rec/s", "HTTP/raw", "≥ 1/3", "≥ 5,000/s",
              "retry rec/s", "batch p50 ms", "batch max ms", "gzip B/rec", "≤ 120 B", "JSON B/rec", "other CPU", "CPU ref ms"]
    lines = [header]
    kinds = list(dict.fromkeys(r.database for r in runs))
    for kind in kinds:
        of_kind = [r for r in runs if r.database == kind]
        rows = [(str(i + 1), r) for i, r in enumerate(of_kind)]
        if len(of_kind) > 1:
            rows.append(("median", median_run(of_kind)))
        for label, r in rows:
            lines.append([
                r.database, label, f"{r.records:,}", f"{r.http_rate:,.0f}", f"{r.raw_rate:,.0f}", f"{r.ratio:.2f}",
                yes_no(r.ratio >= TARGET_RATIO),
                yes_no(r.http_rate >= TARGET_SQLITE_RATE) if r.database == "sqlite" else "n/a",
                f"{r.retry_rate:,.0f}", f"{r.batch_p50 * 1000:.0f}", f"{r.batch_max * 1000:.0f}",
                f"{r.gzip_bytes / r.records:.1f}", yes_no(r.gzip_bytes / r.records <= TARGET_GZIP_BYTES),
                f"{r.json_bytes / r.records:.1f}", f"{r.other_cores:.2f}", f"{r.cpu_ref_ms:.2f}",
            ])
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    out = [f"sync ingest: {args.records:,} records, batches of {args.batch}, gunicorn --workers {args.workers}, "
           f"{args.clients} client(s), gzip level {args.gzip_level}, seed {args.seed}, {os.cpu_count()} CPUs"]
    for index, row in enumerate(lines):
        out.append("| " + " | ".join(cell.ljust(w) if i < 2 else cell.rjust(w)
                                     for i, (cell, w) in enumerate(zip(row, widths))) + " |")
        if index == 0:
            out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    out.append("other CPU: cores used by other work on the machine during the timed sections (at most); "
               "well above 0 means the figures are skewed.")
    out.append("CPU ref ms: the machine's speed just before each run (one batch parsed by json.loads, best of 7): "
               "lower is faster; rates measured at different speeds are not comparable.")
    if len(kinds) and any(r.other_cores > 0.2 for r in runs):
        out.append("WARNING: other work used the CPU while timing; run again on a quiet machine.")
    return "\n".join(out)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=20_000, help="records to push (default 20,000)")
    parser.add_argument("--batch", type=int, default=500, help="records per push (default 500, the contract's maximum)")
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--clients", type=int, default=1,
                        help="pushes in flight at once (default 1: one tablet pushes one batch at a time)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per database, each on fresh databases; the median is shown too (default 1)")
    parser.add_argument("--gzip-level", type=int, default=6,
                        help="gzip level of the bodies (default 6, zlib's default, as browsers' CompressionStream)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed of the generated records")
    parser.add_argument("--max-seconds", type=int, default=1800, help="stop with an error past this (default 1800)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON to PATH")
    args = parser.parse_args(argv)
    if not 1 <= args.records <= MAX_RECORDS:
        parser.error(f"--records must be between 1 and {MAX_RECORDS:,}")
    if not 1 <= args.batch <= MAX_BATCH:
        parser.error(f"--batch must be between 1 and {MAX_BATCH}")
    if not 1 <= args.workers <= 16 or not 1 <= args.clients <= 16:
        parser.error("--workers and --clients must be between 1 and 16")
    if not 1 <= args.repeat <= 9:
        parser.error("--repeat must be between 1 and 9")
    if not 1 <= args.gzip_level <= 9:
        parser.error("--gzip-level must be between 1 and 9")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    deadline = time.monotonic() + args.max_seconds
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    now = datetime.now(timezone.utc)
    records = make_records(args.records, args.seed, now)
    device_id = str(uuid.UUID(int=random.Random(args.seed + 1).getrandbits(128), version=4))
    batches = make_batches(records, args.batch, device_id, args.gzip_level)
    runs = []
    try:
        for kind in kinds:
            for _ in range(args.repeat):
                runs.append(run_database(kind, args, records, batches, device_id, deadline))
    except BenchError as error:
        log(f"FAILED: {error}")
        return 1
    print(report(runs, args))
    if args.json:
        Path(args.json).write_text(json.dumps({
            "args": vars(args), "cpus": os.cpu_count(), "runs": [r.figures() for r in runs],
            "medians": [median_run([r for r in runs if r.database == kind]).figures() for kind in kinds],
        }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
