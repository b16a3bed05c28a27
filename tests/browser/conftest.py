"""Real-browser fixtures: the real app under gunicorn, and Debian's Chromium driven by Playwright.

The server runs in a subprocess (not a thread) so that stopping it really drops every socket,
and it is prepared with the same commands an admin runs (``flask db upgrade``, ``flask seed``),
so these tests also cover the migrations and the seed. See docs/browser-testing.md (shared docs).
"""

import json
import os
import uuid
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from pcn_pwa.seed import DEMO_PASSWORD

from ..dbutil import fresh_database, suite_database_url

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# Debian's Chromium without its browser window (package chromium-headless-shell: the same Blink,
# V8, network stack and service workers, the headless mode Playwright itself uses). Full Chromium
# in headless mode builds a window for every page: about a second of CPU a page on these
# machines, three times the shell's, and more than half of the suite's CPU (docs/PERFORMANCE.md).
# PCN_TEST_CHROMIUM=/usr/bin/chromium runs the tests in the full browser.
CHROMIUM = Path(os.environ.get("PCN_TEST_CHROMIUM", "/usr/bin/chromium-headless-shell"))
FULL_CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps trying to reach hosts it cannot;
# Debian's wrapper fails to add --disable-dev-shm-usage on these machines.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
# Headless Chromium asks for English; the advisors' tablets ask for French.
LOCALE = "fr-NC"


class LiveServer:
    """The app as deployed (migrated, seeded with demo data) under gunicorn, behind the test-only
    fault injector (tests/browser/faulty_wsgi.py). It can be stopped and started again on the
    same port, as when an agency's link goes down."""

    def __init__(self, database_url: str, tmp: Path):
        self.database_url = database_url
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.faults_file = tmp / "faults.json"
        self.faults_file.write_text("{}")
        self.log_path = tmp / "gunicorn.log"
        self.env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "browser-test", "FLASK_APP": "wsgi",
                    "PCN_FAULTS_FILE": str(self.faults_file)}
        self.proc = None
        self.start_args: list[str] = []  # more gunicorn options (a test's own timeout, say)

    def prepare(self) -> None:
        for command in (["db", "upgrade"], ["seed", "--demo"]):
            done = subprocess.run([BIN / "flask", *command], cwd=ROOT, env=self.env, capture_output=True, text=True)
            if done.returncode:
                pytest.fail(f"flask {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [BIN / "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers", "2",
                 "--graceful-timeout", "2", *self.start_args, "tests.browser.faulty_wsgi:app"],
                cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=log,
            )
        deadline = time.monotonic() + 30
        while not _answers(self.url + "/healthz"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not answer /healthz:\n{self.log_path.read_text(errors='replace')}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc)
            self.proc = None

    def faults(self, mode: str | None = None, remaining: int = 1, after: int = 0) -> None:
        """Inject ``mode`` into the next ``remaining`` pushes, after ``after`` normal ones."""
        state = json.loads(self.faults_file.read_text() or "{}")
        state.update(mode=mode, remaining=remaining, after=after)
        self.faults_file.write_text(json.dumps(state))

    @property
    def pushes(self) -> int:
        """How many pushes reached the server since the start."""
        return json.loads(self.faults_file.read_text() or "{}").get("pushes", 0)

    def count(self, sql: str, **params) -> int:
        """Ask the server's database directly: what the server really stored, not what a page says."""
        import sqlalchemy as sa

        engine = sa.create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                return connection.execute(sa.text(sql), params).scalar_one()
        finally:
            engine.dispose()

    def record(self, record_id: str) -> dict | None:
        """One stored accompaniment's columns, or None (ids typed right on either database)."""
        import sqlalchemy as sa

        from pcn_pwa.models import Accompaniment

        engine = sa.create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                row = connection.execute(sa.select(Accompaniment.__table__).where(
                    Accompaniment.__table__.c.id == uuid.UUID(record_id))).mappings().first()
                return dict(row) if row else None
        finally:
            engine.dispose()

    def wait_for_count(self, expected: int, sql: str, timeout: float = 20, **params) -> int:
        """Poll the server's database until ``sql`` counts ``expected`` (or time runs out)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.count(sql, **params)
            if found == expected or time.monotonic() > deadline:
                return found
            time.sleep(0.1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def running_server(tmp: Path, prepared: str):
    """A server on a copy of the ``prepared`` database (tests/conftest.py)."""
    with fresh_database(suite_database_url(str(tmp)), str(tmp), copy_of=prepared) as database_url:
        server = LiveServer(database_url, tmp)
        # The app loaded once, then forked into the two workers: a second of CPU less for each
        # of some 30 servers a run starts. Still two processes (what one worker caches, the
        # other does not see). The tests of gunicorn's own settings start theirs without it.
        server.start_args = ["--preload"]
        server.start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, prepared_database):
    """One server for the tests that leave it running and healthy."""
    with running_server(tmp_path_factory.mktemp("live_server"), prepared=prepared_database) as server:
        yield server


@pytest.fixture
def own_server(tmp_path, prepared_database):
    """A server of the test's own, on a fresh database: to stop, restart or break at will."""
    with running_server(tmp_path, prepared=prepared_database) as server:
        yield server


def _launch(playwright, executable: Path, package: str):
    if not executable.exists():
        message = f"{executable} is missing: run `make browser` (apt-get install {package})"
        if os.environ.get("CI") == "true":
            pytest.fail(message)  # in CI a missing browser must not pass as green
        pytest.skip(message)
    return playwright.chromium.launch(executable_path=str(executable), headless=True, args=CHROMIUM_ARGS)


@pytest.fixture(scope="session")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright):
    """One Chromium for the session: starting it costs about a second."""
    b = _launch(playwright, CHROMIUM, "chromium-headless-shell")
    yield b
    b.close()


@pytest.fixture(scope="session")
def full_browser(playwright):
    """Debian's full Chromium, for what the headless shell leaves out (Background Sync): only
    tests marked ``full_chromium`` start it."""
    b = _launch(playwright, FULL_CHROMIUM, "chromium")
    yield b
    b.close()


@pytest.fixture
def console_errors():
    """Console errors of every page the test opened: script errors and CSP violations land here.

    Playwright's sync API delivers events only during its own calls, so read this list after
    one (``page.wait_for_timeout``), never after ``time.sleep``.
    """
    return []


def _context_reporting_errors(browser, report, **options):
    """A new context of ``browser`` whose pages' console errors and uncaught errors go to ``report``."""
    ctx = browser.new_context(service_workers="allow", locale=LOCALE, **options)
    ctx.on("console", lambda message: message.type == "error" and report(
        f"{message.text} at {message.location.get('url')}"))
    ctx.on("weberror", lambda error: report(f"uncaught: {error.error}"))
    return ctx


@pytest.fixture
def new_context(request, console_errors):
    """Factory of fresh browser contexts (own cookies, own viewport), all closed after the test,
    in the full Chromium for a test marked ``full_chromium``."""
    full = request.node.get_closest_marker("full_chromium") is not None
    browser = request.getfixturevalue("full_browser" if full else "browser")
    contexts = []

    def make(**options):
        ctx = _context_reporting_errors(browser, console_errors.append, **options)
        contexts.append(ctx)
        return ctx

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def context(new_context):
    return new_context()


@pytest.fixture
def page(context):
    return context.new_page()


def sign_in(page, server, username: str, expect_url: str | None = None) -> None:
    """Sign in through the real form on ``page``."""
    if "/login" not in page.url:
        page.goto(server.url + "/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("form:has(#password) button[type=submit]")  # not the language buttons
    page.wait_for_url(expect_url or server.url + "/")


@pytest.fixture
def signed_in_page(live_server, new_context):
    """Factory: a page of a fresh context, signed in through the real form as ``username``."""

    def make(username: str, server=None, **context_options):
        page = new_context(**context_options).new_page()
        sign_in(page, server or live_server, username)
        return page

    return make


@pytest.fixture(scope="module")
def _shared_pages(browser, live_server):
    """The pages ``reading_page`` hands out, one per account and context options in a module."""
    errors: list[list[str]] = [[]]  # the list of the test being run
    pages = {}

    def open_page(username: str, options: dict):
        page = _context_reporting_errors(browser, lambda text: errors[0].append(text), **options).new_page()
        sign_in(page, live_server, username)
        return page

    def get(username: str, options: dict, test_errors: list[str]):
        errors[0] = test_errors
        key = (username, tuple(sorted(options.items())))
        if key not in pages or pages[key].is_closed():
            pages[key] = open_page(username, options)
        return pages[key]

    yield get
    for page in pages.values():
        page.context.close()


@pytest.fixture
def reading_page(_shared_pages, console_errors):
    """Factory: a page signed in on the live server as ``username``, shared by the tests of a
    module that only read and move between pages (signing in, the worker's install and the
    agency's first pull happen once, not at every test). Sized to ``viewport``; its console
    errors go to this test's list. Other context options (``bypass_csp`` so that axe can be
    injected, ``device_scale_factor``) give a page of their own."""

    def make(username: str, viewport: dict | None = None, **context_options):
        page = _shared_pages(username, context_options, console_errors)
        page.set_viewport_size(viewport or {"width": 1024, "height": 768})
        return page

    return make
