"""Settings from the environment."""


import pytest
import sqlalchemy as sa

from pcn_pwa import create_app
from pcn_pwa.config import normalise_database_url
from pcn_pwa.extensions import db


@pytest.mark.parametrize(
    "given,expected",
    [
        ("postgres://u:p@db:5432/pcn", "postgresql+psycopg://u:p@db:5432/pcn"),
        ("postgresql://u@db/pcn", "postgresql+psycopg://u@db/pcn"),
        ("postgresql+psycopg://u@db/pcn", "postgresql+psycopg://u@db/pcn"),
        ("sqlite:////var/pcn.sqlite3", "sqlite:////var/pcn.sqlite3"),
    ],
)
def test_database_urls_are_normalised(given, expected):
    assert normalise_database_url(given) == expected


def test_database_url_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://someone@dbhost/pcn")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    app = create_app({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://someone@dbhost/pcn"
    assert app.config["SECRET_KEY"] == "from-env"


def test_default_database_is_sqlite_under_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"TESTING": True})
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    assert uri.startswith("sqlite:///") and uri.endswith("instance/pcn.sqlite3")


def test_default_secret_key_warns_loudly_outside_tests(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.warns(RuntimeWarning, match="SECRET_KEY is not set"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_no_warning_with_a_real_key(monkeypatch, recwarn):
    monkeypatch.setenv("SECRET_KEY", "a real secret")
    create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert not [w for w in recwarn if "SECRET_KEY" in str(w.message)]


def test_sqlite_runs_with_wal_and_foreign_keys(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/wal.sqlite3"})
    with app.app_context():
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        db.engine.dispose()


def test_foreign_keys_are_enforced(app):
    """An advisor cannot be attached to an agency that does not exist (SQLite too)."""
    from pcn_pwa.models import User

    user = User(username="x", display_name="X", role="advisor", agency_code="NOWHERE", password_hash="h")
    db.session.add(user)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_role_rules_hold_in_the_database(app):
    """A manager without an agency is refused by the database itself, not only by the CLI."""
    from pcn_pwa.models import User

    db.session.add(User(username="m", display_name="M", role="manager", password_hash="h"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
