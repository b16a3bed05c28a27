"""GET /api/v1/stats: the figures of a scope, for every role within its reach."""

from datetime import timezone

from flask import Response, jsonify, request, stream_with_context
from flask_login import current_user

from .. import audit
from ..errors import api_error
from ..i18n import _
from ..models import utcnow
from . import bp, exports
from .counting import figures
from .scope import ScopeError, read_scope
from .small_cells import hide_small_cells


def _scope_or_error():
    """``(scope, None)``, or ``(None, the JSON error)`` for a bad or out-of-reach parameter."""
    try:
        return read_scope(request.args, current_user), None
    except ScopeError as error:
        return None, api_error(error.status, "bad_request" if error.status == 400 else "forbidden", error.message)


def figures_of(scope, **options) -> dict:
    """The figures of ``scope``, small cells hidden where the scope says, with their time."""
    answer = figures(scope, **options)
    if scope.hide_small_cells:
        hide_small_cells(answer)
    answer["generated_at"] = utcnow().astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    return answer


@bp.get("/stats")
def stats():
    """Totals, breakdowns, series and autonomy progress of the records in scope."""
    scope, error = _scope_or_error()
    return error or jsonify(figures_of(scope))


def _download(chunks, scope, name: str, extension: str, mimetype: str) -> Response:
    filename = f"pcn-{name}-{scope.start.isoformat()}-{scope.end.isoformat()}.{extension}"
    audit.record_download(current_user, filename, scope.filters())
    response = Response(stream_with_context(chunks), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/exports/accompaniments.csv", defaults={"extension": "csv"})
@bp.get("/exports/accompaniments.xlsx", defaults={"extension": "xlsx"})
def export_records(extension):
    """One row per record in scope, oldest first (never to partner users: figures only)."""
    scope, error = _scope_or_error()
    if error:
        return error
    if current_user.role == "partner":
        return api_error(403, "forbidden", _("Les partenaires reçoivent les chiffres, pas les accompagnements."))
    if extension == "csv":
        return _download(exports.csv_chunks(scope), scope, "accompagnements", "csv", "text/csv")
    return _download(exports.records_xlsx(scope), scope, "accompagnements", "xlsx", XLSX)


@bp.get("/exports/stats.xlsx")
def export_stats():
    """The figures of /api/v1/stats for the same scope, as a workbook."""
    scope, error = _scope_or_error()
    return error or _download(exports.stats_xlsx(figures_of(scope)), scope, "chiffres", "xlsx", XLSX)
