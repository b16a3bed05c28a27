"""The pilot's figures: /api/v1/stats and the downloads, and the dashboard that shows them.

Every number means what the figures contract says: records in scope by their local date in
Nouméa, per agency, partner, public and level of autonomy. This package reads records and
never writes them.
"""

from flask import Blueprint

bp = Blueprint("figures", __name__, url_prefix="/api/v1")
dashboard_bp = Blueprint("dashboard", __name__)

from . import dashboard, report, routes  # noqa: E402,F401
