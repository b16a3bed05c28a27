"""JSON errors under /api/, pages elsewhere; security headers on everything."""

import pytest
from flask import abort


def test_api_404_is_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.is_json
    assert response.json["error"] == "not_found"
    assert response.json["message"]


def test_api_405_is_json(client, signed_in):
    signed_in("advisor")
    response = client.delete("/api/v1/me")
    assert response.status_code == 405
    assert response.json["error"] == "method_not_allowed"


def test_page_404_is_a_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Cette page n’existe pas." in response.get_data(as_text=True)


@pytest.fixture
def crashing_app(tmp_path, app):
    """The real app plus two views that fail, to see what a crash looks like to a user."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/api/v1/_crash")
    def api_crash():
        raise RuntimeError("boom")

    @app.get("/_crash")
    def page_crash():
        raise RuntimeError("boom")

    @app.get("/_abort")
    def aborted():
        abort(500)

    return app


def test_crash_under_api_is_json_500(crashing_app, client, signed_in):
    signed_in("admin")
    response = client.get("/api/v1/_crash")
    assert response.status_code == 500
    assert response.json["error"] == "server_error"
    assert "boom" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/_crash", "/_abort"])
def test_crash_on_a_page_is_a_page(crashing_app, client, path):
    response = client.get(path)
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert "Une erreur est survenue sur le serveur" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/login", "/no-such-page", "/sw.js"])
def test_security_headers_everywhere(client, path):
    with client.get(path) as response:
        headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    # Everything not named falls back to the page's own origin: no directive widens it.
    assert csp.startswith("default-src 'self';") and "*" not in csp and "http" not in csp
    assert {d.split()[0] for d in csp.split("; ")} == {"default-src", "script-src", "img-src", "object-src",
                                                       "base-uri", "form-action", "frame-ancestors"}
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    if headers["Content-Type"].startswith("text/html"):  # a document: nobody may frame it
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Permissions-Policy"] == "camera=(), microphone=(), geolocation=()"


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/no-such-thing", "/langues/fr/textes.json"])
def test_data_answers_may_load_nothing_and_never_be_framed(client, path):
    """JSON is never a page: its policy allows nothing at all, whatever the answer."""
    with client.get(path) as response:
        assert response.mimetype == "application/json"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_a_redirect_leaves_bare(client, signed_in):
    """Browsers follow a redirect and never show its body: none is sent, and no document rule
    with it; the referrer rule stays (it governs the request the redirect leads to)."""
    anonymous = client.get("/accompagnements/", headers={"Accept-Encoding": "br"})
    signed_in("advisor")
    switched = client.post("/langue", data={"locale": "en", "next": "/accompagnements/"},
                           headers={"Accept-Encoding": "br"})
    for response in (anonymous, switched):
        assert response.status_code == 302 and response.location
        assert response.get_data() == b"" and "Content-Type" not in response.headers
        assert response.headers["Referrer-Policy"] == "same-origin"
        for name in ("Content-Security-Policy", "X-Frame-Options", "Permissions-Policy", "Content-Encoding"):
            assert name not in response.headers
    assert client.get(switched.location).status_code == 200  # where it leads is a whole page


@pytest.mark.parametrize("path", ["/static/css/app.css", "/static/js/app.js"])
def test_static_files_are_never_sniffed(client, path):
    """Scripts and styles come from WhiteNoise: no CSP of their own (it applies to documents and
    workers), but never read as another type."""
    with client.get(path) as response:
        assert response.status_code == 200
        assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("app_config", [{"SESSION_COOKIE_SECURE": True}])
def test_secure_cookie_and_hsts_when_configured(app, client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "Strict-Transport-Security" in response.headers
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_templates_have_no_inline_script_or_handler():
    """The CSP forbids inline script: no template may rely on one."""
    import re
    from pathlib import Path

    templates = Path(__file__).resolve().parent.parent / "pcn_pwa" / "templates"
    for path in templates.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        # Only data blocks (type="application/json") may be inline: the CSP does not run them.
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text), \
            f"inline <script> in {path.name}"
        assert not re.search(r"\son[a-z]+\s*=", text), f"on…= handler in {path.name}"
        assert "javascript:" not in text, f"javascript: URL in {path.name}"


def test_service_worker_is_served_at_the_root(client):
    with client.get("/sw.js") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"
        assert response.headers["Cache-Control"] == "no-cache"
