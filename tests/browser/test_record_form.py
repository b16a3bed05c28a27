"""The accompaniment form in a real browser, on a 360 px phone and a tablet."""

import re

import pytest

from .layout import check_layout
from .tablet import fill_individual, settled

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

PHONE = {"width": 360, "height": 740}
# Every id that an aria-describedby of the page names.
DESCRIBED = "(nodes) => nodes.flatMap((node) => node.getAttribute('aria-describedby').split(' '))"
TABLET = {"width": 1024, "height": 768}


def rows(live_server, kind):
    return live_server.count("SELECT count(*) FROM accompaniment WHERE kind = :kind", kind=kind)


@pytest.mark.parametrize("viewport", [PHONE, TABLET], ids=["phone", "tablet"])
def test_form_fits_the_screen_in_every_kind(reading_page, live_server, console_errors, viewport):
    page = reading_page("conseiller", viewport)
    page.goto(live_server.url + "/accompagnements/nouveau")
    check_layout(page, console_errors)
    for kind in ["individual", "quick_help", "free_access", "workshop"]:
        page.check(f"input[name=kind][value={kind}]")
        check_layout(page, console_errors)


def test_kind_shows_only_what_it_needs(reading_page, live_server):
    page = reading_page("conseiller", PHONE)
    page.goto(live_server.url + "/accompagnements/nouveau")
    autonomy, workshop, quick = page.locator("#autonomy"), page.locator("#workshop_title"), page.locator(".quick-save")
    page.check("input[name=kind][value=individual]")
    assert autonomy.is_visible() and not workshop.is_visible() and not quick.is_visible()
    page.check("input[name=kind][value=workshop]")
    assert workshop.is_visible() and not autonomy.is_visible()
    page.check("input[name=kind][value=quick_help]")
    assert quick.is_visible() and not autonomy.is_visible()


def test_procedures_follow_the_chosen_partners(reading_page, live_server):
    page = reading_page("conseiller", PHONE)
    page.goto(live_server.url + "/accompagnements/nouveau")
    page.check("input[name=kind][value=individual]")
    cafat = page.locator("input[name=procedures][value=CAFAT_CERTIFICATE]")
    opt = page.locator("input[name=procedures][value=OPT_BILL]")
    assert not cafat.is_visible() and not opt.is_visible()
    page.check("input[name=partners][value=CAFAT]")
    assert cafat.is_visible() and not opt.is_visible()


def test_quick_question_in_two_taps(signed_in_page, live_server):
    page = signed_in_page("conseiller", viewport=PHONE)
    page.goto(live_server.url + "/accompagnements/nouveau")
    before = rows(live_server, "quick_help")
    page.check("input[name=kind][value=quick_help]")
    page.click(".quick-save button[value=BROWSING]")  # the second tap saves
    page.wait_for_selector("#saved-note")
    assert "Enregistré sur la tablette." in page.locator("#saved-note").inner_text()
    sql = "SELECT count(*) FROM accompaniment WHERE kind = :kind"
    assert live_server.wait_for_count(before + 1, sql, kind="quick_help") == before + 1


def test_individual_record_end_to_end_with_a_new_card(signed_in_page, live_server, console_errors):
    page = signed_in_page("conseiller", viewport=PHONE)
    page.goto(live_server.url + "/accompagnements/nouveau")
    before = rows(live_server, "individual")
    fill_individual(page)
    page.click(".person summary")  # the person's section, folded to one line
    page.fill("#commune", "Maré")
    page.check("#new_card")
    page.click("button.button-large")
    page.wait_for_selector("#saved-note a")
    page.click("#saved-note a")  # the card to print, made on the tablet
    page.wait_for_url(re.compile(r".*/accompagnements/carte/#[0-9A-Z]{8}$"))
    code = page.locator(".card-code").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", code)
    sql = "SELECT count(*) FROM accompaniment WHERE card = :c"
    assert live_server.wait_for_count(1, sql, c=code.replace("-", "")) == 1
    assert rows(live_server, "individual") == before + 1
    check_layout(page, console_errors)


def test_errors_are_shown_on_the_fields_and_nothing_is_saved(signed_in_page, live_server):
    page = signed_in_page("conseiller", viewport=PHONE)
    # The rules on the device first: a device that has none yet waits 0.4 s for them, then
    # leaves the judging to the server, which a loaded machine can miss.
    with page.expect_response(lambda response: response.url.endswith("/api/v1/reference")):
        page.goto(live_server.url + "/accompagnements/nouveau")
    before = live_server.count("SELECT count(*) FROM accompaniment")
    page.check("input[name=kind][value=individual]")
    page.click("button.button-large")
    page.wait_for_selector("#autonomy-errors")
    assert "L’accompagnement n’est pas enregistré" in page.content()
    assert "Obligatoire pour ce type d’accompagnement." in page.locator("#autonomy-errors").inner_text()
    # Each message is read out with its field: every list is named by its field's aria-describedby.
    lists = page.eval_on_selector_all(".js-errors[id]", "(nodes) => nodes.map((node) => node.id)")
    described = set(page.eval_on_selector_all("[aria-describedby]", DESCRIBED))
    assert "autonomy-errors" in lists and set(lists) <= described, (lists, described)
    # Sent again as it is: the same messages, each named once (the previous ones are gone).
    page.click("button.button-large")
    page.wait_for_selector("#autonomy-errors")
    assert page.get_attribute("#autonomy", "aria-describedby").split() == ["autonomy-errors"]
    settled(page)  # were anything queued, it would have been sent by now
    assert live_server.count("SELECT count(*) FROM accompaniment") == before
    # Nothing was queued on the tablet either.
    assert page.locator("#sync-status").get_attribute("data-waiting") == "0"
