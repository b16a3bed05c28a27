"""One guard for pages and API: pages go to the sign-in form, ``/api/`` gets JSON 401/403."""

from functools import wraps

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from ..errors import api_error, wants_json_response
from ..i18n import _


def deny_anonymous():
    """The answer to a request that needs a signed-in user."""
    if wants_json_response():
        return api_error(401, "auth_required", _("Connectez-vous pour continuer."))
    flash(_("Connectez-vous pour accéder à cette page."), "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def deny_forbidden():
    """The answer to a signed-in user whose role may not do this."""
    if wants_json_response():
        return api_error(403, "forbidden", _("Votre rôle ne permet pas cette action."))
    abort(403)


# What a user signed in with a one-time password may open before choosing their own.
WHILE_CHOOSING_PASSWORD = {"main.change_password", "auth.login", "auth.logout", "main.switch_language", "main.health",
                           "main.privacy", "pwa.script_strings", "pwa.manifest", "pwa.service_worker", "pwa.offline", "static"}


def ask_for_own_password():
    """The answer to anything else: the page to choose it, or a JSON 403 under /api/ (a tablet's
    waiting records stay on it until then)."""
    if wants_json_response():
        return api_error(403, "password_change_required",
                         _("Choisissez votre mot de passe (page « Mon compte ») avant de continuer."))
    return redirect(url_for("main.change_password"))


def login_required(*roles: str):
    """Require a signed-in, active user, and one of ``roles`` when any are given.

    Usable bare (``@login_required``) or with roles (``@login_required("manager", "admin")``).
    """
    if len(roles) == 1 and callable(roles[0]):
        return login_required()(roles[0])

    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return deny_anonymous()
            if roles and current_user.role not in roles:
                return deny_forbidden()
            return view(*args, **kwargs)

        guarded.allowed_roles = roles
        return guarded

    return decorator


def public_api(view):
    """Mark an /api/ view that answers without sign-in (the OpenAPI document, say)."""
    view.public_api = True
    return view


def protect_request():
    """Run before every request: sign-in then CSRF under /api/, CSRF alone on pages.

    The contract wants an anonymous push to get 401, not a CSRF error, so for the API the
    sign-in check comes first. Flask-WTF's automatic check is off (WTF_CSRF_CHECK_DEFAULT)
    because it would run before this.
    """
    from flask import current_app

    from ..extensions import csrf

    if request.routing_exception is not None:
        return None  # let the 404 or 405 through
    view = current_app.view_functions.get(request.endpoint)
    if request.path.startswith("/api/") and not getattr(view, "public_api", False):
        if not current_user.is_authenticated:
            return deny_anonymous()
    if request.endpoint not in WHILE_CHOOSING_PASSWORD and current_user.is_authenticated \
            and current_user.must_change_password:
        return ask_for_own_password()
    if current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect()  # checks only state-changing methods (WTF_CSRF_METHODS)
    return None
