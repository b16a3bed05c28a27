"""Checks of an uploaded .po catalogue, on the real files of tests/po_corpus (see its README).

The template is made of real msgids of translations/messages.pot plus three test-only ones (the real
template has no markup, no ``{name}`` and no context); every translation is an obvious ``[test]`` string.
"""

import os
import time
import unicodedata
from pathlib import Path

import pytest
import wtforms
from babel.messages.pofile import read_po

from pcn_pwa import create_app
from pcn_pwa.i18n.po import MAX_UPLOAD_BYTES, Message, build_translations, check_upload, read_template

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "po_corpus"
POT = ROOT / "translations" / "messages.pot"
ENGLISH = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
WTFORMS_FRENCH = Path(os.path.dirname(wtforms.__file__)) / "locale" / "fr" / "LC_MESSAGES" / "wtforms.po"

APP_MSGIDS = (
    "Se connecter",
    "Identifiant",
    "Mot de passe",
    "Télécharger un document officiel",
    "%(max)s caractères au plus.",
    "%(num)s visite",
    "Trop de tentatives de connexion. Réessayez dans %(num)s minute.",
)
TEST_ONLY_TEMPLATE = {
    (None, "[modèle de test] Bonjour {name}"): None,
    (None, '[modèle de test] Lire la <a href="/aide">notice</a>'): None,
    ("[test]", "Se connecter"): None,
}
LETTERS = "ë ö â ù ō ʻ '"


@pytest.fixture(scope="module", autouse=True)
def app_context():
    """The reasons are French sentences through the app's gettext, which needs an application."""
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        yield


@pytest.fixture(scope="module")
def full_template():
    return read_template(POT.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def template(full_template):
    real = {(None, msgid): full_template[(None, msgid)] for msgid in APP_MSGIDS}
    return real | TEST_ONLY_TEMPLATE


def upload(name, template, language="dhv"):
    return check_upload((CORPUS / name).read_bytes(), language, template)


def msgids_of(path):
    """(context, msgid) -> msgid_plural, as Babel reads the file."""
    with open(path, "rb") as handle:
        return {(m.context, m.id[0] if m.pluralizable else m.id): (m.id[1] if m.pluralizable else None)
                for m in read_po(handle) if m.id}


# --- The template ----------------------------------------------------------------------------


def test_read_template_matches_babel_on_the_real_template(full_template):
    assert full_template == msgids_of(POT)
    assert full_template[(None, "%(num)s visite")] == "%(num)s visites"
    assert full_template[(None, "Se connecter")] is None


# --- Whole files refused -----------------------------------------------------------------------


FATAL = [
    ("empty.po", None, ["vide"]),
    ("binary.po", 2, ["binaires"]),
    ("charset_unknown.po", 7, ["Jeu de caractères inconnu", "KLINGON-8"]),
    ("charset_wrong.po", 15, ["Octets invalides", "UTF-8"]),
    ("escape_invalid_utf8.po", 13, ["Octets invalides", "UTF-8"]),
    ("syntax_unknown_keyword.po", 12, ["Mot-clé inconnu", "msgtsr"]),
    ("syntax_unterminated_string.po", 12, ["Chaîne non terminée"]),
    ("syntax_bad_escape.po", 12, ["échappement invalide", "\\q"]),
    ("syntax_string_without_keyword.po", 14, ["Chaîne sans mot-clé"]),
    ("syntax_msgstr_without_msgid.po", 12, ["« msgstr » sans msgid"]),
    ("syntax_text_after_quote.po", 12, ["après le guillemet fermant", "[test] en trop"]),
    ("syntax_msgstr_out_of_order.po", 14, ["« msgstr[2] » hors d’ordre", "msgstr[1]"]),
    ("syntax_msgid_without_msgstr.po", 11, ["Entrée sans msgstr"]),
    ("header_missing.po", None, ["En-tête manquant"]),
    ("language_wrong.po", 5, ["« nen »", "« dhv »"]),
    ("plural_forms_invalid.po", 9, ["Plural-Forms invalide", "__import__"]),
]


@pytest.mark.parametrize("name, line, fragments", FATAL, ids=[case[0] for case in FATAL])
def test_file_refused_as_a_whole(template, name, line, fragments):
    report = upload(name, template)
    assert not report.ok
    [error] = report.errors
    assert error.line == line
    for fragment in fragments:
        assert fragment in error.reason
    assert (report.messages, report.refused, report.text, report.translated, report.coverage) == ([], [], "", 0, 0)


@pytest.mark.parametrize("escape", [rb"\q", rb"\'", rb"\777", rb"\x", rb"\x100"])
def test_only_c_escapes_are_read(template, escape):
    data = (CORPUS / "syntax_bad_escape.po").read_bytes().replace(rb"\q", escape)
    [error] = check_upload(data, "dhv", template).errors
    assert error.line == 12
    assert f"échappement invalide : « {escape.decode()} »" in error.reason


def test_octal_and_hex_escapes_give_bytes_of_the_charset(template):
    data = (CORPUS / "syntax_bad_escape.po").read_bytes().replace(rb"\q", rb'\101\x41 \303\xab \t\\')
    report = check_upload(data, "dhv", template)
    assert report.messages == [Message(None, "Se connecter", None, ('[test] AA ë \t\\',))]
    # ``\"`` is read too (the check then refuses a quote the msgid does not have).
    data = (CORPUS / "syntax_bad_escape.po").read_bytes().replace(rb"\q", rb'\"')
    assert "Guillemet droit" in check_upload(data, "dhv", template).refused[0].reason


def test_duplicates_are_all_named_with_both_lines(template):
    report = upload("duplicate_msgid.po", template)
    assert [(e.line, e.msgid) for e in report.errors] == [
        (17, "Se connecter"),
        (23, "Télécharger un document officiel"),  # decomposed in the file: the same msgid once composed
    ]
    assert "« Se connecter » aux lignes 11 et 17" in report.errors[0].reason
    assert "aux lignes 20 et 23" in report.errors[1].reason


def test_a_file_over_one_megabyte_is_refused_before_reading(template):
    accepted = (CORPUS / "accepted_dhv.po").read_bytes()
    padding = 1024 * 1024 - len(accepted)
    at_limit = accepted + b"#" * (padding - 1) + b"\n"
    assert len(at_limit) == MAX_UPLOAD_BYTES == 1024 * 1024
    assert check_upload(at_limit, "dhv", template).ok

    over = at_limit + b"\n"
    report = check_upload(over, "dhv", template)
    assert [(e.line, "trop gros" in e.reason) for e in report.errors] == [(None, True)]
    # Refused on its size even when it is also binary: nothing else was read.
    assert "trop gros" in check_upload(b"\x00" * len(over), "dhv", template).errors[0].reason


@pytest.mark.parametrize("language", ["dhv", "DHV", "dhv_NC", "dhv-nc"])
def test_the_language_is_compared_without_case_or_region(template, language):
    assert upload("accepted_dhv.po", template, language).ok


@pytest.mark.parametrize("language", ["nen", "fr", "wls"])
def test_another_language_is_refused_saying_which_the_file_declares(template, language):
    [error] = upload("accepted_dhv.po", template, language).errors
    assert error.line == 5
    assert "« dhv »" in error.reason and f"« {language} »" in error.reason


# --- Entries refused one by one ------------------------------------------------------------------


REFUSED = [
    ("plural_too_many_forms.po", {12: ["4 formes plurielles", "2"]}),
    ("plural_mismatch.po", {
        11: ["attend un pluriel"],
        14: ["n’a pas de pluriel"],
        19: ["Formes plurielles vides : msgstr[1]"],
    }),
    ("placeholder_changed.po", {
        12: ["manquantes : %(max)s ;", "en trop : %(nombre)s."],
        15: ["manquantes : {name} ;", "en trop : {nom}."],
        19: ["manquantes : %(num)s ;", "en trop : aucune."],
        23: ["manquantes : aucune ;", "en trop : %s."],
        27: ["manquantes : aucune ;", "en trop : %."],
    }),
    ("markup_script_added.po", {
        11: ["Balisage ajouté", "<script>", "</script>"],
        14: ["Balisage ajouté", "<img src=x onerror=alert(1)"],
        17: ["Balisage ajouté", "<!-- -->"],
    }),
    ("markup_event_attribute.po", {
        11: ["Attribut d’évènement ajouté", "onerror="],
        14: ["Lien de script ajouté", "javascript:"],
        17: ["Lien de script ajouté", "javascript:"],
        20: ["Attribut d’évènement ajouté", "onload="],
    }),
    ("markup_attribute_added.po", {11: ["Balisage ajouté", '<a href="/aide" target="_blank">']}),
    ("markup_quote_added.po", {
        11: ["Guillemet droit \" ajouté", "fermerait un attribut", "« » ou “ ”"],
        14: ["Guillemet droit \" ajouté"],
        20: ["Guillemet droit \" ajouté"],
    }),
    ("control_character.po", {11: ["Caractère de contrôle", "U+0007"], 17: ["Caractère de contrôle", "U+001B"]}),
]


@pytest.mark.parametrize("name, expected", REFUSED, ids=[case[0] for case in REFUSED])
def test_entries_refused_with_their_reason(template, name, expected):
    report = upload(name, template)
    assert report.ok
    assert {problem.line for problem in report.refused} == set(expected)
    for problem in report.refused:
        for fragment in expected[problem.line]:
            assert fragment in problem.reason, (problem.line, problem.reason)
    refused_msgids = {problem.msgid for problem in report.refused}
    assert not refused_msgids & {message.msgid for message in report.messages}
    assert report.untranslated == len(template) - report.translated - len(report.refused)


def test_a_hostile_string_is_checked_in_linear_time(template):
    """A msgstr of "%(" repeated once made the placeholder search quadratic (minutes for 1 MB)."""
    data = (CORPUS / "placeholder_changed.po").read_bytes().replace(b"[test] %(nombre)s", b"%(" * 100_000)
    started = time.monotonic()
    report = check_upload(data, "dhv", template)
    assert time.monotonic() - started < 5
    assert report.refused[0].line == 12 and "en trop : %." in report.refused[0].reason


def test_what_passes_next_to_refused_entries_is_kept(template):
    assert [m.msgid for m in upload("plural_too_many_forms.po", template).messages] == ["Se connecter"]
    assert [m.msgid for m in upload("plural_mismatch.po", template).messages] == ["Identifiant"]
    # A lone % is text where the message is not formatted.
    assert [m.strings for m in upload("placeholder_changed.po", template).messages] == [
        ("[test] 100 % identifiant",)]
    assert [m.strings for m in upload("control_character.po", template).messages] == [
        ("[test] ligne\nsuivante\ttabulation",)]
    # Typographic quotes, an apostrophe, ``<`` and ``&`` are text: the pages escape them.
    assert [m.strings for m in upload("markup_quote_added.po", template).messages] == [
        ("[test] “Mot de passe” l'x <3 &amp; &lt;b&gt;",)]


# --- Files accepted ----------------------------------------------------------------------------


def test_correct_file_is_read_entirely(template):
    report = upload("accepted_dhv.po", template)
    assert report.ok and report.refused == []
    assert (report.translated, report.untranslated, report.unknown, report.fuzzy) == (6, 4, 1, 0)
    assert report.coverage == pytest.approx(60.0)
    assert (report.nplurals, report.plural_forms) == (1, "nplurals=1; plural=0;")
    assert report.text == (CORPUS / "accepted_dhv.po").read_text(encoding="utf-8")
    assert set(report.messages) == {
        Message(None, "Se connecter", None, (f"[test] {LETTERS} Se connecter",)),
        Message(None, "%(num)s visite", "%(num)s visites", ("[test] %(num)s ʻvisite'",)),
        Message(None, "%(max)s caractères au plus.", None, ("[test] %(max)s “au plus”\tù",)),
        Message(None, "[modèle de test] Bonjour {name}", None, ("[test] {name} ë",)),
        Message("[test]", "Se connecter", None, ("[test] contexte ō",)),
        Message(None, '[modèle de test] Lire la <a href="/aide">notice</a>', None,
                ('[test] <a href="/aide">notice</a> ö',)),
    }


def test_letters_of_the_pacific_languages_survive(template):
    report = upload("accepted_dhv.po", template)
    assert LETTERS in report.text
    assert unicodedata.normalize("NFC", LETTERS) == LETTERS
    [connect] = [m for m in report.messages if (m.context, m.msgid) == (None, "Se connecter")]
    assert LETTERS in connect.strings[0]
    assert "\u02bb" in connect.strings[0] and "'" in connect.strings[0]


def test_latin1_file_is_converted_and_stored_as_utf8(template):
    report = upload("latin1_declared.po", template)
    assert report.ok and report.refused == []
    assert {m.msgid: m.strings for m in report.messages} == {
        "Se connecter": ("[test] ë ö â ù é",),
        "Télécharger un document officiel": ("[test] télécharger ù",),
    }
    assert '"Content-Type: text/plain; charset=UTF-8\\n"' in report.text
    assert "charset=ISO-8859-1" not in report.text
    assert "[test] ë ö â ù é" in report.text
    assert (report.nplurals, report.plural_forms) == (2, "nplurals=2; plural=(n != 1);")  # none declared


def test_decomposed_msgids_match_the_composed_template(template):
    report = upload("nfd_msgids.po", template)
    assert report.ok
    assert report.messages == [Message(None, "Télécharger un document officiel", None, ("[test] téléchargement ë ö",))]
    assert report.text == unicodedata.normalize("NFC", report.text)
    assert "Télécharger" in report.text


@pytest.mark.parametrize("newline", [b"\r\n", b"\r"], ids=["crlf", "lone-cr"])
def test_bom_and_windows_or_old_mac_newlines_are_accepted(template, newline):
    data = (CORPUS / "bom_crlf.po").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    report = check_upload(data.replace(b"\r\n", newline), "dhv", template)
    assert report.ok
    assert report.messages == [Message(None, "Se connecter", None, ("[test] Se connecter ë",))]
    assert "\r" not in report.text and not report.text.startswith("\ufeff")
    assert report.text.startswith("# Fichier de test")


def test_fuzzy_entries_are_counted_and_ignored(template):
    report = upload("fuzzy_entries.po", template)
    assert report.ok
    assert (report.fuzzy, report.translated, report.untranslated) == (2, 2, len(template) - 4)
    assert {m.msgid: m.strings for m in report.messages} == {
        "Identifiant": ("[test] identifiant",),
        "Mot de passe": ("[test] mot de passe",),  # the obsolete entry's fuzzy flag is not its
    }
    assert report.nplurals == 1  # read from the fuzzy header


# --- Real catalogues ---------------------------------------------------------------------------


def test_wtforms_french_catalogue_is_all_unknown(full_template):
    with open(WTFORMS_FRENCH, "rb") as handle:
        catalogue = read_po(handle)
    translated = [m for m in catalogue if m.id and not m.fuzzy
                  and (all(m.string) if isinstance(m.string, tuple) else m.string)]
    assert translated

    report = check_upload(WTFORMS_FRENCH.read_bytes(), "fr", full_template)
    assert report.errors == []
    assert report.unknown == len(translated)
    assert (report.translated, report.coverage, report.refused) == (0, 0, [])
    assert report.untranslated == len(full_template)


def test_our_english_catalogue_passes_every_check(full_template):
    """Real translations must not be refused by mistake."""
    with open(ENGLISH, "rb") as handle:
        catalogue = read_po(handle)
    expected = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue
                if m.id and not m.fuzzy and (None, m.id if isinstance(m.id, str) else m.id[0]) in full_template
                and (all(m.string) if isinstance(m.string, tuple) else m.string)}

    report = check_upload(ENGLISH.read_bytes(), "en", full_template)
    assert report.errors == [] and report.refused == []
    assert {m.msgid for m in report.messages} == expected


# --- The catalogue the app uses ----------------------------------------------------------------


VISITS = ("%(num)s visite", "%(num)s visites")


def test_one_plural_form_serves_every_number():
    translations = build_translations(
        [Message(None, *VISITS, ("[test] forme unique %(num)s",))], "nplurals=1; plural=0;")
    for n in (1, 5):
        assert translations.ngettext(*VISITS, n) == "[test] forme unique %(num)s"
        assert translations.ungettext(*VISITS, n) == "[test] forme unique %(num)s"


@pytest.mark.parametrize("n, form", [(0, 0), (1, 0), (2, 1), (21, 1)])
def test_the_declared_plural_rule_is_used(n, form):
    forms = ("[test] forme 0", "[test] forme 1")
    translations = build_translations([Message(None, *VISITS, forms)], "nplurals=2; plural=(n > 1);")
    assert translations.ngettext(*VISITS, n) == forms[form]


def test_context_and_singular_lookups():
    translations = build_translations([
        Message("[test]", "Se connecter", None, ("[test] avec contexte",)),
        Message("[test]", *VISITS, ("[test] contexte 0", "[test] contexte 1")),
        Message(None, "Identifiant", None, ("[test] identifiant",)),
    ], "nplurals=2; plural=(n != 1);")
    assert translations.pgettext("[test]", "Se connecter") == "[test] avec contexte"
    assert translations.upgettext("[test]", "Se connecter") == "[test] avec contexte"
    assert translations.unpgettext("[test]", *VISITS, 3) == "[test] contexte 1"
    assert translations.gettext("Se connecter") == "Se connecter"  # no entry without the context
    assert translations.ugettext("Identifiant") == translations.gettext("Identifiant") == "[test] identifiant"


def test_an_accepted_upload_is_usable_as_is(template):
    report = upload("accepted_dhv.po", template)
    translations = build_translations(report.messages, report.plural_forms)
    assert translations.gettext("Se connecter") == f"[test] {LETTERS} Se connecter"
    assert translations.ngettext(*VISITS, 7) == "[test] %(num)s ʻvisite'"
    assert translations.gettext("Identifiant") == "Identifiant"


@pytest.mark.parametrize("plural_forms", [
    "nplurals=2; plural=__import__('os').getpid();",  # only C expressions in n
    "nplurals=2; plural=(n > 1",  # unbalanced
    "nplurals=2; plural=n;",  # form 2 for n = 2, which does not exist
    "nplurals=2; plural=n/0;",
    "nplurals=0; plural=0;",
    "nplurals=7; plural=n%7;",
    "plural=(n != 1);",
    "",
])
def test_an_invalid_plural_rule_is_a_clear_error(plural_forms):
    with pytest.raises(ValueError, match="Plural-Forms"):
        build_translations([], plural_forms)
