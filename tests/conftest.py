"""Fixtures in the flaskr style: ``app`` (fresh database per test), ``client``, ``runner``, ``auth``."""

import fcntl
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g, request_started
from jinja2 import BytecodeCache
from sqlalchemy.engine import make_url
from werkzeug.security import generate_password_hash

from pcn_pwa import create_app
from pcn_pwa.extensions import db as _db
from pcn_pwa.models import User
from pcn_pwa.seed import seed_reference

from .dbutil import create_database, drop_database, drop_worker_databases, is_postgres, suite_database_url

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
# Test users' passwords take one round of PBKDF2. scrypt, right for real accounts (see
# test_cli_and_seed), cost 0.35 s a hash and again at every sign-in: half the suite's time.
# Signing in runs the same code either way (werkzeug reads the method from the stored hash).
TEST_HASH_METHOD = "pbkdf2:sha256:1"


def cheap_password_hash(password: str = PASSWORD) -> str:
    """What a test user's ``password_hash`` is set to."""
    return generate_password_hash(password, TEST_HASH_METHOD)


# A directory of this run's own, shared by its xdist workers (they inherit the variable).
RUN_DIRECTORY = "PCN_TEST_RUN_DIRECTORY"


def pytest_configure(config):
    """Compile the shipped catalogues once, as ``make`` does (the .mo files are not committed):
    in the process that runs the tests, or the one that starts the xdist workers, never in
    each worker (they would write the same files while others read them)."""
    if hasattr(config, "workerinput"):
        return
    os.environ[RUN_DIRECTORY] = tempfile.mkdtemp(prefix="pcn-run-")
    done = subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "compile", "-d", str(ROOT / "translations"), "--use-fuzzy"],
        check=False,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise pytest.UsageError(f"the shipped catalogues do not compile:\n{done.stdout}\n{done.stderr}")


def pytest_sessionfinish(session):
    drop_worker_databases()


def pytest_unconfigure(config):
    """The run's shared database and directory go, once every worker is done with them."""
    if hasattr(config, "workerinput") or RUN_DIRECTORY not in os.environ:
        return
    run = Path(os.environ.pop(RUN_DIRECTORY))
    prepared = run / "prepared.url"
    if prepared.exists():
        drop_database(prepared.read_text())
    shutil.rmtree(run, ignore_errors=True)


class _CompiledTemplates(BytecodeCache):
    """Templates compiled once for the whole run, not once per test's app (parsing them again
    for each of some 700 apps was a sixth of the suite). Keyed by Jinja on each template's name
    and source, so an edited template is compiled again."""

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket):
        self._code[bucket.key] = bucket.bytecode_to_string()


_COMPILED_TEMPLATES = _CompiledTemplates()


def make_app(tmp_path, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": suite_database_url(str(tmp_path)),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URL": "memory://",
    }
    config.update(overrides)
    app = create_app(config)
    app.jinja_env.bytecode_cache = _COMPILED_TEMPLATES
    return app


@pytest.fixture
def app_config():
    """Per-test overrides of the app's settings (override this fixture in a module)."""
    return {}


def _fresh_request_globals(sender, **extra):
    """Each request in production gets a new app context and so a new ``g``. Tests hold one
    context open (to use the database directly), so give each test request a clean ``g``:
    otherwise the signed-in user and the locale would be cached from the previous request."""
    for name in list(g):
        g.pop(name)


@pytest.fixture(scope="session")
def prepared_database():
    """A database migrated and seeded with the demo data by the admin's commands, once for the
    whole run (the first worker to need it makes it, the others wait), never served: each server
    a test starts (a browser test's, gunicorn's, nginx's) runs on a copy of it. Preparing one took
    about 6 s of CPU, once per worker before. The demo accounts' passwords are then hashed as test
    users' are: scrypt cost 0.35 s of the server's CPU at every sign-in of a browser test."""
    from .browser.conftest import DEMO_PASSWORD, LiveServer

    run = Path(os.environ[RUN_DIRECTORY])
    made = run / "prepared.url"
    with open(run / "prepared.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not made.exists():
            tmp = run / "prepared"
            tmp.mkdir()
            url = create_database(suite_database_url(str(tmp)), str(tmp))
            LiveServer(url, tmp).prepare()
            engine = sa.create_engine(url)
            with engine.begin() as connection:
                connection.execute(sa.update(User).values(password_hash=cheap_password_hash(DEMO_PASSWORD)))
            engine.dispose()
            made.write_text(url)
    return made.read_text()


@pytest.fixture(scope="session")
def reference_database(tmp_path_factory):
    """On SQLite, the models' schema with the reference data, built once: each test's database
    starts as a copy of it (building it again took a third of a test's time). None on PostgreSQL,
    where each test builds its schema in the suite's database."""
    tmp = tmp_path_factory.mktemp("reference")
    url = suite_database_url(str(tmp))
    if is_postgres(url):
        return None
    app = make_app(tmp)
    with app.app_context():
        _db.create_all()
        seed_reference()
        _db.session.remove()
        _db.engine.dispose()
    return make_url(url).database


@pytest.fixture
def app(tmp_path, app_config, reference_database):
    if reference_database:
        with closing(sqlite3.connect(reference_database)) as source, \
                closing(sqlite3.connect(make_url(suite_database_url(str(tmp_path))).database)) as copy:
            source.backup(copy)
    app = make_app(tmp_path, **app_config)
    request_started.connect(_fresh_request_globals, app)
    with app.app_context():
        if not reference_database:
            _db.drop_all()
            _db.create_all()
            seed_reference()
        yield app
        _db.session.remove()
        if not reference_database:
            _db.drop_all()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Create a user: ``make_user("advisor", agency="TADINE")``."""

    def make(role, username=None, agency=None, partner=None, password=PASSWORD, active=True, locale=None):
        if role in ("advisor", "manager") and agency is None:
            agency = "TADINE"
        if role == "partner" and partner is None:
            partner = "CAFAT"
        user = User(
            username=username or f"{role}-{agency or partner or 'all'}".lower(),
            display_name=f"{role.title()} de test",
            role=role,
            agency_code=agency,
            partner_code=partner,
            active=active,
            locale=locale,
        )
        user.password_hash = cheap_password_hash(password)
        _db.session.add(user)
        _db.session.commit()
        return user

    return make


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, username, password=PASSWORD, **kwargs):
        return self._client.post("/login", data={"username": username, "password": password}, **kwargs)

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def signed_in(make_user, auth):
    """Sign a new user of ``role`` in on the test client and return them."""

    def sign_in(role, **kwargs):
        user = make_user(role, **kwargs)
        response = auth.login(user.username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return sign_in


def pytest_collection_modifyitems(config, items):
    """Mark real-browser tests so they can be selected or left out (``-m "not browser"``)."""
    for item in items:
        if "tests/browser" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
