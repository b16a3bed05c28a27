"""Checks every page must pass in a real browser: no sideways scroll, big touch targets, no console error."""

MIN_TARGET = 44

# Visible interactive elements smaller than MIN_TARGET. Zero-sized or off-screen ones (the
# skip link until it is focused, hidden inputs) are not touch targets and are left out.
SMALL_TARGETS_JS = """min => {
  const big = r => r.width >= min && r.height >= min;
  // A checkbox or radio is touched through its label (a "chip"): the label is the target then.
  const target = el => [...(el.labels || [])].map(l => l.getBoundingClientRect()).find(big)
                       || el.getBoundingClientRect();
  return [...document.querySelectorAll('a, button, input, select, textarea, summary')]
  .map(el => ({el, r: target(el), style: getComputedStyle(el)}))
  .filter(({r, style}) => r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0
          && style.visibility !== 'hidden')
  .filter(({r}) => !big(r))
  .map(({el, r}) => `<${el.tagName.toLowerCase()}${el.id ? ' id=' + el.id : ''}`
       + `${el.className ? ' class="' + el.className + '"' : ''}> "${el.textContent.trim().slice(0, 40)}"`
       + ` ${r.width.toFixed(1)}x${r.height.toFixed(1)}`);
}"""


def flush_events(page) -> None:
    """Let what the page logged so far reach Python: a round trip to the page after it drew a
    frame and turned its event loop (the browser sends its events in order, and Playwright's
    sync API hands them over during its own calls)."""
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)))")


def check_layout(page, console_errors):
    """The assertions every page must pass, with messages that name the offending element."""
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"horizontal scroll: content {width[0]} px wide in a {width[1]} px window"
    small = page.evaluate(SMALL_TARGETS_JS, MIN_TARGET)
    assert not small, f"touch targets under {MIN_TARGET} px:\n" + "\n".join(small)
    token = page.locator('meta[name="csrf-token"]')
    assert token.count() == 1 and token.get_attribute("content")
    flush_events(page)
    assert not console_errors, "console errors:\n" + "\n".join(console_errors)
