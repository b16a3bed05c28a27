"""Interface language: French source, English catalogue, and a safe fallback for codes CLDR lacks."""

import gettext
from datetime import datetime, timezone
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import g

from pcn_pwa.extensions import db
from pcn_pwa.i18n import format_datetime, format_number

ROOT = Path(__file__).resolve().parent.parent


def test_french_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="fr">' in page
    assert "Se connecter" in page


def test_browser_language_is_followed(client):
    page = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.8"}).get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Username" in page and "Password" in page


def test_unknown_browser_language_falls_back_to_french(client):
    page = client.get("/login", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert "Identifiant" in page


def test_switch_before_sign_in_is_kept_in_the_session(client):
    response = client.post("/langue", data={"locale": "en", "next": "/login"})
    assert response.headers["Location"] == "/login"
    assert "Sign in" in client.get("/login").get_data(as_text=True)


def test_switch_to_unknown_language_is_refused(client):
    client.post("/langue", data={"locale": "xx", "next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert "Cette langue n’est pas disponible." in page
    assert '<html lang="fr">' in page


def test_the_users_choice_follows_them_to_another_device(app, client, signed_in):
    user = signed_in("advisor", username="marie")
    client.post("/compte", data={"locale": "en"})
    assert db.session.get(type(user), user.id).locale == "en"
    other_device = app.test_client()
    other_device.post("/login", data={"username": "marie", "password": "correct horse battery"})
    assert "My account" in other_device.get("/compte").get_data(as_text=True)


def test_form_errors_in_english_include_wtforms_own(client):
    client.post("/langue", data={"locale": "en"})
    page = client.post("/login", data={"username": "", "password": ""}).get_data(as_text=True)
    assert "This field is required." in page


def test_api_messages_follow_the_language(client):
    response = client.get("/api/v1/me", headers={"Accept-Language": "en"})
    assert response.json["message"] == "Sign in to continue."


def test_times_are_shown_in_noumea(app):
    moment = datetime(2026, 3, 1, 22, 30, tzinfo=timezone.utc)  # 09:30 on 2 March in Nouméa
    with app.test_request_context("/"):
        assert format_datetime(moment, "short") == "02/03/2026 09:30"


def test_language_without_cldr_data_formats_as_fr_nc(app):
    """Drehu (dhv) has no CLDR data: formatting must fall back to fr_NC, not raise."""
    moment = datetime(2026, 3, 1, 22, 30, tzinfo=timezone.utc)
    with app.test_request_context("/"):
        g.locale = "dhv"
        assert format_datetime(moment, "short") == "02/03/2026 09:30"
        assert format_number(1234567) == "1\u202f234\u202f567"


def _msgids(path):
    with open(path, "rb") as handle:
        return {message.id if isinstance(message.id, str) else message.id[0] for message in read_po(handle) if message.id}


def test_template_is_current(runner, tmp_path):
    """Every wrapped string of the code and templates is in translations/messages.pot."""
    fresh = tmp_path / "fresh.pot"
    result = runner.invoke(args=["translate", "extract", "-o", str(fresh)])
    assert result.exit_code == 0, result.output
    missing = _msgids(fresh) - _msgids(ROOT / "translations" / "messages.pot")
    assert not missing, f"run 'make extract': missing from messages.pot: {sorted(missing)}"


def test_english_is_complete():
    with open(ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalogue = read_po(handle)
    untranslated = [m.id for m in catalogue if m.id and (not m.string or m.fuzzy or
                                                         (isinstance(m.string, tuple) and not all(m.string)))]
    assert not untranslated
    assert _msgids(ROOT / "translations" / "messages.pot") <= {
        m.id if isinstance(m.id, str) else m.id[0] for m in catalogue if m.id}


PLURAL_TEST_CATALOGUE = """# Fichier de test de pcn_pwa, pas une traduction
msgid ""
msgstr ""
"Language: dhv\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: {rule}\\n"

#, python-format
msgid "%(num)s visite"
msgid_plural "%(num)s visites"
{forms}
"""


@pytest.mark.parametrize("rule,forms,expected", [
    ("nplurals=1; plural=0;", ["[test] %(num)s une forme"], {1: 0, 5: 0}),
    ("nplurals=2; plural=(n > 1);", ["[test] %(num)s singulier", "[test] %(num)s pluriel"], {0: 0, 1: 0, 2: 1}),
])
def test_update_and_compile_keep_a_declared_plural_rule_for_a_code_cldr_lacks(app, runner, tmp_path, rule, forms,
                                                                             expected):
    """Babel 2.18 dropped Plural-Forms when writing a catalogue of an unknown code; ours must keep it."""
    translations = tmp_path / "translations"
    (translations / "dhv" / "LC_MESSAGES").mkdir(parents=True)
    (translations / "messages.pot").write_bytes((ROOT / "translations" / "messages.pot").read_bytes())
    po_path = translations / "dhv" / "LC_MESSAGES" / "messages.po"
    po_path.write_text(PLURAL_TEST_CATALOGUE.format(
        rule=rule, forms="\n".join(f'msgstr[{i}] "{form}"' for i, form in enumerate(forms))), encoding="utf-8")
    app.config["TRANSLATIONS_DIR"] = str(translations)
    for command in ("update", "compile"):
        result = runner.invoke(args=["translate", command])
        assert result.exit_code == 0, result.output
    assert f"Plural-Forms: {rule}" in po_path.read_text(encoding="utf-8")
    with open(po_path.with_suffix(".mo"), "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for count, form in expected.items():
        assert compiled.ngettext("%(num)s visite", "%(num)s visites", count) == forms[form]


def test_compile_fails_when_a_catalogue_has_an_error(app, runner, tmp_path):
    """`make catalogues` (and so `make run` and `make test`) stops on a broken catalogue instead
    of going on with it (pybabel returns its error code rather than raising it)."""
    translations = tmp_path / "translations"
    (translations / "en" / "LC_MESSAGES").mkdir(parents=True)
    (translations / "en" / "LC_MESSAGES" / "messages.po").write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        '#, python-format\nmsgid "%(count)s visites"\nmsgstr "%(nombre)s visits"\n', encoding="utf-8")
    app.config["TRANSLATIONS_DIR"] = str(translations)
    result = runner.invoke(args=["translate", "compile"])
    assert result.exit_code != 0
