"""POST /api/v1/sync: the contract table, the envelope, the limits, devices and failures."""

import gzip
import json
import uuid

import pytest
import sqlalchemy as sa

from pcn_pwa.extensions import db
from pcn_pwa.models import Accompaniment, Device

from .records_data import record


def rows():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Accompaniment))


def item(record_id=None, base_version=0, data=None, **extra):
    return {"id": str(record_id or uuid.uuid4()), "base_version": base_version,
            "data": record() if data is None else data, **extra}


@pytest.fixture
def push(client):
    """Push records as the signed-in user; returns the response."""
    device = str(uuid.uuid4())

    def send(*records, pending=0, device_id=device, app_version=None, **kwargs):
        body = {"device_id": device_id, "pending": pending, "records": list(records)}
        if app_version is not None:
            body["app_version"] = app_version
        return client.post("/api/v1/sync", json=body, **kwargs)

    send.device_id = device
    return send


@pytest.fixture
def advisor(signed_in):
    return signed_in("advisor", agency="TADINE")


def test_new_record_is_created_then_a_retry_is_unchanged(advisor, push):
    pushed = item()
    first = push(pushed)
    assert first.status_code == 200
    assert first.json["results"] == [{"id": pushed["id"], "status": "created", "version": 1}]
    assert first.json["server_time"].endswith("Z")
    again = push(pushed)
    assert again.json["results"] == [{"id": pushed["id"], "status": "unchanged", "version": 1}]
    assert rows() == 1
    stored = db.session.get(Accompaniment, uuid.UUID(pushed["id"]))
    assert (stored.agency_code, stored.created_by_id, str(stored.device_id)) == ("TADINE", advisor.id, push.device_id)


def test_update_over_the_known_version(advisor, push):
    pushed = item()
    push(pushed)
    changed = item(pushed["id"], base_version=1, data=record(autonomy="autonomous"))
    result = push(changed).json["results"][0]
    assert result == {"id": pushed["id"], "status": "updated", "version": 2}
    assert db.session.get(Accompaniment, uuid.UUID(pushed["id"])).autonomy == "autonomous"


def test_stale_base_version_with_other_data_is_a_conflict_and_nothing_is_overwritten(advisor, push):
    pushed = item()
    push(pushed)
    push(item(pushed["id"], base_version=1, data=record(autonomy="autonomous")))  # now version 2
    stale = item(pushed["id"], base_version=1, data=record(autonomy="done_by_advisor"))
    result = push(stale).json["results"][0]
    assert result["status"] == "conflict"
    assert result["version"] == 2
    assert result["server_data"]["autonomy"] == "autonomous"
    assert result["server_data"]["occurred_at"] == "2026-03-02T09:41:00+11:00"
    assert db.session.get(Accompaniment, uuid.UUID(pushed["id"])).autonomy == "autonomous"


def test_stale_base_version_restating_the_server_data_is_unchanged(advisor, push):
    pushed = item()
    push(pushed)
    push(item(pushed["id"], base_version=1, data=record(autonomy="autonomous")))
    same = item(pushed["id"], base_version=1, data=record(autonomy="autonomous"))
    assert push(same).json["results"][0] == {"id": pushed["id"], "status": "unchanged", "version": 2}


def test_same_data_in_another_order_or_time_zone_is_unchanged(advisor, push):
    pushed = item(data=record(partners=["CAFAT", "OPT"], procedures=["CAFAT_CERTIFICATE", "OPT_BILL"]))
    push(pushed)
    restated = item(pushed["id"], base_version=0, data=record(
        partners=["OPT", "CAFAT"], procedures=["OPT_BILL", "CAFAT_CERTIFICATE"], occurred_at="2026-03-01T22:41:00Z"))
    assert push(restated).json["results"][0]["status"] == "unchanged"


def test_a_bad_record_never_fails_the_batch(advisor, push):
    good, bad, good2 = item(), item(data=record(duration_minutes=0, kind="group")), item()
    response = push(good, bad, good2)
    assert response.status_code == 200
    statuses = [r["status"] for r in response.json["results"]]
    assert statuses == ["created", "invalid", "created"]
    errors = response.json["results"][1]["errors"]
    assert errors["duration_minutes"] == ["Une durée dure au moins 1 minute."]
    assert errors["kind"] == ["Choix inconnu : group."]
    assert rows() == 2


def test_invalid_messages_follow_the_users_language(signed_in, push):
    signed_in("advisor", locale="en")
    result = push(item(data=record(notes="x" * 1001))).json["results"][0]
    assert result["errors"]["notes"] == ["No more than 1000 characters."]


@pytest.mark.parametrize(
    "extra,field",
    [(dict(base_version=-1), "base_version"), (dict(base_version="1"), "base_version"),
     (dict(deleted="yes"), "deleted"), (dict(client_updated_at="yesterday"), "client_updated_at")],
)
def test_bad_record_envelope_fields_make_the_record_invalid(advisor, push, extra, field):
    pushed = item()
    pushed.update(extra)
    result = push(pushed).json["results"][0]
    assert result["status"] == "invalid" and field in result["errors"]
    assert rows() == 0


def test_missing_data_for_a_new_record_is_invalid(advisor, push):
    result = push({"id": str(uuid.uuid4()), "base_version": 0}).json["results"][0]
    assert result["status"] == "invalid"
    assert result["errors"] == {"data": ["Un objet est attendu."]}


def test_unknown_fields_are_ignored_never_stored(advisor, push):
    pushed = item(data={**record(), "name": "Jean Dupont", "phone": "77 12 34"}, shoe_size=42)
    assert push(pushed).json["results"][0]["status"] == "created"
    stored = db.session.get(Accompaniment, uuid.UUID(pushed["id"]))
    assert "Jean" not in json.dumps(stored.to_data(), ensure_ascii=False)


# --- who may write ------------------------------------------------------------------

def test_advisor_cannot_write_for_another_agency(advisor, push):
    result = push(item(data=record(agency="KONE"))).json["results"][0]
    assert result["status"] == "forbidden" and result["message"]
    assert rows() == 0


def test_an_id_of_another_agencys_record_is_forbidden(app, client, make_user, push, auth):
    make_user("advisor", username="kone", agency="KONE")
    auth.login("kone")
    pushed = item(data=record(agency="KONE"))
    push(pushed)
    auth.logout()
    make_user("advisor", username="tadine", agency="TADINE")
    auth.login("tadine")
    # Same id, the advisor's own agency in the data: still not theirs to overwrite.
    result = push(item(pushed["id"], base_version=1, data=record(agency="TADINE"))).json["results"][0]
    assert result["status"] == "forbidden"
    assert db.session.get(Accompaniment, uuid.UUID(pushed["id"])).agency_code == "KONE"


def test_colleague_may_update_a_record_of_their_agency(app, make_user, push, auth):
    make_user("advisor", username="a1", agency="TADINE")
    make_user("advisor", username="a2", agency="TADINE")
    auth.login("a1")
    pushed = item()
    push(pushed)
    auth.logout()
    auth.login("a2")
    assert push(item(pushed["id"], 1, record(outcome="must_return"))).json["results"][0]["status"] == "updated"


@pytest.mark.parametrize("role", ["coordinator", "partner"])
def test_read_only_roles_get_forbidden_per_record(signed_in, push, role):
    signed_in(role)
    response = push(item(), item())
    assert response.status_code == 200
    assert [r["status"] for r in response.json["results"]] == ["forbidden", "forbidden"]
    assert rows() == 0


def test_admin_writes_for_any_agency(signed_in, push):
    signed_in("admin")
    assert push(item(data=record(agency="YATE"))).json["results"][0]["status"] == "created"


# --- deletion -------------------------------------------------------------------------

def test_soft_delete_and_restore_by_a_manager(app, make_user, push, auth):
    make_user("advisor", username="adv", agency="TADINE")
    make_user("manager", username="boss", agency="TADINE")
    auth.login("adv")
    pushed = item()
    push(pushed)
    deleted = push({"id": pushed["id"], "base_version": 1, "deleted": True}).json["results"][0]
    assert deleted == {"id": pushed["id"], "status": "updated", "version": 2}
    stored = db.session.get(Accompaniment, uuid.UUID(pushed["id"]))
    assert stored.deleted is True and rows() == 1
    assert push({"id": pushed["id"], "base_version": 2, "deleted": True}).json["results"][0]["status"] == "unchanged"
    # An advisor cannot bring it back; a manager can.
    assert push(item(pushed["id"], 2)).json["results"][0]["status"] == "forbidden"
    auth.logout()
    auth.login("boss")
    assert push(item(pushed["id"], 2)).json["results"][0] == {"id": pushed["id"], "status": "updated",
                                                               "version": 3}
    db.session.refresh(stored)
    assert stored.deleted is False


def test_delete_over_a_stale_version_is_a_conflict(advisor, push):
    pushed = item()
    push(pushed)
    push(item(pushed["id"], 1, record(duration_minutes=45)))
    result = push({"id": pushed["id"], "base_version": 1, "deleted": True}).json["results"][0]
    assert result["status"] == "conflict" and result["deleted"] is False
    assert db.session.get(Accompaniment, uuid.UUID(pushed["id"])).deleted is False


# --- one id twice in one push (two tabs) ------------------------------------------------

def test_same_id_twice_in_one_push(advisor, push):
    record_id = str(uuid.uuid4())
    same = push(item(record_id), item(record_id)).json["results"]
    assert [r["status"] for r in same] == ["created", "unchanged"]
    other_id = str(uuid.uuid4())
    different = push(item(other_id), item(other_id, data=record(duration_minutes=90))).json["results"]
    assert [r["status"] for r in different] == ["created", "conflict"]
    assert different[1]["server_data"]["duration_minutes"] == 30
    followed = push(item(str(uuid.uuid4()), 0), ).json["results"]
    assert followed[0]["status"] == "created"
    assert rows() == 3


# --- the envelope ---------------------------------------------------------------------

@pytest.mark.parametrize(
    "body,message",
    [
        (b"{not json", "Le corps n’est pas du JSON valide."),
        (b"[1, 2]", "Un objet JSON est attendu."),
        (b'{"device_id": "00000000-0000-4000-8000-000000000000"}', "La liste « records » manque."),
        (b'{"records": {"id": 1}}', "La liste « records » manque."),
        (b'{"records": [42]}', "L’enregistrement n° 1 n’est pas un objet."),
        (b'{"records": [{"base_version": 0}]}', "L’enregistrement n° 1 n’a pas d’« id » UUID."),
        (b'{"records": [{"id": "not-a-uuid"}]}', "L’enregistrement n° 1 n’a pas d’« id » UUID."),
        (b'{"records": [{"id": 12345}]}', "L’enregistrement n° 1 n’a pas d’« id » UUID."),
        (b'{"device_id": "tablet-3", "records": []}', "« device_id » doit être un UUID."),
        (b'{"pending": -1, "records": []}', "« pending » doit être un entier entre 0 et 1000000000."),
        (b'{"pending": "3", "records": []}', "« pending » doit être un entier entre 0 et 1000000000."),
        (b'{"pending": 1e30, "records": []}', "« pending » doit être un entier entre 0 et 1000000000."),
        (b'{"records": ["\xff\xfe"]}', "Le corps n’est pas du JSON valide."),
    ],
)
def test_unsound_envelope_is_400_with_a_message_and_nothing_stored(advisor, client, body, message):
    response = client.post("/api/v1/sync", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json == {"error": "bad_request", "message": message}
    assert rows() == 0


def test_empty_push_is_fine(advisor, push):
    response = push()
    assert response.status_code == 200 and response.json["results"] == []


def test_too_many_records_is_413_with_the_limits(advisor, push):
    response = push(*[item() for _ in range(501)])
    assert response.status_code == 413
    assert response.json["error"] == "too_large"
    assert response.json["limits"] == {"max_records": 500, "max_bytes": 2 * 1024 * 1024}
    assert rows() == 0


def test_500_records_is_accepted(advisor, push):
    response = push(*[item() for _ in range(500)])
    assert response.status_code == 200
    assert rows() == 500


def test_body_over_two_megabytes_is_413(advisor, client):
    body = json.dumps({"records": [item(data=record(notes="x" * 1000)) for _ in range(1900)]}).encode()
    assert len(body) > 2 * 1024 * 1024
    response = client.post("/api/v1/sync", data=body, content_type="application/json")
    assert response.status_code == 413 and response.json["error"] == "too_large"


def test_gzip_body_is_accepted(advisor, client):
    pushed = item()
    body = gzip.compress(json.dumps({"records": [pushed]}).encode())
    response = client.post("/api/v1/sync", data=body, content_type="application/json",
                           headers={"Content-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.json["results"][0]["status"] == "created"


def test_gzip_bomb_is_413_without_inflating_it(advisor, client):
    bomb = gzip.compress(b"{" + b" " * (50 * 1024 * 1024) + b"}", compresslevel=9)
    assert len(bomb) < 100_000
    response = client.post("/api/v1/sync", data=bomb, content_type="application/json",
                           headers={"Content-Encoding": "gzip"})
    assert response.status_code == 413
    assert response.json["error"] == "too_large"


@pytest.mark.parametrize("body,encoding,status", [(b"not gzip at all", "gzip", 400),
                                                  (gzip.compress(b'{"records": []}', mtime=0)[:-6], "gzip", 400),
                                                  (b'{"records": []}', "br", 415)])
def test_bad_compression_is_refused(advisor, client, body, encoding, status):
    response = client.post("/api/v1/sync", data=body, content_type="application/json",
                           headers={"Content-Encoding": encoding})
    assert response.status_code == status
    assert response.is_json and response.json["message"]


# --- devices ------------------------------------------------------------------------------

def test_each_push_records_the_device_for_sync_health(advisor, push):
    # 41 unsent before the push, one of them in it and stored: 40 still wait on the tablet.
    push(item(), item(data=record(kind="x")), pending=41, app_version="3f2a9c1b7d00",
         headers={"User-Agent": "Tablette Tadine (Chrome)"})
    device = db.session.get(Device, uuid.UUID(push.device_id))
    assert (device.user_id, device.pending_count, device.user_agent) == (advisor.id, 40, "Tablette Tadine (Chrome)")
    assert device.app_version == "3f2a9c1b7d00"
    first_push, waiting_since = device.last_push_at, device.pending_since
    assert waiting_since == first_push
    push(item(), pending=3)
    db.session.refresh(device)
    assert (device.pending_count, device.pending_since) == (2, waiting_since)  # still the first time
    push(pending=0)
    db.session.refresh(device)
    assert device.pending_count == 0 and device.pending_since is None and device.last_push_at >= first_push
    assert device.app_version == "3f2a9c1b7d00"  # an older client that does not say keeps it


@pytest.mark.parametrize("version", ["", "x" * 41, "1.0 beta", 12, ["1"]])
def test_a_malformed_app_version_is_a_bad_envelope(advisor, push, version):
    response = push(item(), app_version=version)
    assert response.status_code == 400 and "app_version" in response.json["message"]
    assert rows() == 0


# --- failures -----------------------------------------------------------------------------

def test_database_failure_rolls_back_the_batch_and_answers_5xx_json(app, advisor, push, monkeypatch):
    from pcn_pwa.sync import merge

    def broken(batch):
        raise sa.exc.OperationalError("UPDATE device", {}, Exception("disk I/O error"))

    monkeypatch.setattr(merge, "_record_device", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = push(item(), item())
    assert response.status_code >= 500
    assert response.json["error"] == "server_error"
    assert rows() == 0
    monkeypatch.undo()
    pushed = item()
    assert push(pushed).json["results"][0]["status"] == "created"  # the retry goes through


def test_a_pushed_workshop_without_participants_is_invalid_with_a_plain_message(advisor, push):
    workshop = record(kind="workshop", participants=None, workshop_title="Atelier", autonomy=None, outcome=None)
    workshop.pop("participants")
    response = push(item(data=workshop))
    [result] = response.json["results"]
    assert result["status"] == "invalid"
    assert result["errors"] == {"participants": ["Obligatoire pour ce type d’accompagnement."]}
