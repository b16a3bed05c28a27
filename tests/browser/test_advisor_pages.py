"""The advisor's pages other than the record form (issue 13): the header on a phone and a
tablet, the sync bar's words, the sync page, the home page's counts, the service worker's
shell per role, and text at 200 % zoom."""

import pytest

from .conftest import sign_in
from .layout import check_layout
from .tablet import CACHED_PATHS, poll, wait_for_service_worker
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
  const wanted = document.querySelector('meta[name="pcn-shell"]').content.split(' ').filter(Boolean);
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
