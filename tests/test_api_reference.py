"""GET /api/v1/reference: what a tablet needs to work and check records offline."""

import pytest

from pcn_pwa.extensions import db
from pcn_pwa.models import Topic


def test_reference_carries_catalogues_choices_and_rules(client, signed_in):
    signed_in("advisor")
    response = client.get("/api/v1/reference")
    assert response.status_code == 200
    body = response.json
    assert {"version", "agencies", "partners", "procedures", "topics", "languages", "choices", "rules"} <= set(body)
    assert {"code": "TADINE", "name": "Tadine (Maré)", "commune": "98815", "province": "iles", "active": True} \
        in body["agencies"]
    assert {p["code"] for p in body["partners"]} == {"OPT", "EEC", "CDE", "CAFAT", "SIC", "GNC", "PSUD", "OTHER"}
    assert {"code": "CAFAT_CERTIFICATE", "partner": "CAFAT", "label": "Télécharger une attestation de droits",
            "active": True} in body["procedures"]
    assert [c["code"] for c in body["choices"]["autonomy"]] == ["done_by_advisor", "guided", "partly_autonomous",
                                                               "autonomous"]
    assert len(body["choices"]["beneficiary.commune"]) == 33
    assert body["rules"]["fields"]["notes"] == {"type": "text", "max_length": 1000}
    assert {"code": "fr", "name": "Français"} in body["languages"]


def test_labels_follow_the_users_language(client, signed_in):
    signed_in("advisor", locale="en")
    body = client.get("/api/v1/reference").json
    assert {"code": "guided", "label": "Guided step by step"} in body["choices"]["autonomy"]
    assert body["rules"]["messages"]["required"] == "This field is required."


def test_etag_gives_304_until_something_changes(client, signed_in):
    signed_in("advisor")
    first = client.get("/api/v1/reference")
    etag = first.headers["ETag"]
    assert first.json["version"] in etag
    again = client.get("/api/v1/reference", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    topic = db.session.get(Topic, "EMAIL")
    topic.active = False  # an admin retires a topic
    db.session.commit()
    changed = client.get("/api/v1/reference", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


@pytest.mark.parametrize("role", ["advisor", "manager", "partner", "coordinator", "admin"])
def test_every_signed_in_role_gets_reference_data(client, signed_in, role):
    signed_in(role)
    assert client.get("/api/v1/reference").status_code == 200


def test_anonymous_gets_401(client):
    response = client.get("/api/v1/reference")
    assert response.status_code == 401
    assert response.json["error"] == "auth_required"


def test_communes_come_in_the_order_people_look_them_up(client, signed_in):
    """Accents ignored: Bélep before Bourail, Ouvéa among the O (a sort of the letters' codes put
    every accented name after the plain ones)."""
    signed_in("advisor")
    names = [c["label"] for c in client.get("/api/v1/reference").get_json()["choices"]["beneficiary.commune"]]
    assert names.index("Bélep") < names.index("Bourail")
    assert names.index("Ouégoa") < names.index("Ouvéa") < names.index("Païta") < names.index("Poindimié")


def test_the_pages_list_communes_in_the_same_order(client, signed_in, make_user, auth):
    """The record form's list and the agency form's choices: Bélep before Bourail there too."""
    import re

    signed_in("advisor")
    page = client.get("/accompagnements/nouveau").get_data(as_text=True)
    names = re.findall(r'<option value="([^"]+)" data-code=', page)
    assert names.index("Bélep") < names.index("Bourail") and names.index("Ouvéa") < names.index("Païta")
    auth.logout()
    make_user("admin", username="admin-communes")
    auth.login("admin-communes")
    page = client.get("/admin/agences").get_data(as_text=True)
    names = re.findall(r'<option value="98\d+">([^<]+)</option>', page)
    assert names.index("Bélep") < names.index("Bourail") and names.index("Ouvéa") < names.index("Païta")
