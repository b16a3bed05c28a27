"""The server errors of issue 12, one example each: a few characters that gave a 500.

Found by probing and by tests/test_fuzz_routes.py. Each now gets a clear answer (a JSON 400
with a message on /api/, a message or a 404 on pages) and changes nothing stored. They run on
the suite's database: the NUL ones were 500s on PostgreSQL only.
"""

import uuid

import pytest

from pcn_pwa.extensions import db
from pcn_pwa.models import Accompaniment

from .test_records import page_text, store_record


@pytest.mark.parametrize("query", ["since=²", "limit=²", "since=٣", "limit=１２", "since=1²", "since=%00"])
def test_a_pull_with_a_digit_int_cannot_read_is_a_json_400(client, signed_in, query):
    """'²'.isdigit() is true and int('²') fails: that was the 500."""
    signed_in("advisor")
    response = client.get(f"/api/v1/accompaniments?{query}")
    assert response.status_code == 400
    assert response.json["error"] == "bad_request" and response.json["message"]


def test_the_list_ignores_an_advisor_filter_int_cannot_read(client, signed_in):
    user = signed_in("advisor")
    saved = store_record(user)
    response = client.get("/accompagnements/?conseiller=²")
    assert response.status_code == 200
    assert f"/accompagnements/{saved.id}" in page_text(response)


@pytest.mark.parametrize("action,version", [("supprimer", "²"), ("supprimer", "9" * 40), ("supprimer", "1.0"),
                                            ("restaurer", "²")])
def test_a_delete_or_restore_with_an_unreadable_version_does_nothing(client, signed_in, action, version):
    """Was a 500 ("²"), then a delete without the version check; now refused like a stale one."""
    user = signed_in("manager")
    saved = store_record(user)
    if action == "restaurer":
        client.post(f"/accompagnements/{saved.id}/supprimer", data={"version": "1"})
    before = (saved.deleted, saved.version) if action == "supprimer" else (True, 2)
    response = client.post(f"/accompagnements/{saved.id}/{action}", data={"version": version},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "a changé entre-temps : rien n’a été fait" in page_text(response)
    db.session.refresh(saved)
    assert (saved.deleted, saved.version) == before


def test_fifty_thousand_nested_arrays_in_a_push_are_a_json_400(client, signed_in):
    """json.loads raised RecursionError, which is no ValueError: a 500."""
    signed_in("advisor")
    body = '{"records": [{"id": "%s", "data": %s}]}' % (uuid.uuid4(), "[" * 50_000 + "]" * 50_000)
    response = client.post("/api/v1/sync", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json == {"error": "bad_request", "message": "Le JSON est imbriqué trop profondément."}
    assert db.session.query(Accompaniment).count() == 0


def test_a_nul_in_the_username_is_a_wrong_sign_in(client, make_user):
    """PostgreSQL refuses a NUL in any query: the sign-in form answered 500 there."""
    make_user("advisor", username="marie")
    response = client.post("/login", data={"username": "mar\x00ie", "password": "correct horse battery"})
    assert response.status_code == 401
    assert "Identifiant ou mot de passe incorrect." in page_text(response)


@pytest.mark.parametrize("path", ["/admin/langues/d%00hv", "/admin/langues/%00/messages.po",
                                  "/admin/langues/%00/catalogues/1"])
def test_a_nul_in_a_language_code_is_not_found(client, signed_in, path):
    signed_in("admin")
    assert client.get(path).status_code == 404


def test_the_list_ignores_an_unknown_agency_filter_and_says_so(client, signed_in):
    """An admin's agency filter went into the query as typed (a NUL: 500 on PostgreSQL)."""
    user = signed_in("admin")
    saved = store_record(user)
    response = client.get("/accompagnements/?agence=TAD%00INE")
    assert response.status_code == 200
    assert "Agence de filtre inconnue : elle est ignorée." in page_text(response)
    assert f"/accompagnements/{saved.id}" in page_text(response)


def test_an_upload_named_with_a_nul_is_kept_without_it(client, signed_in):
    """The file's name is stored as sent: with a NUL, a 500 on PostgreSQL."""
    import io

    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    from pcn_pwa.models import Catalogue

    from .route_world import CORPUS

    signed_in("admin")
    upload = FileStorage(io.BytesIO((CORPUS / "accepted_dhv.po").read_bytes()), "dhv\x00\x1b.po")
    boundary, body = encode_multipart({"po_file": upload})
    response = client.post("/admin/langues/dhv/catalogues", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 302
    assert db.session.query(Catalogue.filename).scalar() == "dhv.po"


@pytest.mark.parametrize("suffix", ["", "/messages.po"])
def test_a_catalogue_number_past_a_database_integer_is_not_found(client, signed_in, suffix):
    """<int:catalogue_id> takes any digits; PostgreSQL refused 2**31 in the query (found by the fuzzing)."""
    signed_in("admin")
    assert client.get(f"/admin/langues/dhv/catalogues/{2 ** 31}{suffix}").status_code == 404
    assert client.post(f"/admin/langues/dhv/catalogues/{10 ** 40}/publier").status_code == 404


@pytest.mark.parametrize("target", ["/%0A", "/%0D%0ASet-Cookie:%20x=1", "/%7F"])
def test_a_way_back_with_a_line_end_goes_home(client, signed_in, target):
    """``next`` went into the Location header, where Werkzeug refuses a line end: a 500."""
    response = client.post("/langue", data=f"locale=fr&next={target}", content_type="application/x-www-form-urlencoded")
    assert (response.status_code, response.headers["Location"]) == (302, "/")
    signed_in("advisor")
    response = client.get(f"/login?next={target}")
    assert (response.status_code, response.headers["Location"]) == (302, "/")
