"""Switching language on a tablet, offline too: the shell is cached in every language used, the
scripts' strings follow the page, and a choice made offline reaches the server once it is back."""

import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from pcn_pwa import create_app
from pcn_pwa.extensions import db
from pcn_pwa.i18n import catalogues
from pcn_pwa.models import Language, User
from pcn_pwa.pwa.assets import SHELL_PAGES

from .tablet import COUNT_ALL, poll, ready_tablet, settled, wait_for_service_worker, wait_waiting

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

USER_LOCALE = """SELECT locale FROM "user" WHERE username = 'conseiller'"""

# Languages in which the service worker keeps each page (its cache keys: path?lang=code).
CACHED_LANGUAGES = """async () => { const found = {};
  for (const name of await caches.keys()) for (const request of await (await caches.open(name)).keys()) {
    const url = new URL(request.url);
    if (url.searchParams.has('lang')) (found[url.pathname] ||= []).push(url.searchParams.get('lang')); }
  return found; }"""


def upload_catalogue(server, code: str, data: bytes) -> int:
    """Store an upload (not published) in the server's database, as the admin page would."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": server.database_url, "TESTING": True})
    with app.app_context():
        admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
        catalogue = catalogues.record_upload(db.session.get(Language, code), "messages.po", data, admin)
        db.session.commit()
        catalogue_id = catalogue.id
        db.session.remove()
        db.engine.dispose()
    return catalogue_id


def switch_language(page, code):
    with page.expect_navigation():
        page.click(f".language-switch button[lang={code}]")
    page.wait_for_load_state()


def wait_shell_cached(page, code, timeout=20):
    """Poll until every shell page is cached in ``code``."""
    deadline = time.monotonic() + timeout
    while True:
        cached = page.evaluate(CACHED_LANGUAGES)
        missing = [path for path in SHELL_PAGES if code not in cached.get(path, [])]
        if not missing or time.monotonic() > deadline:
            return missing
        page.wait_for_timeout(200)


def wait_for_value(read, expected, timeout=30):
    deadline = time.monotonic() + timeout
    while (found := read()) != expected and time.monotonic() < deadline:
        time.sleep(0.2)
    return found


def status_text(page, expected: str, timeout: float = 10) -> str:
    """The status bar's text once it contains ``expected`` (a sync attempt may show first)."""
    deadline = time.monotonic() + timeout
    while expected not in (text := page.inner_text("#sync-status .status-text")) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    return text


def network_free(errors):
    """Console errors but the failed requests a browser reports by itself while offline."""
    return [e for e in errors if "net::ERR_" not in e]


def test_languages_switch_offline_from_the_cache_and_the_choice_reaches_the_server(
        own_server, signed_in_page, console_errors):
    page = signed_in_page("conseiller", server=own_server)
    ready_tablet(page, own_server)
    assert wait_shell_cached(page, "fr") == []

    # Online: English, then French again; each time the shell is cached in that language too.
    switch_language(page, "en")
    assert page.locator("h1").inner_text() == "New accompaniment"
    assert wait_shell_cached(page, "en") == []
    switch_language(page, "fr")
    assert page.locator("h1").inner_text() == "Nouvel accompagnement"
    assert own_server.count(USER_LOCALE) == "fr"
    before = own_server.count(COUNT_ALL)

    own_server.stop()  # the link is down, and the tablet knows it
    page.context.set_offline(True)
    switch_language(page, "en")
    assert page.get_attribute("html", "lang") == "en"
    assert page.locator("h1").inner_text() == "New accompaniment"
    assert "Offline" in status_text(page, "Offline")
    page.check("input[name=kind][value=quick_help]")
    page.click(".quick-save button[value=BROWSING]")
    assert page.locator("#saved-note .saved-title").inner_text() == "Saved on the tablet."
    assert wait_waiting(page, 1) == 1
    assert "Offline · 1 waiting" in status_text(page, "1 waiting")

    switch_language(page, "fr")
    assert page.get_attribute("html", "lang") == "fr"
    assert page.locator("h1").inner_text() == "Nouvel accompagnement"
    assert "Hors ligne · 1 en attente" in status_text(page, "1 en attente")
    switch_language(page, "en")  # the last choice
    assert page.locator("h1").inner_text() == "New accompaniment"
    assert own_server.count(USER_LOCALE) == "fr"  # not told yet (the server is down)

    own_server.start()
    page.context.set_offline(False)
    assert own_server.wait_for_count(before + 1, COUNT_ALL, timeout=60) == before + 1
    assert wait_for_value(lambda: own_server.count(USER_LOCALE), "en") == "en"
    assert wait_waiting(page, 0) == 0
    settled(page)
    assert own_server.count(COUNT_ALL) == before + 1
    page.reload()  # from the server now, in the language chosen offline
    assert page.get_attribute("html", "lang") == "en"
    assert network_free(console_errors) == []


def test_a_language_not_cached_is_refused_offline_with_a_message(live_server, signed_in_page, console_errors):
    page = signed_in_page("conseiller")
    ready_tablet(page, live_server)
    assert page.get_attribute("html", "lang") == "fr"
    page.context.set_offline(True)
    page.click(".language-switch button[lang=en]")  # never used on this tablet
    note = page.locator("#language-note")
    note.wait_for()
    assert note.inner_text() == "Cette langue n’est pas encore disponible hors ligne."
    assert page.get_attribute("html", "lang") == "fr"
    assert page.locator("h1").inner_text() == "Nouvel accompagnement"
    assert page.evaluate("() => localStorage.getItem('pcn-language-conseiller')") is None
    page.context.set_offline(False)
    page.reload()
    assert page.get_attribute("html", "lang") == "fr"
    assert network_free(console_errors) == []


def test_a_preview_is_never_kept_by_the_service_worker(own_server, signed_in_page, console_errors):
    corpus = Path(__file__).resolve().parents[1] / "po_corpus" / "accepted_dhv.po"
    catalogue_id = upload_catalogue(own_server, "dhv", corpus.read_bytes())
    page = signed_in_page("admin", server=own_server)
    wait_for_service_worker(page)
    page.goto(own_server.url + f"/?apercu={catalogue_id}")
    assert page.get_attribute("html", "lang") == "dhv"  # the preview, marked no-store
    page.goto(own_server.url + "/")  # an ordinary page, kept
    assert poll(lambda: page.evaluate(CACHED_LANGUAGES).get("/"), page=page, message="the home page kept") == ["fr"]
    strings = page.evaluate("async () => (await caches.open('pcn-strings')).keys().then(k => k.map(r => r.url))")
    assert strings and not [url for url in strings if "/dhv/" in url]
    assert console_errors == []


def test_switching_language_with_unsaved_input_asks_first(live_server, signed_in_page):
    page = signed_in_page("conseiller")
    page.goto(live_server.url + "/accompagnements/nouveau")
    page.wait_for_function("() => document.querySelector('#sync-status')?.dataset.state")
    page.check("input[name=kind][value=individual]")
    page.fill("#notes", "Déclaration Cafat en cours")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click(".language-switch button[lang=en]")
    poll(lambda: asked, page=page, message="the question before switching")
    assert asked == ["Changer de langue efface ce qui n’est pas encore enregistré. Changer quand même ?"]
    assert page.get_attribute("html", "lang") == "fr"
    assert page.input_value("#notes") == "Déclaration Cafat en cours"
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click(".language-switch button[lang=en]")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    switch_language(page, "fr")  # leave the shared server's advisor in French
    assert page.get_attribute("html", "lang") == "fr"
