"""Real-browser fixtures: the real app under gunicorn, and Debian's Chromium driven by Playwright.

The server runs in a subprocess (not a thread) so that stopping it really drops every socket,
and it is prepared with the same commands an admin runs (``flask db upgrade``, ``flask seed``),
so these tests also cover the migrations and the seed. See docs/browser-testing.md (shared docs).
"""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..dbutil import fresh_database, suite_database_url

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps trying to reach hosts it cannot;
# Debian's wrapper fails to add --disable-dev-shm-usage on these machines.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
DEMO_PASSWORD = "demo-pcn-2026"
# Headless Chromium asks for English; the advisors' tablets ask for French.
LOCALE = "fr-NC"


@dataclass
class LiveServer:
    url: str
    database_url: str

    def count(self, sql: str, **params) -> int:
        """Ask the server's database directly: what the server really stored, not what a page says."""
        import sqlalchemy as sa

        engine = sa.create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                return connection.execute(sa.text(sql), params).scalar_one()
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
    except urllib.error.HTTPError as error:
        error.close()  # it holds the response open: a ResourceWarning otherwise
        return False
    except OSError:
        return False


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app as it is deployed: migrated and seeded with demo data, served by gunicorn."""
    tmp = tmp_path_factory.mktemp("live_server")
    with fresh_database(suite_database_url(str(tmp)), str(tmp)) as database_url:
        env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "browser-test", "FLASK_APP": "wsgi"}
        for command in (["db", "upgrade"], ["seed", "--demo"]):
            done = subprocess.run([BIN / "flask", *command], cwd=ROOT, env=env, capture_output=True, text=True)
            if done.returncode:
                pytest.fail(f"flask {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        log_path = tmp / "gunicorn.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [BIN / "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
                 "--graceful-timeout", "5", "wsgi:app"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
            )
            try:
                deadline = time.monotonic() + 30
                while not _answers(url + "/healthz"):
                    if proc.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"gunicorn did not answer /healthz:\n{log_path.read_text(errors='replace')}")
                    time.sleep(0.1)
                yield LiveServer(url=url, database_url=database_url)
            finally:
                _stop(proc)


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the session: starting it costs about a second."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)  # in CI a missing browser must not pass as green
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def console_errors():
    """Console errors of every page the test opened: script errors and CSP violations land here.

    Playwright's sync API delivers events only during its own calls, so read this list after
    one (``page.wait_for_timeout``), never after ``time.sleep``.
    """
    return []


@pytest.fixture
def new_context(browser, console_errors):
    """Factory of fresh browser contexts (own cookies, own viewport), all closed after the test."""
    contexts = []

    def on_console(message):
        if message.type == "error":
            console_errors.append(f"{message.text} at {message.location.get('url')}")

    def make(**options):
        ctx = browser.new_context(service_workers="allow", locale=LOCALE, **options)
        ctx.on("console", on_console)
        ctx.on("weberror", lambda error: console_errors.append(f"uncaught: {error.error}"))
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


@pytest.fixture
def signed_in_page(live_server, new_context):
    """Factory: a page of a fresh context, signed in through the real form as ``username``."""

    def sign_in(username: str, **context_options):
        page = new_context(**context_options).new_page()
        page.goto(live_server.url + "/login")
        page.fill("#username", username)
        page.fill("#password", DEMO_PASSWORD)
        page.click("form:has(#password) button[type=submit]")  # not the language buttons
        page.wait_for_url(live_server.url + "/")
        return page

    return sign_in
