"""axe-core on the pages advisors use: sign-in, the form in each kind, the list, sync and offline pages."""

import uuid
from pathlib import Path

import pytest

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def axe_page(new_context):
    """A page whose CSP lets axe be injected (script-src 'self' refuses add_script_tag)."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make browser` (npm install axe-core)")
    return new_context(bypass_csp=True, viewport={"width": 1024, "height": 768}).new_page()


def violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run()).violations")
    return [f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:5])
            for v in found]


def test_sign_in_page(live_server, axe_page):
    axe_page.goto(live_server.url + "/login")
    assert violations(axe_page) == []


@pytest.mark.parametrize("kind", ["individual", "quick_help", "free_access", "workshop"])
def test_record_form_in_each_kind(live_server, reading_page, kind):
    axe_page = reading_page("conseiller", bypass_csp=True)
    axe_page.goto(live_server.url + "/accompagnements/nouveau")
    axe_page.check(f"input[name=kind][value={kind}]")
    assert violations(axe_page) == []


def test_record_form_with_errors(live_server, reading_page):
    axe_page = reading_page("conseiller", bypass_csp=True)
    axe_page.goto(live_server.url + "/accompagnements/nouveau")
    axe_page.check("input[name=kind][value=individual]")
    axe_page.click("button.button-large")
    axe_page.wait_for_selector("#autonomy-errors")
    assert violations(axe_page) == []


@pytest.mark.parametrize("path", ["/", "/accompagnements/", "/synchronisation", "/hors-ligne", "/compte",
                                  "/accompagnements/suivi", "/accompagnements/sur-la-tablette", "/tableau-de-bord",
                                  "/accompagnements/carte/"])
def test_other_pages(live_server, reading_page, path):
    axe_page = reading_page("conseiller", bypass_csp=True)
    axe_page.goto(live_server.url + path)
    # The page's scripts have read the outbox (the sync page and the device's pages fill themselves from it).
    axe_page.wait_for_selector("#sync-status[data-waiting]", state="attached")
    assert violations(axe_page) == []


# Admin pages, reached as an admin does: (page opened, then a link followed by its name, or
# "submit": the form sent empty, to see its errors; or None).
ADMIN_PAGES = [
    ("/admin/utilisateurs", None),
    ("/admin/utilisateurs", "conseiller"),  # one account: its actions and signed-in devices
    ("/admin/utilisateurs/nouveau", None),
    ("/admin/utilisateurs/nouveau", "submit"),
    ("/compte/mot-de-passe", None),
    ("/compte/mot-de-passe", "submit"),
    ("/admin/agences", None),
    ("/admin/agences", "submit"),
    ("/admin/agences", "Koné"),
    ("/admin/referentiels", None),
    ("/admin/referentiels/demarches", None),
    ("/admin/referentiels/themes", None),
    ("/admin/referentiels/themes", "Santé en ligne"),  # one entry: rename, retire
    ("/admin/journal", None),
    ("/admin/journal?start=2026-03-09&end=2026-03-01", None),  # a filter refused at its field
    ("/admin/cartes/effacer", None),
    ("/admin/cartes/effacer", "submit"),
]


@pytest.mark.parametrize("path,then", ADMIN_PAGES)
def test_admin_pages(live_server, reading_page, path, then):
    axe_page = reading_page("admin", bypass_csp=True)
    axe_page.goto(live_server.url + path)
    if then == "submit":
        axe_page.click("main form button[type=submit]")
        axe_page.wait_for_selector(".errors")
    elif then:
        axe_page.get_by_role("link", name=then, exact=True).click()
        axe_page.wait_for_load_state()
    assert violations(axe_page) == []


def test_reference_list_pages_through_their_forms(own_server, axe_page):
    """The reference lists as an admin works them, on a server of the test's own (they change
    it): an empty entry refused at its fields, an entry moved down with the button (no script
    needed) and a retired entry's page."""
    sign_in(axe_page, own_server, "admin")
    axe_page.goto(own_server.url + "/admin/referentiels/demarches")
    axe_page.click("form.card button[type=submit]")
    axe_page.wait_for_selector("#code-errors")
    assert violations(axe_page) == []
    axe_page.goto(own_server.url + "/admin/referentiels/themes")
    axe_page.click("#entry-DEVICE button[value=bas]")
    axe_page.wait_for_selector("#entry-BROWSING + #entry-DEVICE", state="attached")
    assert violations(axe_page) == []
    axe_page.goto(own_server.url + "/admin/referentiels/themes/HEALTH")
    axe_page.click("button[name=active][value='0']")
    axe_page.wait_for_selector("button[name=active][value='1']")
    assert violations(axe_page) == []


def test_axe_would_catch_a_violation(live_server, axe_page):
    """Guard the guard: an image without text is reported."""
    axe_page.goto(live_server.url + "/login")
    axe_page.evaluate("() => document.querySelector('main').append(document.createElement('img'))")
    assert any(v.startswith("image-alt") for v in violations(axe_page))


def test_a_translator_from_creation_to_their_home(live_server, axe_page, new_context):
    """The pages of a new account, through the real forms: created by an admin (the one-time
    password page), given a language, then its first sign-in, its own password, and its home."""
    username = f"traduction-{uuid.uuid4().hex[:6]}"
    sign_in(axe_page, live_server, "admin")
    axe_page.goto(live_server.url + "/admin/utilisateurs/nouveau")
    axe_page.fill("#username", username)
    axe_page.fill("#display_name", "Traduction de test")
    axe_page.select_option("#role", "translator")
    axe_page.click("main form button[type=submit]")
    password = axe_page.locator(".one-time-password").inner_text()
    assert violations(axe_page) == []
    axe_page.get_by_role("link", name="Retour au compte").click()
    axe_page.check("input[name=languages][value=dhv]")
    axe_page.click("form:has(input[name=languages]) button[type=submit]")
    axe_page.wait_for_selector("input[name=languages][value=dhv]:checked")
    assert violations(axe_page) == []

    page = new_context(bypass_csp=True, viewport={"width": 1024, "height": 768}).new_page()
    page.goto(live_server.url + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form:has(#password) button[type=submit]")
    page.wait_for_url(live_server.url + "/compte/mot-de-passe")
    page.fill("#new", "un mot de passe choisi")
    page.fill("#again", "un mot de passe choisi")
    page.click("main form button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    assert page.locator("main a[href='/admin/langues/dhv']").count() == 1
    assert violations(page) == []


def test_record_form_details_and_confirmation(live_server, axe_page):
    """« Ajouter des détails » opened, then the confirmation with « Annuler » after a save."""
    sign_in(axe_page, live_server, "conseiller")
    axe_page.goto(live_server.url + "/accompagnements/nouveau")
    axe_page.check("input[name=kind][value=quick_help]")
    axe_page.click(".details-toggle")
    axe_page.click(".person summary")
    assert violations(axe_page) == []
    axe_page.click(".quick-save button[value=BROWSING]")
    axe_page.wait_for_selector("#saved-note [data-action=undo]")
    assert violations(axe_page) == []


def test_record_page_asking_before_a_delete(live_server, reading_page):
    axe_page = reading_page("conseiller", bypass_csp=True)
    axe_page.goto(live_server.url + "/accompagnements/")
    axe_page.click(".record-list a >> nth=0")
    axe_page.click(".confirm-delete summary")
    assert axe_page.locator(".confirm-delete-question").is_visible()
    assert violations(axe_page) == []


@pytest.mark.parametrize("path", ["/", "/synchronisation"])
def test_phone_header_with_its_menu_open(live_server, new_context, path):
    """The compact header of a phone, its menu folded and then open (issue 13)."""
    page = new_context(bypass_csp=True, viewport={"width": 360, "height": 740}).new_page()
    sign_in(page, live_server, "conseiller")
    page.goto(live_server.url + path)
    page.wait_for_selector("#sync-status[data-waiting]", state="attached")
    assert violations(page) == []
    page.click(".menu-toggle")
    page.wait_for_selector("nav.app-nav", state="visible")
    assert violations(page) == []


def test_privacy_page_in_french_then_english(live_server, axe_page):
    axe_page.goto(live_server.url + "/login")
    axe_page.get_by_role("link", name="Données personnelles", exact=True).click()
    axe_page.wait_for_selector("h1:text-is('Données personnelles')")
    assert violations(axe_page) == []
    axe_page.click(".language-switch button[value=en]")
    axe_page.wait_for_selector("h1:text-is('Personal data')")
    assert violations(axe_page) == []


PUSH = """async (record) => {
  const me = await (await fetch('/api/v1/me')).json();
  const answer = await fetch('/api/v1/sync', {method: 'POST', body: JSON.stringify({records: [record]}),
    headers: {'Content-Type': 'application/json', 'X-CSRFToken': me.csrf_token}});
  return (await answer.json()).results[0].status; }"""


def test_erasing_a_card_from_its_list_to_its_confirmation(own_server, axe_page):
    from datetime import datetime, timedelta, timezone

    from pcn_pwa.accompaniments import cards

    from ..records_data import record

    code = cards.new_code()
    sign_in(axe_page, own_server, "conseiller")
    when = (datetime.now(timezone(timedelta(hours=11))) - timedelta(hours=1)).replace(microsecond=0).isoformat()
    pushed = {"id": str(uuid.uuid4()), "base_version": 0, "data": record(occurred_at=when, beneficiary__card=code)}
    assert axe_page.evaluate(PUSH, pushed) == "created"
    axe_page.click("form.logout button")
    axe_page.wait_for_url("**/login")
    sign_in(axe_page, own_server, "coordination")
    axe_page.get_by_role("link", name="Effacer une carte", exact=True).click()
    axe_page.fill("#code", cards.display(code))
    axe_page.click("main form button[type=submit]")
    axe_page.wait_for_selector("main table")
    assert "1 accompagnement lié à la carte" in axe_page.inner_text("main h2")
    assert violations(axe_page) == []
    axe_page.get_by_role("button", name="Effacer ces données").click()
    axe_page.wait_for_selector(".flash-success")
    assert "sur 1 accompagnement" in axe_page.inner_text(".flash-success")
    assert violations(axe_page) == []
