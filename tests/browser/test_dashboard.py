"""The dashboard in a real browser: fits a 360 px phone and a desktop, no accessibility
violation (axe), and its download buttons give the files of the figures shown."""

import pytest

from .layout import check_layout
from .test_accessibility import AXE, violations

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@pytest.mark.parametrize("username", ["coordination", "responsable", "partenaire"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_dashboard_fits_and_passes_axe(live_server, reading_page, console_errors, username, viewport):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make browser`")
    page = reading_page(username, viewport, bypass_csp=True)
    page.goto(live_server.url + "/tableau-de-bord?periode=pilote")
    assert page.locator("h1").inner_text() == "Tableau de bord"
    page.locator("details").first.click()  # the figures of a chart, opened
    check_layout(page, console_errors)
    assert violations(page) == []


def test_a_preset_then_a_download_carries_the_filters(live_server, signed_in_page):
    page = signed_in_page("coordination", viewport=DESKTOP)
    page.goto(live_server.url + "/tableau-de-bord")
    page.check("input[name=periode][value=pilote]")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/tableau-de-bord?periode=pilote*")
    records = page.locator(".stat-value").first.inner_text().replace("\u202f", "")
    with page.expect_download() as info:
        page.click("a[href*='accompaniments.csv']")
    download = info.value
    assert download.suggested_filename.startswith("pcn-accompagnements-2025-01-01-")
    with open(download.path(), encoding="utf-8-sig", newline="") as handle:
        rows = handle.read().split("\r\n")
    assert len([row for row in rows if row]) - 1 == int(records)


@pytest.mark.parametrize("username", ["coordination", "responsable"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_device_health_fits_and_passes_axe(live_server, reading_page, console_errors, username, viewport):
    tablet = reading_page("conseiller")  # a device that has pushed, so the table is there
    tablet.goto(live_server.url + "/accompagnements/nouveau")
    tablet.check("input[name=kind][value=quick_help]")
    tablet.click(".quick-save button[value=BROWSING]")
    tablet.wait_for_selector("#saved-note")
    deadline = 40
    while live_server.count("SELECT count(*) FROM device") == 0 and deadline:
        tablet.wait_for_timeout(250)
        deadline -= 1
    page = reading_page(username, viewport, bypass_csp=True)
    page.goto(live_server.url + "/tableau-de-bord/appareils")
    assert page.locator("table.devices tbody tr").count() >= 1
    check_layout(page, console_errors)
    assert violations(page) == []
