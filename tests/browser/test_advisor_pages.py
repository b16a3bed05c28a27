"""The advisor's pages other than the record form (issue 13): the header on a phone and a
tablet, the sync bar's words, the sync page, the home page's counts, the service worker's
shell per role, and text at 200 % zoom."""

import re

import pytest

from .conftest import sign_in
from .layout import check_layout
from .tablet import CACHED_PATHS, poll, wait_for_service_worker, wait_waiting
from .wire import CountingProxy

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

PHONE = {"width": 360, "height": 740}
TABLET = {"width": 800, "height": 1280}


@pytest.fixture
def proxy(own_server):
    counting = CountingProxy(own_server.port)
    yield counting
    counting.close()


# What the page's shell list names, once the worker kept every page of it.
SHELL_KEPT = """async () => {
  const meta = document.querySelector('meta[name="pcn-shell"]');
  const wanted = meta ? meta.content.split(' ').filter(Boolean) : ['/', '/accompagnements/nouveau'];
  const kept = new Set();
  for (const name of await caches.keys()) for (const request of await (await caches.open(name)).keys())
    kept.add(new URL(request.url).pathname);
  return wanted.length > 0 && wanted.every((path) => kept.has(path)); }"""


@pytest.mark.parametrize("username", ["partenaire", "coordination", "conseiller"])
def test_the_service_worker_asks_only_for_pages_the_role_may_open(own_server, proxy, new_context, username):
    page = new_context().new_page()
    sign_in(page, proxy, username, expect_url=proxy.url + "/")
    wait_for_service_worker(page)
    poll(lambda: page.evaluate(SHELL_KEPT), page=page, message="the shell kept")
    proxy.wait_idle()
    refused = [f"{e.method} {e.target} {e.status}" for e in proxy.snapshot() if e.status in (401, 403)]
    assert not refused, refused
    kept = set(page.evaluate(CACHED_PATHS))
    if username == "conseiller":
        assert {"/accompagnements/nouveau", "/accompagnements/carte/"} <= kept
    else:
        assert not {"/accompagnements/nouveau", "/accompagnements/carte/"} & kept


# --- the header: compact on a phone, the full navigation on a tablet ---------------------------

FIRST_FIELD = "main form input:not([type=hidden]), main form select, main form textarea"


def test_on_a_phone_the_header_folds_the_menu_and_the_form_starts_above_the_fold(signed_in_page, console_errors):
    page = signed_in_page("conseiller", viewport=PHONE)
    page.goto(page.url.rstrip("/") + "/accompagnements/nouveau")
    toggle = page.locator(".menu-toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator("nav.app-nav").is_visible()
    # The agency and the sync state stay in sight.
    assert page.locator(".brand .agency").is_visible() and page.locator("#sync-status .status-text").is_visible()
    first = page.locator(FIRST_FIELD).first.bounding_box()
    # A chip's radio is touched through its label: the label's top is where the field starts.
    assert first["y"] + first["height"] <= PHONE["height"], f"first field ends at {first['y'] + first['height']} px"

    # Keyboard alone: the button opens the menu, whose links are then reachable, and Escape folds it.
    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.locator("nav.app-nav a[href='/accompagnements/']").is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('#app-menu') !== null")
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false" and not page.locator("nav.app-nav").is_visible()
    assert page.evaluate("() => document.activeElement.classList.contains('menu-toggle')")
    check_layout(page, console_errors)


def test_without_scripts_a_phone_shows_the_whole_menu(live_server, new_context):
    page = new_context(viewport=PHONE, java_script_enabled=False).new_page()
    sign_in(page, live_server, "conseiller")
    assert page.locator("nav.app-nav a[href='/accompagnements/nouveau']").is_visible()
    assert not page.locator(".menu-toggle").is_visible()


def test_on_a_tablet_the_full_navigation_shows(signed_in_page, console_errors):
    page = signed_in_page("conseiller", viewport=TABLET)
    assert not page.locator(".menu-toggle").is_visible()
    for href in ("/", "/accompagnements/nouveau", "/accompagnements/", "/synchronisation", "/compte"):
        assert page.locator(f"nav.app-nav a[href='{href}']").is_visible(), href
    check_layout(page, console_errors)


# --- the sync bar, the sync page and the home page, from the device's outbox -------------------

OUTBOX = "(await import('/static/js/app.js')).outbox"


def queue(page, records):
    """Records saved on the device as the form saves them: ``[(id, data)]``."""
    page.evaluate("""async (records) => { const outbox = %s;
        for (const [id, data] of records) await outbox.save(id, data, 0); }""" % OUTBOX, records)


def now_in_noumea(page) -> str:
    return page.evaluate("() => new Date(Date.now() - 60000).toISOString().replace('Z', '+00:00')")


def bar(page) -> tuple[str, str]:
    return page.inner_text("#sync-status .status-text"), page.inner_text("#sync-status .status-advice")


def wait_bar(page, words: str) -> tuple[str, str]:
    def saying():
        found = bar(page)
        return found if words in " ".join(found) else None
    return poll(saying, 20, page, f"bar saying {words!r}")


def test_the_sync_bar_says_where_things_stand_and_what_to_do(own_server, new_context):
    page = new_context(viewport=TABLET).new_page()
    sign_in(page, own_server, "conseiller")
    text, advice = wait_bar(page, "Rien à envoyer")
    assert text == "En ligne · Rien à envoyer" and advice == "" and "Jamais" not in text

    page.context.set_offline(True)
    page.evaluate("() => window.dispatchEvent(new Event('offline'))")
    queue(page, [("0b5e3c4a-1d2f-4e5a-9b6c-7d8e9f0a1b2c", {"agency": "TADINE", "kind": "quick_help",
                  "occurred_at": now_in_noumea(page), "topics": ["EMAIL"], "beneficiary": {}})])
    text, advice = wait_bar(page, "1 en attente")
    assert text == "Hors ligne · 1 en attente", text
    assert "Rien à faire" in advice and "retour du réseau" in advice
    assert page.get_attribute("#sync-status", "data-tone") == "calm"

    page.context.set_offline(False)
    text, advice = wait_bar(page, "Tout est envoyé")
    assert text.startswith("En ligne · Tout est envoyé · Dernier envoi : ") and advice == ""

    # A record the server refuses: the bar asks to review it and links the sync page.
    queue(page, [("1c6f4d5b-2e3a-4f6b-8c7d-8e9f0a1b2c3d", {"agency": "TADINE", "kind": "quick_help",
                  "occurred_at": now_in_noumea(page), "topics": ["NO_SUCH_TOPIC"], "beneficiary": {}})])
    page.click("#sync-status .sync-now")
    text, advice = wait_bar(page, "à revoir")
    assert advice.startswith("1 à revoir : ouvrez la page Synchronisation")
    assert page.get_attribute("#sync-status", "data-tone") == "act"
    page.click("#sync-status .see-sync")
    page.wait_for_url(own_server.url + "/synchronisation")
    assert not page.locator("#sync-status .see-sync").is_visible()  # not a link to the page itself


REFERENCE_KEPT = "async () => !!(await (await import('/static/js/reference.js')).cachedReference())"


@pytest.mark.parametrize("language,kind,when,sizes", [
    ("fr", "Accompagnement individuel", "04/12/2026 09:41", r"^\d+(,\d)?\s(ko|Mo) utilisés sur \d+(,\d)?\s(Mo|Go|To)$"),
    ("en", "Individual accompaniment", "12/4/26, 9:41 AM", r"^\d+(\.\d)? (kB|MB) used of \d+(\.\d)? (MB|GB|TB)$"),
])
def test_the_sync_page_lists_records_in_words_and_sizes_as_people_read_them(own_server, new_context, language,
                                                                           kind, when, sizes):
    page = new_context(viewport=TABLET).new_page()
    sign_in(page, own_server, "conseiller")
    page.goto(own_server.url + "/synchronisation")
    if language != "fr":
        page.click(f".language-switch button[value={language}]")
        page.wait_for_function("(code) => document.documentElement.lang === code", arg=language)
    poll(lambda: page.evaluate(REFERENCE_KEPT), page=page, message="reference data on the device")
    page.context.set_offline(True)
    queue(page, [("2d7a5e6c-3f4b-4a7c-9d8e-9f0a1b2c3d4e", {
        "agency": "TADINE", "kind": "individual", "occurred_at": "2026-12-04T09:41:00+11:00",
        "duration_minutes": 30, "partners": ["CAFAT"], "procedures": ["CAFAT_CERTIFICATE"],
        "autonomy": "guided", "outcome": "completed", "beneficiary": {}})])
    item = page.locator("#outbox-list .outbox-item").first
    item.wait_for()
    summary = item.locator(".outbox-summary").inner_text()
    assert kind in summary and "Cafat" in summary and "individual" not in summary, summary
    assert summary.replace("\u202f", " ").startswith(when), summary  # Nouméa time, in the page’s language
    usage = poll(lambda: page.inner_text("#storage-usage"), page=page, message="storage shown")
    assert re.match(sizes, usage.replace("\u202f", " ").replace("\u00a0", " ")), usage
    # Headless Chromium does not protect the storage: the page says what to do about it.
    if not page.evaluate("() => navigator.storage.persisted()"):
        help_text = page.inner_text("#storage-help")
        assert ("écran d’accueil" if language == "fr" else "home screen") in help_text


def test_the_home_page_adds_what_waits_on_the_device(own_server, new_context):
    page = new_context(viewport=PHONE).new_page()
    sign_in(page, own_server, "conseiller")
    cell = "tr[data-who='{}'] td[data-period='{}']"
    before = {(who, period): int(page.get_attribute(cell.format(who, period), "data-count"))
              for who in ("mine", "agency") for period in ("day", "week")}
    page.context.set_offline(True)
    queue(page, [(f"3e8b6f7d-4a5c-4b8d-8e9f-0a1b2c3d4e{n:02d}", {
        "agency": "TADINE", "kind": "quick_help", "occurred_at": now_in_noumea(page), "topics": ["EMAIL"],
        "beneficiary": {}}) for n in range(2)])
    for (who, period), number in before.items():
        shown = page.locator(cell.format(who, period))
        poll(lambda: "dont 2 en attente sur cet appareil" in shown.inner_text(), page=page, message="device count")
        assert shown.locator(".count").inner_text().replace("\u202f", "") == str(number + 2)
    # Sent while the page is open: still counted, no longer waiting (a count never drops).
    page.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    assert wait_waiting(page, 0) == 0
    for (who, period), number in before.items():
        shown = page.locator(cell.format(who, period))
        poll(lambda: "en attente" not in shown.inner_text(), page=page, message="no longer waiting")
        assert shown.locator(".count").inner_text().replace("\u202f", "") == str(number + 2)


# --- 200 % zoom: an 800 px screen at 200 % lays pages out in 400 CSS px ------------------------

ZOOMED = {"viewport": {"width": 400, "height": 640}, "device_scale_factor": 2}
ADVISOR_PAGES = ["/", "/accompagnements/nouveau", "/accompagnements/", "/synchronisation", "/compte",
                 "/accompagnements/suivi", "/accompagnements/sur-la-tablette", "/tableau-de-bord", "/hors-ligne"]

# Text cut off: an element that hides what overflows it, narrower or shorter than its content.
CLIPPED = """() => [...document.querySelectorAll('body *')].filter((el) => {
  const style = getComputedStyle(el);
  if (!el.getClientRects().length || style.visibility === 'hidden' || el.closest('.visually-hidden')) return false;
  const hides = (value) => value === 'hidden' || value === 'clip';
  return (hides(style.overflowX) && el.scrollWidth > el.clientWidth + 1)
      || (hides(style.overflowY) && el.scrollHeight > el.clientHeight + 1)
      || style.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth;
}).map((el) => `<${el.tagName.toLowerCase()} class="${el.className}"> ${el.textContent.trim().slice(0, 40)}`)"""


@pytest.mark.parametrize("path", ADVISOR_PAGES)
def test_at_200_percent_zoom_no_text_is_lost(live_server, reading_page, console_errors, path):
    page = reading_page("conseiller", **ZOOMED)
    page.goto(live_server.url + path)
    page.wait_for_selector("#sync-status[data-waiting]", state="attached")
    assert page.evaluate(CLIPPED) == []
    page.click(".menu-toggle")  # the folded menu too, once opened
    assert page.evaluate(CLIPPED) == []
    check_layout(page, console_errors)


def test_the_clipping_check_would_catch_text_cut_off(live_server, new_context):
    """Guard the guard: a box hiding half of its text is reported."""
    page = new_context(**ZOOMED).new_page()
    page.goto(live_server.url + "/login")
    page.evaluate("""() => { const p = document.createElement('p'); p.className = 'cut';
      p.style.cssText = 'width: 5rem; overflow: hidden; white-space: nowrap';
      p.textContent = 'Accompagnement individuel'; document.querySelector('main').append(p); }""")
    assert any('class="cut"' in found for found in page.evaluate(CLIPPED))
