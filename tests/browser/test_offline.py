"""The offline-first promise, in a real browser against real faults: every test ends by counting
rows on the server — nothing lost, nothing doubled (docs/DEVICE.md)."""

import json
import re
import time
import uuid

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .conftest import sign_in
from .tablet import COUNT_ALL, OUTBOX, poll, quick_record, ready_tablet, settled, wait_waiting, waiting

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def valid_data(**changes):
    data = {"agency": "TADINE", "kind": "quick_help", "occurred_at": "2026-03-02T09:41:00+11:00",
            "topics": ["EMAIL"], "beneficiary": {}}
    data.update(changes)
    return data


def queue(page, records):
    """Put records in the tablet's outbox as the form would (``[(id, data, base_version)]``)."""
    page.evaluate("""async (records) => { const outbox = %s;
        for (const [id, data, base] of records) await outbox.save(id, data, base); }""" % OUTBOX, records)


def outbox_states(page) -> dict:
    return page.evaluate("""async () => { const all = await %s.all();
        return Object.fromEntries(all.map(r => [r.id, r.state])); }""" % OUTBOX)


# 1 and 2 -------------------------------------------------------------------------------

def test_server_down_pages_still_work_and_records_arrive_once_when_it_is_back(own_server, signed_in_page):
    page = signed_in_page("conseiller", server=own_server)
    ready_tablet(page, own_server)
    before = own_server.count(COUNT_ALL)

    own_server.stop()  # the agency's link is down: no `online` event, fetches just fail
    page.reload()
    assert page.locator("h1").inner_text() == "Nouvel accompagnement"
    page.click("a[href='/synchronisation']")
    page.wait_for_url(own_server.url + "/synchronisation")
    # The home page's button for an individual accompaniment opens the form on that kind, as online.
    page.goto(own_server.url + "/")
    page.click("a[href='/accompagnements/nouveau?type=individual']")
    page.wait_for_url(own_server.url + "/accompagnements/nouveau?type=individual")
    assert page.is_checked("input[name=kind][value=individual]")
    assert page.is_visible("#autonomy") and page.is_visible("#outcome")
    page.goto(own_server.url + "/accompagnements/nouveau")
    for topic in ["BROWSING", "EMAIL", "DEVICE"]:
        quick_record(page, topic)
    assert wait_waiting(page, 3) == 3
    assert own_server.count(COUNT_ALL) == before

    own_server.start()  # back: the client retries on its timer
    assert own_server.wait_for_count(before + 3, COUNT_ALL, timeout=60) == before + 3
    assert wait_waiting(page, 0) == 0
    settled(page)
    assert own_server.count(COUNT_ALL) == before + 3


# 3, 4, 5 ---------------------------------------------------------------------------------

@pytest.mark.parametrize("fault", ["cut", "lose_answer", "error_500"])
def test_a_failed_push_is_retried_and_arrives_once(live_server, signed_in_page, fault):
    page = signed_in_page("conseiller")
    ready_tablet(page, live_server)
    before, pushes = live_server.count(COUNT_ALL), live_server.pushes
    live_server.faults(fault, remaining=1)
    quick_record(page)
    assert live_server.wait_for_count(before + 1, COUNT_ALL, timeout=40) == before + 1
    assert wait_waiting(page, 0) == 0
    assert live_server.pushes >= pushes + 2  # the failed push, then the retry
    settled(page)
    assert live_server.count(COUNT_ALL) == before + 1


def test_a_500_in_the_middle_of_the_batches_loses_nothing(live_server, signed_in_page):
    page = signed_in_page("conseiller")
    ready_tablet(page, live_server)
    before = live_server.count(COUNT_ALL)
    page.context.set_offline(True)
    ids = [str(uuid.uuid4()) for _ in range(600)]
    queue(page, [(record_id, valid_data(), 0) for record_id in ids])
    live_server.faults("error_500", remaining=1, after=1)  # first batch fine, the second fails
    page.context.set_offline(False)
    assert live_server.wait_for_count(before + 600, COUNT_ALL, timeout=60) == before + 600
    assert wait_waiting(page, 0) == 0
    states = outbox_states(page)  # read once: the outbox of 600, not once for each record
    assert {states[i] for i in ids} == {"synced"}


# 6 ---------------------------------------------------------------------------------------

def test_expired_session_keeps_the_records_and_asks_to_sign_in_again(live_server, signed_in_page):
    page = signed_in_page("conseiller")
    ready_tablet(page, live_server)
    before = live_server.count(COUNT_ALL)
    page.context.set_offline(True)
    quick_record(page)
    quick_record(page, "EMAIL")
    page.context.clear_cookies()  # the session expired while the tablet was offline
    page.context.set_offline(False)
    page.wait_for_selector("#sync-status .sign-in-again:not([hidden])", timeout=20000)
    assert "Session expirée" in page.inner_text("#sync-status")
    assert waiting(page) == 2
    assert live_server.count(COUNT_ALL) == before
    page.click("#sync-status .sign-in-again")
    page.wait_for_url(re.compile(r".*/login.*"))
    sign_in(page, live_server, "conseiller", expect_url=re.compile(r".*/accompagnements/nouveau$"))
    assert live_server.wait_for_count(before + 2, COUNT_ALL) == before + 2
    assert wait_waiting(page, 0) == 0


# 7 ---------------------------------------------------------------------------------------

def test_two_tabs_syncing_at_once_send_once(live_server, signed_in_page):
    first = signed_in_page("conseiller")
    ready_tablet(first, live_server)
    second = first.context.new_page()
    second.goto(live_server.url + "/synchronisation")
    before = live_server.count(COUNT_ALL)
    first.context.set_offline(True)
    ids = [str(uuid.uuid4()) for _ in range(30)]
    queue(first, [(record_id, valid_data(), 0) for record_id in ids])
    pushes = live_server.pushes
    live_server.faults("slow", remaining=1)  # the first push holds the lock for a while
    first.context.set_offline(False)  # `online` fires in both tabs at once
    for tab in (first, second):
        tab.evaluate("() => document.querySelector('#sync-status .sync-now').click()")
    assert live_server.wait_for_count(before + 30, COUNT_ALL) == before + 30
    settled(first)  # the second tab's push, waiting for the lock, has run (and found nothing to send)
    assert live_server.count(COUNT_ALL) == before + 30
    assert live_server.pushes - pushes == 1


# 8 ---------------------------------------------------------------------------------------

def _check_for_update(page, within: float = 30) -> None:
    """Ask the browser to look for a new worker until the page offers it, as a tablet's regular
    checks would: one check made a moment after the link came back can fail or find the old
    script (seen once under heavy load), which is not what this test is about."""
    banner = page.locator("#update-banner:not([hidden])")
    deadline = time.monotonic() + within
    while True:
        page.evaluate("async () => { try { await (await navigator.serviceWorker.getRegistration()).update(); }"
                      " catch (error) { /* the next check */ } }")
        try:
            banner.wait_for(timeout=3000)
            return
        except PlaywrightTimeout:
            if time.monotonic() > deadline:
                raise


def test_new_version_waits_for_the_advisor_and_loses_nothing(live_server, signed_in_page):
    page = signed_in_page("conseiller")
    ready_tablet(page, live_server)
    before = live_server.count(COUNT_ALL)
    page.context.set_offline(True)
    quick_record(page)
    page.context.set_offline(False)
    live_server.faults(None)
    state = json.loads(live_server.faults_file.read_text())
    state["salt"] = uuid.uuid4().hex  # a new deployment
    live_server.faults_file.write_text(json.dumps(state))
    try:
        _check_for_update(page)
        # Unsaved input in the form: the update must not reload the page.
        page.click(".details-toggle")  # the quick question's kind is kept: its details are folded
        page.fill("#procedure_detail", "en cours de saisie")
        page.click("#update-banner button")
        assert "Terminez d’abord" in page.inner_text("#update-banner")
        assert page.input_value("#procedure_detail") == "en cours de saisie"
        # After saving, the update goes through and the record is still there and arrives.
        page.goto(live_server.url + "/synchronisation")
        page.wait_for_selector("#update-banner:not([hidden])", timeout=20000)
        with page.expect_navigation():
            page.click("#update-banner button")
        assert live_server.wait_for_count(before + 1, COUNT_ALL) == before + 1
        assert wait_waiting(page, 0) == 0
    finally:
        state = json.loads(live_server.faults_file.read_text())
        state.pop("salt", None)
        live_server.faults_file.write_text(json.dumps(state))


# 9 ---------------------------------------------------------------------------------------

def test_an_invalid_record_waits_with_its_message_is_fixed_then_synced(live_server, signed_in_page):
    page = signed_in_page("conseiller")
    ready_tablet(page, live_server)
    record_id = str(uuid.uuid4())
    # Queued by an older version of the app that did not know the duration rule.
    queue(page, [(record_id, valid_data(duration_minutes=0), 0)])
    page.evaluate("async () => (await import('/static/js/app.js')).syncClient.run({reset: true})")
    page.goto(live_server.url + "/synchronisation")
    item = page.locator(f".outbox-item[data-id='{record_id}']")
    item.locator("a.button-primary").wait_for()
    assert item.get_attribute("data-state") == "invalid"
    # The field by its name in the form, never by its code.
    assert "Durée : Une durée dure au moins 1 minute." in item.inner_text()
    assert "duration_minutes" not in item.inner_text()
    assert live_server.record(record_id) is None  # the server never stored it
    item.locator("a.button-primary").click()
    page.wait_for_url(re.compile(r".*brouillon=.*"))
    page.wait_for_selector("#duration-errors")
    page.check("input[name=duration][value='30']")
    page.click("button.button-large")
    page.wait_for_url(live_server.url + "/synchronisation")
    deadline = time.monotonic() + 20
    while live_server.record(record_id) is None and time.monotonic() < deadline:
        time.sleep(0.2)
    stored = live_server.record(record_id)
    assert stored is not None and stored["duration_minutes"] == 30 and stored["version"] == 1
    # The server commits before its answer reaches the tablet, which then files the record as sent.
    poll(lambda: outbox_states(page)[record_id] == "synced", 20, page, "the fixed record filed as sent")


# 10 --------------------------------------------------------------------------------------

def test_a_conflict_shows_both_versions_and_the_choice_is_synced(live_server, signed_in_page, new_context):
    page = signed_in_page("conseiller")
    ready_tablet(page, live_server)
    record_id = str(uuid.uuid4())
    queue(page, [(record_id, valid_data(duration_minutes=15), 0)])
    page.evaluate("async () => (await import('/static/js/app.js')).syncClient.run({reset: true})")
    assert wait_waiting(page, 0) == 0
    # Meanwhile the manager corrects the record on the server (version 2).
    manager = signed_in_page("responsable")
    token = manager.evaluate("async () => (await (await fetch('/api/v1/me')).json()).csrf_token")
    answer = manager.evaluate("""async ([id, data, token]) => (await (await fetch('/api/v1/sync', {method: 'POST',
        headers: {'Content-Type': 'application/json', 'X-CSRFToken': token},
        body: JSON.stringify({records: [{id, base_version: 1, data}]})})).json())""",
                              [record_id, valid_data(duration_minutes=45), token])
    assert answer["results"][0]["status"] == "updated"
    # The tablet changes its copy too, over version 1.
    queue(page, [(record_id, valid_data(duration_minutes=60), 0)])
    page.evaluate("""async (id) => { const outbox = %s; const r = await outbox.get(id);
        r.base_version = 1; await outbox.update([r]); }""" % OUTBOX, record_id)
    page.goto(live_server.url + "/synchronisation")
    item = page.locator(f".outbox-item[data-id='{record_id}']")
    item.locator("table.compare").wait_for(timeout=20000)
    assert item.get_attribute("data-state") == "conflict"
    differs = item.locator("tr.differs", has_text="Durée")
    assert differs.locator("td").all_inner_texts() == ["60 min", "45 min"]
    item.get_by_role("button", name="Garder ma version").click()
    deadline = time.monotonic() + 20
    while (live_server.record(record_id) or {}).get("version") != 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    stored = live_server.record(record_id)
    assert (stored["version"], stored["duration_minutes"]) == (3, 60)


# 11 --------------------------------------------------------------------------------------

def test_a_thousand_queued_records_go_in_batches_with_progress(live_server, signed_in_page):
    page = signed_in_page("conseiller")
    ready_tablet(page, live_server)
    before = live_server.count(COUNT_ALL)
    page.context.set_offline(True)
    queue(page, [(str(uuid.uuid4()), valid_data(), 0) for _ in range(1000)])
    assert wait_waiting(page, 1000) == 1000
    pushes = live_server.pushes
    live_server.faults("slow", remaining=2)
    page.context.set_offline(False)
    page.wait_for_function(
        "() => /500 \\/ 1[\\s\\u202f]000 envoyés/.test(document.querySelector('#sync-status .status-text').textContent)",
        timeout=30000)
    assert live_server.wait_for_count(before + 1000, COUNT_ALL, timeout=60) == before + 1000
    assert wait_waiting(page, 0) == 0
    assert live_server.pushes - pushes == 2


# Signing out with records waiting ------------------------------------------------------------

def test_signing_out_with_unsent_records_warns_and_keeps_them(live_server, signed_in_page):
    page = signed_in_page("conseiller")
    ready_tablet(page, live_server)
    before = live_server.count(COUNT_ALL)
    live_server.faults("error_500", remaining=1000)  # the server refuses pushes for now
    try:
        quick_record(page)
        assert wait_waiting(page, 1) == 1
        dialogs = []
        page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.click("form.logout button")
        poll(lambda: dialogs, page=page, message="the warning before signing out")
        assert "1 accompagnement(s) pas encore envoyé(s)" in dialogs[0]
        assert page.locator("form.logout").count() == 1  # still signed in
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("form.logout button")
        page.wait_for_url(re.compile(r".*/login$"))
    finally:
        live_server.faults(None)
    # Signing in again, the record is still on the tablet and goes.
    sign_in(page, live_server, "conseiller")
    assert live_server.wait_for_count(before + 1, COUNT_ALL) == before + 1
