"""The JSON API under /api/v1 that tablets sync through (see shared/docs/sync-contract.md)."""

from flask import Blueprint, request
from flask_login import current_user

from ..auth.guard import deny_anonymous
from ..extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# The API checks sign-in before the CSRF token (an anonymous push must get 401, not 400),
# so it is exempt from the app-wide check and runs the same check itself, second.
csrf.exempt(bp)

PUBLIC_ENDPOINTS = set()


@bp.before_request
def require_sign_in_then_csrf():
    """401 for anyone not signed in, then the CSRF header on every state-changing call."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return deny_anonymous()
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    return None


from . import routes  # noqa: E402,F401
