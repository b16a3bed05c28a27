"""Sign-ins kept on the server, so that signing out, or an admin, can end one for good.

The session cookie holds a random token; the database keeps its SHA-256 only (a copy of the
table signs no one in). Each request finds its sign-in with one indexed lookup, joined to the
user; an ended sign-in, or a deactivated user, is not found, and the request is anonymous (401
under /api/, the sign-in page elsewhere). "Last seen" is written at most once a minute per
sign-in, not at every request: pushes and pulls are the hot path.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, g, has_request_context, request
from flask_login import login_user

from ..extensions import SQLITE_BUSY_TIMEOUT_MS, db
from ..i18n import _
from ..models import SignIn, User, utcnow

TOUCH_EVERY = timedelta(minutes=1)
# Tokens are 43 characters; anything much longer is not one of ours (and not worth hashing).
MAX_TOKEN_LENGTH = 100
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(user: User) -> SignIn:
    """Sign ``user`` in on this browser: a new sign-in, its token in the session cookie.
    The caller commits."""
    token = secrets.token_urlsafe(32)
    agent = CONTROL_CHARS.sub("", request.user_agent.string or "")[:300] or None
    sign_in = SignIn(user=user, token_hash=token_hash(token), user_agent=agent)
    db.session.add(sign_in)
    user.sign_in_token = token
    login_user(user)
    g.sign_in = sign_in
    return sign_in


# Built once: every request runs it, and building it again took about a tenth of a pull's CPU.
OPEN_SIGN_IN = (sa.select(SignIn, User).join(User, SignIn.user_id == User.id)
                .where(SignIn.token_hash == sa.bindparam("token_hash"), SignIn.ended_at.is_(None)))


def load(token: str) -> User | None:
    """The user of the sign-in this token names, if it is still open and the user active."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    row = db.session.execute(OPEN_SIGN_IN, {"token_hash": token_hash(token)}).first()
    if row is None or not row.User.active:
        return None
    sign_in, user = row
    user.sign_in_token = token
    g.sign_in = sign_in
    _touch(sign_in)
    return user


# How long a reading request's touch waits for a lock before giving up (it is tried again at
# the next request): a busy writer must not slow pages down, nor fail them.
TOUCH_LOCK_WAIT_MS = 100


def _touch(sign_in: SignIn) -> None:
    """Move "last seen" on, once a minute at most. A request that writes does it in its own
    transaction (on SQLite it already holds the write lock, which another connection would wait
    for); one that reads, on a connection of its own, committed at once, waiting for no lock:
    "last seen" is worth no failed or slow page."""
    now = utcnow()
    if now - sign_in.last_seen_at < TOUCH_EVERY:
        return
    moved = (sa.update(SignIn).where(SignIn.id == sign_in.id, SignIn.last_seen_at < now - TOUCH_EVERY)
             .values(last_seen_at=now).execution_options(synchronize_session=False))
    if has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS"):
        db.session.execute(moved)
        return
    try:
        with db.engine.connect() as connection:
            # On SQLite, straight to the driver: a statement through SQLAlchemy would begin the
            # transaction before the wait is set.
            sqlite = connection.connection.dbapi_connection if connection.dialect.name == "sqlite" else None
            if sqlite:
                sqlite.execute(f"PRAGMA busy_timeout={TOUCH_LOCK_WAIT_MS}")
            try:
                with connection.begin():
                    if not sqlite:
                        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {TOUCH_LOCK_WAIT_MS}")
                    connection.execute(moved)
            finally:
                if sqlite:  # the pool's connections keep the app's own wait (__init__.py)
                    sqlite.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    except sa.exc.OperationalError:
        current_app.logger.info("sign-in %s: last seen not moved (a lock was held)", sign_in.id)


def current() -> SignIn | None:
    """This request's sign-in (None when nobody is signed in)."""
    return g.get("sign_in")


def end(sign_in: SignIn) -> None:
    """End one sign-in; its cookie is refused from its next request. The caller commits."""
    if sign_in.ended_at is None:
        sign_in.ended_at = utcnow()


def end_all(user: User, keep: SignIn | None = None) -> int:
    """End every open sign-in of ``user`` (but ``keep``); how many were open. The caller commits."""
    query = sa.update(SignIn).where(SignIn.user_id == user.id, SignIn.ended_at.is_(None))
    if keep is not None:
        query = query.where(SignIn.id != keep.id)
    ended = db.session.execute(query.values(ended_at=utcnow()).execution_options(synchronize_session=False))
    return ended.rowcount


def open_sign_ins(user: User) -> list[SignIn]:
    """The user's sign-ins that may still be used: not ended, and seen within a session's
    lifetime (an older cookie has expired anyway), most recently seen first."""
    since = utcnow() - current_app.permanent_session_lifetime - TOUCH_EVERY
    return db.session.scalars(
        sa.select(SignIn).where(SignIn.user_id == user.id, SignIn.ended_at.is_(None), SignIn.last_seen_at >= since)
        .order_by(SignIn.last_seen_at.desc(), SignIn.id.desc())
    ).all()


# The user agent in words: (marker in the string, name), first match wins.
BROWSERS = [("Edg", "Edge"), ("SamsungBrowser", "Samsung Internet"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
            ("FxiOS", "Firefox"), ("CriOS", "Chrome"), ("Chrome/", "Chrome"), ("Chromium/", "Chromium"),
            ("Safari/", "Safari")]
SYSTEMS = [("iPad", "iPadOS"), ("iPhone", "iOS"), ("Android", "Android"), ("CrOS", "ChromeOS"),
           ("Windows", "Windows"), ("Macintosh", "macOS"), ("Linux", "Linux")]


def describe(user_agent: str | None) -> str:
    """"Chrome sur Android", say: what a person recognises of their device, from its user agent."""
    agent = user_agent or ""
    browser = next((name for marker, name in BROWSERS if marker in agent), None)
    system = next((name for marker, name in SYSTEMS if marker in agent), None)
    if browser and system:
        return _("%(browser)s sur %(system)s", browser=browser, system=system)
    return browser or system or _("Navigateur inconnu")
