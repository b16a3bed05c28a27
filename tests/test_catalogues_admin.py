"""The reference lists as an admin manages them (pcn_pwa/reference_admin.py): partners, procedures
and digital-skill topics are added, renamed, reordered, retired and restored in the browser, each
action in the audit trail with its values before and after, each changing the tablets' reference.
A retired entry leaves the form for new records, stays on the records that cite it, and a tablet's
push citing it is still ``created``."""

import re
import uuid

import pytest
import sqlalchemy as sa

from pcn_pwa.accompaniments.judge import Reference, judge
from pcn_pwa.extensions import db
from pcn_pwa.models import Accompaniment, AuditEntry, Partner, Procedure, Topic

from .records_data import NOW, record
from .test_agencies import push, reference_of, tablet_of, trail
from .test_records import form_post, stored


@pytest.fixture
def admin(signed_in):
    return signed_in("admin", username="root")


def fresh(model, code):
    db.session.rollback()
    return db.session.get(model, code)


def field_errors(response, field: str) -> str:
    """The messages shown under a form's field (or in its group of boxes, for the procedures)."""
    page = response.get_data(as_text=True)
    found = re.search(rf'<ul class="errors" id="{field}-errors">(.*?)</ul>', page, re.S) or re.search(
        rf'<fieldset[^>]* id="{field}">(?:(?!</fieldset>).)*<ul class="errors">(.*?)</ul>', page, re.S)
    return found.group(1).replace("&#39;", "'") if found else ""


def order(model, **where) -> list[str]:
    db.session.rollback()
    query = sa.select(model.code).filter_by(**where).order_by(model.position, model.code)
    return list(db.session.scalars(query))


# --------------------------------------------------------------------------- each action, its audit entry


def test_an_added_topic_reaches_the_form_the_tablets_and_the_trail(app, client, admin, make_user):
    tablet = tablet_of(app, make_user)
    before = reference_of(tablet)["version"]
    response = client.post("/admin/referentiels/themes", data={"code": " smartphone_apps ",
                                                               "label": "Applications sur smartphone"})
    assert response.status_code == 302
    added = fresh(Topic, "SMARTPHONE_APPS")
    assert (added.label, added.active) == ("Applications sur smartphone", True)
    assert order(Topic)[-1] == "SMARTPHONE_APPS"  # at the end of the list
    reference = reference_of(tablet)
    assert reference["version"] != before
    assert {"code": "SMARTPHONE_APPS", "label": "Applications sur smartphone", "active": True} in reference["topics"]
    assert "SMARTPHONE_APPS" in reference["rules"]["lists"]["topics"]
    assert trail() == [("reference.add", "topic/SMARTPHONE_APPS", None,
                        {"label": "Applications sur smartphone", "position": added.position, "active": True})]
    # The form offers it, and a record may cite it.
    assert 'value="SMARTPHONE_APPS"' in tablet.get("/accompagnements/nouveau").get_data(as_text=True)
    assert push(tablet, topics=["SMARTPHONE_APPS"])["status"] == "created"


def test_an_added_procedure_belongs_to_its_partner(app, client, admin, make_user):
    response = client.post("/admin/referentiels/demarches", data={"code": "CAFAT_RETIREMENT", "partner": "CAFAT",
                                                                  "label": "Préparer sa retraite"})
    assert response.status_code == 302
    added = fresh(Procedure, "CAFAT_RETIREMENT")
    assert (added.partner_code, added.label) == ("CAFAT", "Préparer sa retraite")
    assert order(Procedure, partner_code="CAFAT")[-1] == "CAFAT_RETIREMENT"
    [(action, target, old, new)] = trail()
    assert (action, target, old, new["partner"]) == ("reference.add", "procedure/CAFAT_RETIREMENT", None, "CAFAT")
    tablet = tablet_of(app, make_user)
    assert reference_of(tablet)["rules"]["procedure_partners"]["CAFAT_RETIREMENT"] == "CAFAT"
    assert push(tablet, procedures=["CAFAT_RETIREMENT"])["status"] == "created"


def test_an_added_partner(client, admin):
    assert client.post("/admin/referentiels/partenaires", data={"code": "MAIRIE", "label": "Mairie"}).status_code == 302
    assert fresh(Partner, "MAIRIE").name == "Mairie"
    assert [action for action, *_ in trail()] == ["reference.add"]
    assert "Mairie" in client.get("/admin/referentiels/partenaires").get_data(as_text=True)


def test_a_rename_keeps_the_code_relabels_old_records_and_is_on_record(app, client, admin, make_user):
    tablet = tablet_of(app, make_user)
    kept = str(uuid.uuid4())
    assert push(tablet, kept, topics=["HEALTH"])["status"] == "created"
    version = reference_of(tablet)["version"]
    response = client.post("/admin/referentiels/themes/HEALTH", data={"label": "Santé et Cafat en ligne"})
    assert response.status_code == 302
    assert fresh(Topic, "HEALTH").label == "Santé et Cafat en ligne"
    reference = reference_of(tablet)
    assert reference["version"] != version
    assert {"code": "HEALTH", "label": "Santé et Cafat en ligne", "active": True} in reference["topics"]
    [(action, target, old, new)] = trail()
    assert (action, target, old["label"], new["label"]) == \
        ("reference.rename", "topic/HEALTH", "Santé en ligne", "Santé et Cafat en ligne")
    # The old record shows the new label; the same label again changes and records nothing.
    assert "Santé et Cafat en ligne" in tablet.get(f"/accompagnements/{kept}").get_data(as_text=True)
    client.post("/admin/referentiels/themes/HEALTH", data={"label": "Santé et Cafat en ligne"})
    assert len(trail()) == 1


def test_a_renamed_seed_label_falls_back_to_french_in_english(app, client, admin, make_user):
    """A seed label is translated by the shipped catalogue; a label typed by an admin is not in it
    yet, so English users see the French until a translator's catalogue holds it."""
    tablet = tablet_of(app, make_user)
    english = lambda: {t["code"]: t["label"] for t in  # noqa: E731
                       tablet.get("/api/v1/reference", headers={"Accept-Language": "en"}).json["topics"]}
    assert english()["HEALTH"] != "Santé en ligne"  # translated by the shipped catalogue
    client.post("/admin/referentiels/themes/HEALTH", data={"label": "Santé et Cafat en ligne"})
    assert english()["HEALTH"] == "Santé et Cafat en ligne"


def test_reorder_up_and_down_without_a_script(app, client, admin, make_user):
    tablet = tablet_of(app, make_user)
    version = reference_of(tablet)["version"]
    first, second, *rest = order(Topic)
    response = client.post(f"/admin/referentiels/themes/{second}/ordre", data={"sens": "haut"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#entry-{second}")
    assert order(Topic) == [second, first, *rest]
    assert reference_of(tablet)["version"] != version
    [(action, target, old, new)] = trail()
    assert (action, target) == ("reference.move", f"topic/{second}")
    assert (old["position"], new["position"]) == (1, 0)
    assert old["order"][:2] == [first, second] and new["order"][:2] == [second, first]
    # The form offers the topics in the new order.
    page = tablet.get("/accompagnements/nouveau").get_data(as_text=True)
    assert page.index(f'value="{second}"') < page.index(f'value="{first}"')
    # Down again; at either end nothing moves and nothing is recorded.
    client.post(f"/admin/referentiels/themes/{second}/ordre", data={"sens": "bas"})
    assert order(Topic) == [first, second, *rest]
    client.post(f"/admin/referentiels/themes/{first}/ordre", data={"sens": "haut"})
    client.post(f"/admin/referentiels/themes/{rest[-1]}/ordre", data={"sens": "bas"})
    client.post(f"/admin/referentiels/themes/{first}/ordre", data={"sens": "de côté"})
    assert order(Topic) == [first, second, *rest] and len(trail()) == 2


def test_procedures_move_among_their_partners_own(client, admin):
    cafat = order(Procedure, partner_code="CAFAT")
    others = order(Procedure, partner_code="OPT")
    client.post(f"/admin/referentiels/demarches/{cafat[0]}/ordre", data={"sens": "bas"})
    assert order(Procedure, partner_code="CAFAT") == [cafat[1], cafat[0], *cafat[2:]]
    assert order(Procedure, partner_code="OPT") == others
    # The list page offers no « up » to the first of a partner's procedures.
    page = client.get("/admin/referentiels/demarches").get_data(as_text=True)
    row = re.search(rf'<tr id="entry-{cafat[1]}">(.*?)</tr>', page, re.S).group(1)
    assert 'value="bas"' in row and 'value="haut"' not in row


def test_retire_and_restore_are_on_record_and_change_the_reference(app, client, admin, make_user):
    tablet = tablet_of(app, make_user)
    version = reference_of(tablet)["version"]
    response = client.post("/admin/referentiels/demarches/SIC_RENT/activation", data={"active": "0"})
    assert response.status_code == 302
    assert fresh(Procedure, "SIC_RENT").active is False
    reference = reference_of(tablet)
    assert reference["version"] != version
    # Still sent, labelled and marked retired: the tablets label old records with it.
    assert {"code": "SIC_RENT", "partner": "SIC", "label": "Payer son loyer", "active": False} \
        in reference["procedures"]
    assert "SIC_RENT" in reference["rules"]["lists"]["procedures"]
    client.post("/admin/referentiels/demarches/SIC_RENT/activation", data={"active": "0"})  # nothing to do
    client.post("/admin/referentiels/demarches/SIC_RENT/activation", data={"active": "1"})
    assert fresh(Procedure, "SIC_RENT").active is True
    assert reference_of(tablet)["version"] == version
    assert [(action, target, old["active"], new["active"]) for action, target, old, new in trail()] == [
        ("reference.retire", "procedure/SIC_RENT", True, False),
        ("reference.restore", "procedure/SIC_RENT", False, True)]


def test_the_trail_page_names_the_actions(client, admin):
    client.post("/admin/referentiels/themes/HEALTH/activation", data={"active": "0"})
    page = client.get("/admin/journal").get_data(as_text=True)
    assert "Entrée de référentiel retirée" in page and "topic/HEALTH" in page


# --------------------------------------------------------------------------- retired entries and records


def test_a_retired_entry_leaves_the_form_for_new_records(app, client, admin, make_user, auth):
    client.post("/admin/referentiels/demarches/CAFAT_CERTIFICATE/activation", data={"active": "0"})
    client.post("/admin/referentiels/themes/HEALTH/activation", data={"active": "0"})
    advisor = tablet_of(app, make_user, "conseil")
    page = advisor.get("/accompagnements/nouveau").get_data(as_text=True)
    assert 'value="CAFAT_CERTIFICATE"' not in page and 'value="HEALTH"' not in page
    assert 'value="CAFAT_FAMILY"' in page and 'value="EMAIL"' in page
    # Posted all the same (a page opened before the retirement): said at the field, nothing saved.
    response = advisor.post("/accompagnements/nouveau", data=form_post(topics=["HEALTH", "EMAIL"]))
    assert response.status_code == 400
    assert "« Télécharger une attestation de droits » n’est plus proposé" in field_errors(response, "procedures")
    assert "« Santé en ligne » n’est plus proposé" in field_errors(response, "topics")
    assert stored() == []


def test_a_retired_partner_leaves_the_form_keeps_its_figures_and_its_users(app, client, admin, make_user):
    tablet = tablet_of(app, make_user)
    assert push(tablet)["status"] == "created"  # a Cafat record
    partner_client = app.test_client()
    make_user("partner", username="cafat", partner="CAFAT")
    partner_client.post("/login", data={"username": "cafat", "password": "correct horse battery"})
    counted = partner_client.get("/api/v1/stats?from=2026-01-01").json["totals"]["records"]
    client.post("/admin/referentiels/partenaires/CAFAT/activation", data={"active": "0"})
    page = tablet.get("/accompagnements/nouveau").get_data(as_text=True)
    assert 'name="partners" type="checkbox" value="CAFAT"' not in page and 'value="CAFAT_FAMILY"' not in page
    response = tablet.post("/accompagnements/nouveau", data=form_post())
    assert response.status_code == 400 and "« Cafat » n’est plus proposé" in field_errors(response, "partners")
    assert partner_client.get("/api/v1/stats?from=2026-01-01").json["totals"]["records"] == counted
    assert partner_client.get("/tableau-de-bord").status_code == 200


def test_a_waiting_record_citing_an_entry_retired_since_is_created(app, client, admin, make_user):
    """A record made offline last week with a procedure retired today is ``created``, not ``invalid``."""
    tablet = tablet_of(app, make_user)
    client.post("/admin/referentiels/demarches/CAFAT_CERTIFICATE/activation", data={"active": "0"})
    client.post("/admin/referentiels/partenaires/CAFAT/activation", data={"active": "0"})
    client.post("/admin/referentiels/themes/ADMIN_PROCEDURES/activation", data={"active": "0"})
    waiting = str(uuid.uuid4())
    result = push(tablet, waiting)  # partners CAFAT, procedure CAFAT_CERTIFICATE, topic ADMIN_PROCEDURES
    assert result["status"] == "created", result
    saved = db.session.get(Accompaniment, uuid.UUID(waiting))
    assert saved is not None
    # And its page still names them.
    page = tablet.get(f"/accompagnements/{waiting}").get_data(as_text=True)
    assert "Télécharger une attestation de droits" in page and "Cafat" in page


def test_an_edited_record_keeps_showing_its_retired_entry(app, client, admin, make_user):
    advisor = tablet_of(app, make_user, "conseil")
    assert advisor.post("/accompagnements/nouveau", data=form_post()).status_code == 302
    [saved] = stored()
    client.post("/admin/referentiels/demarches/CAFAT_CERTIFICATE/activation", data={"active": "0"})
    page = advisor.get(f"/accompagnements/{saved.id}/modifier").get_data(as_text=True)
    checkbox = re.search(r'<input[^>]*value="CAFAT_CERTIFICATE"[^>]*>', page)
    assert checkbox and "checked" in checkbox.group(0)
    assert "Télécharger une attestation de droits (retiré)" in page
    # Saved again with it: kept. Another retired entry the record did not cite: refused.
    response = advisor.post(f"/accompagnements/{saved.id}/modifier",
                            data=form_post(version=str(saved.version), duration="45"))
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.get(Accompaniment, saved.id).duration_minutes == 45
    client.post("/admin/referentiels/themes/HEALTH/activation", data={"active": "0"})
    response = advisor.post(f"/accompagnements/{saved.id}/modifier",
                            data=form_post(version=str(saved.version + 1), topics=["HEALTH"]))
    assert response.status_code == 400 and "n’est plus proposé" in field_errors(response, "topics")


def test_the_judge_refuses_retired_entries_only_when_asked(app):
    db.session.get(Topic, "BROWSING").active = False
    db.session.flush()
    reference = Reference.load()
    data = record("quick_help")  # topics: BROWSING
    assert judge(data, reference, NOW).valid  # a push
    refused = judge(data, reference, NOW, refuse_retired=True)
    assert refused.errors == {"topics": ["« Naviguer sur internet » n’est plus proposé : choisissez une autre entrée."]}
    assert judge(data, reference, NOW, refuse_retired=True, kept={"topics": ["BROWSING"]}).valid
    db.session.rollback()


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("slug,fields,field,message", [
    ("themes", {"code": "HEALTH"}, "code", "existe déjà"),
    ("themes", {"code": "health"}, "code", "existe déjà"),
    ("partenaires", {"code": "OPT"}, "code", "existe déjà"),
    ("themes", {"code": "SANTÉ"}, "code", "majuscules sans accent"),
    ("themes", {"code": "1ST"}, "code", "majuscules sans accent"),
    ("themes", {"code": "A-B"}, "code", "majuscules sans accent"),
    ("themes", {"code": ""}, "code", "requis"),
    ("partenaires", {"code": "X" * 17}, "code", "16"),
    ("themes", {"label": "   "}, "label", "requis"),
    ("themes", {"label": "Santé\x00"}, "label", "caractère invisible"),
    ("themes", {"label": "x" * 161}, "label", "160"),
    ("demarches", {"partner": ""}, "partner", "choisissez le partenaire"),
    ("demarches", {"partner": "NOBODY"}, "partner", "choix"),
])
def test_bad_input_is_said_at_its_field_and_nothing_is_saved(client, admin, slug, fields, field, message):
    counts = [db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in (Partner, Procedure, Topic)]
    data = {"code": "NEW_ENTRY", "label": "Nouvelle entrée", "partner": "CAFAT", **fields}
    response = client.post(f"/admin/referentiels/{slug}", data=data)
    assert response.status_code == 400
    assert message in field_errors(response, field).lower()
    db.session.rollback()
    assert [db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Partner, Procedure, Topic)] == counts
    assert trail() == []


def test_a_procedure_of_a_retired_partner_is_refused(client, admin):
    client.post("/admin/referentiels/partenaires/SIC/activation", data={"active": "0"})
    response = client.post("/admin/referentiels/demarches", data={"code": "SIC_NEW", "partner": "SIC",
                                                                  "label": "Nouvelle"})
    assert response.status_code == 400 and field_errors(response, "partner")
    assert fresh(Procedure, "SIC_NEW") is None


def test_an_empty_rename_is_refused_and_nothing_changes(client, admin):
    response = client.post("/admin/referentiels/partenaires/OPT", data={"label": " "})
    assert response.status_code == 400 and "requis" in field_errors(response, "label").lower()
    assert fresh(Partner, "OPT").name == "OPT-NC" and trail() == []


def test_unknown_lists_and_entries_are_404(client, admin):
    assert client.get("/admin/referentiels/communes").status_code == 404
    assert client.get("/admin/referentiels/themes/NOWHERE").status_code == 404
    assert client.post("/admin/referentiels/themes/NOWHERE/activation", data={"active": "0"}).status_code == 404
    assert client.post("/admin/referentiels/themes/NOWHERE/ordre", data={"sens": "haut"}).status_code == 404
    assert client.post("/admin/referentiels/themes/HEALTH/activation", data={"active": "peut-être"}).status_code == 302
    assert fresh(Topic, "HEALTH").active is True and trail() == []


def test_the_menu_links_the_lists_for_admins_only(app, client, admin, make_user):
    assert 'href="/admin/referentiels"' in client.get("/").get_data(as_text=True)
    advisor = tablet_of(app, make_user, "conseil")
    assert 'href="/admin/referentiels"' not in advisor.get("/").get_data(as_text=True)
    assert advisor.get("/admin/referentiels/themes").status_code == 403
    answer = advisor.get("/api/v1/reference")
    assert answer.status_code == 200  # the tablets' reference stays theirs


def test_audit_entries_are_one_transaction_with_the_change(app, client, admin, monkeypatch):
    """A change whose audit entry cannot be written is not saved either."""
    from pcn_pwa import audit

    def broken(*args, **kwargs):
        raise RuntimeError("the trail is unavailable")

    monkeypatch.setattr(audit, "record", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.post("/admin/referentiels/themes/HEALTH", data={"label": "Autre"}).status_code == 500
    assert fresh(Topic, "HEALTH").label == "Santé en ligne"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


# --------------------------------------------------------------------------- translators


def test_a_label_typed_by_an_admin_reaches_the_translators(app, client, admin, make_user):
    """The translators' template holds the labels an admin typed (they are in no file); an upload
    that translates one keeps it, and once published the tablets' reference shows it."""
    from .test_languages_admin import go_live, latest, po

    client.post("/admin/referentiels/themes", data={"code": "SMARTPHONE_APPS", "label": "Applications « mobiles »"})
    pot = client.get("/admin/langues/modele.pot").get_data(as_text=True)
    assert 'msgid "Applications « mobiles »"' in pot
    assert pot.count('msgid "Santé en ligne"') == 1  # a seed label once, from messages.pot
    assert 'msgid "OPT-NC"' not in pot  # a name, never translated
    go_live(client, po(entries=[("Applications « mobiles »", "[test] Applications mobiles"),
                                ("Santé en ligne", "[test] Santé en ligne")]))
    assert latest("dhv").unknown == 0
    tablet = tablet_of(app, make_user)
    tablet.post("/langue", data={"locale": "dhv"})
    topics = {t["code"]: t["label"] for t in tablet.get("/api/v1/reference").json["topics"]}
    assert topics["SMARTPHONE_APPS"] == "[test] Applications mobiles"
    assert topics["HEALTH"] == "[test] Santé en ligne"
