"""The agency's recent records on the tablet (docs/DEVICE.md): pulled after each push, read
offline in the list, a record's page and a card's history, edited offline with the conflict
left to the advisor. Every test counts rows on the server by id: nothing lost, nothing doubled."""

import time
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pcn_pwa.accompaniments import cards

from .conftest import sign_in
from .tablet import COUNT_ALL, OUTBOX, fill_individual, quick_record, ready_tablet, settled, wait_waiting

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

NOUMEA = ZoneInfo("Pacific/Noumea")
APP = "(await import('/static/js/app.js'))"


def days_ago(days: float, hour: int = 9, minute: int = 41) -> datetime:
    return (datetime.now(NOUMEA) - timedelta(days=days)).replace(hour=hour, minute=minute, second=0, microsecond=0)


def individual(when: datetime, agency="TADINE", **changes) -> dict:
    data = {"agency": agency, "kind": "individual", "occurred_at": when.isoformat(timespec="seconds"),
            "duration_minutes": 30, "participants": 1, "partners": ["CAFAT"], "procedures": ["CAFAT_CERTIFICATE"],
            "topics": [], "beneficiary": {"age_band": "60_69"}, "autonomy": "guided", "outcome": "completed"}
    data.update(changes)
    return data


def push(page, records) -> list[dict]:
    """Push ``[(id, data, base_version, deleted)]`` through the API as the page's user."""
    return page.evaluate("""async (records) => {
        const token = (await (await fetch('/api/v1/me')).json()).csrf_token;
        const answer = await fetch('/api/v1/sync', {method: 'POST',
            headers: {'Content-Type': 'application/json', 'X-CSRFToken': token},
            body: JSON.stringify({records: records.map(([id, data, base, deleted]) =>
                ({id, data, base_version: base, ...(deleted ? {deleted: true} : {})}))})});
        return (await answer.json()).results; }""", [list(r) for r in records])


def in_copy(page, record_id) -> dict | None:
    return page.evaluate("async (id) => (await %s.recordCopy.get(id)) || null" % APP, record_id)


def sync(page) -> None:
    page.evaluate("async () => %s.syncClient.run({reset: true})" % APP)


def wait_until(check, timeout=20):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def rows(server, ids) -> int:
    """Rows stored under these ids (a primary key: 0 or 1 each)."""
    return sum(server.record(record_id) is not None for record_id in ids)


def test_the_agency_s_last_90_days_are_read_offline_in_the_list_a_record_and_a_card(live_server, signed_in_page):
    manager = signed_in_page("responsable")
    card = cards.new_code()
    first, second, old, gone = (str(uuid.uuid4()) for _ in range(4))
    answers = push(manager, [
        (first, individual(days_ago(20), beneficiary={"age_band": "60_69", "card": card}, autonomy="guided"), 0, False),
        (second, individual(days_ago(3, 14, 5), beneficiary={"age_band": "60_69", "card": card},
                            autonomy="autonomous", duration_minutes=45), 0, False),
        (old, individual(days_ago(100)), 0, False),
        (gone, individual(days_ago(5)), 0, False),
    ])
    assert [a["status"] for a in answers] == ["created"] * 4
    assert push(manager, [(gone, individual(days_ago(5)), 1, True)])[0]["status"] == "updated"
    elsewhere = str(uuid.uuid4())
    bourail = signed_in_page("conseiller.bourail")
    assert push(bourail, [(elsewhere, individual(days_ago(2), agency="BOURAIL"), 0, False)])[0]["status"] == "created"

    page = signed_in_page("conseiller")
    ready_tablet(page, live_server)
    assert wait_until(lambda: in_copy(page, first) and in_copy(page, second)), "the pull did not bring the records"
    copy = page.evaluate("async () => (await %s.recordCopy.all()).map(r => [r.id, r.occurred_at, r.data.agency])" % APP)
    ids = {record_id for record_id, _, _ in copy}
    assert old not in ids and gone not in ids and elsewhere not in ids
    assert {agency for _, _, agency in copy} == {"TADINE"}
    oldest = min(datetime.fromisoformat(when.replace("Z", "+00:00")) for _, when, _ in copy)
    assert oldest >= datetime.now(NOUMEA) - timedelta(days=90, minutes=5)
    # One copy per user, as the outbox.
    assert "pcn-records-conseiller" in page.evaluate("async () => (await indexedDB.databases()).map(d => d.name)")

    page.context.set_offline(True)
    page.goto(live_server.url + "/accompagnements/")
    line = page.locator(f"#device-records li[data-id='{second}']")
    line.wait_for(timeout=10000)
    text = line.inner_text()
    assert "Accompagnement individuel" in text and "Télécharger une attestation de droits" in text
    assert days_ago(3, 14, 5).strftime("%d/%m/%Y 14:05") in text
    assert "Autonome" in text
    assert page.locator(f"#device-records li[data-id='{old}']").count() == 0
    assert page.locator(f"#device-records li[data-id='{gone}']").count() == 0

    line.locator("a").click()
    page.wait_for_url(f"{live_server.url}/accompagnements/{second}")
    view = page.locator("#device-record")
    view.locator("dl dt").first.wait_for(timeout=10000)
    facts = view.locator("dl").inner_text()
    assert "Durée" in facts and "45 min" in facts
    assert "Âge" in facts and "60 à 69 ans" in facts
    assert "Carte de suivi" in facts and cards.display(card) in facts
    assert "Accompagnement individuel" in view.locator("h1").inner_text()

    view.get_by_role("link", name="Voir le suivi de cette carte").click()
    page.wait_for_url(f"{live_server.url}/accompagnements/suivi/{card}")
    history = page.locator("#device-card")
    history.locator(".autonomy-track li").nth(1).wait_for(timeout=10000)
    assert cards.display(card) in history.locator("h1").inner_text()
    track = history.locator(".autonomy-track li").all_inner_texts()
    assert [t.split()[-1] for t in track][-1] == "Autonome"
    assert "Guidé pas à pas" in track[0]
    assert history.locator(".record-list li").count() == 2
    assert history.locator(".record-list li").first.get_attribute("data-id") == second

    # A record saved offline is in the list at once, and once sent it is in the copy.
    page.goto(live_server.url + "/accompagnements/nouveau")
    before = live_server.count(COUNT_ALL)
    quick_record(page)
    saved = page.evaluate("async () => (await %s.all()).filter(r => r.state === 'pending').map(r => r.id)" % OUTBOX)
    assert len(saved) == 1
    page.goto(live_server.url + "/accompagnements/")
    page.locator(f"#waiting-records li[data-id='{saved[0]}']").wait_for(timeout=10000)
    page.context.set_offline(False)
    sync(page)
    assert live_server.wait_for_count(before + 1, COUNT_ALL) == before + 1
    assert rows(live_server, saved) == 1
    assert wait_until(lambda: in_copy(page, saved[0])), "the record sent is not in the copy"

    # A record deleted on the server leaves the copy at the next sync.
    assert push(manager, [(second, individual(days_ago(3, 14, 5), autonomy="autonomous", duration_minutes=45,
                                              beneficiary={"age_band": "60_69", "card": card}), 1, True)]
                )[0]["status"] == "updated"
    sync(page)
    assert wait_until(lambda: in_copy(page, second) is None), "a deleted record stayed in the copy"
    assert rows(live_server, [first, second, old, gone, elsewhere]) == 5
    assert live_server.count(COUNT_ALL) == before + 1


def test_a_hanging_pull_never_holds_up_saving_or_sending(live_server, signed_in_page):
    page = signed_in_page("conseiller")
    ready_tablet(page, live_server)
    held = []
    page.context.route("**/api/v1/accompaniments**", lambda route: held.append(route))
    try:
        page.reload()  # the pull at start hangs
        deadline = time.monotonic() + 20
        while not held and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        assert held, "the pull did not start"
        before = live_server.count(COUNT_ALL)
        outbox_ids = "async () => (await %s.all()).map(r => r.id)" % OUTBOX
        on_device = set(page.evaluate(outbox_ids))
        page.check("input[name=kind][value=quick_help]")
        started = time.monotonic()
        page.click(".quick-save button[value=EMAIL]")
        page.wait_for_selector("#saved-note", timeout=1000)
        assert time.monotonic() - started < 1
        # The new record, whatever its state: the push may already have sent it (it does not wait
        # for the pull), which is the point.
        new = set(page.evaluate(outbox_ids)) - on_device
        assert len(new) == 1
        record_id = new.pop()
        assert live_server.wait_for_count(before + 1, COUNT_ALL) == before + 1
        assert wait_waiting(page, 0) == 0
    finally:
        page.context.unroute("**/api/v1/accompaniments**")
        for route in held:
            try:
                route.continue_()
            except Exception:  # noqa: BLE001 - the page may have dropped it meanwhile
                pass
    sync(page)
    assert wait_until(lambda: in_copy(page, record_id)), "the pull did not resume once the link came back"
    assert rows(live_server, [record_id]) == 1
    assert live_server.count(COUNT_ALL) == before + 1


def outbox_record(page, record_id) -> dict | None:
    return page.evaluate("async (id) => (await %s.get(id)) || null" % OUTBOX, record_id)


def edit_offline(page, server, record_id, duration: str) -> None:
    """Offline, from the record's page: Modifier, another duration, Enregistrer."""
    page.goto(f"{server.url}/accompagnements/{record_id}")
    page.locator("#device-record").get_by_role("link", name="Modifier").click()
    page.wait_for_url(f"{server.url}/accompagnements/{record_id}/modifier")
    page.locator("h1", has_text="Modifier l’accompagnement").wait_for(timeout=10000)
    page.wait_for_function("() => document.querySelector('input[name=duration][value=\"30\"]').checked", timeout=10000)
    assert page.is_checked("input[name=procedures][value=CAFAT_CERTIFICATE]")
    page.check(f"input[name=duration][value='{duration}']")
    page.click("#record-form button.button-large")
    page.wait_for_url(f"{server.url}/accompagnements/{record_id}")


def test_a_record_edited_offline_waits_with_its_version_and_goes_once(live_server, signed_in_page):
    manager = signed_in_page("responsable")
    record_id = str(uuid.uuid4())
    assert push(manager, [(record_id, individual(days_ago(4)), 0, False)])[0]["status"] == "created"
    page = signed_in_page("conseiller")
    ready_tablet(page, live_server)
    assert wait_until(lambda: in_copy(page, record_id))
    before = live_server.count(COUNT_ALL)

    page.context.set_offline(True)
    edit_offline(page, live_server, record_id, "60")
    waiting = outbox_record(page, record_id)
    assert (waiting["state"], waiting["base_version"], waiting["data"]["duration_minutes"]) == ("pending", 1, 60)
    assert waiting["data"]["beneficiary"]["age_band"] == "60_69"  # the rest of the record kept
    view = page.locator("#device-record")
    view.locator("dl dt").first.wait_for(timeout=10000)
    assert view.locator(".device-unsent").is_visible()
    assert "60 min" in view.locator("dl").inner_text()
    assert live_server.record(record_id)["duration_minutes"] == 30

    page.context.set_offline(False)
    sync(page)
    deadline = time.monotonic() + 20
    while (live_server.record(record_id) or {}).get("version") != 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    stored = live_server.record(record_id)
    assert (stored["version"], stored["duration_minutes"], stored["age_band"]) == (2, 60, "60_69")
    assert wait_waiting(page, 0) == 0
    assert wait_until(lambda: (in_copy(page, record_id) or {}).get("version") == 2)
    assert live_server.count(COUNT_ALL) == before  # a change, not a new record


@pytest.mark.parametrize("keep", ["mine", "theirs"])
def test_an_offline_edit_meeting_a_change_on_the_server_waits_for_the_advisor_s_choice(live_server, signed_in_page,
                                                                                       keep):
    manager = signed_in_page("responsable")
    record_id = str(uuid.uuid4())
    assert push(manager, [(record_id, individual(days_ago(6)), 0, False)])[0]["status"] == "created"
    page = signed_in_page("conseiller")
    ready_tablet(page, live_server)
    assert wait_until(lambda: in_copy(page, record_id))
    before = live_server.count(COUNT_ALL)

    page.context.set_offline(True)
    edit_offline(page, live_server, record_id, "60")
    # Meanwhile the manager changes the same record on the server (version 2).
    assert push(manager, [(record_id, individual(days_ago(6), duration_minutes=45), 1, False)])[0]["status"] == "updated"

    page.context.set_offline(False)
    sync(page)
    assert wait_until(lambda: (outbox_record(page, record_id) or {}).get("state") == "conflict")
    sync(page)  # another sync neither sends it nor drops it: it waits for the advisor
    settled(page)
    assert outbox_record(page, record_id)["state"] == "conflict"
    assert outbox_record(page, record_id)["data"]["duration_minutes"] == 60
    assert (live_server.record(record_id)["version"], live_server.record(record_id)["duration_minutes"]) == (2, 45)

    page.goto(live_server.url + "/synchronisation")
    item = page.locator(f".outbox-item[data-id='{record_id}']")
    item.locator("table.compare").wait_for(timeout=20000)
    assert item.locator("thead th").all_inner_texts() == ["Champ", "Ma version", "Version du serveur"]
    row = item.locator("tr[data-field=duration_minutes]")
    assert row.get_attribute("class") == "differs"
    assert row.locator("th").inner_text() == "Durée"
    assert row.locator("td").all_inner_texts() == ["60 min", "45 min"]
    same = item.locator("tr[data-field=procedures]")
    assert same.get_attribute("class") != "differs"
    assert same.locator("td").all_inner_texts() == ["Télécharger une attestation de droits"] * 2

    item.get_by_role("button", name="Garder ma version" if keep == "mine" else "Garder la version du serveur").click()
    expected = (3, 60) if keep == "mine" else (2, 45)
    deadline = time.monotonic() + 20
    while (live_server.record(record_id) or {}).get("version") != expected[0] and time.monotonic() < deadline:
        time.sleep(0.2)
    sync(page)
    settled(page)
    stored = live_server.record(record_id)
    assert (stored["version"], stored["duration_minutes"]) == expected
    assert outbox_record(page, record_id)["state"] == "synced"
    assert live_server.count(COUNT_ALL) == before


def test_a_workshop_read_offline_shows_no_person_field_it_never_asked(live_server, signed_in_page):
    page = signed_in_page("conseiller")
    workshop, person = str(uuid.uuid4()), str(uuid.uuid4())
    answers = push(page, [
        (workshop, {"agency": "TADINE", "kind": "workshop", "occurred_at": days_ago(1).isoformat(timespec="seconds"),
                    "duration_minutes": 90, "participants": 7, "topics": ["ONLINE_SAFETY"],
                    "workshop_title": "Se protéger des arnaques", "beneficiary": {"age_band": "unknown"}}, 0, False),
        (person, individual(days_ago(1)), 0, False),
    ])
    assert [a["status"] for a in answers] == ["created"] * 2
    ready_tablet(page, live_server)
    assert wait_until(lambda: in_copy(page, workshop) and in_copy(page, person)), "the pull did not bring them"
    page.context.set_offline(True)
    try:
        page.goto(f"{live_server.url}/accompagnements/{workshop}")
        view = page.locator("#device-record")
        view.locator("dl dt").first.wait_for(timeout=10000)
        facts = view.locator("dl").inner_text()
        assert "Se protéger des arnaques" in facts and "Nombre de participants" in facts
        assert "Âge" not in facts and "Genre" not in facts and "Non communiqué" not in facts
        page.goto(f"{live_server.url}/accompagnements/{person}")
        view.locator("dl dt").first.wait_for(timeout=10000)
        assert "Âge" in view.locator("dl").inner_text()
    finally:
        page.context.set_offline(False)
