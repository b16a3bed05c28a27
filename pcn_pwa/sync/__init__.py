"""The JSON API under /api/v1 that tablets sync through (described at /api/v1/openapi.json).

Sign-in and the ``X-CSRFToken`` header are checked for every /api/ call by
``auth.guard.protect_request``, sign-in first, as the contract asks.
"""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import routes  # noqa: E402,F401
