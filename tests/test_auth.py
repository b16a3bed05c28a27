"""Sign-in, sign-out, sessions and the failed sign-in limit."""

import os
import uuid
from datetime import timedelta

import pytest

from pcn_pwa.extensions import db
from pcn_pwa.models import User

from .conftest import PASSWORD, cheap_password_hash, make_app


def test_login_page_renders_in_french(client):
    response = client.get("/login")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Identifiant" in page and "Mot de passe" in page
    assert '<meta name="csrf-token"' in page


def test_login_then_home_shows_the_user(client, auth, make_user):
    make_user("advisor", username="marie", agency="TADINE")
    response = auth.login("marie")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Tadine (Maré)" in page


def test_username_is_case_insensitive(client, auth, make_user):
    make_user("advisor", username="marie")
    assert auth.login("  Marie ").status_code == 302


@pytest.mark.parametrize("username,password", [("marie", "wrong password"), ("nobody", PASSWORD)])
def test_bad_credentials_get_one_clear_message(client, auth, make_user, username, password):
    make_user("advisor", username="marie")
    response = auth.login(username, password)
    assert response.status_code == 401
    assert "Identifiant ou mot de passe incorrect." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_empty_form_gets_field_errors(client):
    response = client.post("/login", data={"username": "", "password": ""})
    assert response.status_code == 400
    assert "Ce champ est requis." in response.get_data(as_text=True)


def test_deactivated_user_cannot_sign_in_and_is_signed_out(client, auth, make_user, runner):
    user = make_user("advisor", username="marie")
    assert auth.login("marie").status_code == 302
    assert client.get("/").status_code == 200
    result = runner.invoke(args=["users", "deactivate", "marie"])
    assert result.exit_code == 0
    # The open session ends at the next request, and signing in again is refused.
    assert client.get("/").status_code == 302
    assert auth.login("marie").status_code == 401
    assert db.session.get(User, user.id).active is False


def test_session_cookie_lasts_thirty_days_and_is_protected(client, auth, make_user):
    make_user("advisor", username="marie")
    response = auth.login("marie")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Expires=" in cookie
    assert client.application.permanent_session_lifetime == timedelta(days=30)


def test_logout_requires_post_and_ends_session(client, auth, make_user):
    make_user("advisor", username="marie")
    auth.login("marie")
    assert client.get("/logout").status_code == 405
    response = auth.logout()
    assert response.status_code == 302
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    "target,expected",
    [("/compte", "/compte"), ("https://evil.example/", "/"), ("//evil.example/", "/"), ("javascript:alert(1)", "/")],
)
def test_next_only_goes_to_this_site(client, auth, make_user, target, expected):
    make_user("advisor", username="marie")
    response = client.post(f"/login?next={target}", data={"username": "marie", "password": PASSWORD})
    assert response.headers["Location"] == expected


class TestRateLimit:
    @pytest.fixture
    def app_config(self):
        return {"LOGIN_LIMIT_PER_USER_ADDRESS": "3/15minute", "LOGIN_LIMIT_PER_ADDRESS": "5/15minute"}

    def test_too_many_failures_for_one_user_block_even_the_right_password_there(self, client, auth, make_user):
        make_user("advisor", username="marie")
        for _ in range(3):
            assert auth.login("marie", "wrong").status_code == 401
        response = auth.login("marie")
        assert response.status_code == 429
        assert "Trop de tentatives de connexion. Réessayez dans 15 minutes." in response.get_data(as_text=True)
        assert client.get("/").status_code == 302

    def test_failures_from_one_address_across_users_block_that_address(self, client, auth, make_user):
        make_user("advisor", username="marie")
        for name in ["a", "b", "c", "d", "e"]:
            auth.login(name, "wrong")
        assert auth.login("marie").status_code == 429
        # Another address is not affected.
        response = client.post(
            "/login", data={"username": "marie", "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.0.0.9"}
        )
        assert response.status_code == 302

    def test_success_clears_the_user_count(self, client, auth, make_user):
        make_user("advisor", username="marie")
        auth.login("marie", "wrong")
        auth.login("marie", "wrong")
        assert auth.login("marie").status_code == 302
        auth.logout()
        auth.login("marie", "wrong")
        auth.login("marie", "wrong")
        assert auth.login("marie").status_code == 302


REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_available() -> bool:
    try:
        import redis

        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:
        return False


@pytest.mark.redis
def test_limit_is_shared_across_workers_through_redis(tmp_path, app):
    """Two app instances (two gunicorn workers, or two servers) see the same failure count."""
    if not _redis_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    config = {
        "RATELIMIT_STORAGE_URL": REDIS_URL,
        "LOGIN_LIMIT_PER_USER_ADDRESS": "2/15minute",
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
    }
    worker_a, worker_b = make_app(tmp_path, **config), make_app(tmp_path, **config)
    username = f"redis-{uuid.uuid4().hex[:8]}"
    user = User(username=username, display_name="R", role="coordinator")
    user.password_hash = cheap_password_hash()
    db.session.add(user)
    db.session.commit()
    try:
        for worker in (worker_a, worker_b):
            response = worker.test_client().post("/login", data={"username": username, "password": "wrong"})
            assert response.status_code == 401
        response = worker_a.test_client().post("/login", data={"username": username, "password": PASSWORD})
        assert response.status_code == 429
    finally:
        worker_a.extensions["login_throttle"].succeeded(username, "127.0.0.1")
        for worker in (worker_a, worker_b):
            with worker.app_context():
                db.engine.dispose()
