"""Manifest, service worker, scripts' strings, offline page, sync page."""

import json

from flask import (Response, abort, current_app, g, get_flashed_messages, jsonify, render_template, request,
                   send_from_directory, url_for)
from flask_login import current_user

from ..auth.guard import login_required
from ..i18n import _, available_locales, get_locale
from ..i18n.catalogues import strings_digest
from . import bp
from .assets import OFFLINE_PAGE, RECORDS_PAGE, SHELL_PAGES, static_assets
from .strings import js_strings, js_strings_url

bp.add_app_template_global(js_strings_url)


@bp.app_template_global()
def app_version() -> str:
    """The version of the app's static files: what a device runs, said in its pushes."""
    return static_assets(current_app.static_folder)[0]


# Sent by the service worker when it fetches the offline shell in the background.
SHELL_FETCH_HEADER = "X-PCN-Shell"


@bp.app_template_global()
def page_messages():
    """The user's pending messages (flash) for this page. None in the pages the service worker
    fetches for the offline shell: they stay for the page the user is opening. A page that shows
    one is not cached (see below): the message must not come back offline days later."""
    if request.headers.get(SHELL_FETCH_HEADER):
        return []
    messages = get_flashed_messages(with_categories=True)
    if messages:
        g.messages_shown = True
    return messages


@bp.after_app_request
def keep_out_of_caches(response):
    """``no-store`` (never kept, by the service worker or anyone) for what must not come back:
    a page showing a message, and anything shown in an unpublished catalogue (a preview)."""
    if g.get("messages_shown") or g.get("preview_catalogue") is not None:
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.after_app_request
def say_the_language(response):
    """Pages name their language, so the service worker keeps one offline copy per language."""
    if response.mimetype == "text/html" and "locale" in g:
        response.headers.setdefault("Content-Language", g.locale)
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    """What the tablet needs to install the app on its home screen."""
    icons = [
        {"src": url_for("static", filename=f"icons/icon-{size}.png"), "sizes": f"{size}x{size}",
         "type": "image/png", "purpose": "any"} for size in (192, 512)
    ] + [
        {"src": url_for("static", filename=f"icons/icon-maskable-{size}.png"), "sizes": f"{size}x{size}",
         "type": "image/png", "purpose": "maskable"} for size in (192, 512)
    ]
    body = {
        "name": _("Point conseil numérique"),
        "short_name": "PCN",
        "description": _("Enregistrer les accompagnements, même sans réseau."),
        "lang": get_locale(),
        "start_url": "/?source=pwa",
        "scope": "/",
        "id": "/",
        "display": "standalone",
        "orientation": "any",
        "background_color": "#f2f5f7",
        "theme_color": "#00557f",
        "icons": icons,
    }
    response = Response(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/sw.js")
def service_worker():
    """The service worker, served from the root so its scope is the whole app."""
    response = send_from_directory(current_app.static_folder, "sw.js", mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/sw-sync.js")
def service_worker_sync():
    """The outbox and sync client, as one classic script for the worker (imported by sw.js)."""
    from .worker_bundle import worker_bundle

    script, _version = worker_bundle(current_app.static_folder)
    response = Response(script, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/sw-assets.js")
def service_worker_assets():
    """The list the service worker precaches, with its version (imported by sw.js)."""
    version, files = static_assets(current_app.static_folder)
    assets = {"version": version, "files": list(files), "pages": SHELL_PAGES, "offline": OFFLINE_PAGE,
              "records": RECORDS_PAGE}
    body = f"self.PCN_ASSETS = {json.dumps(assets)};\n"
    response = Response(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/langues/<code>/textes.json")
def script_strings(code):
    """The page scripts' strings in ``code`` (not in the asker's language); kept for good by
    browsers when asked at the current version, since any change makes a new version."""
    # get_locale() first: when an admin previews an upload of ``code`` (?apercu=N), it sets the
    # preview's catalogue (and the answer becomes no-store, like the previewed page).
    if get_locale() != code:
        if code not in available_locales():
            abort(404)
        g.pop("preview_translations", None)
        g.locale = code
    strings = js_strings()
    version = strings_digest(strings)
    response = jsonify(language=code, version=version, strings=strings)
    current = request.args.get("v") == version
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable" if current else "no-cache"
    return response


@bp.get("/hors-ligne")
def offline():
    """Shown when a page is neither reachable nor cached."""
    return render_template("pwa/offline.html")


@bp.get("/synchronisation")
@login_required
def sync_status():
    """What waits on this tablet, what was sent, and the device's storage."""
    return render_template("pwa/sync.html", can_write=current_user.role in ("advisor", "manager", "admin"))
