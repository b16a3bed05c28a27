"""Translations are text in the pages, whatever a catalogue holds: a catalogue published before
the upload checks refused quotes, or a compiled file of translations/, is escaped at rendering.

Every translation is an obvious ``[test]`` string (see tests/po_corpus/README.md).
"""

import re
from pathlib import Path

import pytest
from flask import render_template_string
from markupsafe import Markup

from pcn_pwa.extensions import db
from pcn_pwa.i18n import catalogues
from pcn_pwa.i18n.markup import as_html

from .test_languages_admin import go_live, po, text

ROOT = Path(__file__).resolve().parent.parent
HOSTILE_MENU = 'Menu" hidden inert data-x="'


@pytest.fixture
def reader_of_dhv(client, signed_in, make_user, auth):
    """dhv live, then its stored translation of "Menu principal" turned hostile, as a catalogue
    accepted by an older version would be; returns the home page of an advisor reading dhv."""
    signed_in("admin")
    catalogue = go_live(client, po(entries=[("Accueil", "[test] Accueil")]))
    catalogue.messages = [*catalogue.messages, [None, "Menu principal", None, [HOSTILE_MENU]],
                          [None, "Synchroniser", None, ["[test] <b>Sync</b> & &lt;i&gt;"]]]
    catalogues.bump_generation()
    db.session.commit()
    make_user("advisor", username="wanaxa", locale="dhv")
    auth.logout()
    auth.login("wanaxa")
    return text(client.get("/"))


def test_a_stored_hostile_translation_stays_inside_its_attribute(reader_of_dhv):
    nav = re.search(r"<nav class=\"app-nav\"([^>]*)>", reader_of_dhv)
    assert nav[1] == ' aria-label="Menu&#34; hidden inert data-x=&#34;"'
    assert "[test] Accueil" in reader_of_dhv


def test_a_stored_translation_with_tags_shows_them_as_text(reader_of_dhv):
    assert "[test] &lt;b&gt;Sync&lt;/b&gt; &amp; &amp;lt;i&amp;gt;" in reader_of_dhv
    assert "<b>Sync</b>" not in reader_of_dhv


def test_the_scripts_get_the_same_strings_as_plain_text(client, reader_of_dhv):
    strings = client.get("/langues/dhv/textes.json").json["strings"]
    assert strings["sync_now"] == "[test] <b>Sync</b> & &lt;i&gt;"


def test_no_page_script_parses_strings_as_html():
    """The scripts' strings are text: set with textContent, never parsed as HTML."""
    scripts = [*(ROOT / "pcn_pwa" / "static" / "js").glob("*.js"), ROOT / "pcn_pwa" / "static" / "sw.js"]
    parsing = re.compile(r"\.(innerHTML|outerHTML|insertAdjacentHTML)\b|document\.write|createContextualFragment")
    found = {path.name: match[0] for path in scripts if (match := parsing.search(path.read_text()))}
    assert len(scripts) > 10 and found == {}


@pytest.mark.parametrize("source, translated, expected", [
    ("Menu principal", HOSTILE_MENU, "Menu&#34; hidden inert data-x=&#34;"),
    ("Accueil", "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ("Accueil", "l'accueil & co", "l&#39;accueil &amp; co"),
    # The source's own tags are kept, exactly as written; any other tag is text.
    ('Lire la <a href="/aide">notice</a>', '<a href="/aide">notice</a> <i>x</i> "', '<a href="/aide">notice</a>'
     ' &lt;i&gt;x&lt;/i&gt; &#34;'),
    ('Lire la <a href="/aide">notice</a>', '<a href="/aide" onclick="x()">notice</a>',
     '&lt;a href=&#34;/aide&#34; onclick=&#34;x()&#34;&gt;notice</a>'),
])
def test_as_html_escapes_all_but_the_sources_tags(source, translated, expected):
    assert as_html(translated, source) == Markup(expected)


def test_template_variables_are_escaped_too(app):
    with app.test_request_context("/"):
        page = render_template_string('<p title="{{ _("Bonjour %(name)s", name=who) }}">'
                                      "{{ ngettext('%(num)s visite', '%(num)s visites', 2, who=who) }}</p>",
                                      who='"><script>')
    assert page == '<p title="Bonjour &#34;&gt;&lt;script&gt;">2 visites</p>'
