"""Manifest, service worker, scripts' strings, offline page, sync page."""

import hashlib
import json
import os
from functools import lru_cache

from flask import (Response, abort, current_app, g, get_flashed_messages, jsonify, render_template, request,
                   send_from_directory, url_for)
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user

from ..auth.guard import login_required
from ..i18n import _, available_locales, get_locale
from ..i18n.catalogues import strings_digest
from ..navigation import may_open
from . import bp
from .assets import OFFLINE_PAGE, RECORDS_PAGE, SHELL_PAGES
from .static_build import blank_comments, current_build
from .strings import js_strings, js_strings_url

bp.add_app_template_global(js_strings_url)


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, but an answer the same for everyone (``g.same_for_all``)
    neither says it varies with the cookie nor sets one: the scripts' strings, read on the
    sign-in page, must be found again in the HTTP cache once signed in (a new cookie), and the
    only change such a request makes (Flask-Login marking an anonymous session not fresh) was
    a cookie of some 330 bytes on a slow link, racing the sign-in's own."""

    def save_session(self, app, session, response):
        if not g.get("same_for_all"):
            super().save_session(app, session, response)
        else:
            kept = [name for name in response.vary if name.lower() != "cookie"]
            response.headers.pop("Vary", None)
            if kept:
                response.headers["Vary"] = ", ".join(kept)


@bp.app_template_global()
def app_version() -> str:
    """The version of the app's static files: what a device runs, said in its pushes."""
    return current_build().version


# Sent by the service worker when it fetches the offline shell in the background.
SHELL_FETCH_HEADER = "X-PCN-Shell"


@bp.app_template_global()
def shell_pages() -> str:
    """The offline shell pages the signed-in user may open, for the service worker to keep:
    it never asks for one the user's role would be refused (meta ``pcn-shell``). '' when they
    may open them all, as advisors may: the worker then keeps them all, and the advisor's pages
    carry no list on their slow link."""
    adapter = current_app.url_map.bind("")
    allowed = [path for path in SHELL_PAGES if may_open(adapter.match(path)[0])]
    return "" if allowed == SHELL_PAGES else " ".join(allowed)


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


# Where sw.js takes what the server writes in: the list to precache and the sync modules.
WORKER_SLOT = "/* assets */"


@lru_cache(maxsize=4)
def _worker_script(static_folder: str, version: str) -> tuple[str, str]:
    """``(script, etag)`` of the service worker for the build ``version``: made once per process,
    as the build itself is, not at every update check of every device."""
    build = current_build()
    assets = {"version": build.version, "files": build.precache, "pages": SHELL_PAGES, "offline": OFFLINE_PAGE,
              "records": RECORDS_PAGE}
    with open(os.path.join(static_folder, "sw.js"), encoding="utf-8") as handle:
        source = handle.read()
    written = (f"self.PCN_ASSETS = {json.dumps(assets)};\n"
               f"importScripts({json.dumps(build.worker_sync_url)});")
    if WORKER_SLOT not in source:
        raise RuntimeError(f"static/sw.js lost its line {WORKER_SLOT}")
    body = blank_comments(source.replace(WORKER_SLOT, written, 1))
    return body, hashlib.sha256(body.encode()).hexdigest()[:16]


@bp.get("/sw.js")
def service_worker():
    """The service worker, served from the root so its scope is the whole app. One script with
    its precache list written in, so that the browser's update check is one request (a 304 when
    nothing changed); the sync modules it imports have a hashed name, kept by the browser."""
    body, etag = _worker_script(current_app.static_folder, current_build().version)
    response = Response(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.set_etag(etag)
    g.compress_best = True
    return response.make_conditional(request)


@bp.get("/favicon.ico")
def favicon():
    """The app's icon where a browser or a tool asks the old address whatever the page says
    (pages name the SVG icon): a PNG, which every browser takes there, kept a week."""
    return send_from_directory(os.path.join(current_app.static_folder, "icons"), "icon-192.png",
                               mimetype="image/png", max_age=7 * 24 * 3600)


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
        g.pop("translations_kept", None)
        g.locale = code
    strings = js_strings()
    version = strings_digest(strings)
    response = jsonify(language=code, version=version, strings=strings)
    current = request.args.get("v") == version
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable" if current else "no-cache"
    # A preview is no-store anyway; otherwise the answer depends on the URL alone.
    g.same_for_all = current and g.get("preview_catalogue") is None
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
