"""API endpoints."""

from datetime import timezone

from flask import jsonify
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
