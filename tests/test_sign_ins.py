"""Sign-ins kept on the server: signing out ends them for good, a user sees and ends their own,
an admin ends all of someone's, and "last seen" is written at most once a minute."""

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from pcn_pwa.auth.sign_ins import describe
from pcn_pwa.extensions import db
from pcn_pwa.models import Accompaniment, SignIn, utcnow

from .conftest import PASSWORD
from .records_data import record

TABLET = "Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
IPAD = ("Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
        "Mobile/15E148 Safari/604.1")


def sign_in_on(app, username, user_agent=TABLET):
    """A new browser signed in as ``username``."""
    browser = app.test_client()
    response = browser.post("/login", data={"username": username, "password": PASSWORD},
                            headers={"User-Agent": user_agent})
    assert response.status_code == 302, response.get_data(as_text=True)
    return browser


def copy_of(app, browser):
    """Another browser holding a copy of ``browser``'s session cookie, as a thief would."""
    thief = app.test_client()
    thief.set_cookie("pcn_session", browser.get_cookie("pcn_session").value)
    return thief


def push_one(browser):
    return browser.post("/api/v1/sync", json={"records": [{"id": str(uuid.uuid4()), "data": record()}]})


def open_count(user):
    return db.session.scalar(sa.select(sa.func.count()).select_from(SignIn)
                             .where(SignIn.user_id == user.id, SignIn.ended_at.is_(None)))


def test_a_copy_of_the_cookie_is_refused_once_signed_out(app, make_user):
    make_user("advisor", username="marie")
    tablet = sign_in_on(app, "marie")
    thief = copy_of(app, tablet)
    assert thief.get("/api/v1/me").status_code == 200
    tablet.post("/logout")
    me = thief.get("/api/v1/me")
    assert me.status_code == 401 and me.json["error"] == "auth_required" and me.json["message"]
    refused = push_one(thief)
    assert refused.status_code == 401
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Accompaniment)) == 0
    page = thief.get("/accompagnements/nouveau")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login?next=")


def test_the_database_keeps_only_a_hash_of_the_token(app, make_user):
    make_user("advisor", username="marie")
    tablet = sign_in_on(app, "marie")
    stored = db.session.scalars(sa.select(SignIn)).one()
    cookie = tablet.get_cookie("pcn_session").value
    assert len(stored.token_hash) == 64 and stored.token_hash not in cookie
    assert stored.user_agent == TABLET and stored.ended_at is None


def test_a_session_of_the_old_kind_is_not_signed_in(app, make_user):
    """Cookies made before sign-ins were kept named the user (id and a password fingerprint):
    they no longer sign anyone in."""
    user = make_user("advisor", username="marie")
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["_user_id"] = f"{user.id}:{user.password_hash[-12:]}"
        session["_fresh"] = True
    assert browser.get("/api/v1/me").status_code == 401


def test_account_lists_own_devices_and_ends_another(app, make_user):
    marie = make_user("advisor", username="marie")
    make_user("advisor", username="paul")
    tablet = sign_in_on(app, "marie", TABLET)
    ipad = sign_in_on(app, "marie", IPAD)
    sign_in_on(app, "paul")
    page = tablet.get("/compte").get_data(as_text=True)
    assert "Chrome sur Android" in page and "Safari sur iPadOS" in page
    assert page.count("(cet appareil)") == 1
    assert page.count("/terminer") == 2  # Paul's sign-in is not Marie's to see
    ipad_sign_in = db.session.scalar(sa.select(SignIn).where(SignIn.user_agent == IPAD))
    response = tablet.post(f"/compte/connexions/{ipad_sign_in.id}/terminer", follow_redirects=True)
    assert "Connexion terminée" in response.get_data(as_text=True)
    assert ipad.get("/api/v1/me").status_code == 401
    assert tablet.get("/api/v1/me").status_code == 200
    assert open_count(marie) == 1


def test_nobody_ends_someone_elses_sign_in(app, make_user):
    make_user("advisor", username="marie")
    paul = make_user("advisor", username="paul")
    tablet = sign_in_on(app, "marie")
    pauls = sign_in_on(app, "paul")
    pauls_sign_in = db.session.scalar(sa.select(SignIn).where(SignIn.user_id == paul.id))
    assert tablet.post(f"/compte/connexions/{pauls_sign_in.id}/terminer").status_code == 404
    assert tablet.post(f"/compte/connexions/{2 ** 40}/terminer").status_code == 404
    assert pauls.get("/api/v1/me").status_code == 200


def test_ending_this_devices_sign_in_signs_out_here(app, make_user):
    make_user("advisor", username="marie")
    tablet = sign_in_on(app, "marie")
    mine = db.session.scalars(sa.select(SignIn)).one()
    response = tablet.post(f"/compte/connexions/{mine.id}/terminer")
    assert response.headers["Location"] == "/login"
    assert tablet.get("/api/v1/me").status_code == 401
    db.session.expire_all()
    assert db.session.get(SignIn, mine.id).ended_at is not None


def test_an_admin_ends_all_of_a_users_sign_ins(app, make_user):
    marie = make_user("advisor", username="marie")
    make_user("admin", username="root")
    tablet, phone = sign_in_on(app, "marie"), sign_in_on(app, "marie", IPAD)
    admin = sign_in_on(app, "root")
    page = admin.get(f"/admin/utilisateurs/{marie.id}").get_data(as_text=True)
    assert "Chrome sur Android" in page and "Safari sur iPadOS" in page
    response = admin.post(f"/admin/utilisateurs/{marie.id}/connexions/terminer", follow_redirects=True)
    assert "2 connexions terminées." in response.get_data(as_text=True)
    for browser in (tablet, phone):
        assert browser.get("/api/v1/me").status_code == 401
        assert browser.get("/").status_code == 302
    assert admin.get("/api/v1/me").status_code == 200
    # Marie signs in again: a new sign-in, the ended ones stay ended.
    assert sign_in_on(app, "marie").get("/api/v1/me").status_code == 200
    assert open_count(marie) == 1


def test_an_admin_ending_their_own_sign_ins_stays_signed_in_here(app, make_user):
    root = make_user("admin", username="root")
    here, elsewhere = sign_in_on(app, "root"), sign_in_on(app, "root", IPAD)
    here.post(f"/admin/utilisateurs/{root.id}/connexions/terminer")
    assert here.get("/api/v1/me").status_code == 200
    assert elsewhere.get("/api/v1/me").status_code == 401


def test_deactivating_a_user_ends_their_sign_ins(app, make_user, runner):
    marie = make_user("advisor", username="marie")
    tablet = sign_in_on(app, "marie")
    assert runner.invoke(args=["users", "deactivate", "marie"]).exit_code == 0
    assert tablet.get("/api/v1/me").status_code == 401
    assert open_count(marie) == 0


def test_last_seen_is_written_at_most_once_a_minute(app, make_user):
    make_user("advisor", username="marie")
    tablet = sign_in_on(app, "marie")
    sign_in = db.session.scalars(sa.select(SignIn)).one()

    def last_seen():
        db.session.rollback()  # a new transaction: the touch may be another connection's
        return db.session.get(SignIn, sign_in.id).last_seen_at

    recent = utcnow() - timedelta(seconds=30)
    sign_in.last_seen_at = recent
    db.session.commit()
    tablet.get("/api/v1/me")
    push_one(tablet)
    assert last_seen() == recent  # seen 30 s ago: nothing written
    for request in (lambda: tablet.get("/api/v1/me"), lambda: push_one(tablet)):  # a read, then a write
        sign_in.last_seen_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
        before = utcnow()
        assert request().status_code == 200
        assert last_seen() >= before


@pytest.mark.parametrize("agent,words", [
    (TABLET, "Chrome sur Android"),
    (IPAD, "Safari sur iPadOS"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox sur Windows"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 "
     "Edg/126.0", "Edge sur Windows"),
    ("curl/8.5.0", "Navigateur inconnu"),
    (None, "Navigateur inconnu"),
])
def test_a_device_is_said_in_words(app, agent, words):
    with app.test_request_context():
        assert describe(agent) == words


def test_a_held_lock_never_fails_or_stalls_a_page(app, make_user):
    """A reading request's touch gives up at once when another connection holds the write lock
    (a push being written), and is tried again later."""
    make_user("advisor", username="marie")
    tablet = sign_in_on(app, "marie")
    sign_in = db.session.scalars(sa.select(SignIn)).one()
    sign_in.last_seen_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    with db.engine.connect() as writer:  # another worker, in the middle of a write
        # The sign-in's own row: the lock SQLite takes for any write, PostgreSQL for this row.
        writer.execute(sa.update(SignIn).where(SignIn.id == sign_in.id).values(ended_at=None))
        started = utcnow()
        assert tablet.get("/api/v1/me").status_code == 200
        assert utcnow() - started < timedelta(seconds=3)
        writer.rollback()
    db.session.rollback()
    assert db.session.get(SignIn, sign_in.id).last_seen_at < utcnow() - timedelta(minutes=4)
    assert tablet.get("/api/v1/me").status_code == 200
    db.session.rollback()
    assert db.session.get(SignIn, sign_in.id).last_seen_at > utcnow() - timedelta(minutes=1)
