"""The printable evaluation report (Rapport): the figures of one scope on A4 paper.

The same scope, reach and figures as the dashboard, drawn with the same pieces; the browser
makes the PDF from its print stylesheet. Nothing in it needs a script.
"""

from __future__ import annotations

from datetime import datetime

from flask import render_template, request
from flask_login import current_user

from ..auth.guard import login_required
from ..navigation import ALL_ROLES
from . import dashboard_bp
from .dashboard import figures_view, page_link, page_scope


@dashboard_bp.get("/tableau-de-bord/rapport")
@login_required(*ALL_ROLES)
def report():
    """The report of the period and filters in the URL, within the user's reach."""
    scope, _period, error = page_scope(request.args, current_user)
    dashboard = page_link("dashboard.index", request.args)
    if error:
        return render_template("dashboard/report.html", error=error.message, dashboard=dashboard), error.status
    view = figures_view(scope)
    return render_template("dashboard/report.html", **view, error=None, dashboard=dashboard,
                           generated=datetime.fromisoformat(view["answer"]["generated_at"]))
