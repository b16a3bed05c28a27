"""The printable report (/tableau-de-bord/rapport): the scope in words, when it was made, and the
same figures as /api/v1/stats for the same scope and user, with each role's reach and clear
errors. The PDF the browser makes of it is tested in tests/browser/test_report.py."""

import re
from datetime import datetime, timedelta, timezone
from html import unescape
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest

from pcn_pwa.figures.counting import DIMENSIONS

from .records_data import record
from .test_dashboard import text
from .test_stats import CARD, march, write  # noqa: F401 - a fixture

REPORT = "/tableau-de-bord/rapport"
MARCH = "periode=dates&from=2026-03-01&to=2026-03-31"


class Tables(HTMLParser):
    """Every table of a page, by the id its region is labelled by: rows of cell texts."""

    def __init__(self, html: str):
        super().__init__()
        self.tables, self._label, self._row, self._cell = {}, None, None, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div" and attrs.get("role") == "region":
            self._label = attrs["aria-labelledby"]
            self.tables[self._label] = []
        elif tag == "tr" and self._label:
            self._row = []
        elif tag in ("th", "td") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            self._row.append(re.sub(r"\s+", " ", "".join(self._cell)).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._label].append(self._row)
            self._row = None
        elif tag == "table":
            self._label = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def shown(value) -> str:
    """A count as the page writes it (fr_NC: a narrow no-break space between thousands)."""
    return "moins de 5" if value is None else f"{value:,}".replace(",", "\u202f")


def api_of(client, query: str) -> dict:
    response = client.get(f"/api/v1/stats?{query.replace('periode=dates&', '')}")
    assert response.status_code == 200
    return response.json


def assert_same_figures(page_html: str, answer: dict) -> None:
    """Every table of the report holds the numbers of the API's answer, row for row."""
    tables = Tables(page_html).tables
    for name in DIMENSIONS:
        expected = [[row["label"], "", shown(row["records"]), shown(row["people"])]
                    for row in answer["breakdowns"][name]]
        assert tables.get(f"chart-{name}", [])[1:] == expected, name
    assert tables["series-title"][1:] == [[p["start"], shown(p["records"]), shown(p["people"])]
                                          for p in answer["series"]["points"]]
    progress = answer["autonomy_progress"]
    assert tables["progress-title"][1:] == [["Plus autonomes", "", shown(progress["up"])],
                                            ["Autonomie égale", "", shown(progress["same"])],
                                            ["Moins autonomes", "", shown(progress["down"])]]
    key = dict(row for row in tables["key-title"][1:])
    totals = answer["totals"]
    assert (key["accompagnements"], key["personnes accompagnées"], key["cartes de suivi"]) == (
        shown(totals["records"]), shown(totals["people"]), shown(totals["cards"]))


def test_the_report_says_its_scope_and_when_it_was_made(client, signed_in, march):
    signed_in("coordinator")
    before = datetime.now(timezone.utc).astimezone(ZoneInfo("Pacific/Noumea"))
    response = client.get(f"{REPORT}?{MARCH}&partner=CAFAT&kind=individual")
    after = datetime.now(timezone.utc).astimezone(ZoneInfo("Pacific/Noumea"))
    assert response.status_code == 200
    page = text(response)
    assert "Période du 1 mars 2026 au 31 mars 2026" in page
    assert "Agences toutes (Bourail, Koné, Koumac, Païta-Tontouta, Tadine (Maré), Yaté)" in page
    assert "Partenaires Cafat" in page and "Types d’accompagnement Accompagnement individuel" in page
    made = re.search(r"Établi le (\d+) (\w+) (\d{4}) à (\d\d):(\d\d), heure de Nouméa", page)
    assert made, page
    # The time is Nouméa's (UTC+11), not the server's UTC clock.
    assert f"{made[4]}:{made[5]}" in {before.strftime("%H:%M"), after.strftime("%H:%M")}
    assert int(made[1]) in {before.day, after.day}
    assert "Tableau de bord" in page  # the menu is there on screen (print hides it)


@pytest.mark.parametrize("role,options,query", [
    ("coordinator", {}, MARCH),
    ("coordinator", {}, f"{MARCH}&agency=TADINE&kind=individual"),
    ("manager", {"agency": "TADINE"}, MARCH),
    ("partner", {"partner": "CAFAT"}, "periode=dates&from=2026-02-01&to=2026-03-31"),
])
def test_the_report_shows_the_figures_of_the_api(client, signed_in, march, role, options, query):
    signed_in(role, **options)
    response = client.get(f"{REPORT}?{query}")
    assert response.status_code == 200
    assert_same_figures(response.get_data(as_text=True), api_of(client, query))


def test_a_partner_gets_their_figures_with_small_cells_hidden_and_nothing_personal(client, signed_in, make_user):
    writer = make_user("advisor", username="writer-bourail", agency="BOURAIL")
    for day in range(2, 9):  # seven CAFAT records: large enough to show; two on one card
        card = {"beneficiary__card": CARD} if day < 4 else {}
        write(writer, record(agency="BOURAIL", occurred_at=f"2026-03-{day:02d}T09:00:00+11:00",
                             notes="Voisine de Mme Wamytan", **card))
    write(writer, record(agency="BOURAIL", partners=["OPT"], procedures=["OPT_BILL"],
                         occurred_at="2026-03-03T09:00:00+11:00"))
    signed_in("partner", partner="CAFAT")
    response = client.get(f"{REPORT}?{MARCH}")
    assert response.status_code == 200
    page, html = text(response), response.get_data(as_text=True)
    assert "Partenaires Cafat" in page and "Les nombres de 1 à 4 sont masqués" in page
    answer = api_of(client, MARCH)
    assert answer["totals"]["records"] == 7 and answer["totals"]["cards"] is None  # one card: hidden
    assert_same_figures(html, answer)
    assert "moins de 5" in page
    for personal in ("Wamytan", "writer-bourail", "Advisor de test", CARD, CARD[:4] + "-" + CARD[4:]):
        assert personal not in html
    assert client.get(f"{REPORT}?{MARCH}&partner=OPT").status_code == 403


def test_reach_per_role(client, signed_in, auth, march):
    signed_in("manager", agency="TADINE")
    page = text(client.get(f"{REPORT}?{MARCH}"))
    assert "Agences Tadine (Maré)" in page
    refused = client.get(f"{REPORT}?{MARCH}&agency=KONE")
    assert refused.status_code == 403 and "Vous ne voyez que les chiffres de votre agence." in text(refused)
    auth.logout()
    signed_in("advisor", agency="KONE")
    assert "Agences Koné" in text(client.get(f"{REPORT}?{MARCH}"))
    auth.logout()
    response = client.get(f"{REPORT}?{MARCH}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("query,words", [
    ("periode=dates&from=2026-02-30", "« from » doit être une date AAAA-MM-JJ."),
    ("kind=group", "« kind » : code inconnu « group »."),
    ("periode=dates&from=2026-04-01&to=2026-03-01", "« from » doit être au plus tard le jour de « to »."),
    ("agency=NOUMEA", "« agency » : code inconnu « NOUMEA »."),
])
def test_a_bad_parameter_is_said_on_the_report_page(client, signed_in, query, words):
    signed_in("coordinator")
    response = client.get(f"{REPORT}?{query}")
    assert response.status_code == 400 and response.mimetype == "text/html"
    page = text(response)
    assert words in page and "Rapport d’évaluation" in page and "Imprimer" not in page
    # The way back is the dashboard with the same parameters, where the form can mend them.
    back = re.search(r'href="(/tableau-de-bord\?[^"]+)"', response.get_data(as_text=True))
    assert back and client.get(unescape(back[1])).status_code == 400


@pytest.mark.parametrize("query", ["_scheme=javascript&_external=0&endpoint=x&_anchor=y", "kind=group&endpoint=x&_method=z"])
def test_parameters_of_no_meaning_are_left_out_of_the_links(client, signed_in, query):
    signed_in("coordinator")
    for path in (REPORT, "/tableau-de-bord"):
        response = client.get(f"{path}?{MARCH}&{query}")
        assert response.status_code in (200, 400)
        links = " ".join(unescape(link) for link in re.findall(r'href="([^"]*)"', response.get_data(as_text=True)))
        if path == REPORT or response.status_code == 200:  # the dashboard says an error with no links
            assert "periode=dates&from=2026-03-01" in links
        assert "javascript" not in links and "endpoint=" not in links and "_method" not in links


def test_an_empty_period_shows_zeros(client, signed_in):
    signed_in("advisor", agency="YATE")
    response = client.get(f"{REPORT}?{MARCH}")
    assert response.status_code == 200
    tables = Tables(response.get_data(as_text=True)).tables
    key = dict(row for row in tables["key-title"][1:])
    assert (key["accompagnements"], key["personnes accompagnées"], key["heures d’accompagnement"]) == ("0", "0", "0")
    assert [row[1:] for row in tables["series-title"][1:]] == [["0", "0"]] * 6  # six weeks touch March
    assert all(row[2:] == ["0", "0"] for row in tables["chart-kind"][1:])
    assert "Aucun accompagnement sur cette période." in text(response)  # open lists: no row at all


def test_the_dashboard_links_to_the_report_of_its_filters(client, signed_in, monkeypatch):
    from datetime import date

    from pcn_pwa.figures import dashboard

    monkeypatch.setattr(dashboard, "today", lambda: date(2026, 3, 17))
    signed_in("coordinator")
    html = client.get("/tableau-de-bord?periode=mois-dernier&agency=KONE&agency=YATE&kind=workshop")\
        .get_data(as_text=True)
    link = unescape(re.search(r'href="([^"]+)">Rapport imprimable<', html)[1])
    assert link == ("/tableau-de-bord/rapport?periode=dates&from=2026-02-01&to=2026-02-28"
                    "&agency=KONE&agency=YATE&kind=workshop")
    page = text(client.get(link))
    assert "Période du 1 février 2026 au 28 février 2026" in page
    assert "Agences Koné, Yaté" in page and "Types d’accompagnement Atelier collectif" in page


def test_the_report_in_english(client, signed_in, march):
    signed_in("coordinator", locale="en")
    page = text(client.get(f"{REPORT}?{MARCH}&kind=workshop"))
    assert "Evaluation report" in page and "Key figures" in page
    assert "Period from March 1, 2026 to March 31, 2026" in page and "Kinds of accompaniment Group workshop" in page
    assert re.search(r"Generated on \w+ \d+, \d{4} at \d+:\d\d\s?[AP]M, Nouméa time", page), page
