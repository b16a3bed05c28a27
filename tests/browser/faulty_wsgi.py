"""The real app behind a fault injector, for real-browser tests only.

This file lives under tests/ and is never imported by the package or by wsgi.py, so faults
cannot be switched on in production. gunicorn serves ``tests.browser.faulty_wsgi:app`` and
every worker reads the switch from the JSON file named by PCN_FAULTS_FILE:

    {"mode": "cut" | "lose_answer" | "error_500" | "slow", "remaining": N, "after": K, "salt": S}

applied to the next N pushes (POST /api/v1/sync) once K pushes have gone through normally;
a "salt" changes /sw.js as a new deployment would, and with "changed": "js/x.js" that
deployment also changed that file (a new version, and the file under a new URL).
Every push is also counted in the file ("pushes"), so tests can check how many were sent.
"""

import fcntl
import json
import os
import re
import time

from pcn_pwa import create_app
from pcn_pwa.extensions import db

FAULTS_FILE = os.environ["PCN_FAULTS_FILE"]


def _take_fault() -> str | None:
    """Count this push, and return the fault to apply to it, if any (atomically across workers)."""
    with open(FAULTS_FILE, "r+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        state = json.loads(handle.read() or "{}")
        state["pushes"] = state.get("pushes", 0) + 1
        mode = None
        if state.get("mode") and state.get("remaining", 0) > 0:
            if state.get("after", 0) > 0:
                state["after"] -= 1
            else:
                state["remaining"] -= 1
                mode = state["mode"]
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(state))
    return mode


def _die():
    """Drop the connection the hard way: the worker exits and gunicorn starts another."""
    os._exit(1)


class FaultInjector:
    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == "/sw.js":
            return self.salted_assets(environ, start_response)
        if environ.get("PATH_INFO") != "/api/v1/sync" or environ.get("REQUEST_METHOD") != "POST":
            return self.wsgi_app(environ, start_response)
        mode = _take_fault()
        if mode == "cut":  # the connection drops while the body is on its way: nothing stored
            _die()
        if mode == "error_500":
            body = b'{"error": "server_error", "message": "injected fault"}'
            start_response("500 INTERNAL SERVER ERROR", [("Content-Type", "application/json"),
                                                          ("Content-Length", str(len(body)))])
            return [body]
        if mode == "slow":
            time.sleep(1.5)
        if mode == "lose_answer":  # stored and committed, then the answer is lost on the way back
            chunks = []
            list(self.wsgi_app(environ, lambda status, headers, exc_info=None: chunks.append(status)))
            _die()
        return self.wsgi_app(environ, start_response)


    def salted_assets(self, environ, start_response):
        """A "new deployment": /sw.js changes when the test sets "salt" in the file (and is
        then sent whole, never as a 304 of the unsalted script)."""
        with open(FAULTS_FILE) as handle:
            state = json.loads(handle.read() or "{}")
        salt, changed = state.get("salt"), state.get("changed")
        if salt:
            environ = {**environ, "HTTP_ACCEPT_ENCODING": "identity"}
            environ.pop("HTTP_IF_NONE_MATCH", None)
        captured = {}
        body = b"".join(self.wsgi_app(environ, lambda status, headers, exc_info=None: captured.update(
            status=status, headers=headers)))
        if salt:
            body += f"// deployment {salt}\n".encode()
        if salt and changed:
            # A deployment that changed one file ("js/rules.js"): a new version, and that file
            # under a new URL (its hashed name plus a query, which WhiteNoise serves the same).
            stem, extension = changed.rsplit(".", 1)
            body = re.sub(rb'"version": "(\w+)"', rb'"version": "\1' + salt.encode() + b'"', body, count=1)
            body = re.sub(rf"/static/{re.escape(stem)}\.[0-9a-f]{{10}}\.{extension}".encode(),
                          lambda found: found[0] + b"?v=" + salt.encode(), body, count=1)
        dropped = {"content-length", "etag"} if salt else {"content-length"}
        headers = [(k, v) for k, v in captured["headers"] if k.lower() not in dropped]
        start_response(captured["status"], headers + [("Content-Length", str(len(body)))])
        return [body]


flask_app = create_app()
# Loaded once in gunicorn's master (``--preload``, tests/browser/conftest.py), then forked: no
# database connection may be inherited by the workers, each opens its own.
with flask_app.app_context():
    db.engine.dispose()
app = FaultInjector(flask_app)
