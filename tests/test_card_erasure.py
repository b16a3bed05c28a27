"""Erasure by card (issue 14, data protection): on a person's request, a coordinator or an admin
lists the records of their card code and erases what links them to the person."""

import json
import uuid

import pytest
import sqlalchemy as sa

from pcn_pwa.accompaniments import cards
from pcn_pwa.extensions import db
from pcn_pwa.models import Accompaniment, AuditEntry, CardSummary

from .test_retention import assert_figures_equal_a_rebuild, new, pull, push, stored

PAGE = "/admin/cartes/effacer"
NOTES = "Mme a oublié son mot de passe Cafat, revient jeudi."


@pytest.fixture
def card_records(client, auth, make_user):
    """A card seen in two agencies (one record deleted), another card, and a record without one."""
    code, other = cards.new_code(), cards.new_code()
    pushed = {}
    for agency in ("TADINE", "KONE"):
        advisor = make_user("advisor", agency=agency)
        auth.login(advisor.username)
        mine = [new(3, code, notes=NOTES, agency=agency), new(2, code, agency=agency)]
        if agency == "TADINE":
            mine += [new(1, other), new(4, None)]
            mine[1]["deleted"] = True
        push(client, *mine)
        pushed[agency] = mine
        auth.logout()
    return code, other, pushed


def test_a_coordinator_lists_then_erases_everything_linked_to_a_card(client, auth, make_user, card_records, runner):
    code, other, pushed = card_records
    linked = [pushed["TADINE"][0], pushed["TADINE"][1], *pushed["KONE"]]
    unlinked = pushed["TADINE"][2:]
    advisor = make_user("advisor", username="tablet", agency="TADINE")
    auth.login(advisor.username)
    _, cursor = pull(client, "0")
    auth.logout()
    versions = {r["id"]: stored(r["id"]).version for r in linked + unlinked}

    coordinator = make_user("coordinator")
    auth.login(coordinator.username)
    page = client.get(PAGE)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    typed = cards.display(code).lower().replace("0", "o")  # as people type it
    listed = client.post(PAGE, data={"code": typed})
    html = listed.get_data(as_text=True)
    assert listed.status_code == 200, html
    assert "4 accompagnements liés à la carte" in html and cards.display(code) in html
    assert "Tadine" in html and "Koné" in html and "supprimé" in html
    assert NOTES not in html  # the list says whether there are notes, never what they say
    assert {r["id"]: stored(r["id"]).version for r in linked} == {r["id"]: versions[r["id"]] for r in linked}

    done = client.post(PAGE, data={"code": code, "confirm": "1"})
    assert done.status_code == 302 and done.headers["Location"] == PAGE
    assert "sur 4 accompagnements" in client.get(PAGE).get_data(as_text=True)
    for record in linked:
        row = stored(record["id"])
        assert (row.card, row.notes, row.procedure_detail) == (None, None, None)
        assert row.version == versions[record["id"]] + 1 and row.updated_by_id == coordinator.id
        assert row.duration_minutes == 30 and row.kind == "individual"  # the record stays, anonymous
    assert stored(pushed["TADINE"][1]["id"]).deleted  # still deleted
    for record in unlinked:
        row = stored(record["id"])
        assert row.version == versions[record["id"]] and row.notes == "A apporté sa carte Cafat."
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Accompaniment).where(Accompaniment.card == code)) == 0
    assert [row.card for row in db.session.scalars(sa.select(CardSummary))] == [other]
    assert_figures_equal_a_rebuild(runner)

    # The audit entry: who, when, how many; neither the code (in any form) nor any text.
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "records.erase_card")).one()
    assert (entry.actor_id, entry.after) == (coordinator.id, {"records": 4})
    written = json.dumps([entry.target, entry.before, entry.after])
    for secret in (code, cards.display(code), NOTES, "Attestation"):
        assert secret not in written

    # The agency's tablets pull the records without notes nor card.
    auth.logout()
    auth.login(advisor.username)
    pulled, _ = pull(client, cursor)
    assert sorted(item["id"] for item in pulled) == sorted(r["id"] for r in pushed["TADINE"][:2])
    for item in pulled:
        assert item["data"]["notes"] is None and item["data"]["beneficiary"]["card"] is None
        assert item["data"]["procedure_detail"] is None

    # A tablet's stale push (edited offline before the erasure) overwrites nothing.
    stale = pushed["TADINE"][0]
    result = push(client, {**stale, "base_version": 1, "data": {**stale["data"], "duration_minutes": 45}})[0]
    assert result["status"] == "conflict"
    assert result["server_data"]["notes"] is None and result["server_data"]["beneficiary"]["card"] is None
    row = stored(stale["id"])
    assert (row.card, row.notes, row.duration_minutes) == (None, None, 30)
    # The advisor then keeps their version (the tablet pushes it again over the server's): their
    # change is stored, the person's notes, detail and card are not (the record's erasure mark).
    kept = push(client, {**stale, "base_version": result["version"],
                         "data": {**stale["data"], "duration_minutes": 45}})[0]
    assert kept["status"] == "updated"
    row = stored(stale["id"])
    assert (row.card, row.notes, row.procedure_detail, row.duration_minutes) == (None, None, None, 45)
    assert row.erased_at is not None
    # Sent again unchanged, it changes nothing more.
    assert push(client, {**stale, "base_version": kept["version"],
                         "data": {**stale["data"], "duration_minutes": 45}})[0]["status"] == "unchanged"

    # Nothing left: the code is now unknown.
    auth.logout()
    auth.login(coordinator.username)
    again = client.post(PAGE, data={"code": code, "confirm": "1"})
    assert again.status_code == 400 and "Aucun accompagnement n’est lié à cette carte" in again.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "records.erase_card")) == 1


@pytest.mark.parametrize(("typed", "message"), [
    ("", "Indiquez le numéro de la carte."),
    ("K7M4-QXP3", "Numéro de carte invalide : vérifiez chaque caractère."),  # a wrong check character
    ("x" * 5000, "Numéro de carte invalide : vérifiez chaque caractère."),
    ("K7M4\x00QXP2", "Numéro de carte invalide : vérifiez chaque caractère."),
])
def test_a_malformed_code_gets_a_message_at_its_field(client, signed_in, typed, message):
    signed_in("admin")
    response = client.post(PAGE, data={"code": typed, "confirm": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="code-errors"' in html and message in html and 'aria-invalid="true"' in html


def test_an_unknown_code_gets_a_message_and_nothing_is_written(client, signed_in):
    signed_in("coordinator")
    response = client.post(PAGE, data={"code": cards.new_code(), "confirm": "1"})
    assert response.status_code == 400
    assert "Aucun accompagnement n’est lié à cette carte : rien à effacer." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


@pytest.mark.parametrize("role", ["advisor", "manager", "partner", "translator"])
def test_other_roles_are_refused_and_nothing_is_erased(client, auth, make_user, card_records, role):
    code = card_records[0]
    user = make_user(role, username=f"asking-{role}")
    auth.login(user.username)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, data={"code": code, "confirm": "1"}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Accompaniment).where(Accompaniment.card == code)) == 4
    assert "Effacer une carte" not in client.get("/compte").get_data(as_text=True)  # not in their menu


def test_the_erasure_is_in_the_menu_of_coordinators_and_admins(client, signed_in):
    signed_in("coordinator")
    assert f'href="{PAGE}"' in client.get("/compte").get_data(as_text=True)
