"""Weight on a slow link (issue 12): bytes and requests of a first visit and of a repeat visit,
counted on the socket by a proxy in front of gunicorn (tests/browser/wire.py), headers included.

Byte counts, not timings: they do not depend on the machine's load. Figures in docs/PERFORMANCE.md.
"""

import collections
import json
import re
import time
import urllib.request

import pytest

from pcn_pwa.pwa.assets import SHELL_PAGES

from .conftest import DEMO_PASSWORD
from .tablet import SW_READY, wait_for_service_worker, wait_waiting
from .wire import CountingProxy

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

KB = 1024
HASHED = re.compile(r"\.[0-9a-f]{10}\.\w+$")
FIRST_VISIT_BUDGET = 60 * KB
REPEAT_VISIT_BUDGET = 12 * KB

# Every shell page in the page's language, and every file of the worker's list, in its caches.
OFFLINE_READY = """async (pages) => {
  const language = document.documentElement.lang;
  const keys = [];
  for (const name of await caches.keys()) for (const request of await (await caches.open(name)).keys())
    keys.push(new URL(request.url));
  const cached = new Set(keys.map((url) => url.pathname + url.search));
  const pagesMissing = pages.filter((path) => !cached.has(`${path}?lang=${language}`));
  return {pagesMissing, cached: [...cached]}; }"""



def report(title, exchanges) -> str:
    """The exchanges as a table, for the failure message and for docs/PERFORMANCE.md."""
    lines = [f"{title}: {sum(e.received for e in exchanges)} bytes received, {sum(e.sent for e in exchanges)} sent,"
             f" {len(exchanges)} requests"]
    for e in exchanges:
        lines.append(f"  {e.received:7d} ({e.head:4d}) {e.sent:6d} {e.status} {e.method} {e.target}"
                     f" [{e.headers.get('content-encoding', '-')}; {e.headers.get('cache-control', '-')}]")
    return "\n".join(lines)


def worker_files(server) -> list[str]:
    """The files the worker keeps, asked of the server directly (not through the counted link)."""
    with urllib.request.urlopen(server.url + "/sw.js") as response:
        body = response.read().decode()
    return json.loads(re.search(r"^self\.PCN_ASSETS = (.*);$", body, re.M)[1])["files"]


def wait_offline_ready(page, files, timeout=30):
    """Until every shell page is in the worker's cache (in the page's language) and every file
    of the worker's list is too: what the record form needs offline."""
    deadline = time.monotonic() + timeout
    while True:
        state = page.evaluate(OFFLINE_READY, SHELL_PAGES)
        missing_files = [url for url in files if url not in state["cached"]]
        if not state["pagesMissing"] and not missing_files:
            return
        assert time.monotonic() < deadline, f"not ready offline: {state['pagesMissing']} {missing_files}"
        page.wait_for_timeout(100)


@pytest.fixture
def proxy(own_server):
    counting = CountingProxy(own_server.port)
    yield counting
    counting.close()


# Data the pages fetch once signed in, not the app itself: the reference data (the form's
# rules) and the agency's last 90 days, whose size grows with the agency's records. Counted
# and reported apart in the first visit (the first visit ends when the worker is
# activated and its precache done), and in the repeat visit's budget.
DATA = ("/api/v1/reference", "/api/v1/accompaniments")
# The record kept offline is sent by the repeat visit: its push is not the page's weight.
PUSH = ("/api/v1/me", "/api/v1/sync")
LAST_PULL = "async () => (await import('/static/js/device.js')).getValue('last-pull-conseiller')"


STRINGS_ARRIVED = """() => performance.getEntriesByType('resource')
  .some((entry) => new URL(entry.name).pathname.endsWith('/textes.json') && entry.responseEnd > 0)"""


def path_of(exchange) -> str:
    return exchange.target.split("?")[0]


def wait_pulled(page, timeout=30):
    """Until the agency's records are stored on the tablet (its pull cursor with them)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(LAST_PULL):
        assert time.monotonic() < deadline, "the agency's records were not pulled"
        page.wait_for_timeout(100)


def test_first_and_repeat_visits_stay_within_their_weight(own_server, proxy, new_context):
    context = new_context()
    page = context.new_page()

    # (a) First visit: the sign-in page, signing in, until the record form works offline.
    # The worker arrives only once the first signed-in page has loaded without it (as when the
    # sign-in beats the worker's install): that page must still not be downloaded twice.
    proxy.hold("/sw.js")
    page.goto(proxy.url + "/login")
    # The page's strings come by fetch() after the load event; a sign-in sent while they are
    # still arriving abandons them before the browser could keep them, and they come again.
    # A person takes longer than that to type: sign in once the page has them.
    page.wait_for_function(STRINGS_ARRIVED)
    page.fill("#username", "conseiller")
    page.fill("#password", DEMO_PASSWORD)
    page.click("form:has(#password) button[type=submit]")
    page.wait_for_url(proxy.url + "/")
    assert page.evaluate("() => navigator.serviceWorker.controller") is None
    proxy.release("/sw.js")
    wait_for_service_worker(page)
    wait_offline_ready(page, worker_files(own_server))
    wait_pulled(page)
    proxy.wait_idle()
    exchanges = proxy.snapshot()
    first = [e for e in exchanges if path_of(e) not in DATA]
    data = [e for e in exchanges if path_of(e) in DATA]
    first_report = report("first visit", first) + "\n" + report("its data", data)
    print(first_report)

    # It works offline: the record form opens from the tablet and keeps a record.
    context.set_offline(True)
    page.goto(proxy.url + "/accompagnements/nouveau")
    page.check("input[name=kind][value=quick_help]")
    page.click(".quick-save button[value=BROWSING]")
    assert wait_waiting(page, 1) == 1
    page.close()
    context.set_offline(False)

    # (b) The next day, online: the home page again, with the browser's update check of the
    # worker and the page's refresh of its data.
    proxy.reset()
    page = context.new_page()
    page.goto(proxy.url + "/")
    assert page.evaluate(SW_READY)
    proxy.wait_idle(path="/sw.js")
    proxy.wait_idle(path="/api/v1/accompaniments")
    repeat = [e for e in proxy.snapshot() if path_of(e) not in PUSH]
    repeat_report = report("repeat visit", repeat)
    print(repeat_report)

    # Downloads, not revalidations: the browser's own update check of /sw.js is a 304.
    # (c) A deployment that changed one script: the new worker asks for it and for nothing else
    # (the other files are copied from the older version's cache).
    state = json.loads(own_server.faults_file.read_text())
    own_server.faults_file.write_text(json.dumps({**state, "salt": "ab12", "changed": "js/rules.js"}))
    proxy.reset()
    page.evaluate("async () => (await navigator.serviceWorker.getRegistration()).update()")
    page.wait_for_selector("#update-banner:not([hidden])", timeout=20000)  # installed, waiting
    proxy.wait_idle()
    update = [e for e in proxy.snapshot() if path_of(e) not in DATA + PUSH]
    update_report = report("update", update)
    print(update_report)
    asked = sorted(path_of(e) for e in update)
    assert len(asked) == 2 and HASHED.search(asked[0]) and asked[0].startswith("/static/js/rules.") \
        and asked[1] == "/sw.js", update_report

    fetched = collections.Counter(f"{e.method} {e.target}" for e in exchanges if e.status != 304)
    twice = [url for url, times in fetched.items() if times > 1]
    assert not twice, f"fetched more than once: {twice}\n{first_report}"
    unhashed = [e.target for e in first if e.target.startswith("/static/") and not HASHED.search(e.target)]
    assert not unhashed, f"static files asked by their plain name (import map not applied?): {unhashed}"
    # Nothing kept for less than a day: a visit the next day would ask for it again.
    short = [e.target for e in exchanges if re.search(r"max-age=([1-9]\d{0,4})\b", e.headers.get("cache-control", ""))]
    assert not short, short
    assert sum(e.received for e in first) <= FIRST_VISIT_BUDGET, first_report
    assert sum(e.received for e in repeat) <= REPEAT_VISIT_BUDGET, repeat_report
