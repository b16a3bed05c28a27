"""Pages and JSON compressed for clients that accept it; downloads streamed as they are written,
and the sync push's gzip bodies still read (pcn_pwa/compression.py)."""

import gzip
import json

import brotli
import pytest

from .test_exports import MARCH, march  # noqa: F401 - ``march`` is a fixture
from .test_sync_push import advisor, item  # noqa: F401 - ``advisor`` is a fixture


def unpack(response) -> bytes:
    encoding = response.headers.get("Content-Encoding")
    if encoding == "br":
        return brotli.decompress(response.data)
    if encoding == "gzip":
        return gzip.decompress(response.data)
    return response.data


@pytest.mark.parametrize(("accepted", "expected"), [("gzip, deflate, br", "br"), ("gzip", "gzip"),
                                                     ("br;q=0, gzip", "gzip"), ("identity", None)])
def test_the_best_encoding_the_client_accepts(client, accepted, expected):
    with client.get("/login", headers={"Accept-Encoding": accepted}) as response:
        assert response.headers.get("Content-Encoding") == expected
        assert "Accept-Encoding" in response.headers["Vary"]
        assert b"</html>" in unpack(response)


@pytest.mark.parametrize("what", ["accompaniments.csv", "accompaniments.xlsx"])
def test_downloads_stream_uncompressed(client, signed_in, march, what):
    signed_in("coordinator")
    with client.get(f"/api/v1/exports/{what}", query_string=MARCH,
                    headers={"Accept-Encoding": "br, gzip"}) as response:
        assert response.status_code == 200 and response.is_streamed
        assert "Content-Encoding" not in response.headers
        assert response.data  # the whole download, as written


def test_a_gzip_push_is_read_and_its_answer_compressed(advisor, client):
    pushed = item()
    body = gzip.compress(json.dumps({"records": [pushed] * 20}).encode())
    with client.post("/api/v1/sync", data=body, content_type="application/json",
                     headers={"Content-Encoding": "gzip", "Accept-Encoding": "br"}) as response:
        assert response.status_code == 200
        results = json.loads(unpack(response))["results"]
    assert results[0] == {"id": pushed["id"], "status": "created", "version": 1}


def test_a_304_is_neither_compressed_nor_given_a_body(client):
    etag = client.get("/sw.js").headers["ETag"]
    with client.get("/sw.js", headers={"If-None-Match": etag, "Accept-Encoding": "br"}) as response:
        assert response.status_code == 304 and not response.data
        assert "Content-Encoding" not in response.headers
