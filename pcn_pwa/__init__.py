"""pcn_pwa: the points conseil numérique of New Caledonia, as an offline-first web app."""

import os

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import load_config
from .extensions import SQLITE_BUSY_TIMEOUT_MS, csrf, db, login_manager, migrate


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app. The schema is migrated by ``flask db upgrade``, never here."""
    app = Flask(__name__, instance_relative_config=True)
    # Pages leave without the template's own line breaks and indentation around its tags: the
    # browser never shows them, and a first visit on a slow link pays for every byte.
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(load_config(app.instance_path, test_config))

    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    csrf.init_app(app)
    _init_login(app)
    from .auth.guard import protect_request

    app.before_request(protect_request)

    from . import audit, compression, errors, i18n, labels, navigation, security  # noqa: F401 (audit: its guards)
    from .auth import throttle
    from .pwa import static_build

    i18n.init_app(app)
    navigation.init_app(app)
    labels.init_app(app)
    errors.init_app(app)
    from .pwa.routes import SessionInterface

    app.session_interface = SessionInterface()
    build = static_build.init_app(app)
    security.init_app(app, script_sources=(build.import_map_csp_source,))
    compression.init_app(app)
    throttle.init_app(app)

    from .admin import bp as admin_bp
    from .auth import bp as auth_bp
    from .figures import bp as figures_bp
    from .figures import dashboard_bp
    from .main import bp as main_bp
    from .pwa import bp as pwa_bp
    from .records import bp as records_bp
    from .sync import bp as api_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(figures_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(records_bp)
    app.register_blueprint(pwa_bp)

    from .cli import register_commands

    register_commands(app)
    return app


def _init_login(app: Flask) -> None:
    from .auth import sign_ins
    from .auth.guard import deny_anonymous

    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    # The session names a sign-in kept on the server, so that signing out ends it for good.
    login_manager.user_loader(sign_ins.load)

    login_manager.unauthorized_handler(deny_anonymous)


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: write-ahead log (readers don't block the writer), enforced foreign keys, a page
    cache of up to 32 MB instead of 2 MB (random UUID keys touch pages all over the indexes; see
    docs/PERFORMANCE.md), and transactions begun by us (``_sqlite_begin``), not by the driver."""
    if _is_sqlite(dbapi_connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA cache_size=-32000")
        cursor.execute("PRAGMA mmap_size=268435456")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    """SQLite has one writer at a time. A request that may write (any method but GET/HEAD)
    takes the write lock when its first transaction begins, so it waits its turn instead of
    failing halfway when another worker wrote in between; reads never take it. A command that
    writes asks for it with the execution option ``pcn_write`` (privacy.apply_retention)."""
    if connection.dialect.name != "sqlite":
        return
    from flask import has_request_context, request

    writing = connection.get_execution_options().get("pcn_write") or (
        has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS"))
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")
