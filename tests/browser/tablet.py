"""A tablet in a real browser: its service worker ready, its outbox and status bar, as the
offline tests drive them."""

import time

COUNT_ALL = "SELECT count(*) FROM accompaniment"

# Whether a service worker controls the page, once one is activated. A page whose navigation
# began before the worker claimed its clients stays uncontrolled and hears no controllerchange
# (seen in a CI run: the sign-in's redirect was on its way): say false after a while.
SW_READY = """async () => { const reg = await navigator.serviceWorker.ready;
  const sw = reg.active; if (sw.state !== 'activated') await new Promise(r =>
    sw.addEventListener('statechange', () => sw.state === 'activated' && r()));
  if (!navigator.serviceWorker.controller) await Promise.race([
    new Promise(r => navigator.serviceWorker.addEventListener('controllerchange', r, {once: true})),
    new Promise(r => setTimeout(r, 5000))]);
  return !!navigator.serviceWorker.controller; }"""


def wait_for_service_worker(page) -> None:
    """Until the page is controlled by an activated worker; an unclaimed page is loaded again,
    as the advisor's next page would be."""
    if not page.evaluate(SW_READY):
        page.reload()
        assert page.evaluate(SW_READY), "no service worker controls the page, even after a reload"

# The page's own outbox module (the same instance the page uses).
OUTBOX = "(await import('/static/js/app.js')).outbox"


# Paths of every page the device's caches hold, whatever the cache and its key's query.
CACHED_PATHS = """async () => { const paths = [];
  for (const name of await caches.keys())
    for (const request of await (await caches.open(name)).keys()) paths.push(new URL(request.url).pathname);
  return paths; }"""

# Pushes and pulls running or waiting on this device: the sync client takes a Web Lock for each
# (pcn-sync-<user>, pcn-pull-<user>), shared by every tab and the service worker.
SYNC_LOCKS = """async () => { const state = await navigator.locks.query();
  return [...state.held, ...state.pending].filter((lock) => /^pcn-(sync|pull)-/.test(lock.name)).length; }"""


def poll(check, timeout: float = 30, page=None, message: str = "condition"):
    """Until ``check()`` is true, polled from Python (wait_for_function would take a Promise for
    true); through ``page.wait_for_timeout`` when given, so that the browser's events reach us."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{message}: still false after {timeout} s")
        if page is not None:
            page.wait_for_timeout(100)
        else:
            time.sleep(0.1)
    return result


def wait_cached(page, *paths: str, timeout: float = 30) -> None:
    """Until the device's caches hold every page of ``paths``."""
    poll(lambda: set(paths) <= set(page.evaluate(CACHED_PATHS)), timeout, page, f"pages {paths} cached")


def settled(page, timeout: float = 30) -> None:
    """Until no push or pull runs or waits on the device: whatever it was going to send is sent
    (or has failed), so what the server holds now is what it will hold."""
    poll(lambda: page.evaluate(SYNC_LOCKS) == 0, timeout, page, "no push or pull running")


def ready_tablet(page, server):
    """A page whose service worker is in control and whose shell pages are cached."""
    page.goto(server.url + "/accompagnements/nouveau")
    wait_for_service_worker(page)
    page.goto(server.url + "/synchronisation")
    page.goto(server.url + "/accompagnements/nouveau")
    wait_cached(page, "/accompagnements/nouveau", "/synchronisation")
    settled(page)


def fill_individual(page):
    """A typical individual accompaniment: one partner, one procedure, autonomy, outcome, duration."""
    page.check("input[name=kind][value=individual]")
    page.check("input[name=duration][value='30']")
    page.check("input[name=partners][value=CAFAT]")
    page.check("input[name=procedures][value=CAFAT_CERTIFICATE]")
    page.check("input[name=autonomy][value=guided]")
    page.check("input[name=outcome][value=completed]")


def quick_record(page, topic="BROWSING"):
    page.check("input[name=kind][value=quick_help]")
    page.click(f".quick-save button[value={topic}]")
    page.wait_for_function("() => document.querySelector('#saved-note')")
    page.evaluate("() => document.querySelector('#saved-note').remove()")


def waiting(page) -> int | None:
    """Records the status bar says are waiting; None until the page's script has counted them
    (just after a page load the outbox is still being read)."""
    value = page.get_attribute("#sync-status", "data-waiting")
    return None if value is None else int(value)


def wait_waiting(page, expected: int, timeout: float = 30) -> int:
    """Poll the status bar from Python (wait_for_function would take a Promise for true)."""
    deadline = time.monotonic() + timeout
    while waiting(page) != expected and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    return waiting(page)
