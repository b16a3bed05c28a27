"""Sign-in limits under attack: counted atomically, per user *and* address, with a slower
per-user backoff that an attacker elsewhere cannot turn against the advisor's own tablet.

Answers tell what happened: 401 is a password checked and wrong, 429 a try refused before any
check, 302 a sign-in.
"""

import os
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from pcn_pwa.extensions import db
from pcn_pwa.models import User

from .conftest import PASSWORD, cheap_password_hash, make_app

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_available() -> bool:
    try:
        import redis

        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:
        return False


def sign_in(app, username, password, address):
    return app.test_client().post("/login", data={"username": username, "password": password},
                                  environ_base={"REMOTE_ADDR": address}).status_code


def in_parallel(workers, attempts):
    """``attempts`` are (username, password, address), all sent at once from threads, spread over
    the ``workers``; their answers in order."""
    with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        return list(pool.map(lambda n: sign_in(workers[n % len(workers)], *attempts[n]), range(len(attempts))))


@pytest.fixture(params=["memory", "redis"])
def stores(request, tmp_path, app):
    """Each test runs on memory:// and on Redis (two app instances sharing it)."""
    if request.param == "memory":
        return [app, app]
    if not _redis_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    config = {"RATELIMIT_STORAGE_URL": REDIS_URL, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}
    pair = [make_app(tmp_path, **config), make_app(tmp_path, **config)]

    def cleanup():  # Redis keeps the counts (other runs may share it): usernames and addresses are new
        for worker in pair:
            with worker.app_context():
                db.engine.dispose()

    request.addfinalizer(cleanup)
    return pair


@pytest.fixture
def advisor(app):
    """A new advisor's username (new in Redis too, which outlives each test's database)."""
    user = User(username=f"conseiller.{uuid.uuid4().hex[:8]}", display_name="Conseiller de test", role="advisor",
                agency_code="BOURAIL")
    user.password_hash = cheap_password_hash()
    db.session.add(user)
    db.session.commit()
    return user.username


def new_addresses(count):
    """Addresses no other test (nor another run sharing Redis) has used."""
    base = uuid.uuid4().int
    return [f"10.{base % 250}.{(base >> 8) % 250}.{n}" if count < 250 else f"fd00::{base % 65535:x}:{n:x}"
            for n in range(count)]


def test_forty_parallel_wrong_passwords_get_at_most_five_checked(stores, advisor):
    [address] = new_addresses(1)
    answers = in_parallel(stores, [(advisor, f"wrong-{n}", address) for n in range(40)])
    assert sorted(set(answers)) == [401, 429]
    assert answers.count(401) <= 5
    # The right password from there now waits too, for the window's 15 minutes.
    response = stores[0].test_client().post("/login", data={"username": advisor, "password": PASSWORD},
                                            environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 429
    assert "Réessayez dans 15 minutes." in response.get_data(as_text=True)


def test_a_lockout_from_one_address_does_not_stop_another(stores, advisor):
    attacker, tablet = new_addresses(2)
    assert [sign_in(stores[n % 2], advisor, "wrong", attacker) for n in range(6)] == [401] * 5 + [429]
    assert sign_in(stores[1], advisor, PASSWORD, tablet) == 302
    assert sign_in(stores[0], advisor, PASSWORD, attacker) == 429


def test_a_distributed_attack_is_slowed_down_but_not_the_advisors_tablet(stores, advisor):
    """Ten fast tries for the username from new addresses, then one a minute (LOGIN_BACKOFF_PER_USER)."""
    tablet, *elsewhere = new_addresses(61)
    assert sign_in(stores[0], advisor, PASSWORD, tablet) == 302  # the tablet signed in once: known
    answers = in_parallel(stores, [(advisor, f"wrong-{n}", address) for n, address in enumerate(elsewhere[:40])])
    # Ten tries from addresses the username was not known at (the tablet's first sign-in was one),
    # then one in the minute.
    assert answers.count(401) == 10 and answers.count(429) == 30
    response = stores[1].test_client().post("/login", data={"username": advisor, "password": PASSWORD},
                                            environ_base={"REMOTE_ADDR": elsewhere[40]})
    assert response.status_code == 429  # even the right password, from a new address, waits
    assert "Réessayez dans 1 minute." in response.get_data(as_text=True)
    # Twenty more addresses change nothing; the tablet, where the advisor signed in before, is not slowed.
    assert {sign_in(stores[n % 2], advisor, "wrong", address) for n, address in enumerate(elsewhere[41:])} == {429}
    assert sign_in(stores[1], advisor, PASSWORD, tablet) == 302
