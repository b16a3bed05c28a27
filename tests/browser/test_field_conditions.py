"""The record promise under the conditions of Maré and Yaté: a link that hangs instead of
failing, and two tabs of one advisor. Each test counts rows on the server by id."""

import time

import pytest

from .tablet import COUNT_ALL, OUTBOX, fill_individual, ready_tablet, settled, wait_waiting, waiting

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

OUTBOX_IDS = "async () => (await %s.all()).map(r => r.id)" % OUTBOX


class HangingLink:
    """Every /api/ request of the context is held unanswered, as on a link that hangs (lie-fi),
    until ``release``: then the held ones go on to the server."""

    def __init__(self, context):
        self.context, self.held = context, []
        self.handler = lambda route: self.held.append(route)
        context.route("**/api/**", self.handler)

    def release(self):
        self.context.unroute("**/api/**", self.handler)
        for route in self.held:
            try:
                route.continue_()
            except Exception:  # noqa: BLE001 - the page gave up on it already (its timeout)
                pass


def stored(server, ids) -> int:
    found = 0
    for record_id in ids:
        found += server.record(record_id) is not None
    return found


def wait_stored(server, ids, timeout=60) -> int:
    deadline = time.monotonic() + timeout
    while stored(server, ids) != len(ids) and time.monotonic() < deadline:
        time.sleep(0.3)
    return stored(server, ids)


def test_with_the_link_hanging_saving_is_confirmed_within_a_second_and_arrives_once(live_server, signed_in_page):
    page = signed_in_page("conseiller")
    ready_tablet(page, live_server)
    before = live_server.count(COUNT_ALL)
    link = HangingLink(page.context)
    try:
        page.reload()  # the page's own start-up requests hang too
        fill_individual(page)
        started = time.monotonic()
        page.click("button.button-large")
        page.wait_for_selector("#saved-note", timeout=1000)
        assert time.monotonic() - started < 1.0
        assert "Enregistré sur la tablette." in page.inner_text("#saved-note")
        ids = page.evaluate(OUTBOX_IDS)
        assert len(ids) == 1  # on the device, before any answer from the server
        assert wait_waiting(page, 1) == 1
        assert link.held, "the save did not even try the network"
        assert live_server.count(COUNT_ALL) == before
    finally:
        link.release()
    assert wait_stored(live_server, ids) == 1
    assert wait_waiting(page, 0) == 0
    settled(page)
    assert live_server.count(COUNT_ALL) == before + 1


def test_a_device_without_reference_data_still_saves_at_once(live_server, new_context):
    """First use of a tablet on a hanging link: no rules on the device yet, the server judges."""
    from .conftest import sign_in

    context = new_context()
    page = context.new_page()
    sign_in(page, live_server, "conseiller")
    link = HangingLink(context)
    try:
        page.goto(live_server.url + "/accompagnements/nouveau")
        assert page.evaluate("async () => (await import('/static/js/reference.js')).cachedReference()") is None
        fill_individual(page)
        page.click(".person summary")  # the person's section, folded to one line
        page.check("#new_card")  # the card code is made on the device all the same
        page.click("button.button-large")
        # Saved on the device while every request to the server hangs unanswered: the save waited
        # for no network (the time it takes is the previous test's, on a device with its rules).
        page.wait_for_selector("#saved-note a", timeout=10_000)
        assert link.held, "nothing was held: the link was not hanging"
        ids = page.evaluate(OUTBOX_IDS)
        assert len(ids) == 1
    finally:
        link.release()
    assert wait_stored(live_server, ids) == 1
    assert live_server.record(ids[0])["card"]


def test_a_second_tap_on_the_same_form_cannot_make_a_second_record(live_server, signed_in_page):
    page = signed_in_page("conseiller")
    ready_tablet(page, live_server)
    link = HangingLink(page.context)
    try:
        fill_individual(page)
        # Two submits in the same instant, as an impatient double tap gives.
        page.evaluate("""() => { const form = document.getElementById('record-form');
            const button = form.querySelector('button.button-large');
            form.requestSubmit(button); form.requestSubmit(button); }""")
        page.wait_for_selector("#saved-note", timeout=1000)
        # The form takes taps again once its save is over, whichever tap it came from.
        page.wait_for_selector("#record-form button.button-large:not([aria-disabled])")
        ids = page.evaluate(OUTBOX_IDS)
        assert len(ids) == 1
    finally:
        link.release()
    assert wait_stored(live_server, ids) == 1
    assert wait_waiting(page, 0) == 0


def test_two_tabs_agree_on_the_outbox_and_the_one_that_waited_is_not_stuck(own_server, signed_in_page):
    first = signed_in_page("conseiller", server=own_server)
    ready_tablet(first, own_server)
    second = first.context.new_page()
    second.goto(own_server.url + "/accompagnements/nouveau")
    assert waiting(second) is not None or wait_waiting(second, 0) == 0
    before = own_server.count(COUNT_ALL)

    own_server.stop()  # the link is down: records wait in the one outbox both tabs share
    ids = []
    for tab in (first, second, first, second):
        tab.check("input[name=kind][value=quick_help]")
        tab.click(".quick-save button[value=BROWSING]")
        tab.wait_for_selector("#saved-note")
        tab.evaluate("() => document.querySelector('#saved-note').remove()")
    ids = first.evaluate(OUTBOX_IDS)
    assert len(ids) == 4
    # Each tab shows the other's records within 2 s, without a reload.
    for tab in (first, second):
        assert wait_waiting(tab, 4, timeout=2) == 4

    own_server.start()  # back: both tabs try at once; one pushes, the other waits for the lock
    own_server.faults("slow", remaining=1)
    for tab in (first, second):
        tab.evaluate("() => document.querySelector('#sync-status .sync-now').click()")
    assert wait_stored(own_server, ids) == 4
    for tab in (first, second):
        assert wait_waiting(tab, 0, timeout=2) == 0
        text = tab.inner_text("#sync-status")
        assert "Tout est envoyé" in text and "Pas de réseau" not in text, text
    settled(first)
    assert own_server.count(COUNT_ALL) == before + 4


def test_a_tab_that_found_the_lock_taken_pushes_what_came_after(live_server, signed_in_page):
    """The tab that lost the race waits its turn: a record it saved meanwhile still goes."""
    first = signed_in_page("conseiller")
    ready_tablet(first, live_server)
    second = first.context.new_page()
    second.goto(live_server.url + "/accompagnements/nouveau")
    wait_waiting(second, 0)
    live_server.faults("slow", remaining=1)  # the first tab's push holds the lock 1.5 s
    first.check("input[name=kind][value=quick_help]")
    first.click(".quick-save button[value=BROWSING]")
    first.wait_for_selector("#saved-note")
    second.check("input[name=kind][value=quick_help]")
    second.click(".quick-save button[value=EMAIL]")
    second.wait_for_selector("#saved-note")
    saved_at = second.evaluate("async () => Object.fromEntries((await %s.all()).map(r => [r.id, r.saved_at]))"
                               % OUTBOX)
    ids = sorted(saved_at, key=saved_at.get)[-2:]  # the two just saved, one in each tab
    assert wait_stored(live_server, ids, timeout=30) == 2
    for tab in (first, second):
        assert wait_waiting(tab, 0, timeout=5) == 0


@pytest.mark.full_chromium  # the headless shell has no Background Sync
def test_the_worker_sends_the_outbox_with_no_window_open(own_server, signed_in_page):
    """Background Sync: the advisor saved offline and closed the app; the link comes back, and
    its first push fails (a link not yet usable): the worker tries again within seconds, not
    at the browser's next try minutes later."""
    page = signed_in_page("conseiller", server=own_server)
    ready_tablet(page, own_server)
    before, pushes = own_server.count(COUNT_ALL), own_server.pushes
    context = page.context
    context.set_offline(True)
    page.check("input[name=kind][value=quick_help]")
    page.click(".quick-save button[value=BROWSING]")
    page.wait_for_selector("#saved-note")
    ids = page.evaluate(OUTBOX_IDS)
    assert len(ids) == 1
    tags = page.evaluate("async () => (await (await navigator.serviceWorker.ready).sync.getTags())")
    assert tags == ["pcn-outbox"]
    page.close()
    assert context.pages == []  # no window of the app is open any more

    own_server.faults("error_500", remaining=1)
    context.set_offline(False)  # the browser wakes the worker, which pushes by itself
    assert wait_stored(own_server, ids, timeout=60) == 1, f"pushes seen: {own_server.pushes - pushes}"
    assert own_server.pushes - pushes == 2  # the one that failed, then the one stored
    assert own_server.count(COUNT_ALL) == before + 1

    # The next page opened finds the record sent, not waiting.
    again = context.new_page()
    again.goto(own_server.url + "/synchronisation")
    assert wait_waiting(again, 0) == 0
    state = again.evaluate("async (id) => (await %s.get(id)).state" % OUTBOX, ids[0])
    assert state == "synced"


# Measures, in the page, the longest task its main thread ran (the Long Tasks API: every task
# over 50 ms, with its length): what an advisor tapping the form would wait. Not a timer's
# lateness, which also counts the moments a loaded machine gave the browser no CPU at all.
WATCH_MAIN_THREAD = """() => { window.pcnLongestBusy = 0;
  const note = (tasks) => tasks.forEach((task) => {
    window.pcnLongestBusy = Math.max(window.pcnLongestBusy, task.duration); });
  window.pcnWatch = new PerformanceObserver((list) => note(list.getEntries()));
  window.pcnWatch.observe({type: 'longtask'});
  window.pcnLongest = () => { note(window.pcnWatch.takeRecords()); return window.pcnLongestBusy; }; }"""
# A task of the page's own that holds the thread (the test's evaluate is not a page task).
FREEZE = "(ms) => setTimeout(() => { const end = performance.now() + ms; while (performance.now() < end); })"


def test_five_thousand_waiting_records_sync_in_batches_and_the_form_stays_usable(own_server, signed_in_page):
    page = signed_in_page("conseiller", server=own_server)
    ready_tablet(page, own_server)
    before, pushes = own_server.count(COUNT_ALL), own_server.pushes
    page.context.set_offline(True)
    # 5,000 records a month offline could leave, put in the outbox by the app's own module.
    ids = page.evaluate("""async () => { const outbox = %s; const ids = [];
        for (let i = 0; i < 5000; i += 1) {
          const id = crypto.randomUUID(); ids.push(id);
          await outbox.save(id, {agency: 'TADINE', kind: 'quick_help', topics: ['EMAIL'], beneficiary: {},
            occurred_at: new Date(Date.now() - i * 60000).toISOString().replace('Z', '+00:00')});
        }
        return ids; }""" % OUTBOX)
    assert wait_waiting(page, 5000, timeout=10) == 5000
    assert "5\u202f000 en attente" in page.inner_text("#sync-status")

    own_server.faults("slow", remaining=4)  # long enough to watch it go
    page.evaluate(WATCH_MAIN_THREAD)
    page.context.set_offline(False)
    page.wait_for_function("() => /1[\\s\\u202f]500 \\/ 5[\\s\\u202f]000 envoyés/.test("
                           "document.querySelector('#sync-status .status-text').textContent)", timeout=60000)
    # Meanwhile the advisor records the person at the counter: saved at once, as ever.
    started = time.monotonic()
    page.check("input[name=kind][value=quick_help]")
    page.click(".quick-save button[value=BROWSING]")
    page.wait_for_selector("#saved-note", timeout=1000)
    assert time.monotonic() - started < 1.5
    latest = page.evaluate("""async () => (await %s.all()).sort((a, b) => b.saved_at.localeCompare(a.saved_at))[0].id"""
                           % OUTBOX)
    assert latest not in ids

    assert own_server.wait_for_count(before + 5001, COUNT_ALL, timeout=120) == before + 5001
    assert wait_waiting(page, 0, timeout=30) == 0
    longest = page.evaluate("() => window.pcnLongest()")
    assert longest < 500, f"the page was frozen for {longest:.0f} ms during the sync"
    # The watch sees a freeze when there is one.
    page.evaluate(FREEZE, 600)
    page.wait_for_function("() => window.pcnLongest() >= 600", timeout=5000)
    assert stored(own_server, [ids[0], ids[2500], ids[-1], latest]) == 4
    assert own_server.pushes - pushes <= 12  # batches of 500 (plus the one saved meanwhile)


def test_records_waiting_on_the_tablet_are_at_the_top_of_the_list_at_once(live_server, signed_in_page):
    page = signed_in_page("conseiller")
    ready_tablet(page, live_server)
    live_server.faults("error_500", remaining=1000)  # the server takes nothing for now
    try:
        page.check("input[name=kind][value=quick_help]")
        page.click(".quick-save button[value=BROWSING]")
        page.wait_for_selector("#saved-note")
        page.goto(live_server.url + "/accompagnements/")
        item = page.locator("#waiting-records li.waiting")
        item.first.wait_for(timeout=5000)
        assert item.count() == 1
        assert "Question rapide" in item.first.inner_text() and "en attente" in item.first.inner_text()
        record_id = item.first.get_attribute("data-id")
        assert live_server.record(record_id) is None
    finally:
        live_server.faults(None)
    page.evaluate("async () => (await import('/static/js/app.js')).syncClient.run({reset: true})")
    assert wait_stored(live_server, [record_id]) == 1
    page.wait_for_selector("#waiting-records", state="hidden", timeout=5000)
