"""Agencies, as an admin manages them: add, rename, attach to a commune, deactivate. A deactivated
agency keeps its records, which still count, and takes no new one, from the form or a tablet."""

import re
import uuid

import pytest
import sqlalchemy as sa

from pcn_pwa.extensions import db
from pcn_pwa.models import Accompaniment, Agency, AuditEntry

from .conftest import PASSWORD
from .records_data import record
from .test_records import form_post


@pytest.fixture
def admin(signed_in):
    return signed_in("admin", username="root")


def agency(code) -> Agency | None:
    db.session.rollback()
    return db.session.get(Agency, code)


def trail():
    db.session.rollback()
    return [(entry.action, entry.target, entry.before, entry.after)
            for entry in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))]


def tablet_of(app, make_user, username="tablette", agency_code="TADINE"):
    make_user("advisor", username=username, agency=agency_code)
    browser = app.test_client()
    assert browser.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return browser


def reference_of(browser) -> dict:
    response = browser.get("/api/v1/reference")
    assert response.status_code == 200
    return response.json


def push(browser, record_id=None, base_version=0, **fields):
    item = {"id": record_id or str(uuid.uuid4()), "base_version": base_version, "data": record(**fields)}
    return browser.post("/api/v1/sync", json={"records": [item]}).json["results"][0]


def test_an_added_agency_reaches_the_tablets_and_the_trail(app, client, admin, make_user):
    tablet = tablet_of(app, make_user)
    before = reference_of(tablet)["version"]
    response = client.post("/admin/agences", data={"code": " lifou_we ", "name": "Wé (Lifou)", "commune": "98814"})
    assert response.status_code == 302
    added = agency("LIFOU_WE")
    assert (added.name, added.commune_code, added.province, added.active) == ("Wé (Lifou)", "98814", "iles", True)
    reference = reference_of(tablet)
    assert reference["version"] != before
    assert {"code": "LIFOU_WE", "name": "Wé (Lifou)", "commune": "98814", "province": "iles",
            "active": True} in reference["agencies"]
    assert trail() == [("agency.add", "agency/LIFOU_WE", None,
                        {"name": "Wé (Lifou)", "commune": "98814", "province": "iles", "active": True})]
    # An advisor can be placed there at once.
    assert client.post("/admin/utilisateurs/nouveau", data={"username": "we", "display_name": "Wé", "role": "advisor",
                                                           "agency": "LIFOU_WE"}).status_code == 200


@pytest.mark.parametrize("fields,field,message", [
    ({"code": "TADINE"}, "code", "déjà celui d’une agence"),
    ({"code": "tadine"}, "code", "déjà celui d’une agence"),
    ({"code": "WÉ"}, "code", "majuscules sans accent"),
    ({"code": "1ST"}, "code", "majuscules sans accent"),
    ({"commune": ""}, "commune", "choisissez la commune"),
    ({"commune": "99999"}, "commune", "choix"),
    ({"name": "   "}, "name", "requis"),
    ({"name": "Wé\x00"}, "name", "caractère invisible"),
])
def test_bad_input_is_said_at_its_field_and_nothing_is_saved(client, admin, fields, field, message):
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Agency))
    data = {"code": "LIFOU_WE", "name": "Wé (Lifou)", "commune": "98814", **fields}
    response = client.post("/admin/agences", data=data)
    assert response.status_code == 400
    errors = re.search(rf'<ul class="errors" id="{field}-errors">(.*?)</ul>', response.get_data(as_text=True), re.S)
    assert errors and message in errors.group(1).replace("&#39;", "'").lower()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Agency)) == count and trail() == []


def test_rename_and_new_commune_change_the_reference_and_are_on_record(app, client, admin, make_user):
    tablet = tablet_of(app, make_user)
    before = reference_of(tablet)["version"]
    client.post("/admin/agences/KONE", data={"name": "Koné (centre)", "commune": "98810"})
    moved = agency("KONE")
    assert (moved.name, moved.commune_code) == ("Koné (centre)", "98810")
    assert reference_of(tablet)["version"] != before
    [(action, target, old, new)] = trail()
    assert (action, target, old["name"], new["name"], old["commune"], new["commune"]) == \
        ("agency.update", "agency/KONE", "Koné", "Koné (centre)", "98811", "98810")
    # The same again changes nothing and records nothing.
    client.post("/admin/agences/KONE", data={"name": "Koné (centre)", "commune": "98810"})
    bad = client.post("/admin/agences/KONE", data={"name": "", "commune": "98810"})
    assert bad.status_code == 400 and agency("KONE").name == "Koné (centre)" and len(trail()) == 1


def test_a_deactivated_agency_keeps_its_records_and_takes_no_new_one(app, client, admin, make_user):
    tablet = tablet_of(app, make_user)
    kept = str(uuid.uuid4())
    assert push(tablet, kept)["status"] == "created"
    coordinator = app.test_client()
    make_user("coordinator", username="coord")
    coordinator.post("/login", data={"username": "coord", "password": PASSWORD})
    counted = coordinator.get("/api/v1/stats?from=2026-01-01").json["totals"]["records"]
    version = reference_of(tablet)["version"]

    client.post("/admin/agences/TADINE/activation", data={"active": "0"})
    assert agency("TADINE").active is False
    reference = reference_of(tablet)
    assert reference["version"] != version
    assert next(item for item in reference["agencies"] if item["code"] == "TADINE")["active"] is False
    assert reference["rules"]["closed_agencies"] == ["TADINE"]
    # Its records stay and count.
    assert db.session.get(Accompaniment, uuid.UUID(kept)) is not None
    assert coordinator.get("/api/v1/stats?from=2026-01-01").json["totals"]["records"] == counted
    # A tablet's push for it is invalid, with a message that says why.
    refused = push(tablet)
    assert refused["status"] == "invalid"
    assert refused["errors"]["agency"] == ["L’agence TADINE est fermée : elle ne prend plus d’accompagnement."]
    # And so is the form.
    page = tablet.post("/accompagnements/nouveau", data=form_post())
    assert page.status_code == 400 and "TADINE est fermée" in page.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Accompaniment)) == 1
    assert [action for action, *_ in trail()] == ["agency.deactivate"]

    client.post("/admin/agences/TADINE/activation", data={"active": "1"})
    assert push(tablet)["status"] == "created"


def test_a_closed_agency_is_not_offered_to_new_accounts_or_moves(client, admin, make_user):
    client.post("/admin/agences/YATE/activation", data={"active": "0"})
    page = client.get("/admin/utilisateurs/nouveau").get_data(as_text=True)
    assert 'value="YATE"' not in page and 'value="KONE"' in page
    response = client.post("/admin/utilisateurs/nouveau", data={"username": "x", "display_name": "X",
                                                                "role": "advisor", "agency": "YATE"})
    assert response.status_code == 400


def test_unknown_agency_is_404(client, admin):
    assert client.get("/admin/agences/NOWHERE").status_code == 404
    assert client.post("/admin/agences/NOWHERE/activation", data={"active": "0"}).status_code == 404
