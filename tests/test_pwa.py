"""The installable app's server side: manifest, service worker and its asset list, offline and sync pages."""

import json
import re

from pcn_pwa.pwa.assets import static_assets


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


def test_every_page_links_the_manifest_and_loads_the_app_script(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert '<script type="module" src="/static/js/app.js">' in page


def test_service_worker_is_served_at_the_root_and_never_cached(client):
    with client.get("/sw.js") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"
        assert response.headers["Cache-Control"] == "no-cache"
        assert b"importScripts('/sw-assets.js')" in response.data


def test_asset_list_names_every_static_file_and_the_shell(client):
    response = client.get("/sw-assets.js")
    assert response.headers["Cache-Control"] == "no-cache"
    assets = json.loads(re.fullmatch(r"self\.PCN_ASSETS = (.*);\n", response.get_data(as_text=True))[1])
    assert {"/static/css/app.css", "/static/js/app.js", "/static/js/record-form.js",
            "/static/icons/icon-192.png"} <= set(assets["files"])
    assert "/static/sw.js" not in assets["files"]
    assert {"/accompagnements/nouveau", "/accompagnements/", "/synchronisation", "/hors-ligne"} <= set(
        assets["pages"])
    for url in assets["files"]:
        with client.get(url) as static:
            assert static.status_code == 200, url


def test_asset_version_changes_when_a_file_changes(tmp_path):
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "app.css").write_text("body {}")
    (tmp_path / "sw.js").write_text("// the worker itself is not in its own list")
    first, files = static_assets(str(tmp_path))
    assert files == ("/static/css/app.css",)
    static_assets.cache_clear()
    (tmp_path / "css" / "app.css").write_text("body { color: red }")
    second, _ = static_assets(str(tmp_path))
    static_assets.cache_clear()
    assert first != second


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


def test_page_strings_for_scripts_are_translated(client, signed_in):
    signed_in("advisor", locale="en")
    page = client.get("/").get_data(as_text=True)
    strings = json.loads(re.search(r'<script type="application/json" id="pcn-strings">(.*?)</script>', page)[1])
    assert strings["saved_on_device"] == "Saved on the tablet."
    assert strings["waiting"] == "%(num)s waiting"
