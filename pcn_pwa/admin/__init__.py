"""Administration: accounts, agencies, reference lists, languages and their catalogues, the audit trail."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import erasure, reference_lists, routes  # noqa: E402,F401
