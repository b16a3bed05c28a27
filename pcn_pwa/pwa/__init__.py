"""The installable, offline-first app: manifest, service worker, offline page, sync page."""

from flask import Blueprint

bp = Blueprint("pwa", __name__)

from . import routes  # noqa: E402,F401
