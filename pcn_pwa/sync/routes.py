"""API endpoints."""

from datetime import timezone

from flask import jsonify, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from ..i18n import get_locale
from ..models import utcnow
from . import bp


def iso_utc(moment) -> str:
    """ISO 8601 in UTC with a ``Z``, as the contract writes server times."""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


@bp.get("/me")
def me():
    """Who is signed in, and a fresh CSRF token for the next push."""
    user = current_user
    return jsonify(
        {
            "user": {
                "username": user.username,
                "display_name": user.display_name,
                "role": user.role,
                "agency": user.agency_code,
                "locale": get_locale(),
            },
            "csrf_token": generate_csrf(),
            "server_time": iso_utc(utcnow()),
        }
    )


@bp.get("/reference")
def reference():
    """Catalogues, choices and rules for the tablets; 304 when the tablet's copy is current."""
    from .reference import versioned_reference

    body, version = versioned_reference()
    etag = f'"{version}"'
    if etag in request.if_none_match or version in request.if_none_match:
        response = jsonify()
        response.status_code = 304
        response.data = b""
    else:
        response = jsonify(body)
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Vary"] = "Cookie, Accept-Language"
    return response
