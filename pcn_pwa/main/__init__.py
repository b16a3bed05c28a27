"""The home page, the language switch, the user's own account, the service worker's URL."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from . import routes  # noqa: E402,F401
