"""People, as an admin manages them in the browser: create with a one-time password (the user
chooses their own at first sign-in), reset, deactivate, move to another agency; each action on
record, bad input at its field, nothing half-saved."""

import re
import uuid

import pytest
import sqlalchemy as sa

from pcn_pwa.extensions import db
from pcn_pwa.models import Accompaniment, AuditEntry, User

from .conftest import PASSWORD
from .records_data import record

NEW_PASSWORD = "mon propre mot de passe"


@pytest.fixture
def admin(signed_in):
    return signed_in("admin", username="root")


def one_time_password(response) -> str:
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    return re.search(r'class="one-time-password">([^<]+)<', response.get_data(as_text=True)).group(1)


def create(client, **fields):
    data = {"username": "lea", "display_name": "Léa Wakaine", "role": "advisor", "agency": "KONE", "partner": ""}
    data.update(fields)
    return client.post("/admin/utilisateurs/nouveau", data=data)


def account(username) -> User | None:
    db.session.rollback()
    return db.session.scalar(sa.select(User).where(User.username == username))


def actions():
    db.session.rollback()
    return [entry.action for entry in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))]


def sign_in(app, username, password):
    browser = app.test_client()
    response = browser.post("/login", data={"username": username, "password": password})
    return browser, response


def test_a_new_account_signs_in_once_with_its_one_time_password_then_with_its_own(app, client, admin):
    password = one_time_password(create(client))
    lea = account("lea")
    assert (lea.role, lea.agency_code, lea.display_name, lea.must_change_password) == \
        ("advisor", "KONE", "Léa Wakaine", True)
    assert password not in lea.password_hash and "user.create" in actions()
    tablet, response = sign_in(app, "lea", password)
    assert response.status_code == 302
    # Nothing opens before she chooses her password: pages send her there, the API says so.
    assert tablet.get("/accompagnements/nouveau").headers["Location"] == "/compte/mot-de-passe"
    refused = tablet.post("/api/v1/sync", json={"records": [{"id": str(uuid.uuid4()), "data": record(agency="KONE")}]})
    assert refused.status_code == 403 and refused.json["error"] == "password_change_required"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Accompaniment)) == 0
    page = tablet.get("/compte/mot-de-passe").get_data(as_text=True)
    assert "Mot de passe actuel" not in page  # she has just typed it
    # The one-time password cannot be her own.
    again = tablet.post("/compte/mot-de-passe", data={"new": password, "again": password})
    assert again.status_code == 400 and "ne peut pas servir" in again.get_data(as_text=True)
    chosen = tablet.post("/compte/mot-de-passe", data={"new": NEW_PASSWORD, "again": NEW_PASSWORD})
    assert chosen.headers["Location"] == "/"
    assert tablet.get("/accompagnements/nouveau").status_code == 200
    assert sign_in(app, "lea", password)[1].status_code == 401  # spent
    assert sign_in(app, "lea", NEW_PASSWORD)[1].status_code == 302


@pytest.mark.parametrize("fields,field,message", [
    ({"role": "advisor", "agency": ""}, "agency", "travaille dans une agence"),
    ({"role": "coordinator", "agency": "KONE"}, "agency", "laissez l’agence vide"),
    ({"role": "partner", "agency": "", "partner": ""}, "partner", "choisissez-le"),
    ({"role": "manager", "partner": "CAFAT"}, "partner", "laissez-le vide"),
    ({"username": "root"}, "username", "déjà pris"),
    ({"username": "  ROOT "}, "username", "déjà pris"),
    ({"username": ""}, "username", "requis"),
    ({"username": "léa w"}, "username", "sans espace"),
    ({"display_name": "Léa\x00"}, "display_name", "caractère invisible"),
    ({"role": "wizard"}, "role", "choix"),
    ({"agency": "NOWHERE"}, "agency", "choix"),
])
def test_bad_input_is_said_at_its_field_and_nothing_is_saved(client, admin, fields, field, message):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    response = create(client, **fields)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    errors = re.search(rf'<ul class="errors" id="{field}-errors">(.*?)</ul>', page, re.S)
    assert errors and message in errors.group(1).replace("&#39;", "'").lower()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == before
    assert actions() == []


def test_a_reset_ends_every_sign_in_and_asks_for_a_new_password(app, client, admin, make_user):
    marie = make_user("advisor", username="marie")
    tablet, _ = sign_in(app, "marie", PASSWORD)
    password = one_time_password(client.post(f"/admin/utilisateurs/{marie.id}/mot-de-passe"))
    assert tablet.get("/api/v1/me").status_code == 401
    assert sign_in(app, "marie", PASSWORD)[1].status_code == 401
    browser, response = sign_in(app, "marie", password)
    assert browser.get("/").headers["Location"] == "/compte/mot-de-passe"
    assert "user.reset_password" in actions()


def test_choosing_a_password_signs_out_the_other_devices(app, make_user):
    make_user("advisor", username="marie")
    here, _ = sign_in(app, "marie", PASSWORD)
    there, _ = sign_in(app, "marie", PASSWORD)
    wrong = here.post("/compte/mot-de-passe", data={"current": "nope", "new": NEW_PASSWORD, "again": NEW_PASSWORD})
    assert wrong.status_code == 400 and "Mot de passe incorrect." in wrong.get_data(as_text=True)
    mismatch = here.post("/compte/mot-de-passe", data={"current": PASSWORD, "new": NEW_PASSWORD, "again": "autre"})
    assert mismatch.status_code == 400
    short = here.post("/compte/mot-de-passe", data={"current": PASSWORD, "new": "court", "again": "court"})
    assert short.status_code == 400
    assert there.get("/api/v1/me").status_code == 200  # nothing changed yet
    done = here.post("/compte/mot-de-passe", data={"current": PASSWORD, "new": NEW_PASSWORD, "again": NEW_PASSWORD})
    assert done.headers["Location"] == "/compte"
    assert here.get("/api/v1/me").status_code == 200
    assert there.get("/api/v1/me").status_code == 401


def test_deactivating_ends_sign_ins_keeps_records_and_can_be_undone(app, client, admin, make_user):
    marie = make_user("advisor", username="marie")
    tablet, _ = sign_in(app, "marie", PASSWORD)
    tablet.post("/api/v1/sync", json={"records": [{"id": str(uuid.uuid4()), "data": record()}]})
    client.post(f"/admin/utilisateurs/{marie.id}/activation", data={"active": "0"})
    assert tablet.get("/api/v1/me").status_code == 401
    assert sign_in(app, "marie", PASSWORD)[1].status_code == 401
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Accompaniment)) == 1
    client.post(f"/admin/utilisateurs/{marie.id}/activation", data={"active": "1"})
    assert sign_in(app, "marie", PASSWORD)[1].status_code == 302
    assert actions() == ["user.deactivate", "user.activate"]


def test_an_admin_cannot_deactivate_or_reset_themselves(client, admin):
    response = client.post(f"/admin/utilisateurs/{admin.id}/activation", data={"active": "0"}, follow_redirects=True)
    assert "votre propre compte" in response.get_data(as_text=True)
    client.post(f"/admin/utilisateurs/{admin.id}/mot-de-passe")
    assert account("root").active and not account("root").must_change_password
    assert actions() == []


def test_moving_an_advisor_leaves_past_records_with_their_agency(app, client, admin, make_user):
    marie = make_user("advisor", username="marie", agency="TADINE")
    tablet, _ = sign_in(app, "marie", PASSWORD)
    old_id = str(uuid.uuid4())
    tablet.post("/api/v1/sync", json={"records": [{"id": old_id, "data": record(agency="TADINE")}]})
    response = client.post(f"/admin/utilisateurs/{marie.id}/agence", data={"agency": "KONE"})
    assert response.status_code == 302
    assert account("marie").agency_code == "KONE"
    assert db.session.get(Accompaniment, uuid.UUID(old_id)).agency_code == "TADINE"
    assert tablet.get("/api/v1/me").json["user"]["agency"] == "KONE"
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.move"))
    assert entry.before["agency"] == "TADINE" and entry.after["agency"] == "KONE"
    refused = client.post(f"/admin/utilisateurs/{marie.id}/agence", data={"agency": ""})
    assert refused.status_code == 400 and "choisissez-la" in refused.get_data(as_text=True)
    assert account("marie").agency_code == "KONE"


def test_only_agency_roles_move(client, admin, make_user):
    coordinator = make_user("coordinator", username="coord")
    client.post(f"/admin/utilisateurs/{coordinator.id}/agence", data={"agency": "KONE"})
    assert account("coord").agency_code is None and actions() == []


def test_flask_users_still_creates_accounts_that_sign_in_at_once(app, runner):
    result = runner.invoke(args=["users", "create", "ana", "--role", "manager", "--agency", "bourail"],
                           input="a long enough password\n")
    assert result.exit_code == 0, result.output
    browser, response = sign_in(app, "ana", "a long enough password")
    assert browser.get("/accompagnements/nouveau").status_code == 200  # not asked to choose: she typed it
    assert actions() == ["user.create"]
    assert db.session.scalar(sa.select(AuditEntry.actor_name)) == "(commande)"


def test_a_retired_partner_is_not_offered_nor_taken_for_a_new_account(client, admin, runner):
    from pcn_pwa.models import Partner

    db.session.get(Partner, "OPT").active = False
    db.session.commit()
    page = client.get("/admin/utilisateurs/nouveau").get_data(as_text=True)
    assert 'value="OPT"' not in page and 'value="CAFAT"' in page
    response = create(client, username="opt.agent", role="partner", agency="", partner="OPT")
    assert response.status_code == 400 and account("opt.agent") is None
    assert re.search(r'<ul class="errors" id="partner-errors">', response.get_data(as_text=True))
    done = runner.invoke(args=["users", "create", "opt.agent", "--role", "partner", "--partner", "opt"],
                         input="a long enough password\n")
    assert done.exit_code != 0 and "'OPT' is retired" in done.output and account("opt.agent") is None
    assert create(client, username="cafat.agent", role="partner", agency="", partner="CAFAT").status_code == 200


def test_the_new_account_form_names_partners_in_the_admins_language(client, signed_in):
    """Partner names are French source strings: an admin reading English reads them in English."""
    signed_in("admin", username="root-en", locale="en")
    page = client.get("/admin/utilisateurs/nouveau").get_data(as_text=True)
    assert '<option value="GNC">Government of New Caledonia</option>' in page
    assert "Gouvernement de la Nouvelle-Calédonie" not in page
