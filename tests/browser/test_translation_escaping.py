"""A hostile catalogue uploaded through the admin pages cannot hide the menu or add markup.

The entry that would close the menu's ``aria-label`` is refused at upload with its reason; what is
accepted shows literally, in the pages and in the scripts' strings. Then the same hostile entry is
put straight into the stored catalogue, as one accepted by an older version would be: the menu still
shows, its label is the text as written. A ``[test]`` file, not a translation (tests/po_corpus/README.md).
"""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

HOSTILE_MENU = 'Menu" hidden inert data-x="'
NEW_RECORD = "[test] Nouvel <3 & &lt;b&gt; 'x'"
ONLINE = "[test] En ligne &lt;i&gt;"
CATALOGUE = f"""# Fichier de test de pcn_pwa, pas une traduction
msgid ""
msgstr ""
"Language: dhv\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=1; plural=0;\\n"

msgid "Menu principal"
msgstr "Menu\\" hidden inert data-x=\\""

msgid "Nouvel accompagnement"
msgstr "{NEW_RECORD}"

msgid "En ligne"
msgstr "{ONLINE}"
""".encode("utf-8")


def _store_hostile_menu(server) -> None:
    """The live catalogue's "Menu principal" made hostile in the database, and every worker told."""
    import sqlalchemy as sa

    from pcn_pwa.models import Catalogue, CatalogueGeneration, Language

    engine = sa.create_engine(server.database_url)
    try:
        with engine.begin() as connection:
            live = connection.execute(sa.select(Language.__table__.c.catalogue_id)
                                      .where(Language.__table__.c.code == "dhv")).scalar_one()
            table = Catalogue.__table__
            messages = connection.execute(sa.select(table.c.messages).where(table.c.id == live)).scalar_one()
            messages.append([None, "Menu principal", None, [HOSTILE_MENU]])
            connection.execute(sa.update(table).where(table.c.id == live).values(messages=messages))
            generation = CatalogueGeneration.__table__
            connection.execute(sa.update(generation).values(value=generation.c.value + 1))
    finally:
        engine.dispose()


def _menu_state(page) -> dict:
    return page.evaluate("""() => {
        const nav = document.querySelector('nav.app-nav');
        return {label: nav.getAttribute('aria-label'), attributes: nav.getAttributeNames().sort(),
                visible: nav.checkVisibility(), inert: nav.inert};
    }""")


def test_a_hostile_catalogue_cannot_hide_the_menu(own_server, new_context, console_errors):
    from .conftest import sign_in

    admin = new_context(viewport={"width": 1024, "height": 768}).new_page()
    sign_in(admin, own_server, "admin")
    admin.goto(own_server.url + "/admin/langues/dhv")
    admin.set_input_files("#po_file", files=[{"name": "hostile.po", "mimeType": "text/x-gettext-translation",
                                              "buffer": CATALOGUE}])
    admin.click("text=Vérifier le fichier")
    admin.wait_for_selector("#count-translated")
    assert admin.locator("#count-translated").inner_text() == "2"
    assert admin.locator("#count-refused").inner_text() == "1"
    refused = admin.locator("table.refused tbody tr")
    assert refused.count() == 1
    assert refused.locator("td").nth(1).inner_text() == "Menu principal"
    assert "Guillemet droit \" ajouté" in refused.locator("td").nth(2).inner_text()
    admin.click("text=Publier ce catalogue")
    admin.wait_for_selector(".flash-success")
    admin.click("text=Activer la langue")
    admin.wait_for_selector(".flash-success")

    advisor = new_context(viewport={"width": 1024, "height": 768}).new_page()
    sign_in(advisor, own_server, "conseiller")
    advisor.click(".language-switch button[value=dhv]")
    advisor.wait_for_function("() => document.documentElement.lang === 'dhv'")
    assert _menu_state(advisor) == {"label": "Menu principal", "attributes": ["aria-label", "class"],
                                    "visible": True, "inert": False}
    assert advisor.locator("nav.app-nav >> text=[test] Nouvel").inner_text() == NEW_RECORD
    # The scripts' strings are text too.
    advisor.wait_for_function("t => document.querySelector('#sync-status .status-text').textContent.startsWith(t)",
                              arg=ONLINE)

    _store_hostile_menu(own_server)
    advisor.reload()
    advisor.wait_for_function("() => document.querySelector('nav.app-nav').getAttribute('aria-label') !== "
                              "'Menu principal'")
    assert _menu_state(advisor) == {"label": HOSTILE_MENU, "attributes": ["aria-label", "class"],
                                    "visible": True, "inert": False}
    advisor.click("nav.app-nav >> text=[test] Nouvel")
    advisor.wait_for_url(own_server.url + "/accompagnements/nouveau")
    advisor.wait_for_function("() => document.readyState === 'complete'")  # and its console events delivered
    assert console_errors == []
