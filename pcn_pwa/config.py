"""Settings read from the environment, so one build runs on a laptop and in production."""

import os
import warnings
from datetime import timedelta

DEFAULT_SECRET_KEY = "dev-only-not-secret"


def normalise_database_url(url: str) -> str:
    """Accept the URLs hosting platforms hand out and pin the driver we ship (psycopg 3)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the app's settings: environment first, then test overrides."""
    overrides = overrides or {}
    default_db = "sqlite:///" + os.path.join(instance_path, "pcn.sqlite3")
    config = {
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            os.environ.get("DATABASE_URL", default_db)
        ),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # The advisor's tablet stays signed in for a month: agencies share few devices
        # and advisors must not lose time signing in at every visit.
        "PERMANENT_SESSION_LIFETIME": timedelta(days=30),
        # The cookie is sent again only when the session changes (sign-in, a message shown…),
        # which renews the month. Sent on every answer, the service worker's background page
        # fetches raced the page's own answers and could put back an older cookie (a message
        # lost, or the user signed out again).
        "SESSION_REFRESH_EACH_REQUEST": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE"),
        "SESSION_COOKIE_NAME": "pcn_session",
        # CSRF is checked by auth.guard.protect_request, after sign-in on the API.
        "WTF_CSRF_CHECK_DEFAULT": False,
        # A form left open on a tablet for a morning must still post.
        "WTF_CSRF_TIME_LIMIT": int(os.environ.get("WTF_CSRF_TIME_LIMIT", 8 * 3600)),
        # Failed sign-ins: "memory://" for one process, "redis://host:6379/0" across workers.
        "RATELIMIT_STORAGE_URL": os.environ.get("RATELIMIT_STORAGE_URL", "memory://"),
        # Sign-in tries (auth/throttle.py): a username from one address, then waits; an address
        # across usernames; a username from addresses where it never signed in, then one try per
        # LOGIN_BACKOFF_PER_USER.
        "LOGIN_LIMIT_PER_USER_ADDRESS": os.environ.get("LOGIN_LIMIT_PER_USER_ADDRESS", "5/15minute"),
        "LOGIN_LIMIT_PER_ADDRESS": os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "20/15minute"),
        "LOGIN_LIMIT_PER_USER": os.environ.get("LOGIN_LIMIT_PER_USER", "10/15minute"),
        "LOGIN_BACKOFF_PER_USER": os.environ.get("LOGIN_BACKOFF_PER_USER", "1/minute"),
        # Number of reverse proxies in front of gunicorn whose X-Forwarded-* we trust.
        "PROXY_COUNT": int(os.environ.get("PROXY_COUNT", "0")),
        # A push: at most this many records and bytes (counted before and after gzip).
        "SYNC_MAX_RECORDS": 500,
        "SYNC_MAX_BYTES": 2 * 1024 * 1024,
        # A worker folds the figures' journal into the tallies at most this often (seconds,
        # accompaniments/tally.py): under load one fold then takes many pushes' changes.
        "FIGURES_FOLD_INTERVAL": float(os.environ.get("FIGURES_FOLD_INTERVAL", "1")),
        # Data protection (privacy.py): records lose their notes and follow-up card this many
        # months after their date (``flask retention apply``); who people write to about their
        # data (the privacy page; empty: the programme's coordination, in the page's words).
        "RETENTION_MONTHS": int(os.environ.get("RETENTION_MONTHS", "24")),
        "PRIVACY_CONTACT": os.environ.get("PRIVACY_CONTACT", "").strip(),
        "DISPLAY_TIMEZONE": "Pacific/Noumea",
        "DEFAULT_LOCALE": "fr",
        "FORMAT_FALLBACK_LOCALE": "fr_NC",
        "TRANSLATIONS_DIR": os.environ.get(
            "TRANSLATIONS_DIR",
            os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "translations"),
        ),
        # Where the hashed, compressed static files are built at start-up (pwa/static_build.py);
        # by default <instance>/static. A cache: deleting it only costs a rebuild.
        "STATIC_BUILD_DIR": os.environ.get("STATIC_BUILD_DIR"),
        "TESTING": False,
    }
    config.update(overrides)
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(config["SQLALCHEMY_DATABASE_URI"])
    if config["RETENTION_MONTHS"] < 1:
        raise ValueError("RETENTION_MONTHS must be a whole number of months, 1 or more")
    if config["SECRET_KEY"] == DEFAULT_SECRET_KEY and not config["TESTING"]:
        warnings.warn(
            "SECRET_KEY is not set: sessions are signed with a public development key. "
            "Set SECRET_KEY in the environment before serving anyone.",
            RuntimeWarning,
            stacklevel=2,
        )
    return config
