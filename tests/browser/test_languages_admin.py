"""An admin publishes a local-language catalogue in a real browser; advisors then use it.

Runs on a server of its own: publishing a language changes every page's language switch.
The catalogue is a ``[test]`` file, not a translation (see tests/po_corpus/README.md).
"""

import re

import pytest

from .layout import check_layout
from .test_accessibility import AXE, violations

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

CATALOGUE = """# Fichier de test de pcn_pwa, pas une traduction
msgid ""
msgstr ""
"Language: dhv\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=1; plural=0;\\n"

msgid "Accueil"
msgstr "[test] Accueil ë ö ʻ '"

msgid "Nouvel accompagnement"
msgstr "[test] Nouvel accompagnement"

msgid "Identifiant"
msgstr "[test] %(x)s Identifiant"
""".encode("utf-8")


def test_admin_uploads_previews_publishes_and_an_advisor_switches(own_server, new_context, console_errors):
    from .conftest import sign_in

    admin = new_context(bypass_csp=AXE.exists(), viewport={"width": 1024, "height": 768}).new_page()
    sign_in(admin, own_server, "admin")
    admin.click("nav >> text=Langues")
    assert admin.locator("h1").inner_text() == "Langues"
    assert violations(admin) == []
    admin.click("a[lang=dhv]")
    admin.set_input_files("#po_file", files=[{"name": "drehu-test.po", "mimeType": "text/x-gettext-translation",
                                              "buffer": CATALOGUE}])
    admin.click("text=Vérifier le fichier")
    admin.wait_for_selector("#count-translated")
    assert admin.locator("#count-translated").inner_text() == "2"
    assert admin.locator("#count-refused").inner_text() == "1"
    assert "Variables différentes" in admin.locator("table.refused").inner_text()
    assert violations(admin) == []

    with admin.expect_popup() as popup:
        admin.click(".preview-links >> text=Accueil")
    preview = popup.value
    preview.wait_for_load_state()
    assert preview.locator("html").get_attribute("lang") == "dhv"
    assert "[test] Accueil ë ö ʻ '" in preview.locator("nav").inner_text()
    preview.close()

    admin.click("text=Publier ce catalogue")
    admin.wait_for_selector(".flash-success")
    admin.click("text=Activer la langue")
    admin.wait_for_selector(".flash-success")
    assert "Drehu" in admin.locator(".language-switch").inner_text()

    # An advisor on a phone picks the language from the header's menu; the pages still fit.
    advisor = new_context(viewport={"width": 360, "height": 740}).new_page()
    sign_in(advisor, own_server, "conseiller")
    advisor.click(".menu-toggle")
    advisor.click(".language-switch button[value=dhv]")
    advisor.wait_for_function("() => document.documentElement.lang === 'dhv'")
    assert "[test] Nouvel accompagnement" in advisor.locator("nav").inner_text()
    # Untranslated text stays French; dates are formatted as fr_NC (no CLDR data for Drehu).
    advisor.goto(own_server.url + "/accompagnements/")
    assert re.search(r"\d{2}/\d{2}/\d{4}", advisor.locator("main").inner_text())
    check_layout(advisor, console_errors)
