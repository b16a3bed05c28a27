"""The translator role: uploads, previews and publishes the catalogues of the languages an admin
assigns to them, and nothing else; the coordinator reads the languages' pages but no longer
uploads or publishes."""

import re

import pytest
import sqlalchemy as sa

from pcn_pwa.extensions import db
from pcn_pwa.models import AuditEntry, Language, User

from .conftest import PASSWORD
from .test_languages_admin import FIRST, SECOND, latest, publish, upload


def assign(user, *codes):
    user.languages = [db.session.get(Language, code) for code in codes]
    db.session.commit()


@pytest.fixture
def translator(signed_in):
    """A translator of Drehu (dhv), signed in on the test client."""
    user = signed_in("translator", username="wamo")
    assign(user, "dhv")
    return user


def test_an_admin_assigns_languages_on_record(app, client, signed_in, make_user):
    signed_in("admin", username="root")
    wamo = make_user("translator", username="wamo")
    page = client.get(f"/admin/utilisateurs/{wamo.id}").get_data(as_text=True)
    assert 'name="languages" type="checkbox" value="dhv"' in page and 'type="checkbox" value="fr"' not in page
    assert client.post(f"/admin/utilisateurs/{wamo.id}/langues", data={"languages": ["dhv", "nen"]}).status_code == 302
    db.session.expire_all()
    assert sorted(language.code for language in db.session.get(User, wamo.id).languages) == ["dhv", "nen"]
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.languages"))
    assert entry.before == {"languages": []} and entry.after == {"languages": ["dhv", "nen"]}
    refused = client.post(f"/admin/utilisateurs/{wamo.id}/langues", data={"languages": ["xx"]})
    assert refused.status_code == 400 and 'id="languages-errors"' in refused.get_data(as_text=True)
    # Only translators get languages.
    advisor = make_user("advisor", username="marie")
    client.post(f"/admin/utilisateurs/{advisor.id}/langues", data={"languages": ["dhv"]})
    db.session.expire_all()
    assert db.session.get(User, advisor.id).languages == []


def test_a_translator_uploads_previews_and_publishes_their_language(client, translator):
    listing = client.get("/admin/langues").get_data(as_text=True)
    assert "/admin/langues/dhv" in listing and "/admin/langues/en" not in listing
    assert "Ajouter une langue" not in listing
    report = upload(client, "dhv", FIRST).get_data(as_text=True)
    first = latest("dhv")
    assert "Publier ce catalogue" in report
    preview = client.get(f"/?apercu={first.id}").get_data(as_text=True)
    assert "[test] Accueil" in preview
    publish(client, first)
    upload(client, "dhv", SECOND)
    publish(client, latest("dhv"))
    assert client.post("/admin/langues/dhv/restaurer").status_code == 302
    db.session.expire_all()
    assert db.session.get(Language, "dhv").catalogue_id == first.id
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.actor_name == "wamo")).all()
    assert actions.count("catalogue.publish") == 2 and "catalogue.restore" in actions


def test_a_translator_touches_no_other_language(client, translator, make_user, auth):
    for url in ["/admin/langues/en", "/admin/langues/en/messages.po"]:
        assert client.get(url).status_code == 403
    boundary_upload = client.post("/admin/langues/en/catalogues", data={})
    assert boundary_upload.status_code == 403
    assert client.post("/admin/langues/en/restaurer").status_code == 403
    assert client.post("/admin/langues/dhv/activation", data={"enabled": "1"}).status_code == 403
    assert client.post("/admin/langues", data={"code": "zz", "native_name": "Zz", "french_name": "Zz"}
                       ).status_code == 403
    assert db.session.get(Language, "zz") is None and not db.session.get(Language, "dhv").enabled


def test_a_preview_of_another_language_is_not_shown_to_a_translator(client, translator, make_user, auth):
    auth.logout()
    make_user("admin", username="root")
    auth.login("root")
    client.post("/admin/langues", data={"code": "tst", "native_name": "Test", "french_name": "Test"})
    upload(client, "tst", FIRST.replace(b"Language: dhv", b"Language: tst"))
    other = latest("tst")
    auth.logout()
    auth.login("wamo")
    assert "[test] Accueil" not in client.get(f"/?apercu={other.id}").get_data(as_text=True)


@pytest.mark.parametrize("url", ["/tableau-de-bord", "/tableau-de-bord/rapport", "/accompagnements/",
                                 "/accompagnements/nouveau", "/admin/utilisateurs"])
def test_a_translator_sees_no_record_and_no_figure_on_pages(client, translator, url):
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", ["/api/v1/stats", "/api/v1/accompaniments", "/api/v1/exports/accompaniments.csv",
                                 "/api/v1/exports/stats.xlsx"])
def test_a_translator_sees_no_record_and_no_figure_in_the_api(client, translator, url):
    response = client.get(url)
    assert response.status_code == 403 and response.json["error"] == "forbidden"


def test_a_translators_home_lists_their_languages_and_no_figure(client, translator):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/admin/langues/dhv"' in page and "Accompagnements" not in page
    menu = re.search(r"<nav.*?</nav>", page, re.S).group(0)
    assert "/tableau-de-bord" not in menu and 'href="/admin/langues"' in menu


def test_the_coordinator_reads_the_languages_but_no_longer_publishes(client, signed_in, make_user, auth):
    make_user("admin", username="root")
    auth.login("root")
    upload(client, "dhv", FIRST)
    first = latest("dhv")
    auth.logout()
    signed_in("coordinator", username="coord")
    assert client.get("/admin/langues/dhv").status_code == 200
    report = client.get(f"/admin/langues/dhv/catalogues/{first.id}").get_data(as_text=True)
    assert "Publier ce catalogue" not in report
    assert client.post(f"/admin/langues/dhv/catalogues/{first.id}/publier").status_code == 403
    assert client.post("/admin/langues/dhv/catalogues", data={}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Language, "dhv").catalogue_id is None


def test_flask_users_creates_a_translator(app, runner):
    result = runner.invoke(args=["users", "create", "wamo", "--role", "translator"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
