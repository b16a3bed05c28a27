"""The privacy page (issue 14, data protection): open to everyone, in the interface language, with
the configured retention period and contact."""

import pytest


def test_the_privacy_page_is_public_and_in_french(client):
    response = client.get("/confidentialite")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Données personnelles</h1>" in html and 'lang="fr"' in html
    for heading in ("Ce qui est enregistré", "Pourquoi", "Combien de temps", "Vos droits : à qui vous adresser"):
        assert f"<h2>{heading}</h2>" in html
    assert "effacés 24 mois après la date" in html
    assert "la coordination du programme au gouvernement de la Nouvelle-Calédonie" in html


def test_the_privacy_page_in_english(client):
    html = client.get("/confidentialite", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<h1>Personal data</h1>" in html and 'lang="en"' in html
    assert "erased 24 months after the accompaniment’s date" in html
    assert "Whom to ask" not in html and "Your rights: whom to ask" in html


@pytest.mark.parametrize("app_config", [{"RETENTION_MONTHS": 1, "PRIVACY_CONTACT": "dpo@gouv.nc <b>"}])
def test_the_page_shows_the_configured_period_and_contact(client, app_config):
    en = client.get("/confidentialite", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "erased 1 month after" in en
    assert "dpo@gouv.nc &lt;b&gt;" in en and "programme’s coordination" not in en


def test_the_sign_in_page_and_the_account_page_link_to_it(client, signed_in):
    assert 'href="/confidentialite"' in client.get("/login").get_data(as_text=True)
    signed_in("advisor")
    assert 'href="/confidentialite"' in client.get("/compte").get_data(as_text=True)
    assert client.get("/confidentialite").status_code == 200
