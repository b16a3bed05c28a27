"""Pages, JSON and the worker's script compressed for clients that accept it (Brotli, else gzip).

Static files come precompressed from WhiteNoise (pwa/static_build.py); this is for what the
views build. Only whole bodies are compressed: a streamed answer (the CSV and XLSX downloads)
leaves as it is written, its first byte never waiting for a compressor, and an XLSX is a zip
already. Brotli at quality 5 packs a page about as well as gzip's best in a fraction of the
time at 11 (measured on the record form: docs/PERFORMANCE.md).
"""

from __future__ import annotations

import gzip

from flask import g, request

COMPRESSIBLE = {"text/html", "application/json", "text/javascript", "application/manifest+json", "text/plain",
                "text/csv"}
# Below this, headers and framing cost about what compression saves.
MIN_SIZE = 512
BROTLI_QUALITY = 5
# For a body sent whole rarely and kept long (the service worker: a 304 at every other check),
# and for the pages the worker fetches in the background for the offline shell (nobody waits
# for them), Brotli's best (11) is worth its tens of milliseconds: a tenth smaller.
BEST_QUALITY = 11
SHELL_FETCH_HEADER = "X-PCN-Shell"
GZIP_LEVEL = 6


def _encoding() -> str | None:
    """The best encoding the client accepts: Brotli, then gzip, or none."""
    accepted = request.accept_encodings
    for encoding in ("br", "gzip"):
        if accepted[encoding]:
            return encoding
    return None


def compress_response(response):
    """Compress a whole body in place, and say the answer varies with Accept-Encoding."""
    if response.mimetype not in COMPRESSIBLE or response.is_streamed or response.direct_passthrough:
        return response
    response.vary.add("Accept-Encoding")
    if response.status_code != 200 or "Content-Encoding" in response.headers or request.method == "HEAD":
        return response
    body = response.get_data()
    encoding = _encoding()
    if encoding is None or len(body) < MIN_SIZE:
        return response
    best = g.get("compress_best") or request.headers.get(SHELL_FETCH_HEADER) or response.mimetype == "text/html"
    if encoding == "br":
        import brotli

        packed = brotli.compress(body, quality=BEST_QUALITY if best else BROTLI_QUALITY)
    else:
        packed = gzip.compress(body, compresslevel=9 if best else GZIP_LEVEL, mtime=0)
    response.set_data(packed)
    # An ETag stays as it is: it names a version (the reference data's, the worker's), which
    # the devices compare, whatever the encoding on the way.
    response.headers["Content-Encoding"] = encoding
    return response


def bare_redirect(response):
    """A redirect leaves without its body: browsers follow it and never show one (Werkzeug's
    « Redirecting… » page was 190 bytes, and as a document it drew the pages' policies, 300 more,
    on every sign-in over a slow link)."""
    if 300 <= response.status_code < 400 and response.location and not response.is_streamed:
        response.set_data(b"")
        response.headers.pop("Content-Type", None)
    return response


def init_app(app) -> None:
    app.after_request(compress_response)
    app.after_request(bare_redirect)  # registered last, so run first: nothing to compress
