"""The printable report in a real browser: reached from the dashboard with its filters, it fits a
360 px phone and a desktop with no accessibility violation (axe), and Chromium prints it to an
A4 PDF that says the period and leaves out the menus and buttons."""

import io
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date

from .conftest import sign_in
from .layout import check_layout
from .test_accessibility import AXE, violations
from .test_dashboard import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

A4_POINTS = (595.28, 841.89)  # 210 x 297 mm


def period() -> tuple:
    """The last 60 days in Nouméa: the demo data covers them."""
    last = datetime.now(timezone.utc).astimezone(ZoneInfo("Pacific/Noumea")).date()
    return last - timedelta(days=60), last


def pdf_text(data: bytes) -> tuple[list, str]:
    """The pages' sizes in points and the whole text, white space made single spaces."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    sizes = [(float(page.mediabox.width), float(page.mediabox.height)) for page in reader.pages]
    return sizes, re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


@pytest.mark.parametrize("username", ["coordination", "responsable", "partenaire"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_report_fits_and_passes_axe(live_server, new_context, console_errors, username, viewport):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make browser`")
    page = new_context(bypass_csp=True, viewport=viewport).new_page()
    sign_in(page, live_server, username)
    page.goto(live_server.url + "/tableau-de-bord/rapport?periode=pilote")
    assert page.locator("h1").inner_text() == "Rapport d’évaluation des points conseil numérique"
    assert page.locator("table").count() >= 20  # key figures, series, mix, progress, every breakdown
    check_layout(page, console_errors)
    assert violations(page) == []


def test_the_dashboard_s_report_prints_to_an_a4_pdf_with_its_period(live_server, signed_in_page, console_errors):
    first, last = period()
    page = signed_in_page("responsable", viewport=DESKTOP)  # a manager: the sync bar too
    page.goto(f"{live_server.url}/tableau-de-bord?periode=dates&from={first}&to={last}&kind=individual")
    records = int(page.locator(".stat-value").first.inner_text().replace("\u202f", ""))
    assert records > 0
    page.click("text=Rapport imprimable")
    page.wait_for_url("**/tableau-de-bord/rapport?*")
    words = [format_date(day, "long", locale="fr_NC") for day in (first, last)]
    scope = page.locator(".report-scope").inner_text()
    assert f"du {words[0]} au {words[1]}" in scope and "Accompagnement individuel" in scope

    # « Imprimer » opens the browser's print dialog (its script is a static file: CSP).
    page.evaluate("() => { window.print = () => { window.printAsked = true; }; }")
    page.click("button[data-action=print]")
    assert page.evaluate("() => window.printAsked") is True

    sizes, text = pdf_text(page.pdf(format="A4", print_background=True))
    assert sizes and all(abs(w - A4_POINTS[0]) < 1 and abs(h - A4_POINTS[1]) < 1 for w, h in sizes)
    assert "Rapport d’évaluation" in text
    assert f"du {words[0]} au {words[1]}" in text, text[:600]
    assert re.search(rf"accompagnements {records:,}".replace(",", r"\s?"), text, re.IGNORECASE), text[:1500]
    assert "Par démarche" in text and "Par orientation" in text  # the tables of the last pages too
    for screen_only in ("Se déconnecter", "Imprimer", "Retour au tableau de bord", "Synchroniser", "Mon compte"):
        assert screen_only not in text
    page.wait_for_timeout(100)
    assert not console_errors
