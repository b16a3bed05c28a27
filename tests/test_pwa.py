"""The installable app's server side: manifest, service worker and its asset list, offline and sync pages."""

import base64
import gzip
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import brotli
import pytest

from pcn_pwa.extensions import db
from pcn_pwa.i18n import catalogues
from pcn_pwa.models import Language
from pcn_pwa.pwa.static_build import blank_comments, build_static
from pcn_pwa.pwa.worker_bundle import WORKER_MODULES, BundleError, _rewrite

ACCEPTED_DHV = (Path(__file__).parent / "po_corpus" / "accepted_dhv.po").read_bytes()


def test_manifest_makes_the_app_installable(client, signed_in):
    signed_in("advisor", locale="en")
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.data)
    assert manifest["display"] == "standalone"
    assert manifest["start_url"].startswith("/") and manifest["scope"] == "/"
    assert manifest["lang"] == "en" and manifest["name"] == "Digital advice point"
    assert {(i["sizes"], i["purpose"]) for i in manifest["icons"]} == {
        ("192x192", "any"), ("512x512", "any"), ("192x192", "maskable"), ("512x512", "maskable")}
    for icon in manifest["icons"]:
        with client.get(icon["src"]) as image:
            assert image.status_code == 200 and image.mimetype == "image/png"


def worker_assets(client) -> dict:
    """The precache list and version written into /sw.js."""
    body = client.get("/sw.js").get_data(as_text=True)
    return json.loads(re.search(r"^self\.PCN_ASSETS = (.*);$", body, re.M)[1])


def test_every_page_links_the_manifest_and_loads_the_app_script_by_its_hashed_name(client, app):
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert re.search(r'<script type="module" src="/static/js/app\.[0-9a-f]{10}\.js">', page)
    assert re.search(r'<link rel="stylesheet" href="/static/css/app\.[0-9a-f]{10}\.css">', page)


def test_the_import_map_sends_imported_modules_to_their_hashed_names_and_is_allowed_by_the_csp(client):
    with client.get("/login") as response:
        page = response.get_data(as_text=True)
        csp = response.headers["Content-Security-Policy"]
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", page, re.S)
    assert [attributes for attributes, _ in inline] == [' type="importmap"']
    imports = json.loads(inline[0][1])["imports"]
    assert re.fullmatch(r"/static/js/outbox\.[0-9a-f]{10}\.js", imports["/static/js/outbox.js"])
    assert "/static/js/record-form.js" not in imports  # an entry script, named by its hashed src
    digest = base64.b64encode(hashlib.sha256(inline[0][1].encode()).digest()).decode()
    assert f"script-src 'self' 'sha256-{digest}'" in csp and "unsafe-inline" not in csp
    for plain, hashed in imports.items():
        with client.get(hashed) as module, client.get(plain) as original:
            assert module.status_code == 200 and module.data == original.data, plain


def test_hashed_files_are_kept_a_year_and_plain_names_are_revalidated(client):
    hashed = worker_assets(client)["files"][0]
    with client.get(hashed) as response:
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "ETag" not in response.headers and response.headers["X-Content-Type-Options"] == "nosniff"
    with client.get("/static/css/app.css") as response:
        assert response.headers["Cache-Control"] == "max-age=0, public" and "ETag" in response.headers


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_static_files_come_precompressed(client, encoding):
    hashed = next(url for url in worker_assets(client)["files"] if url.endswith(".js"))
    with client.get(hashed, headers={"Accept-Encoding": encoding}) as packed, client.get(hashed) as plain:
        assert packed.headers["Content-Encoding"] == encoding and packed.headers["Vary"] == "Accept-Encoding"
        data = brotli.decompress(packed.data) if encoding == "br" else gzip.decompress(packed.data)
        assert data == plain.data and len(packed.data) < len(plain.data) / 2


def test_served_scripts_lose_whole_line_comments_only_and_keep_their_line_numbers():
    source = "// a comment\nconst a = `\n// kept: in a template\n`;\n/* a block\n * on lines\n */\nlet b = 1; // kept\n"
    served = blank_comments(source)
    assert served == "\nconst a = `\n// kept: in a template\n`;\n\n\n\nlet b = 1; // kept\n"


def test_service_worker_is_served_at_the_root_never_cached_and_revalidated_by_its_etag(client):
    with client.get("/sw.js") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"
        assert response.headers["Cache-Control"] == "no-cache"
        etag = response.headers["ETag"]
    with client.get("/sw.js", headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304 and not again.data


def test_the_worker_gets_the_pages_sync_modules_as_one_script_that_runs(client, tmp_path):
    """Background Sync pushes from the worker with the pages' own outbox and sync client."""
    with client.get("/sw.js") as worker:
        imported = re.search(r"^importScripts\(\"(/static/sw-sync\.[0-9a-f]{10}\.js)\"\);$",
                             worker.get_data(as_text=True), re.M)
    assert imported, "sw.js imports the sync modules by their hashed name"
    with client.get(imported[1]) as response:
        assert response.status_code == 200 and response.mimetype == "text/javascript"
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        bundle = response.data
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("node is missing: the worker's script cannot be run")
        pytest.skip("node is not installed: the worker's script was not run")
    script = tmp_path / "sw-sync.js"
    script.write_bytes(bundle)
    # Run as a worker would: a classic script whose only global is ``self``.
    done = subprocess.run([node, "-e", f"globalThis.self = globalThis; require({json.dumps(str(script))});"
                           "console.log(JSON.stringify(Object.keys(self.PCNSync).sort()))"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert {"Outbox", "SyncClient", "deviceId"} <= set(json.loads(done.stdout))


@pytest.mark.parametrize("line", ["export default class Outbox {}", "import Store from './idb.js';",
                                  "export {Store};", "import {Store} from './rules.js';",
                                  "import {Store as Shelf} from './idb.js';"])
def test_module_syntax_the_worker_bundle_cannot_rewrite_is_refused(line):
    with pytest.raises(BundleError):
        _rewrite("js/outbox.js", f"// a module\n{line}\n", known={"js/idb.js"})


def test_asset_list_names_the_hashed_scripts_styles_and_the_shell(client):
    assets = worker_assets(client)
    plain = {re.sub(r"\.[0-9a-f]{10}(\.\w+)$", r"\1", url) for url in assets["files"]}
    assert {"/static/css/app.css", "/static/js/app.js", "/static/js/record-form.js",
            "/static/icons/icon.svg"} <= plain
    assert not {"/static/icons/icon-192.png", "/static/sw.js", "/static/js/print.js"} & plain
    assert all(re.search(r"\.[0-9a-f]{10}\.\w+$", url) for url in assets["files"])
    assert {"/accompagnements/nouveau", "/synchronisation", "/hors-ligne"} <= set(assets["pages"])
    for url in assets["files"]:
        with client.get(url) as static:
            assert static.status_code == 200, url


def test_asset_version_and_names_change_exactly_with_the_content(tmp_path):
    (tmp_path / "static" / "css").mkdir(parents=True)
    (tmp_path / "static" / "js").mkdir()
    for name in WORKER_MODULES:
        shutil.copy(Path(__file__).parents[1] / "pcn_pwa" / "static" / name, tmp_path / "static" / name)
    (tmp_path / "static" / "css" / "app.css").write_text("/* first */\nbody {}")
    (tmp_path / "static" / "sw.js").write_text("// the worker itself is not in its own list")
    first = build_static(str(tmp_path / "static"), str(tmp_path / "build"))
    assert "/static/sw.js" not in first.precache and first.url("css/app.css") in first.precache
    build_static.cache_clear()  # built once per process: a deployment restarts the workers
    (tmp_path / "static" / "css" / "app.css").write_text("/* a comment changed */\nbody {}")
    assert build_static(str(tmp_path / "static"), str(tmp_path / "build")).version == first.version
    build_static.cache_clear()
    (tmp_path / "static" / "css" / "app.css").write_text("body { color: red }")
    second = build_static(str(tmp_path / "static"), str(tmp_path / "build"))
    assert second.version != first.version and second.url("css/app.css") != first.url("css/app.css")
    assert second.url("js/idb.js") == first.url("js/idb.js")
    assert os.path.isfile(os.path.join(second.folder, second.names["css/app.css"]))
    # Past the three newest, a build untouched for a day goes at the next start.
    older = [tmp_path / "build" / name for name in ("a", "b", "c")]
    for folder in older:
        folder.mkdir()
    os.utime(first.folder, (0, 0))
    build_static.cache_clear()
    assert build_static(str(tmp_path / "static"), str(tmp_path / "build")).folder == second.folder
    assert not os.path.exists(first.folder) and all(folder.is_dir() for folder in older)
    build_static.cache_clear()


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_pages_and_json_are_compressed_for_clients_that_accept_it(client, encoding):
    with client.get("/hors-ligne", headers={"Accept-Encoding": encoding}) as page:
        assert page.headers["Content-Encoding"] == encoding and "Accept-Encoding" in page.headers["Vary"]
        text = brotli.decompress(page.data) if encoding == "br" else gzip.decompress(page.data)
        assert b"</html>" in text
    with client.get("/hors-ligne") as plain:
        assert "Content-Encoding" not in plain.headers and b"</html>" in plain.data
    with client.get("/api/v1/openapi.json", headers={"Accept-Encoding": encoding}) as spec:
        assert spec.headers["Content-Encoding"] == encoding


def test_offline_page_needs_no_sign_in(client):
    response = client.get("/hors-ligne")
    assert response.status_code == 200
    assert "Pas de réseau pour le moment" in response.get_data(as_text=True)


def test_sync_page_and_status_bar_for_writers_only(client, signed_in, auth):
    signed_in("advisor")
    page = client.get("/synchronisation").get_data(as_text=True)
    assert 'id="outbox-list"' in page and 'id="sync-status"' in page
    assert '<meta name="pcn-user" content="advisor-tadine">' in page
    auth.logout()
    signed_in("partner")
    assert 'id="sync-status"' not in client.get("/").get_data(as_text=True)


# The scripts' strings: versioned JSON, in the language asked for ----------------------------

IMMUTABLE = "public, max-age=31536000, immutable"


def strings_url(page: str) -> str:
    return html.unescape(re.search(r'<meta name="pcn-strings" content="([^"]+)">', page)[1])


def test_scripts_strings_come_in_the_language_asked_for_not_the_readers(client, signed_in):
    signed_in("advisor")  # reads in French
    body = client.get("/langues/en/textes.json").get_json()
    assert body["language"] == "en"
    assert body["strings"]["saved_on_device"] == "Saved on the tablet."
    assert body["strings"]["waiting"] == "%(num)s waiting"
    assert body["version"] == catalogues.strings_digest(body["strings"])
    french = client.get("/langues/fr/textes.json").get_json()
    assert french["strings"]["saved_on_device"] == "Enregistré sur la tablette."
    assert french["version"] != body["version"]
    assert set(french["strings"]) == set(body["strings"])


def test_scripts_strings_are_kept_for_good_only_at_the_current_version(client):
    version = client.get("/langues/en/textes.json").get_json()["version"]
    assert client.get(f"/langues/en/textes.json?v={version}").headers["Cache-Control"] == IMMUTABLE
    for stale in ("", "?v=0123456789ab"):
        response = client.get(f"/langues/en/textes.json{stale}")
        assert response.headers["Cache-Control"] == "no-cache"
        assert response.get_json()["version"] == version  # the current strings all the same


@pytest.mark.parametrize("code", ["xx", "dhv", "../fr"])
def test_scripts_strings_of_a_language_not_offered_are_not_found(client, code):
    assert client.get(f"/langues/{code}/textes.json").status_code == 404


def test_pages_name_their_language_and_the_current_strings_without_inline_json(client, signed_in):
    login = client.get("/login")
    assert login.headers["Content-Language"] == "fr"
    assert strings_url(login.get_data(as_text=True)).startswith("/langues/fr/textes.json?v=")
    signed_in("advisor", locale="en")
    response = client.get("/accompagnements/nouveau")
    page = response.get_data(as_text=True)
    assert response.headers["Content-Language"] == "en"
    assert 'id="pcn-strings"' not in page
    strings = client.get(strings_url(page))
    assert strings.headers["Cache-Control"] == IMMUTABLE
    assert strings.get_json()["strings"]["saved_on_device"] == "Saved on the tablet."
    assert "Content-Language" not in strings.headers  # pages only


def test_publishing_a_catalogue_changes_the_version_exactly_when_the_scripts_strings_change(client, signed_in):
    user = signed_in("advisor", locale="dhv")
    french = strings_url(client.get("/").get_data(as_text=True))
    assert french.startswith("/langues/fr/")  # Drehu is not offered yet

    def publish(extra: str = "") -> str:
        """Upload and publish a Drehu catalogue; the URL the pages then name."""
        language = db.session.get(Language, "dhv")
        catalogue = catalogues.record_upload(language, "dhv.po", ACCEPTED_DHV + extra.encode(), user)
        db.session.flush()
        catalogues.publish(catalogue, user)
        language.enabled = True
        db.session.commit()
        return strings_url(client.get("/").get_data(as_text=True))

    # Nothing of the scripts is translated: the strings, and so their version, are the French ones.
    untranslated = publish()
    assert untranslated.startswith("/langues/dhv/") and untranslated.split("v=")[1] == french.split("v=")[1]
    translated = publish('\nmsgid "Enregistré sur la tablette."\nmsgstr "[test] Enregistré ë"\n')
    assert translated.split("v=")[1] != untranslated.split("v=")[1]
    response = client.get(translated)
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert response.get_json()["strings"]["saved_on_device"] == "[test] Enregistré ë"
    assert client.get(untranslated).headers["Cache-Control"] == "no-cache"
    # A publish that changes only the pages' strings leaves the scripts' version alone.
    same = publish('\nmsgid "Enregistré sur la tablette."\nmsgstr "[test] Enregistré ë"\n'
                   '\nmsgid "Se déconnecter"\nmsgstr "[test] Se déconnecter"\n')
    assert same == translated
    assert "[test] Se déconnecter" in client.get("/").get_data(as_text=True)


def test_a_preview_names_its_own_strings_which_are_never_stored(client, signed_in):
    admin = signed_in("admin")
    language = db.session.get(Language, "dhv")
    catalogue = catalogues.record_upload(
        language, "dhv.po", ACCEPTED_DHV + '\nmsgid "En ligne"\nmsgstr "[test] En ligne"\n'.encode(), admin)
    db.session.commit()
    page = client.get(f"/?apercu={catalogue.id}")
    assert page.headers["Cache-Control"] == "no-store"
    url = strings_url(page.get_data(as_text=True))
    assert url.startswith("/langues/dhv/textes.json?") and f"apercu={catalogue.id}" in url
    response = client.get(url)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_json()["strings"]["online"] == "[test] En ligne"
    assert client.get("/langues/dhv/textes.json").status_code == 404  # still not offered


def test_shell_fetches_leave_the_users_messages_for_their_page(client, signed_in):
    """The worker fetching the offline shell must neither take a message nor cache one."""
    signed_in("advisor")
    client.post("/compte", data={"locale": "fr"})  # "Préférence de langue enregistrée."
    shell = client.get("/", headers={"X-PCN-Shell": "1"})
    assert "Préférence de langue enregistrée." not in shell.get_data(as_text=True)
    assert shell.headers.get("Cache-Control") != "no-store"
    page = client.get("/compte")
    assert "Préférence de langue enregistrée." in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert "Préférence de langue enregistrée." not in client.get("/compte").get_data(as_text=True)


def test_the_session_cookie_is_sent_only_when_the_session_changes(client, signed_in):
    """Answers racing each other (pages, the worker's fetches) must not put back an older cookie."""
    signed_in("advisor")
    client.get("/")  # the first page stores the form token in the session
    assert "Set-Cookie" not in client.get("/").headers
    assert "Set-Cookie" not in client.get("/accompagnements/nouveau").headers
    assert "Set-Cookie" in client.post("/compte", data={"locale": "en"}).headers


@pytest.mark.parametrize("role", ["advisor", "manager", "partner", "coordinator", "admin"])
def test_the_shell_a_page_names_holds_exactly_the_pages_its_user_may_open(client, signed_in, role):
    """The service worker keeps the pages of the meta pcn-shell: never one the role is refused."""
    from pcn_pwa.pwa.assets import SHELL_PAGES

    signed_in(role)
    page = client.get("/").get_data(as_text=True)
    meta = re.search(r'<meta name="pcn-shell" content="([^"]*)">', page)
    named = meta[1].split() if meta else SHELL_PAGES  # none named: all of them
    opened = [path for path in SHELL_PAGES if client.get(path).status_code == 200]
    assert named == opened
    assert "/" in named and ("/accompagnements/nouveau" in named) == (role in ("advisor", "manager", "admin"))


def test_a_favicon_is_named_by_every_page_and_served_at_the_old_address_too(client):
    page = client.get("/login").get_data(as_text=True)
    named = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)[1]
    with client.get(named) as svg:
        assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    with client.get("/favicon.ico") as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/png"
        assert icon.data.startswith(b"\x89PNG") and "max-age=604800" in icon.headers["Cache-Control"]


def test_the_scripts_strings_set_no_cookie_even_for_a_new_visitor(client):
    """An answer the same for everyone carries no cookie (one was 330 bytes on a slow link)."""
    page = client.get("/login").get_data(as_text=True)
    response = client.get(strings_url(page))
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert "Set-Cookie" not in response.headers and "Cookie" not in response.headers.get("Vary", "")
