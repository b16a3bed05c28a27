"""The guard: who may open what, and how a refusal looks on a page and on the API."""

import re

import pytest

from pcn_pwa.auth.guard import login_required

ROLES = ["advisor", "manager", "partner", "coordinator", "admin"]


@pytest.mark.parametrize("path", ["/", "/compte", "/admin/utilisateurs"])
def test_pages_send_anonymous_visitors_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert path in response.headers["Location"]


def test_after_sign_in_the_user_lands_where_they_were_going(client, make_user):
    make_user("admin", username="ana")
    target = client.get("/admin/utilisateurs").headers["Location"]
    response = client.post(target, data={"username": "ana", "password": "correct horse battery"})
    assert response.headers["Location"] == "/admin/utilisateurs"


def test_api_answers_json_401_to_anonymous_callers(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json["error"] == "auth_required"
    assert "Connectez-vous" in response.json["message"]


@pytest.mark.parametrize("role", ROLES)
def test_admin_page_is_for_admins_only(client, signed_in, role):
    signed_in(role)
    response = client.get("/admin/utilisateurs")
    assert response.status_code == (200 if role == "admin" else 403)
    if role != "admin":
        assert "Vous n’avez pas accès à cette page." in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ROLES)
def test_menu_shows_only_what_the_role_may_open(client, signed_in, role):
    signed_in(role)
    page = client.get("/").get_data(as_text=True)
    assert ('href="/admin/utilisateurs"' in page) == (role == "admin")
    assert 'href="/compte"' in page


@pytest.mark.parametrize(
    "role,expected",
    [
        ("advisor", "Cette semaine"),
        ("manager", "Cette semaine"),
        ("partner", "accompagnements sur les 30 derniers jours avec Cafat"),
        ("coordinator", "Accompagnements des 30 derniers jours, par agence"),
        ("admin", "Accompagnements des 30 derniers jours, par agence"),
    ],
)
def test_home_shows_each_role_its_own_figures(client, signed_in, role, expected):
    signed_in(role)
    page = client.get("/").get_data(as_text=True)
    assert expected in page
    if role in ("coordinator", "admin"):
        for agency in ["Païta-Tontouta", "Bourail", "Yaté", "Koumac", "Koné", "Tadine (Maré)"]:
            assert agency in page


def test_me_describes_the_signed_in_user(client, signed_in):
    signed_in("advisor", username="marie", agency="KONE")
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    body = response.json
    assert body["user"] == {
        "username": "marie",
        "display_name": "Advisor de test",
        "role": "advisor",
        "agency": "KONE",
        "locale": "fr",
    }
    assert body["csrf_token"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["server_time"])


@pytest.fixture
def guarded_app(app):
    """The real app plus one API write reserved to managers, to exercise the guard's API side."""

    @app.post("/api/v1/_managers-only")
    @login_required("manager")
    def managers_only():
        return {"ok": True}

    return app


class TestApiWithCsrf:
    """The API with CSRF protection on, as in production."""

    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def _sign_in(self, client, make_user, role):
        user = make_user(role)
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        response = client.post("/login", data={"username": user.username, "password": "correct horse battery",
                                               "csrf_token": token})
        assert response.status_code == 302

    def test_anonymous_push_gets_401_before_any_csrf_check(self, guarded_app, client):
        response = client.post("/api/v1/_managers-only", json={})
        assert response.status_code == 401
        assert response.json["error"] == "auth_required"

    def test_missing_token_gets_csrf_error(self, guarded_app, client, make_user):
        self._sign_in(client, make_user, "manager")
        response = client.post("/api/v1/_managers-only", json={})
        assert response.status_code == 400
        assert response.json["error"] == "csrf"

    def test_token_from_me_is_accepted(self, guarded_app, client, make_user):
        self._sign_in(client, make_user, "manager")
        token = client.get("/api/v1/me").json["csrf_token"]
        response = client.post("/api/v1/_managers-only", json={}, headers={"X-CSRFToken": token})
        assert response.status_code == 200

    def test_wrong_role_gets_json_403(self, guarded_app, client, make_user):
        self._sign_in(client, make_user, "advisor")
        token = client.get("/api/v1/me").json["csrf_token"]
        response = client.post("/api/v1/_managers-only", json={}, headers={"X-CSRFToken": token})
        assert response.status_code == 403
        assert response.json["error"] == "forbidden"

    def test_sign_in_form_without_token_is_refused(self, guarded_app, client, make_user):
        make_user("advisor", username="marie")
        response = client.post("/login", data={"username": "marie", "password": "correct horse battery"})
        assert response.status_code == 400
        assert client.get("/").status_code == 302

    def test_page_post_without_token_gets_a_page_not_json(self, guarded_app, client, make_user):
        self._sign_in(client, make_user, "advisor")
        response = client.post("/compte", data={"locale": "en"})
        assert response.status_code == 400
        assert response.mimetype == "text/html"
        assert "Le formulaire a expiré" in response.get_data(as_text=True)
