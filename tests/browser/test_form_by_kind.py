"""The record form as an advisor meets it on a 360×740 phone and an 800×1280 tablet, in French and
English (issue 13): taps counted by the page itself, heights and positions measured, the
confirmation after a save with « Annuler » and « Un autre comme celui-ci », the keyboard alone."""

import pytest

from .layout import check_layout
from .tablet import OUTBOX, poll, settled

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

PHONE = {"width": 360, "height": 740}
TABLET = {"width": 800, "height": 1280}
SIZES = [pytest.param(PHONE, id="phone"), pytest.param(TABLET, id="tablet")]
LANGUAGES = ["fr", "en"]
# Taps do not depend on the language: each size once, each language once (the layout test below
# takes every pair, since a longer English label can push a field down).
SIZE_AND_LANGUAGE = [pytest.param(PHONE, "en", id="phone-en"), pytest.param(TABLET, "fr", id="tablet-fr")]

# Every tap (a pointer pressed on the page) counted by the page, across its navigations.
COUNT_TAPS = """addEventListener('pointerdown', () => {
  sessionStorage.setItem('taps', String(Number(sessionStorage.getItem('taps') || 0) + 1)); }, true);"""
TAPS = "() => Number(sessionStorage.getItem('taps') || 0)"
RESET_TAPS = "() => sessionStorage.setItem('taps', '0')"
# The budget left to the header and the sync bar above the form on a phone: the compact header
# of issue 13 (agency, sync state, menu button) is its other half.
PHONE_HEADER_BUDGET = 200
COUNT_ROWS = "SELECT count(*) FROM accompaniment WHERE kind = :kind"


def switch_language(page, language):
    """The language buttons, as the advisor presses them: the choice is kept on their account."""
    if page.get_attribute("html", "lang") != language:
        if not page.is_visible(f".language-switch button[lang={language}]"):
            page.click(".menu-toggle")  # on a phone the language buttons are in the header's menu
        with page.expect_navigation():
            page.click(f".language-switch button[lang={language}]")
        page.wait_for_load_state()


@pytest.fixture
def advisor_page(signed_in_page, live_server):
    """Factory: the advisor's page in a size and a language, its taps counted; the account is
    back in French afterwards (the other tests read French)."""
    pages = []

    def make(viewport, language):
        page = signed_in_page("conseiller", viewport=viewport)
        switch_language(page, language)
        page.add_init_script(COUNT_TAPS)
        page.reload()
        page.evaluate(RESET_TAPS)
        pages.append(page)
        return page

    yield make
    for page in pages:
        page.goto(live_server.url + "/")
        switch_language(page, "fr")


def open_form(page, live_server):
    """The form, its rules on the device (so that the tablet's judge answers, not a timeout)."""
    with page.expect_response(lambda response: response.url.endswith("/api/v1/reference")):
        page.goto(live_server.url + "/accompagnements/nouveau")
    page.evaluate(RESET_TAPS)


def outbox_size(page) -> int:
    return page.evaluate("async () => (await %s.all()).filter((r) => !r.deleted).length" % OUTBOX)


@pytest.mark.parametrize("viewport,language", SIZE_AND_LANGUAGE)
def test_a_quick_question_takes_two_taps_from_the_home_page(advisor_page, live_server, viewport, language):
    page = advisor_page(viewport, language)
    before = live_server.count(COUNT_ROWS, kind="quick_help")
    page.click("main a[href$='type=quick_help']")  # the home page's own button, on a phone too
    page.wait_for_selector(".quick-save button[value=BROWSING]")
    page.click(".quick-save button[value=BROWSING]")
    page.wait_for_selector("#saved-note")
    assert page.evaluate(TAPS) == 2
    words = page.inner_text("#saved-note .saved-what")
    assert ("Question rapide" if language == "fr" else "Quick question") in words
    assert live_server.wait_for_count(before + 1, COUNT_ROWS, kind="quick_help") == before + 1


@pytest.mark.parametrize("viewport,language", SIZE_AND_LANGUAGE)
def test_a_typical_individual_accompaniment_in_six_taps(advisor_page, live_server, viewport, language):
    """One partner, one procedure, autonomy, outcome, a duration preset, then « Enregistrer »: the
    form opened by the home page's « Accompagnement individuel », then with the kind kept after
    the save."""
    page = advisor_page(viewport, language)
    with page.expect_response(lambda response: response.url.endswith("/api/v1/reference")):
        page.click("main a[href$='type=individual']")
    before = live_server.count(COUNT_ROWS, kind="individual")
    for round_ in range(2):
        page.evaluate(RESET_TAPS)
        page.click("label:has(input[name=partners][value=CAFAT])")
        page.click("label:has(input[name=procedures][value=CAFAT_CERTIFICATE])")
        page.click("label:has(input[name=autonomy][value=guided])")
        page.click("label:has(input[name=outcome][value=completed])")
        page.click("label:has(input[name=duration][value='30'])")
        page.click("button.button-large")
        page.wait_for_selector("#saved-note .saved-what")
        assert page.evaluate(TAPS) == 6
        # The kind stays chosen for the next one.
        assert page.is_checked("input[name=kind][value=individual]")
        page.evaluate("() => document.querySelector('#saved-note').remove()")
    assert live_server.wait_for_count(before + 2, COUNT_ROWS, kind="individual") == before + 2


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("viewport", SIZES)
def test_each_kind_shows_what_it_needs_and_quick_kinds_stay_short(advisor_page, live_server, console_errors, viewport,
                                                                   language):
    page = advisor_page(viewport, language)
    open_form(page, live_server)
    main_top = page.evaluate("() => document.querySelector('main').getBoundingClientRect().top + scrollY")
    first = page.evaluate("() => document.querySelector('#kind input').getBoundingClientRect().bottom + scrollY")
    if viewport is PHONE:
        # What the form puts above its first field fits under a compact header on the first screen.
        assert first - main_top <= viewport["height"] - PHONE_HEADER_BUDGET, (first, main_top)
    else:
        assert first <= viewport["height"]
    visible = lambda selector: page.locator(selector).is_visible()  # noqa: E731
    height = lambda: page.evaluate("() => document.documentElement.scrollHeight")  # noqa: E731
    for kind in ["quick_help", "free_access"]:
        page.check(f"input[name=kind][value={kind}]")
        assert visible(".quick-save") and not visible("#age_band") and not visible("#equipment")
        assert not visible("#autonomy") and not visible("button.button-large")
        if viewport is TABLET:
            assert height() <= 1.5 * viewport["height"], f"{kind}: {height()} px"
        check_layout(page, console_errors)
        page.click(".details-toggle")  # « Ajouter des détails »
        assert visible("#equipment") and visible("button.button-large") and visible(".person summary")
        page.click(".details-toggle")
    page.check("input[name=kind][value=workshop]")
    assert all(visible(s) for s in ["#workshop_title", "#workshop_level", "#participants", "#topics"])
    assert not visible(".person") and not visible("#autonomy") and not visible(".quick-save")
    check_layout(page, console_errors)
    page.check("input[name=kind][value=individual]")
    # In the order an advisor tells it: what was done, how, how long, who, the rest.
    order = page.evaluate("""() => [...document.querySelectorAll('.form-sections > [data-section]')]
        .filter((node) => !node.hidden).map((node) => node.dataset.section)""")
    assert order[:4] == ["procedures", "outcome", "moment", "person"]
    # The person's section is one line until opened.
    summary = page.locator(".person summary").bounding_box()
    assert summary["height"] < 60 and not visible("#age_band")
    page.click(".person summary")
    assert visible("#age_band")
    check_layout(page, console_errors)


def test_undo_takes_back_a_record_still_on_the_tablet(signed_in_page, live_server):
    page = signed_in_page("conseiller", viewport=PHONE)
    open_form(page, live_server)
    page.route("**/api/v1/sync", lambda route: route.abort())  # the link is down: nothing leaves
    page.check("input[name=kind][value=quick_help]")
    page.click(".quick-save button[value=EMAIL]")
    page.wait_for_selector("#saved-note [data-action=undo]")
    assert outbox_size(page) == 1
    page.click("#saved-note [data-action=undo]")
    page.wait_for_selector("#saved-note.undone .saved-undone")
    poll(lambda: outbox_size(page) == 0, page=page, message="the record left the outbox")
    # What was chosen is back in the form.
    assert page.is_checked("input[name=kind][value=quick_help]") and page.is_checked("input[name=topics][value=EMAIL]")


def test_undo_of_a_record_already_sent_pushes_a_delete(signed_in_page, live_server):
    page = signed_in_page("conseiller", viewport=TABLET)
    open_form(page, live_server)
    page.check("input[name=kind][value=quick_help]")
    page.click(".quick-save button[value=SOCIAL_NETWORKS]")
    page.wait_for_selector("#saved-note [data-action=undo]")
    record_id = page.evaluate("async () => (await %s.all())[0].id" % OUTBOX)
    poll(lambda: live_server.record(record_id) is not None, page=page, message="the record reached the server")
    page.click("#saved-note [data-action=undo]")
    page.wait_for_selector("#saved-note.undone .saved-undone")
    poll(lambda: live_server.record(record_id)["deleted"], page=page, message="the server has it deleted")
    settled(page)


def test_undo_lasts_ten_seconds(signed_in_page, live_server):
    page = signed_in_page("conseiller", viewport=PHONE)
    open_form(page, live_server)
    page.clock.install()
    page.check("input[name=kind][value=quick_help]")
    page.click(".quick-save button[value=BROWSING]")
    page.wait_for_selector("#saved-note [data-action=undo]")
    page.clock.run_for(9000)
    assert page.locator("#saved-note [data-action=undo]").count() == 1
    page.clock.run_for(1500)
    assert page.locator("#saved-note [data-action=undo]").count() == 0
    assert page.locator("#saved-note [data-action=again]").count() == 1


def test_another_like_this_one_keeps_kind_and_partners_at_a_new_moment(signed_in_page, live_server):
    page = signed_in_page("conseiller", viewport=TABLET)
    open_form(page, live_server)
    page.check("input[name=kind][value=individual]")
    page.check("input[name=partners][value=OPT]")
    page.check("input[name=partners][value=CAFAT]")
    page.check("input[name=procedures][value=CAFAT_CERTIFICATE]")
    page.check("input[name=autonomy][value=guided]")
    page.check("input[name=outcome][value=completed]")
    page.fill("#occurred_time", "08:15")
    page.click("button.button-large")
    page.wait_for_selector("#saved-note .saved-what")
    words = page.inner_text("#saved-note .saved-what")
    assert "Accompagnement individuel" in words and "Cafat" in words and "OPT-NC" in words and "08:15" in words
    page.click("#saved-note [data-action=again]")
    assert page.is_checked("input[name=kind][value=individual]")
    assert page.is_checked("input[name=partners][value=OPT]") and page.is_checked("input[name=partners][value=CAFAT]")
    assert not page.is_checked("input[name=procedures][value=CAFAT_CERTIFICATE]")
    assert not page.is_checked("input[name=autonomy][value=guided]")
    assert page.input_value("#occurred_time") == ""  # a new moment: the save's own


def test_dates_and_counts_are_refused_plainly_on_the_tablet(signed_in_page, live_server):
    page = signed_in_page("conseiller", viewport=PHONE)
    open_form(page, live_server)
    page.check("input[name=kind][value=workshop]")
    page.fill("#workshop_title", "Premiers pas")
    page.check("input[name=topics][value=BROWSING]")
    page.fill("#occurred_date", "2024-12-31")
    page.check("input[name=duration][value=other]")
    page.fill("#duration_other", "-10")
    page.click("button.button-large")
    page.wait_for_selector("#participants-errors")
    text = page.inner_text("#record-form")
    assert "Obligatoire pour ce type d’accompagnement." in page.inner_text("#participants-errors")
    assert "avant le 1er janvier 2025" in text
    assert "Une durée dure au moins 1 minute." in text
    assert "2026-03-02T09:41:00+11:00" not in page.content()
    assert outbox_size(page) == 0


def test_a_keyboard_alone_records_an_accompaniment(signed_in_page, live_server):
    page = signed_in_page("conseiller", viewport=TABLET)
    open_form(page, live_server)
    before = live_server.count(COUNT_ROWS, kind="individual")
    page.evaluate("() => document.activeElement?.blur()")
    page.focus("input[name=kind][value=individual]")  # as reached by Tab from the page's start

    def tab_to(selector):
        for _ in range(200):
            page.keyboard.press("Tab")
            if page.evaluate("(s) => document.activeElement?.matches(s)", selector):
                return
        raise AssertionError(f"Tab never reached {selector}")

    page.keyboard.press("Space")  # the individual kind
    tab_to("input[name=partners][value=CAFAT]")
    page.keyboard.press("Space")
    tab_to("input[name=procedures][value=CAFAT_CERTIFICATE]")
    page.keyboard.press("Space")
    tab_to("input[name=autonomy]")
    page.keyboard.press("ArrowRight")  # radios: arrows choose
    tab_to("input[name=outcome]")
    page.keyboard.press("Space")
    tab_to("button.button-large")
    page.keyboard.press("Enter")
    page.wait_for_selector("#saved-note .saved-what")
    assert live_server.wait_for_count(before + 1, COUNT_ROWS, kind="individual") == before + 1


def test_deleting_asks_first_saying_a_manager_can_restore(signed_in_page, live_server):
    page = signed_in_page("conseiller", viewport=PHONE)
    open_form(page, live_server)
    page.check("input[name=kind][value=quick_help]")
    page.click(".quick-save button[value=DEVICE]")
    page.wait_for_selector("#saved-note")
    record_id = page.evaluate("async () => (await %s.all())[0].id" % OUTBOX)
    poll(lambda: live_server.record(record_id) is not None, page=page, message="the record reached the server")
    page.goto(f"{live_server.url}/accompagnements/{record_id}")
    question = page.locator(".confirm-delete-question")
    assert not question.is_visible()
    page.click(".confirm-delete summary")  # « Supprimer » only asks
    assert question.is_visible() and "un responsable pourra le restaurer" in question.inner_text()
    assert not live_server.record(record_id)["deleted"]
    page.click(".confirm-delete button[type=submit]")
    page.wait_for_url(f"{live_server.url}/accompagnements/")
    assert live_server.record(record_id)["deleted"]


def test_a_record_opened_to_correct_shows_all_it_has(signed_in_page, live_server):
    """Online, « Modifier »: every section of the kind, the person unfolded when something is said."""
    page = signed_in_page("conseiller", viewport=PHONE)
    open_form(page, live_server)
    page.check("input[name=kind][value=quick_help]")
    page.click(".details-toggle")
    page.click(".person summary")
    page.check("input[name=age_band][value='60_69']")
    page.click(".quick-save button[value=HEALTH]")
    page.wait_for_selector("#saved-note")
    record_id = page.evaluate("async () => (await %s.all())[0].id" % OUTBOX)
    poll(lambda: live_server.record(record_id) is not None, page=page, message="the record reached the server")
    page.goto(f"{live_server.url}/accompagnements/{record_id}/modifier")
    assert page.locator("button.button-large").is_visible() and page.locator("#equipment").is_visible()
    assert page.locator(".person").get_attribute("open") is not None
    assert page.is_checked("input[name=age_band][value='60_69']")
