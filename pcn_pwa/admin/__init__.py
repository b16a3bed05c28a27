"""Administration: accounts now; agencies, catalogues and translations as they come."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import erasure, routes  # noqa: E402,F401
