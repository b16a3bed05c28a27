"""HTTP security headers on every answer."""


def content_security_policy(script_sources: tuple[str, ...] = ()) -> str:
    """The policy. No inline script, no on…= handler, ever: script-src 'self' is what makes that
    a rule; ``script_sources`` are hashes of the one inline script allowed (the import map).
    Styles, fonts, connections, workers and the manifest fall back to default-src 'self': the
    policy names only what differs from it (every answer carries it, on slow links too)."""
    return "; ".join([
        "default-src 'self'",
        " ".join(("script-src 'self'", *script_sources)),
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


# For data (JSON): nothing may load from it nor frame it. Shorter than the pages' policy, and
# stricter: the scripts' strings and every API answer carry it, on slow links too.
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"


def set_security_headers(response):
    """Add CSP, nosniff and referrer rules, and to documents the framing and permissions rules,
    unless a view set its own; to a redirect with no body, the referrer rule alone. Not on a 304:
    it has no body, the browser keeps the headers of the answer it already has (RFC 9110,
    15.4.5), and on a slow link a revalidation is then half its size."""
    from flask import current_app

    if response.status_code == 304:
        return response
    headers = response.headers
    headers.setdefault("Referrer-Policy", "same-origin")  # also what a redirect's next request tells
    if 300 <= response.status_code < 400 and not response.mimetype:
        return response  # a redirect with no body (compression.bare_redirect): no document to rule
    policy = DATA_POLICY if response.mimetype == "application/json" else current_app.config["CONTENT_SECURITY_POLICY"]
    headers.setdefault("Content-Security-Policy", policy)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.mimetype == "text/html":  # rules for documents only: nothing frames or asks JSON
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    return response


def init_app(app, script_sources: tuple[str, ...] = ()) -> None:
    app.config["CONTENT_SECURITY_POLICY"] = content_security_policy(script_sources)
    app.after_request(set_security_headers)
    if app.config["SESSION_COOKIE_SECURE"]:
        # Production behind HTTPS: tell browsers never to come back over plain HTTP.
        @app.after_request
        def strict_transport(response):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
            return response
