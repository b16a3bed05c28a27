"""The dashboard page: the figures of a period within each role's reach, shareable filters,
downloads that carry them, and a clear message for a bad parameter."""

import re
from datetime import date
from html import unescape

import pytest

from pcn_pwa.figures.dashboard import period_dates

from .test_stats import march  # noqa: F401 - a fixture


def text(response) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


@pytest.mark.parametrize("period,first,last", [
    ("mois", date(2026, 3, 1), date(2026, 3, 17)), ("mois-dernier", date(2026, 2, 1), date(2026, 2, 28)),
    ("trimestre", date(2026, 1, 1), date(2026, 3, 17)), ("pilote", date(2025, 1, 1), date(2026, 3, 17)),
])
def test_period_presets(period, first, last):
    assert period_dates(period, date(2026, 3, 17)) == (first, last)


def test_coordinator_sees_every_agency_with_headline_figures_and_charts(client, signed_in, march):
    signed_in("coordinator")
    response = client.get("/tableau-de-bord?periode=dates&from=2026-03-01&to=2026-03-31")
    assert response.status_code == 200
    page = text(response)
    assert "4 accompagnements" in page and "11 personnes accompagnées" in page
    assert "2,8 heures" in page  # 170 minutes
    assert "50 % déjà venues" in page  # 2 of 4
    # Two individual records state autonomy: one guided, one autonomous.
    assert "0 % des accompagnements individuels « fait à sa place »" in page
    assert "50 % autonomes, seuls ou avec un peu d’aide" in page
    html = response.get_data(as_text=True)
    assert html.count("<svg") >= 19 and "<title id=\"series-svg-title\">" in html
    assert "Par agence" in page and "Tadine (Maré) 3 10" in page and "Koné 1 1" in page
    links = re.findall(r'href="(/api/v1/exports/[^"]+)"', html)
    assert len(links) == 3 and all("from=2026-03-01" in unescape(link) and "to=2026-03-31" in unescape(link)
                                   for link in links)


def test_filters_are_url_parameters_and_reach_holds(client, signed_in, auth, march):
    signed_in("manager", agency="TADINE")
    page = text(client.get("/tableau-de-bord?from=2026-03-01&to=2026-03-31&kind=workshop"))
    assert "1 accompagnements" in page and "8 personnes accompagnées" in page
    refused = client.get("/tableau-de-bord?agency=KONE")
    assert refused.status_code == 403 and "votre agence" in text(refused)
    auth.logout()
    signed_in("partner", partner="CAFAT")
    response = client.get("/tableau-de-bord?from=2026-03-01&to=2026-03-31")
    page = text(response)
    assert "moins de 5 accompagnements" in page and "Accompagnements (CSV)" not in page and "Chiffres (Excel)" in page


@pytest.mark.parametrize("query,words", [("from=2026-02-30&periode=dates", "« from »"), ("kind=group", "« kind »"),
                                         ("from=2026-04-01&to=2026-03-01&periode=dates", "« from »")])
def test_a_bad_parameter_is_said_on_the_page(client, signed_in, query, words):
    signed_in("coordinator")
    response = client.get(f"/tableau-de-bord?{query}")
    assert response.status_code == 400 and words in text(response)


def test_an_empty_period_shows_zeros_not_an_error(client, signed_in):
    signed_in("advisor", agency="YATE")
    response = client.get("/tableau-de-bord?periode=dates&from=2026-03-01&to=2026-03-31")
    assert response.status_code == 200
    assert "0 accompagnements" in text(response) and "Aucun accompagnement sur cette période." in text(response)


def test_every_role_has_the_dashboard_in_its_menu(client, signed_in, auth):
    for role in ("advisor", "manager", "partner", "coordinator", "admin"):
        signed_in(role, username=f"menu-{role}")
        assert 'href="/tableau-de-bord"' in client.get("/").get_data(as_text=True)
        auth.logout()


def test_the_filters_offered_follow_the_role_and_show_what_is_chosen(client, signed_in, auth):
    signed_in("coordinator")
    html = client.get("/tableau-de-bord?kind=workshop&agency=KONE").get_data(as_text=True)
    assert 'name="agency" value="KONE" checked' in html and 'name="agency" value="TADINE">' in html
    assert 'name="kind" value="workshop" checked' in html and 'name="partner" value="CAFAT">' in html
    assert '<details class="more-filters" open>' in html
    auth.logout()
    signed_in("manager", agency="TADINE")
    html = client.get("/tableau-de-bord").get_data(as_text=True)
    assert 'name="agency"' not in html and 'name="partner"' in html and '<details class="more-filters">' in html
    auth.logout()
    signed_in("partner", partner="CAFAT")
    html = client.get("/tableau-de-bord").get_data(as_text=True)
    assert 'name="partner"' not in html and 'name="agency"' not in html and 'name="kind"' in html


def test_sync_health_puts_the_devices_that_need_a_call_first(client, signed_in, auth, make_user, db):
    import uuid
    from datetime import timedelta

    from pcn_pwa.models import Device, utcnow

    now = utcnow()
    tadine = make_user("advisor", username="tablette-tadine", agency="TADINE")
    yate = make_user("advisor", username="tablette-yate", agency="YATE")
    kone = make_user("advisor", username="tablette-kone", agency="KONE")
    db.session.add_all([
        Device(id=uuid.uuid4(), user_id=kone.id, last_seen_at=now - timedelta(hours=1), last_push_at=now,
               pending_count=0, app_version="ancienne", user_agent="Chrome Koné"),
        Device(id=uuid.uuid4(), user_id=tadine.id, last_seen_at=now - timedelta(hours=60), pending_count=0,
               user_agent="Chrome Tadine"),
        Device(id=uuid.uuid4(), user_id=yate.id, last_seen_at=now - timedelta(hours=2), pending_count=7,
               pending_since=now - timedelta(hours=30), user_agent="Chrome Yaté"),
    ])
    db.session.commit()
    signed_in("coordinator")
    page = text(client.get("/tableau-de-bord/appareils"))
    order = [page.index(name) for name in ("Chrome Tadine", "Chrome Yaté", "Chrome Koné")]
    assert order[2] > max(order[:2])  # the two that need a call come first
    assert "Silencieux" in page and "Envois en retard" in page and "(ancienne version)" in page
    assert page.count("À jour") == 1
    auth.logout()
    signed_in("manager", agency="YATE")
    page = text(client.get("/tableau-de-bord/appareils"))
    assert "Chrome Yaté" in page and "Chrome Tadine" not in page and "Chrome Koné" not in page
    auth.logout()
    signed_in("advisor", agency="TADINE", username="not-a-manager")
    assert client.get("/tableau-de-bord/appareils").status_code == 403


def test_the_autonomy_mix_month_by_month(client, signed_in, auth, march):
    signed_in("coordinator")
    html = client.get("/tableau-de-bord?periode=dates&from=2026-02-01&to=2026-03-31").get_data(as_text=True)
    page = text(client.get("/tableau-de-bord?periode=dates&from=2026-02-01&to=2026-03-31"))
    assert "Niveau d’autonomie, mois par mois" in page
    # February: the record of the 28th (guided); March: one guided, one autonomous.
    assert re.search(r"2026-02\s+0 1 0 0", page) and re.search(r"2026-03\s+0 1 0 1", page)
    assert 'class="mix-autonomous"' in html and 'width="50.0"' in html
    api = client.get("/api/v1/stats?from=2026-02-01&to=2026-03-31").json
    assert "autonomy_by_month" not in api  # the API answers the contract, nothing more
    auth.logout()
    signed_in("partner", partner="CAFAT")
    page = text(client.get("/tableau-de-bord?periode=dates&from=2026-02-01&to=2026-03-31"))
    assert re.search(r"2026-03\s+0 moins de 5 0 moins de 5", page)
