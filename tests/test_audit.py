"""The audit trail: each admin action leaves one entry in its own transaction, entries are never
changed, and the admin lists them with filters and downloads them as CSV."""

import csv
import io
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from pcn_pwa import audit
from pcn_pwa.extensions import db
from pcn_pwa.models import AuditEntry, SignIn

from .records_data import record
from .test_languages_admin import FIRST, SECOND, latest, publish, upload


def entries(action=None):
    db.session.rollback()  # what is committed, not what this session holds
    query = sa.select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return db.session.scalars(query).all()


def read_csv(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


@pytest.fixture
def admin(signed_in):
    return signed_in("admin", username="root")


def test_publish_and_restore_are_on_record_with_before_and_after(client, admin):
    client.post("/admin/langues", data={"code": "tst", "native_name": "Test", "french_name": "Test"})
    client.post("/admin/langues/tst/activation", data={"enabled": "1"})
    upload(client, "dhv", FIRST)
    first = latest("dhv")
    publish(client, first)
    upload(client, "dhv", SECOND)
    second = latest("dhv")
    publish(client, second)
    client.post("/admin/langues/dhv/restaurer")
    trail = [(entry.actor_name, entry.action, entry.target) for entry in entries()]
    assert trail == [("root", "language.add", "language/tst"), ("root", "language.enable", "language/tst"),
                     ("root", "catalogue.upload", "language/dhv"),
                     ("root", "catalogue.publish", "language/dhv"), ("root", "catalogue.upload", "language/dhv"),
                     ("root", "catalogue.publish", "language/dhv"), ("root", "catalogue.restore", "language/dhv")]
    restore = entries("catalogue.restore")[0]
    assert restore.before == {"catalogue": second.id}
    assert restore.after["catalogue"] == first.id and restore.actor_id == admin.id


def test_an_action_that_fails_leaves_no_entry(client, admin):
    """The entry is in the action's transaction: rolled back with it."""
    audit.record(admin, "language.add", "language/xx", after={"native_name": "x"})
    db.session.rollback()
    assert entries() == []
    # Restoring when there is nothing to restore changes nothing, and records nothing.
    client.post("/admin/langues/dhv/restaurer")
    assert entries("catalogue.restore") == []


def test_entries_are_never_changed_or_deleted(app, admin):
    audit.record(admin, "language.enable", "language/dhv", before={"enabled": False}, after={"enabled": True})
    db.session.commit()
    entry = entries()[0]
    entry.after = {"enabled": False}
    with pytest.raises(audit.AuditTrailIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    db.session.delete(entries()[0])
    with pytest.raises(audit.AuditTrailIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    assert entries()[0].after == {"enabled": True}


def test_an_unknown_action_is_refused(app, admin):
    with pytest.raises(ValueError):
        audit.record(admin, "user.erase_everything", "user/1")


def test_a_record_restore_is_on_record(client, signed_in, auth):
    signed_in("advisor", username="adv", agency="TADINE")
    record_id = str(uuid.uuid4())
    client.post("/api/v1/sync", json={"records": [{"id": record_id, "data": record()}]})
    client.post(f"/accompagnements/{record_id}/supprimer", data={"version": "1"})
    auth.logout()
    signed_in("manager", username="boss", agency="TADINE")
    client.post(f"/accompagnements/{record_id}/restaurer", data={"version": "2"})
    client.post(f"/accompagnements/{record_id}/restaurer", data={"version": "3"})  # not deleted: nothing done
    [entry] = entries("record.restore")
    assert (entry.actor_name, entry.target) == ("boss", f"accompaniment/{record_id}")
    assert entry.before == {"deleted": True, "version": 2} and entry.after == {"deleted": False, "version": 3}


def test_downloads_are_on_record_with_their_filters(client, signed_in):
    signed_in("coordinator", username="coord")
    assert client.get("/api/v1/exports/accompaniments.csv?from=2026-01-01&to=2026-03-31").status_code == 200
    assert client.get("/api/v1/exports/stats.xlsx?from=2026-01-01&to=2026-03-31&agency=KONE").status_code == 200
    assert client.get("/api/v1/exports/stats.xlsx?from=nonsense").status_code == 400  # nothing sent, nothing kept
    downloads = entries("export.download")
    assert [entry.target for entry in downloads] == ["export/pcn-accompagnements-2026-01-01-2026-03-31.csv",
                                                     "export/pcn-chiffres-2026-01-01-2026-03-31.xlsx"]
    assert downloads[1].after["agency"] == ["KONE"] and downloads[0].actor_name == "coord"


def test_ending_sign_ins_is_on_record(app, client, admin, make_user):
    marie = make_user("advisor", username="marie")
    app.test_client().post("/login", data={"username": "marie", "password": "correct horse battery"})
    client.post(f"/admin/utilisateurs/{marie.id}/connexions/terminer")
    [entry] = entries("sign_in.end_all")
    assert entry.target == f"user/{marie.id}" and entry.after == {"username": "marie", "ended": 1}


def add_entries(admin, coordinator):
    """Three entries on three days, by two people."""
    for when, actor, action in [(datetime(2026, 3, 1, 1, tzinfo=timezone.utc), admin, "language.enable"),
                                (datetime(2026, 3, 5, 1, tzinfo=timezone.utc), coordinator, "catalogue.publish"),
                                (datetime(2026, 3, 9, 1, tzinfo=timezone.utc), admin, "catalogue.publish")]:
        audit.record(actor, action, "language/dhv", after={"note": "=1+1"}).at = when
    db.session.commit()


def test_the_page_filters_by_who_action_and_dates(client, admin, make_user):
    add_entries(admin, make_user("coordinator", username="coord"))

    def shown(query=""):
        response = client.get("/admin/journal" + query)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        return [day for day in ("01/03/2026", "05/03/2026", "09/03/2026") if day in page]

    assert shown() == ["01/03/2026", "05/03/2026", "09/03/2026"]
    assert shown("?actor=root") == ["01/03/2026", "09/03/2026"]
    assert shown("?action=catalogue.publish") == ["05/03/2026", "09/03/2026"]
    assert shown("?action=catalogue.publish&actor=coord") == ["05/03/2026"]
    assert shown("?start=2026-03-05&end=2026-03-05") == ["05/03/2026"]
    assert shown("?start=2026-03-02") == ["05/03/2026", "09/03/2026"]


@pytest.mark.parametrize("query,message", [("?start=2026-02-30", "date"), ("?start=2026-03-09&end=2026-03-01", "après"),
                                           ("?action=delete_everything", "choix"), ("?actor=nobody", "choix")])
def test_a_bad_filter_is_said_at_its_field(client, admin, query, message):
    response = client.get("/admin/journal" + query)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'class="errors"' in page and message in page.lower()
    assert client.get("/admin/journal.csv" + query).status_code == 400


def test_csv_holds_what_the_filters_select_and_is_itself_on_record(client, admin, make_user):
    add_entries(admin, make_user("coordinator", username="coord"))
    rows = read_csv(client.get("/admin/journal.csv?action=catalogue.publish"))
    assert rows[0][:3] == ["Quand (Nouméa)", "Qui", "Action"]
    assert [(row[1], row[3]) for row in rows[1:]] == [("root", "catalogue.publish"), ("coord", "catalogue.publish")]
    assert rows[1][0] == "2026-03-09 12:00:00"  # 01:00 UTC is noon in Nouméa
    assert rows[1][6] == "{\"note\": \"=1+1\"}"  # a JSON cell never starts a formula
    exported = entries("audit.export")
    assert len(exported) == 1 and exported[0].after == {"action": "catalogue.publish"}


def test_nothing_in_the_interface_edits_the_trail(app):
    """Only the list and its download: no route of the trail takes anything but GET."""
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("admin.audit")]
    assert len(rules) == 2 and all(rule.methods - {"HEAD", "OPTIONS"} == {"GET"} for rule in rules)
