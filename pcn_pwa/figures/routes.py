"""GET /api/v1/stats: the figures of a scope, for every role within its reach."""

from datetime import timezone

from flask import jsonify, request
from flask_login import current_user

from ..errors import api_error
from ..models import utcnow
from . import bp
from .counting import figures
from .scope import ScopeError, read_scope
from .small_cells import hide_small_cells


@bp.get("/stats")
def stats():
    """Totals, breakdowns, series and autonomy progress of the records in scope."""
    try:
        scope = read_scope(request.args, current_user)
    except ScopeError as error:
        return api_error(error.status, "bad_request" if error.status == 400 else "forbidden", error.message)
    answer = figures(scope)
    if scope.hide_small_cells:
        hide_small_cells(answer)
    answer["generated_at"] = utcnow().astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    return jsonify(answer)
