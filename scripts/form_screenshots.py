"""Screenshots of the record form in each kind, on a 360×740 phone and an 800×1280 tablet, into
docs/screenshots/ (``make screenshots``): the app as deployed (a fresh SQLite database, migrated and
seeded with the demo data) under gunicorn, photographed by Debian's Chromium.

The page's content, in French, the kind chosen as an advisor would, at one device pixel per CSS pixel
(PNG files of a few dozen kilobytes each)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
BIN = Path(sys.executable).parent
SIZES = {"phone": {"width": 360, "height": 740}, "tablet": {"width": 800, "height": 1280}}
KINDS = ["individual", "quick_help", "free_access", "workshop"]
DEMO_PASSWORD = "demo-pcn-2026"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the app did not start")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/pcn.sqlite3", "SECRET_KEY": "screenshots",
               "FLASK_APP": "wsgi"}
        for command in (["db", "upgrade"], ["seed", "--demo"]):
            subprocess.run([BIN / "flask", *command], cwd=ROOT, env=env, check=True, capture_output=True)
        url = f"http://127.0.0.1:{free_port()}"
        server = subprocess.Popen([BIN / "gunicorn", "--bind", url.removeprefix("http://"), "--workers", "1",
                                   "wsgi:app"], cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
        try:
            wait_until_up(url, server)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
                for size, viewport in SIZES.items():
                    context = browser.new_context(viewport=viewport, locale="fr-NC")
                    page = context.new_page()
                    page.goto(url + "/login")
                    page.fill("#username", "conseiller")
                    page.fill("#password", DEMO_PASSWORD)
                    page.click("form:has(#password) button[type=submit]")
                    page.wait_for_url(url + "/")
                    for kind in KINDS:
                        page.goto(url + "/accompagnements/nouveau")
                        page.check(f"input[name=kind][value={kind}]")
                        target = OUT / f"form-{kind}-{size}.png"
                        # The page's content, without the header and its menu (not the form's).
                        page.locator("main").screenshot(path=target, animations="disabled", caret="hide")
                        print(f"{target.relative_to(ROOT)}  {target.stat().st_size // 1024} KB")
                    context.close()
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
