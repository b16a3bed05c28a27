"""Sign-in and sign-out pages."""

import math
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user
from flask_wtf.csrf import generate_csrf

from ..extensions import db
from ..i18n import _, ngettext
from ..models import User, utcnow
from . import bp, sign_ins
from .forms import LoginForm


def safe_next(target: str | None) -> str:
    """Only follow ``next`` to a page of this site, never to another host, and never with a
    control character (a line end in the Location header was a 500)."""
    if target and not any(ord(char) < 32 or ord(char) == 127 for char in target):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("main.home")


def _throttled_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Trop de tentatives de connexion. Réessayez dans %(num)s minute.",
        "Trop de tentatives de connexion. Réessayez dans %(num)s minutes.",
        minutes,
    )


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with a username and password; the session then lasts 30 days on the device."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        throttle = current_app.extensions["login_throttle"]
        username = User.normalise_username(form.username.data)
        address = request.remote_addr or "unknown"
        verdict = throttle.attempt(username, address)
        if not verdict.allowed:
            form.form_errors.append(_throttled_message(verdict.retry_after))
            status = 429
        else:
            # No account holds a NUL (PostgreSQL refuses it in any query: it was a 500 there).
            user = None if "\x00" in username else db.session.scalar(
                sa.select(User).where(User.username == username))
            if user is None or not user.check_password(form.password.data) or not user.active:
                form.form_errors.append(_("Identifiant ou mot de passe incorrect."))
                status = 401
            else:
                throttle.succeeded(username, address)
                session.clear()
                session.permanent = True
                sign_ins.start(user)
                # The first page's form token, made now in the sign-in's cookie: that page then
                # sets no cookie, so the service worker finds it in the browser's HTTP cache
                # (Vary: Cookie) instead of downloading it again for the offline shell.
                # (The sign-in form's token, cached for this request, belonged to the cleared session.)
                g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
                generate_csrf()
                user.last_login_at = utcnow()
                db.session.commit()
                return redirect(safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out (a POST with the CSRF token, so no other site can sign an advisor out): the
    sign-in ends on the server too, so a copy of the cookie taken before is refused."""
    sign_out()
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(url_for("auth.login"))


def sign_out() -> None:
    """End this browser's sign-in, on the server and in its cookie."""
    if current_user.is_authenticated and sign_ins.current() is not None:
        sign_ins.end(sign_ins.current())
        db.session.commit()
    logout_user()
    session.clear()
