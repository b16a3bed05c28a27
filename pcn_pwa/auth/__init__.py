"""Sign-in, sign-out, and the one guard that protects pages and the JSON API alike."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import routes  # noqa: E402,F401  (routes attach themselves to bp)
