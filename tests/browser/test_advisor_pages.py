"""The advisor's pages other than the record form (issue 13): the header on a phone and a
tablet, the sync bar's words, the sync page, the home page's counts, the service worker's
shell per role, and text at 200 % zoom."""

import pytest

from .conftest import sign_in
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
