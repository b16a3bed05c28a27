"""Errors: JSON for the API (the outbox must never parse an HTML page), a page elsewhere."""

from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db
from .i18n import _


def wants_json_response() -> bool:
    """Anything under /api/ answers JSON; so does a client that prefers JSON to HTML."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def api_error(status: int, error: str, message: str, **extra):
    """A JSON error as the sync contract writes them: ``{"error", "message", …}``."""
    body = {"error": error, "message": message}
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    return response


# Machine-readable names for HTTP errors, as the contract spells them.
ERROR_CODES = {
    400: "bad_request",
    401: "auth_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "too_many_requests",
}


def _message_for(status: int) -> str:
    messages = {
        400: _("La requête est invalide."),
        401: _("Connectez-vous pour continuer."),
        403: _("Vous n’avez pas accès à cette page."),
        404: _("Cette page n’existe pas."),
        405: _("Cette méthode n’est pas permise ici."),
        413: _("La requête est trop volumineuse."),
        429: _("Trop de requêtes. Réessayez dans un moment."),
        500: _("Une erreur est survenue sur le serveur. Rien de ce qui était enregistré n’a été perdu."),
    }
    return messages.get(status, _("Une erreur est survenue."))


def handle_http_error(error: HTTPException):
    """Every HTTP error, as JSON under /api/ and as a page elsewhere."""
    status = error.code or 500
    if wants_json_response():
        extra = {}
        if status == 413:
            from flask import current_app

            extra["limits"] = {"max_records": current_app.config["SYNC_MAX_RECORDS"],
                               "max_bytes": current_app.config["SYNC_MAX_BYTES"]}
        return api_error(status, ERROR_CODES.get(status, "server_error"), _message_for(status), **extra)
    return render_template("errors/error.html", status=status, message=_message_for(status)), status


def handle_csrf_error(error: CSRFError):
    """A missing or stale CSRF token: the contract's ``csrf`` error, or the page again."""
    if wants_json_response():
        return api_error(400, "csrf", _("Le jeton de sécurité a expiré ou manque. Rechargez et réessayez."))
    message = _("Le formulaire a expiré. Rechargez la page et réessayez : rien n’a été enregistré.")
    return render_template("errors/error.html", status=400, message=message), 400


def handle_unexpected_error(error: Exception):
    """Anything uncaught: roll back, log, and answer 500 in the right format."""
    db.session.rollback()
    if isinstance(error, HTTPException):
        return handle_http_error(error)
    from flask import current_app

    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    if wants_json_response():
        return api_error(500, "server_error", _message_for(500))
    return render_template("errors/error.html", status=500, message=_message_for(500)), 500


def init_app(app) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_unexpected_error)
    app.register_error_handler(Exception, handle_unexpected_error)
