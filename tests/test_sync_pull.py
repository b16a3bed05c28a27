"""GET /api/v1/accompaniments: every change once, in a stable order, resumable by cursor."""

import uuid

import pytest

from .records_data import record


@pytest.fixture
def push(client):
    def send(*records):
        response = client.post("/api/v1/sync", json={"device_id": str(uuid.uuid4()), "records": list(records)})
        assert response.status_code == 200, response.json
        return response.json["results"]

    return send


def new(data=None):
    return {"id": str(uuid.uuid4()), "base_version": 0, "data": data or record()}


def pull_all(client, since="0", limit=2):
    """Every page from ``since``; returns the pages (lists of (id, version)) and the last cursor."""
    pages = []
    while True:
        body = client.get(f"/api/v1/accompaniments?since={since}&limit={limit}").json
        pages.append([(r["id"], r["version"]) for r in body["records"]])
        since = body["cursor"]
        if not body["more"]:
            return pages, since


def test_pages_cover_every_record_once_in_change_order(signed_in, client, push):
    signed_in("advisor")
    pushed = [new() for _ in range(5)]
    push(*pushed)
    pages, cursor = pull_all(client)
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [record_id for page in pages for record_id, _ in page] == [p["id"] for p in pushed]
    # Resuming later from the kept cursor gives nothing new, then just what changed.
    assert client.get(f"/api/v1/accompaniments?since={cursor}").json == {"records": [], "cursor": cursor,
                                                                        "more": False}
    push({"id": pushed[2]["id"], "base_version": 1, "data": record(duration_minutes=15)})
    body = client.get(f"/api/v1/accompaniments?since={cursor}").json
    assert [(r["id"], r["version"], r["data"]["duration_minutes"]) for r in body["records"]] == [
        (pushed[2]["id"], 2, 15)]


def test_a_record_changed_between_pages_comes_again_later_and_none_is_skipped(signed_in, client, push):
    signed_in("advisor")
    pushed = [new() for _ in range(5)]
    push(*pushed)
    first = client.get("/api/v1/accompaniments?limit=2").json
    assert [r["id"] for r in first["records"]] == [pushed[0]["id"], pushed[1]["id"]]
    # Between two pages: one record already pulled and one not yet pulled change.
    push({"id": pushed[0]["id"], "base_version": 1, "data": record(duration_minutes=15)},
         {"id": pushed[3]["id"], "base_version": 1, "data": record(duration_minutes=60)})
    pages, _ = pull_all(client, since=first["cursor"])
    rest = [pair for page in pages for pair in page]
    assert rest == [(pushed[2]["id"], 1), (pushed[4]["id"], 1), (pushed[0]["id"], 2), (pushed[3]["id"], 2)]


def test_record_fields_and_deleted_records(signed_in, client, push):
    signed_in("advisor")
    pushed = new()
    push(pushed)
    push({"id": pushed["id"], "base_version": 1, "deleted": True})
    [pulled] = client.get("/api/v1/accompaniments").json["records"]
    assert set(pulled) == {"id", "version", "data", "updated_at", "deleted"}
    assert pulled["deleted"] is True and pulled["version"] == 2
    assert pulled["data"]["beneficiary"]["commune"] == "98815"
    assert pulled["updated_at"].endswith("Z")


def test_each_user_pulls_only_what_they_may_read(app, client, make_user, auth, push):
    make_user("advisor", username="tadine", agency="TADINE")
    make_user("advisor", username="kone", agency="KONE")
    make_user("coordinator", username="coord")
    auth.login("tadine")
    push(new())
    auth.logout()
    auth.login("kone")
    push(new(record(agency="KONE")))
    assert [r["data"]["agency"] for r in client.get("/api/v1/accompaniments").json["records"]] == ["KONE"]
    auth.logout()
    auth.login("coord")
    assert len(client.get("/api/v1/accompaniments").json["records"]) == 2


def test_partner_users_get_403(signed_in, client):
    signed_in("partner")
    response = client.get("/api/v1/accompaniments")
    assert response.status_code == 403
    assert response.json["error"] == "forbidden"


@pytest.mark.parametrize("query", ["since=abc", "since=-1", "since=99999999999999999999999", "limit=0",
                                   "limit=5000", "limit=ten"])
def test_bad_cursor_or_limit_is_400(signed_in, client, query):
    signed_in("advisor")
    response = client.get(f"/api/v1/accompaniments?{query}")
    assert response.status_code == 400
    assert response.json["error"] == "bad_request" and response.json["message"]


def test_form_edits_appear_in_the_pull(signed_in, client, push):
    """A record corrected on a page reaches the tablets like a synced change."""
    signed_in("advisor")
    pushed = new()
    push(pushed)
    cursor = client.get("/api/v1/accompaniments").json["cursor"]
    client.post(f"/accompagnements/{pushed['id']}/supprimer", data={"version": "1"})
    body = client.get(f"/api/v1/accompaniments?since={cursor}").json
    assert [(r["id"], r["deleted"]) for r in body["records"]] == [(pushed["id"], True)]


def test_items_sent_again_from_memory_are_the_records_as_stored(app, client, make_user, auth, push):
    """A worker keeps the items it sent: the next tablet of the agency gets the very same
    records, a change is never hidden by what was kept, and no other agency sees them."""
    from pcn_pwa.extensions import db
    from pcn_pwa.models import Accompaniment

    make_user("advisor", username="first", agency="TADINE")
    make_user("advisor", username="second", agency="TADINE")
    make_user("advisor", username="elsewhere", agency="KONE")
    auth.login("first")
    pushed = [new(record(notes=f"note {n}", partners=["CAFAT", "OPT"] if n % 2 else ["CAFAT"])) for n in range(5)]
    push(*pushed)
    first_pull = client.get("/api/v1/accompaniments").json
    auth.logout()
    auth.login("second")
    assert client.get("/api/v1/accompaniments").json == first_pull
    changed = dict(pushed[2], base_version=1, data=record(notes="corrigée", partners=["CAFAT", "OPT"]))
    assert push(changed)[0]["status"] == "updated"
    again = client.get("/api/v1/accompaniments").json["records"]
    assert [(r["id"], r["version"]) for r in again][-1] == (pushed[2]["id"], 2)
    stored = {str(r.id): r for r in db.session.scalars(db.select(Accompaniment))}
    for item in again:
        record_now = stored[item["id"]]
        assert item["data"] == record_now.to_data() and item["version"] == record_now.version
    assert again[-1]["data"]["notes"] == "corrigée" and again[-1]["data"]["partners"] == ["CAFAT", "OPT"]
    auth.logout()
    auth.login("elsewhere")
    assert client.get("/api/v1/accompaniments").json["records"] == []
