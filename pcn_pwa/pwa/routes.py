"""Manifest, service worker, offline page, sync page."""

import json

from flask import Response, current_app, render_template, send_from_directory, url_for
from flask_login import current_user

from ..auth.guard import login_required
from ..i18n import _, get_locale
from . import bp
from .assets import OFFLINE_PAGE, SHELL_PAGES, static_assets


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


@bp.get("/sw-assets.js")
def service_worker_assets():
    """The list the service worker precaches, with its version (imported by sw.js)."""
    version, files = static_assets(current_app.static_folder)
    assets = {"version": version, "files": list(files), "pages": SHELL_PAGES, "offline": OFFLINE_PAGE}
    body = f"self.PCN_ASSETS = {json.dumps(assets)};\n"
    response = Response(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
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
