"""The printable report in a real browser: reached from the dashboard with its filters, it fits a
360 px phone and a desktop with no accessibility violation (axe), and Chromium prints it to an
A4 PDF that says the period and leaves out the menus and buttons."""

import io
import re
import unicodedata
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date

from pcn_pwa.figures.counting import DIMENSIONS

from .layout import check_layout, flush_events
from .test_accessibility import AXE, violations
from .test_dashboard import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

A4_POINTS = (595.28, 841.89)  # 210 x 297 mm


def period() -> tuple:
    """The last 60 days in Nouméa: the demo data covers them."""
    last = datetime.now(timezone.utc).astimezone(ZoneInfo("Pacific/Noumea")).date()
    return last - timedelta(days=60), last


def pdf_pages(data: bytes) -> tuple[list, list]:
    """Each page's size in points and text, ligatures undone (« ﬃ »), white space made single spaces."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    sizes = [(float(page.mediabox.width), float(page.mediabox.height)) for page in reader.pages]
    return sizes, [re.sub(r"\s+", " ", unicodedata.normalize("NFKC", page.extract_text())) for page in reader.pages]


def no_digits(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[0-9]", " ", text))


def written(count: int) -> str:
    """A count as a regular expression of how the PDF's text writes it (a space between thousands)."""
    return f"{count:,}".replace(",", r"\s?")


@pytest.mark.parametrize("username", ["coordination", "responsable", "partenaire"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_report_fits_and_passes_axe(live_server, reading_page, console_errors, username, viewport):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make browser`")
    page = reading_page(username, viewport, bypass_csp=True)
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

    assert page.title().startswith(f"Rapport d’évaluation, du {words[0]} au {words[1]}")  # the file's name

    sizes, pages = pdf_pages(page.pdf(format="A4", print_background=True))
    text = " ".join(pages)
    assert len(sizes) > 1 and all(abs(w - A4_POINTS[0]) < 1 and abs(h - A4_POINTS[1]) < 1 for w, h in sizes)
    assert "Rapport d’évaluation" in text
    assert f"du {words[0]} au {words[1]}" in pages[0], pages[0]
    assert re.search(rf"accompagnements {written(records)}", pages[0], re.IGNORECASE), pages[0]
    assert "Par démarche" in text and "Par orientation" in text  # the tables of the last pages too

    # A chart that fits on a page is never cut by a page break: its title and every row on one page.
    answer = page.request.get(f"{live_server.url}/api/v1/stats?from={first}&to={last}&kind=individual").json()
    titles = {name: page.locator(f"#chart-{name}").inner_text() for name in DIMENSIONS}
    short = [name for name in DIMENSIONS if len(answer["breakdowns"][name]) <= 20]
    assert len(short) > 10
    for name in short:
        on = [number for number, content in enumerate(pages) if titles[name] in content]
        assert len(on) == 1, (titles[name], on)
        for row in answer["breakdowns"][name]:  # digits aside: a wrapped label has its counts amid it
            assert no_digits(row["label"]) in no_digits(pages[on[0]]), (titles[name], row["label"], pages[on[0]])
    for screen_only in ("Se déconnecter", "Imprimer", "Retour au tableau de bord", "Synchroniser", "Mon compte"):
        assert screen_only not in text
    flush_events(page)
    assert not console_errors
