"""Interface languages run by admins: uploaded catalogues, checked, reported, previewed,
published at once for every worker, restored in one click.

Every translation here is an obvious ``[test]`` string (see tests/po_corpus/README.md): no real
Drehu, Nengone or Wallisian is invented.
"""

import io
import os
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
import wtforms
from babel.messages.pofile import read_po
from flask import g
from markupsafe import escape
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from pcn_pwa.i18n import catalogues, ngettext
from pcn_pwa.models import Catalogue, Language, User

from .conftest import make_app

CORPUS = Path(__file__).resolve().parent / "po_corpus"
WTFORMS_FRENCH = Path(os.path.dirname(wtforms.__file__)) / "locale" / "fr" / "LC_MESSAGES" / "wtforms.po"
LETTERS = "ë ö â ù ō ʻ '"


def po(language="dhv", plural_forms="nplurals=1; plural=0;", entries=(), header_extra=""):
    """A small catalogue file: ``entries`` are (msgid, msgstr) or (msgid, msgid_plural, [forms])."""
    lines = ["# Fichier de test de pcn_pwa, pas une traduction", 'msgid ""', 'msgstr ""',
             '"Project-Id-Version: pcn_pwa tests\\n"', f'"Language: {language}\\n"',
             '"Content-Type: text/plain; charset=UTF-8\\n"', f'"Plural-Forms: {plural_forms}\\n"']
    if header_extra:
        lines.append(header_extra)
    for entry in entries:
        lines.append("")
        if len(entry) == 2:
            lines += [f'msgid "{entry[0]}"', f'msgstr "{entry[1]}"']
        else:
            lines += [f'msgid "{entry[0]}"', f'msgid_plural "{entry[1]}"']
            lines += [f'msgstr[{i}] "{form}"' for i, form in enumerate(entry[2])]
    return ("\n".join(lines) + "\n").encode("utf-8")


FIRST = po(entries=[("Accueil", f"[test] Accueil {LETTERS}"), ("Se déconnecter", "[test] Sortir"),
                    ("%(num)s visite", "%(num)s visites", ["[test] %(num)s visite(s)"])])
SECOND = po(entries=[("Accueil", "[test] Accueil, deuxième version")])


@pytest.fixture
def admin(signed_in):
    return signed_in("admin")


def upload(client, code, data, filename="messages.po"):
    """Upload through the form; return the report page's response."""
    # Encoded in memory: the test client would spool a big body to a temporary file it never closes.
    boundary, body = encode_multipart({"po_file": FileStorage(io.BytesIO(data), filename)})
    response = client.post(f"/admin/langues/{code}/catalogues", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 302, response.get_data(as_text=True)
    return client.get(response.headers["Location"])


def latest(code) -> Catalogue:
    from pcn_pwa.extensions import db

    return db.session.scalars(sa.select(Catalogue).where(Catalogue.language_code == code)
                              .order_by(Catalogue.id.desc())).first()


def publish(client, catalogue):
    response = client.post(f"/admin/langues/{catalogue.language_code}/catalogues/{catalogue.id}/publier")
    assert response.status_code == 302


def enable(client, code):
    assert client.post(f"/admin/langues/{code}/activation", data={"enabled": "1"}).status_code == 302


def go_live(client, data, code="dhv") -> Catalogue:
    """Upload, publish and enable: the language is offered with ``data`` as its catalogue."""
    upload(client, code, data)
    catalogue = latest(code)
    publish(client, catalogue)
    enable(client, code)
    return catalogue


def language_row(code) -> Language:
    from pcn_pwa.extensions import db

    db.session.expire_all()
    return db.session.get(Language, code)


def text(response) -> str:
    return response.get_data(as_text=True)


def visible(response) -> str:
    """The page without its per-session CSRF tokens."""
    return re.sub(r'(name="csrf[_-]token"[^>]*value|name="csrf-token" content)="[^"]*"', "", text(response))


# Who may ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("role,allowed", [("admin", True), ("coordinator", True), ("manager", False),
                                          ("advisor", False), ("partner", False)])
def test_languages_are_run_by_admins_and_the_coordinator(client, signed_in, role, allowed):
    signed_in(role)
    assert client.get("/admin/langues").status_code == (200 if allowed else 403)
    assert client.get("/admin/langues/modele.pot").status_code == (200 if allowed else 403)
    assert ('href="/admin/langues"' in text(client.get("/"))) == allowed


# The list and new languages ---------------------------------------------------------------------

def test_known_languages_are_listed_accents_ignored_and_hidden_until_translated(client, admin):
    page = text(client.get("/admin/langues"))
    french_names = re.findall(r"<td>([^<]+)</td>\s*<td><code>", page)
    assert "drehu" in french_names and "wallisien" in french_names and "paicî" in french_names
    # "nêlêmwa" sorts among the n, before "nengone": not after every plain letter as ê would.
    assert french_names.index("nêlêmwa-nixumwak") < french_names.index("nengone") < french_names.index("numèè")
    switcher = text(client.get("/"))
    assert 'value="en"' in switcher and 'value="dhv"' not in switcher


def test_an_admin_adds_any_iso_639_code(client, admin):
    response = client.post("/admin/langues", data={"code": " Cam ", "native_name": "Cèmuhî",
                                                   "french_name": "cèmuhî"})
    assert response.headers["Location"] == "/admin/langues/cam"
    added = language_row("cam")
    assert (added.native_name, added.enabled) == ("Cèmuhî", False)
    assert "Cèmuhî" in text(client.get("/admin/langues/cam"))


@pytest.mark.parametrize("form,message", [
    ({"code": "drehu", "native_name": "Drehu", "french_name": "drehu"}, "Deux ou trois lettres minuscules"),
    ({"code": "d1", "native_name": "X", "french_name": "x"}, "Deux ou trois lettres minuscules"),
    ({"code": "dhv", "native_name": "Drehu", "french_name": "drehu"}, "Cette langue existe déjà."),
    ({"code": "tpi", "native_name": "", "french_name": "tok pisin"}, "Ce champ est requis."),
    # A NUL (PostgreSQL refuses it in any text) or another invisible character, pasted with a name.
    ({"code": "tpi", "native_name": "Tok\x00Pisin", "french_name": "tok pisin"}, "caractère invisible"),
    ({"code": "tpi", "native_name": "Tok Pisin", "french_name": "tok\x1bpisin"}, "caractère invisible"),
])
def test_a_bad_new_language_gets_a_form_error_and_nothing_changes(client, admin, form, message):
    from pcn_pwa.extensions import db

    before = db.session.scalar(sa.select(sa.func.count()).select_from(Language))
    response = client.post("/admin/langues", data=form)
    assert response.status_code == 400
    assert message in text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Language)) == before
    assert language_row("dhv").native_name == "Drehu"


# Downloads ----------------------------------------------------------------------------------------

def test_template_and_current_files_download(client, admin):
    pot = client.get("/admin/langues/modele.pot")
    assert pot.mimetype == "text/x-gettext-translation" and "attachment" in pot.headers["Content-Disposition"]
    msgids = {m.id for m in read_po(io.BytesIO(pot.data)) if m.id}
    assert "Se connecter" in msgids

    english = client.get("/admin/langues/en/messages.po")
    assert 'msgstr "Sign in"' in text(english)

    fresh = read_po(io.BytesIO(client.get("/admin/langues/dhv/messages.po").data))
    assert fresh.locale_identifier == "dhv"
    assert {m.id for m in fresh if m.id} == msgids
    assert not any(m.string if isinstance(m.string, str) else any(m.string) for m in fresh if m.id)


# Upload, report, preview, publish -------------------------------------------------------------

def test_upload_reports_before_anything_changes(client, admin):
    report = upload(client, "dhv", FIRST + b'\nmsgid "Identifiant"\nmsgstr "[test] %(x)s"\n')
    page = text(report)
    stored = latest("dhv")
    assert stored.accepted and stored.uploaded_by_id == admin.id
    template_size = len(catalogues.template())
    assert re.search(r'id="count-translated">3<', page)
    assert re.search(r'id="count-refused">1<', page)
    assert stored.untranslated == template_size - 4  # three translated, one refused
    assert re.search(rf'id="count-untranslated">{stored.untranslated}<', page)
    assert "Variables différentes" in page and "Identifiant" in page
    assert "Publier ce catalogue" in page
    assert language_row("dhv").catalogue_id is None  # nothing is live yet
    history = text(client.get("/admin/langues/dhv"))
    assert "messages.po" in history and "pas publié" in history


def test_preview_shows_pages_in_the_upload_only_to_admins_and_is_never_cached(client, admin, auth, signed_in):
    upload(client, "dhv", FIRST)
    catalogue = latest("dhv")
    preview = client.get(f"/?apercu={catalogue.id}")
    assert '<html lang="dhv">' in text(preview)
    assert f"[test] Accueil {LETTERS}".replace("'", "&#39;") in text(preview)
    assert "pas encore publié" in text(preview)
    assert preview.headers["Cache-Control"] == "no-store"
    auth.logout()
    signed_in("advisor")
    assert "[test] Accueil" not in text(client.get(f"/?apercu={catalogue.id}"))


def test_publish_makes_the_language_live_and_letters_survive(client, admin, make_user, auth):
    upload(client, "dhv", FIRST)
    catalogue = latest("dhv")
    publish(client, catalogue)
    assert language_row("dhv").catalogue_id == catalogue.id
    assert 'value="dhv"' not in text(client.get("/"))  # published, not yet enabled
    enable(client, "dhv")
    assert 'value="dhv"' in text(client.get("/"))

    make_user("advisor", username="wanaxa", locale="dhv")
    auth.logout()
    auth.login("wanaxa")
    home = text(client.get("/"))
    assert f"[test] Accueil {LETTERS}".replace("'", "&#39;") in home and "[test] Sortir" in home
    # Untranslated messages stay in French, the source.
    assert "Nouvel accompagnement" in home
    auth.logout()
    auth.login("admin-all")
    downloaded = client.get("/admin/langues/dhv/messages.po")
    assert LETTERS in text(downloaded)


@pytest.mark.parametrize("plural_forms,expected", [
    ("nplurals=1; plural=0;", {1: "[test] 1 forme unique", 2: "[test] 2 forme unique"}),
    ("nplurals=2; plural=(n > 1);", {0: "[test] 0 singulier", 1: "[test] 1 singulier", 2: "[test] 2 pluriel"}),
])
def test_declared_plural_rule_survives_upload_storage_and_download(app, client, admin, plural_forms, expected):
    forms = ["[test] %(num)s forme unique"] if "nplurals=1" in plural_forms else \
        ["[test] %(num)s singulier", "[test] %(num)s pluriel"]
    upload(client, "dhv", po(plural_forms=plural_forms, entries=[("%(num)s visite", "%(num)s visites", forms)]))
    publish(client, latest("dhv"))
    assert f"Plural-Forms: {plural_forms}" in text(client.get("/admin/langues/dhv/messages.po"))
    with app.test_request_context("/"):
        g.locale = "dhv"
        for count, wanted in expected.items():
            assert ngettext("%(num)s visite", "%(num)s visites", count) == wanted


def test_restore_brings_back_the_previous_version_in_one_click(client, admin, make_user, auth):
    upload(client, "dhv", FIRST)
    first = latest("dhv")
    publish(client, first)
    upload(client, "dhv", SECOND)
    second = latest("dhv")
    publish(client, second)
    enable(client, "dhv")
    make_user("advisor", username="wanaxa", locale="dhv")
    auth.logout()
    auth.login("wanaxa")
    assert "[test] Accueil, deuxième version" in text(client.get("/"))
    auth.logout()
    auth.login("admin-all")
    page = text(client.get("/admin/langues/dhv"))
    assert f"Restaurer la version précédente (n° {first.id})" in page
    client.post("/admin/langues/dhv/restaurer")
    assert language_row("dhv").catalogue_id == first.id
    auth.logout()
    auth.login("wanaxa")
    assert "[test] Accueil ë" in text(client.get("/"))


def test_a_refused_upload_cannot_be_published(client, admin):
    upload(client, "dhv", b"")
    empty = latest("dhv")
    assert not empty.accepted
    response = client.post(f"/admin/langues/dhv/catalogues/{empty.id}/publier", follow_redirects=True)
    assert "ne peut pas être publié" in text(response)
    assert language_row("dhv").catalogue_id is None


def test_french_stays_offered(client, admin):
    client.post("/admin/langues/fr/activation", data={"enabled": "0"})
    assert 'value="fr"' in text(client.get("/"))


def test_missing_file_is_a_form_error(client, admin):
    response = client.post("/admin/langues/dhv/catalogues", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choisissez un fichier .po." in text(response)


# The WTForms catalogue: a real third-party file ---------------------------------------------

def test_a_real_third_party_catalogue_is_reported(client, admin):
    with open(WTFORMS_FRENCH, "rb") as handle:
        theirs = [m for m in read_po(handle) if m.id and m.string and not m.fuzzy]
    page = text(upload(client, "fr", WTFORMS_FRENCH.read_bytes(), "wtforms.po"))
    assert re.search(rf'id="count-unknown">{len(theirs)}<', page)
    assert re.search(r'id="count-translated">0<', page)
    assert re.search(r'id="coverage">0 %<', page)


# Hostile files: each refused or reported, the live catalogue unchanged -------------------------

FATAL = {"binary", "charset_unknown", "charset_wrong", "duplicate_msgid", "empty", "escape_invalid_utf8",
         "header_missing", "language_wrong", "plural_forms_invalid"}
ENTRIES_REFUSED = {"control_character", "markup_attribute_added", "markup_event_attribute", "markup_quote_added",
                   "markup_script_added",
                   "placeholder_changed", "plural_mismatch", "plural_too_many_forms"}
HOSTILE = sorted(p.stem for p in CORPUS.glob("*.po") if p.stem in FATAL | ENTRIES_REFUSED or p.stem.startswith("syntax_"))


def test_the_corpus_has_at_least_twenty_hostile_files():
    assert len(HOSTILE) >= 20


@pytest.fixture
def live_dhv(client, admin, make_user, auth):
    """dhv live with FIRST, and a user reading it: returns a function giving their home page."""
    go_live(client, FIRST)
    make_user("advisor", username="wanaxa", locale="dhv")

    def home_as_reader():
        auth.logout()
        auth.login("wanaxa")
        page = visible(client.get("/"))
        auth.logout()
        auth.login("admin-all")
        return page

    return home_as_reader


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_file_is_refused_or_reported_and_the_live_catalogue_stays(client, live_dhv, name):
    live = language_row("dhv").catalogue_id
    before = live_dhv()
    page = text(upload(client, "dhv", (CORPUS / f"{name}.po").read_bytes(), f"{name}.po"))
    stored = latest("dhv")
    if name in FATAL or name.startswith("syntax_"):
        assert not stored.accepted and stored.errors
        assert "Fichier refusé : rien n’a changé." in page
        assert "Publier ce catalogue" not in page
        line = stored.errors[0][0]
        if line:
            assert f"Ligne {line} :" in page
    else:
        # Entries of the real template are refused one by one; hostile entries the template does
        # not have are counted as unknown and ignored.
        assert stored.accepted and (stored.refused or stored.unknown)
        assert re.search(rf'id="count-refused">{len(stored.refused)}<', page)
        assert re.search(rf'id="count-unknown">{stored.unknown}<', page)
        for _line, _msgid, reason in stored.refused:
            assert str(escape(reason)) in page
    assert language_row("dhv").catalogue_id == live
    assert live_dhv() == before


def test_a_file_over_one_megabyte_is_refused_and_recorded(client, live_dhv):
    live = language_row("dhv").catalogue_id
    huge = FIRST + b"#" + b" commentaire" * 100_000 + b"\n"
    page = text(upload(client, "dhv", huge, "huge.po"))
    assert "trop gros" in page
    assert not latest("dhv").accepted and latest("dhv").filename == "huge.po"
    assert language_row("dhv").catalogue_id == live


# Every worker sees a publish at its next request ----------------------------------------------

def test_two_app_instances_sharing_the_database(app, client, admin, make_user, tmp_path):
    make_user("advisor", username="wanaxa", locale="dhv")
    other = make_app(tmp_path)  # a second worker: its own catalogue cache, the same database
    other_client = other.test_client()
    # Each request of the other app gets its own app context, as in a real worker.
    other_client.post("/login", data={"username": "wanaxa", "password": "correct horse battery"})
    assert "[test] Accueil" not in text(other_client.get("/"))
    go_live(client, FIRST)
    page = text(other_client.get("/"))
    assert '<html lang="dhv">' in page and "[test] Accueil ë" in page
    upload(client, "dhv", SECOND)
    publish(client, latest("dhv"))
    assert "[test] Accueil, deuxième version" in text(other_client.get("/"))
    with other.app_context():
        from pcn_pwa.extensions import db

        db.session.remove()
        db.engine.dispose()


def test_the_check_for_new_catalogues_is_one_cheap_query(app, client, signed_in):
    """Once loaded, a request reads only the generation row, never the languages again."""
    from pcn_pwa.extensions import db

    signed_in("advisor", locale="en")
    client.get("/")
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        client.get("/")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)
    touching = [s for s in statements if "FROM catalogue" in s or "FROM language" in s]
    assert len(touching) == 1 and "catalogue_generation" in touching[0]


# Languages without CLDR data ---------------------------------------------------------------------

def test_pages_in_a_code_without_cldr_data_use_fr_nc_dates(client, admin, make_user, auth):
    go_live(client, FIRST)
    make_user("coordinator", username="teacinyi", locale="dhv")
    auth.logout()
    auth.login("teacinyi")
    page = text(client.get("/admin/langues/dhv"))
    assert '<html lang="dhv">' in page
    # fr_NC: day/month/year, 24-hour clock, on Nouméa's time.
    from pcn_pwa.i18n import to_local

    published = to_local(language_row("dhv").catalogue.published_at)
    assert published.strftime("%d/%m/%Y %H:%M") in page


def test_user_model_is_untouched_by_language_admin(client, admin):
    """Disabling a language someone uses keeps their choice; they see French meanwhile."""
    from pcn_pwa.extensions import db

    go_live(client, FIRST)
    client.post("/compte", data={"locale": "dhv"})
    client.post("/admin/langues/dhv/activation", data={"enabled": "0"})
    db.session.expire_all()
    assert db.session.get(User, admin.id).locale == "dhv"
    assert '<html lang="fr">' in text(client.get("/"))


def test_offered_languages_sort_without_regard_to_accents(client, admin):
    for code, native in (("ane", "Xârâcùù"), ("iai", "Îaai")):
        client.post("/admin/langues", data={"code": code, "native_name": native, "french_name": native.lower()})
        go_live(client, po(language=code, entries=[("Accueil", f"[test] {native}")]), code)
    page = text(client.get("/"))
    switcher = re.findall(r'name="locale" value="([a-z]+)"', page)
    # French first (the source), then by name: Îaai among the I, not after Xârâcùù.
    assert switcher == ["fr", "en", "iai", "ane"]


def test_the_browser_language_selects_an_uploaded_catalogue(client, admin, auth):
    go_live(client, FIRST)
    auth.logout()
    page = text(client.get("/login", headers={"Accept-Language": "dhv, fr;q=0.8"}))
    assert '<html lang="dhv">' in page


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_buttons_without_a_valid_token_change_nothing_and_say_so(client, make_user):
    make_user("admin")
    token = re.search(r'name="csrf-token" content="([^"]+)"', text(client.get("/login")))[1]
    client.post("/login", data={"username": "admin-all", "password": "correct horse battery", "csrf_token": token})
    assert client.get("/admin/langues/dhv").status_code == 200
    response = client.post("/admin/langues/dhv/activation", data={"enabled": "1", "csrf_token": "forged"},
                           follow_redirects=True)
    assert response.status_code == 400
    assert "Le formulaire a expiré. Rechargez la page et réessayez" in text(response)
    assert language_row("dhv").enabled is False


def test_an_unknown_toggle_value_is_refused(client, admin):
    response = client.post("/admin/langues/dhv/activation", data={"enabled": "peut-être"}, follow_redirects=True)
    assert "Choix inconnu : peut-être." in text(response)
    assert language_row("dhv").enabled is False
