"""axe-core on the pages advisors use: sign-in, the form in each kind, the list, sync and offline pages."""

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
def test_record_form_in_each_kind(live_server, axe_page, kind):
    sign_in(axe_page, live_server, "conseiller")
    axe_page.goto(live_server.url + "/accompagnements/nouveau")
    axe_page.check(f"input[name=kind][value={kind}]")
    assert violations(axe_page) == []


def test_record_form_with_errors(live_server, axe_page):
    sign_in(axe_page, live_server, "conseiller")
    axe_page.goto(live_server.url + "/accompagnements/nouveau")
    axe_page.check("input[name=kind][value=individual]")
    axe_page.click("button.button-large")
    axe_page.wait_for_selector("#autonomy-errors")
    assert violations(axe_page) == []


@pytest.mark.parametrize("path", ["/", "/accompagnements/", "/synchronisation", "/hors-ligne", "/compte",
                                  "/accompagnements/suivi", "/accompagnements/sur-la-tablette", "/tableau-de-bord",
                                  "/accompagnements/carte/"])
def test_other_pages(live_server, axe_page, path):
    sign_in(axe_page, live_server, "conseiller")
    axe_page.goto(live_server.url + path)
    # The page's scripts have read the outbox (the sync page and the device's pages fill themselves from it).
    axe_page.wait_for_selector("#sync-status[data-waiting]", state="attached")
    assert violations(axe_page) == []


def test_axe_would_catch_a_violation(live_server, axe_page):
    """Guard the guard: an image without text is reported."""
    axe_page.goto(live_server.url + "/login")
    axe_page.evaluate("() => document.querySelector('main').append(document.createElement('img'))")
    assert any(v.startswith("image-alt") for v in violations(axe_page))


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
