"""Layout on the devices of the pilot: a small phone (360 px) and the agencies' tablets (1024 px).

Advisors use the app standing, tablet at arm's length: nothing may scroll sideways, every
control must be a comfortable touch target (44 CSS px, WCAG 2.5.5), and the pages must run
under the strict CSP without a single console error.
"""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]

# A plain viewport, not is_mobile: mobile emulation may zoom out to fit a too-wide page,
# which would hide exactly the horizontal overflow we look for.
VIEWPORTS = {"phone": {"width": 360, "height": 740}, "tablet": {"width": 1024, "height": 768}}
ROLES = {"advisor": "conseiller", "manager": "responsable", "partner": "partenaire",
         "coordinator": "coordination", "admin": "admin"}
MIN_TARGET = 44

# Visible interactive elements smaller than MIN_TARGET. Zero-sized or off-screen ones (the
# skip link until it is focused, hidden inputs) are not touch targets and are left out.
SMALL_TARGETS_JS = """min => [...document.querySelectorAll('a, button, input, select, textarea, summary')]
  .map(el => ({el, r: el.getBoundingClientRect(), style: getComputedStyle(el)}))
  .filter(({r, style}) => r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0
          && style.visibility !== 'hidden')
  .filter(({r}) => r.width < min || r.height < min)
  .map(({el, r}) => `<${el.tagName.toLowerCase()}${el.id ? ' id=' + el.id : ''}`
       + `${el.className ? ' class="' + el.className + '"' : ''}> "${el.textContent.trim().slice(0, 40)}"`
       + ` ${r.width.toFixed(1)}x${r.height.toFixed(1)}`)"""


def check_layout(page, console_errors):
    """The assertions every page must pass, with messages that name the offending element."""
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"horizontal scroll: content {width[0]} px wide in a {width[1]} px window"
    small = page.evaluate(SMALL_TARGETS_JS, MIN_TARGET)
    assert not small, f"touch targets under {MIN_TARGET} px:\n" + "\n".join(small)
    token = page.locator('meta[name="csrf-token"]')
    assert token.count() == 1 and token.get_attribute("content")
    page.wait_for_timeout(200)  # let late console events (CSP reports) reach Python
    assert not console_errors, "console errors:\n" + "\n".join(console_errors)


@pytest.fixture(params=VIEWPORTS, ids=str)
def viewport(request):
    return VIEWPORTS[request.param]


def test_sign_in_page(live_server, new_context, console_errors, viewport):
    page = new_context(viewport=viewport).new_page()
    page.goto(live_server.url + "/login")
    check_layout(page, console_errors)


@pytest.mark.parametrize("role", ROLES)
def test_home_page(signed_in_page, console_errors, viewport, role):
    page = signed_in_page(ROLES[role], viewport=viewport)
    assert "Bonjour" in page.locator("h1").inner_text()
    check_layout(page, console_errors)


def test_console_errors_catch_csp_violations(live_server, page, console_errors):
    """Guard the guard: an inline script refused by the CSP must show up as a console error."""
    page.goto(live_server.url + "/login")
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = '1'; document.head.append(s); }")
    page.wait_for_timeout(200)
    assert any("Content Security Policy" in e for e in console_errors), console_errors


def test_sign_in_end_to_end(live_server, page):
    """A wrong password is refused with the generic message; the right one opens the home page."""
    page.goto(live_server.url + "/login")
    page.fill("#username", "conseiller")
    page.fill("#password", "not-the-password")
    page.click("form:has(#password) button[type=submit]")
    page.wait_for_load_state()
    assert "Identifiant ou mot de passe incorrect." in page.locator(".form-errors").inner_text()
    assert page.url.startswith(live_server.url + "/login")

    page.fill("#password", "demo-pcn-2026")
    page.click("form:has(#password) button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    assert "Bonjour" in page.locator("h1").inner_text()
